"""Per-site metrics of the site graph: plain functions over a DiGraph.

Each function answers one question an analyst asks of a site (who links to it,
how deep, from where in the page, how far from the hub sites, how many of its
links are broken) and returns a dict or a DataFrame indexed by site id, so
that :func:`site_metrics` can put them side by side. No I/O here.

Edge attributes are those of :func:`graphs.build.site_graph`: ``weight``
(distinct linking pages), ``links``, ``targets``, ``deep``, ``template_pages``,
``content_pages`` and ``broken``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping

import networkx as nx
import pandas as pd

from graphs.groups import peers as group_peers

__all__ = [
    "FLOAT_METRICS",
    "METRIC_COLUMNS",
    "degree_table",
    "hub_hops",
    "inbound_quality",
    "outbound_broken",
    "pagerank",
    "peer_links",
    "reciprocity",
    "site_metrics",
]

# Every column of site_metrics, in order (the JSON and CSV reports keep it).
METRIC_COLUMNS = (
    "in_sites", "out_sites", "in_weight", "out_weight", "in_links", "out_links", "pagerank",
    "in_peer_sites", "in_other_sites", "out_peer_sites", "out_other_sites",
    "in_peer_weight", "in_other_weight", "out_peer_weight", "out_other_weight",
    "in_targets", "in_deep", "in_deep_share", "in_content_pages", "in_template_share",
    "reciprocity", "hub_hops", "out_targets", "out_broken", "out_broken_share",
)  # fmt: skip
# Metrics that are ratios or ranks (float, NaN when undefined); the others are counts.
FLOAT_METRICS = frozenset(
    {"pagerank", "in_deep_share", "in_template_share", "reciprocity", "hub_hops", "out_broken_share"}
)

_PEER_COLUMNS = (
    "in_peer_sites", "in_other_sites", "out_peer_sites", "out_other_sites",
    "in_peer_weight", "in_other_weight", "out_peer_weight", "out_other_weight",
)  # fmt: skip


def _edges(G: nx.DiGraph, attrs: Iterable[str]) -> pd.DataFrame:
    """The edges as a DataFrame (source, target, attrs...), missing counts as 0."""
    attrs = list(attrs)
    rows = [(u, v, *(d.get(a, 1 if a == "weight" else 0) for a in attrs)) for u, v, d in G.edges(data=True)]
    return pd.DataFrame(rows, columns=["source", "target", *attrs])


def _sums(G: nx.DiGraph, attrs: Iterable[str], *, inbound: bool) -> pd.DataFrame:
    """Per-node sums of edge attributes over in-edges (or out-edges), 0 for none."""
    attrs = list(attrs)
    edges = _edges(G, attrs)
    key = "target" if inbound else "source"
    sums = edges.groupby(key)[attrs].sum() if len(edges) else pd.DataFrame(columns=attrs)
    return sums.reindex(pd.Index(list(G), name="site"), fill_value=0).astype("int64")


def _frame(rows: dict[str, dict[str, float]], columns: Iterable[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(columns))
    frame.index.name = "site"
    return frame


def degree_table(G: nx.DiGraph, *, weight: str = "weight") -> pd.DataFrame:
    """Sites linking in and linked to, and their weighted and link-count degrees.

    ``in_weight``/``out_weight`` sum ``weight`` (pages) over the edges, and
    ``in_links``/``out_links`` sum ``links`` (link occurrences).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", weight=3, links=5); G.add_edge("c", "b", weight=1, links=1)
    >>> degree_table(G).loc["b"].tolist()
    [2, 0, 4, 0, 6, 0]
    """
    index = pd.Index(list(G), name="site")
    ins = _sums(G, [weight, "links"], inbound=True)
    outs = _sums(G, [weight, "links"], inbound=False)
    return pd.DataFrame(
        {
            "in_sites": pd.Series(dict(G.in_degree()), dtype="int64").reindex(index),
            "out_sites": pd.Series(dict(G.out_degree()), dtype="int64").reindex(index),
            "in_weight": ins[weight],
            "out_weight": outs[weight],
            "in_links": ins["links"],
            "out_links": outs["links"],
        },
        index=index,
    )


def pagerank(G: nx.DiGraph, *, weight: str | None = "weight", alpha: float = 0.85) -> dict[str, float]:
    """PageRank of each site, the edges weighted by linking pages.

    The tolerance is tight (1e-10) so that ranks are stable to six digits;
    networkx's default stops early on large graphs.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "a")])
    >>> {n: round(r, 3) for n, r in pagerank(G).items()}
    {'a': 0.5, 'b': 0.5}
    """
    if len(G) == 0:
        return {}
    return dict(nx.pagerank(G, alpha=alpha, weight=weight, tol=1e-10, max_iter=1000))


def peer_links(G: nx.DiGraph, peers: Mapping[str, Iterable[str]], *, weight: str = "weight") -> pd.DataFrame:
    """Links in and out with *peers* (sites sharing a theme or life event) vs others.

    Columns: ``in_peer_sites``, ``in_other_sites``, ``out_peer_sites``,
    ``out_other_sites`` (numbers of sites) and the same four summed over
    ``weight`` (``in_peer_weight``…).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", weight=2); G.add_edge("c", "b", weight=5)
    >>> peer_links(G, {"b": {"a"}, "a": {"b"}}).loc["b", ["in_peer_sites", "in_other_weight"]].tolist()
    [1, 5]
    """
    rows: dict[str, dict[str, float]] = {}
    for n in G:
        mine = set(peers.get(n, ()))
        row: dict[str, float] = dict.fromkeys(_PEER_COLUMNS, 0)
        for direction, edges in (("in", G.in_edges(n, data=True)), ("out", G.out_edges(n, data=True))):
            for u, v, d in edges:
                other = u if direction == "in" else v
                kind = "peer" if other in mine else "other"
                row[f"{direction}_{kind}_sites"] += 1
                row[f"{direction}_{kind}_weight"] += int(d.get(weight, 1))
        rows[n] = row
    return _frame(rows, _PEER_COLUMNS)


def inbound_quality(G: nx.DiGraph) -> pd.DataFrame:
    """How other sites link to a site: deep or homepage, content or template.

    ``in_targets`` counts distinct (linking site, target URL) pairs and
    ``in_deep`` those whose URL is not the homepage; ``in_deep_share`` is their
    ratio. ``in_content_pages`` counts linking pages with a link in their content,
    and ``in_template_share`` is the share of linking pages whose links sit only
    in templates (header, navigation, footer). Both shares are NaN without
    inbound links.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", weight=4, targets=2, deep=1, template_pages=4, content_pages=1)
    >>> inbound_quality(G).loc["b"].tolist()
    [2.0, 1.0, 0.5, 1.0, 0.75]
    """
    sums = _sums(G, ["targets", "deep", "weight", "content_pages"], inbound=True)
    targets, pages = sums["targets"], sums["weight"]
    return pd.DataFrame(
        {
            "in_targets": targets,
            "in_deep": sums["deep"],
            "in_deep_share": (sums["deep"] / targets.where(targets > 0)).astype(float),
            "in_content_pages": sums["content_pages"],
            "in_template_share": ((pages - sums["content_pages"]) / pages.where(pages > 0)).astype(float),
        }
    )


def outbound_broken(G: nx.DiGraph) -> pd.DataFrame:
    """Distinct URLs a site links to inside other seed sites, and how many are broken.

    A URL belongs to one site, so the per-edge distinct counts add up.
    ``out_broken_share`` is NaN for a site that links to no seed site.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", targets=8, broken=1); G.add_edge("a", "c", targets=2, broken=1)
    >>> outbound_broken(G).loc["a"].tolist()
    [10.0, 2.0, 0.2]
    """
    sums = _sums(G, ["targets", "broken"], inbound=False)
    targets = sums["targets"]
    return pd.DataFrame(
        {
            "out_targets": targets,
            "out_broken": sums["broken"],
            "out_broken_share": (sums["broken"] / targets.where(targets > 0)).astype(float),
        }
    )


def reciprocity(G: nx.DiGraph) -> dict[str, float]:
    """Share of a site's links (in and out, counted as sites) that go both ways.

    The definition of :func:`networkx.reciprocity` for a node: twice the number
    of sites it links to that link back, over its in-degree plus out-degree.
    NaN for a site with no link at all.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "a"), ("a", "c")])
    >>> reciprocity(G)["a"], reciprocity(G)["c"]
    (0.6666666666666666, 0.0)
    """
    out = {}
    for n in G:
        succ, pred = set(G.successors(n)), set(G.predecessors(n))
        total = len(succ) + len(pred)
        out[n] = 2 * len(succ & pred) / total if total else math.nan
    return out


def hub_hops(G: nx.DiGraph, hubs: Iterable[str]) -> dict[str, float]:
    """Fewest links a user follows from a hub site to reach each site.

    Directed: a journey starts on a hub (``service-public.fr`` by default) and
    follows links as they are written. A hub is at 0 hops; a site no hub leads
    to, and every site when no hub is in the graph, is NaN.

    Examples
    --------
    >>> G = nx.DiGraph([("hub", "a"), ("a", "b"), ("c", "hub")])
    >>> hub_hops(G, ["hub"])
    {'hub': 0, 'a': 1, 'b': 2, 'c': nan}
    """
    dist: dict[str, int] = {}
    queue: deque[str] = deque()
    for hub in hubs:
        if hub in G and hub not in dist:
            dist[hub] = 0
            queue.append(hub)
    while queue:
        node = queue.popleft()
        for nxt in G.successors(node):
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return {n: dist.get(n, math.nan) for n in G}


def site_metrics(
    G: nx.DiGraph,
    *,
    peers: Mapping[str, Iterable[str]] | None = None,
    hubs: Iterable[str] = (),
    weight: str = "weight",
) -> pd.DataFrame:
    """Every per-site metric, one row per site, columns ``METRIC_COLUMNS``.

    ``peers`` maps a site to the sites sharing one of its themes or life
    events (default: computed from the node attributes by
    :func:`graphs.groups.peers`).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("a", themes=("T",)); G.add_node("b", themes=("T",)); G.add_node("c")
    >>> G.add_edge("a", "b", weight=2, targets=1, deep=1, content_pages=2)
    >>> m = site_metrics(G, hubs=["a"])
    >>> m.loc["b", ["in_sites", "in_peer_sites", "in_deep_share", "hub_hops"]].tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> bool(m.loc["c", "hub_hops"] != m.loc["c", "hub_hops"])  # NaN: unreachable
    True
    """
    if peers is None:
        peers = group_peers(G)
    index = pd.Index(list(G), name="site")
    parts = [
        degree_table(G, weight=weight),
        pd.Series(pagerank(G, weight=weight), name="pagerank", dtype=float),
        peer_links(G, peers, weight=weight),
        inbound_quality(G),
        pd.Series(reciprocity(G), name="reciprocity", dtype=float),
        pd.Series(hub_hops(G, hubs), name="hub_hops", dtype=float),
        outbound_broken(G),
    ]
    frame = pd.concat([p.reindex(index) for p in parts], axis=1) if len(index) else None
    if frame is None:
        return pd.DataFrame(columns=list(METRIC_COLUMNS), index=index)
    return frame[list(METRIC_COLUMNS)]
