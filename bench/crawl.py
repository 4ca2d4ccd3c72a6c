"""Crawl throughput: govlinks vs minimal Scrapy spiders vs wget, on one generated web.

    python bench/crawl.py [--sites 100] [--pages 100] [--page-kb 25] [--links 60]
    python bench/crawl.py --rss-sites 650     # also: peak RSS of a 650-site crawl

Every contender crawls the same generated web through the same local server
(run in its own process, so the crawler has a core to itself), at full speed
(no politeness delay), with the same engine settings (concurrency one request
per site, robots.txt obeyed). Pages/s counts the HTML pages the server answered
during the run, so every contender is measured by the same yardstick. Ratios are
taken within one run: the machines are too noisy for absolute figures.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from common import ROOT, Run, govlinks_crawl, machine, save, server, timed, web

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
            ("scrapy, one item per link", scrapy_cmd(folder, "link", args.sites)),
            ("scrapy, one item per page", scrapy_cmd(folder, "page", args.sites)),
        ]
        if not args.skip_wget and shutil.which("wget"):
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
    return runs


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
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"{date.today()} on {machine()}: {args.sites} sites x {args.pages} pages, ~{args.page_kb} KB, "
        f"~{args.links} links per page",
        flush=True,
    )
    t0 = time.perf_counter()
    runs = throughput(args, args.out)
    result = {"args": vars(args), "runs": [r.__dict__ for r in runs]}
    if args.rss_sites:
        result["rss"] = rss(args, args.out).__dict__
    save(args.out, "crawl", result)
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
