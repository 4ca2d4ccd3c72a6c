"""Shared helpers of the benchmarks: generated webs, the server, timing, RSS."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.generate import generate  # noqa: E402
from demo.protocol import iter_log_file  # noqa: E402
from demo.server import serve_subprocess  # noqa: E402


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"


def web(out: Path, *, sites: int, pages: int, page_kb: int = 25, links: int = 60) -> Path:
    """Generate (or reuse) a web without planted cases."""
    folder = out / f"web-{sites}x{pages}-{page_kb}kb-{links}l"
    stamp = folder / "seeds.csv"
    if not stamp.exists():
        generate(folder, sites=sites, pages_per_site=pages, page_kb=page_kb, links=links, planted=False)
    return folder


@dataclass
class Run:
    name: str
    seconds: float
    pages: int  # HTML pages the server answered (GET, not robots.txt) during the run
    requests: int
    max_rss_mb: float
    returncode: int
    cpu_s: float = 0.0  # user + system CPU seconds of the command and the children it waited for

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def count_log(log: Path, start: int) -> tuple[int, int, int]:
    """(pages, requests, lines) in the server log from line ``start`` on."""
    pages = requests = lines = 0
    for i, entry in enumerate(iter_log_file(log)):
        lines = i + 1
        if i < start:
            continue
        if entry.method == "CONNECT":
            continue
        requests += 1
        if entry.method == "GET" and entry.path != "/robots.txt" and entry.status == 200:
            pages += 1
    return pages, requests, lines


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants now (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)  # ppid
        rss[pid] = int(fields[21]) * page  # rss, in pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class TreeRss:
    """Sample the RSS of a process tree every ``every`` seconds; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self.every):
            self.peak = max(self.peak, _tree_rss(self.pid))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def timed(name: str, cmd: list[str], env: dict[str, str], log: Path, start: int) -> tuple[Run, int]:
    """Run a command to completion; measure wall time, its pages and the peak RSS of its processes.

    ``max_rss_mb`` is the largest of the command's own peak RSS (its rusage) and the
    largest sum over the command and all its child processes (the workers of
    ``govlinks crawl --workers N``) sampled every 0.2 s.
    """
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=err)
        tree = TreeRss(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)  # reap it ourselves: its own rusage
        seconds = time.perf_counter() - t0
        tree.stop()
        proc.returncode = returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    time.sleep(0.5)  # let the server flush its log
    pages, requests, lines = count_log(log, start)
    if returncode not in (0, 124):  # 124: stopped by timeout(1) on purpose
        print(f"{name}: exit {returncode}\n{stderr[-2000:]}", file=sys.stderr)
    peak = max(usage.ru_maxrss * 1024, tree.peak) / 1024 / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Run(name, seconds, pages, requests, peak, returncode, cpu), lines


def govlinks_crawl(
    folder: Path, db: Path, *, pages: int = 100000, delay: float = 0, extra: tuple[str, ...] = ()
) -> list[str]:
    """The ``govlinks crawl`` command line of a benchmark, on a fresh store (``extra``: more options)."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return [
        sys.executable, "-m", "cli", "crawl", "--seeds", str(folder / "seeds.csv"), "--db", str(db),
        "--delay", str(delay), "--max-pages-per-site", str(pages), "--max-depth", "100", "-q", *extra,
    ]  # fmt: skip


def store_size(db: Path) -> tuple[int, int]:
    """(bytes on disk with the WAL, pages of the latest crawl) of a store written by a benchmark."""
    import sqlite3

    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    conn = sqlite3.connect(db)
    try:
        pages = conn.execute("SELECT pages FROM crawls ORDER BY id DESC LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    return size, int(pages)


def server(folder: Path, log: Path, *, preload: bool = False):  # type: ignore[no-untyped-def]
    if log.exists():
        log.unlink()
    return serve_subprocess(folder, log_path=log, preload=preload)


def save(out: Path, name: str, data: object) -> None:
    (out / f"{name}.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
