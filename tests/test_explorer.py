"""The network explorer's data (graphs/explorer.py) and its script (graphs/static/): what the page is
given, that it is safe inside a <script> element, and that the shipped bundle is the one its
sources build. The explorer running in a browser is tested in test_report_browser.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graphs.analysis import Analysis, analyse
from graphs.build import site_graph
from graphs.explorer import (
    BUNDLE,
    COLOURS,
    bundle,
    explorer_context,
    explorer_data,
    explorer_json,
    layout,
    script_hash,
)
from graphs.export import NO_THEME_COLOR, PALETTE, style_graph
from graphs.report_html import render_html
from tests.conftest import npm_ready

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "graphs" / "static"
JS = ROOT / "explorer-js"
HOSTILE = "<script>window.pwned=1</script>"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    sites = pd.DataFrame(
        {
            "site": ["hub.fr", "a.gouv.fr", "b.gouv.fr", "c.gouv.fr", "lone.gouv.fr", "down.gouv.fr"],
            "name": ["Hub", "", "B & co", "C", "Lone", "Down"],
            "title": ["", HOSTILE, "", "", "", ""],
            "organisation": ["Premier ministre", "Intérieur", "Intérieur", "Travail", "", "Travail"],
            "themes": ["T1|T2", "T1", "T2", "T2", "", "T1"],
            "life_events": ["E1", "", "E1", "", "", ""],
            "status": ["ok", "ok", "ok", "ok", "ok", "unreachable"],
            "html_pages": [5, 5, 5, 5, 5, 0],
        }
    )
    edges = pd.DataFrame(
        [
            {"source": "hub.fr", "target": "a.gouv.fr", "weight": 7},
            {"source": "hub.fr", "target": "b.gouv.fr", "weight": 2},
            {"source": "a.gouv.fr", "target": "hub.fr", "weight": 3},
            {"source": "b.gouv.fr", "target": "c.gouv.fr", "weight": 1},
            {"source": "c.gouv.fr", "target": "a.gouv.fr", "weight": 4},
        ]
    )
    return analyse(site_graph(sites, edges), hub="hub.fr", labels={"T1": "Travail <b>", "E1": "Je déménage"})


def test_every_site_and_every_linked_pair_is_given(analysis: Analysis) -> None:
    data = explorer_data(analysis)
    ids = [n["id"] for n in data["nodes"]]
    assert ids == list(analysis.sites.index)
    pairs = {(ids[s], ids[t]): w for s, t, w in data["edges"]}
    assert pairs == {
        ("hub.fr", "a.gouv.fr"): 7,
        ("hub.fr", "b.gouv.fr"): 2,
        ("a.gouv.fr", "hub.fr"): 3,
        ("b.gouv.fr", "c.gouv.fr"): 1,
        ("c.gouv.fr", "a.gouv.fr"): 4,
    }
    a = next(n for n in data["nodes"] if n["id"] == "a.gouv.fr")
    assert a["name"] == HOSTILE  # no name in the seed list: its homepage title, escaped later
    assert (a["org"], a["themes"], a["events"], a["in"], a["out"]) == ("Intérieur", ["T1"], [], 2, 1)
    assert a["score"] == round(float(analysis.sites.loc["a.gouv.fr", "score"]), 1)
    assert a["rank"] == int(analysis.sites.loc["a.gouv.fr", "rank"])
    down = next(n for n in data["nodes"] if n["id"] == "down.gouv.fr")
    assert (down["assessed"], down["score"], down["status"], down["flags"]) == (False, None, "unreachable",
                                                                                ["uncrawled"])  # fmt: skip
    assert [n["href"] for n in data["nodes"]] == [f"#site-{s}" for s in ids]  # rows of the single file
    in_site = explorer_data(analysis, site_url="sites/{id}.html")["nodes"]
    assert [n["href"] for n in in_site] == [f"sites/{s}.html" for s in ids]
    made = explorer_data(analysis, site_url=lambda s: "sites/" + s.replace(".", "_") + ".html")["nodes"]
    assert made[ids.index("a.gouv.fr")]["href"] == "sites/a_gouv_fr.html"


def test_groups_carry_labels_counts_and_the_exports_colours(analysis: Analysis) -> None:
    groups = explorer_data(analysis)["groups"]
    assert [(g["id"], g["label"], g["sites"]) for g in groups["theme"]] == [
        ("T1", "Travail <b>", 3),
        ("T2", "T2", 3),
    ]
    styled = style_graph(analysis.graph)  # the GEXF export's colours, themes in id order
    for g in groups["theme"]:
        site = next(n for n, d in styled.nodes(data=True) if d["main_theme"] == g["id"])
        rgb = styled.nodes[site]["viz"]["color"]
        assert g["color"] == "#{:02x}{:02x}{:02x}".format(rgb["r"], rgb["g"], rgb["b"])
    assert [(g["id"], g["sites"]) for g in groups["life_event"]] == [("E1", 2)]
    # Ministries: largest first, so that the palette goes to those holding most sites.
    assert [(g["id"], g["sites"], g["color"]) for g in groups["organisation"]] == [
        ("Intérieur", 2, PALETTE[0]),
        ("Travail", 2, PALETTE[1]),
        ("Premier ministre", 1, PALETTE[2]),
    ]


def test_groups_past_the_palette_are_grey() -> None:
    G = nx.DiGraph()
    for i in range(len(COLOURS) + 2):
        G.add_node(f"s{i}.fr", themes=(f"T{i:02d}",))
    groups = explorer_data(analyse(G, hub=None))["groups"]["theme"]
    assert [g["color"] for g in groups] == [*COLOURS, NO_THEME_COLOR, NO_THEME_COLOR]


def test_layout_is_seeded_bounded_and_places_every_site() -> None:
    G = nx.gnp_random_graph(60, 0.08, seed=3, directed=True)
    G = nx.relabel_nodes(G, {n: f"s{n}.fr" for n in G})
    G.add_node("alone.fr")
    pos = layout(G)
    assert set(pos) == set(G)
    values = [abs(v) for p in pos.values() for v in p]
    assert max(values) == 1.0
    assert pos == layout(G) and pos != layout(G, seed=2)
    assert layout(nx.DiGraph()) == {}
    assert layout(nx.DiGraph([("a", "a")])) == {"a": (0.0, 0.0)}


def test_json_cannot_end_its_script_element() -> None:
    data = {"t": "</script><!-- x & y > z", "u": "\u2028", "n": [1, 2.5, None]}
    text = str(explorer_json(data))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_bundle_is_the_shipped_file_with_its_recorded_hash() -> None:
    script = bundle()
    assert script == (STATIC / BUNDLE).read_text(encoding="utf-8").rstrip("\n")
    assert script_hash(script) == (STATIC / f"{BUNDLE}.sha256").read_text(encoding="ascii").strip()
    assert "</script" not in script.lower() and "eval(" not in script and "new Function" not in script


def test_every_bundled_package_has_its_licence() -> None:
    banner = bundle().split("\n", 1)[0]
    bundled = re.findall(r"([a-z][a-z-]*) (\d+\.\d+\.\d+)", banner)
    assert [name for name, _ in bundled] == ["sigma", "graphology", "graphology-utils", "events"]
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    for name, version in bundled:
        licence = (STATIC / "licenses" / f"{name}.txt").read_text(encoding="utf-8")
        assert "MIT" in licence or "Permission is hereby granted, free of charge" in licence
        assert f"| {version} | MIT" in readme, name
    lock = json.loads((JS / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in bundled:
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_static_files_are_package_data() -> None:
    """A non-editable install ships the script, its hash, its README and the licences."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["graphs"]
    shipped = {p for g in globs for p in (ROOT / "graphs").glob(g)}
    assert {p for p in shipped if STATIC in p.parents} == {p for p in STATIC.rglob("*") if p.is_file()}
    assert {p.name for p in (STATIC / "licenses").iterdir()} == {
        "sigma.txt", "graphology.txt", "graphology-utils.txt", "events.txt",
    }  # fmt: skip


def test_the_inlined_script_is_the_one_the_csp_allows(analysis: Analysis) -> None:
    context = explorer_context(analysis)
    assert context["hash"] == script_hash(bundle())
    html = render_html(analysis, images=False)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert csp is not None and f"script-src '{context['hash']}';" in csp.group(1)
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(inline) == 1 and script_hash(inline[0]) == context["hash"]
    data = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', html, re.S)
    assert data is not None
    assert json.loads(data.group(1)) == json.loads(json.dumps(explorer_data(analysis)))


def test_every_control_is_labelled_with_its_text(analysis: Analysis) -> None:
    # A text key named like a dict method (clear) once showed "<built-in method clear of dict
    # object at 0x…>" as the title of the button that clears the selection.
    html = render_html(analysis, images=False)
    assert 'data-action="clear" title="Clear the selection" aria-label="Clear the selection"' in html
    assert "object at 0x" not in html and "built-in method" not in html


def test_shipped_bundle_is_what_its_sources_build(tmp_path: Path) -> None:
    npm_ready(JS, "esbuild")
    env = {**os.environ, "GOVLINKS_BUNDLE_OUT": str(tmp_path)}
    proc = subprocess.run(["node", "build.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / BUNDLE).read_bytes() == (STATIC / BUNDLE).read_bytes()
    for licence in (tmp_path / "licenses").iterdir():
        assert licence.read_bytes() == (STATIC / "licenses" / licence.name).read_bytes()
