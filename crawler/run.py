"""Run one crawl (new or resumed) from start to summary.

The one library call behind ``govlinks crawl``: it validates the seed list and the
store before any worker starts, so that every user mistake surfaces as a one-line
GovlinksError, runs the crawl's worker processes (``crawler/workers.py``: one
Scrapy process each, ``--workers``), and closes the crawl's record whatever way
they stop. It owns the process's SIGINT and SIGTERM for the length of the crawl
(forwarded to the workers, whose ``crawler/stopper.py`` stops within seconds), sets
up what the crawl prints (``crawler/console.py``), and turns a bug into one line
naming the file that holds its traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.console import CONSOLE, setup_logging, teardown_logging
from crawler.errors import CrawlCrashed, CrawlInterrupted, GovlinksError, ProxyError, SeedError
from crawler.items import FrontierRow
from crawler.seeds import SeedList, load_seeds
from crawler.settings import CrawlOptions, format_duration
from crawler.store import CrawlInfo, Store, crawl_lock
from crawler.store.core import HEARTBEAT_SECONDS
from crawler.store.postgres import is_postgres
from crawler.urls import normalize_url
from crawler.workers import WorkerPool, default_workers

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
    max_time: float = 0.0  # --max-time of this run, seconds (0: none)
    joined: str = ""  # crawl --join: this machine's workers' prefix (host:pid/)

    @property
    def failed_sites(self) -> int:
        return sum(n for status, n in self.site_status.items() if status not in ("ok", "not_crawled"))

    @property
    def stop_reason(self) -> str | None:
        """Why an interrupted crawl stopped: ``signal``, ``max_time``, ``proxy``, or None."""
        reason = self.stats.get("govlinks/stop/reason")
        return str(reason) if reason else None

    def failed_line(self) -> str:
        """``failed sites (2): a.gouv.fr (unreachable), b.gouv.fr (robots)``, or ''."""
        if not self.failed:
            return ""
        named = ", ".join(f"{site} ({status})" for site, status in self.failed[:MAX_NAMED_SITES])
        more = len(self.failed) - MAX_NAMED_SITES
        return f"failed sites ({len(self.failed)}): {named}" + (f" and {more} more" if more > 0 else "")

    def stop_line(self) -> str:
        """What the user does about an interrupted crawl (one line, for stderr)."""
        c = self.crawl
        if self.stop_reason == "max_time":
            budget = format_duration(self.max_time)
            return f"crawl {c.id} stopped after --max-time {budget}: continue with --resume"
        return f"crawl {c.id} interrupted: continue with --resume"

    def summary(self) -> str:
        """The end-of-crawl summary: totals, then errors by kind and failed sites if any.

        A crawl of an archive says which date it crawled: ``crawl 3 finished (archive
        of 2015-06-01): ...``, so that a cron mail does not read it as today's web.
        """
        c = self.crawl
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(self.site_status.items()))
        past = f" (archive of {c.archive_at})" if c.source == "archive" and c.archive_at else ""
        lines = [
            f"crawl {c.id} {c.state}{past}: {c.pages:,} pages, {c.links:,} cross-site links, "
            f"{c.errors:,} page errors; sites: {statuses}"
        ]
        if self.error_counts:
            lines.append("errors: " + ", ".join(f"{kind} {n:,}" for kind, n in self.error_counts.items()))
        truncated = self.stats.get("govlinks/links_truncated", 0)
        if truncated:
            limit = self.crawl.settings.get("max_links_per_page", 0)
            lines.append(f"links: {truncated:,} page(s) with more than {limit:,} links, the rest ignored")
        invalid = self.stats.get("govlinks/tls/invalid_hosts", 0)
        if invalid:
            lines.append(f"certificates: {invalid:,} host(s) with a certificate not valid for their name "
                         "(not verified by the crawl; hosts in the log file)")  # fmt: skip
        unexpected = self.stats.get("govlinks/unexpected_errors", 0)
        if unexpected:
            lines.append(f"govlinks failed unexpectedly {unexpected:,} time(s): please report it, "
                         "with the tracebacks of --log-file")  # fmt: skip
        if self.failed:
            lines.append(self.failed_line())
        if self.joined:
            pages = self.stats.get("govlinks/pages", 0)
            lines.append(f"joined as {self.joined.rstrip('/')}: {pages:,} pages fetched by its workers")
        return "\n".join(lines)


class _Signals:
    """SIGINT and SIGTERM for the length of a crawl, in the parent of its workers.

    In govlinks' own code (preparing the store before the workers run, closing the
    crawl after they stopped) a signal ends the command at once: :class:`CrawlInterrupted`,
    nothing half-written (a transaction is rolled back), and the crawl row reads
    interrupted once this process is gone. While the workers run, each signal is
    forwarded to them (``crawler/workers.py``): the first stops them gracefully, the
    second at once.
    """

    def __init__(self) -> None:
        self.pool: WorkerPool | None = None
        self.crawl_id: int | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        if self.pool is not None:
            self.pool.stop(signum)
            return
        name = signal.Signals(signum).name
        if self.crawl_id is None:
            raise CrawlInterrupted(f"interrupted by {name} before the crawl started")
        raise CrawlInterrupted(f"crawl {self.crawl_id} interrupted by {name}: continue with --resume")

    @contextmanager
    def installed(self) -> Iterator[_Signals]:
        previous = {s: signal.signal(s, self) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


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
        for key, value in CrawlOptions.stored_options(info.settings).items():
            setattr(opts, key, value)
        store.claim_crawl(info.id)
        crawl_id = info.id
        # Crawls begun before the work was shared: their sites as units, their links' debts queued.
        store.claims.add_sites(crawl_id, _units(opts, seeds, started=True))
        store.claims.reset(crawl_id)
        store.queue_unfinished(crawl_id, checks=bool(info.settings.get("check_links", opts.check_links)))
    else:
        crawl_id = store.start_crawl(
            seeds_path=str(Path(opts.seeds).resolve()),
            seeds_sha256=seeds.sha256,
            settings=opts.crawl_settings(),
            sites=seeds.seeds,
            archive_url=opts.archive_url,  # a crawl of the past (crawler/archive.py)
            archive_at=opts.archive_at,
        )
        chosen = [s for s in seeds.seeds if not opts.sites or s.site in opts.sites]
        store.add_frontier(
            crawl_id, [FrontierRow(normalize_url(s.url) or s.site, s.url, s.site, 0) for s in chosen]
        )
        store.claims.add_sites(crawl_id, _units(opts, seeds, started=False))
    selected = list(opts.sites) or [s.site for s in seeds.seeds]
    return crawl_id, opts, selected


def _units(opts: CrawlOptions, seeds: SeedList, *, started: bool) -> list[tuple[str, str, bool]]:
    """The crawl's sites as work units: (site, its host, started); sites of one host go together."""
    return [
        (s.site, s.site.split("/", 1)[0], started)
        for s in seeds.seeds
        if not opts.sites or s.site in opts.sites
    ]


def run_crawl(opts: CrawlOptions, *, resume: bool = False) -> CrawlResult:
    """Crawl the seed sites into the store; return the closed crawl's summary.

    Raises GovlinksError subclasses for everything the user can act on: a bad seed
    file or store, a locked store, a proxy that refuses the crawl, a signal before
    the crawl ran; and CrawlCrashed, naming the file with the traceback, for a bug.
    """
    started = time.monotonic()
    # Read once: a bad seed file or --site fails before the store is touched, and the
    # checksum recorded is that of the very list the crawl uses.
    seeds = load_seeds(opts.seeds)
    _check_sites(opts, seeds)
    if opts.join and not is_postgres(opts.db):
        raise GovlinksError(
            f"{opts.db}: --join adds workers from other machines to a crawl of a "
            "PostgreSQL store (--db postgresql://…); on one machine: --workers"
        )
    Store.check(opts.db, create=not (resume or opts.join))  # so does a file that is no store
    handlers = setup_logging(quiet=opts.quiet, log_file=opts.log_file)
    signals = _Signals()
    try:
        if opts.join:  # no lock: the crawl's own process holds it
            with signals.installed():
                return _run_joined(opts, seeds, signals, started)
        # The lock first: two crawls started at once on a new store must not both create it.
        with signals.installed(), crawl_lock(opts.db) as lock_fd:
            return _run_locked(opts, resume, seeds, signals, started, lock_fd)
    except GovlinksError:
        raise
    except Exception as err:
        raise _crashed(opts, err) from None
    finally:
        teardown_logging(handlers)


def _crashed(opts: CrawlOptions, err: Exception) -> CrawlCrashed:
    """One line for a bug of govlinks; its traceback in the log file, or a file of its own."""
    if opts.log_file:
        logger.error("unexpected error", exc_info=err)
        where = opts.log_file
    else:
        fd, where = tempfile.mkstemp(prefix="govlinks-crash-", suffix=".log")
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(err)))
    detail = " ".join(str(err).split())[:200]
    return CrawlCrashed(f"unexpected error ({type(err).__name__}: {detail}); the traceback is in {where}")


def _run_locked(
    opts: CrawlOptions, resume: bool, seeds: SeedList, signals: _Signals, started: float, lock_fd: int = -1
) -> CrawlResult:
    with Store.open(opts.db, create=True) as store:
        store.check_not_running()
        crawl_id, opts, selected = _prepare(opts, store, resume, seeds)
        runs = store.crawl(crawl_id).runs
        where = store.path  # a URL without its password
    signals.crawl_id = crawl_id
    workers = default_workers(opts, len(selected))
    budget = f"; stops after {format_duration(opts.max_time)}" if opts.max_time else ""
    verb = f"resumed (run {runs})" if resume else "started"
    several = f", {workers} workers" if workers > 1 else ""
    CONSOLE.info("crawl %d %s: %d sites, store %s%s%s", crawl_id, verb, len(selected), where, several, budget)
    # The budget counts from the command's start.
    max_time = max(0.1, opts.max_time - (time.monotonic() - started)) if opts.max_time else 0.0
    pool = WorkerPool(opts, crawl_id=crawl_id, sites=[s.site for s in seeds.seeds], selected=selected,
                      workers=workers, lock_fd=lock_fd, max_time=max_time)  # fmt: skip
    signals.pool = pool
    try:
        outcome = pool.run()
    finally:
        signals.pool = None
    stats = outcome.stats
    status = "finished" if outcome.complete else "interrupted"
    with Store.open(opts.db) as store, closing_beat(opts.db, crawl_id):
        info = store.finish_crawl(crawl_id, status=status)
        result = CrawlResult(
            info,
            store.reads.site_status_counts(crawl_id),
            stats,
            store.reads.error_counts(crawl_id),
            store.reads.failed_sites(crawl_id),
            max_time=opts.max_time,
        )
    logger.info("%s", result.summary())
    if outcome.crash is not None:
        raise CrawlCrashed(outcome.crash)
    if result.stop_reason == "proxy":
        raise ProxyError(
            f"{stats.get('govlinks/proxy/message')}; crawl {crawl_id} is interrupted, "
            "continue it with --resume once the proxy lets it through"
        )
    return result


@contextmanager
def closing_beat(db: str, crawl_id: int, interval: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """The crawl's heartbeat while its own process closes it, on a PostgreSQL store.

    No worker beats by then (``crawler/heartbeat.py``), and closing a large crawl (its
    per-site and site-pair aggregates, the read indexes: 4.5 s for a million links on
    SQLite) can outlast ``STALE_AFTER``: the machines that joined it would take it
    for interrupted and say so. A thread beats on a connection of its own
    (``Store.finish_crawl`` writes the crawl's row last, so that the beat is not held
    behind the closing transaction's lock on it). Not on SQLite: only this machine
    reads the store, and it tells a live process by its pid.
    """
    if not is_postgres(db):
        yield
        return
    stop = threading.Event()
    store = Store.open(db)  # here, before the close begins: nothing to wait for

    def beat() -> None:
        while True:
            try:
                store.heartbeat(crawl_id)
            except Exception as err:  # a store that does not answer: the close goes on
                logger.warning("heartbeat of crawl %s failed: %s", crawl_id, err)
            if stop.wait(interval):
                return

    thread = threading.Thread(target=beat, name="govlinks-closing-beat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        store.close()


def _run_joined(opts: CrawlOptions, seeds: SeedList, signals: _Signals, started: float) -> CrawlResult:
    """``crawl --join``: this machine's workers join the crawl running on a PostgreSQL store.

    The crawl must run with the same seed list (its checksum); its options are the
    crawl's own, as for ``--resume``. The workers claim sites and hosts as the crawl's
    own do; they stop when the crawl is complete, or when it stops running (its own
    machine stopped it, or died). Then this waits for the crawl's own process to close
    it, and returns its summary.
    """
    with Store.open(opts.db) as store:
        info = store.running_crawl(seeds.sha256)
        where = store.path
    for key, value in CrawlOptions.stored_options(info.settings).items():
        setattr(opts, key, value)
    selected = list(opts.sites) or [s.site for s in seeds.seeds]
    signals.crawl_id = info.id
    workers = default_workers(opts, len(selected))
    CONSOLE.info("crawl %d joined (%s): %d sites, store %s, %d worker(s) here", info.id, info.writer,
                 len(selected), where, workers)  # fmt: skip
    max_time = max(0.1, opts.max_time - (time.monotonic() - started)) if opts.max_time else 0.0
    with Store.open(opts.db) as store:
        pool = WorkerPool(opts, crawl_id=info.id, sites=[s.site for s in seeds.seeds], selected=selected,
                          workers=workers, lock_fd=-1, max_time=max_time,
                          joined=f"{socket.gethostname()}:{os.getpid()}/",
                          state=lambda: store.crawl(info.id).state)  # fmt: skip
        signals.pool = pool
        try:
            outcome = pool.run()
        finally:
            signals.pool = None
        while outcome.complete and store.crawl(info.id).running:  # its own process closes it
            time.sleep(0.5)
        result = CrawlResult(store.crawl(info.id), store.reads.site_status_counts(info.id), outcome.stats,
                             store.reads.error_counts(info.id), store.reads.failed_sites(info.id),
                             max_time=opts.max_time, joined=pool.joined)  # fmt: skip
    if outcome.crash is not None:
        raise CrawlCrashed(outcome.crash)
    return result
