"""Benchmark of `govlinks diff` on the 650-site, 1.2M-link benchmark store, two crawls (or more).

    python bench/diff.py                       # build /tmp/govlinks-bench-2.db once, then time
    python bench/diff.py --db X.db --rebuild   # build again
    python bench/diff.py --crawls 5            # /tmp/govlinks-bench-5.db: the report's history

The store is bench/report.py's (650 sites, ~1.2 million cross-site links per
crawl), with a second crawl of the same seed list whose links are drawn again: a
worst case for a diff (tens of thousands of linked pairs change). Measured:

- `govlinks diff` end to end in a child process (imports included), per format,
  with its peak RSS (target: under 10 s);
- in one process, the diff with the site-pair aggregates stored when each crawl
  finished (``site_links``) against the baseline that aggregates the page-level
  links on the fly, as every read did before schema version 2 (the ratio);
- what storing the aggregates adds to `finish_crawl`;
- `govlinks report` of the last crawl, which now adds the history (the
  analysis of every earlier crawl and the diff with the previous one);
- with ``--crawls`` 3 or more, that history in one process: the earlier crawls
  analysed without journeys and link recommendations (which the history does not
  show), as the report does, against the baseline that computes them as every
  analysis did before (the ratio).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import build
from crawler.store import Store


def child(cmd: list[str]) -> dict[str, Any]:
    """Wall and CPU seconds, peak RSS (MB) and exit code of a command run to completion.

    CPU seconds (user + system, from wait4) are what the command costs on a quiet
    machine; wall seconds grow with the load of the other jobs on the machine.
    """
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    return {
        "wall_s": round(time.perf_counter() - t, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "exit": os.waitstatus_to_exitcode(status),
    }


def in_process(db: Path) -> dict[str, Any]:
    """The diff's phases in this process, with stored aggregates and with the on-the-fly baseline."""
    from crawler.store.reads import Reads
    from graphs.diff import diff
    from graphs.history import load_snapshot

    out: dict[str, Any] = {}
    for name, stored in (("stored", True), ("on_the_fly", False)):
        original = Reads._site_links_stored
        if not stored:
            Reads._site_links_stored = lambda self, crawl_id: False  # type: ignore[method-assign]
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            with Store.open(db) as store:
                a = load_snapshot(store, 1)
                t1 = time.perf_counter()
                b = load_snapshot(store, 2)
            t2 = time.perf_counter()
            d = diff(a, b)
            t3 = time.perf_counter()
        finally:
            Reads._site_links_stored = original  # type: ignore[method-assign]
        out[name] = {
            "read_crawl_1_s": round(t1 - t0, 2),
            "read_crawl_2_s": round(t2 - t1, 2),
            "analyse_and_compare_s": round(t3 - t2, 2),
            "total_s": round(t3 - t0, 2),
            "total_cpu_s": round(time.process_time() - c0, 2),
        }
        out["summary"] = d.summary()
    out["ratio_on_the_fly_over_stored"] = round(out["on_the_fly"]["total_s"] / out["stored"]["total_s"], 2)
    with Store.open(db) as store:
        reads = store.reads
        t = time.perf_counter()
        reads.site_edges(2)
        out["site_edges_stored_s"] = round(time.perf_counter() - t, 3)
        Reads._site_links_stored = lambda self, crawl_id: False  # type: ignore[method-assign]
        try:
            t = time.perf_counter()
            reads.site_edges(2)
            out["site_edges_on_the_fly_s"] = round(time.perf_counter() - t, 2)
        finally:
            Reads._site_links_stored = original  # type: ignore[method-assign]
    return out


def history_cost(db: Path, rounds: int = 2) -> dict[str, Any]:
    """The report's history of the last crawl, in this process: journeys skipped, and computed.

    Each way ``rounds`` times, alternately; the best CPU and wall time of each. The
    analysis of the reported crawl itself is done once, before (the report reuses it).
    """
    from graphs.analysis import analyse_crawl
    from graphs.history import Snapshot
    from graphs.trends import crawl_history

    original = Snapshot.analyse
    best: dict[str, dict[str, float]] = {}
    with Store.open(db) as store:
        analysis = analyse_crawl(store, link_pages=False)
        for _ in range(rounds):
            for name, journeys in (("journeys_skipped", False), ("journeys_computed", True)):
                Snapshot.analyse = functools.partialmethod(original, journeys=journeys)  # type: ignore[assignment,method-assign]
                try:
                    t, c = time.perf_counter(), time.process_time()
                    history = crawl_history(store, analysis)
                    wall, cpu = time.perf_counter() - t, time.process_time() - c
                finally:
                    Snapshot.analyse = original  # type: ignore[method-assign]
                assert history is not None
                prev = best.get(name, {"wall_s": math.inf, "cpu_s": math.inf})
                best[name] = {"wall_s": min(prev["wall_s"], round(wall, 2)),
                              "cpu_s": min(prev["cpu_s"], round(cpu, 2))}  # fmt: skip
    earlier = len(history.crawls) - 1
    out: dict[str, Any] = {"earlier_crawls": earlier, **best}
    for name in best:
        out[name]["cpu_s_per_earlier_crawl"] = round(best[name]["cpu_s"] / earlier, 2)
    skipped, computed = best["journeys_skipped"], best["journeys_computed"]
    out["ratio_computed_over_skipped_cpu"] = round(computed["cpu_s"] / skipped["cpu_s"], 2)
    return out


def finish_cost(db: Path) -> dict[str, float]:
    """What storing the site-pair aggregates of crawl 2 costs (the INSERT of finish_crawl)."""
    from crawler.store.summaries import summarise_site_links

    with Store.open(db) as store, store.transaction() as conn:
        t = time.perf_counter()
        summarise_site_links(conn, 2)  # replaces the rows it finds: the store is unchanged
        return {"summarise_site_links_s": round(time.perf_counter() - t, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="default: /tmp/govlinks-bench-CRAWLS.db")
    parser.add_argument("--crawls", type=int, default=2, help="finished crawls in the store (2 or more)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/govlinks-bench-diff"))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    args.db = args.db or Path(f"/tmp/govlinks-bench-{args.crawls}.db")
    if args.rebuild or not args.db.exists():
        figures = build(args.db, n_sites=650, pages_per_site=300, links_per_page=6, crawls=args.crawls)
        print("build:", json.dumps(figures))
    args.out.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "cli"]
    results: dict[str, Any] = {}
    for fmt, target in (("table", "diff.txt"), ("json", "diff.json"), ("html", "diff.html"), ("csv", "csv")):
        run = child([*cli, "diff", "--db", str(args.db), "--format", fmt, "-o", str(args.out / target)])
        if run["exit"]:
            sys.exit(f"govlinks diff --format {fmt} failed ({run['exit']})")
        results[f"diff_{fmt}"] = run
    results["report_with_history"] = child([*cli, "report", "--db", str(args.db),
                                            "-o", str(args.out / "report.txt")])  # fmt: skip
    results["report_first_crawl"] = child([*cli, "report", "--db", str(args.db), "--crawl", "1",
                                           "-o", str(args.out / "report1.txt")])  # fmt: skip
    print("cli:", json.dumps(results))
    print("in process:", json.dumps(in_process(args.db)))
    if args.crawls > 2:
        print("history:", json.dumps(history_cost(args.db)))
    print("finish_crawl:", json.dumps(finish_cost(args.db)))
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
