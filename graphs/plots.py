"""Matplotlib figures of the site graph: for the HTML report and for notebooks.

Every function takes ``ax=None`` (a new figure when None), returns the Figure
and never shows it. Figures are built with :class:`matplotlib.figure.Figure`
rather than pyplot, so that no GUI backend is chosen and no global figure
list grows: the report renders them to SVG text with :func:`to_svg` (crisp at
any zoom, and on a phone); :func:`to_png` stays for notebooks and slides.
Text drawn from data goes through :func:`_safe`, since a ``$`` in a label would
otherwise start matplotlib's math mode; the texts the functions write
themselves go through :func:`graphs.i18n._`, in the language of the report.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from graphs.i18n import _, current_language
from graphs.status import is_assessed

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_degree_distribution",
    "plot_group_degrees",
    "plot_group_integration",
    "plot_group_matrix",
    "plot_group_trends",
    "plot_network",
    "plot_trends",
    "to_png",
    "to_svg",
]

_GREY = "#b0b0b0"
_BLUE = "#1f77b4"


def _safe(text: Any, limit: int = 45) -> str:
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


def to_svg(fig: Figure) -> str:
    """SVG text of a figure: glyphs drawn as paths, nothing cut, the same bytes for the same figure.

    Paths rather than ``<text>``: the reader's browser may lack DejaVu Sans, and a
    wider fallback font would run labels into each other or off the frame; as
    paths they look as laid out, for about a third more bytes (each glyph is
    defined once). ``bbox_inches="tight"`` grows the picture to its outermost
    label; a fixed ``svg.hashsalt`` and no date make the file reproducible.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1)); _ = fig.add_subplot().set_title("Démarches")
    >>> svg = to_svg(fig)
    >>> svg.startswith("<?xml") and svg.rstrip().endswith("</svg>"), svg == to_svg(fig)
    (True, True)
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "path", "svg.hashsalt": "govlinks", "svg.image_inline": True}
    ):
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.08, metadata={"Date": None})
    return buf.getvalue()


def _group_labels(groups: list[str], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [_safe(labels.get(g) or g) for g in groups]


def plot_group_matrix(
    matrix: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of a group × group matrix (rows link to columns), counts in the cells.

    The cells count linked pairs of sites. The colour follows the square root
    of the count, so that the few large cells do not wash out the many small
    ones, and the colour bar is graduated in counts, not in a transform of them.
    """
    import numpy as np
    from matplotlib.colors import PowerNorm
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    n = len(matrix)
    fig, ax = _axes(ax, (max(5.0, 0.45 * n + 3.5), max(4.0, 0.4 * n + 2.5)))
    values = matrix.to_numpy(dtype=float) if n else np.zeros((1, 1))
    norm = PowerNorm(0.5, vmin=0, vmax=max(float(values.max()), 1.0))
    im = ax.imshow(values, cmap="Blues", norm=norm, aspect="auto")
    ax.set_xticks(range(n), _group_labels(list(matrix.columns), labels), rotation=60, ha="right")
    ax.set_yticks(range(n), _group_labels(list(matrix.index), labels))
    ax.set_xlabel(_("linked group"))
    ax.set_ylabel(_("linking group"))
    ax.set_title(_safe(title or _("Links between groups"), 80))
    if 0 < n <= 25:
        for i in range(n):
            for j in range(n):
                v = int(values[i, j])
                colour = "white" if norm(v) > 0.6 else "black"  # as the colour map scales
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color=colour)
    bar = fig.colorbar(im, ax=ax, ticks=MaxNLocator(6, integer=True))
    comma = "\u202f" if current_language() == "fr" else ","  # thousands, as each language writes them
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{round(x):,}".replace(",", comma)))
    bar.set_label(_("linked pairs of sites"))
    return fig


def plot_group_integration(
    groups: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Per group: mean integration score, link density inside, and share of
    sites linked to another member (1 − isolated share), each in [0, 1]."""
    import numpy as np

    n = len(groups)
    fig, ax = _axes(ax, (8.0, max(3.0, 0.42 * n + 1.5)))
    y = np.arange(n)
    series = [
        (_("mean score / 100"), groups.get("mean_score", pd.Series(np.nan, index=groups.index)) / 100, _BLUE),
        (_("density inside"), groups["density"], "#ff7f0e"),
        (_("share linked inside"), 1 - groups["isolated_share"], "#2ca02c"),
    ]
    h = 0.26
    for k, (name, values, colour) in enumerate(series):
        ax.barh(y + (k - 1) * h, values.fillna(0).to_numpy(dtype=float), height=h, label=name, color=colour)
    ax.set_yticks(y, [_safe(v) for v in groups["label"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(_safe(title or _("Integration per group"), 80))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, fontsize=8, frameon=False)
    return fig


def plot_degree_distribution(sites: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Histograms of the number of sites linking in and linked to (pass the assessed sites)."""
    import numpy as np

    fig, ax = _axes(ax, (7.0, 3.6))
    top = int(max(sites["in_sites"].max(), sites["out_sites"].max(), 1)) if len(sites) else 1
    bins = np.linspace(0, top + 1, min(40, top + 2)).tolist()
    ax.hist(sites["in_sites"], bins=bins, histtype="step", linewidth=2, label=_("sites linking in"))
    ax.hist(sites["out_sites"], bins=bins, histtype="step", linewidth=2, label=_("sites linked to"))
    ax.set_xlabel(_("number of other seed sites"))
    ax.set_ylabel(_("sites"))
    ax.set_title(_("Degree distributions"))
    ax.legend(fontsize=8)
    return fig


def plot_group_degrees(
    sites: pd.DataFrame,
    members: Mapping[str, list[str]],
    *,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Box plot per group of the number of sites linking to each member."""
    groups = list(members)
    fig, ax = _axes(ax, (8.0, max(3.0, 0.35 * len(groups) + 1.5)))
    data = [sites["in_sites"].reindex(members[g]).dropna().to_numpy(dtype=float) for g in groups]
    if groups:
        ax.boxplot(data, orientation="horizontal", tick_labels=_group_labels(groups, labels))
        ax.invert_yaxis()
    ax.set_xlabel(_("sites linking in"))
    ax.set_title(_safe(title or _("Sites linking in, per group"), 80))
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
    ax.set_title(
        _("Site network ({sites} sites, {pairs} linked pairs)").format(
            sites=G.number_of_nodes(), pairs=G.number_of_edges()
        )
    )
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


def _crawl_axis(ax: Axes, labels: list[str]) -> None:
    """One tick per crawl (its label, one or more lines), integer ticks on the value axis."""
    from matplotlib.ticker import MaxNLocator

    ticks = ["\n".join(_safe(line, 24) for line in x.splitlines()) for x in labels]
    ax.set_xticks(range(len(labels)), ticks, fontsize=8)
    ax.set_xlim(-0.3, max(len(labels) - 0.7, 0.3))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def plot_trends(rows: pd.DataFrame, flags: Mapping[str, list[int]], *, labels: list[str]) -> Figure:
    """Three charts over the crawls: sites assessed and linked pairs, median score, flagged sites per code.

    ``rows``: :func:`graphs.trends.trend_rows`; ``flags``: flagged sites per reason
    code, one value per crawl (codes never flagged are left out); ``labels``: one
    label per crawl (its id and date).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11.0, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    x = list(range(len(rows)))
    ax = axes[0]
    ax.plot(x, rows["assessed"], marker="o", color=_BLUE, label=_("sites assessed (left)"))
    ax.set_ylabel(_("sites assessed"), color=_BLUE)
    _crawl_axis(ax, labels)
    twin = ax.twinx()
    orange = "#ff7f0e"
    pairs = _("linked pairs (right)")
    twin.plot(x, rows["site_links"], marker="s", linestyle="--", color=orange, label=pairs)
    twin.set_ylabel(_("linked pairs of sites"), color=orange)
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_("Sites assessed and linked pairs"))
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="lower left")
    ax = axes[1]
    ax.plot(x, rows["median_score"], marker="o", color=_BLUE)
    ax.set_ylim(0, 100)
    ax.set_title(_("Median integration score"))
    _crawl_axis(ax, labels)
    ax = axes[2]
    for code, values in flags.items():
        if any(values):
            ax.plot(x, values, marker="o", label=_safe(code))
    ax.set_title(_("Flagged sites per reason code"))
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, frameon=False)
    _crawl_axis(ax, labels)
    return fig


def plot_group_trends(
    groups: pd.DataFrame,
    *,
    crawls: list[int],
    labels: list[str],
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Mean score of each group over the crawls (``groups``: one grouping of
    :func:`graphs.trends.group_trends`), one line per group, legend beside."""
    fig, ax = _axes(ax, (11.0, 4.2))
    position = {c: i for i, c in enumerate(crawls)}
    for group, rows in groups.groupby("group", sort=True):
        rows = rows.sort_values("crawl", key=lambda s: s.map(position))
        label = (names or {}).get(str(group)) or rows["label"].iloc[-1] or group
        ax.plot(rows["crawl"].map(position), rows["mean_score"], marker="o", label=_safe(label, 40))
    ax.set_ylim(0, 100)
    ax.set_ylabel(_("mean score"))
    ax.set_title(_safe(title or _("Mean integration score per group"), 80))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    _crawl_axis(ax, labels)
    return fig
