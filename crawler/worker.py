"""A crawl worker: one Scrapy process of a crawl that ``govlinks crawl`` runs in N of them.

``crawler/run.py`` prepares the crawl (store, lock, seeds) and ``crawler/workers.py``
starts N worker processes, each :func:`main` with its job. A worker
runs one :class:`~crawler.spider.GovlinksSpider` over the units it claims
(``crawler/shared.py``), writes its pages to the store, and reports to its parent on
a pipe, one JSON object a line: its figures for the progress display
(``progress``), the lines its user must read (``console``), and at the end its
Scrapy stats (``end``) or the one line of its crash (``crash``).

Signals: SIGINT or SIGTERM (forwarded by the parent) stop it as they stop a crawl
(``crawler/stopper.py``: gracefully, then at once after a few seconds or a second
signal); SIGUSR1 stops it quietly (another worker stopped the crawl: a proxy that
refuses it, a crash). The kernel sends it SIGTERM when its parent dies (Linux), and
it keeps the store's lock, inherited from the parent, until it exits: no other crawl
starts on the store while a worker of this one still writes.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import os
import pickle
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crawler.console import CONSOLE, log_file_handler
from crawler.settings import CrawlOptions, scrapy_settings
from crawler.signals import crawl_stop

__all__ = ["Reporter", "main"]

logger = logging.getLogger(__name__)


class Reporter:
    """JSON lines to the parent, on the pipe it gave (``fd``); nothing once it is gone."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, **message: Any) -> None:
        if self.fd < 0:
            return
        data = (json.dumps(message, default=str) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:  # the parent is gone: the pdeath signal stops this worker
            self.fd = -1


class _ToParent(logging.Handler):
    """The console lines of a worker (the ``govlinks`` logger) go to its parent, which prints them."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__(logging.INFO)
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        self.reporter.send(console=record.getMessage(), level=record.levelno)


class _Signals:
    """SIGINT and SIGTERM become a ``crawl_stop`` in the reactor's thread; SIGUSR1 a quiet one.

    A signal that arrives while Scrapy is starting waits for the crawler to be there
    (an exception raised from a handler then could be swallowed by its machinery).
    """

    def __init__(self) -> None:
        self.crawler: Any = None
        self.pending: list[int] = []

    def __call__(self, signum: int, frame: Any) -> None:
        if self.crawler is None:
            self.pending.append(signum)
            return
        from twisted.internet import reactor

        reactor.callFromThread(self._stop, signum)

    def attach(self, crawler: Any) -> None:
        from twisted.internet import reactor

        self.crawler = crawler
        for signum in self.pending:
            reactor.callFromThread(self._stop, signum)
        self.pending.clear()

    def _stop(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if signum == signal.SIGUSR1:
            sent = self.crawler.signals.send_catch_log(crawl_stop, reason="peer")
        else:
            message = f"received {name}: stopping, at most a few seconds (send it again to stop at once)"
            sent = self.crawler.signals.send_catch_log(crawl_stop, reason="signal", message=message)
        if not sent:
            from twisted.internet import reactor  # the Stopper is not there yet: Scrapy is starting

            reactor.callLater(0.2, self._stop, signum)  # type: ignore[call-arg,arg-type]

    @contextmanager
    def installed(self) -> Iterator[_Signals]:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            signal.signal(s, self)
        yield self


def _die_with_parent() -> None:
    """Ask Linux for SIGTERM when the parent dies (PR_SET_PDEATHSIG); elsewhere the pipe tells."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)


def _logging(job: dict[str, Any], reporter: Reporter) -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(logging.NullHandler())
    logging.captureWarnings(True)
    CONSOLE.addHandler(_ToParent(reporter))
    CONSOLE.setLevel(logging.INFO)
    CONSOLE.propagate = True
    log_file = job["opts"].get("log_file")
    if log_file:
        root.addHandler(log_file_handler(log_file, worker=job["worker"]))


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if isinstance(v, int | float | str | bool)}


class _GcClock:
    """Time spent in the collector's collections (``gc.callbacks``), for the crawl's stats."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1

    def record(self, spider: Any) -> None:
        """On spider_closed: into the stats, before Scrapy dumps them."""
        spider.crawler.stats.set_value("govlinks/gc/ms", round(self.seconds * 1000))
        spider.crawler.stats.set_value("govlinks/gc/collections", self.collections)


def _tune_gc() -> _GcClock:
    """Fewer, cheaper collections of the cyclic garbage collector.

    A crawl allocates millions of short-lived objects (requests, responses, items) while
    its long-lived state grows (the pages seen, the queues), and each collection of the
    oldest generation walks all of it: with Python's defaults, collections took 21% of
    a one-worker crawl's CPU (7.0 s of 32.5 s on the 100 x 100 benchmark web, measured
    with ``gc.callbacks``). What the imports made is never garbage: frozen, no
    collection walks it again. Young objects are collected every 20,000 allocations
    instead of 700: most of a page's garbage is freed by reference counting, the rest
    (Twisted's connections) soon enough. With the pages' trees out of reference cycles
    (``charsets.html_root``): 0.4-0.9 s per one-worker crawl of that web, peak RSS
    191 MB (280 MB before). The stats say it (``govlinks/gc/ms``).
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)
    clock = _GcClock()
    gc.callbacks.append(clock)
    return clock


def run(job: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    """Run the worker's Scrapy process to its end; return its stats."""
    from scrapy import signals as scrapy_signals
    from scrapy.crawler import CrawlerProcess

    from crawler.spider import GovlinksSpider

    gc_clock = _tune_gc()
    opts = CrawlOptions(**job["opts"])
    settings = scrapy_settings(opts, crawl_id=job["crawl_id"], n_sites=job["sites_at_once"])
    settings.update(job["settings"])
    signals = _Signals()
    with signals.installed():
        process = CrawlerProcess({**settings, "LOG_INSTALL_ROOT_HANDLER": False})
        crawler = process.create_crawler(GovlinksSpider)
        crawler.signals.connect(gc_clock.record, signal=scrapy_signals.spider_closed)
        process.crawl(crawler, sites=job["sites"], selected=job["selected"])
        signals.attach(crawler)
        process.start(install_signal_handlers=False)
    shared = getattr(crawler.spider, "shared", None)
    if shared is not None and shared.failure is not None:
        raise shared.failure
    return crawler.stats.get_stats() if crawler.stats else {}


def serve() -> None:
    """A worker process's entry (``crawler/workers.py`` starts it): its job, pickled, on stdin."""
    job = pickle.load(sys.stdin.buffer)
    main(job)


def main(job: dict[str, Any]) -> None:
    """A worker process: its job (``crawler/workers.py``) to the end; exit 70 on a crash."""
    reporter = Reporter(job["report_fd"])
    job["settings"]["GOVLINKS_REPORT_FD"] = job["report_fd"]
    _die_with_parent()
    _logging(job, reporter)
    try:
        stats = run(job, reporter)
    except Exception as err:
        log_file = job["opts"].get("log_file")
        if log_file:
            logger.error("unexpected error", exc_info=err)
            where = log_file
        else:
            fd, where = tempfile.mkstemp(prefix="govlinks-crash-", suffix=".log")
            with open(fd, "w", encoding="utf-8") as fh:
                fh.write("".join(traceback.format_exception(err)))
        detail = " ".join(str(err).split())[:200]
        reporter.send(crash=f"unexpected error ({type(err).__name__}: {detail}); the traceback is in {where}")
        _exit(70)
    reporter.send(end={"stats": _jsonable(stats)})
    _exit(0)


def _exit(code: int) -> None:
    """Exit now, the logs flushed: the crawl's objects are not freed one by one on the way out
    (0.2-0.4 s at the end of every crawl, that the parent waits for), nothing is left to do."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
