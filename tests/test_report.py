"""`govlinks report` on a small store written through the Store API: the analysis
contract, the four formats, hostile crawled text, and exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

import cli
from crawler.items import Link, LinkCheck, Page
from crawler.seeds import Seed
from crawler.store import CrawlInfo, Store
from crawler.urls import SiteIndex, normalize_url
from graphs.analysis import Analysis, analyse, analyse_crawl
from graphs.findings import CODES
from graphs.metrics import METRIC_COLUMNS
from graphs.report import CSV_COLUMNS, JSON_SCHEMA_VERSION, render_csv, render_json, render_table
from graphs.report_html import render_html
from graphs.status import assessed_sites

HOSTILE = "<script>alert(1)</script>"


def seed(site: str, themes: tuple[str, ...] = (), events: tuple[str, ...] = (), name: str = "") -> Seed:
    return Seed(site=site, url=f"https://{site}/", line=1, name=name or site.upper(),
                themes=themes, life_events=events)  # fmt: skip


def page(url: str, *, depth: int | None = 1, kind: str = "page", status: int | None = 200,
         title: str = "", error: str | None = None,
         links: tuple[tuple[str, bool], ...] = ()) -> dict[str, Any]:  # fmt: skip
    return {"url": url, "depth": depth, "kind": kind, "status": status, "title": title, "error": error,
            "links": links}  # fmt: skip


def write_store(path: Path, seeds: list[Seed], pages: list[dict[str, Any]], *,
                checks: list[LinkCheck] = (), status: str = "finished",
                check_links: bool = False) -> int:  # fmt: skip
    """A crawl written the way the pipeline writes it (one batch), without Scrapy."""
    index = SiteIndex([s.site for s in seeds])
    with Store.open(path, create=True) as store:
        crawl_id = store.start_crawl(
            seeds_path=str(path.parent / "sites.csv"),
            seeds_sha256="0" * 64,
            settings={"check_links": check_links},
            sites=seeds,
        )
        store.add_frontier(crawl_id, [(normalize_url(s.url), s.url, s.site, 0) for s in seeds])
        items = []
        for p in pages:
            norm = normalize_url(p["url"])
            site = index.attribute(norm)[0]
            links = []
            for target, template in p["links"]:
                tnorm = normalize_url(target)
                tsite = index.attribute(tnorm)[0]
                links.append(
                    Link(target, target, tnorm, tsite, "anchor", "", int(template), int(tsite == site))
                )
            items.append(Page(
                kind=p["kind"], site=site, url=p["url"], norm=norm, final_url=p["url"],
                final_norm=norm, status=p["status"], content_type="text/html", size=100,
                title=p["title"], depth=p["depth"], fetched_at="2026-01-01T00:00:00+00:00",
                error=p["error"], internal_links=0, external_links=len(links), links=links,
                frontier=[],
            ))  # fmt: skip
        store.write_batch(crawl_id, items, list(checks))
        store.finish_crawl(crawl_id, status=status)
    return crawl_id


SEEDS = [
    seed("service-public.fr", ("T1", "T2"), ("E1",)),
    seed("a.gouv.fr", ("T1",), name="A \x1b[31mred\x00"),
    seed("b.gouv.fr", ("T1",)),
    seed("c.gouv.fr", ("T2",)),
    seed("d.gouv.fr", ("T2",), ("E1",)),
    seed("down.gouv.fr", ("T1",)),
]
RETIRED = 'http://old.example.org/?q="><script>x</script>'
PAGES = [
    page("https://service-public.fr/", depth=0, title="Service-Public",
         links=(("https://a.gouv.fr/x", False), ("https://c.gouv.fr/", True),
                ("https://a.gouv.fr/gone", False), ("https://d.gouv.fr/deep", False))),
    page("https://a.gouv.fr/", depth=0, title=HOSTILE,
         links=(("https://service-public.fr/p", False), (RETIRED, False))),
    page("https://b.gouv.fr/", depth=0, title="B", links=(("https://service-public.fr/q", False),)),
    page("https://c.gouv.fr/", depth=0, title="C"),
    page("https://d.gouv.fr/", depth=0, title="D", links=(("https://service-public.fr/", False),)),
    page("https://down.gouv.fr/", depth=0, status=None, error="ConnectionRefusedError: refused"),
    page("https://a.gouv.fr/x", depth=None, kind="target"),
    page("https://a.gouv.fr/gone", depth=None, kind="target", status=404),
    page("https://d.gouv.fr/deep", depth=None, kind="target"),
]  # fmt: skip
CHECKS = [
    LinkCheck(norm=normalize_url(RETIRED), url=RETIRED, method="HEAD", status=200,
              final_url="https://new.example.org/", redirect_status=301, error=None, checked_at="x"),
]  # fmt: skip
EXPECTED = {
    ("a.gouv.fr", "links_to_retired"),
    ("b.gouv.fr", "orphan"),
    ("b.gouv.fr", "no_group_inbound"),
    ("c.gouv.fr", "dead_end"),
    ("c.gouv.fr", "no_group_outbound"),
    ("c.gouv.fr", "homepage_only"),
    ("c.gouv.fr", "template_only"),
    ("service-public.fr", "broken_outlinks"),
    ("down.gouv.fr", "uncrawled"),
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "govlinks.db"
    write_store(path, SEEDS, PAGES, checks=CHECKS, check_links=True)
    (tmp_path / "themes.csv").write_text("id,label\nT1,Travail\nT2,Logement\n", encoding="utf-8")
    (tmp_path / "life_events.csv").write_text("id,label\nE1,Je déménage\n", encoding="utf-8")
    return path


@pytest.fixture
def analysis(db: Path) -> Analysis:
    with Store.open(db) as store:
        return analyse_crawl(store)


def test_store_edges_feed_the_graph(analysis: Analysis) -> None:
    G = analysis.graph
    e = G.edges["service-public.fr", "a.gouv.fr"]
    assert (e["weight"], e["links"], e["targets"], e["deep"], e["broken"]) == (1, 2, 2, 2, 1)
    assert G.edges["service-public.fr", "c.gouv.fr"]["template_pages"] == 1
    assert G.edges["service-public.fr", "c.gouv.fr"]["deep"] == 0
    assert G.nodes["a.gouv.fr"]["title"] == HOSTILE
    assert G.nodes["down.gouv.fr"]["status"] == "unreachable"


def test_analysis_contract(analysis: Analysis) -> None:
    found = set(zip(analysis.findings["site"], analysis.findings["code"], strict=True))
    assert found == EXPECTED
    sites = analysis.sites
    assert sites.index.name == "site" and len(sites) == len(SEEDS)
    for column in ("name", "organisation", "themes", "life_events", "status", *METRIC_COLUMNS,
                   "flags", "score", "rank"):  # fmt: skip
        assert column in sites.columns
    assert sites.index[-1] == "down.gouv.fr"  # not assessed: last
    scores = sites["score"].dropna().tolist()
    assert scores == sorted(scores)
    assert sites.loc["c.gouv.fr", "flags"] == [
        "dead_end",
        "no_group_outbound",
        "homepage_only",
        "template_only",
    ]
    node = analysis.graph.nodes["c.gouv.fr"]
    assert node["flags"] == sites.loc["c.gouv.fr", "flags"] and node["in_sites"] == 1
    assert node["hub_hops"] == 1.0
    assert analysis.by == "theme" and analysis.external_checked
    assert analysis.labels["E1"] == "Je déménage"  # read next to the seed list
    assert analysis.groups.set_index("group").loc["T1", "label"] == "Travail"
    # sp is in T1 and T2: T1 -> T2 holds sp->c, sp->d, a->sp, b->sp
    assert analysis.matrix.loc["T1", "T2"] == 4
    assert analysis.crawl is not None
    assert analysis.crawl.id == 1 and analysis.crawl.state == "finished"


def test_assessed_is_one_definition(analysis: Analysis) -> None:
    """The analysis, the rules, the group tables and the report agree on which sites were assessed."""
    assessed = set(analysis.sites.index[analysis.assessed])
    assert assessed == set(assessed_sites(analysis.graph)) == {s.site for s in SEEDS} - {"down.gouv.fr"}
    summary = analysis.summary()
    assert (summary["assessed"], summary["not_assessed"]) == (5, 1)
    t1 = analysis.groups.set_index("group").loc["T1"]
    assert (t1["sites"], t1["crawled"]) == (4, 3)  # down.gouv.fr is in T1
    assert analysis.notes[-1] == "1 site(s) could not be assessed (code uncrawled)."
    html = render_html(analysis, images=False)
    flagged = html.split("worst first</h2>", 1)[1].split("</table>", 1)[0]
    assert "down.gouv.fr" not in flagged and "c.gouv.fr" in flagged


def test_crawl_stays_typed(analysis: Analysis) -> None:
    crawl = analysis.crawl
    assert isinstance(crawl, CrawlInfo) and crawl.settings == {"check_links": True}
    assert json.loads(render_json(analysis))["crawl"] == json.loads(json.dumps(crawl.as_dict()))


def test_analysis_of_a_hand_built_graph_has_no_crawl() -> None:
    G = nx.DiGraph()
    G.add_node("a.fr", status="robots")
    G.add_edge("b.fr", "c.fr", weight=1, targets=1, deep=1, content_pages=1)
    a = analyse(G, hub=None)
    assert a.crawl is None and a.assessed.to_dict() == {"b.fr": True, "c.fr": True, "a.fr": False}
    assert json.loads(render_json(a))["crawl"] == {}
    assert render_table(a).startswith("govlinks report — crawl ? (?)\n")
    html = render_html(a, images=False)
    assert "<title>govlinks report — crawl ?</title>" in html and "This crawl is" not in html
    assert "govlinks report — crawl ?: ?; started ?, finished not yet; – pages. Hub: none." in " ".join(
        html.split()
    )


def test_life_event_grouping(db: Path) -> None:
    with Store.open(db) as store:
        a = analyse_crawl(store, 1, by="life-event")
    assert a.groups["group"].tolist() == ["E1"]
    assert a.groups.iloc[0]["internal_links"] == 2  # sp->d, d->sp
    assert a.matrix.to_dict() == {"E1": {"E1": 2}}


def test_json_schema(analysis: Analysis) -> None:
    doc = json.loads(render_json(analysis, generated_at="2026-01-02T00:00:00+00:00"))
    assert doc["schema_version"] == JSON_SCHEMA_VERSION
    assert set(doc) >= {"crawl", "sites", "groups", "matrix", "summary", "notes", "codes", "by", "hubs"}
    assert {"id", "started_at", "finished_at", "status", "sites", "pages", "links"} <= set(doc["crawl"])
    site = next(s for s in doc["sites"] if s["site"] == "c.gouv.fr")
    assert {"site", "name", "themes", "life_events", "metrics", "flags", "score", "findings"} <= set(site)
    assert site["themes"] == ["T2"] and site["flags"][0] == "dead_end"
    assert set(site["metrics"]) == set(METRIC_COLUMNS)
    assert site["findings"][0]["code"] == "dead_end" and site["findings"][0]["evidence"]
    down = next(s for s in doc["sites"] if s["site"] == "down.gouv.fr")
    assert down["score"] is None and down["metrics"]["in_deep_share"] is None  # NaN -> null
    assert doc["summary"]["flags"] == {code: sum(1 for s, c in EXPECTED if c == code) for code in CODES}
    assert doc["matrix"]["groups"] == ["T1", "T2"] and doc["matrix"]["labels"] == ["Travail", "Logement"]
    assert doc["groups"][0]["members"] == ["a.gouv.fr", "b.gouv.fr", "down.gouv.fr", "service-public.fr"]


def test_csv(analysis: Analysis) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(analysis))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["site"] for r in rows] == list(analysis.sites.index)
    c = next(r for r in rows if r["site"] == "c.gouv.fr")
    assert c["flags"] == "dead_end|no_group_outbound|homepage_only|template_only"
    assert c["in_sites"] == "1" and c["themes"] == "T2"
    assert "homepage_only: 1 site links to it" in c["evidence"]


def test_csv_defuses_formulas(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    write_store(path, [seed("x.fr", name='=HYPERLINK("http://evil")')], [page("https://x.fr/", depth=0)])
    with Store.open(path) as store:
        rows = list(csv.DictReader(io.StringIO(render_csv(analyse_crawl(store)))))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil")'


def test_hostile_text_is_escaped_everywhere(analysis: Analysis) -> None:
    html = render_html(analysis, images=False)
    assert HOSTILE not in html
    # The only script elements: the explorer's data (JSON, never run) and its code (allowed by hash).
    assert re.findall(r"<script[^>]*>", html, re.I) == ['<script type="application/json" id="explorer-data">',
                                                        "<script>"]  # fmt: skip
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in html  # the retired URL in the evidence
    outputs = [html, render_json(analysis), render_csv(analysis), render_table(analysis)]
    for text in outputs:
        assert "\x1b" not in text and "\x00" not in text
    assert "A [31mred" in outputs[1]
    assert json.loads(outputs[1])  # still valid JSON


def test_html_is_self_contained(analysis: Analysis) -> None:
    html = render_html(analysis)
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html
    sources = re.findall(r'src="([^"]*)"', html)
    assert len(sources) == 7 and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert not re.search(r"<link|@import|url\(", html)
    assert "By theme" in html and "By life event" in html
    assert html.index("By theme") < html.index("By life event")


def test_table(analysis: Analysis) -> None:
    text = render_table(analysis)
    assert text.startswith("govlinks report — crawl 1 (finished")
    assert max(len(line) for line in text.splitlines()) <= 100
    lines = [line.split() for line in text.splitlines()]
    first = next(cells for cells in lines if cells[:1] == ["1"])
    assert first[:2] == ["1", "c.gouv.fr"]
    assert "Travail (T1)" in text


def test_interrupted_crawl_says_so(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    write_store(path, SEEDS[:2], PAGES[:2], status="interrupted")
    with Store.open(path) as store:
        a = analyse_crawl(store)
    assert a.notes[0] == "Crawl 1 is interrupted: the figures cover only the pages stored so far."
    assert "This crawl is interrupted" in render_html(a, images=False)
    assert "not checked" in render_table(a)  # no --check-links: links_to_retired not assessed
    assert "note: Crawl 1 is interrupted" in render_table(a)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.main, ["report", "--lang", "en", *args], catch_exceptions=False)


def test_cli_formats_and_output_file(db: Path, tmp_path: Path) -> None:
    result = run("--db", str(db))
    assert result.exit_code == 0 and "Flagged sites, worst first" in result.output
    result = run("--db", str(db), "--format", "json", "--by", "life-event")
    assert json.loads(result.output)["by"] == "life-event"
    out = tmp_path / "r.html"
    result = run("--db", str(db), "--format", "html", "-o", str(out))
    assert result.exit_code == 0 and result.output == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = run("--db", str(db), "--format", "csv", "--hub", "b.gouv.fr")
    row = next(csv.DictReader(io.StringIO(result.output)))
    assert row["site"] == "c.gouv.fr" and row["hub_hops"] == "2.0"  # b -> sp -> c


def test_cli_fail_on(db: Path) -> None:
    result = run("--db", str(db), "--format", "json", "--fail-on", "orphan,dead_end")
    assert result.exit_code == cli.EXIT_FINDINGS == 1
    assert "report: 2 site(s) flagged dead_end, orphan (--fail-on)" in result.stderr
    assert json.loads(result.stdout)["schema_version"] == 1  # the report is still written
    assert run("--db", str(db), "--fail-on", "broken_outlinks", "--broken-share", "0.5").exit_code == 0
    assert run("--db", str(db), "--fail-on", "any").exit_code == 1
    assert run("--db", str(db), "--fail-on", "links_to_retired", "--retired-min", "2").exit_code == 0


def test_cli_errors_are_one_line(db: Path, tmp_path: Path) -> None:
    cases = [
        (["--db", str(db), "--fail-on", "orphan,nope"], "Error: --fail-on: unknown reason code 'nope'"),
        (["--db", str(db), "--crawl", "9"], f"Error: {db}: no crawl 9 (known: 1)"),
        (["--db", str(tmp_path / "none.db")], f"Error: {tmp_path / 'none.db'}: no such store"),
        (["--db", str(db), "-o", str(tmp_path / "no" / "r.txt")], "Error: "),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr


def test_cli_output_file_is_replaced_whole(db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "r.json"
    result = run("--db", str(db), "--format", "json", "-o", str(missing))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {missing}: cannot write report (No such file or directory)\n"
    out = tmp_path / "r.json"
    out.write_text("old", encoding="utf-8")
    before = {p.name for p in tmp_path.iterdir()}
    assert run("--db", str(db), "--format", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["schema_version"] == 1
    assert {p.name for p in tmp_path.iterdir()} == before  # no temporary file left


def test_cli_fail_on_knows_the_registered_codes(db: Path) -> None:
    # the CLI keeps no list of its own: --fail-on accepts and names exactly the registry's codes
    result = run("--db", str(db), "--fail-on", "nope")
    known = ", ".join(CODES)
    assert result.stderr == f"Error: --fail-on: unknown reason code 'nope' (known: {known}, any)\n"
    assert not hasattr(cli, "REASON_CODES")
    every = run("--db", str(db), "--format", "json", "--fail-on", ",".join(CODES))
    assert every.exit_code == 1 and every.stderr == run("--db", str(db), "--fail-on", "any").stderr
