"""Per-site metrics on small hand-built site graphs with known answers."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graphs.build import site_graph
from graphs.metrics import (
    METRIC_COLUMNS,
    degree_table,
    hub_hops,
    inbound_quality,
    outbound_broken,
    pagerank,
    peer_links,
    reciprocity,
    site_metrics,
)


def graph(nodes: dict[str, dict], edges: list[tuple[str, str, dict]]) -> nx.DiGraph:
    sites = pd.DataFrame([{"site": n, **attrs} for n, attrs in nodes.items()])
    rows = pd.DataFrame([{"source": u, "target": v, **d} for u, v, d in edges])
    return site_graph(sites, rows if len(rows) else pd.DataFrame(columns=["source", "target"]))


def E(weight: int, links: int, targets: int, deep: int, template: int, content: int, broken: int = 0) -> dict:
    return dict(weight=weight, links=links, targets=targets, deep=deep, template_pages=template,
                content_pages=content, broken=broken)  # fmt: skip


@pytest.fixture
def G() -> nx.DiGraph:
    # hub -> a (deep, content), hub -> b (homepage, template), a -> b, b -> a, c -> a; d isolated.
    return graph(
        {
            "hub": {"themes": "T"},
            "a": {"themes": "T"},
            "b": {"themes": "U", "life_events": "E"},
            "c": {"life_events": "E"},
            "d": {},
        },
        [
            ("hub", "a", E(5, 9, 3, 2, 5, 2, 1)),
            ("hub", "b", E(2, 2, 1, 0, 2, 0)),
            ("a", "b", E(1, 1, 1, 1, 0, 1)),
            ("b", "a", E(4, 4, 2, 2, 0, 4, 2)),
            ("c", "a", E(1, 3, 1, 0, 1, 0)),
        ],
    )


def test_degrees(G: nx.DiGraph) -> None:
    d = degree_table(G)
    assert d.loc["a"].tolist() == [3, 1, 10, 1, 16, 1]
    assert d.loc["hub"].tolist() == [0, 2, 0, 7, 0, 11]
    assert d.loc["d"].tolist() == [0, 0, 0, 0, 0, 0]
    assert list(d.index) == ["hub", "a", "b", "c", "d"]


def _pagerank_by_hand(G: nx.DiGraph, alpha: float = 0.85) -> dict[str, float]:
    """PageRank solved as a linear system, dangling sites spread uniformly."""
    nodes = list(G)
    n = len(nodes)
    pos = {v: i for i, v in enumerate(nodes)}
    M = np.zeros((n, n))
    for u in nodes:
        out = sum(d["weight"] for _, _, d in G.out_edges(u, data=True))
        if out == 0:
            M[:, pos[u]] = 1 / n
        for _, v, d in G.out_edges(u, data=True):
            M[pos[v], pos[u]] = d["weight"] / out
    r = np.linalg.solve(np.eye(n) - alpha * M, (1 - alpha) / n * np.ones(n))
    r /= r.sum()
    return {v: r[pos[v]] for v in nodes}


def test_pagerank_matches_the_linear_system(G: nx.DiGraph) -> None:
    got, want = pagerank(G), _pagerank_by_hand(G)
    for site in G:
        assert got[site] == pytest.approx(want[site], abs=1e-9)
    assert max(got, key=got.get) == "a"
    assert pagerank(nx.DiGraph()) == {}


def test_pagerank_cycle_is_uniform() -> None:
    C = graph({"x": {}, "y": {}, "z": {}}, [("x", "y", {}), ("y", "z", {}), ("z", "x", {})])
    assert all(v == pytest.approx(1 / 3, abs=1e-12) for v in pagerank(C).values())


def test_peer_links(G: nx.DiGraph) -> None:
    peers = {"hub": {"a"}, "a": {"hub"}, "b": {"c"}, "c": {"b"}, "d": set()}
    p = peer_links(G, peers)
    # a: in from hub (peer, 5), b (other, 4), c (other, 1); out to b (other, 1)
    assert p.loc["a"].to_dict() == {
        "in_peer_sites": 1, "in_other_sites": 2, "out_peer_sites": 0, "out_other_sites": 1,
        "in_peer_weight": 5, "in_other_weight": 5, "out_peer_weight": 0, "out_other_weight": 1,
    }  # fmt: skip
    assert p.loc["c", "out_peer_sites"] == 0 and p.loc["c", "out_other_sites"] == 1
    assert p.loc["d"].sum() == 0


def test_inbound_quality(G: nx.DiGraph) -> None:
    q = inbound_quality(G)
    # a: targets 3 + 2 + 1 = 6, deep 2 + 2 + 0 = 4; pages 10, content pages 2 + 4 + 0 = 6
    assert q.loc["a", "in_targets"] == 6 and q.loc["a", "in_deep"] == 4
    assert q.loc["a", "in_deep_share"] == pytest.approx(4 / 6)
    assert q.loc["a", "in_content_pages"] == 6
    assert q.loc["a", "in_template_share"] == pytest.approx(4 / 10)
    # b: only the hub's homepage link from a template (2 pages) and a's deep content link (1 page)
    assert q.loc["b", "in_deep_share"] == pytest.approx(1 / 2)
    assert q.loc["b", "in_template_share"] == pytest.approx(2 / 3)
    assert math.isnan(q.loc["hub", "in_deep_share"]) and math.isnan(q.loc["hub", "in_template_share"])


def test_outbound_broken(G: nx.DiGraph) -> None:
    b = outbound_broken(G)
    assert b.loc["hub"].tolist() == [4, 1, 0.25]
    assert b.loc["b"].tolist() == [2, 2, 1.0]
    assert b.loc["a"].tolist() == [1, 0, 0.0]
    assert math.isnan(b.loc["d", "out_broken_share"])


def test_reciprocity_follows_networkx(G: nx.DiGraph) -> None:
    r = reciprocity(G)
    assert r["a"] == pytest.approx(2 * 1 / 4)  # b both ways; in from hub, c
    assert r["b"] == pytest.approx(2 * 1 / 3)
    assert r["hub"] == 0.0
    assert math.isnan(r["d"])
    nxr = nx.reciprocity(G, ["a", "b", "hub", "c"])
    assert {k: pytest.approx(v) for k, v in nxr.items()} == {k: r[k] for k in nxr}


def test_hub_hops_directed_from_the_hubs(G: nx.DiGraph) -> None:
    h = hub_hops(G, ["hub"])
    assert h["hub"] == 0 and h["a"] == 1 and h["b"] == 1
    assert math.isnan(h["c"]) and math.isnan(h["d"])  # c links to a, but no path from the hub
    h2 = hub_hops(G, ["c", "missing"])
    assert h2["c"] == 0 and h2["a"] == 1 and h2["b"] == 2 and math.isnan(h2["hub"])
    assert all(math.isnan(v) for v in hub_hops(G, ["missing"]).values())


def test_site_metrics_puts_everything_side_by_side(G: nx.DiGraph) -> None:
    m = site_metrics(G, hubs=["hub"])
    assert tuple(m.columns) == METRIC_COLUMNS
    assert list(m.index) == list(G)
    assert m.loc["a", "in_sites"] == 3
    # peers from the groups: a shares T with the hub; b shares E with c
    assert m.loc["a", "in_peer_sites"] == 1 and m.loc["b", "in_peer_sites"] == 0
    assert m.loc["c", "out_peer_sites"] == 0
    assert m.loc["b", "hub_hops"] == 1
    assert m["pagerank"].sum() == pytest.approx(1.0)


def test_site_metrics_of_an_empty_graph() -> None:
    m = site_metrics(nx.DiGraph())
    assert tuple(m.columns) == METRIC_COLUMNS and len(m) == 0
