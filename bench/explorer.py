"""Benchmark of the report's network explorer on the 650-site store of bench/report.py.

    python bench/report.py            # builds /tmp/govlinks-bench.db once (650 sites, 1.2 M links)
    python bench/explorer.py          # then this: Python side, then the page in headless Chromium

Python side: the ForceAtlas2 layout (networkx, 100 iterations), the explorer's data and JSON, the
whole HTML report. Browser side (Debian's chromium through Playwright, from file://): time from
navigation to the explorer drawn, and from a search to the camera settled on the site found.
Prints one JSON line; figures go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.store import Store
from graphs.analysis import analyse_crawl
from graphs.explorer import bundle, explorer_data, explorer_json, layout
from graphs.report_html import render_html


def python_side(db: Path, out: Path) -> dict[str, Any]:
    with Store.open(db) as store:
        a = analyse_crawl(store)
    result: dict[str, Any] = {"sites": a.graph.number_of_nodes(), "pairs": a.graph.number_of_edges()}
    t = time.perf_counter()
    layout(a.graph)
    result["layout_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    data = explorer_data(a)
    text = str(explorer_json(data))
    result["data_and_json_s"] = round(time.perf_counter() - t, 2)
    result["json_bytes"] = len(text.encode("utf-8"))
    result["bundle_bytes"] = len(bundle().encode("utf-8"))
    t = time.perf_counter()
    html = render_html(a)
    result["html_s"] = round(time.perf_counter() - t, 2)
    result["html_bytes"] = len(html.encode("utf-8"))
    out.write_text(html, encoding="utf-8")
    result["probe"] = max(data["nodes"], key=lambda n: (n["in"], n["id"]))["id"]
    return result


def browser_side(report: Path, probe: str, runs: int = 3) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        return {"browser": "chromium not installed"}
    ready, found = [], []
    with sync_playwright() as p:
        args = ["--headless", "--no-sandbox", "--disable-gpu"]
        browser = p.chromium.launch(executable_path=chromium, args=args)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            t = time.perf_counter()
            page.goto(report.as_uri())
            page.wait_for_selector("#explorer[data-ready=graph]")
            ready.append(time.perf_counter() - t)
            t = time.perf_counter()
            page.fill("#ex-q", probe)
            page.click(f'#ex-suggestions [data-site="{probe}"]')
            page.wait_for_selector(f'#explorer[data-focus="{probe}"]')
            found.append(time.perf_counter() - t)
            page.close()
        browser.close()
    return {
        "page_ready_s": [round(x, 2) for x in ready],
        "search_to_focus_s": [round(x, 2) for x in found],  # includes the 0.4 s camera animation
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/govlinks-bench.db"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/govlinks-bench-explorer.html"))
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} does not exist: run python bench/report.py first")
    result = python_side(args.db, args.out)
    result.update(browser_side(args.out, result["probe"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
