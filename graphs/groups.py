"""Themes and life events: which sites belong together, and how they link.

A *group* is one theme or one life event of the seed list; a site may belong to
several. Two sites are *peers* when they share a theme or a life event: a user
on a journey through one of them is likely to need the other, so that is where
links are expected. Functions here are pure (no I/O): the labels of the groups are
read by :mod:`seeds.vocabulary` and passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx
import pandas as pd

from graphs.choices import GROUPINGS, REPORT_GROUPINGS
from graphs.status import is_assessed

__all__ = [
    "GROUPINGS",
    "GROUP_COLUMNS",
    "REPORT_GROUPINGS",
    "group_matrix",
    "group_members",
    "group_table",
    "labels_for",
    "membership",
    "peers",
]


GROUP_COLUMNS = (
    "group", "label", "sites", "crawled", "internal_links", "density", "links_in", "links_out",
    "isolated", "isolated_share",
)  # fmt: skip


def _attr(by: str) -> str:
    try:
        return REPORT_GROUPINGS[by]
    except KeyError:
        raise ValueError(f"unknown grouping {by!r} (use one of {', '.join(REPORT_GROUPINGS)})") from None


def membership(G: nx.DiGraph, by: str = "theme") -> dict[str, tuple[str, ...]]:
    """The groups of each site for a grouping (``theme``, ``life-event`` or ``organisation``).

    A site has one organisation (a text, empty when unknown), and any number of
    themes and life events.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", themes=("T1",), life_events=("E1", "E2")); G.add_node("b")
    >>> membership(G, "life-event")
    {'a': ('E1', 'E2'), 'b': ()}
    >>> G.nodes["a"]["organisation"] = "Ministère X"
    >>> membership(G, "organisation")
    {'a': ('Ministère X',), 'b': ()}
    """
    attr = _attr(by)
    out = {}
    for n, d in G.nodes(data=True):
        value = d.get(attr) or ()
        out[n] = (value,) if isinstance(value, str) else tuple(value)
    return out


def group_members(G: nx.DiGraph, by: str = "theme") -> dict[str, list[str]]:
    """Sites of each group, groups and sites in sorted order.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("b", themes=("T2", "T1")); G.add_node("a", themes=("T1",))
    >>> group_members(G)
    {'T1': ['a', 'b'], 'T2': ['b']}
    """
    out: dict[str, list[str]] = {}
    for site, groups in membership(G, by).items():
        for g in groups:
            out.setdefault(g, []).append(site)
    return {g: sorted(out[g]) for g in sorted(out)}


def peers(G: nx.DiGraph) -> dict[str, frozenset[str]]:
    """The sites sharing at least one theme or life event with each site.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", themes=("T",)); G.add_node("b", life_events=("E",))
    >>> G.add_node("c", themes=("T",), life_events=("E",)); G.add_node("d")
    >>> {k: sorted(v) for k, v in peers(G).items()}
    {'a': ['c'], 'b': ['c'], 'c': ['a', 'b'], 'd': []}
    """
    members: dict[tuple[str, str], set[str]] = {}
    for n, d in G.nodes(data=True):
        for attr in GROUPINGS.values():
            for g in d.get(attr) or ():
                members.setdefault((attr, g), set()).add(n)
    out: dict[str, set[str]] = {n: set() for n in G}
    for sites in members.values():
        for n in sites:
            out[n] |= sites
    return {n: frozenset(s - {n}) for n, s in out.items()}


def group_table(G: nx.DiGraph, by: str = "theme", *, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """How the sites of each group link to each other and to the rest.

    Links are counted as linked pairs of sites (u links to v), so one big site
    does not outweigh many small ones. Columns:

    - ``sites``: member sites; ``crawled``: those that can be assessed;
    - ``internal_links``: pairs of members linked; ``density``: that over the
      ``sites × (sites − 1)`` possible pairs (NaN under two sites);
    - ``links_in`` / ``links_out``: pairs from a site outside the group to a
      member / from a member to a site outside the group;
    - ``isolated``: members with no link to or from another member, and
      ``isolated_share`` their share of the members (NaN under two sites, like the
      density: a site alone in its group has no other member to link to, so it is
      not "100 % isolated").

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> for n, t in [("a", ("T",)), ("b", ("T",)), ("c", ("T",)), ("x", ("U",))]:
    ...     G.add_node(n, themes=t, status="ok")
    >>> G.add_edges_from([("a", "b"), ("b", "a"), ("x", "a"), ("c", "x")])
    >>> t = group_table(G, labels={"T": "Travail"})
    >>> t[["group", "label", "internal_links", "links_in", "links_out", "isolated"]].values.tolist()
    [['T', 'Travail', 2, 1, 1, 1], ['U', 'U', 0, 1, 1, 1]]
    >>> t["density"].round(3).tolist(), t["isolated_share"].round(3).tolist()
    ([0.333, nan], [0.333, nan])
    """
    labels = labels or {}
    members = group_members(G, by)
    groups_of = {n: set(gs) for n, gs in membership(G, by).items()}
    internal = dict.fromkeys(members, 0)
    links_in = dict.fromkeys(members, 0)
    links_out = dict.fromkeys(members, 0)
    connected: dict[str, set[str]] = {g: set() for g in members}
    for u, v in G.edges():
        gu, gv = groups_of[u], groups_of[v]
        if not gu and not gv:
            continue
        for g in gu & gv:
            internal[g] += 1
            connected[g].update((u, v))
        for g in gu - gv:
            links_out[g] += 1
        for g in gv - gu:
            links_in[g] += 1
    rows = []
    for group, sites in members.items():
        n = len(sites)
        isolated = n - len(connected[group])
        rows.append(
            {
                "group": group,
                "label": labels.get(group) or group,
                "sites": n,
                "crawled": sum(1 for s in sites if is_assessed(G.nodes[s].get("status", "ok"))),
                "internal_links": internal[group],
                "density": internal[group] / (n * (n - 1)) if n > 1 else float("nan"),
                "links_in": links_in[group],
                "links_out": links_out[group],
                "isolated": isolated,
                "isolated_share": isolated / n if n > 1 else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))


def group_matrix(G: nx.DiGraph, by: str = "theme", *, weight: str | None = None) -> pd.DataFrame:
    """Group × group links: rows are source groups, columns target groups.

    A cell counts the linked pairs of distinct sites (u in the row group, v in
    the column group), or sums the edge attribute ``weight`` when given. A
    site in several groups counts in each. The diagonal holds links within
    a group.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", themes=("T", "U")); G.add_node("b", themes=("U",))
    >>> G.add_edge("a", "b", weight=4)
    >>> group_matrix(G).to_dict()
    {'T': {'T': 0, 'U': 0}, 'U': {'T': 1, 'U': 1}}
    >>> int(group_matrix(G, weight="weight").loc["T", "U"])
    4
    """
    groups_of = membership(G, by)
    names = sorted({g for gs in groups_of.values() for g in gs})
    pos = {g: i for i, g in enumerate(names)}
    cells = [[0] * len(names) for _ in names]
    for u, v, d in G.edges(data=True):
        value = int(d.get(weight, 1)) if weight else 1
        for gu in groups_of[u]:
            row = cells[pos[gu]]
            for gv in groups_of[v]:
                row[pos[gv]] += value
    matrix = pd.DataFrame(cells, index=pd.Index(names, name="source"), columns=pd.Index(names, name="target"))
    return matrix


def labels_for(groups: Iterable[str], labels: Mapping[str, str]) -> list[str]:
    """Display labels of group ids, the id itself when it has no label.

    >>> labels_for(["N19803", "X"], {"N19803": "Argent"})
    ['Argent', 'X']
    """
    return [labels.get(g) or g for g in groups]
