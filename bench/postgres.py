"""The same crawl into PostgreSQL and into SQLite: pages/s, then the report's time, as ratios.

    python bench/postgres.py [--sites 100] [--pages 100] [--workers N]

One generated web, one demo server (its own process), one throw-away PostgreSQL
server started like the tests' (``tests/pgserver.py``, but durable: fsync and
synchronous commits on, the defaults), on the same machine: the database server
shares the cores with the crawl, which is the worst case for PostgreSQL. The
crawls run one after the other at ``--delay 0``, then ``govlinks report --format
json`` reads each store. ``--workers N`` is passed to both crawls when the crawl
has it (issue 15 item 1); the target is PostgreSQL >= 0.8x SQLite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import ROOT, govlinks_crawl, machine, save, server, timed, web

from tests.pgserver import PgServer


def report_seconds(db: str, out: Path) -> float:
    """Wall time of ``govlinks report --format json`` on a store."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", "report", "--format", "json", "--db", db, "-o", str(out)],
                   check=True, capture_output=True, cwd=ROOT)  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="passed to both crawls (--workers N)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "govlinks-bench-postgres")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = web(args.out, sites=args.sites, pages=args.pages)
    workers = ["--workers", str(args.workers)] if args.workers else []
    pg = PgServer(durable=True).start()
    try:
        pg.sql("CREATE DATABASE bench")
        url = pg.url("bench")
        log = args.out / "server-log.jsonl"
        with server(folder, log) as srv:
            lite_cmd = govlinks_crawl(folder, args.out / "bench.db") + workers
            pg_cmd = govlinks_crawl(folder, args.out / "unused.db") + workers
            pg_cmd[pg_cmd.index("--db") + 1] = url  # the same command, another store
            lite, start = timed("SQLite", lite_cmd, srv.proxy_env, log, 0)
            post, _ = timed("PostgreSQL", pg_cmd, srv.proxy_env, log, start)
        reports = {
            "SQLite": report_seconds(str(args.out / "bench.db"), args.out / "report-sqlite.json"),
            "PostgreSQL": report_seconds(url, args.out / "report-postgresql.json"),
        }
    finally:
        pg.stop()
    size = f"web {args.sites} sites x {args.pages} pages, workers {args.workers or 1}"
    print(f"{machine()}, {date.today()}, {size}")
    for r in (lite, post):
        print(f"{r.name:10s} crawl {r.pages:7d} pages {r.seconds:6.1f} s {r.pages_per_s:7.1f} pages/s "
              f"peak RSS {r.max_rss_mb:5.0f} MB   report {reports[r.name]:5.1f} s")  # fmt: skip
    print(f"PostgreSQL / SQLite: crawl {post.pages_per_s / lite.pages_per_s:.2f}x pages/s (target >= 0.8x), "
          f"report {reports['SQLite'] / reports['PostgreSQL']:.2f}x speed")  # fmt: skip
    save(args.out, "postgres", {"runs": [lite.__dict__, post.__dict__], "reports": reports})


if __name__ == "__main__":
    main()
