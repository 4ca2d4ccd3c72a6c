"""Crawl options and the Scrapy settings they become.

Every govlinks-specific Scrapy setting is named ``GOVLINKS_*`` and listed in the
README. The defaults are those of a polite crawler: robots.txt obeyed, one
request at a time per site, one second between requests to a site, a
User-Agent that names govlinks and where to read about it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = [
    "DEFAULT_USER_AGENT",
    "PROJECT_URL",
    "CrawlOptions",
    "format_duration",
    "parse_duration",
    "scrapy_settings",
]

PROJECT_URL = "https://github.com/govlinks/govlinks"
DEFAULT_USER_AGENT = f"govlinks/0.1 (+{PROJECT_URL}; link-graph survey of French State websites)"

_DURATION = re.compile(r"(?i)\s*(\d+(?:\.\d+)?)\s*([dhms]?)\s*")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def parse_duration(text: str) -> float:
    """Seconds in a duration: ``90m``, ``2h``, ``3600s``, ``1h30m``, or plain seconds.

    >>> parse_duration("90m"), parse_duration("1h30m"), parse_duration("3600"), parse_duration("2.5s")
    (5400.0, 5400.0, 3600.0, 2.5)
    """
    pos, total, found = 0, 0.0, False
    while pos < len(text):
        match = _DURATION.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"{text!r} is not a duration (e.g. 90m, 2h, 3600s)")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        pos, found = match.end(), True
    if not found:
        raise ValueError(f"{text!r} is not a duration (e.g. 90m, 2h, 3600s)")
    return total


def format_duration(seconds: float) -> str:
    """A duration as people write it.

    >>> format_duration(5400), format_duration(75), format_duration(42.4), format_duration(7322)
    ('1h30m', '1m15s', '42s', '2h02m')
    """
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"


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
    text: bool = True  # keep each page's text profile and the text around links (not with --no-text)
    max_targets_per_site: int = 500
    max_links_per_page: int = 10000
    max_page_bytes: int = 10 * 1024 * 1024
    timeout: float = 30.0
    retries: int = 2
    dns_timeout: float = 5.0
    dns_servers: list[str] = field(default_factory=list)  # HOST[:PORT]; empty: /etc/resolv.conf
    max_time: float = 0.0  # seconds of wall-clock time this run may take; 0: no limit
    workers: int = 0  # crawl processes sharing the crawl (crawler/workers.py); 0: one per core, capped
    join: bool = False  # more workers for the crawl running on a PostgreSQL store (run.py: join_crawl)
    quiet: bool = False
    progress: bool = False  # the live display (a terminal)
    progress_every: float = 60.0  # seconds between two progress lines elsewhere; 0: none
    log_file: str | None = None
    # Crawl the past (crawler/archive.py): the archive's replay URL, the date, how far
    # from it a capture may be, and requests per second to the archive (all sites).
    archive_url: str | None = None
    archive_at: str | None = None  # YYYY-MM-DD
    archive_window: str = "6m"
    archive_rate: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    # Options that define what the crawl fetches: a resumed crawl keeps them.
    CRAWL_KEYS = (
        "max_pages_per_site", "max_depth", "delay", "concurrency", "per_site_concurrency",
        "sites", "user_agent", "obey_robots", "check_links", "keep_internal",
        "text", "max_targets_per_site", "max_links_per_page", "max_page_bytes", "timeout", "retries",
        "dns_timeout",
        "archive_url", "archive_at", "archive_window", "archive_rate",
    )  # fmt: skip
    # Stored only with a crawl of an archive: a live crawl's settings do not carry them.
    ARCHIVE_KEYS = ("archive_url", "archive_at", "archive_window", "archive_rate")

    def crawl_settings(self) -> dict[str, Any]:
        """The options stored with a new crawl (``crawls.settings``): its :attr:`CRAWL_KEYS`.

        The archive options only for a crawl of an archive: a live crawl that stored
        ``archive_rate`` and ``archive_window`` would list options it never used.
        """
        keys = [k for k in self.CRAWL_KEYS if self.archive_url or k not in self.ARCHIVE_KEYS]
        return {k: getattr(self, k) for k in keys}

    @classmethod
    def stored_options(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The :attr:`CRAWL_KEYS` a stored crawl ran with, as far as its ``settings`` say.

        A crawl stored without archive options is a live one: they read as their
        defaults (no archive), so that ``--resume`` of a live crawl stays live and
        two live crawls compare equal whether or not an older govlinks stored them.

        >>> CrawlOptions.stored_options({"max_depth": 4})
        {'max_depth': 4, 'archive_url': None, 'archive_at': None, 'archive_window': '6m', 'archive_rate': 1.0}
        """
        out = {k: settings[k] for k in cls.CRAWL_KEYS if k in settings}
        if not settings.get("archive_url"):
            out.update({f.name: f.default for f in fields(cls) if f.name in cls.ARCHIVE_KEYS})
        return out


def scrapy_settings(opts: CrawlOptions, *, crawl_id: int, n_sites: int) -> dict[str, Any]:
    """Scrapy settings for one crawl run."""
    settings = _live_settings(opts, crawl_id=crawl_id, n_sites=n_sites)
    if opts.archive_url:
        settings.update(_archive_settings(opts, settings))
    return settings


def _archive_settings(opts: CrawlOptions, live: dict[str, Any]) -> dict[str, Any]:
    """A crawl of the past: every request answered from the archive, through one slot.

    No site is contacted, so ``--delay`` has nothing to pace: the archive's slot
    (``crawler.archive.ARCHIVE_SLOT``) carries the one global rate, and is also the
    delay BackoffMiddleware widens on 429 and relaxes back to.
    """
    delay = 1.0 / opts.archive_rate
    # At most one request started every `delay` seconds, and as many in flight as the rate
    # allows in one second (1 at the default 1/s): a local archive answering in 10 ms is
    # then crawled 5x faster than one request at a time allows (193 requests: 10.3 s -> 2.3 s).
    in_flight = max(1, min(16, math.ceil(opts.archive_rate)))
    return {
        "GOVLINKS_ARCHIVE_URL": opts.archive_url,
        "GOVLINKS_ARCHIVE_AT": opts.archive_at,
        "GOVLINKS_ARCHIVE_WINDOW": opts.archive_window,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_SLOTS": {"archive": {"concurrency": in_flight, "delay": delay, "jitter": 0}},
        # The middleware shares each site's CDX index between the requests that wait for it.
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOADER_MIDDLEWARES": {
            **live["DOWNLOADER_MIDDLEWARES"],
            # After RobotsTxtMiddleware (100), which then asks it for the archived robots.txt;
            # before HttpCompression (590) and Redirect (600) unpack and follow what it serves,
            # and its process_response runs before Backoff's (560) and Retry's (550).
            "crawler.archive.ArchiveMiddleware": 580,
        },
    }


def _live_settings(opts: CrawlOptions, *, crawl_id: int, n_sites: int) -> dict[str, Any]:
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
            "crawler.resolver.DnsReasons": 595,  # names a DNS failure before RetryMiddleware
            "crawler.proxy.ProxyRefusals": 590,  # sees a refused tunnel before RetryMiddleware
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
        # Scrapy checks each callback for a generator's ``return value`` by parsing its
        # source, cached on the bound method, which each response frees: 10% of a
        # worker's CPU (py-spy, bench/workers.py). Ours return no value: the spider's tests
        # would lose their items otherwise.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # Scrapy's log goes to --log-file only (crawler/console.py); the terminal gets
        # the lines of the "govlinks" logger.
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": 60.0,
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 100},
        "EXTENSIONS": {
            "crawler.progress.Progress": 500,
            "crawler.stopper.Stopper": 510,
            "crawler.notices.Notices": 520,
            "crawler.heartbeat.Heartbeat": 530,
        },
        # Asynchronous lookups, each bounded, failures cached (crawler/resolver.py);
        # no thread pool to drain when the crawl stops.
        "TWISTED_DNS_RESOLVER": "crawler.resolver.GovlinksResolver",
        "GOVLINKS_DNS_TIMEOUT": opts.dns_timeout,
        "GOVLINKS_DNS_SERVERS": list(opts.dns_servers),
        "GOVLINKS_MAX_TIME": opts.max_time,
        "GOVLINKS_STOP_GRACE": 3.0,
        "GOVLINKS_PROGRESS_EVERY": 0.0 if opts.quiet or opts.progress else opts.progress_every,
        "GOVLINKS_LOG_FILE": opts.log_file or "",
        "GOVLINKS_DB": opts.db,
        "GOVLINKS_CRAWL_ID": crawl_id,
        "GOVLINKS_MAX_PAGES_PER_SITE": opts.max_pages_per_site,
        "GOVLINKS_MAX_DEPTH": opts.max_depth,
        "GOVLINKS_MAX_TARGETS_PER_SITE": opts.max_targets_per_site,
        "GOVLINKS_MAX_LINKS_PER_PAGE": opts.max_links_per_page,
        "GOVLINKS_KEEP_INTERNAL": opts.keep_internal,
        "GOVLINKS_CHECK_LINKS": opts.check_links,
        "GOVLINKS_TEXT": opts.text,
        "GOVLINKS_PROGRESS": opts.progress,
    }
