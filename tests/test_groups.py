"""Themes and life events: membership, peers, group figures, group × group matrix."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from graphs.groups import (
    GROUP_COLUMNS,
    group_matrix,
    group_members,
    group_table,
    labels_for,
    membership,
    peers,
)


@pytest.fixture
def G() -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_node("a", themes=("T",), life_events=("E",), status="ok")
    G.add_node("b", themes=("T",), life_events=(), status="ok")
    G.add_node("c", themes=("T", "U"), life_events=(), status="robots")
    G.add_node("u", themes=("U",), life_events=("E",), status="ok")
    G.add_node("z", themes=(), life_events=(), status="ok")
    G.add_edge("a", "b", weight=3)
    G.add_edge("b", "a", weight=1)
    G.add_edge("u", "a", weight=2)
    G.add_edge("a", "z", weight=7)
    G.add_edge("z", "c", weight=1)
    return G


def test_membership_and_members(G: nx.DiGraph) -> None:
    assert membership(G, "theme")["c"] == ("T", "U")
    assert membership(G, "life-event") == {"a": ("E",), "b": (), "c": (), "u": ("E",), "z": ()}
    assert group_members(G, "theme") == {"T": ["a", "b", "c"], "U": ["c", "u"]}
    with pytest.raises(ValueError, match="unknown grouping"):
        membership(G, "colour")


def test_peers_share_a_theme_or_a_life_event(G: nx.DiGraph) -> None:
    p = peers(G)
    assert p["a"] == {"b", "c", "u"}  # T with b, c; E with u
    assert p["u"] == {"a", "c"}
    assert p["z"] == frozenset()


def test_group_table(G: nx.DiGraph) -> None:
    t = group_table(G, "theme", labels={"T": "Travail"}).set_index("group")
    assert tuple(group_table(G).columns) == GROUP_COLUMNS
    T = t.loc["T"]
    assert T["label"] == "Travail" and T["sites"] == 3 and T["crawled"] == 2
    assert T["internal_links"] == 2  # a->b, b->a
    assert T["density"] == pytest.approx(2 / 6)
    assert T["links_in"] == 2  # u->a, z->c
    assert T["links_out"] == 1  # a->z
    assert T["isolated"] == 1 and T["isolated_share"] == pytest.approx(1 / 3)  # c
    U = t.loc["U"]
    assert U["label"] == "U"  # no label: the id
    assert U["internal_links"] == 0 and U["isolated"] == 2 and U["isolated_share"] == 1.0
    assert U["links_in"] == 1 and U["links_out"] == 1  # z->c; u->a


def test_group_table_single_member_density_is_nan(G: nx.DiGraph) -> None:
    G.add_node("solo", themes=("S",))
    row = group_table(G).set_index("group").loc["S"]
    # issue 14: a site alone in its group is not "100 % isolated" (it has no other member to link to)
    assert math.isnan(row["density"]) and math.isnan(row["isolated_share"])


def test_group_matrix(G: nx.DiGraph) -> None:
    m = group_matrix(G, "theme")
    assert m.to_dict() == {"T": {"T": 2, "U": 1}, "U": {"T": 0, "U": 0}}
    w = group_matrix(G, "theme", weight="weight")
    assert w.loc["T", "T"] == 4 and w.loc["U", "T"] == 2
    e = group_matrix(G, "life-event")
    assert e.to_dict() == {"E": {"E": 1}}  # u->a
    assert group_matrix(nx.DiGraph()).shape == (0, 0)


def test_labels_for() -> None:
    assert labels_for(["N19803", "X"], {"N19803": "Argent"}) == ["Argent", "X"]
