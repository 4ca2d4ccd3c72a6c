"""Batched writes of page and check items (``crawler/items.py``) to the store.

One transaction per batch (by count or age) keeps SQLite off the crawl's hot path
while bounding what a ``kill -9`` can lose to the last, unwritten batch, whose
pages ``--resume`` fetches again.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.items import LinkCheck, Page, SiteDone
from crawler.signals import store_flush, store_record
from crawler.store import Store

__all__ = ["StorePipeline"]


class StorePipeline:
    def __init__(self, store: Store, crawl_id: int, batch_size: int, interval: float, stats: Any,
                 *, queue_checks: bool = False) -> None:  # fmt: skip
        self.store = store
        self.crawl_id = crawl_id
        self.batch_size = batch_size
        self.interval = interval
        self.stats = stats
        self.queue_checks = queue_checks  # --check-links: outside URLs are queued for their host
        self.pages: list[Page] = []
        self.checks: list[LinkCheck] = []
        self.done: list[str] = []  # sites whose own crawl ended with the pages before
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        settings = crawler.settings
        if not settings.get("GOVLINKS_DB"):
            raise NotConfigured("GOVLINKS_DB is not set")
        pipe = cls(
            Store.open(settings.get("GOVLINKS_DB")),
            settings.getint("GOVLINKS_CRAWL_ID"),
            settings.getint("GOVLINKS_BATCH_SIZE", 500),
            settings.getfloat("GOVLINKS_BATCH_SECONDS", 2.0),
            crawler.stats,
            queue_checks=settings.getbool("GOVLINKS_CHECK_LINKS"),
        )
        crawler.signals.connect(pipe.flush, signal=store_flush)
        crawler.signals.connect(pipe.process_item, signal=store_record)
        crawler.signals.connect(pipe.lock_waits, signal=signals.spider_closed)
        return pipe

    def lock_waits(self) -> None:
        """How long the writes waited for SQLite's one writer (other workers' batches): the stats."""
        self.stats.set_value("govlinks/store/lock_wait_ms", round(self.store.lock_wait * 1000))
        self.stats.set_value("govlinks/store/transactions", self.store.transactions)

    def process_item(self, item: Page | LinkCheck | SiteDone) -> Page | LinkCheck | SiteDone:
        if isinstance(item, Page):
            self.pages.append(item)
        elif isinstance(item, LinkCheck):
            self.checks.append(item)
        elif isinstance(item, SiteDone):
            self.done.append(item.site)
            return item
        else:
            raise TypeError(f"StorePipeline: not a govlinks item: {type(item).__name__}")
        if (
            len(self.pages) + len(self.checks) >= self.batch_size
            or time.monotonic() - self.last_flush >= self.interval
        ):
            self.flush()
        return item

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.pages and not self.checks and not self.done:
            return
        pages, checks, done = self.pages, self.checks, self.done
        self.pages, self.checks, self.done = [], [], []
        links = self.store.write_batch(
            self.crawl_id, pages, checks, done=done, queue_checks=self.queue_checks
        )
        self.stats.inc_value("govlinks/store/batches")
        self.stats.inc_value("govlinks/store/pages", len(pages))
        self.stats.inc_value("govlinks/store/links", links)
        self.stats.inc_value("govlinks/store/checks", len(checks))

    def close_spider(self) -> None:
        self.flush()
        self.store.close()
