"""The report site in a real browser: Debian's headless Chromium, driven by Playwright.

The site (``govlinks report --format html --output-dir DIR``, in French) is opened from ``file://``
as a reader opens a folder from a USB stick: its index, a site page, an organisation page and a
group page log nothing to the console and fetch nothing outside the folder; on a 390 px phone no
table widens the page, even with a site id of 90 characters; the index's explorer opens the page of
the site clicked; the Content-Security-Policy is on every page and a crawled ``<script>`` title stays
text on a site page too. The crawl is the one of ``tests/test_report_browser.py``, with one more
site whose id is long and has a path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html
from playwright.sync_api import Browser, Page, sync_playwright

import cli
from crawler.seeds import Seed
from crawler.store import Store
from graphs.explorer import bundle, script_hash
from graphs.report_site import page_names
from tests.test_report import page, write_store
from tests.test_report_browser import (
    ARGS,
    CHROMIUM,
    HOSTILE,
    PHONE,
    Watch,
    _listed,
    _pages,
    _sites,
    table_boxes,
    watch,
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian package 'chromium' is not installed")

# No hyphen: the browser may break a line only where the report puts a <wbr> (after dots and slashes).
LONG = "accompagnement.transformation.interministerielle.numerique.exemple.gouv.fr/unservice/rattache"
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """The French report site of the browser tests' crawl plus the long site; inbound sites per site."""
    folder = tmp_path_factory.mktemp("browser-site")
    db = folder / "govlinks.db"
    long_seed = Seed(site=LONG, url=f"https://{LONG}/", line=40, name="", organisation="Ministère A",
                     themes=("N19803",))  # fmt: skip
    pages = [
        *_pages(),
        page(
            f"https://{LONG}/",
            depth=0,
            title="Transformation publique",
            links=(("https://s04.gouv.fr/", False), ("https://s01.gouv.fr/aide", True)),
        ),
        page("https://s05.gouv.fr/b", title="Page B", links=((f"https://{LONG}/demarches/en-ligne", False),)),
    ]
    crawl_id = write_store(db, [*_sites(), long_seed], pages)
    with Store.open(db) as store:
        edges = store.reads.site_edges(crawl_id)
    ins: dict[str, set[str]] = {}
    for source, target in zip(edges["source"], edges["target"], strict=True):
        ins.setdefault(target, set()).add(source)
    out = folder / "report"
    args = ["report", "--db", str(db), "--format", "html", "--output-dir", str(out), "--hub", "s00.gouv.fr"]
    result = CliRunner().invoke(cli.main, [*args, "--lang", "fr"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, ins


def _path(out: Path, kind: str, name: str) -> Path:
    return out / kind / f"{page_names([name])[name]}.html"


def _four(out: Path) -> dict[str, Path]:
    """The index, a site page, an organisation page and a group page."""
    return {
        "index": out / "index.html",
        "site": _path(out, "sites", "s04.gouv.fr"),
        "organisation": _path(out, "organisations", "Ministère A"),
        "group": _path(out, "groups", "N19803"),
    }


def _open(browser: Browser, path: Path, **kw: Any) -> tuple[Page, Watch]:
    p = browser.new_page(**kw)
    w = watch(p)
    p.goto(path.as_uri())
    if path.name == "index.html":
        p.wait_for_selector("#explorer[data-ready=graph]")
    return p, w


def test_pages_render_offline_and_silently_with_the_csp(browser: Browser, site: tuple[Path, Any]) -> None:
    out = site[0]
    folder = out.resolve().as_uri() + "/"
    for kind, path in _four(out).items():
        assert path.is_file(), kind
        p, w = _open(browser, path, viewport={"width": 1280, "height": 1000})
        p.wait_for_timeout(200)
        assert w.console == [] and w.errors == [], (kind, w.console, w.errors)
        assert w.requests[0] == path.resolve().as_uri(), kind
        outside = [u for u in w.requests if not u.startswith((folder, "data:"))]
        assert outside == [], (kind, outside)
        assert p.get_attribute("html", "lang") == "fr"
        csp = p.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
        if kind == "index":
            assert csp == POLICY.replace("; base-uri", f"; script-src '{script_hash(bundle())}'; base-uri")
        else:
            assert csp == POLICY, kind
        assert p.locator("h1").count() == 1 and p.inner_text("h1").strip(), kind
        p.close()
    # Every page of the folder carries the policy (the browser applies it from the first <meta>).
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 1 + (len(_sites()) + 1) + 3 + 4  # index, sites, ministries, themes and F14128
    for path in pages:
        root = lxml_html.fromstring(path.read_bytes())
        head = root.find("head")
        assert head is not None and head[1].get("http-equiv") == "Content-Security-Policy", path


def test_a_site_page_in_french(browser: Browser, site: tuple[Path, dict[str, set[str]]]) -> None:
    out, ins = site
    p, w = _open(browser, _path(out, "sites", "s04.gouv.fr"))
    assert p.inner_text("h1") == "Site numéro 4"
    assert p.inner_text("nav.crumbs a") == "Rapport govlinks"  # a heading: capitalised
    headings = p.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
    # Findings, then (s04 is a hub's neighbour with suggestions) its recommendations, then its links.
    assert headings[0] == "Constats" and headings[-1] == "Tous les chiffres"
    assert headings[2:5] == ["Qui pointe vers lui", "Vers où il pointe", "Liens cassés et retirés"]
    linking = p.eval_on_selector_all(
        "h2:text('Qui pointe vers lui') + .table-scroll tbody tr td:first-child a.url",
        "els => els.map(e => e.textContent)",
    )
    assert set(linking) == ins["s04.gouv.fr"] and LONG in linking
    # Each linking site's cell leads to its page, in the same folder.
    href = p.get_attribute(f'a.url:text("{LONG}")', "href")
    assert href is not None and _path(out, "sites", LONG).name == Path(href).name
    p.click(f'a.url:text("{LONG}")')
    p.wait_for_load_state()
    assert p.url == _path(out, "sites", LONG).resolve().as_uri()
    assert p.inner_text("h1").replace("\n", "") == LONG  # no name: its id, which breaks
    assert "Transformation publique" in p.inner_text(".meta")  # and its homepage title
    assert w.console == [] and w.errors == []
    p.close()


def test_no_table_widens_the_pages_on_a_phone(browser: Browser, site: tuple[Path, Any]) -> None:
    out = site[0]
    pages = {**_four(out), "long": _path(out, "sites", LONG)}
    for kind, path in pages.items():
        p, w = _open(browser, path, viewport=PHONE)
        p.eval_on_selector_all("details", "els => els.forEach(d => { d.open = true; })")
        assert p.evaluate("() => document.documentElement.scrollWidth") == PHONE["width"], kind
        # Each table is narrower than the screen, or inside a box that scrolls and fits the screen.
        boxes = table_boxes(p)
        assert len(boxes) >= 2, kind
        for overflow, left, right in boxes:
            assert left >= 0 and right <= PHONE["width"], (kind, boxes)
            assert overflow in ("auto", "scroll", "visible"), (kind, boxes)
        # Site ids and URLs break at their dots and slashes (<wbr>), never inside a word: none is wider
        # than the screen, and outside the tables that scroll each fits on it.
        urls = p.eval_on_selector_all(
            ".url",
            """els => els.map(e => {
                const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                return [Math.round(r.width), Math.round(r.right), !!e.closest('.table-scroll'),
                        s.overflowWrap + ' ' + s.wordBreak];
            })""",
        )
        assert urls, kind
        for width, right, scrolls, wrap in urls:
            assert width <= PHONE["width"] - 20 and wrap == "normal normal", (kind, urls)
            assert scrolls or right <= PHONE["width"], (kind, urls)
        assert w.console == [] and w.errors == [], kind
        p.close()


def test_the_explorer_opens_the_page_of_the_site_clicked(
    browser: Browser, site: tuple[Path, dict[str, set[str]]]
) -> None:
    out, ins = site
    p, w = _open(browser, out / "index.html", viewport={"width": 1280, "height": 900})
    p.fill("#ex-q", "numéro 4")
    p.click('#ex-suggestions [data-site="s04.gouv.fr"]')
    p.wait_for_selector('#explorer[data-selected="s04.gouv.fr"]')
    assert _listed(p, "in") == ins["s04.gouv.fr"]
    assert p.get_attribute(".ex-open", "href") == "sites/s04.gouv.fr.html"
    # A neighbour with a path in its id: its page's file name is made safe, and the link follows it.
    p.click(f'.ex-list[data-kind=in] [data-site="{LONG}"]')
    p.wait_for_selector(f'#explorer[data-selected="{LONG}"]')
    href = p.get_attribute(".ex-open", "href")
    assert href == f"sites/{page_names([LONG])[LONG]}.html" and (out / href).is_file()
    p.click(".ex-open")
    p.wait_for_load_state()
    assert p.url == (out / href).resolve().as_uri()
    assert p.inner_text("h1").replace("\n", "") == LONG
    assert w.console == [] and w.errors == []
    p.close()


def test_a_hostile_title_stays_text_on_a_site_page(
    browser: Browser, site: tuple[Path, Any], tmp_path: Path
) -> None:
    out = site[0]
    hostile = _path(out, "sites", "s07.gouv.fr")
    p, w = _open(browser, hostile)
    # No name in the seed list: the page is headed by its id, and shows its crawled title, as text.
    assert p.inner_text("h1") == "s07.gouv.fr" and p.inner_text(".meta").endswith(HOSTILE)
    assert p.locator("script").count() == 0
    assert p.evaluate("() => window.pwned") is None
    assert w.console == [] and w.errors == []
    p.close()
    # Where another page names it (its ministry's scorecard), it is text too.
    p, w = _open(browser, _path(out, "organisations", "Ministère B"))
    assert p.locator("td a b", has_text=HOSTILE).count() >= 1  # members, and pairs of members
    assert p.evaluate("() => window.pwned") is None and w.console == []
    p.close()
    # Second line of defence: a script that slipped past the escaping does not run (no script-src).
    planted = hostile.with_name("planted.html")
    planted.write_text(hostile.read_text(encoding="utf-8").replace("</main>", f"{HOSTILE}</main>"))
    try:
        p, w = _open(browser, planted)
        assert p.evaluate("() => window.pwned") is None
        assert any("Content Security Policy" in m for m in w.console), w.console
        p.close()
    finally:
        planted.unlink()
