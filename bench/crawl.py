"""Crawl throughput: govlinks vs minimal Scrapy spiders vs wget, on one generated web.

    python bench/crawl.py [--sites 100] [--pages 100] [--page-kb 25] [--links 60]
    python bench/crawl.py --rss-sites 650     # also: peak RSS of a 650-site crawl
    python bench/crawl.py --store-sites 650   # also: store size with and without --no-text
    python bench/crawl.py --ab 3              # only: text vs --no-text, 3 interleaved rounds

Every contender crawls the same generated web through the same local server
(run in its own process, so the crawler has a core to itself), at full speed
(no politeness delay), with the same engine settings (concurrency one request
per site, robots.txt obeyed). Pages/s counts the HTML pages the server answered
during the run, so every contender is measured by the same yardstick. Ratios are
taken within one run: the machines are too noisy for absolute figures.

``govlinks crawl --no-text`` runs in the same invocation, right after ``govlinks
crawl``: the cost of the text profiles (crawler/profile.py) is their ratio, and the
growth of the store their difference in bytes per page.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from common import ROOT, Run, govlinks_crawl, machine, save, server, store_size, timed, web

ENGINE = {
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
    "ROBOTSTXT_OBEY": "True",
    "REMOTE_CONTROL_ENABLED": "False",
    "TELNETCONSOLE_ENABLED": "False",
    "LOG_LEVEL": "ERROR",
    "CONCURRENT_ITEMS": "1",
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
}


def scrapy_cmd(folder: Path, mode: str, n_sites: int) -> list[str]:
    settings = {**ENGINE, "CONCURRENT_REQUESTS": str(n_sites)}
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(ROOT / "bench" / "baselines.py"),
        "-a",
        f"mode={mode}",
        "-a",
        f"seeds={folder / 'seeds.csv'}",
    ]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def wget_cmd(folder: Path, out: Path) -> list[str]:
    with open(folder / "seeds.csv", encoding="utf-8") as fh:
        urls = [row["url"] for row in csv.DictReader(fh)]
    (out / "wget-urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    hosts = sorted({u.split("/")[2] for u in urls})
    return [
        "wget",
        "--recursive",
        "--level=inf",
        "--span-hosts",
        f"--domains={','.join(hosts)}",
        "--no-check-certificate",
        "--delete-after",
        "--no-directories",
        "--quiet",
        "-e",
        "robots=on",
        f"--directory-prefix={out / 'wget'}",
        "-i",
        str(out / "wget-urls.txt"),
    ]


def throughput(args: argparse.Namespace, out: Path) -> list[Run]:
    folder = web(out, sites=args.sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log.jsonl"
    runs: list[Run] = []
    with server(folder, log) as srv:
        env = srv.proxy_env
        start = 0
        contenders = [
            ("govlinks crawl", govlinks_crawl(folder, out / "bench.db")),
            ("govlinks crawl --no-text", govlinks_crawl(folder, out / "bare.db", extra=("--no-text",))),
        ]
        if not args.skip_baselines:
            contenders += [
                ("scrapy, one item per link", scrapy_cmd(folder, "link", args.sites)),
                ("scrapy, one item per page", scrapy_cmd(folder, "page", args.sites)),
            ]
        if not args.skip_wget and not args.skip_baselines and shutil.which("wget"):
            # wget is sequential and opens a tunnel per https request: its rate is
            # measured over a bounded run rather than the whole web.
            wget = ["timeout", str(args.wget_seconds), *wget_cmd(folder, out)]
            contenders.append(("wget --recursive", wget))
        for name, cmd in contenders:
            run, start = timed(name, cmd, env, log, start)
            runs.append(run)
            print(
                f"{name:28s} {run.pages:7d} pages {run.seconds:7.1f} s {run.pages_per_s:7.1f} pages/s "
                f"peak RSS {run.max_rss_mb:6.0f} MB",
                flush=True,
            )
    ours = runs[0]
    print()
    for other in runs[1:]:
        print(f"govlinks / {other.name}: {ours.pages_per_s / other.pages_per_s:.2f}x pages/s")
    print_growth(out / "bench.db", out / "bare.db")
    return runs


def print_growth(text_db: Path, bare_db: Path) -> dict[str, float]:
    """Print and return the store sizes with and without text, and the growth per page."""
    (with_text, pages), (without, bare_pages) = store_size(text_db), store_size(bare_db)
    growth = (with_text - without) / max(1, pages)
    print(
        f"store: {with_text / 1e6:.1f} MB with text ({pages} pages), {without / 1e6:.1f} MB with --no-text "
        f"({bare_pages} pages): +{growth / 1024:.2f} KB per page"
    )
    return {"with_text": with_text, "without_text": without, "pages": pages, "growth_per_page": growth}


def text_ab(args: argparse.Namespace, out: Path) -> dict[str, object]:
    """Interleaved rounds of ``govlinks crawl`` with and without text on one web and server.

    One pair after the other (as in :func:`throughput`) measures the machine's load as
    much as the crawl when other jobs come and go; alternating them, ``--ab`` rounds,
    and comparing medians does not.
    """
    folder = web(out, sites=args.sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-ab.jsonl"
    rates: dict[str, list[float]] = {"text": [], "no-text": []}
    with server(folder, log) as srv:
        start = 0
        for k in range(args.ab):
            for name, extra in (("text", ()), ("no-text", ("--no-text",))):
                cmd = govlinks_crawl(folder, out / f"ab-{name}.db", extra=extra)
                run, start = timed(f"govlinks crawl ({name})", cmd, srv.proxy_env, log, start)
                rates[name].append(run.pages_per_s)
                print(f"round {k + 1} {name:8s} {run.pages} pages {run.pages_per_s:6.1f} pages/s", flush=True)
    with_text, without = statistics.median(rates["text"]), statistics.median(rates["no-text"])
    print(f"medians: {with_text:.1f} pages/s with text, {without:.1f} without: {with_text / without:.2f}x")
    return {"rates": rates, "ratio": with_text / without}


def store_growth(args: argparse.Namespace, out: Path) -> dict[str, object]:
    """Crawl a web of ``--store-sites`` sites with and without text: time, RSS and store size."""
    folder = web(out, sites=args.store_sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-store.jsonl"
    runs = []
    with server(folder, log) as srv:
        start = 0
        for name, db, extra in (("govlinks crawl", "store.db", ()),
                                ("govlinks crawl --no-text", "store-notext.db", ("--no-text",))):  # fmt: skip
            run, start = timed(name, govlinks_crawl(folder, out / db, extra=extra), srv.proxy_env, log, start)
            runs.append(run)
            rate = f"{run.pages_per_s:.0f} pages/s, peak RSS {run.max_rss_mb:.0f} MB"
            print(f"{args.store_sites} sites, {name}: {run.pages} pages in {run.seconds:.0f} s ({rate})")
    print(f"with text / --no-text: {runs[0].pages_per_s / runs[1].pages_per_s:.2f}x pages/s")
    growth = print_growth(out / "store.db", out / "store-notext.db")
    return {"runs": [r.__dict__ for r in runs], "growth": growth}


def rss(args: argparse.Namespace, out: Path) -> Run:
    folder = web(out, sites=args.rss_sites, pages=args.pages, page_kb=args.page_kb, links=args.links)
    log = out / "server-log-rss.jsonl"
    with server(folder, log) as srv:
        run, _ = timed("govlinks crawl", govlinks_crawl(folder, out / "rss.db"), srv.proxy_env, log, 0)
    print(
        f"{args.rss_sites} sites: {run.pages} pages in {run.seconds:.0f} s ({run.pages_per_s:.0f} pages/s), "
        f"peak RSS {run.max_rss_mb:.0f} MB"
    )
    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--page-kb", type=int, default=25)
    parser.add_argument("--links", type=int, default=60)
    parser.add_argument("--skip-wget", action="store_true")
    parser.add_argument("--wget-seconds", type=int, default=120, help="stop wget after this long")
    parser.add_argument("--rss-sites", type=int, default=0, help="also measure peak RSS on this many sites")
    parser.add_argument(
        "--store-sites", type=int, default=0, help="also the store's growth with text on this many sites"
    )
    parser.add_argument("--skip-baselines", action="store_true", help="only govlinks, with and without text")
    parser.add_argument("--ab", type=int, default=0, help="only: this many interleaved rounds, text or not")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"{date.today()} on {machine()}: {args.sites} sites x {args.pages} pages, ~{args.page_kb} KB, "
        f"~{args.links} links per page",
        flush=True,
    )
    t0 = time.perf_counter()
    if args.ab:
        save(args.out, "crawl-text-ab", text_ab(args, args.out))
        print(f"(bench took {time.perf_counter() - t0:.0f} s)")
        return
    runs = throughput(args, args.out)
    result = {"args": vars(args), "runs": [r.__dict__ for r in runs]}
    if args.rss_sites:
        result["rss"] = rss(args, args.out).__dict__
    if args.store_sites:
        result["store"] = store_growth(args, args.out)
    save(args.out, "crawl", result)
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
