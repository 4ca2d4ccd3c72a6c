"""Crawl workers: ``govlinks crawl --workers 2`` vs ``--workers 1`` vs Scrapy's own ceiling.

    python bench/workers.py [--sites 100] [--pages 100] [--workers 2] [--rounds 3]
    python bench/workers.py --rss-sites 650    # also: peak RSS of all processes, 650 sites

On one generated web at ``--delay 0`` (every contender through the same local
server, run in its own process):

- ``govlinks crawl --workers 1`` and ``--workers N`` (default 2), in ``--rounds``
  interleaved rounds (1, N, apart, then apart, N, 1, ...): the speed-up of N worker
  processes sharing the crawl through the SQLite store, each round's ratio and
  their median (target >= 1.7x on two cores). Why rounds: the speed of these
  machines drifts by up to 20% from one minute to the next (the same one-worker
  crawl took 28 to 37 s within an hour); a ratio of two runs next to each other
  cancels the drift, the median of a few the outliers;
- in each round too, N one-worker crawls of the same web at once, each into its own
  store: they share nothing but the machine, so their speed-up over one is the most
  N processes get here (the cores, their caches, the server beside them), the ceiling
  that N workers sharing one crawl are compared with;
- once, the minimal Scrapy spider that only extracts and follows links and yields no
  item (``bench/baselines.py``, mode ``follow``): Scrapy's own ceiling in one
  process (target: N workers >= 3.3x it, with the median of the N-worker runs).

The server renders every page before the runs (``--preload`` of ``demo/server.py``):
it shares the two cores with the crawlers, and rendering was ~60% of its CPU
(4.2 of ~7 s per crawl, profiled); a real crawl's sites are on other machines.
``--render-on-request`` serves as the other benchmarks do, rendering each page
when it is asked.

Each govlinks run writes its log file; the seconds its workers waited for the
store's write lock (``govlinks/store/lock_wait_ms`` for the pages' batches,
``govlinks/claims/lock_wait_ms`` for the claims, over their transactions) and spent
in the garbage collector (``govlinks/gc/ms``) are summed from the stats each worker
dumps there.
``--rss-sites`` crawls a web of that many sites with ``--workers N`` and reports the
peak RSS of the parent and its workers together (sampled, ``common.TreeRss``).
CPU is the user + system seconds of each command with its workers: on a loaded
machine, where N workers cannot have N cores, pages per CPU second still compare.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from common import ROOT, Run, govlinks_crawl, machine, save, server, timed, web
from crawl import scrapy_cmd

_STAT = re.compile(
    r"'govlinks/(store/lock_wait_ms|claims/lock_wait_ms|store/transactions|"
    r"claims/transactions|gc/ms)': (\d+)"
)


@dataclass
class Waits:
    """What the workers of a run waited for (the store's write lock) and spent collecting garbage."""

    lock_s: float = 0.0
    transactions: int = 0
    gc_s: float = 0.0

    def __str__(self) -> str:
        return f"lock wait {self.lock_s:.1f} s over {self.transactions} transactions, GC {self.gc_s:.1f} s"


def lock_waits(log_file: Path) -> Waits:
    """The waits of a run, summed over its workers' stats in its log file."""
    waits = Waits()
    if log_file.exists():
        for key, value in _STAT.findall(log_file.read_text(encoding="utf-8", errors="replace")):
            if key.endswith("lock_wait_ms"):
                waits.lock_s += int(value) / 1000
            elif key == "gc/ms":
                waits.gc_s += int(value) / 1000
            else:
                waits.transactions += int(value)
    return waits


def ours(folder: Path, out: Path, name: str, workers: int) -> tuple[list[str], Path]:
    log_file = out / f"{name}.log"
    log_file.unlink(missing_ok=True)
    extra = ("--workers", str(workers), "--log-file", str(log_file))
    return govlinks_crawl(folder, out / f"{name}.db", extra=extra), log_file


def throughput(args: argparse.Namespace, out: Path) -> dict[str, object]:
    folder = web(out, sites=args.sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-workers.jsonl"
    rounds: list[dict[int, Run]] = []
    waits: list[dict[int, Waits]] = []
    with server(folder, log, preload=not args.render_on_request) as srv:
        start = 0
        for r in range(args.rounds):
            rounds.append({})
            waits.append({})
            for n in (1, args.workers, 0) if r % 2 == 0 else (0, args.workers, 1):
                if n == 0:  # the machine's own ceiling: N one-worker crawls at once, sharing nothing
                    name = f"{args.workers} x govlinks --workers 1"
                    cmd, log_file = apart(folder, out, args.workers)
                else:
                    name = f"govlinks --workers {n}"
                    cmd, log_file = ours(folder, out, f"workers-{n}", n)
                run, start = timed(name, cmd, srv.proxy_env, log, start)
                rounds[r][n], waits[r][n] = run, lock_waits(log_file)
                print(f"round {r + 1}: {line(name, run)}, {waits[r][n]}", flush=True)
            one = rounds[r][1].pages_per_s
            print(f"round {r + 1}: --workers {args.workers} / --workers 1: "
                  f"{rounds[r][args.workers].pages_per_s / one:.2f}x; {args.workers} crawls apart / one: "
                  f"{rounds[r][0].pages_per_s / one:.2f}x", flush=True)  # fmt: skip
        scrapy = None
        if not args.skip_baselines:
            cmd = scrapy_cmd(folder, "follow", args.sites)
            scrapy, start = timed("scrapy, links only, no item", cmd, srv.proxy_env, log, start)
            print(f"         {line('scrapy, links only, no item', scrapy)}", flush=True)
    speedups = [r[args.workers].pages_per_s / r[1].pages_per_s for r in rounds]
    ceilings = [r[0].pages_per_s / r[1].pages_per_s for r in rounds]
    many = statistics.median(r[args.workers].pages_per_s for r in rounds)
    one = statistics.median(r[1].pages_per_s for r in rounds)
    print()
    ratios = {
        f"--workers {args.workers} / --workers 1 (median of the rounds)": statistics.median(speedups),
        f"{args.workers} one-worker crawls apart / one (median): the machine's ceiling": statistics.median(
            ceilings
        ),
        f"--workers {args.workers} / that ceiling (median)": statistics.median(
            s / c for s, c in zip(speedups, ceilings, strict=True)
        ),
    }
    if scrapy is not None:
        ratios[f"--workers {args.workers} (median) / scrapy links only"] = many / scrapy.pages_per_s
        ratios["--workers 1 (median) / scrapy links only"] = one / scrapy.pages_per_s
    print("rounds, --workers N / 1: " + ", ".join(f"{x:.2f}x" for x in speedups))
    print("rounds, N crawls apart / 1: " + ", ".join(f"{x:.2f}x" for x in ceilings))
    for label, ratio in ratios.items():
        print(f"{label}: {ratio:.2f}x pages/s")
    return {
        "rounds": [{n: run.__dict__ for n, run in r.items()} for r in rounds],
        "waits": [{n: w.__dict__ for n, w in r.items()} for r in waits],
        "speedups": speedups,
        "ceilings": ceilings,
        "scrapy": scrapy.__dict__ if scrapy is not None else None,
        "ratios": ratios,
    }


def apart(folder: Path, out: Path, n: int) -> tuple[list[str], Path]:
    """One command that runs ``n`` one-worker crawls of the web at once, each into its own
    store, and the log file of the first (for its waits), as :func:`ours`.

    They share nothing but the machine (and the server): the most ``n`` processes can
    do here, so what N workers sharing one crawl should be compared with.
    """
    log_file = out / "workers-apart-1.log"
    log_file.unlink(missing_ok=True)
    cmds = []
    for i in range(n):
        extra = ("--workers", "1") + (("--log-file", str(log_file)) if i == 0 else ())
        cmds.append(govlinks_crawl(folder, out / f"workers-apart-{i + 1}.db", extra=extra))
    code = (
        "import subprocess, sys\n"
        f"procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in {cmds!r}]\n"
        "sys.exit(max(p.wait() for p in procs))\n"
    )
    return [sys.executable, "-c", code], log_file


def line(name: str, run: Run) -> str:
    return (f"{name:30s} {run.pages:7d} pages {run.seconds:7.1f} s {run.pages_per_s:7.1f} pages/s "
            f"CPU {run.cpu_s:6.1f} s, peak RSS {run.max_rss_mb:6.0f} MB")  # fmt: skip


def rss(args: argparse.Namespace, out: Path) -> dict[str, object]:
    folder = web(out, sites=args.rss_sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-workers-rss.jsonl"
    cmd, log_file = ours(folder, out, "workers-rss", args.workers)
    with server(folder, log) as srv:
        run, _ = timed(f"govlinks --workers {args.workers}", cmd, srv.proxy_env, log, 0)
    waits = lock_waits(log_file)
    print(f"{args.rss_sites} sites, --workers {args.workers}: {run.pages} pages in {run.seconds:.0f} s "
          f"({run.pages_per_s:.0f} pages/s, CPU {run.cpu_s:.0f} s), peak RSS of all processes "
          f"{run.max_rss_mb:.0f} MB, {waits}")  # fmt: skip
    return {"run": run.__dict__, "waits": waits.__dict__}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--page-kb", type=int, default=25)
    parser.add_argument("--links", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of --workers 1 and N")
    parser.add_argument("--skip-baselines", action="store_true", help="only govlinks")
    parser.add_argument("--render-on-request", action="store_true",
                        help="the server renders each page when asked, not all before the runs")  # fmt: skip
    parser.add_argument("--skip-throughput", action="store_true", help="only --rss-sites")
    parser.add_argument("--rss-sites", type=int, default=0, help="also peak RSS on this many sites")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    served = "rendered on request" if args.render_on_request or args.skip_throughput else "rendered first"
    print(f"{date.today()} on {machine()}: {args.sites} sites x {args.pages} pages, ~{args.page_kb} KB, "
          f"~{args.links} links per page, delay 0, pages {served}", flush=True)  # fmt: skip
    t0 = time.perf_counter()
    result: dict[str, object] = {"args": vars(args)}
    if not args.skip_throughput:
        result["throughput"] = throughput(args, args.out)
    if args.rss_sites:
        result["rss"] = rss(args, args.out)
    save(args.out, "workers-rss" if args.skip_throughput else "workers", result)
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
