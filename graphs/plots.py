"""Matplotlib figures of the site graph: for the HTML report and for notebooks.

Every function takes ``ax=None`` (a new figure when None), returns the Figure
and never shows it. Figures are built with :class:`matplotlib.figure.Figure`
rather than pyplot, so that no GUI backend is chosen and no global figure
list grows: the report renders them to PNG bytes with :func:`to_png`.
Text drawn from data goes through :func:`_safe`, since a ``$`` in a label would
otherwise start matplotlib's math mode.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from graphs.status import is_assessed

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_degree_distribution",
    "plot_group_degrees",
    "plot_group_integration",
    "plot_group_matrix",
    "plot_network",
    "to_png",
]

_GREY = "#b0b0b0"
_BLUE = "#1f77b4"


def _safe(text: Any, limit: int = 32) -> str:
    """Plain text for matplotlib: bounded, control characters and math mode off."""
    s = "".join(c for c in str(text) if c.isprintable())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def to_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """PNG bytes of a figure (Agg renderer, no GUI)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _group_labels(groups: list[str], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [_safe(labels.get(g) or g) for g in groups]


def plot_group_matrix(
    matrix: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "Links between groups",
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of a group × group matrix (rows link to columns), counts in the cells.

    The colour scale is logarithmic (linear from 0 to 1), so that the few large
    cells do not hide the many small ones, and its legend reads in counts of
    linked pairs of sites, not in a transformed unit.
    """
    import numpy as np
    from matplotlib.colors import SymLogNorm

    n = len(matrix)
    fig, ax = _axes(ax, (max(5.0, 0.45 * n + 3.5), max(4.0, 0.4 * n + 2.5)))
    values = matrix.to_numpy(dtype=float) if n else np.zeros((0, 0))
    top = max(1.0, float(values.max()) if n else 1.0)
    norm = SymLogNorm(linthresh=1.0, vmin=0.0, vmax=top, base=10)
    im = ax.imshow(values if n else np.zeros((1, 1)), cmap="Blues", aspect="auto", norm=norm)
    ax.set_xticks(range(n), _group_labels(list(matrix.columns), labels), rotation=60, ha="right")
    ax.set_yticks(range(n), _group_labels(list(matrix.index), labels))
    ax.set_xlabel("linked group")
    ax.set_ylabel("linking group")
    ax.set_title(_safe(title, 80))
    if 0 < n <= 25:
        for i in range(n):
            for j in range(n):
                v = int(values[i, j])
                colour = "white" if norm(v) > 0.6 else "black"  # as the colour map scales
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color=colour)
    ticks = [0.0, *(10.0**k for k in range(int(math.log10(top)) + 1))]
    fig.colorbar(im, ax=ax, label="linked pairs of sites", ticks=ticks, format="%g")
    return fig


def plot_group_integration(
    groups: pd.DataFrame, *, title: str = "Integration per group", ax: Axes | None = None
) -> Figure:
    """Per group: mean integration score, link density inside, and share of
    sites linked to another member (1 − isolated share), each in [0, 1]."""
    import numpy as np

    n = len(groups)
    fig, ax = _axes(ax, (8.0, max(3.0, 0.42 * n + 1.5)))
    y = np.arange(n)
    series = [
        ("mean score / 100", groups.get("mean_score", pd.Series(np.nan, index=groups.index)) / 100, _BLUE),
        ("density inside", groups["density"], "#ff7f0e"),
        ("share linked inside", 1 - groups["isolated_share"], "#2ca02c"),
    ]
    h = 0.26
    for k, (name, values, colour) in enumerate(series):
        ax.barh(y + (k - 1) * h, values.fillna(0).to_numpy(dtype=float), height=h, label=name, color=colour)
    ax.set_yticks(y, [_safe(v) for v in groups["label"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(_safe(title, 80))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, fontsize=8, frameon=False)
    return fig


def plot_degree_distribution(sites: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Histograms of the number of sites linking in and linked to (pass the assessed sites)."""
    import numpy as np

    fig, ax = _axes(ax, (7.0, 3.6))
    top = int(max(sites["in_sites"].max(), sites["out_sites"].max(), 1)) if len(sites) else 1
    bins = np.linspace(0, top + 1, min(40, top + 2)).tolist()
    ax.hist(sites["in_sites"], bins=bins, histtype="step", linewidth=2, label="sites linking in")
    ax.hist(sites["out_sites"], bins=bins, histtype="step", linewidth=2, label="sites linked to")
    ax.set_xlabel("number of other seed sites")
    ax.set_ylabel("sites")
    ax.set_title("Degree distributions")
    ax.legend(fontsize=8)
    return fig


def plot_group_degrees(
    sites: pd.DataFrame,
    members: Mapping[str, list[str]],
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "Sites linking in, per group",
    ax: Axes | None = None,
) -> Figure:
    """Box plot per group of the number of sites linking to each member."""
    groups = list(members)
    fig, ax = _axes(ax, (8.0, max(3.0, 0.35 * len(groups) + 1.5)))
    data = [sites["in_sites"].reindex(members[g]).dropna().to_numpy(dtype=float) for g in groups]
    if groups:
        ax.boxplot(data, orientation="horizontal", tick_labels=_group_labels(groups, labels))
        ax.invert_yaxis()
    ax.set_xlabel("sites linking in")
    ax.set_title(_safe(title, 80))
    return fig


def _layout(G: nx.DiGraph, edges: list[tuple[str, str]], *, seed: int) -> dict[str, Any]:
    """Spring layout of the linked sites, unlinked sites on a ring around them
    (left to the spring layout, they would drift far out and shrink the rest)."""
    import numpy as np

    H = nx.Graph()
    H.add_edges_from(edges)
    pos: dict[str, Any] = {}
    if len(H):
        pos = nx.spring_layout(H, seed=seed, k=1.5 / math.sqrt(len(H)), iterations=60)
    lonely = [n for n in G if n not in pos]
    if lonely:
        radius = 1.15 * max((float(np.hypot(*p)) for p in pos.values()), default=0.5)
        for i, n in enumerate(lonely):
            angle = 2 * math.pi * i / len(lonely)
            pos[n] = np.array([radius * math.cos(angle), radius * math.sin(angle)])
    return pos


def plot_network(
    G: nx.DiGraph,
    *,
    by: str = "theme",
    labels: Mapping[str, str] | None = None,
    max_edges: int = 3000,
    seed: int = 1,
    ax: Axes | None = None,
) -> Figure:
    """The site network: nodes coloured by their first group, sized by sites linking in.

    The layout (spring, seeded, so the picture is stable) and the drawing use
    at most ``max_edges`` edges, the heaviest, so that a 650-site graph with
    tens of thousands of edges stays legible and fast. Sites not assessed are
    drawn hollow; sites without a drawn link sit on a ring around the others.
    """
    import numpy as np
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    from graphs.groups import GROUPINGS

    attr = GROUPINGS.get(by, "themes")
    fig, ax = _axes(ax, (10.0, 8.0))
    ax.set_axis_off()
    ax.set_title(f"Site network ({G.number_of_nodes()} sites, {G.number_of_edges()} linked pairs)")
    if len(G) == 0:
        return fig
    edges = sorted(G.edges(data=True), key=lambda e: -int(e[2].get("weight", 1)))[:max_edges]
    pos = _layout(G, [(u, v) for u, v, _ in edges], seed=seed)
    if edges:
        segments = [(pos[u], pos[v]) for u, v, _ in edges]
        ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.4, alpha=0.35))
    first = {n: (d.get(attr) or ("",))[0] for n, d in G.nodes(data=True)}
    counts = pd.Series(first).value_counts()
    palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
        "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79",
    ]  # fmt: skip
    named = [g for g in counts.index if g][: len(palette)]
    colour_of = {g: palette[i] for i, g in enumerate(named)}
    nodes = list(G)
    xy = np.array([pos[n] for n in nodes])
    indeg = np.array([G.in_degree(n) for n in nodes], dtype=float)
    size = 12 + 140 * np.sqrt(indeg / max(indeg.max(), 1))
    colours = [colour_of.get(first[n], _GREY) for n in nodes]
    crawled = np.array([is_assessed(G.nodes[n].get("status", "ok")) for n in nodes])
    filled = [c for c, k in zip(colours, crawled, strict=True) if k]
    hollow = [c for c, k in zip(colours, crawled, strict=True) if not k]
    kw: dict[str, Any] = {"zorder": 2}
    ax.scatter(
        xy[crawled, 0], xy[crawled, 1], s=size[crawled], c=filled, edgecolors="white", linewidths=0.5, **kw
    )
    if hollow:
        ax.scatter(xy[~crawled, 0], xy[~crawled, 1], s=size[~crawled], facecolors="none", edgecolors=hollow,
                   linewidths=1.2, **kw)  # fmt: skip
    for i in np.argsort(-indeg)[:12]:
        if indeg[i] > 0:
            ax.annotate(_safe(nodes[i], 28), xy[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
    labels = labels or {}
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colour_of[g], label=_safe(labels.get(g) or g, 28))
        for g in named[:12]
    ]
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.8, title=by, title_fontsize=8)
    ax.autoscale_view()
    return fig
