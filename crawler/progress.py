"""Progress of a crawl: pages, sites finished, errors, rate, time left.

On a terminal (``GOVLINKS_PROGRESS``, set by the CLI on a TTY without ``--quiet``)
a live display, redrawn twice a second. Elsewhere (cron, output redirected to a
file) one plain line every ``GOVLINKS_PROGRESS_EVERY`` seconds (``--progress-every``,
60 s) through the console logger, so that a cron mail or a log shows where a long
crawl stands without any control character.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.console import CONSOLE
from crawler.settings import format_duration

__all__ = ["Progress"]


class Progress:
    def __init__(self, crawler: Any, *, live: bool = True, every: float = 0.0) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        self.live: Any = None
        self.show_live = live
        self.every = every
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        live = crawler.settings.getbool("GOVLINKS_PROGRESS")
        every = crawler.settings.getfloat("GOVLINKS_PROGRESS_EVERY", 0.0)
        if not live and every <= 0:
            raise NotConfigured
        ext = cls(crawler, live=live, every=every)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.spider = spider
        if not self.show_live:
            self.loop = task.LoopingCall(self.print_line)
            self.loop.start(self.every, now=False)
            return
        from rich.console import Console
        from rich.live import Live

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

    def print_line(self) -> None:
        """The progress line for cron and log files, with the time since the start."""
        CONSOLE.info("%s: %s", format_duration(time.monotonic() - self.started), self.line())

    def update(self) -> None:
        if self.live is not None:
            self.live.update(self.line())

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.live.update(self.line())
            self.live.stop()
