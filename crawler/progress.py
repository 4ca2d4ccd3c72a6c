"""Progress of a crawl: pages, sites finished, errors, rate, time left.

Each worker (``crawler/worker.py``) reports its figures to the parent twice a second
(:class:`Progress`, a Scrapy extension, on the pipe ``GOVLINKS_REPORT_FD``); the
parent sums them (:class:`Board`) and shows one display for the whole crawl. On a
terminal (``--quiet`` off) a live display, redrawn twice a second. Elsewhere (cron,
output redirected to a file) one plain line every ``--progress-every`` (60 s)
through the console logger, so that a cron mail or a log shows where a long crawl
stands without any control character.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from crawler.console import CONSOLE
from crawler.settings import format_duration

__all__ = ["Board", "Figures", "Progress"]

REPORT_EVERY = 0.5  # seconds between two reports of a worker


@dataclass
class Figures:
    """One worker's figures (or their sum)."""

    done: int = 0  # responses and failures handled (any kind)
    planned: int = 0  # pages and link targets planned
    finished: int = 0  # sites whose requests are all answered
    errors: int = 0
    phase: int = 3  # 1 while some site's own crawl runs, 2 while link targets remain, then 3


class Progress:
    """Scrapy extension of a worker: its figures to the parent, every ``REPORT_EVERY`` seconds."""

    def __init__(self, crawler: Any, reporter: Any) -> None:
        self.crawler = crawler
        self.reporter = reporter
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        from crawler.worker import Reporter

        fd = crawler.settings.getint("GOVLINKS_REPORT_FD", -1)
        if fd < 0:
            raise NotConfigured
        ext = cls(crawler, Reporter(fd))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet import task

        self.spider = spider
        self.loop = task.LoopingCall(self.report)
        self.loop.start(REPORT_EVERY)

    def figures(self) -> Figures:
        spider = self.spider
        stats = self.crawler.stats
        errors = sum(v for k, v in stats.get_stats().items() if k.startswith("govlinks/errors/"))
        return Figures(
            done=spider.done,
            planned=sum(spider.planned.values()) + sum(spider.targets_planned.values()),
            finished=sum(1 for s in spider.sites if spider.planned[s] and spider.pending[s] <= 0),
            errors=errors + stats.get_value("govlinks/http_errors", 0),
            phase=spider.phase,
        )

    def report(self) -> None:
        self.reporter.send(progress=self.figures().__dict__)

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report()


class Board:
    """The parent's display: every worker's last figures, summed; live on a terminal, else lines."""

    def __init__(self, n_sites: int, *, live: bool, every: float) -> None:
        self.n_sites = n_sites
        self.show_live = live
        self.every = every
        self.started = time.monotonic()
        self.last_line = self.started
        self.workers: dict[str, Figures] = {}
        self.live: Any = None

    def update(self, worker: str, figures: dict[str, Any]) -> None:
        self.workers[worker] = Figures(**figures)

    def total(self) -> Figures:
        figures = list(self.workers.values())
        return Figures(
            done=sum(f.done for f in figures),
            planned=sum(f.planned for f in figures),
            finished=min(self.n_sites, sum(f.finished for f in figures)),
            errors=sum(f.errors for f in figures),
            phase=min((f.phase for f in figures), default=1),
        )

    def line(self) -> str:
        t = self.total()
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = t.done / elapsed
        left = max(t.planned - t.done, 0)
        eta = f"{left / rate:,.0f}s" if rate > 0 and left else "-"
        return (
            f"phase {t.phase}  pages {t.done:,}/{t.planned:,}  "
            f"sites finished {t.finished}/{self.n_sites}  errors {t.errors:,}  "
            f"{rate:,.1f} pages/s  left ~{eta}"
        )

    def start(self) -> None:
        if self.show_live:
            from rich.console import Console
            from rich.live import Live

            self.live = Live(console=Console(stderr=True), refresh_per_second=2, transient=False)
            self.live.start()

    def tick(self) -> None:
        """Redraw the live display, or print a line when ``every`` seconds have passed."""
        now = time.monotonic()
        if self.live is not None:
            self.live.update(self.line())
        elif self.every > 0 and now - self.last_line >= self.every:
            self.last_line = now
            CONSOLE.info("%s: %s", format_duration(now - self.started), self.line())

    def stop(self) -> None:
        if self.live is not None:
            self.live.update(self.line())
            self.live.stop()
            self.live = None
