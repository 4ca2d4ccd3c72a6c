"""Benchmark of `govlinks report` on a generated store: 650 sites, over a million
cross-site links.

    python bench/report.py                      # build /tmp/govlinks-bench.db once, then time
    python bench/report.py --db X.db --rebuild  # build again
    python bench/report.py --site               # time the report site (index + a page per site…)

The store is written through Store.write_batch (the crawl's own write path)
with synthetic pages: no crawl, no network. Each site has a few template
links (header/footer, on every page) to popular sites and content links to
its neighbours, deep or to homepages; a share of the targets answer 404;
some outside links are checked and retired. The report then runs in a child
process, so that its peak memory (ru_maxrss from wait4) is the report's
alone: analysis (with the SQL reads broken down, journeys and link
recommendations included), then each format; then `govlinks report --format
json` (which carries journeys and recommendations), `govlinks journeys` and
`govlinks recommend` end to end, each in its own process.
Targets (README, bench/RESULTS.md): the report under 30 s and 1 GB; report +
recommendations + journeys under 15 s and 1 GB (issue 13).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.items import Link, LinkCheck, Page
from crawler.seeds import Seed
from crawler.store import Store
from seeds import LIFE_EVENTS_CSV
from seeds.vocabulary import read_labels

# The bundled vocabulary's life events (17) and ten of its eleven themes (N19813 has no
# label), so that reports and screenshots of this store name real ones.
THEMES = [f"N{19803 + i}" for i in range(11)]
EVENTS = list(read_labels(LIFE_EVENTS_CSV))


def build(
    db: Path, *, n_sites: int, pages_per_site: int, links_per_page: int, seed: int = 7, crawls: int = 1
) -> dict[str, Any]:
    """Write a store of ``crawls`` finished crawls of the same seed list; return the figures of the last.

    The first crawl is the same for any ``crawls``; each later one draws its links
    (and its unreachable sites) again, with the same popularity of sites: the
    store a monthly cron leaves after a few months, for ``bench/diff.py``.
    """
    rng = random.Random(seed)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    sites = [f"site{i:03d}.gouv.fr" for i in range(n_sites)]
    sites[0] = "service-public.fr"
    seeds = [
        Seed(site=s, url=f"https://{s}/", line=i + 2, name=f"Site {i}", organisation=f"Ministère {i % 15}",
             themes=tuple(rng.sample(THEMES, rng.choice((0, 1, 1, 2, 2, 3)))),
             life_events=tuple(rng.sample(EVENTS, rng.choice((0, 0, 1, 1, 2)))))
        for i, s in enumerate(sites)
    ]  # fmt: skip
    figures: dict[str, Any] = {}
    with Store.open(db, create=True) as store:
        for k in range(crawls):
            figures = _write_crawl(store, db, seeds, rng if k == 0 else random.Random(seed * 1000 + k),
                                   pages_per_site=pages_per_site, links_per_page=links_per_page)  # fmt: skip
    figures["db_mb"] = round(db.stat().st_size / 1e6)
    return figures


def _write_crawl(
    store: Store, db: Path, seeds: list[Seed], rng: random.Random, *, pages_per_site: int, links_per_page: int
) -> dict[str, Any]:
    """One finished crawl of ``seeds`` with synthetic pages and links drawn from ``rng``."""
    sites = [s.site for s in seeds]
    n_sites = len(sites)
    # Popularity: a few sites everybody links to (service-public, legifrance-like).
    popularity = [1.0 / (1 + i) ** 0.8 for i in range(n_sites)]
    down = set(rng.sample(range(1, n_sites), 12))
    t0 = time.perf_counter()
    n_links = n_pages = 0
    crawl_id = store.start_crawl(seeds_path=str(db.parent / "sites.csv"), seeds_sha256="0" * 64,
                                 settings={"check_links": True}, sites=seeds)  # fmt: skip
    targets_seen: dict[str, str] = {}
    external_seen: set[str] = set()
    batch: list[Page] = []

    def flush() -> None:
        nonlocal n_links
        n_links += store.write_batch(crawl_id, batch)
        batch.clear()

    for i, site in enumerate(sites):
        if i in down:
            batch.append(_page(site, f"https://{site}/", 0, None, [], error="TCPTimedOutError: timeout"))
            continue
        template = rng.choices(range(n_sites), weights=popularity, k=3)
        neighbours = rng.choices(range(n_sites), weights=popularity, k=rng.randint(5, 60))
        for p in range(pages_per_site):
            links = []
            for t in template:
                if t != i:
                    links.append((sites[t], f"https://{sites[t]}/", 1))
            for _ in range(links_per_page - 3):
                t = rng.choice(neighbours)
                if t == i:
                    continue
                deep = rng.random() < 0.7
                path = f"/page/{rng.randrange(200)}" if deep else "/"
                links.append((sites[t], f"https://{sites[t]}{path}", 0))
            if rng.random() < 0.3:
                links.append((None, f"https://ext{rng.randrange(3000)}.example.org/", 0))
            title = f"Page {p} - {site}" if p else f"Accueil - {site}"
            batch.append(_page(site, f"https://{site}/p{p}" if p else f"https://{site}/", min(p, 1),
                               200, links, title=title))  # fmt: skip
            for tsite, url, _ in links:
                if tsite is not None and url not in targets_seen:
                    targets_seen[url] = tsite
                elif tsite is None:
                    external_seen.add(url)
            n_pages += 1
            if len(batch) >= 2000:
                flush()
    flush()
    # Phase 2 of a crawl: link targets not reached as pages, fetched once; 5% are 404.
    target_items = [
        _page(tsite, url, None, 404 if rng.random() < 0.05 else 200, [], kind="target")
        for url, tsite in targets_seen.items()
    ]
    for k in range(0, len(target_items), 5000):
        store.write_batch(crawl_id, target_items[k : k + 5000])
    checks = []
    for url in sorted(external_seen):
        r = rng.random()
        norm = url.split("://", 1)[1]
        if r < 0.002:
            checks.append(_check(norm, url, None, None, None, "DNSLookupError: no such host"))
        elif r < 0.005:
            checks.append(_check(norm, url, 200, "https://moved.example.net/", 301, None))
        else:
            checks.append(_check(norm, url, 200, url, None, None))
    store.write_batch(crawl_id, [], checks)
    write_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    info = store.finish_crawl(crawl_id, status="finished")
    finish_s = time.perf_counter() - t1
    return {
        "sites": n_sites,
        "pages": n_pages,
        "target_pages": len(target_items),
        "links": n_links,
        "cross_site_links": info.links,
        "checks": len(checks),
        "write_s": round(write_s, 1),
        "finish_crawl_s": round(finish_s, 1),
    }


def _page(site: str, url: str, depth: int | None, status: int | None, links: list[tuple[Any, str, int]],
          *, kind: str = "page", title: str = "", error: str | None = None) -> Page:  # fmt: skip
    norm = url.split("://", 1)[1]
    return Page(
        kind=kind, site=site, url=url, norm=norm, final_url=url, final_norm=norm,
        status=status, content_type="text/html", size=20000, title=title, depth=depth,
        fetched_at="2026-01-01T00:00:00+00:00", error=error, internal_links=40,
        external_links=len(links),
        links=[Link(u, u, u.split("://", 1)[1], t, "lien", "", tmpl, 0) for t, u, tmpl in links],
    )  # fmt: skip


def _check(norm: str, url: str, status: int | None, final: str | None, redirect: int | None,
           error: str | None) -> LinkCheck:  # fmt: skip
    return LinkCheck(norm=norm, url=url, method="HEAD", status=status, final_url=final,
                     redirect_status=redirect, error=error, checked_at="2026-01-01")  # fmt: skip


def run_report(db: Path, out: Path) -> dict[str, Any]:
    """The report phase (in the child process): analysis, then each format."""
    from graphs.analysis import analyse
    from graphs.build import site_graph
    from graphs.journeys import journeys
    from graphs.link_targets import load_link_targets
    from graphs.recommend import LinkEvidence, recommend
    from graphs.report import render, write_csv_folder
    from graphs.report_journeys import render_journeys, render_recommendations

    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    with Store.open(db) as store:
        info = store.crawl(None)
        for name, call in (
            ("site_table", lambda: store.reads.site_table(info.id)),
            ("site_titles", lambda: store.reads.site_titles(info.id)),
            ("site_edges", lambda: store.reads.site_edges(info.id)),
            ("external_checks", lambda: store.reads.external_checks(info.id)),
            ("broken_examples", lambda: store.reads.broken_examples(info.id)),
            (
                "link_targets",
                lambda: load_link_targets(store, info.id, sorted(timings["site_table"]["site"])),
            ),  # type: ignore[index]
        ):
            t = time.perf_counter()
            timings[name] = call()
            timings[name + "_s"] = round(time.perf_counter() - t, 2)
    sites = timings.pop("site_table").merge(timings.pop("site_titles"), on="site", how="left")  # type: ignore[attr-defined]
    edges = timings.pop("site_edges")
    t = time.perf_counter()
    G = site_graph(sites, edges)  # type: ignore[arg-type]
    targets = timings.pop("link_targets")
    a = analyse(G, external=timings.pop("external_checks"), crawl=info,  # type: ignore[arg-type]
                broken_examples=timings.pop("broken_examples"), link_targets=targets)  # type: ignore[arg-type]  # fmt: skip
    timings["analyse_s"] = round(time.perf_counter() - t, 2)
    timings["analysis_total_s"] = round(time.perf_counter() - t_all, 2)
    # What analyse() spent on journeys and recommendations, done again on their own
    t = time.perf_counter()
    evidence = LinkEvidence(a.graph, a.journey_config)
    timings["link_evidence_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    found = journeys(a.graph, hubs=a.hubs, config=a.journey_config, evidence=evidence, labels=a.labels)
    timings["journeys_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    recs = recommend(a.graph, config=a.journey_config, evidence=evidence, targets=targets, labels=a.labels)  # type: ignore[arg-type]
    timings["recommend_s"] = round(time.perf_counter() - t, 2)
    timings["journeys"], timings["gaps"], timings["recommendations"] = (
        len(found), sum(j.gap_count for j in found), len(recs))  # fmt: skip
    for fmt in ("table", "json", "csv", "html"):
        t = time.perf_counter()
        text = render(a, fmt)
        (out / f"report.{fmt}").write_text(text, encoding="utf-8")
        timings[f"{fmt}_s"] = round(time.perf_counter() - t, 2)
    timings["report_json_s"] = round(timings["analysis_total_s"] + timings["json_s"], 2)
    for name, call in (
        ("journeys_view", lambda: render_journeys(a)),
        ("recommend_view", lambda: render_recommendations(a)),
        ("csv_folder", lambda: write_csv_folder(a, out / "tables")),
    ):
        t = time.perf_counter()
        call()
        timings[f"{name}_s"] = round(time.perf_counter() - t, 2)
    # Exports of the same analysis, as `govlinks export` writes them.
    from graphs.export import style_graph, write_graphml
    from graphs.gexf import write_gexf
    from graphs.tables import write_page_links, write_tables
    from seeds.vocabulary import theme_order

    styled = style_graph(a.graph, theme_order=theme_order(None))
    for name, call in (
        ("export_gexf", lambda: write_gexf(styled, out / "graph.gexf")),
        ("export_graphml", lambda: write_graphml(styled, out / "graph.graphml")),
        ("export_csv", lambda: write_tables(a, out / "csv", "csv")),
        ("export_parquet", lambda: write_tables(a, out / "parquet", "parquet")),
    ):
        t = time.perf_counter()
        call()
        timings[f"{name}_s"] = round(time.perf_counter() - t, 2)
    with Store.open(db) as store:
        t = time.perf_counter()
        timings["export_page_links_rows"] = write_page_links(store, info.id, out / "pages", "parquet")
        timings["export_page_links_parquet_s"] = round(time.perf_counter() - t, 2)
    timings["total_s"] = round(time.perf_counter() - t_all, 2)
    timings["site_edges_rows"] = G.number_of_edges()
    timings["flagged"] = int(a.findings["site"].nunique())
    return timings


def run_site(db: Path, out: Path) -> dict[str, Any]:
    """The report site phase (in the child process): `report --format html --output-dir` in French,
    through the function the command calls (the site's reads run in a thread beside the analysis)."""
    from graphs.i18n import using_language
    from graphs.report_command import make_report

    timings: dict[str, Any] = {}
    t_all = time.perf_counter()
    options = {"db": str(db), "crawl_id": None, "by": "theme", "hubs": (), "fmt": "html", "fail_on": (),
               "broken_share": 0.1, "retired_min": 1, "min_coverage": 80, "top": 40, "excel": False,
               "site": None, "output_dir": str(out / "site")}  # fmt: skip
    with using_language("fr"):
        _analysis, line = make_report(**options)
    timings["written"] = line
    timings["site_mb"] = round(sum(p.stat().st_size for p in (out / "site").rglob("*.html")) / 1e6, 1)
    timings["total_s"] = round(time.perf_counter() - t_all, 2)
    import resource

    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    timings["cpu_own_s"] = round(own.ru_utime + own.ru_stime, 1)  # analysis, reads, index, page contexts
    timings["cpu_page_workers_s"] = round(workers.ru_utime + workers.ru_stime, 1)  # pages, forked workers
    return timings


def cli_run(args: list[str]) -> dict[str, float]:
    """Wall time, CPU time (user + system: what a loaded machine does not inflate) and peak RSS
    of one ``govlinks`` command, in its own process."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cli", *args], stdout=subprocess.DEVNULL,
                            cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"govlinks {' '.join(args)} failed")
    return {
        "wall_s": round(time.perf_counter() - t, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/govlinks-bench.db"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/govlinks-bench-report"))
    parser.add_argument("--sites", type=int, default=650)
    parser.add_argument("--pages-per-site", type=int, default=300)
    parser.add_argument("--links-per-page", type=int, default=6)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--site", action="store_true", help="time the report site instead of the formats")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_site(args.db, args.out) if args.site else run_report(args.db, args.out)))
        return
    if args.rebuild or not args.db.exists():
        print("build:", json.dumps(build(args.db, n_sites=args.sites, pages_per_site=args.pages_per_site,
                                         links_per_page=args.links_per_page)))  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            "--db",
            str(args.db),
            "--out",
            str(args.out),
            *(["--site"] if args.site else []),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if proc.returncode:
        sys.exit(f"report child failed ({proc.returncode})")
    result = json.loads(output)
    result["wall_s_with_imports"] = round(wall, 1)
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024)  # Linux: kilobytes
    print("site:" if args.site else "report:", json.dumps(result))
    if args.site:
        return
    db = str(args.db)
    for name, cmd in (
        ("report_json", ["report", "--db", db, "--format", "json", "-o", str(args.out / "cli.json")]),
        ("journeys", ["journeys", "--db", db]),
        ("recommend", ["recommend", "--db", db]),
    ):
        print(f"govlinks {name}:", json.dumps(cli_run(cmd)))


if __name__ == "__main__":
    main()
