"""The parent of a crawl's workers: start N, watch them, forward signals, one display, one end.

``govlinks crawl --workers N`` runs N worker processes (``crawler/worker.py``, each
a fresh interpreter, so that Scrapy's reactor starts clean, fed its job on its
standard input), ``--workers 1`` one: the same path. The parent holds the store's
lock (each worker inherits it), the workers run in a process group of their own (a
Ctrl-C on the terminal reaches the parent only, which forwards it once), and the parent reads
their reports (progress, console lines, end), and:

- a signal (SIGINT, SIGTERM) is printed once and forwarded to every worker, which
  stops as one crawl stops (``crawler/stopper.py``); a second one is forwarded too
  (stop at once); workers still running ``KILL_AFTER`` seconds after the first are
  killed: a stop takes less than 10 s whatever they do;
- a worker that dies (``kill -9``, the OOM killer) loses nothing: its units are freed
  at once (``claims.release``) and the other workers take them over, re-planning its
  pages in flight from the store as ``--resume`` does; the crawl goes on while one
  worker lives;
- a worker that stops the crawl (a proxy that refuses it, ``--max-time``) or crashes
  stops the others quietly (SIGUSR1).

How many workers: ``--workers``, else the cores this process may use, at most
``MAX_WORKERS`` (SQLite has one writer: each worker more waits longer for it; past
4, a server database is the way, see the README), and at most one per
``SITES_PER_WORKER`` sites (a small crawl is bound by its delay, not by a core:
another process would only cost its start and its memory). An archive crawl uses
one (its global rate is one slot) unless asked.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.console import CONSOLE
from crawler.progress import Board
from crawler.settings import CrawlOptions
from crawler.store import Store
from crawler.store.postgres import is_postgres

__all__ = ["MAX_WORKERS", "SITES_PER_WORKER", "Outcome", "WorkerPool", "default_workers", "sites_at_once"]

logger = logging.getLogger(__name__)

MAX_WORKERS = 4
SITES_PER_WORKER = 25
KILL_AFTER = 8.0  # seconds after a stop before workers still running are killed
PAGES_PER_SECOND = 400  # more than one worker fetches (bench/RESULTS.md): what it may hold sites for
RUNNING_EVERY = 2.0  # crawl --join: seconds between two looks at whether the crawl still runs
# Which stop reason the crawl reports when workers stopped for different ones.
_REASONS = ("proxy", "crash", "max_time", "signal", "peer")


def default_workers(opts: CrawlOptions, n_sites: int) -> int:
    """The number of workers of a crawl of ``n_sites`` sites (see the module's docstring)."""
    if opts.workers:
        return opts.workers
    if opts.archive_url:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS, n_sites // SITES_PER_WORKER))


def sites_at_once(opts: CrawlOptions, n_sites: int, workers: int) -> int:
    """Crawling sites a worker holds at once: its share with a delay (every site starts at
    once, so the politeness bound holds); at ``--delay 0`` a quarter of it, at least 16, so
    that a worker done early takes the sites left instead of waiting for the others.

    On a PostgreSQL store, workers of other machines may join (``--join``): a worker holds
    no more sites than it serves at their delay (``PAGES_PER_SECOND``: 400 sites at 1 s, so
    the 650 State sites with 2 workers hold all at once), and at ``--delay 0`` a quarter
    of its share even alone, so that the sites beyond are left to claim."""
    share = math.ceil(n_sites / workers)
    if is_postgres(opts.db):
        serves = math.ceil(PAGES_PER_SECOND * opts.delay) if opts.delay > 0 else max(16, math.ceil(share / 4))
        return max(1, min(share, serves))
    if opts.delay > 0 or workers == 1:
        return max(1, share)
    return max(1, min(share, max(16, math.ceil(share / 4))))


# The worker's interpreter: its job (a pickled dict) on its standard input. Not ``-m``
# nor multiprocessing's ``spawn``, which import the parent's main module again first.
_WORKER_CODE = "from crawler.worker import serve; serve()"


@dataclass
class _Worker:
    name: str
    proc: subprocess.Popen[bytes]
    pipe: int
    buffer: bytes = b""
    end: dict[str, Any] | None = None
    crash: str | None = None
    exited: bool = False


@dataclass
class Outcome:
    """How the workers ended: merged stats, whether the crawl is complete, a crash message."""

    stats: dict[str, Any] = field(default_factory=dict)
    complete: bool = False
    crash: str | None = None
    died: list[str] = field(default_factory=list)


class WorkerPool:
    def __init__(self, opts: CrawlOptions, *, crawl_id: int, sites: list[str], selected: list[str],
                 workers: int, lock_fd: int, max_time: float, joined: str = "",
                 state: Callable[[], str] | None = None) -> None:  # fmt: skip
        self.opts = opts
        self.crawl_id = crawl_id
        self.sites = sites
        self.selected = selected
        self.n = workers
        self.lock_fd = lock_fd  # -1: none to pass on (a PostgreSQL store's lock is the server's)
        # crawl --join: the workers' names start with this (``host:pid/``) and nothing of
        # theirs beats for the crawl; ``state`` is the crawl's (``CrawlInfo.state``), asked
        # every RUNNING_EVERY seconds: interrupted (its own machine stopped it, or died), they
        # stop; finished (closed complete by its own machine), they see the end themselves at
        # their next poll, and are stopped only if still running KILL_AFTER seconds later.
        self.joined = joined
        self.state = state
        self.asked = time.monotonic()
        self.finished_seen: float | None = None
        self.max_time = max_time
        self.workers: list[_Worker] = []
        self.stopping: float | None = None  # when the first stop was asked
        self.signals: list[int] = []
        self.seen_lines: set[str] = set()
        self.board = Board(
            len(selected), live=opts.progress, every=0.0 if opts.quiet else opts.progress_every
        )

    # -- start -------------------------------------------------------------------------

    def _job(self, index: int, report_fd: int) -> dict[str, Any]:
        opts = self.opts.as_dict()
        settings: dict[str, Any] = {
            "GOVLINKS_WORKER": f"{self.joined}w{index}",
            "GOVLINKS_JOINED": bool(self.joined),
            "GOVLINKS_WORKERS": self.n,
            "GOVLINKS_WORKER_SITES": sites_at_once(self.opts, len(self.selected), self.n),
            "GOVLINKS_PROGRESS": False,
            "GOVLINKS_PROGRESS_EVERY": 0.0,
            "GOVLINKS_MAX_TIME": self.max_time,
        }
        if self.opts.concurrency:
            settings["CONCURRENT_REQUESTS"] = max(1, math.ceil(self.opts.concurrency / self.n))
        if self.opts.archive_url:  # the archive's one rate, shared
            opts["archive_rate"] = self.opts.archive_rate / self.n
        return {
            "worker": f"{self.joined}w{index}",
            "crawl_id": self.crawl_id,
            "opts": opts,
            "sites": self.sites,
            "selected": self.selected,
            "sites_at_once": settings["GOVLINKS_WORKER_SITES"],
            "settings": settings,
            "report_fd": report_fd,
        }

    def _spawn(self, index: int) -> _Worker:
        """A worker in a fresh interpreter, fed its job; it inherits its report pipe's end and
        the store's lock (the same file descriptors)."""
        read, write = os.pipe()
        try:
            # The parent's import path, in its order (as ``spawn`` passes it): the worker
            # imports the same ``crawler``, and nothing shadows the standard library. A process
            # group of its own from the start: a terminal's Ctrl-C reaches the parent only,
            # which forwards it once.
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
            proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE], stdin=subprocess.PIPE, env=env, process_group=0,
                pass_fds=[write] + ([self.lock_fd] if self.lock_fd >= 0 else []),
            )  # fmt: skip
        finally:
            os.close(write)
        assert proc.stdin is not None
        try:
            proc.stdin.write(pickle.dumps(self._job(index, write)))
            proc.stdin.close()
        except BrokenPipeError:  # it died at once: seen as a worker that died
            pass
        return _Worker(f"{self.joined}w{index}", proc, read)

    def run(self) -> Outcome:
        """Run the workers to their end; the outcome of the crawl."""
        self.board.start()
        try:
            self.workers = [self._spawn(i + 1) for i in range(self.n)]
            while any(not w.exited for w in self.workers):
                self._step()
        finally:
            for w in self.workers:
                if not w.exited:  # an exception here: no worker outlives the command
                    w.proc.kill()
                    w.proc.wait()
                os.close(w.pipe)
            self.board.stop()
        return self._outcome()

    # -- the loop ----------------------------------------------------------------------

    def _step(self) -> None:
        live = [w for w in self.workers if not w.exited]
        readable, _, _ = select.select([w.pipe for w in live], [], [], 0.25)
        for w in live:
            if w.pipe in readable:
                self._read(w)
        while self.signals:
            self._forward(self.signals.pop(0))
        for w in live:
            if w.proc.poll() is not None:
                self._read(w)
                self._exited(w)
        if self.stopping is not None and time.monotonic() - self.stopping > KILL_AFTER:
            for w in self.workers:
                if not w.exited and w.proc.poll() is None:
                    logger.warning("worker %s did not stop in %gs: killed", w.name, KILL_AFTER)
                    w.proc.kill()
        if self.state is not None and self.stopping is None and time.monotonic() - self.asked > RUNNING_EVERY:
            self._check_state()
        self.board.tick()

    def _read(self, w: _Worker) -> None:
        try:
            data = os.read(w.pipe, 1 << 16)
        except BlockingIOError:
            return
        while data:
            w.buffer += data
            r, _, _ = select.select([w.pipe], [], [], 0)
            data = os.read(w.pipe, 1 << 16) if r else b""
        *lines, w.buffer = w.buffer.split(b"\n")
        for line in lines:
            self._message(w, json.loads(line))

    def _message(self, w: _Worker, message: dict[str, Any]) -> None:
        if "progress" in message:
            self.board.update(w.name, message["progress"])
        elif "console" in message:
            text = message["console"]
            if text not in self.seen_lines:  # the same line from several workers: once
                self.seen_lines.add(text)
                CONSOLE.log(message.get("level", logging.INFO), "%s", text)
        elif "end" in message:
            w.end = message["end"]
        elif "crash" in message:
            w.crash = message["crash"]
            self._stop_quietly()

    def _exited(self, w: _Worker) -> None:
        w.exited = True
        code = w.proc.returncode
        if w.end is not None or w.crash is not None:
            stats = (w.end or {}).get("stats", {})
            if stats.get("govlinks/stop/reason") in ("proxy", "max_time") and self.stopping is None:
                self._stop_quietly()
            if stats.get("finish_reason") != "finished":  # stopped at once: its units are free
                self._release(w)
            return
        # Died without a word: kill -9, the OOM killer. Its units go to the others now.
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        CONSOLE.warning("worker %s (pid %d) died (%s): the other workers take over its sites", w.name,
                        w.proc.pid, how)  # fmt: skip
        self._release(w)

    def _release(self, w: _Worker) -> None:
        with Store.open(self.opts.db) as store:
            store.claims.release(self.crawl_id, w.name)

    def stop(self, signum: int) -> None:
        """A signal to the parent (called from its handler): forwarded from the loop."""
        self.signals.append(signum)

    def _forward(self, signum: int) -> None:
        if self.stopping is None:
            self.stopping = time.monotonic()
            name = signal.Signals(signum).name
            text = f"received {name}: stopping, at most a few seconds (send it again to stop at once)"
            self.seen_lines.add(text)
            CONSOLE.warning("%s", text)
        for w in self.workers:
            if not w.exited:
                os.kill(w.proc.pid, signum)

    def _check_state(self) -> None:
        now = self.asked = time.monotonic()
        assert self.state is not None
        state = self.state()
        if state == "finished":  # a race with the workers here, which end by themselves
            self.finished_seen = self.finished_seen or now
            if now - self.finished_seen <= KILL_AFTER:
                return
        elif state == "running":
            return
        CONSOLE.warning("crawl %d runs no more (%s): workers here stop", self.crawl_id, state)
        self._stop_quietly()

    def _stop_quietly(self) -> None:
        if self.stopping is None:
            self.stopping = time.monotonic()
        for w in self.workers:
            if not w.exited and w.proc.poll() is None:
                os.kill(w.proc.pid, signal.SIGUSR1)

    # -- the end -----------------------------------------------------------------------

    def _outcome(self) -> Outcome:
        out = Outcome()
        for w in self.workers:
            if w.crash is not None and out.crash is None:
                out.crash = w.crash
            if w.end is None:
                if w.crash is None:
                    out.died.append(w.name)
                continue
            for key, value in w.end["stats"].items():
                if isinstance(value, bool) or not isinstance(value, int | float):
                    out.stats.setdefault(key, value)
                elif key not in ("start_time", "finish_time", "elapsed_time_seconds"):
                    out.stats[key] = out.stats.get(key, 0) + value
        reasons = [(w.end or {}).get("stats", {}).get("govlinks/stop/reason") for w in self.workers]
        reasons += ["crash"] if out.crash else []
        for reason in _REASONS:
            if reason in reasons:
                out.stats["govlinks/stop/reason"] = reason
                break
        finished = [w for w in self.workers if w.end and w.end["stats"].get("finish_reason") == "finished"]
        if finished and out.crash is None and self.stopping is None:
            with Store.open(self.opts.db) as store:
                out.complete = store.claims.complete(self.crawl_id, time.time() - 3600)
        out.stats["finish_reason"] = "finished" if out.complete else "shutdown"
        return out
