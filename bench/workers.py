"""Crawl workers: ``govlinks crawl --workers 2`` vs ``--workers 1`` vs Scrapy's own ceiling.

    python bench/workers.py [--sites 100] [--pages 100] [--workers 2]
    python bench/workers.py --rss-sites 650    # also: peak RSS of all processes, 650 sites

On one generated web at ``--delay 0`` (every contender through the same local
server, run in its own process), one run each, ratios within the run:

- ``govlinks crawl --workers 1``, then ``--workers N`` (default 2): the speed-up of
  N worker processes sharing the crawl through the SQLite store (target >= 1.7x on
  two cores);
- the minimal Scrapy spider that only extracts and follows links and yields no
  item (``bench/baselines.py``, mode ``follow``): Scrapy's own ceiling in one
  process (target: N workers >= 3.3x it).

Each govlinks run writes its log file; the seconds its workers waited for the
store's write lock (``govlinks/store/lock_wait_ms`` for the pages' batches,
``govlinks/claims/lock_wait_ms`` for the claims, over their transactions) are
summed from the stats each worker dumps there: what sharing one SQLite file costs.
``--rss-sites`` crawls a web of that many sites with ``--workers N`` and reports the
peak RSS of the parent and its workers together (sampled, ``common.TreeRss``).
CPU is the user + system seconds of each command with its workers: on a loaded
machine, where N workers cannot have N cores, pages per CPU second still compare.
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import date
from pathlib import Path

from common import ROOT, Run, govlinks_crawl, machine, save, server, timed, web
from crawl import scrapy_cmd

_STAT = re.compile(r"'govlinks/(?:store|claims)/(lock_wait_ms|transactions)': (\d+)")


def lock_waits(log_file: Path) -> tuple[float, int]:
    """(seconds waited for the write lock, transactions) summed over the workers of a run."""
    wait = transactions = 0
    if log_file.exists():
        for key, value in _STAT.findall(log_file.read_text(encoding="utf-8", errors="replace")):
            if key == "lock_wait_ms":
                wait += int(value)
            else:
                transactions += int(value)
    return wait / 1000, transactions


def ours(folder: Path, out: Path, name: str, workers: int) -> tuple[list[str], Path]:
    log_file = out / f"{name}.log"
    log_file.unlink(missing_ok=True)
    extra = ("--workers", str(workers), "--log-file", str(log_file))
    return govlinks_crawl(folder, out / f"{name}.db", extra=extra), log_file


def throughput(args: argparse.Namespace, out: Path) -> dict[str, object]:
    folder = web(out, sites=args.sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-workers.jsonl"
    runs: dict[str, Run] = {}
    waits: dict[str, tuple[float, int]] = {}
    contenders = []
    for n in (1, args.workers):
        cmd, log_file = ours(folder, out, f"workers-{n}", n)
        contenders.append((f"govlinks --workers {n}", cmd, log_file))
    if not args.skip_baselines:
        contenders.append(("scrapy, links only, no item", scrapy_cmd(folder, "follow", args.sites), None))
    with server(folder, log) as srv:
        start = 0
        for name, cmd, log_file in contenders:
            run, start = timed(name, cmd, srv.proxy_env, log, start)
            runs[name] = run
            line = (f"{name:30s} {run.pages:7d} pages {run.seconds:7.1f} s {run.pages_per_s:7.1f} pages/s "
                    f"CPU {run.cpu_s:6.1f} s, peak RSS {run.max_rss_mb:6.0f} MB")  # fmt: skip
            if log_file is not None:
                waits[name] = lock_waits(log_file)
                line += f", lock wait {waits[name][0]:.1f} s over {waits[name][1]} transactions"
            print(line, flush=True)
    one, many = runs["govlinks --workers 1"], runs[f"govlinks --workers {args.workers}"]
    print()
    ratios = {f"--workers {args.workers} / --workers 1": many.pages_per_s / one.pages_per_s}
    if not args.skip_baselines:
        scrapy = runs["scrapy, links only, no item"]
        ratios[f"--workers {args.workers} / scrapy links only"] = many.pages_per_s / scrapy.pages_per_s
        ratios["--workers 1 / scrapy links only"] = one.pages_per_s / scrapy.pages_per_s
    for label, ratio in ratios.items():
        print(f"{label}: {ratio:.2f}x pages/s")
    return {"runs": {k: r.__dict__ for k, r in runs.items()}, "lock_waits": waits, "ratios": ratios}


def rss(args: argparse.Namespace, out: Path) -> dict[str, object]:
    folder = web(out, sites=args.rss_sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-workers-rss.jsonl"
    cmd, log_file = ours(folder, out, "workers-rss", args.workers)
    with server(folder, log) as srv:
        run, _ = timed(f"govlinks --workers {args.workers}", cmd, srv.proxy_env, log, 0)
    wait, transactions = lock_waits(log_file)
    print(f"{args.rss_sites} sites, --workers {args.workers}: {run.pages} pages in {run.seconds:.0f} s "
          f"({run.pages_per_s:.0f} pages/s, CPU {run.cpu_s:.0f} s), peak RSS of all processes "
          f"{run.max_rss_mb:.0f} MB, "
          f"lock wait {wait:.1f} s over {transactions} transactions")  # fmt: skip
    return {"run": run.__dict__, "lock_wait": wait, "transactions": transactions}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--page-kb", type=int, default=25)
    parser.add_argument("--links", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-baselines", action="store_true", help="only govlinks")
    parser.add_argument("--skip-throughput", action="store_true", help="only --rss-sites")
    parser.add_argument("--rss-sites", type=int, default=0, help="also peak RSS on this many sites")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{date.today()} on {machine()}: {args.sites} sites x {args.pages} pages, ~{args.page_kb} KB, "
          f"~{args.links} links per page, delay 0", flush=True)  # fmt: skip
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
