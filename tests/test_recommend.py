"""Link recommendations: the evidence figures on hand-built graphs, the page to link from the
store's content-link read, and `govlinks recommend`."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from crawler.items import Link, Page
from crawler.seeds import Seed
from crawler.store import Store
from graphs.config import JourneyConfig
from graphs.link_targets import LinkTargets
from graphs.recommend import FIGURES, RECOMMENDATION_COLUMNS, LinkEvidence, evidence_text, recommend


def evidence_graph() -> nx.DiGraph:
    """u (theme T, life event E); its peers p1, p2, p3 (T) and q (E); k (theme K) is linked by
    p1, p2 and q and links back to u; w and h link to u, w to k too; x (T) was not crawled."""
    G = nx.DiGraph()
    G.add_node("u", themes=("T",), life_events=("E",), url="https://u.fr/")
    for n in ("p1", "p2", "p3"):
        G.add_node(n, themes=("T",), url=f"https://{n}.fr/")
    G.add_node("q", life_events=("E",), url="https://q.fr/")
    G.add_node("k", themes=("K",), url="https://k.fr/")
    G.add_node("x", themes=("T",), status="robots", url="https://x.fr/")
    G.add_node("w", url="https://w.fr/")
    G.add_node("h", url="https://h.fr/")
    G.add_edges_from([("p1", "k"), ("p2", "k"), ("q", "k"), ("p3", "h"), ("w", "u"), ("w", "k"),
                      ("h", "u"), ("k", "u"), ("u", "p1"), ("x", "k")])  # fmt: skip
    return G


def test_evidence_figures_of_one_link() -> None:
    ev = LinkEvidence(evidence_graph())
    f = ev.explain("u", "k")
    # T: p1, p2, p3 (x not assessed, k not in T): 2 link k, 2/(3+1); E: q, 1 of 1, 1/(1+1): a tie
    # at 0.5, won by the group with more linking peers
    assert {k: f[k] for k in ("group", "peers", "peers_linking", "peer_share")} == {
        "group": "T", "peers": 3, "peers_linking": 2, "peer_share": 0.5,
    }  # fmt: skip
    # w, h (and k, the target, not counted) link to u; w links to k too
    assert (f["linkers"], f["cocited"], f["cocitation"]) == (2, 1, round(1 / 3, 6))
    assert (f["shared_group"], f["links_back"]) == ("", 1)
    assert f["score"] == round(0.5 * 0.5 + 0.2 * 1 / 3 + 0.1 * 1, 6) == 0.416667
    assert ev.score("u", "k") == 0.416667 and ev.linked("u", "p1") and not ev.linked("x", "k")


def test_peer_share_counts_only_assessed_peers_and_not_the_target() -> None:
    ev = LinkEvidence(evidence_graph())
    f = ev.explain("u", "p2")  # p2 is a member of T: the other members are p1, p3
    assert (f["group"], f["peers"], f["peers_linking"], f["shared_group"]) == ("T", 2, 0, "T")
    assert f["score"] == 0.2  # only the shared journey: below min_score
    f = ev.explain("u", "h")  # p3 links h: 1 of 3 in T
    assert (f["peers"], f["peers_linking"], f["links_back"]) == (3, 1, 1)
    assert f["score"] == round(0.5 * 1 / 4 + 0.1, 6)


def test_never_an_existing_link_an_unassessed_target_or_itself() -> None:
    G = evidence_graph()
    r = recommend(G)
    assert r[r["source"] == "u"][["source", "rank", "target"]].values.tolist() == [["u", 1, "k"]]
    everything = recommend(G, config=JourneyConfig(min_score=0.0))
    assert len(everything) > 10
    for source, target in everything[["source", "target"]].itertuples(index=False):
        assert source != target and not G.has_edge(source, target)
        assert G.nodes[target].get("status", "ok") == "ok" and G.nodes[source].get("status", "ok") == "ok"
    assert "x" not in set(everything["source"]) | set(everything["target"])
    mine = everything[everything["source"] == "u"]
    assert mine["target"].tolist() == ["k", "h", "p2", "p3", "q"]  # (p1 linked, x not assessed, w 0.1)
    assert mine["score"].tolist() == [0.416667, 0.225, 0.2, 0.2, 0.2]  # equal scores by site id
    assert mine["rank"].tolist() == [1, 2, 3, 4, 5]


def test_top_and_min_score_cap_the_list() -> None:
    r = recommend(evidence_graph(), config=JourneyConfig(min_score=0.0, top=2))
    assert r.groupby("source").size().max() == 2 and len(recommend(evidence_graph())) == 6
    assert r[r["source"] == "u"]["target"].tolist() == ["k", "h"]
    assert recommend(evidence_graph(), config=JourneyConfig(min_score=0.5)).empty
    assert list(recommend(nx.DiGraph()).columns) == list(RECOMMENDATION_COLUMNS)


def test_weights_are_tunable() -> None:
    only_back = JourneyConfig(weights={"links_back": 1.0}, min_score=0.5)
    r = recommend(evidence_graph(), config=only_back)
    linked_back = {(s, t) for s, t in r[["source", "target"]].itertuples(index=False)}
    G = evidence_graph()
    assert linked_back == {(v, u) for u, v in G.edges() if not G.has_edge(v, u) and u != "x"}
    assert set(r["score"]) == {1.0}


def test_evidence_text_says_what_can_be_checked() -> None:
    G = evidence_graph()
    figures = LinkEvidence(G).explain("u", "k")
    figures.update(url_peers=2, target_url="https://k.fr/aides")
    assert evidence_text("u", "k", figures, {"T": "Travail"}) == (
        "2 of the 3 other sites of 'Travail' link to k; u does not. 1 of the 2 sites linking to u "
        "also links to k. k already links to u. 2 of those 2 sites link to https://k.fr/aides."
    )
    one = {"group": "E", "peers": 1, "peers_linking": 1, "linkers": 1, "cocited": 1, "shared_group": "E",
           "url_peers": 1, "target_url": "https://k.fr/"}  # fmt: skip
    assert evidence_text("u", "k", one, {"E": "Je déménage"}) == (
        "The only other site of 'Je déménage' links to k; u does not. The only site linking to u also "
        "links to k. k is a site of 'Je déménage' too. That site links to https://k.fr/."
    )
    assert evidence_text("u", "k", {}, {}) == ""


def targets_frame() -> pd.DataFrame:
    rows = [  # source, target, norm, url, pages, broken
        ("p1", "k", "k.fr/a", "https://k.fr/a", 2, 0),
        ("p1", "k", "k.fr/b", "https://k.fr/b", 5, 0),
        ("p2", "k", "k.fr/a", "http://k.fr/a", 1, 0),
        ("q", "k", "k.fr/c", "https://k.fr/c", 9, 0),
        ("p1", "k", "k.fr/gone", "https://k.fr/gone", 7, 1),
        ("p2", "k", "k.fr/gone", "https://k.fr/gone", 7, 1),
        ("w", "k", "k.fr/a", "https://k.fr/a", 1, 0),
        ("zz", "k", "k.fr/z", "https://k.fr/z", 1, 0),  # not a site of the graph: dropped
    ]
    return pd.DataFrame(rows, columns=["source", "target", "target_norm", "target_url", "pages", "broken"])


def test_the_page_to_link_is_the_one_the_peers_link_most() -> None:
    G = evidence_graph()
    sites = sorted(G)
    targets = LinkTargets.from_frames(targets_frame(), sites)
    chunked = LinkTargets.from_frames([targets_frame()[:3], targets_frame()[3:]], sites)
    assert (targets.norms, targets.urls) == (chunked.norms, chunked.urls)
    assert targets.urls[targets.norms.index("k.fr/a")] == "http://k.fr/a"  # the smallest URL written
    idx = {s: i for i, s in enumerate(sites)}
    # by the peers of T (p1, p2): k.fr/a has 2 of them, k.fr/b 1 with more pages; k.fr/gone is broken
    assert targets.best_page(idx["k"], [idx["p1"], idx["p2"]]) == ("http://k.fr/a", 2, 3)
    assert targets.best_page(idx["k"], [idx["q"]]) == ("https://k.fr/c", 1, 9)
    assert targets.best_page(idx["k"], [idx["h"]]) is None
    assert targets.best_page(idx["u"], [idx["p1"]]) is None
    (row,) = recommend(G, targets=targets).query("source == 'u'").to_dict("records")
    assert (row["target_url"], row["url_peers"], row["url_pages"]) == ("http://k.fr/a", 2, 3)
    assert row["evidence"].endswith("2 of those 2 sites link to http://k.fr/a.")
    (row,) = recommend(G).query("source == 'u'").to_dict("records")  # without page counts: the homepage
    assert (row["target_url"], row["url_peers"], row["url_pages"]) == ("https://k.fr/", 0, 0)


# -- the store: content links per (source, target URL), and govlinks recommend -------------

SEEDS = [
    Seed("service-public.fr", "https://service-public.fr/", 2, "SP"),
    Seed("u.gouv.fr", "https://u.gouv.fr/", 3, "U", themes=("N19806",)),
    Seed("p1.gouv.fr", "https://p1.gouv.fr/", 4, "P1", themes=("N19806",)),
    Seed("p2.gouv.fr", "https://p2.gouv.fr/", 5, "P2", themes=("N19806",)),
    Seed("k.gouv.fr", "https://k.gouv.fr/", 6, "K", themes=("N19806",)),
]


def _page(url: str, site: str, links: list[tuple[str, str | None, int]], *, kind: str = "page",
          status: int = 200, final_url: str | None = None) -> Page:  # fmt: skip
    norm = url.split("://", 1)[1]
    final = final_url or url
    return Page(
        kind=kind, site=site, url=url, norm=norm, final_url=final, final_norm=final.split("://", 1)[1],
        status=status, content_type="text/html", size=100, title="t", depth=0 if kind == "page" else None,
        fetched_at="2026-01-01T00:00:00+00:00", error=None, internal_links=0, external_links=len(links),
        links=[Link(t, t, t.split("://", 1)[1], s, "anchor", "", template, int(s == site))
               for t, s, template in links],
    )  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recommend") / "s.db"
    k, u, p1, p2, sp = "k.gouv.fr", "u.gouv.fr", "p1.gouv.fr", "p2.gouv.fr", "service-public.fr"
    pages = [
        _page("https://service-public.fr/", sp, [(f"https://{s}/", s, 0) for s in (u, p1, p2, k)]),
        _page("https://p1.gouv.fr/", p1, [("https://k.gouv.fr/aides", k, 0), ("https://k.gouv.fr/old", k, 0),
              ("https://u.gouv.fr/", u, 0), ("https://p1.gouv.fr/x", p1, 0)]),
        _page("https://p1.gouv.fr/x", p1, [("https://k.gouv.fr/aides", k, 0)] * 2),
        _page("https://p2.gouv.fr/", p2, [("http://k.gouv.fr/aides", k, 0),  # another spelling of a norm
              ("https://k.gouv.fr/contact", k, 0), ("https://k.gouv.fr/", k, 1)]),
        _page("https://u.gouv.fr/", u, [("https://p1.gouv.fr/", p1, 0), ("https://p2.gouv.fr/", p2, 1)]),
        _page("https://k.gouv.fr/", k, [("https://service-public.fr/", sp, 0)]),
        _page("https://k.gouv.fr/aides", k, [], kind="target", final_url="https://k.gouv.fr/aides/"),
        _page("https://k.gouv.fr/old", k, [], kind="target", status=404),
        _page("https://k.gouv.fr/contact", k, [], kind="target"),
    ]  # fmt: skip
    with Store.open(path, create=True) as store:
        cid = store.start_crawl(seeds_path=str(path.parent / "sites.csv"), seeds_sha256="0" * 64,
                                settings={}, sites=SEEDS)  # fmt: skip
        store.add_frontier(cid, [(s.site + "/", s.url, s.site, 0) for s in SEEDS])
        store.write_batch(cid, pages)
        store.finish_crawl(cid, status="finished")
    return path


def test_store_reads_content_links_per_target_url(db: Path) -> None:
    with Store.open(db) as store:
        rows = store.reads.link_targets(1)
        chunks = list(store.reads.link_targets(1, chunksize=2))
    got = sorted(tuple(r) for r in rows[["source", "target", "target_norm", "target_url", "pages", "broken"]]
                 .itertuples(index=False))  # fmt: skip
    # p2's footer link to k and p1's link to its own page are not content links to another site
    assert got == sorted([
        ("p1.gouv.fr", "k.gouv.fr", "k.gouv.fr/aides", "https://k.gouv.fr/aides/", 2, 0),  # where it answered
        ("p1.gouv.fr", "k.gouv.fr", "k.gouv.fr/old", "https://k.gouv.fr/old", 1, 1),  # 404: broken
        ("p1.gouv.fr", "u.gouv.fr", "u.gouv.fr/", "https://u.gouv.fr/", 1, 0),
        ("p2.gouv.fr", "k.gouv.fr", "k.gouv.fr/aides", "https://k.gouv.fr/aides/", 1, 0),
        ("p2.gouv.fr", "k.gouv.fr", "k.gouv.fr/contact", "https://k.gouv.fr/contact", 1, 0),
        ("service-public.fr", "k.gouv.fr", "k.gouv.fr/", "https://k.gouv.fr/", 1, 0),
        ("service-public.fr", "p1.gouv.fr", "p1.gouv.fr/", "https://p1.gouv.fr/", 1, 0),
        ("service-public.fr", "p2.gouv.fr", "p2.gouv.fr/", "https://p2.gouv.fr/", 1, 0),
        ("service-public.fr", "u.gouv.fr", "u.gouv.fr/", "https://u.gouv.fr/", 1, 0),
        ("k.gouv.fr", "service-public.fr", "service-public.fr/", "https://service-public.fr/", 1, 0),
        ("u.gouv.fr", "p1.gouv.fr", "p1.gouv.fr/", "https://p1.gouv.fr/", 1, 0),
    ])  # fmt: skip
    assert sum(len(c) for c in chunks) == len(rows) and max(len(c) for c in chunks) == 2


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "--lang", "en"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_recommend_command_names_the_page_to_link(db: Path) -> None:
    code, out, _ = run("recommend", "--db", str(db), "--site", "u.gouv.fr")
    assert code == 0
    evidence = (
        "2 of the 2 other sites of 'Travail - Formation' link to k.gouv.fr; u.gouv.fr does not. 2 of the 2 "
        "sites linking to u.gouv.fr also link to k.gouv.fr. k.gouv.fr is a site of 'Travail - Formation' "
        "too. 2 of those 2 sites link to https://k.gouv.fr/aides/."
    )
    lines = out.splitlines()
    assert lines[:6] == [
        "govlinks recommend — crawl 1 (finished)",
        "Links each site should add, best first (at most 5 a site).",
        "",
        "u.gouv.fr",
        "  1. k.gouv.fr  (0.67)",
        "     page to link: https://k.gouv.fr/aides/",
    ]
    assert " ".join(line.strip() for line in lines[6:]) == evidence  # wrapped at 100 columns
    code, out, _ = run("recommend", "--db", str(db), "--to", "k.gouv.fr", "--top", "1")
    assert code == 0 and "  1. u.gouv.fr  (0.67, its #1)" in out.splitlines()
    assert "Sites that should link to k.gouv.fr (it is among their 1 best recommendations):" in out
    code, out, _ = run("recommend", "--db", str(db))
    sources = [line for line in out.splitlines() if line and not line.startswith(" ")][2:]
    assert sources == sorted(sources) and "u.gouv.fr" in sources


def test_recommend_rejects_an_unknown_site(db: Path) -> None:
    result = CliRunner().invoke(
        main, ["recommend", "--db", str(db), "--to", "caf.fr"], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert result.stderr == "Error: --to 'caf.fr': not a seed site of this crawl\n"


def test_report_json_and_export_carry_the_recommendations(db: Path, tmp_path: Path) -> None:
    code, out, _ = run("report", "--db", str(db), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["config"]["journeys"] == JourneyConfig().as_dict()
    (rec,) = [r for r in doc["recommendations"] if r["source"] == "u.gouv.fr"]
    assert set(rec) == {"source", "target", "rank", "score", "target_url", "evidence", "details"}
    assert (rec["target"], rec["rank"], rec["score"], rec["target_url"]) == (
        "k.gouv.fr",
        1,
        0.666667,
        "https://k.gouv.fr/aides/",
    )
    assert list(rec["details"]) == list(FIGURES)
    assert rec["details"]["group"] == "N19806" and rec["details"]["url_pages"] == 3
    code, _, _ = run("export", "--db", str(db), "--format", "csv", "-o", str(tmp_path / "od"))
    table = pd.read_csv(tmp_path / "od" / "recommendations.csv", keep_default_na=False)
    assert list(table.columns) == list(RECOMMENDATION_COLUMNS)
    assert len(table) == len(doc["recommendations"])
    package = json.loads((tmp_path / "od" / "datapackage.json").read_text())
    (schema,) = [r["schema"] for r in package["resources"] if r["name"] == "recommendations"]
    assert schema["primaryKey"] == ["source", "target"]
    assert {fk["fields"] for fk in schema["foreignKeys"]} == {"source", "target"}
