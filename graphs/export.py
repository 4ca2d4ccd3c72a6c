"""Graph exports of an analysis for Gephi and other graph tools.

Analysts open the site graph in Gephi; other tools read GraphML. This module
shapes the graph to export: colours and sizes (:func:`style_graph`), one group
(:func:`group_subgraph`), the site–group bipartite graph
(:func:`bipartite_graph`), every crawl as time slices (:func:`history_graph`).
The writers sanitise first (:func:`graphs.gexf.sanitize_graph`): crawled names
carry markup and control characters, metrics may be NaN, and group memberships
are tuples, none of which GEXF or GraphML readers accept as they are. Tables
(CSV, Parquet) are in :mod:`graphs.tables`; :func:`export_crawl` is what
``govlinks export`` calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from crawler.errors import GovlinksError
from graphs.choices import EXPORT_FORMATS as FORMATS
from graphs.choices import EXPORT_LEVELS, GROUPINGS
from graphs.gexf import sanitize_graph, sanitize_value, write_gexf
from seeds.vocabulary import theme_order

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = [
    "FORMATS",
    "NO_THEME_COLOR",
    "PALETTE",
    "bipartite_graph",
    "crawl_slices",
    "export_crawl",
    "group_subgraph",
    "history_graph",
    "resolve_group",
    "style_graph",
    "write_gexf",
    "write_graphml",
    "write_history_gexf",
]

# A stable qualitative palette (Tableau 10, then two more): a theme keeps its colour
# as long as the theme list keeps its order.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c564b",
)  # fmt: skip
NO_THEME_COLOR = "#bab0ac"

GROUP_ATTRS = GROUPINGS  # --by value -> node attribute


def _groups(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split("|") if v.strip())
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return ()


def _hex(color: str) -> dict[str, int]:
    return {c: int(color[i : i + 2], 16) for c, i in zip("rgb", (1, 3, 5), strict=True)}


# -- graphs ---------------------------------------------------------------------------


def style_graph(G: nx.Graph, *, theme_order: Sequence[str] = ()) -> nx.Graph:
    """A copy of ``G`` with ``main_theme`` and Gephi colours and sizes.

    Colour: the main (first) theme of a site, from :data:`PALETTE` in the order
    of ``theme_order`` (the theme list; default: theme ids sorted), grey without
    theme. Size: 10 + 6 * sqrt(sites linking in), so that a site with four times
    the inbound sites looks twice as big.

    >>> G = nx.DiGraph([("a", "b"), ("c", "b")])
    >>> G.nodes["b"]["themes"] = ("T2", "T1")
    >>> H = style_graph(G, theme_order=["T1", "T2"])
    >>> H.nodes["b"]["main_theme"], H.nodes["b"]["viz"]
    ('T2', {'color': {'r': 242, 'g': 142, 'b': 43}, 'size': 18.49})
    """
    H = G.copy()
    themes = {n: _groups(d.get("themes")) for n, d in H.nodes(data=True)}
    order = list(theme_order) or sorted({t for ts in themes.values() for t in ts})
    extra = sorted({t for ts in themes.values() for t in ts} - set(order))
    position = {t: i for i, t in enumerate([*order, *extra])}
    degree = H.in_degree() if H.is_directed() else H.degree()
    for n, data in H.nodes(data=True):
        main = themes[n][0] if themes[n] else ""
        color = PALETTE[position[main] % len(PALETTE)] if main else NO_THEME_COLOR
        data.setdefault("main_theme", main)
        data["viz"] = {"color": _hex(color), "size": round(10 + 6 * math.sqrt(degree[n]), 2)}
    return H


def _key(text: str) -> str:
    """A label as typed: case, accents and spacing ignored (``Je déménage`` = ``je demenage``)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.casefold().split())


def resolve_group(
    G: nx.DiGraph, group: str, by: str, labels: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """(grouping, group id) of ``group``, an id or a label of ``by``, else of the other grouping.

    An analyst types the label they read (``--only "Je déménage"``) as well as the id
    (``--only F14128``); a group found only under the other grouping is taken from there.

    >>> G = nx.DiGraph()
    >>> G.add_node("a", themes=("N1",), life_events=("F1",))
    >>> resolve_group(G, "je demenage", "theme", {"F1": "Je déménage"})
    ('life-event', 'F1')
    """
    if by not in GROUP_ATTRS:
        raise GovlinksError(f"unknown grouping {by!r} (use theme or life-event)")
    labels = labels or {}
    for grouping in (by, *(g for g in GROUP_ATTRS if g != by)):
        known = {g for _, d in G.nodes(data=True) for g in _groups(d.get(GROUP_ATTRS[grouping]))}
        if group in known:
            return grouping, group
        by_label = {_key(labels.get(g) or g): g for g in known}
        if _key(group) in by_label:
            return grouping, by_label[_key(group)]
    ids = sorted({g for _, d in G.nodes(data=True) for g in _groups(d.get(GROUP_ATTRS[by]))})
    listed = ", ".join(ids[:20])
    more = " …" if len(ids) > 20 else ""
    raise GovlinksError(f"no site has the {by} {group!r} (known: {listed or 'none'}{more})")


def group_subgraph(
    G: nx.DiGraph, group: str, by: str = "theme", labels: Mapping[str, str] | None = None
) -> nx.DiGraph:
    """The sites of one theme (or life event), named by id or label, and the links between them.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> for n, t in (("a", ("T",)), ("b", ("T", "U")), ("c", ("U",))):
    ...     G.nodes[n]["themes"] = t
    >>> sorted(group_subgraph(G, "T").edges()), sorted(group_subgraph(G, "travail", labels={"T": "Travail"}))
    ([('a', 'b')], ['a', 'b'])
    """
    by, group = resolve_group(G, group, by, labels)
    attr = GROUP_ATTRS[by]
    members = [n for n, d in G.nodes(data=True) if group in _groups(d.get(attr))]
    return G.subgraph(members).copy()


def bipartite_graph(G: nx.DiGraph, by: str = "theme", labels: Mapping[str, str] | None = None) -> nx.Graph:
    """The bipartite site–group graph: sites, groups, and an edge per membership.

    Site nodes keep their attributes; group nodes are ``"<by>:<id>"`` with
    ``kind`` (theme or life-event), ``group`` (the id), ``label`` (from
    ``labels``, else the id) and ``sites`` (members). Every node has ``kind``.

    >>> G = nx.DiGraph()
    >>> G.add_node("a", themes=("T",)); G.add_node("b", themes=("T", "U"))
    >>> B = bipartite_graph(G, labels={"T": "Travail"})
    >>> sorted(B.edges()), B.nodes["theme:T"]["label"], B.nodes["theme:T"]["sites"]
    ([('a', 'theme:T'), ('b', 'theme:T'), ('b', 'theme:U')], 'Travail', 2)
    """
    attr = GROUP_ATTRS.get(by)
    if attr is None:
        raise GovlinksError(f"unknown grouping {by!r} (use theme or life-event)")
    labels = labels or {}
    B = nx.Graph()
    for n, data in G.nodes(data=True):
        B.add_node(n, **{**data, "kind": "site"})
    for n, data in G.nodes(data=True):
        for g in _groups(data.get(attr)):
            node = f"{by}:{g}"
            if node not in B:
                B.add_node(node, kind=by, group=g, label=labels.get(g) or g, sites=0)
            B.nodes[node]["sites"] += 1
            B.add_edge(n, node, weight=1)
    return B


def crawl_slices(crawls: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The time slice of each crawl: from when it shows the web to just before the next one.

    ``crawls``: ``CrawlInfo.as_dict()`` (with its ``as_of``), in time order
    (:func:`graphs.history.finished_crawls`). A slice starts at the crawl's ``as_of``,
    so a crawl of the 2015 archive run in 2026 is a 2015 slice. GEXF 1.3 intervals
    are closed, so a slice ends one second before the next crawl's starts; the last
    slice lasts as long as its crawl ran (a live crawl's ends when it finished).

    >>> crawl_slices([{"as_of": "2015-06-01T00:00:00", "started_at": "2026-03-01T00:00:00",
    ...                "finished_at": "2026-03-01T01:00:00"},
    ...               {"as_of": "2026-02-01T00:00:00", "started_at": "2026-02-01T00:00:00",
    ...                "finished_at": "2026-02-01T03:00:00"}])
    [('2015-06-01T00:00:00', '2026-01-31T23:59:59'), ('2026-02-01T00:00:00', '2026-02-01T03:00:00')]
    """
    starts = [datetime.fromisoformat(c["as_of"]) for c in crawls]
    slices = []
    for i, crawl in enumerate(crawls):
        if i + 1 < len(crawls):
            end = max(starts[i], starts[i + 1] - timedelta(seconds=1))
        else:
            began = datetime.fromisoformat(crawl["started_at"])
            took = datetime.fromisoformat(crawl.get("finished_at") or crawl["started_at"]) - began
            end = max(starts[i], starts[i] + took)
        slices.append((starts[i].isoformat(), end.isoformat()))
    return slices


_ABSENT = object()  # the node or edge is not in that crawl


def _runs(values: Sequence[Any], slices: Sequence[tuple[str, str]]) -> list[tuple[Any, str, str]]:
    """(value, start, end) for each run of equal values over consecutive slices."""
    out: list[tuple[Any, str, str]] = []
    i = 0
    while i < len(values):
        if values[i] is _ABSENT:
            i += 1
            continue
        j = i
        while j + 1 < len(values) and values[j + 1] is not _ABSENT and values[j + 1] == values[i]:
            j += 1
        out.append((values[i], slices[i][0], slices[j][1]))
        i = j + 1
    return out


def history_graph(graphs: Sequence[nx.Graph], slices: Sequence[tuple[str, str]]) -> nx.DiGraph:
    """One dynamic graph from one graph per crawl, each crawl a time slice.

    A node or edge exists (``spells``) in the slices of the crawls that have it,
    and every attribute becomes a list of ``(value, start, end)``, so Gephi's
    timeline shows links appearing and disappearing and weights changing. The
    label and ``viz`` are those of the latest crawl (GEXF 1.3 has no dynamic viz).

    >>> g1, g2 = nx.DiGraph([("a", "b")]), nx.DiGraph([("a", "c")])
    >>> H = history_graph([g1, g2], [("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-02-02")])
    >>> H.edges["a", "b"]["spells"], H.nodes["a"]["spells"]
    ([('2026-01-01', '2026-01-31')], [('2026-01-01', '2026-02-02')])
    """
    if len(graphs) != len(slices):
        raise ValueError("one slice per graph")
    H = nx.DiGraph(mode="dynamic", timeformat="date", timezone="UTC")

    def merge(items: Sequence[Mapping[str, Any] | None], target: dict[str, Any]) -> None:
        present = [True if d is not None else _ABSENT for d in items]
        target["spells"] = [(s, e) for _, s, e in _runs(present, slices)]
        latest = next(d for d in reversed(items) if d is not None)
        for special in ("label", "viz"):
            if special in latest:
                target[special] = latest[special]
        names = dict.fromkeys(k for d in items if d is not None for k in d if k not in ("label", "viz"))
        for name in names:
            # Sanitised, so that equal values compare equal (tuples, NaN) and merge.
            values = [_ABSENT if d is None else sanitize_value(d.get(name)) for d in items]
            runs = [(v, s, e) for v, s, e in _runs(values, slices) if v is not None]
            if runs:
                target[name] = runs

    nodes = dict.fromkeys(n for G in graphs for n in G)
    for n in nodes:
        data: dict[str, Any] = {}
        merge([G.nodes[n] if n in G else None for G in graphs], data)
        H.add_node(n, **data)
    edges = dict.fromkeys((u, v) for G in graphs for u, v in G.edges())
    for u, v in edges:
        data = {}
        merge([G.edges[u, v] if G.has_edge(u, v) else None for G in graphs], data)
        H.add_edge(u, v, **data)
    return H


def write_history_gexf(
    store: Store,
    path: str | Path,
    *,
    graph_of: Callable[[int], nx.Graph],
    theme_order: Sequence[str] = (),
) -> int:
    """Write every finished crawl of ``store`` as one dynamic GEXF; return the count.

    ``graph_of(crawl_id)`` gives the site graph of a crawl (with its metrics).
    Interrupted and running crawls are left out: their missing links would show
    as links disappearing.
    """
    from graphs.history import finished_crawls

    crawls = finished_crawls(store.crawls())  # in time: a crawl of an archive at its date
    if not crawls:
        raise GovlinksError(f"{store.path}: no finished crawl to export")
    graphs = [style_graph(graph_of(c.id), theme_order=theme_order) for c in crawls]
    slices = crawl_slices([c.as_dict() for c in crawls])
    H = history_graph(graphs, slices)
    ids = ", ".join(str(c.id) for c in crawls)
    write_gexf(H, path, description=f"govlinks site graph, crawls {ids}, one time slice per crawl")
    return len(crawls)


def write_graphml(G: nx.Graph, path: str | Path) -> None:
    """Write ``G`` as GraphML (igraph, Cytoscape, yEd) after sanitising it.

    GraphML has no viz elements: colour and size become the plain node
    attributes ``color`` (``#rrggbb``) and ``size``, which Cytoscape and yEd
    map onto the style.
    """
    H = sanitize_graph(G)
    for _, data in H.nodes(data=True):
        viz = data.pop("viz", None)
        if isinstance(viz, Mapping):
            color = viz.get("color") or {}
            if color:
                data["color"] = "#{:02x}{:02x}{:02x}".format(*(int(color[c]) for c in "rgb"))
            if viz.get("size") is not None:
                data["size"] = float(viz["size"])
    nx.write_graphml(H, str(path), encoding="utf-8")


# -- govlinks export -------------------------------------------------------------------


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise GovlinksError(f"{path}: is a folder (give a file name)")
    if not path.parent.is_dir():
        raise GovlinksError(f"{path}: folder {path.parent} does not exist")


def export_crawl(
    store: Store,
    output: str | Path,
    *,
    fmt: str,
    crawl_id: int | None = None,
    level: str = "site",
    by: str = "theme",
    only: str | None = None,
    bipartite: bool = False,
    history: bool = False,
    hub: str | Sequence[str] | None = None,
    excel: bool = False,
) -> str:
    """Export one crawl (or, with ``history``, all) of ``store``; return a summary line.

    ``fmt``: gexf, graphml, csv or parquet (csv and parquet write a folder).
    ``level="page"`` exports the page-level link table (csv, parquet only);
    ``only`` keeps the sites of one group of ``by``; ``bipartite`` exports the
    site–group graph; ``history`` one dynamic GEXF over every finished crawl;
    ``hub``: the site(s) from which ``hub_hops`` is counted; ``excel``: CSV for a
    spreadsheet (:func:`graphs.tables.write_tables`).
    """
    from graphs.analysis import DEFAULT_HUB, analyse_crawl

    if fmt not in FORMATS:
        raise GovlinksError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    if level not in EXPORT_LEVELS:
        raise GovlinksError(f"unknown level {level!r} (use one of {', '.join(EXPORT_LEVELS)})")
    tables = fmt in ("csv", "parquet")
    if level == "page" and not tables:
        raise GovlinksError("--level page exports the link table: use --format csv or parquet")
    if level == "page" and (only or bipartite):
        raise GovlinksError("--level page exports every link: --only and --bipartite apply to --level site")
    if history and (fmt != "gexf" or level == "page" or only or bipartite):
        raise GovlinksError("--history writes one dynamic GEXF: use it with --format gexf alone")
    if bipartite and tables:
        raise GovlinksError("--bipartite is a graph: use --format gexf or graphml")
    out = Path(output)
    if not tables:
        _check_file(out)
    hub = hub or DEFAULT_HUB

    if history:
        info = store.crawl(None)
        order = theme_order(info.seeds_path)
        count = write_history_gexf(
            store,
            out,
            graph_of=lambda cid: analyse_crawl(store, cid, by=by, hub=hub, link_pages=False).graph,
            theme_order=order,
        )
        return f"Wrote {out}: {count} crawl(s) as time slices"
    if level == "page":
        from graphs.tables import write_page_links

        info = store.crawl(crawl_id)
        rows = write_page_links(store, info.id, out, fmt, excel=excel)
        return f"Wrote {out}/page_links.{fmt}: {rows} links (crawl {info.id})"

    analysis = analyse_crawl(store, crawl_id, by=by, hub=hub, link_pages=tables)  # tables: recommendations
    crawl = analysis.crawl
    assert crawl is not None  # analyse_crawl always analyses a stored crawl
    cid = crawl.id
    G: nx.Graph = analysis.graph
    if only:
        G = group_subgraph(G, only, by, analysis.labels)
    if tables:
        from graphs.tables import write_tables

        counts = write_tables(analysis, out, fmt, graph=G if only else None, excel=excel)
        figures = ", ".join(f"{n} {name}" for name, n in counts.items())
        return f"Wrote {out}/ ({fmt}, datapackage.json): {figures} (crawl {cid})"
    if bipartite:
        G = bipartite_graph(G, by, analysis.labels)
    G = style_graph(G, theme_order=theme_order(crawl.seeds_path))
    if fmt == "gexf":
        what = f"group {only}" if only else "site graph"
        write_gexf(G, out, description=f"govlinks {what}, crawl {cid} started {crawl.started_at}")
    else:
        write_graphml(G, out)
    return f"Wrote {out}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges (crawl {cid})"
