"""The crawl's sign of life in the store, every few seconds (a Scrapy extension).

A crawl row says ``running`` until the crawl closes it; whether its process still
lives is told by its pid on the same machine, and by this heartbeat from any other
(a PostgreSQL store shared by several machines): a crawl whose heartbeat is older
than ``crawler.store.core.STALE_AFTER`` is taken for interrupted, and may be resumed.
Each worker of the crawl's own machine beats; those of ``crawl --join`` on other
machines do not, so that a heartbeat says the crawl's own machine lives (its
workers die with it), which the joined ones watch to stop with it.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.store import Store
from crawler.store.core import HEARTBEAT_SECONDS

__all__ = ["Heartbeat"]

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, crawler: Any, db: str, crawl_id: int, interval: float) -> None:
        self.crawler = crawler
        self.db = db
        self.crawl_id = crawl_id
        self.interval = interval
        self.store: Store | None = None
        self.loop: task.LoopingCall | None = None
        self.clock: Any = None  # the reactor; tests give a twisted.internet.task.Clock

    @classmethod
    def from_crawler(cls, crawler: Any) -> Heartbeat:
        settings = crawler.settings
        if not settings.get("GOVLINKS_DB"):
            raise NotConfigured("GOVLINKS_DB is not set")
        if settings.getbool("GOVLINKS_JOINED"):  # crawl --join: the crawl's own machine beats, not this one
            raise NotConfigured("a worker of crawl --join")
        ext = cls(
            crawler,
            settings.get("GOVLINKS_DB"),
            settings.getint("GOVLINKS_CRAWL_ID"),
            settings.getfloat("GOVLINKS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.store = Store.open(self.db)
        self.loop = task.LoopingCall(self.beat)
        if self.clock is not None:
            self.loop.clock = self.clock
        self.loop.start(self.interval, now=True)

    def beat(self) -> None:
        """One heartbeat; a store that does not answer is logged, and the crawl goes on."""
        assert self.store is not None
        try:
            self.store.heartbeat(self.crawl_id)
        except Exception as err:  # a LoopingCall that raises stops for good
            self.crawler.stats.inc_value("govlinks/heartbeat/failed")
            logger.warning("heartbeat of crawl %s failed: %s", self.crawl_id, err)
            return
        self.crawler.stats.inc_value("govlinks/heartbeat/beats")

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.store is not None:
            self.store.close()
