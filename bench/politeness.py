"""Politeness vs breadth: do all sites progress in parallel under a per-site delay?

    python bench/politeness.py [--sites 650] [--pages 40] [--delay 0.25] [--workers N]

Crawls a generated web of ``sites`` sites of exactly ``pages`` pages each with
``--max-pages-per-site pages --delay delay`` and prints the wall time divided by
the politeness bound n × d (one site's pages one delay apart: the least time a
polite crawl can take). A crawl that finished one site before starting the next
would score ``sites``; one where every site progresses at once scores near 1,
unless the machine cannot fetch and parse sites × n / (n × d) pages per second,
so the same web is also crawled at ``--delay 0`` to measure that CPU floor, with the
same number of workers (``--workers``; default: govlinks' own, one per core at most 4).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from common import ROOT, govlinks_crawl, machine, save, server, timed, web


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=650)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument("--page-kb", type=int, default=25)
    parser.add_argument("--links", type=int, default=60)
    parser.add_argument("--workers", type=int, default=0, help="crawl --workers (default: govlinks')")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n, d = args.pages, args.delay
    extra = ("--workers", str(args.workers)) if args.workers else ()
    workers = f", --workers {args.workers}" if args.workers else ", default workers"
    print(f"{date.today()} on {machine()}: {args.sites} sites x {n} pages, delay {d} s{workers}", flush=True)
    folder = web(args.out, sites=args.sites, pages=n, page_kb=args.page_kb, links=args.links)
    log = args.out / f"server-log-politeness-{args.sites}x{n}-{d}.jsonl"
    with server(folder, log) as srv:
        polite_cmd = govlinks_crawl(folder, args.out / "polite.db", pages=n, delay=d, extra=extra)
        polite, start = timed("polite", polite_cmd, srv.proxy_env, log, 0)
        floor, _ = timed(
            "delay 0",
            govlinks_crawl(folder, args.out / "floor.db", pages=n, delay=0, extra=extra),
            srv.proxy_env,
            log,
            start,
        )
    bound = n * d
    print(f"polite crawl:  {polite.pages} pages in {polite.seconds:.1f} s ({polite.pages_per_s:.0f} pages/s)")
    print(f"delay 0:       {floor.pages} pages in {floor.seconds:.1f} s ({floor.pages_per_s:.0f} pages/s)")
    print(
        f"politeness bound n x d = {bound:.1f} s; one site after another would take "
        f"{args.sites * bound:.0f} s"
    )
    print(f"wall time / (n x d) = {polite.seconds / bound:.2f}")
    print(f"wall time / max(n x d, CPU floor) = {polite.seconds / max(bound, floor.seconds):.2f}")
    save(
        args.out,
        f"politeness-{args.sites}x{n}-{d}",
        {"args": vars(args), "polite": polite.__dict__, "floor": floor.__dict__, "bound": bound},
    )


if __name__ == "__main__":
    main()
