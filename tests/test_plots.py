"""The report's charts (graphs/plots.py): SVG that is valid, reproducible and uncut, texts that go
through the translation function, and a heatmap whose colour bar reads in counts."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from lxml import etree
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from graphs import plots
from graphs.groups import group_members, group_table

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def graph() -> nx.DiGraph:
    G = nx.DiGraph()
    for i in range(12):
        G.add_node(f"s{i}.fr", themes=(f"T{i % 3}",), life_events=(), status="ok")
    for i in range(12):
        for k in (1, 2, 5):
            G.add_edge(f"s{i}.fr", f"s{(i + k) % 12}.fr", weight=k)
    return G


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def test_svg_is_valid_reproducible_and_draws_glyphs_as_paths() -> None:
    matrix = pd.DataFrame([[0, 3], [120, 7]], index=["T0", "T1"], columns=["T0", "T1"])
    svg = plots.to_svg(plots.plot_group_matrix(matrix, labels={"T0": "Travail $x$ & <b>"}))
    root = etree.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert list(root.iter(f"{SVG}text")) == [] and len(list(root.iter(f"{SVG}path"))) > 20  # glyphs as paths
    assert "<b>" not in svg and "<script" not in svg.lower()
    assert plots.to_svg(plots.plot_group_matrix(matrix, labels={"T0": "Travail $x$ & <b>"})) == svg


def _points(value: str) -> float:
    return float(value.removesuffix("pt"))


def test_nothing_is_cut_at_the_edges() -> None:
    """Labels sticking out of a figure too small for them: the SVG grows to hold every one."""
    labels = {g: f"{g} Papiers - Citoyenneté - Élections - Démarches" for g in "ABCD"}
    matrix = pd.DataFrame(
        [[i * j for j in range(4)] for i in range(4)], index=list("ABCD"), columns=list("ABCD")
    )
    fig = Figure(figsize=(3, 2))  # no layout engine: the rotated labels run off the figure
    plots.plot_group_matrix(matrix, labels=labels, ax=fig.add_subplot())
    root = etree.fromstring(plots.to_svg(fig).encode("utf-8"))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.findobj(lambda a: hasattr(a, "get_text"))
             if t.get_text() and t.get_visible()]  # fmt: skip
    scale = 72 / fig.dpi  # pixels to points
    text_width = (max(b.x1 for b in boxes) - min(b.x0 for b in boxes)) * scale
    text_height = (max(b.y1 for b in boxes) - min(b.y0 for b in boxes)) * scale
    assert text_width > 3 * 72 and text_height > 2 * 72  # they did stick out
    assert _points(root.get("width", "0")) >= text_width
    assert _points(root.get("height", "0")) >= text_height


def test_texts_written_by_the_charts_are_translated(
    graph: nx.DiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every text a chart writes itself goes through graphs.i18n's _ (identity until the catalogs)."""
    monkeypatch.setattr(plots, "_", lambda text: f"«{text}»")
    sites = pd.DataFrame({"in_sites": list(range(12)), "out_sites": [3] * 12},
                         index=[f"s{i}.fr" for i in range(12)])  # fmt: skip
    texts = _texts(plots.plot_degree_distribution(sites))
    assert {"«Degree distributions»", "«number of other seed sites»", "«sites»"} <= set(texts)
    assert {"«sites linking in»", "«sites linked to»"} <= set(texts)  # the legend
    matrix = pd.DataFrame([[1, 2], [3, 4]], index=["A", "B"], columns=["A", "B"])
    texts = _texts(plots.plot_group_matrix(matrix))
    assert {"«Links between groups»", "«linked group»", "«linking group»", "«linked pairs of sites»"} <= set(
        texts
    )
    table = group_table(graph, "theme")
    table["mean_score"] = 50.0
    texts = _texts(plots.plot_group_integration(table))
    assert {"«Integration per group»", "«density inside»", "«share linked inside»"} <= set(texts)
    texts = _texts(plots.plot_group_degrees(sites, group_members(graph)))
    assert {"«Sites linking in, per group»", "«sites linking in»"} <= set(texts)


def test_heatmap_colour_bar_reads_in_counts() -> None:
    matrix = pd.DataFrame([[0, 3, 40], [1200, 7, 0], [5, 0, 250]], index=list("ABC"), columns=list("ABC"))
    fig = plots.plot_group_matrix(matrix)
    FigureCanvasAgg(fig).draw()
    bar = fig.axes[-1]
    labels = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert labels[0] == "0" and labels[-1] in {"1,000", "1,200"}
    assert all(label.replace(",", "").isdigit() for label in labels)
    assert bar.get_ylabel() == "linked pairs of sites"
    assert not any("log" in t for t in _texts(fig))
    cells = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert cells["1200"] == "white" and cells["0"] == "black"  # dark cells get white figures
