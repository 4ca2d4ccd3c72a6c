"""The report site: a page per site listing exactly the inbound pages stored, a page per
organisation and group, relative links only, the CSP on every page; --site and --by organisation."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

import cli
from graphs.report_site import page_names
from graphs.site_view import EXAMPLES
from tests.test_report import page, seed, write_store

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
TARGET = "cible.gouv.fr"
SEEDS = [
    seed(TARGET, ("T1",), name="Cible"),
    seed("b.gouv.fr", ("T1",)),
    seed("c.gouv.fr", ("T2",)),
    seed("economie.gouv.fr/dgccrf", ("T2",), name="DGCCRF"),
    seed("many.gouv.fr", ("T1",)),
    seed("alone.gouv.fr", ("T3",)),
]
INTERIEUR, ECONOMIE = "Ministère de l'Intérieur", "Ministère de l'Économie"
ORGANISATIONS = {
    TARGET: INTERIEUR,
    "b.gouv.fr": INTERIEUR,
    "c.gouv.fr": ECONOMIE,
    "economie.gouv.fr/dgccrf": ECONOMIE,
}
SEEDS = [s.__class__(**{**s.__dict__, "organisation": ORGANISATIONS.get(s.site, "")}) for s in SEEDS]
HOME, DEEP = f"https://{TARGET}/", f"https://{TARGET}/aides/logement"
PAGES = [
    page(HOME, depth=0, title="Cible", links=(("https://b.gouv.fr/", False),)),
    page("https://b.gouv.fr/", depth=0, links=((HOME, True), (DEEP, False))),
    page("https://b.gouv.fr/p1", links=((DEEP, False), (DEEP, False))),  # one page, two links
    page("https://c.gouv.fr/", depth=0, links=((HOME, True),)),
    page("https://economie.gouv.fr/dgccrf/", depth=0, links=((DEEP, False), ("https://c.gouv.fr/", False))),
    page("https://many.gouv.fr/", depth=0),
    *(page(f"https://many.gouv.fr/p{i}", links=((DEEP, False),)) for i in range(EXAMPLES + 2)),
    page("https://alone.gouv.fr/", depth=0),
    page(DEEP, depth=None, kind="target"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("site") / "s.db"
    write_store(path, SEEDS, PAGES)
    return path


def run(*args: str) -> object:
    return CliRunner().invoke(cli.main, ["report", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def site(store: Path) -> Path:
    out = store.parent / "report"
    result = run("--db", str(store), "--format", "html", "--output-dir", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return out


def stored_inbound(db: Path, target: str) -> dict[str, set[str]]:
    """Source pages of each site linking to ``target``, as any SQLite client reads them."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT l.source_site, p.url FROM links l JOIN pages p ON p.id = l.page_id "
        "WHERE l.target_site = ? AND l.source_site <> l.target_site",
        (target,),
    ).fetchall()
    conn.close()
    out: dict[str, set[str]] = {}
    for source, url in rows:
        out.setdefault(source, set()).add(url)
    return out


def inbound_on_page(path: Path) -> dict[str, tuple[set[str], int]]:
    """(example source pages, pages said to be left out) per linking site, read from a site page."""
    root = lxml_html.fromstring(path.read_bytes())
    table = root.xpath("//h2[.='Who links to it']/following::table[1]")[0]
    out = {}
    for tr in table.xpath(".//tbody/tr"):
        source = tr.xpath("./td[1]//a[@class='url']")[0].text_content()
        examples = {
            li.xpath("./span[@class='url'][1]")[0].text_content() for li in tr.xpath(".//ul/li[span]")
        }
        more = tr.xpath(".//ul/li[@class='small']")
        out[source] = (examples, int(re.findall(r"\d+", more[0].text_content())[0]) if more else 0)
    return out


def test_a_site_page_lists_exactly_the_inbound_source_pages_stored(store: Path, site: Path) -> None:
    stored = stored_inbound(store, TARGET)
    shown = inbound_on_page(site / "sites" / f"{TARGET}.html")
    assert set(shown) == set(stored) == {"b.gouv.fr", "c.gouv.fr", "economie.gouv.fr/dgccrf", "many.gouv.fr"}
    for source, pages in stored.items():
        examples, more = shown[source]
        if len(pages) <= EXAMPLES:
            assert (examples, more) == (pages, 0), source  # every stored page, each once
        else:  # the first pages, and how many more
            assert examples < pages and len(examples) == EXAMPLES and more == len(pages) - EXAMPLES
    page_text = (site / "sites" / f"{TARGET}.html").read_text(encoding="utf-8")
    assert "(deep link, in the content)" in page_text and "(homepage, in a menu or footer)" in page_text


def test_the_site_is_a_folder_of_relative_pages_with_the_csp(site: Path) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    names = page_names(s.site for s in SEEDS)
    assert names[TARGET] == TARGET and re.fullmatch(
        r"economie\.gouv\.fr_dgccrf-[0-9a-f]{8}", names["economie.gouv.fr/dgccrf"]
    )
    assert {f"sites/{n}.html" for n in names.values()} <= set(pages) and "index.html" in pages
    assert {p.split("/")[0] for p in pages if "/" in p} == {"sites", "groups", "organisations"}
    assert len([p for p in pages if p.startswith("organisations/")]) == 2
    assert len([p for p in pages if p.startswith("groups/")]) == 3  # T1, T2, T3
    for name in pages:
        path = site / name
        root = lxml_html.fromstring(path.read_bytes())
        (policy,) = root.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        if name == "index.html":  # the network explorer: one inline script, allowed by its hash alone
            scripts = root.xpath("//script[not(@type='application/json')]")
            assert len(scripts) == 1 and not scripts[0].get("src"), name
            assert re.fullmatch(
                CSP.replace("; base-uri", "; script-src 'sha256-[A-Za-z0-9+/=]+'; base-uri"), policy
            )
        else:  # the other pages have no script at all
            assert policy == CSP and not root.xpath("//script"), name
        assert not root.xpath("//link | //iframe"), name
        assert all(src.startswith("data:") for src in root.xpath("//img/@src")), name
        for href in root.xpath("//a/@href"):
            if href.startswith(("http://", "https://")):
                continue  # a link out to a crawled site, never a resource
            assert not href.startswith("/") and "://" not in href, (name, href)
            assert (path.parent / unquote(href)).resolve().is_file(), (name, href)


def test_group_and_organisation_pages(site: Path) -> None:
    organisation = page_names(["Ministère de l'Économie"])["Ministère de l'Économie"]
    text = " ".join(
        lxml_html.fromstring((site / "organisations" / f"{organisation}.html").read_bytes())
        .text_content()
        .split()
    )
    assert "Ministère de l'Économie" in text and "DGCCRF" in text and "c.gouv.fr" in text
    assert "cible.gouv.fr" not in text.replace("economie.gouv.fr", "")
    alone = " ".join(lxml_html.fromstring((site / "groups" / "t3.html").read_bytes()).text_content().split())
    assert "alone.gouv.fr" in alone and "No site of this group links to another one." in alone


def test_the_french_site(store: Path) -> None:
    out = store.parent / "rapport"
    assert run("--db", str(store), "--format", "html", "--output-dir", str(out)).exit_code == 0  # type: ignore[attr-defined]
    page_text = (out / "sites" / f"{TARGET}.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page_text and "Qui pointe vers lui" in page_text
    assert "(lien profond, dans le contenu)" in page_text


def test_site_in_the_terminal(store: Path) -> None:
    result = run("--db", str(store), "--site", TARGET, "--lang", "en")
    out = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 0 and out.startswith(f"Cible — {TARGET}\n")  # type: ignore[attr-defined]
    for urls in stored_inbound(store, TARGET).values():
        assert sum(url in out for url in urls) == min(len(urls), EXAMPLES)
    assert "… and 2 more pages" in out
    bad = run("--db", str(store), "--site", "nope.gouv.fr")
    assert bad.exit_code == 2 and "--site: no site 'nope.gouv.fr' in this crawl" in bad.stderr  # type: ignore[attr-defined]
    assert run("--db", str(store), "--site", TARGET, "--format", "json").exit_code == 2  # type: ignore[attr-defined]
    assert run("--db", str(store), "--output-dir", str(store.parent / "x")).exit_code == 2  # type: ignore[attr-defined]


def test_by_organisation_in_the_terminal_and_json(store: Path) -> None:
    table = run("--db", str(store), "--by", "organisation", "--lang", "en").output  # type: ignore[attr-defined]
    block = table.split("\nOrganisations\n", 1)[1]
    assert block.splitlines()[0].split() == ["organisation", "sites", "assessed", "flagged", "in", "out",
                                             "isolated", "score"]  # fmt: skip
    assert re.search(r"Ministère de l'Économie\s+2\s+2\s+2\s+0\s+2\s", block)
    data = json.loads(run("--db", str(store), "--by", "organisation", "--format", "json").output)  # type: ignore[attr-defined]
    assert data["by"] == "organisation"
    groups = {g["group"]: g for g in data["groups"]}
    assert set(groups) == {"Ministère de l'Intérieur", "Ministère de l'Économie"}
    assert groups["Ministère de l'Économie"]["members"] == ["c.gouv.fr", "economie.gouv.fr/dgccrf"]
    assert groups["Ministère de l'Économie"]["internal_links"] == 1  # dgccrf -> c
    assert data["matrix"]["groups"] == ["Ministère de l'Intérieur", "Ministère de l'Économie"]


def test_page_names_are_safe_and_distinct() -> None:
    names = ["a.gouv.fr/X", "a.gouv.fr/x", "xn--prfecture-c4a.gouv.fr", "Préfecture du Nord", "con", "a/../b"]
    out = page_names(names)
    assert len(set(out.values())) == len(names)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", v) and ".." not in v for v in out.values())
    assert out["xn--prfecture-c4a.gouv.fr"] == "xn--prfecture-c4a.gouv.fr"
    assert out["con"].startswith("page-con-") and out["a/../b"].startswith("a_._b-")


def test_forked_workers_write_the_same_pages(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphs.report_site as report_site
    from crawler.store import Store
    from graphs.analysis import analyse_crawl
    from graphs.i18n import using_language
    from graphs.site_view import load_details

    with using_language("fr"), Store.open(store) as s:
        a = analyse_crawl(s)
        details = load_details(s, 1)
        when = "2026-01-01T00:00:00+00:00"
        report_site.write_site(a, details, tmp_path / "one", images=False, generated_at=when, workers=1)
        monkeypatch.setattr(report_site, "_PARALLEL_FROM", 0)
        report_site.write_site(a, details, tmp_path / "two", images=False, generated_at=when, workers=2)
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*.html")}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*.html")}
    assert len(one) == len(two) == 1 + len(SEEDS) + 2 + 3
    assert {k: v for k, v in one.items() if k.parts[0] != "index.html"} == {
        k: v for k, v in two.items() if k.parts[0] != "index.html"
    }  # the index is written by this process both times
    assert b'<html lang="fr">' in two[Path("sites") / f"{TARGET}.html"]


def test_optional_sections_show_when_an_analysis_fills_them(store: Path, tmp_path: Path) -> None:
    """History, recommendations and journey gaps come from other analyses: a page shows them when given."""
    from crawler.store import Store
    from graphs.analysis import analyse_crawl
    from graphs.report_site import write_site
    from graphs.site_view import load_details

    columns = [("add a link from", False), ("gain", True)]
    section = {"title": "Recommended links", "intro": "", "columns": columns, "rows": [["b.gouv.fr", 3]]}
    gaps = {
        "title": "Journey gaps",
        "intro": "Steps nobody links",
        "columns": [("step", False)],
        "rows": [["x"]],
    }
    with Store.open(store) as s:
        a = analyse_crawl(s)
        extras = {
            "site_extras": {"recommendations": {TARGET: section}},
            "group_extras": {"journey_gaps": {"T1": gaps}},
        }
        write_site(a, load_details(s, 1), tmp_path / "site", images=False, **extras)  # type: ignore[arg-type]
    page = (tmp_path / "site" / "sites" / f"{TARGET}.html").read_text(encoding="utf-8")
    assert "<h2>Recommended links</h2>" in page and ">add a link from</th>" in page
    other = (tmp_path / "site" / "sites" / "b.gouv.fr.html").read_text(encoding="utf-8")
    assert "Recommended links" not in other
    assert "<h2>Journey gaps</h2>" in (tmp_path / "site" / "groups" / "t1.html").read_text(encoding="utf-8")
    assert "Journey gaps" not in (tmp_path / "site" / "groups" / "t2.html").read_text(encoding="utf-8")
