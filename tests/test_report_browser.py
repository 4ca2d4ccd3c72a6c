"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

The report is opened from ``file://`` as a reader opens a mailed file. It must log nothing to the
console and fetch nothing; on a 390 px phone no table may widen the page; its Content-Security-Policy
lets the network explorer's script run and nothing else, so a crawled ``<script>`` title stays text;
and the explorer, searched and clicked, lists exactly the neighbours the store holds. Playwright
drives the system's ``chromium`` (``executable_path``): it never downloads a browser.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crawler.seeds import Seed
from crawler.store import Store
from graphs.analysis import analyse_crawl
from graphs.explorer import bundle, script_hash
from graphs.report_html import render_html
from tests.test_report import page, write_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian package 'chromium' is not installed")

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
# Chromium's software GL driver reports its own slowness (e.g. "GPU stall due to ReadPixels" when sigma
# reads a pixel under the mouse) as console warnings: they describe the browser, not the page.
_GL_DRIVER = re.compile(r"^\[\.WebGL-0x[0-9a-f]+\]GL Driver Message")
HOSTILE = "<script>window.pwned=1</script>"
PHONE = {"width": 390, "height": 844}
N_SITES = 30
Crawl = tuple[Path, dict[str, set[str]], dict[str, set[str]]]  # the report; in- and out-neighbours per site


@dataclass
class Watch:
    """What a page did while it was open: console messages, uncaught errors, requests."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def watch(page_: Page) -> Watch:
    w = Watch()
    page_.on(
        "console", lambda m: None if _GL_DRIVER.match(m.text) else w.console.append(f"{m.type}: {m.text}")
    )
    page_.on("pageerror", lambda e: w.errors.append(str(e)))
    page_.on("request", lambda r: w.requests.append(r.url))
    return w


def table_boxes(page_: Page) -> list[list[Any]]:
    """For each table, (overflow-x, left, right) of the box that scrolls it: the table itself
    when it fits, else its nearest ancestor whose content is wider than itself."""
    return page_.eval_on_selector_all(
        "table",
        """els => els.map(t => {
            let box = t;
            while (box && box.scrollWidth <= box.clientWidth + 1) box = box.parentElement;
            if (!box || box === document.documentElement || box === document.body) box = t;
            const r = box.getBoundingClientRect();
            return [getComputedStyle(box).overflowX, Math.round(r.left), Math.round(r.right)];
        })""",
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _sites() -> list[Seed]:
    """Thirty sites over three themes and three ministries; site 7 has no name, so the report shows
    its crawled homepage title, which is hostile."""
    themes = ("N19803", "N19804", "N19805")
    orgs = ("Ministère A", "Ministère B", "Ministère C")
    return [
        Seed(site=f"s{i:02d}.gouv.fr", url=f"https://s{i:02d}.gouv.fr/", line=i + 2,
             name="" if i == 7 else f"Site numéro {i}", organisation=orgs[i % 3],
             themes=(themes[i % 3],) if i % 5 else (), life_events=("F14128",) if i % 4 == 0 else ())
        for i in range(N_SITES)
    ]  # fmt: skip


def _pages() -> list[dict[str, Any]]:
    pages = []
    for i in range(N_SITES):
        if i == N_SITES - 1:  # one site down: drawn, listed, not assessed
            pages.append(page(f"https://s{i:02d}.gouv.fr/", depth=0, status=None, error="DNSLookupError: x"))
            continue
        targets = {(i * 7 + k * 3) % (N_SITES - 1) for k in range(1, 1 + i % 4)}
        targets |= {4} if i % 3 == 0 else {1, 2, 3} if i == 4 else set()  # s04: popular, and links out
        targets = sorted(targets - {i})
        links = tuple((f"https://s{t:02d}.gouv.fr/p{i}", bool(k % 2)) for k, t in enumerate(targets))
        title = HOSTILE if i == 7 else f"Accueil {i}"
        pages.append(page(f"https://s{i:02d}.gouv.fr/", depth=0, title=title, links=links))
        pages.append(page(f"https://s{i:02d}.gouv.fr/a", depth=1, title="Page A", links=links[:1]))
    return pages


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """The report of a stored crawl, and each site's in- and out-neighbours as the store aggregates them."""
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "govlinks.db"
    crawl_id = write_store(db, _sites(), _pages())
    with Store.open(db) as store:
        edges = store.reads.site_edges(crawl_id)
        html = render_html(analyse_crawl(store, crawl_id, hub="s00.gouv.fr"))
    ins: dict[str, set[str]] = {}
    outs: dict[str, set[str]] = {}
    for source, target in zip(edges["source"], edges["target"], strict=True):
        outs.setdefault(source, set()).add(target)
        ins.setdefault(target, set()).add(source)
    report = folder / "report.html"
    report.write_text(html, encoding="utf-8")
    return report, ins, outs


def _open(browser: Browser, path: Path, **kw: Any) -> tuple[Page, Watch]:
    p = browser.new_page(**kw)
    w = watch(p)
    p.goto(path.as_uri())
    return p, w


def _listed(p: Page, kind: str) -> set[str]:
    return set(
        p.eval_on_selector_all(
            f".ex-list[data-kind={kind}] [data-site]", "els => els.map(e => e.dataset.site)"
        )
    )


def test_detectors_catch_console_errors_and_requests(browser: Browser, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><img src='http://127.0.0.1:9/x.png'><script>console.error('boom'); nope();</script>"
    )
    p, w = _open(browser, bad)
    p.wait_for_timeout(200)
    assert any("boom" in m for m in w.console) and any("nope" in e for e in w.errors)
    assert "http://127.0.0.1:9/x.png" in w.requests
    p.close()


def test_report_renders_offline_and_silently(browser: Browser, crawl: Crawl) -> None:
    report = crawl[0]
    p, w = _open(browser, report, viewport={"width": 1280, "height": 2000})
    p.wait_for_selector("#explorer[data-ready=graph]")
    p.wait_for_timeout(300)  # a frame or two of WebGL drawing
    assert w.console == [] and w.errors == []
    assert [u for u in w.requests if not u.startswith("data:")] == [report.as_uri()]
    assert p.locator("h1").inner_text() == "How well do public websites link to each other?"
    from PIL import Image

    shot = report.parent / "shot.png"
    p.screenshot(path=str(shot))
    with Image.open(shot) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 100  # text, tables, charts and the network, not a blank page
    p.close()


def test_csp_allows_the_explorer_only_and_hostile_titles_stay_text(
    browser: Browser, crawl: Crawl, tmp_path: Path
) -> None:
    report = crawl[0]
    p, w = _open(browser, report)
    p.wait_for_selector("#explorer[data-ready=graph]")
    csp = p.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert csp == (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src '{script_hash(bundle())}'; base-uri 'none'; form-action 'none'"
    )
    # The crawled title of s07 (no name in the seed list) shows as text, in the tables and the explorer.
    assert p.locator("b", has_text=HOSTILE).count() >= 1  # the site cell's name, from the crawled title
    scripts = p.eval_on_selector_all("script", "els => els.map(e => e.type + '#' + e.id)")
    assert scripts == ["application/json#explorer-data", "#"]  # the explorer's data and code, nothing else
    p.fill("#ex-q", "s07")
    p.click('#ex-suggestions [data-site="s07.gouv.fr"]')
    assert p.inner_text(".ex-panel h3") == HOSTILE
    assert p.evaluate("() => window.pwned") is None
    assert w.console == [] and w.errors == []
    p.close()

    # Second line of defence: a script that slipped into the page past the escaping does not run.
    planted = tmp_path / "planted.html"
    planted.write_text(
        report.read_text(encoding="utf-8").replace("</main>", f"{HOSTILE}</main>"), encoding="utf-8"
    )
    p, w = _open(browser, planted)
    p.wait_for_selector("#explorer[data-ready=graph]")
    assert p.evaluate("() => window.pwned") is None
    assert any("Content Security Policy" in m for m in w.console), w.console
    p.close()


def test_no_table_widens_the_page_on_a_phone(browser: Browser, crawl: Crawl) -> None:
    p, w = _open(browser, crawl[0], viewport=PHONE)
    p.wait_for_selector("#explorer[data-ready=graph]")
    p.eval_on_selector_all("details", "els => els.forEach(d => { d.open = true; })")
    assert p.evaluate("() => document.documentElement.scrollWidth") == PHONE["width"]
    # Each table is either narrower than the screen or inside a box that scrolls and fits the screen.
    boxes = table_boxes(p)
    assert len(boxes) >= 5
    for overflow, left, right in boxes:
        assert left >= 0 and right <= PHONE["width"], boxes
        assert overflow in ("auto", "scroll", "visible"), boxes
    explorer = p.locator("#explorer").bounding_box()
    assert explorer["x"] >= 0 and explorer["x"] + explorer["width"] <= PHONE["width"]
    assert w.console == [] and w.errors == []
    p.close()


def test_explorer_shows_exactly_the_neighbours_of_the_store(browser: Browser, crawl: Crawl) -> None:
    report, ins, outs = crawl
    # The site with most inbound sites among those that also link out (s07, named by its hostile title,
    # is searched by address in the CSP test).
    both = [s for s in sorted(ins) if outs.get(s) and s != "s07.gouv.fr"]
    site = max(both, key=lambda s: len(ins[s]))
    assert len(ins[site]) >= 3 and len(outs[site]) >= 2
    p, w = _open(browser, report, viewport={"width": 1280, "height": 900})
    p.wait_for_selector("#explorer[data-ready=graph]")
    # Search by part of the name (accents ignored) or of the address; the suggestions are listed.
    p.type("#ex-q", "numero " + site[1:3].lstrip("0"))
    options = p.eval_on_selector_all("#ex-suggestions [data-site]", "els => els.map(e => e.dataset.site)")
    assert site in options
    p.click(f'#ex-suggestions [data-site="{site}"]')
    p.wait_for_selector(f'#explorer[data-focus="{site}"]')
    assert p.get_attribute("#explorer", "data-selected") == site
    assert _listed(p, "in") == ins[site]
    assert _listed(p, "out") == outs[site]
    assert p.inner_text(".ex-neighbours h4 >> nth=0").endswith(f": {len(ins[site])}")

    # Clicking the dot itself (sigma's WebGL picking): clear, then click where the camera centred it.
    p.click('button[data-action="clear"]')
    assert p.get_attribute("#explorer", "data-selected") == ""
    box = p.locator(".ex-graph").bounding_box()
    p.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    p.wait_for_selector(f'#explorer[data-selected="{site}"]')
    assert _listed(p, "in") == ins[site] and _listed(p, "out") == outs[site]

    # A neighbour in the panel is a button: it moves the selection there.
    other = sorted(outs[site])[0]
    p.click(f'.ex-list[data-kind=out] [data-site="{other}"]')
    p.wait_for_selector(f'#explorer[data-selected="{other}"]')
    assert _listed(p, "in") == ins.get(other, set()) and _listed(p, "out") == outs.get(other, set())

    # "Open its page": in the single-file report, its row of the all-sites table (opened and shown).
    assert p.get_attribute(".ex-open", "href") == f"#site-{other}"
    p.click(".ex-open")
    assert p.locator(f'tr[id="site-{other}"]').is_visible()
    assert w.console == [] and w.errors == []
    p.close()


def test_explorer_filters_and_colours_by_group(browser: Browser, crawl: Crawl) -> None:
    p, w = _open(browser, crawl[0])
    p.wait_for_selector("#explorer[data-ready=graph]")
    assert p.inner_text(".ex-count") == f"{N_SITES} sites shown"
    # Theme N19804: sites i % 3 == 1 and i % 5 != 0 (1, 4, 7, 13, 16, 19, 22, 28).
    p.select_option('select[data-filter="theme"]', "N19804")
    assert p.inner_text(".ex-count") == "8 sites shown"
    p.select_option('select[data-filter="organisation"]', "Ministère B")
    assert p.inner_text(".ex-count") == "8 sites shown"  # the same sites
    p.select_option('select[data-filter="organisation"]', "Ministère A")
    assert p.inner_text(".ex-count") == "0 sites shown"
    p.select_option('select[data-filter="theme"]', "")
    assert p.inner_text(".ex-count") == "10 sites shown"
    p.select_option("select[data-colour]", "theme")
    legend = p.inner_text(".ex-legend")
    assert "Étranger - Europe" in legend and "score 100" not in legend
    p.select_option("select[data-colour]", "score")
    assert "score 100" in p.inner_text(".ex-legend")
    assert w.console == [] and w.errors == []
    p.close()
