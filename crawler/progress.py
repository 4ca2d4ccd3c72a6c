"""Live progress on a terminal: pages, sites finished, errors, rate, time left.

Off unless ``GOVLINKS_PROGRESS`` is set (the CLI sets it on a TTY without
``--quiet``), so cron jobs get no control characters in their mail.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

__all__ = ["Progress"]


class Progress:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        self.live: Any = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        if not crawler.settings.getbool("GOVLINKS_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        from rich.console import Console
        from rich.live import Live

        self.spider = spider
        self.live = Live(console=Console(stderr=True), refresh_per_second=2, transient=False)
        self.live.start()
        self.loop = task.LoopingCall(self.update)
        self.loop.start(0.5)

    def line(self) -> str:
        spider = self.spider
        stats = self.crawler.stats
        elapsed = max(time.monotonic() - self.started, 1e-6)
        done = spider.done
        rate = done / elapsed
        planned = sum(spider.planned.values()) + sum(spider.targets_planned.values())
        left = max(planned - done, 0)
        finished = sum(1 for s in spider.sites if spider.planned[s] and spider.pending[s] <= 0)
        errors = sum(v for k, v in stats.get_stats().items() if k.startswith("govlinks/errors/"))
        errors += stats.get_value("govlinks/http_errors", 0)
        eta = f"{left / rate:,.0f}s" if rate > 0 and left else "-"
        return (
            f"phase {spider.phase}  pages {done:,}/{planned:,}  "
            f"sites finished {finished}/{len(spider.sites)}  errors {errors:,}  "
            f"{rate:,.1f} pages/s  left ~{eta}"
        )

    def update(self) -> None:
        if self.live is not None:
            self.live.update(self.line())

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.update(self.line())
            self.live.stop()
