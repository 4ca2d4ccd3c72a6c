"""Crawl options and the Scrapy settings they become.

Every govlinks-specific Scrapy setting is named ``GOVLINKS_*`` and listed in the
README. The defaults are those of a polite crawler: robots.txt obeyed, one
request at a time per site, one second between requests to a site, a
User-Agent that names govlinks and where to read about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["DEFAULT_USER_AGENT", "PROJECT_URL", "CrawlOptions", "scrapy_settings"]

PROJECT_URL = "https://github.com/govlinks/govlinks"
DEFAULT_USER_AGENT = f"govlinks/0.1 (+{PROJECT_URL}; link-graph survey of French State websites)"


@dataclass
class CrawlOptions:
    """What ``govlinks crawl`` was asked to do; stored as JSON with each crawl."""

    seeds: str
    db: str
    max_pages_per_site: int = 500
    max_depth: int = 10
    delay: float = 1.0
    concurrency: int = 0  # 0: one slot per site, at most 1000
    per_site_concurrency: int = 1
    sites: list[str] = field(default_factory=list)
    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    check_links: bool = False
    keep_internal: bool = False
    max_targets_per_site: int = 500
    max_links_per_page: int = 10000
    max_page_bytes: int = 10 * 1024 * 1024
    timeout: float = 30.0
    retries: int = 2
    quiet: bool = False
    progress: bool = False
    log_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    # Options that define what the crawl fetches: a resumed crawl keeps them.
    CRAWL_KEYS = (
        "max_pages_per_site", "max_depth", "delay", "concurrency", "per_site_concurrency",
        "sites", "user_agent", "obey_robots", "check_links", "keep_internal",
        "max_targets_per_site", "max_links_per_page", "max_page_bytes", "timeout", "retries",
    )  # fmt: skip


def scrapy_settings(opts: CrawlOptions, *, crawl_id: int, n_sites: int) -> dict[str, Any]:
    """Scrapy settings for one crawl run."""
    from scrapy.settings import default_settings  # here: the CLI loads Scrapy only to crawl

    concurrency = opts.concurrency or min(1000, max(16, n_sites * opts.per_site_concurrency))
    return {
        "BOT_NAME": "govlinks",
        "USER_AGENT": opts.user_agent,
        "ROBOTSTXT_OBEY": opts.obey_robots,
        # Breadth: every site progresses at once, each within its own slot.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": opts.per_site_concurrency,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "DOWNLOAD_DELAY": opts.delay,
        "DOWNLOAD_DELAY_JITTER": 0,
        # The spider dedupes by norm and owns depth, scope and budgets.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        },
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.slots.SlotsMiddleware": 90,
            "crawler.backoff.BackoffMiddleware": 560,  # before RetryMiddleware (550)
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
            # Redirects: loops cut short, pages the crawl fetches anyway not asked twice.
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.redirects.RedirectMiddleware": 600,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.redirects.MetaRefreshMiddleware": 580,
        },
        "HTTPERROR_ALLOW_ALL": True,
        # Only http(s) is ever fetched: no file:, data:, ftp: or s3: handler, whatever
        # a link, a <base> or a redirect says; and only Scrapy retries (--retries).
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        "DOWNLOAD_HANDLERS_BASE": {
            **default_settings.DOWNLOAD_HANDLERS_BASE,
            "http": "crawler.handlers.HTTPDownloadHandler",
            "https": "crawler.handlers.HTTPDownloadHandler",
        },
        "COOKIES_ENABLED": False,
        "DOWNLOAD_MAXSIZE": opts.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_TIMEOUT": opts.timeout,
        "RETRY_TIMES": opts.retries,
        # A page that fails after its retries is a finding, stored; not an error of govlinks.
        "RETRY_GIVE_UP_LOG_LEVEL": "WARNING",
        "GOVLINKS_MAX_BACKOFF": 120.0,
        "REDIRECT_MAX_TIMES": 10,
        # Measured: CONCURRENT_ITEMS=100 halves throughput; the pipeline is synchronous.
        "CONCURRENT_ITEMS": 1,
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR" if opts.quiet or opts.progress else "INFO",
        "LOGSTATS_INTERVAL": 60.0,
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 100},
        "EXTENSIONS": {"crawler.progress.Progress": 500},
        "GOVLINKS_DB": opts.db,
        "GOVLINKS_CRAWL_ID": crawl_id,
        "GOVLINKS_MAX_PAGES_PER_SITE": opts.max_pages_per_site,
        "GOVLINKS_MAX_DEPTH": opts.max_depth,
        "GOVLINKS_MAX_TARGETS_PER_SITE": opts.max_targets_per_site,
        "GOVLINKS_MAX_LINKS_PER_PAGE": opts.max_links_per_page,
        "GOVLINKS_KEEP_INTERNAL": opts.keep_internal,
        "GOVLINKS_CHECK_LINKS": opts.check_links,
        "GOVLINKS_PROGRESS": opts.progress,
    }
