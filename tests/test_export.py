"""govlinks export: every file is read back by an independent reader.

GEXF: the official 1.3 XSD (xmllint), networkx and graphology-gexf (the parser of
Gephi Lite, run with node); GraphML: networkx and igraph; CSV: the frictionless
validator; Parquet: pyarrow. The store holds two crawls with hostile text
(markup and XML-illegal control characters) in names, titles and anchors.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from crawler.items import Link, Page
from crawler.seeds import Seed
from crawler.store import Store
from graphs.export import bipartite_graph, crawl_slices, history_graph, style_graph, write_graphml
from graphs.gexf import sanitize_graph, write_gexf
from graphs.tables import write_page_links
from tests.conftest import graphology, validate_gexf

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = "A <b>&\"' \x00\x07\x1b</b>"
HOSTILE_CLEAN = "A <b>&\"' </b>"  # control characters removed, the markup kept as text

A, B, C = "a.gouv.fr", "b.gouv.fr", "c.gouv.fr/x"
SEEDS = [
    Seed("a.gouv.fr", "https://a.gouv.fr/", 2, HOSTILE, "Org <i>\x1b", ("N1",), ("F1",)),
    Seed("b.gouv.fr", "https://b.gouv.fr/", 3, "B", "Org", ("N1", "N2"), ()),
    Seed("c.gouv.fr/x", "https://c.gouv.fr/x", 4, "C/x", "Org2", (), ("F1",)),
    Seed("service-public.fr", "https://service-public.fr/", 5, "SP", "DILA", ("N2",), ()),
]


def _page(site: str, norm: str, links: list[tuple[str, str | None, int]], title: str = "t") -> Page:
    """A page item as crawler/spider.py yields it (links: target norm, target site, template)."""
    return Page(
        kind="page", site=site, url="https://" + norm, norm=norm,
        final_url="https://" + norm, final_norm=norm, status=200,
        content_type="text/html", size=1000, title=title, depth=0,
        fetched_at="2026-01-01T00:00:00+00:00", error=None, internal_links=0,
        external_links=len(links), frontier=[],
        links=[Link("https://" + target, "https://" + target, target, target_site, f"anchor {HOSTILE}", "",
                    template, 0) for target, target_site, template in links],
    )  # fmt: skip


def _crawl(
    store: Store, pages: list[Page], started: str, finished: str, archive_at: str | None = None
) -> int:
    seeds = store.path.parent / "seeds.csv"  # its themes.csv gives theme order and labels
    archive = {"archive_url": "http://127.0.0.1:9/web/", "archive_at": archive_at} if archive_at else {}
    cid = store.start_crawl(seeds_path=str(seeds), seeds_sha256="0" * 64, settings={}, sites=SEEDS, **archive)
    store.add_frontier(cid, [(s.site if "/" in s.site else s.site + "/", s.url, s.site, 0) for s in SEEDS])
    store.write_batch(cid, pages)
    store.finish_crawl(cid, status="finished")
    conn = sqlite3.connect(store.path)  # distinct dates make distinct time slices
    conn.execute("UPDATE crawls SET started_at=?, finished_at=? WHERE id=?", (started, finished, cid))
    conn.commit()
    conn.close()
    return cid


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "s.db"
    (path.parent / "themes.csv").write_text("id,label\nN2,Deux\nN1,Un <i>\n", encoding="utf-8")
    with Store.open(path, create=True) as store:
        _crawl(store, [
            _page("a.gouv.fr", "a.gouv.fr/", [("b.gouv.fr/", B, 0), ("b.gouv.fr/deep", B, 0),
                                              ("example.org/", None, 1)], title=HOSTILE),
            _page("b.gouv.fr", "b.gouv.fr/", [("a.gouv.fr/", A, 1)]),
            _page("c.gouv.fr/x", "c.gouv.fr/x", [("a.gouv.fr/", A, 1)]),
            _page("service-public.fr", "service-public.fr/", [("a.gouv.fr/", A, 0), ("b.gouv.fr/", B, 0)]),
        ], "2026-01-01T00:00:00+00:00", "2026-01-01T01:00:00+00:00")  # fmt: skip
        _crawl(store, [  # b -> a disappears, a -> c appears
            _page("a.gouv.fr", "a.gouv.fr/", [("b.gouv.fr/", B, 0), ("c.gouv.fr/x", C, 0)], title=HOSTILE),
            _page("b.gouv.fr", "b.gouv.fr/", []),
            _page("c.gouv.fr/x", "c.gouv.fr/x", [("a.gouv.fr/", A, 1)]),
            _page("service-public.fr", "service-public.fr/", [("a.gouv.fr/", A, 0)]),
        ], "2026-02-01T00:00:00+00:00", "2026-02-01T01:00:00+00:00")  # fmt: skip
    return path


def export(db: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["export", "--db", str(db), *args], catch_exceptions=False)
    return result


def same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b)
    return a == b


def assert_same_graph(nxg: nx.Graph, js: dict[str, Any]) -> None:
    """networkx's and graphology's reading agree on nodes, edges and attributes."""
    assert {n["key"] for n in js["nodes"]} == set(nxg.nodes)
    assert {(e["source"], e["target"]) for e in js["edges"]} == set(nxg.edges)
    for node in js["nodes"]:
        mine = nxg.nodes[node["key"]]
        theirs = {k: v for k, v in node["attributes"].items() if k not in ("color", "size")}
        assert set(theirs) == set(mine), node["key"]
        assert all(same(mine[k], v) for k, v in theirs.items()), (mine, theirs)
    for edge in js["edges"]:
        mine = nxg.edges[edge["source"], edge["target"]]
        assert set(edge["attributes"]) == set(mine)
        assert all(same(mine[k], v) for k, v in edge["attributes"].items())


# -- GEXF -----------------------------------------------------------------------------


def test_gexf_validates_and_three_readers_agree(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.gexf"
    result = export(db, "--format", "gexf", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}: 4 nodes, 4 edges (crawl 2)\n"
    validate_gexf(out)
    G = nx.read_gexf(out)
    js = graphology(out)
    assert_same_graph(G, js)
    assert set(G.nodes) == {"a.gouv.fr", "b.gouv.fr", "c.gouv.fr/x", "service-public.fr"}
    a = G.nodes["a.gouv.fr"]
    assert a["label"] == HOSTILE_CLEAN.strip() and a["name"] == HOSTILE_CLEAN
    assert a["title"] == HOSTILE_CLEAN and a["organisation"] == "Org <i>"
    assert a["themes"] == "N1" and a["life_events"] == "F1" and a["main_theme"] == "N1"
    assert a["status"] == "ok" and a["in_sites"] == 2 and a["hub_hops"] == 1.0
    assert isinstance(a["score"], float) and isinstance(a["flags"], str)
    assert G.nodes["b.gouv.fr"]["flags"] == "dead_end|no_group_outbound|homepage_only"
    assert G.nodes["c.gouv.fr/x"]["main_theme"] == ""
    assert G.edges["a.gouv.fr", "b.gouv.fr"]["weight"] == 1.0
    assert G.edges["a.gouv.fr", "c.gouv.fr/x"]["deep"] == 0
    assert G.edges["c.gouv.fr/x", "a.gouv.fr"]["template_pages"] == 1
    # Colour by main theme (N1 is 2nd in themes.csv: 2nd colour; grey without theme),
    # size by sites linking in.
    js_nodes = {n["key"]: n["attributes"] for n in js["nodes"]}
    assert js_nodes["a.gouv.fr"]["color"] == "rgb(242,142,43)"
    assert js_nodes["c.gouv.fr/x"]["color"] == "rgb(186,176,172)"
    assert js_nodes["a.gouv.fr"]["size"] == pytest.approx(10 + 6 * math.sqrt(2), abs=0.01)
    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x00" not in text and 'name=""' not in text
    assert "&lt;b&gt;&amp;&quot;'" in text


def test_hand_built_graph_with_awkward_values(tmp_path: Path) -> None:
    import numpy as np

    G = nx.DiGraph(name="", note=None)
    G.add_node("x", name="X\x0b\ufffe", score=np.float64("nan"), pages=np.int64(3), ok=np.bool_(True),
               flags=["orphan", "dead_end"], groups=("T1",), when=None, ratio=1)  # fmt: skip
    G.add_node("y", score=0.5, pages=None, ok=False, ratio=0.25, id="clash", weight=9)
    G.add_edge("x", "y", weight=np.int64(2), broken=None, share=float("inf"))
    out = tmp_path / "h.gexf"
    write_gexf(G, out)
    validate_gexf(out)
    H = nx.read_gexf(out)
    assert H.nodes["x"] == {"label": "X", "name": "X", "pages": 3, "ok": True, "flags": "orphan|dead_end",
                            "groups": "T1", "when": "", "ratio": 1.0, "id_": ""}  # fmt: skip
    assert H.nodes["y"] == {"label": "y", "name": "", "score": 0.5, "ok": False, "flags": "", "groups": "",
                            "when": "", "ratio": 0.25, "id_": "clash", "weight": 9}  # fmt: skip
    assert H.edges["x", "y"] == {"weight": 2.0, "broken": "", "share": ""}
    assert_same_graph(H, graphology(out))


def test_by_and_its_old_spelling_group(db: Path, tmp_path: Path) -> None:
    # --by is the spelling of report; --group, the old one, still works and means the same
    outs = {}
    for spelling in ("--by", "--group"):
        outs[spelling] = out = tmp_path / f"{spelling[2:]}.graphml"
        args = ["--format", "graphml", "--bipartite", spelling, "life-event", "-o", str(out)]
        assert export(db, *args).output == f"Wrote {out}: 5 nodes, 2 edges (crawl 2)\n"
    assert outs["--by"].read_bytes() == outs["--group"].read_bytes()
    sites = {"a.gouv.fr", "b.gouv.fr", "c.gouv.fr/x", "service-public.fr"}
    assert set(nx.read_graphml(outs["--by"]).nodes) == {*sites, "life-event:F1"}


def test_hub_is_repeatable(db: Path, tmp_path: Path) -> None:
    # crawl 2: a -> b, a -> c/x, c/x -> a, service-public -> a
    hops = {}
    for hubs in (["c.gouv.fr/x"], ["c.gouv.fr/x", "b.gouv.fr"]):
        out = tmp_path / f"{len(hubs)}.graphml"
        args = [a for hub in hubs for a in ("--hub", hub)]
        assert export(db, "--format", "graphml", *args, "-o", str(out)).exit_code == 0
        G = nx.read_graphml(out)
        hops[len(hubs)] = {n: G.nodes[n]["hub_hops"] for n in ("a.gouv.fr", "b.gouv.fr", "c.gouv.fr/x")}
    assert hops == {1: {"a.gouv.fr": 1.0, "b.gouv.fr": 2.0, "c.gouv.fr/x": 0.0},
                    2: {"a.gouv.fr": 1.0, "b.gouv.fr": 0.0, "c.gouv.fr/x": 0.0}}  # fmt: skip


def test_history_is_one_dynamic_gexf_with_a_slice_per_crawl(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "history.gexf"
    result = export(db, "--format", "gexf", "--history", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}: 2 crawl(s) as time slices\n"
    validate_gexf(out)
    H = nx.read_gexf(out)
    assert H.graph["mode"] == "dynamic"
    first = ("2026-01-01T00:00:00+00:00", "2026-01-31T23:59:59+00:00")
    second = ("2026-02-01T00:00:00+00:00", "2026-02-01T01:00:00+00:00")
    both = (first[0], second[1])
    assert H.edges["b.gouv.fr", "a.gouv.fr"]["spells"] == [first]  # disappeared
    assert H.edges["a.gouv.fr", "c.gouv.fr/x"]["spells"] == [second]  # appeared
    assert H.edges["a.gouv.fr", "b.gouv.fr"]["spells"] == [both]
    assert H.nodes["a.gouv.fr"]["spells"] == [both]
    # Per-slice values: a had 2 sites linking in, then 2 (sp, c); b 2 then 1.
    assert H.nodes["b.gouv.fr"]["in_sites"] == [(2, *first), (1, *second)]
    assert H.edges["a.gouv.fr", "b.gouv.fr"]["weight"] == 1.0
    js = graphology(out)
    assert {n["key"] for n in js["nodes"]} == set(H.nodes)
    assert {(e["source"], e["target"]) for e in js["edges"]} == set(H.edges)
    text = out.read_text(encoding="utf-8")
    assert '<attribute id="weight" title="weight" type="double"' in text
    assert 'timeformat="date"' in text


def test_history_places_a_crawl_of_an_archive_at_its_date(db: Path, tmp_path: Path) -> None:
    """A crawl of the 2015 archive run after the others is the first slice, from 2015-06-01."""
    path = tmp_path / "s.db"
    shutil.copy(db, path)
    with Store.open(path) as store:
        _crawl(store, [  # 2015: c -> b, which no later crawl has
            _page("a.gouv.fr", "a.gouv.fr/", [("b.gouv.fr/", B, 0)]),
            _page("b.gouv.fr", "b.gouv.fr/", []),
            _page("c.gouv.fr/x", "c.gouv.fr/x", [("b.gouv.fr/", B, 0)]),
            _page("service-public.fr", "service-public.fr/", [("a.gouv.fr/", A, 0)]),
        ], "2026-03-01T00:00:00+00:00", "2026-03-01T02:30:00+00:00", archive_at="2015-06-01")  # fmt: skip
    out = tmp_path / "history.gexf"
    result = export(path, "--format", "gexf", "--history", "-o", str(out))
    assert result.output == f"Wrote {out}: 3 crawl(s) as time slices\n"
    validate_gexf(out)
    H = nx.read_gexf(out)
    past = ("2015-06-01T00:00:00+00:00", "2025-12-31T23:59:59+00:00")
    first = ("2026-01-01T00:00:00+00:00", "2026-01-31T23:59:59+00:00")
    second = ("2026-02-01T00:00:00+00:00", "2026-02-01T01:00:00+00:00")
    assert H.edges["c.gouv.fr/x", "b.gouv.fr"]["spells"] == [past]
    assert H.edges["b.gouv.fr", "a.gouv.fr"]["spells"] == [first]
    assert H.edges["a.gouv.fr", "c.gouv.fr/x"]["spells"] == [second]
    assert H.edges["a.gouv.fr", "b.gouv.fr"]["spells"] == [(past[0], second[1])]
    assert H.nodes["b.gouv.fr"]["in_sites"] == [(2, past[0], first[1]), (1, *second)]
    # the latest slice is the latest crawl in time (February 2026), not the last one run
    assert "crawls 3, 1, 2" in out.read_text(encoding="utf-8")


def test_crawl_slices_never_run_backwards() -> None:
    same_second = [{"as_of": "2026-01-01T00:00:00", "started_at": "2026-01-01T00:00:00"}] * 2
    assert crawl_slices(same_second) == [("2026-01-01T00:00:00", "2026-01-01T00:00:00")] * 2
    g1, g2 = nx.DiGraph(), nx.DiGraph()
    g1.add_node("a", pages=1)
    g2.add_node("a", pages=1)
    H = history_graph([g1, g2], [("1", "2"), ("3", "4")])
    assert H.nodes["a"]["pages"] == [(1, "1", "4")]  # equal values over consecutive slices merge


def test_only_one_group(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "n1.gexf"
    assert export(db, "--format", "gexf", "--only", "N1", "-o", str(out)).exit_code == 0
    validate_gexf(out)
    G = nx.read_gexf(out)
    assert set(G.nodes) == {"a.gouv.fr", "b.gouv.fr"} and set(G.edges) == {("a.gouv.fr", "b.gouv.fr")}
    out = tmp_path / "f1.gexf"
    assert (
        export(db, "--format", "gexf", "--group", "life-event", "--only", "F1", "-o", str(out)).exit_code == 0
    )
    assert set(nx.read_gexf(out).edges) == {("a.gouv.fr", "c.gouv.fr/x"), ("c.gouv.fr/x", "a.gouv.fr")}
    result = export(db, "--format", "gexf", "--only", "N9", "-o", str(out))
    assert result.exit_code == 2
    assert result.output == "Error: no site has the theme 'N9' (known: N1, N2)\n"


def test_bipartite_site_group_graph(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.gexf"
    assert export(db, "--format", "gexf", "--bipartite", "-o", str(out)).exit_code == 0
    validate_gexf(out)
    B = nx.read_gexf(out)
    assert not B.is_directed()
    assert {n for n, d in B.nodes(data=True) if d["kind"] == "theme"} == {"theme:N1", "theme:N2"}
    assert set(B["theme:N1"]) == {"a.gouv.fr", "b.gouv.fr"} and B.nodes["theme:N2"]["sites"] == 2
    assert B.nodes["theme:N1"]["label"] == "Un <i>" and B.nodes["theme:N1"]["group"] == "N1"
    assert_same_graph(B, graphology(out))
    G = nx.DiGraph()
    G.add_node("a", life_events=("F1",))
    assert (
        bipartite_graph(G, "life-event", {"F1": "Je déménage"}).nodes["life-event:F1"]["label"]
        == "Je déménage"
    )


# -- GraphML --------------------------------------------------------------------------


def test_graphml_read_back_by_networkx_and_igraph(db: Path, tmp_path: Path) -> None:
    import igraph

    out = tmp_path / "g.graphml"
    assert export(db, "--format", "graphml", "-o", str(out)).exit_code == 0
    G = nx.read_graphml(out)
    g = igraph.Graph.Read_GraphML(str(out))
    assert g.is_directed() and sorted(g.vs["id"]) == sorted(G.nodes)
    assert {(g.vs[e.source]["id"], g.vs[e.target]["id"]) for e in g.es} == set(G.edges)
    for v in g.vs:
        mine = G.nodes[v["id"]]
        theirs = {
            k: x
            for k, x in v.attributes().items()
            if k != "id" and not (isinstance(x, float) and math.isnan(x))
        }
        assert set(theirs) <= set(mine) and all(same(mine[k], x) for k, x in theirs.items())
    a = G.nodes["a.gouv.fr"]
    assert a["name"] == HOSTILE_CLEAN and a["color"] == "#f28e2b" and a["in_sites"] == 2
    assert G.edges["a.gouv.fr", "b.gouv.fr"]["weight"] == 1.0
    assert g.es[g.get_eid(g.vs.find(id="a.gouv.fr").index, g.vs.find(id="b.gouv.fr").index)]["weight"] == 1.0


def test_graphml_of_hand_built_graph(tmp_path: Path) -> None:
    G = nx.DiGraph(name="")
    G.add_node(1, name="x\x00", score=float("nan"), flags=["a", "b"])
    G.add_node(2, score=2)
    G.add_edge(1, 2, weight=None)
    write_graphml(style_graph(G), tmp_path / "h.graphml")
    H = nx.read_graphml(tmp_path / "h.graphml")
    assert H.nodes["1"] == {"label": "x", "name": "x", "flags": "a|b", "main_theme": "", "color": "#bab0ac",
                            "size": 10.0}  # fmt: skip
    assert H.nodes["2"]["score"] == 2 and H.edges["1", "2"]["weight"] == 1.0


# -- tables ---------------------------------------------------------------------------


def test_csv_tables_and_datapackage_are_valid(db: Path, tmp_path: Path) -> None:
    from frictionless import validate

    out = tmp_path / "csv"
    result = export(db, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Wrote {out}/ (csv, datapackage.json): 4 nodes, 4 edges, 8 findings, 3 recommendations (crawl 2)\n"
    )
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    nodes = pd.read_csv(out / "nodes.csv", keep_default_na=False)
    edges = pd.read_csv(out / "edges.csv")
    findings = pd.read_csv(out / "findings.csv")
    assert list(nodes.columns[:2]) == ["id", "label"]
    assert {"score", "flags", "in_sites", "pagerank", "themes", "main_theme"} <= set(nodes.columns)
    assert list(edges.columns[:3]) == ["source", "target", "weight"]
    assert list(findings.columns[:3]) == ["site", "code", "evidence"]
    a = nodes.set_index("id").loc["a.gouv.fr"]
    assert a["name"] == HOSTILE_CLEAN and a["label"] == HOSTILE_CLEAN.strip()
    assert len(edges) == 4 and set(edges["source"]) <= set(nodes["id"])
    package = json.loads((out / "datapackage.json").read_text())
    schemas = {r["name"]: r["schema"] for r in package["resources"]}
    fields = {f["name"]: f for f in schemas["nodes"]["fields"]}
    assert fields["score"]["type"] == "number" and fields["pages"]["type"] == "integer"
    assert fields["homepage_status"]["type"] == "integer" and fields["themes"]["type"] == "string"
    assert all(f.get("description") for s in schemas.values() for f in s["fields"])
    assert schemas["nodes"]["primaryKey"] == ["id"]
    assert {fk["fields"] for fk in schemas["edges"]["foreignKeys"]} == {"source", "target"}


def test_parquet_tables_match_csv(db: Path, tmp_path: Path) -> None:
    from frictionless import Package

    assert export(db, "--format", "csv", "-o", str(tmp_path / "csv")).exit_code == 0
    assert export(db, "--format", "parquet", "-o", str(tmp_path / "pq")).exit_code == 0
    Package(str(tmp_path / "pq" / "datapackage.json"))  # a valid descriptor
    for name in ("nodes", "edges", "findings"):
        pq = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        csv = pd.read_csv(tmp_path / "csv" / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert list(pq.columns) == list(csv.columns)
        assert len(pq) == len(csv)
    nodes = pd.read_parquet(tmp_path / "pq" / "nodes.parquet").set_index("id")
    assert str(nodes["pages"].dtype) == "Int64" and nodes.loc["a.gouv.fr", "name"] == HOSTILE_CLEAN


def test_only_in_tables_keeps_the_group(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "n2"
    assert export(db, "--format", "csv", "--only", "N2", "-o", str(out)).exit_code == 0
    nodes = pd.read_csv(out / "nodes.csv")
    findings = pd.read_csv(out / "findings.csv")
    assert set(nodes["id"]) == {"b.gouv.fr", "service-public.fr"}
    assert set(findings["site"]) <= {"b.gouv.fr", "service-public.fr"}


def test_page_level_links_stream_in_chunks(db: Path, tmp_path: Path) -> None:
    from frictionless import validate

    out = tmp_path / "pages"
    result = export(db, "--format", "csv", "--level", "page", "--crawl", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}/page_links.csv: 7 links (crawl 1)\n"
    assert validate(str(out / "datapackage.json")).valid
    whole = pd.read_csv(out / "page_links.csv")
    assert list(whole.columns) == ["source_site", "source_url", "target_site", "target_url", "href", "anchor",
                                   "rel", "template"]  # fmt: skip
    assert set(whole["anchor"]) == {f"anchor {HOSTILE_CLEAN}"}
    assert whole["target_site"].isna().sum() == 1  # example.org is outside the seed sites
    with Store.open(db) as store:
        assert write_page_links(store, 1, tmp_path / "small", "csv", chunksize=3) == 7
        assert write_page_links(store, 1, tmp_path / "pq", "parquet", chunksize=3) == 7
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "small" / "page_links.csv"), whole)
    pq = pd.read_parquet(tmp_path / "pq" / "page_links.parquet")
    assert (
        pq["anchor"].tolist() == whole["anchor"].tolist()
        and pq["template"].tolist() == whole["template"].tolist()
    )


# -- CLI errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "gexf", "-o", "{tmp}/missing/g.gexf"],
         "Error: {tmp}/missing/g.gexf: folder {tmp}/missing does not exist\n"),
        (["--format", "gexf", "-o", "{tmp}"], "Error: {tmp}: is a folder (give a file name)\n"),
        (["--format", "gexf", "--level", "page", "-o", "{tmp}/g.gexf"],
         "Error: --level page exports the link table: use --format csv or parquet\n"),
        (["--format", "csv", "--level", "page", "--only", "N1", "-o", "{tmp}/p"],
         "Error: --level page exports every link: --only and --bipartite apply to --level site\n"),
        (["--format", "csv", "--history", "-o", "{tmp}/h"],
         "Error: --history writes one dynamic GEXF: use it with --format gexf alone\n"),
        (["--format", "csv", "--bipartite", "-o", "{tmp}/b"],
         "Error: --bipartite is a graph: use --format gexf or graphml\n"),
        (["--format", "csv", "-o", "{tmp}/missing/out"],
         "Error: {tmp}/missing/out: folder {tmp}/missing does not exist\n"),
        (["--format", "gexf", "--crawl", "9", "-o", "{tmp}/g.gexf"],
         "Error: {db}: no crawl 9 (known: 1, 2)\n"),
        (["--format", "xml", "-o", "{tmp}/g"], None),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_errors(
    db: Path, tmp_path: Path, args: list[str], message: str | None
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = export(db, *args)
    assert result.exit_code == 2
    if message is None:  # a Click usage error
        assert "Invalid value for '--format'" in result.output
    else:
        assert result.output == message.replace("{tmp}", str(tmp_path)).replace("{db}", str(db))


def test_export_has_help_and_readme_section() -> None:
    result = CliRunner().invoke(main, ["export", "-h"])
    assert result.exit_code == 0 and "Example:" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## govlinks export" in readme and "<!-- section:export -->" not in readme


def test_sanitize_graph_keeps_the_input_intact() -> None:
    G = nx.DiGraph()
    G.add_node("a", themes=("T",))
    sanitize_graph(G)
    assert G.nodes["a"] == {"themes": ("T",)}
