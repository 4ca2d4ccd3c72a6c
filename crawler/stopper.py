"""Stop a crawl when told, within seconds, whatever it is doing.

Three things end a crawl before its work is done: a signal (Ctrl-C, cron's
``timeout``, systemd, a reboot: ``crawler/run.py`` turns SIGINT and SIGTERM into a
:data:`~crawler.signals.crawl_stop`), the ``--max-time`` budget, and a component
that finds the crawl cannot go on (a proxy that refuses it, ``crawler/proxy.py``).
Each asks Scrapy to stop gracefully: no new request, the answers in flight parsed
and stored. Scrapy then waits for every request in flight, however slow (a page
trickling in up to ``--timeout``, a DNS lookup that hangs), so after
``GOVLINKS_STOP_GRACE`` seconds (3) the stopper writes the items it has to the
store and stops the reactor: what was still in flight is in the frontier, not in
the pages, and ``--resume`` fetches it. A second signal does that at once.

Scrapy's ``CLOSESPIDER_TIMEOUT`` closes the spider after a time too, but with no
bound on how long closing takes: hence ``GOVLINKS_MAX_TIME`` here. The reason of
the stop is in the stats (``govlinks/stop/reason``: ``signal``, ``max_time`` or
``proxy``), which is how ``run_crawl`` tells an interrupted crawl's exit code.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.signals import crawl_stop, store_flush

__all__ = ["CONSOLE", "Stopper"]

logger = logging.getLogger(__name__)
# The lines a user reads on the terminal or in cron's mail (crawler/run.py sets it up).
CONSOLE = logging.getLogger("govlinks")


class Stopper:
    def __init__(self, crawler: Any, *, max_time: float, grace: float) -> None:
        self.crawler = crawler
        self.max_time = max_time
        self.grace = grace
        self.reason: str | None = None
        self._calls: list[Any] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> Stopper:
        settings = crawler.settings
        stopper = cls(
            crawler,
            max_time=settings.getfloat("GOVLINKS_MAX_TIME", 0),
            grace=settings.getfloat("GOVLINKS_STOP_GRACE", 3.0),
        )
        crawler.signals.connect(stopper.stop, signal=crawl_stop)
        crawler.signals.connect(stopper._opened, signal=signals.spider_opened)
        crawler.signals.connect(stopper._closed, signal=signals.spider_closed)
        return stopper

    @staticmethod
    def _reactor() -> Any:
        from twisted.internet import reactor

        return reactor

    def _opened(self, spider: Any) -> None:
        if self.max_time > 0:
            self._calls.append(self._reactor().callLater(self.max_time, self.stop, reason="max_time"))

    def _closed(self, spider: Any) -> None:
        for call in self._calls:
            if call.active():
                call.cancel()

    def stop(self, reason: str = "signal", message: str | None = None) -> None:
        """Stop gracefully, then at once after the grace period; a second signal: at once."""
        if self.reason is not None:
            if reason == "signal":
                CONSOLE.warning("stopping now: requests in flight are dropped, --resume fetches them")
                self.force(flush=False)
            return
        self.reason = reason
        stats = self.crawler.stats
        stats.set_value("govlinks/stop/reason", reason)
        if message:
            CONSOLE.warning("%s", message)
        logger.info("stopping the crawl (%s), at most %gs for the requests in flight", reason, self.grace)
        self._calls.append(self._reactor().callLater(self.grace, self.force))
        if self.crawler.crawling:
            deferred_from_coro(self.crawler.stop_async())

    def force(self, *, flush: bool = True) -> None:
        """Store what has arrived (unless ``flush`` is false) and stop the reactor now."""
        self.crawler.stats.inc_value("govlinks/stop/forced")
        if flush:
            self.crawler.signals.send_catch_log(store_flush)
        reactor = self._reactor()
        with contextlib.suppress(RuntimeError):  # already stopping
            reactor.stop()
