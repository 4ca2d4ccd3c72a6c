"""The site graph: one node per seed site, one edge per pair of linked sites.

The graph is built from aggregates the store computes in SQL (one row per site,
one row per linked pair of sites), never from the page-level link table: a
650-site crawl holds millions of links, and their per-pair counts are all the
analysis needs. :func:`site_graph` is pure and takes DataFrames, so tests build
graphs by hand; :func:`load_site_graph` is the one function that reads a store.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from crawler.seeds import split_values
from crawler.urls import unicode_host

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = ["EDGE_ATTRS", "NODE_ATTRS", "load_site_graph", "site_graph"]

# Node attributes taken from the site table, in this order.
NODE_ATTRS = (
    "host_unicode", "name", "organisation", "url", "themes", "life_events", "status", "pages",
    "html_pages", "errors", "robots_blocked", "homepage_status", "title",
)  # fmt: skip
# Edge attributes, all integer counts (see crawler.store.Reads.site_edges).
EDGE_ATTRS = ("weight", "links", "targets", "deep", "template_pages", "content_pages", "broken")

_INT_NODE = ("pages", "html_pages", "errors", "robots_blocked")


def _groups(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return split_values(value)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value if str(v).strip())
    return ()


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _optional_int(value: Any) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def site_graph(sites: pd.DataFrame, edges: pd.DataFrame) -> nx.DiGraph:
    """Build the directed site graph from a site table and an edge table.

    Parameters
    ----------
    sites : DataFrame
        One row per seed site with at least a ``site`` column; the other columns
        of :meth:`Reads.site_table` are optional (``themes`` and ``life_events``
        may be ``|``-joined strings or sequences). Missing ``status`` means ``ok``.
    edges : DataFrame
        One row per linked pair: ``source``, ``target`` and the counts of
        ``EDGE_ATTRS`` (missing counts are 0; ``weight`` defaults to 1). Self
        loops and pairs naming a site absent from ``sites`` are dropped.

    Returns
    -------
    networkx.DiGraph
        Node id = site id; node attributes ``NODE_ATTRS`` (``host_unicode``: the
        site's host as people write it, IDN labels in Unicode); edge attributes
        ``EDGE_ATTRS`` as ints.

    Examples
    --------
    >>> sites = pd.DataFrame({"site": ["a.fr", "b.fr"], "themes": ["T1|T2", ""]})
    >>> edges = pd.DataFrame({"source": ["a.fr"], "target": ["b.fr"], "weight": [3], "deep": [2]})
    >>> G = site_graph(sites, edges)
    >>> G.nodes["a.fr"]["themes"], G.nodes["b.fr"]["status"]
    (('T1', 'T2'), 'ok')
    >>> G.edges["a.fr", "b.fr"]["weight"], G.edges["a.fr", "b.fr"]["broken"]
    (3, 0)
    """
    G = nx.DiGraph()
    columns = set(sites.columns)
    for row in sites.to_dict("records"):
        site = str(row["site"])
        attrs: dict[str, Any] = {
            "host_unicode": unicode_host(site),
            "name": _text(row.get("name")),
            "organisation": _text(row.get("organisation")),
            "url": _text(row.get("url")),
            "themes": _groups(row.get("themes")),
            "life_events": _groups(row.get("life_events")),
            "status": _text(row.get("status")) or "ok",
            "homepage_status": _optional_int(row.get("homepage_status")),
            "title": _text(row.get("title")),
        }
        for key in _INT_NODE:
            attrs[key] = (_optional_int(row[key]) or 0) if key in columns else 0
        G.add_node(site, **attrs)
    if len(edges):
        present = [c for c in EDGE_ATTRS if c in edges.columns]
        records = edges[["source", "target", *present]].to_dict("records")
        for row in records:
            u, v = str(row["source"]), str(row["target"])
            if u == v or u not in G or v not in G:
                continue
            attrs = {c: _optional_int(row.get(c)) or 0 for c in EDGE_ATTRS}
            if _optional_int(row.get("weight")) is None:
                attrs["weight"] = 1
            G.add_edge(u, v, **attrs)
    return G


def load_site_graph(store: Store, crawl_id: int) -> nx.DiGraph:
    """The site graph of one crawl, from the store's SQL aggregates."""
    sites = store.reads.site_table(crawl_id)
    titles = store.reads.site_titles(crawl_id)
    if len(titles):
        sites = sites.merge(titles, on="site", how="left")
    return site_graph(sites, store.reads.site_edges(crawl_id))
