"""The site graph from site and edge tables."""

from __future__ import annotations

import math

import pandas as pd

from graphs.build import EDGE_ATTRS, site_graph


def test_nodes_carry_the_site_table() -> None:
    sites = pd.DataFrame(
        {
            "site": ["a.fr", "b.fr/x"],
            "url": ["https://a.fr/", "https://b.fr/x/"],
            "name": ["A", None],
            "themes": ["T1|T2", ""],
            "life_events": ["", "E1"],
            "status": ["ok", "robots"],
            "pages": [12, 0],
            "homepage_status": [200, math.nan],
        }
    )
    G = site_graph(sites, pd.DataFrame(columns=["source", "target"]))
    assert list(G) == ["a.fr", "b.fr/x"]
    a, b = G.nodes["a.fr"], G.nodes["b.fr/x"]
    assert a["themes"] == ("T1", "T2") and a["life_events"] == ()
    assert a["pages"] == 12 and a["html_pages"] == 0 and a["homepage_status"] == 200
    assert b["name"] == "" and b["status"] == "robots" and b["homepage_status"] is None
    assert b["life_events"] == ("E1",)


def test_edges_drop_self_loops_and_unknown_sites() -> None:
    sites = pd.DataFrame({"site": ["a", "b"], "themes": [("T",), ()]})
    edges = pd.DataFrame(
        {
            "source": ["a", "a", "a", "x"],
            "target": ["b", "a", "x", "b"],
            "weight": [3, 9, 9, 9],
            "links": [7, 9, 9, 9],
            "deep": [2, 0, 0, 0],
            "broken": [None, 0, 0, 0],
        }
    )
    G = site_graph(sites, edges)
    assert list(G.edges) == [("a", "b")]
    attrs = G.edges["a", "b"]
    assert set(attrs) == set(EDGE_ATTRS)
    assert attrs == {"weight": 3, "links": 7, "targets": 0, "deep": 2, "template_pages": 0,
                     "content_pages": 0, "broken": 0}  # fmt: skip
    assert G.nodes["a"]["themes"] == ("T",)
