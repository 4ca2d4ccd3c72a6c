"""The same crawl into PostgreSQL and into SQLite: pages/s, then the report's time, as ratios.

    python bench/postgres.py [--sites 100] [--pages 100] [--workers 2]
    python bench/postgres.py --store big.db     # an existing store: copy-store, report, page export

One generated web, one demo server (its own process), one throw-away PostgreSQL
server started like the tests' (``tests/pgserver.py``, but durable: fsync and
synchronous commits on, the defaults), on the same machine: the database server
shares the cores with the crawl, which is the worst case for PostgreSQL. The
crawls run one after the other at ``--delay 0``, then ``govlinks report --format
json`` reads each store. Both crawls run ``--workers N`` (2 by default: issue 15's
target is PostgreSQL with 2 workers >= 0.8x the same crawl on SQLite).

With ``--store``, a store of a real size instead (a copy of it: the original is not
migrated): the time of ``govlinks copy-store`` into PostgreSQL, then of a JSON report
and of the page-level CSV export (every cross-site link, streamed) from each backend.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import ROOT, govlinks_crawl, machine, save, server, timed, web

from tests.pgserver import PgServer


def seconds(*args: str) -> float:
    """Wall time of one govlinks command."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", *args], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def report_seconds(db: str, out: Path) -> float:
    """Wall time of ``govlinks report --format json`` on a store."""
    return seconds("report", "--format", "json", "--db", db, "-o", str(out))


def big_store(store: Path, out: Path) -> None:
    local = out / "big.db"
    shutil.copy(store, local)
    pg = PgServer(durable=True).start()
    try:
        pg.sql("CREATE DATABASE big")
        url = pg.url("big")
        copy = seconds("copy-store", "--db", str(local), "--to", url)
        dbs = {"SQLite": str(local), "PostgreSQL": url}
        reports = {name: report_seconds(db, out / f"big-{name}.json") for name, db in dbs.items()}
        pages = {name: seconds("export", "--format", "csv", "--level", "page", "--db", db,
                               "-o", str(out / f"big-pages-{name}")) for name, db in dbs.items()}  # fmt: skip
    finally:
        pg.stop()
    size = local.stat().st_size / 1e6
    print(f"{machine()}, {date.today()}, store {store.name} ({size:.0f} MB): copy-store {copy:.1f} s")
    for name in dbs:
        print(f"{name:10s} report {reports[name]:6.1f} s   page export {pages[name]:6.1f} s")
    print(f"PostgreSQL / SQLite: report {reports['SQLite'] / reports['PostgreSQL']:.2f}x speed, "
          f"page export {pages['SQLite'] / pages['PostgreSQL']:.2f}x speed")  # fmt: skip
    save(out, "postgres-big", {"copy": copy, "reports": reports, "pages": pages, "mb": size})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="passed to both crawls (--workers N)")
    parser.add_argument("--store", type=Path, default=None, help="time copy, report, export of this store")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "govlinks-bench-postgres")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.store:
        big_store(args.store, args.out)
        return
    folder = web(args.out, sites=args.sites, pages=args.pages)
    workers = ["--workers", str(args.workers)]
    pg = PgServer(durable=True).start()
    try:
        pg.sql("CREATE DATABASE bench")
        url = pg.url("bench")
        log = args.out / "server-log.jsonl"
        with server(folder, log) as srv:
            lite_cmd = govlinks_crawl(folder, args.out / "bench.db") + workers
            pg_cmd = govlinks_crawl(folder, args.out / "unused.db") + workers
            pg_cmd[pg_cmd.index("--db") + 1] = url  # the same command, another store
            env = {**srv.proxy_env, "PYTHONPATH": str(ROOT)}  # this checkout's govlinks, wherever run from
            lite, start = timed("SQLite", lite_cmd, env, log, 0)
            post, _ = timed("PostgreSQL", pg_cmd, env, log, start)
        reports = {
            "SQLite": report_seconds(str(args.out / "bench.db"), args.out / "report-sqlite.json"),
            "PostgreSQL": report_seconds(url, args.out / "report-postgresql.json"),
        }
    finally:
        pg.stop()
    size = f"web {args.sites} sites x {args.pages} pages, workers {args.workers}"
    print(f"{machine()}, {date.today()}, {size}")
    for r in (lite, post):
        print(f"{r.name:10s} crawl {r.pages:7d} pages {r.seconds:6.1f} s {r.pages_per_s:7.1f} pages/s "
              f"peak RSS {r.max_rss_mb:5.0f} MB   report {reports[r.name]:5.1f} s")  # fmt: skip
    print(f"PostgreSQL / SQLite: crawl {post.pages_per_s / lite.pages_per_s:.2f}x pages/s (target >= 0.8x), "
          f"report {reports['SQLite'] / reports['PostgreSQL']:.2f}x speed")  # fmt: skip
    save(args.out, "postgres", {"runs": [lite.__dict__, post.__dict__], "reports": reports})


if __name__ == "__main__":
    main()
