"""Batched writes of page and check items (``crawler/items.py``) to the store.

One transaction per batch (by count or age) keeps SQLite off the crawl's hot path
while bounding what a ``kill -9`` can lose to the last, unwritten batch, whose
pages ``--resume`` fetches again.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy.exceptions import NotConfigured

from crawler.items import LinkCheck, Page
from crawler.signals import store_flush
from crawler.store import Store

__all__ = ["StorePipeline"]


class StorePipeline:
    def __init__(self, store: Store, crawl_id: int, batch_size: int, interval: float, stats: Any) -> None:
        self.store = store
        self.crawl_id = crawl_id
        self.batch_size = batch_size
        self.interval = interval
        self.stats = stats
        self.pages: list[Page] = []
        self.checks: list[LinkCheck] = []
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
        )
        crawler.signals.connect(pipe.flush, signal=store_flush)
        return pipe

    def process_item(self, item: Page | LinkCheck) -> Page | LinkCheck:
        if isinstance(item, Page):
            self.pages.append(item)
        elif isinstance(item, LinkCheck):
            self.checks.append(item)
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
        if not self.pages and not self.checks:
            return
        pages, checks = self.pages, self.checks
        self.pages, self.checks = [], []
        links = self.store.write_batch(self.crawl_id, pages, checks)
        self.stats.inc_value("govlinks/store/batches")
        self.stats.inc_value("govlinks/store/pages", len(pages))
        self.stats.inc_value("govlinks/store/links", links)
        self.stats.inc_value("govlinks/store/checks", len(checks))

    def close_spider(self) -> None:
        self.flush()
        self.store.close()
