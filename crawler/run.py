"""Run one crawl (new or resumed) from start to summary.

The one library call behind ``govlinks crawl``: it validates the seed list and the
store before Scrapy starts, so that every user mistake surfaces as a one-line
GovlinksError, and it closes the crawl's record whatever way Scrapy stops.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import GovlinksError, SeedError
from crawler.items import FrontierRow
from crawler.seeds import SeedList, load_seeds
from crawler.settings import CrawlOptions, scrapy_settings
from crawler.store import CrawlInfo, Store, crawl_lock
from crawler.urls import normalize_url

__all__ = ["CrawlResult", "run_crawl"]

logger = logging.getLogger(__name__)


MAX_NAMED_SITES = 20  # failed sites named in the summary; the report lists them all


@dataclass
class CrawlResult:
    crawl: CrawlInfo
    site_status: dict[str, int]
    stats: dict[str, Any] = field(default_factory=dict)
    error_counts: dict[str, int] = field(default_factory=dict)  # failed pages by kind
    failed: list[tuple[str, str]] = field(default_factory=list)  # (site, status) not ok

    @property
    def failed_sites(self) -> int:
        return sum(n for status, n in self.site_status.items() if status not in ("ok", "not_crawled"))

    def failed_line(self) -> str:
        """``failed sites (2): a.gouv.fr (unreachable), b.gouv.fr (robots)``, or ''."""
        if not self.failed:
            return ""
        named = ", ".join(f"{site} ({status})" for site, status in self.failed[:MAX_NAMED_SITES])
        more = len(self.failed) - MAX_NAMED_SITES
        return f"failed sites ({len(self.failed)}): {named}" + (f" and {more} more" if more > 0 else "")

    def summary(self) -> str:
        """The end-of-crawl summary: totals, then errors by kind and failed sites if any."""
        c = self.crawl
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(self.site_status.items()))
        lines = [
            f"crawl {c.id} {c.state}: {c.pages:,} pages, {c.links:,} cross-site links, "
            f"{c.errors:,} page errors; sites: {statuses}"
        ]
        if self.error_counts:
            lines.append("errors: " + ", ".join(f"{kind} {n:,}" for kind, n in self.error_counts.items()))
        truncated = self.stats.get("govlinks/links_truncated", 0)
        if truncated:
            limit = self.crawl.settings.get("max_links_per_page", 0)
            lines.append(f"links: {truncated:,} page(s) with more than {limit:,} links, the rest ignored")
        if self.failed:
            lines.append(self.failed_line())
        return "\n".join(lines)


# Loggers whose ERROR records are routine crawl failures (a site down, a robots.txt
# that cannot be fetched): stored in the crawl, so kept out of a quiet console.
_ROUTINE_LOGGERS = ("scrapy.downloadermiddlewares.", "scrapy.core.downloader.tls")


def _not_routine(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.CRITICAL or not record.name.startswith(_ROUTINE_LOGGERS)


def _setup_logging(opts: CrawlOptions) -> list[logging.Handler]:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # Warnings (Scrapy deprecations and the like) go to the log, never straight to stderr.
    logging.captureWarnings(True)
    fmt = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.ERROR if (opts.quiet or opts.progress) else logging.INFO)
    if opts.quiet or opts.progress:
        console.addFilter(_not_routine)
    console.setFormatter(fmt)
    handlers: list[logging.Handler] = [console]
    if opts.log_file:
        try:
            handler: logging.Handler = logging.FileHandler(opts.log_file, encoding="utf-8")
        except OSError as err:
            raise GovlinksError(f"{opts.log_file}: cannot open log file ({err.strerror})") from None
        handler.setLevel(logging.INFO)
        handler.setFormatter(fmt)
        handlers.append(handler)
    for h in handlers:
        root.addHandler(h)
    return handlers


def _check_sites(opts: CrawlOptions, seeds: SeedList) -> None:
    known = seeds.by_site()
    unknown = [s for s in opts.sites if s not in known]
    if unknown:
        raise SeedError(f"{opts.seeds}: no site {unknown[0]!r} in this seed list (--site)")


def _prepare(
    opts: CrawlOptions, store: Store, resume: bool, seeds: SeedList
) -> tuple[int, CrawlOptions, list[str]]:
    if resume:
        info = store.last_unfinished_crawl()
        if info is None:
            raise GovlinksError(f"{store.path}: no interrupted crawl to resume")
        if info.seeds_sha256 != seeds.sha256:
            raise GovlinksError(
                f"{opts.seeds}: seed list changed since crawl {info.id} started; "
                "resume with the same seed file or start a new crawl"
            )
        for key in CrawlOptions.CRAWL_KEYS:
            if key in info.settings:
                setattr(opts, key, info.settings[key])
        store.claim_crawl(info.id)
        crawl_id = info.id
    else:
        settings = {k: getattr(opts, k) for k in CrawlOptions.CRAWL_KEYS}
        crawl_id = store.start_crawl(
            seeds_path=str(Path(opts.seeds).resolve()),
            seeds_sha256=seeds.sha256,
            settings=settings,
            sites=seeds.seeds,
            archive_url=opts.archive_url,  # a crawl of the past (crawler/archive.py)
            archive_at=opts.archive_at,
        )
        chosen = [s for s in seeds.seeds if not opts.sites or s.site in opts.sites]
        store.add_frontier(
            crawl_id, [FrontierRow(normalize_url(s.url) or s.site, s.url, s.site, 0) for s in chosen]
        )
    selected = list(opts.sites) or [s.site for s in seeds.seeds]
    return crawl_id, opts, selected


def run_crawl(opts: CrawlOptions, *, resume: bool = False) -> CrawlResult:
    """Crawl the seed sites into the store; return the closed crawl's summary."""
    # Read once: a bad seed file or --site fails before the store is touched, and the
    # checksum recorded is that of the very list the crawl uses.
    seeds = load_seeds(opts.seeds)
    _check_sites(opts, seeds)
    Store.check(opts.db, create=not resume)  # so does a file that is no store
    handlers = _setup_logging(opts)
    try:
        # The lock first: two crawls started at once on a new store must not both create it.
        with crawl_lock(opts.db):
            return _run_locked(opts, resume, seeds)
    finally:
        for h in handlers:
            logging.getLogger().removeHandler(h)
            h.close()
        logging.captureWarnings(False)


def _run_locked(opts: CrawlOptions, resume: bool, seeds: SeedList) -> CrawlResult:
    with Store.open(opts.db, create=True) as store:
        store.check_not_running()
        crawl_id, opts, selected = _prepare(opts, store, resume, seeds)
    from scrapy.crawler import CrawlerProcess

    from crawler.spider import GovlinksSpider

    all_sites = [s.site for s in seeds.seeds]
    settings = scrapy_settings(opts, crawl_id=crawl_id, n_sites=len(selected))
    process = CrawlerProcess({**settings, "LOG_INSTALL_ROOT_HANDLER": False})
    crawler = process.create_crawler(GovlinksSpider)
    process.crawl(crawler, sites=all_sites, selected=selected)
    try:
        process.start()
    finally:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        reason = stats.get("finish_reason")
        status = "finished" if reason == "finished" else "interrupted"
        with Store.open(opts.db) as store:
            info = store.finish_crawl(crawl_id, status=status)
            result = CrawlResult(
                info,
                store.reads.site_status_counts(crawl_id),
                stats,
                store.reads.error_counts(crawl_id),
                store.reads.failed_sites(crawl_id),
            )
        logger.info("%s", result.summary())
    return result
