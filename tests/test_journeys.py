"""Journeys: each measure on hand-built graphs, finding a journey by id or label, the JSON,
CSV and terminal forms, and `govlinks journeys`."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from cli import main
from crawler.errors import GovlinksError
from graphs.analysis import analyse
from graphs.config import JourneyConfig
from graphs.journeys import JOURNEY_COLUMNS, content_graph, find_journey, journeys
from graphs.report import report_dict, write_csv_folder
from graphs.report_journeys import render_journeys
from tests.test_recommend import db  # noqa: F401  (the store fixture of govlinks recommend)


def moving_graph() -> nx.DiGraph:
    """Life event E: a, b, c, d (e not crawled). The hub links a from content and x, which
    links d; a links b only from its footer, b links c from content."""
    G = nx.DiGraph()
    G.add_node("hub")
    G.add_node("x")
    for n in "abcd":
        G.add_node(n, life_events=("E",))
    G.add_node("e", life_events=("E",), status="unreachable")
    G.add_node("lone", themes=("T",))  # a theme of one site: no journey
    G.add_edge("hub", "a", content_pages=1, template_pages=0)
    G.add_edge("hub", "x", content_pages=3)
    G.add_edge("x", "d", content_pages=1)
    G.add_edge("a", "b", content_pages=0, template_pages=4)
    G.add_edge("b", "c", content_pages=2)
    G.add_edge("hub", "e", content_pages=1)
    return G


def test_clicks_from_the_hub_through_content_links_and_any_link() -> None:
    (j,) = journeys(moving_graph(), hubs=["hub"], labels={"E": "Je déménage"})
    assert (j.group, j.by, j.label) == ("E", "life-event", "Je déménage")
    hops = {m["site"]: (m["assessed"], m["content_hops"], m["any_hops"]) for m in j.members}
    assert hops == {
        "a": (True, 1, 1),
        "b": (True, None, 2),  # a links b only from its footer
        "c": (True, None, 3),
        "d": (True, 2, 2),  # through x, a site outside the journey
        "e": (False, 1, 1),
    }
    assert j.not_assessed == ["e"] and j.unreachable == ["b", "c"]
    (short,) = journeys(moving_graph(), hubs=["hub"], config=JourneyConfig(max_hops=1))
    assert short.unreachable == ["b", "c", "d"]
    (nohub,) = journeys(moving_graph(), hubs=["elsewhere"])
    assert nohub.unreachable == ["a", "b", "c", "d"]
    assert {m["content_hops"] for m in nohub.members} == {None}
    (two,) = journeys(moving_graph(), hubs=["hub", "b"])
    assert [m["content_hops"] for m in two.members] == [1, 0, 1, 2, 1]


def test_content_graph_keeps_every_site() -> None:
    H = content_graph(moving_graph())
    assert set(H) == set(moving_graph()) and not H.has_edge("a", "b") and H.has_edge("b", "c")


def test_parts_density_linked_pairs_and_gaps() -> None:
    (j,) = journeys(moving_graph(), hubs=["hub"])
    assert j.components == [["a", "b", "c"], ["d"]]  # links in either direction join a part
    assert j.density == 2 / 12  # a -> b, b -> c over 4 × 3 ordered pairs
    assert (j.linked_pairs, j.pairs, j.linked_share) == (2, 6, 2 / 6)
    assert j.gap_count == 4 and len(j.gaps) == 4
    assert {frozenset((g["source"], g["target"])) for g in j.gaps} == {
        frozenset(p) for p in (("a", "c"), ("a", "d"), ("b", "d"), ("c", "d"))
    }


def test_gaps_take_the_better_evidenced_direction_best_first() -> None:
    G = nx.DiGraph()
    for n in ("u", "p1", "p2", "k", "z"):
        G.add_node(n, themes=("T",))
    G.add_edges_from([("p1", "k"), ("p2", "k"), ("u", "p1"), ("u", "p2"), ("p1", "p2"), ("z", "p1")])
    (j,) = journeys(G, labels={"T": "Travail"})
    first = j.gaps[0]
    # u -> k: 2 of its 3 other peers link k, and k is of the same journey; k -> u: only the journey
    assert (first["source"], first["target"], first["score"]) == ("u", "k", round(0.5 * 2 / 4 + 0.2, 6))
    assert first["evidence"] == (
        "2 of the 3 other sites of 'Travail' link to k; u does not. k is a site of 'Travail' too."
    )
    assert first["details"]["peers_linking"] == 2 and first["details"]["shared_group"] == "T"
    assert [g["score"] for g in j.gaps] == sorted((g["score"] for g in j.gaps), reverse=True)
    assert j.gap_count == 4  # u-k, u-z, p2-z, k-z
    (few,) = journeys(G, config=JourneyConfig(max_gaps=2))
    assert few.gap_count == 4 and [(g["source"], g["target"]) for g in few.gaps] == [
        (g["source"], g["target"]) for g in j.gaps[:2]
    ]


def test_only_groups_with_two_assessed_members_life_events_first() -> None:
    G = moving_graph()
    assert [j.group for j in journeys(G, hubs=["hub"])] == ["E"]  # T has one site
    G.add_node("f", themes=("T",))
    found = journeys(G, hubs=["hub"])
    assert [(j.by, j.group) for j in found] == [("life-event", "E"), ("theme", "T")]
    G.nodes["f"]["status"] = "robots"
    assert [j.group for j in journeys(G, hubs=["hub"])] == ["E"]
    assert journeys(nx.DiGraph()) == []


def test_a_journey_with_every_pair_linked_has_no_gap() -> None:
    G = nx.DiGraph([("a", "b"), ("c", "b"), ("c", "a")])
    for n in G:
        G.nodes[n]["themes"] = ("T",)
    (j,) = journeys(G)
    assert (j.gap_count, j.gaps, j.components, j.linked_share, j.density) == (
        0,
        [],
        [["a", "b", "c"]],
        1.0,
        0.5,
    )


def test_find_a_journey_by_id_label_or_part_of_a_label() -> None:
    G = moving_graph()
    G.add_node("f", life_events=("F2",))
    G.add_node("g", life_events=("F2",))
    found = journeys(G, labels={"E": "J’attends un enfant", "F2": "J'attends une aide"})
    assert find_journey(found, "e").group == "E"
    assert find_journey(found, "j'attends un enfant").group == "E"  # ’ and ' alike
    assert find_journey(found, "  J'ATTENDS UNE AIDE ").group == "F2"
    assert find_journey(found, "enfant").group == "E"
    with pytest.raises(GovlinksError, match=r"matches several journeys: E \(J’attends un enfant\), F2"):
        find_journey(found, "attends")
    with pytest.raises(GovlinksError, match=r"no theme or life event .* \(known: E, F2\)"):
        find_journey(found, "déménage")


def test_json_and_csv_forms() -> None:
    a = analyse(moving_graph(), hub="hub", labels={"E": "Je déménage"})
    doc = report_dict(a)
    (j,) = doc["journeys"]
    assert set(j) >= {"group", "by", "label", "members", "unreachable", "components", "density", "gaps"}
    assert j["members"][1] == {"site": "b", "assessed": True, "content_hops": None, "any_hops": 2}
    assert json.loads(json.dumps(doc, allow_nan=False))["journeys"][0]["linked_share"] == pytest.approx(1 / 3)
    row = a.journeys[0].row()
    assert list(row) == list(JOURNEY_COLUMNS)
    assert (row["assessed"], row["not_assessed"], row["reachable"], row["unreachable"]) == (4, 1, 2, "b|c")
    assert row["largest_component"] == 3 and row["gap_count"] == 4


def test_report_csv_folder(tmp_path: Path) -> None:
    a = analyse(moving_graph(), hub="hub", labels={"E": "Je déménage"})
    written = write_csv_folder(a, tmp_path / "tables")
    assert [p.name for p in written] == ["sites.csv", "journeys.csv", "recommendations.csv"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "tables" / "journeys.csv").read_text())))
    assert [(r["group"], r["label"], r["unreachable"], r["gap_count"]) for r in rows] == [
        ("E", "Je déménage", "b|c", "4")
    ]
    with pytest.raises(GovlinksError, match=r"folder .* does not exist"):
        write_csv_folder(a, tmp_path / "no" / "tables")


def test_terminal_view_of_every_journey_and_of_one() -> None:
    a = analyse(moving_graph(), hub="hub", labels={"E": "Je déménage"})
    text = render_journeys(a)
    assert "Clicks from hub through content links; reachable within 3 clicks." in text
    assert "Je déménage (E)" in text and "Life events" in text
    one = render_journeys(a, group="déménage")
    assert "Journey 'Je déménage' (E, life event)" in one
    assert (
        "4 assessed sites of 5; density 0.17; 33% of the 6 pairs linked either way; 2 connected parts." in one
    )
    assert "Not reachable from the hub within 3 clicks through content links: b, c." in one
    assert "Gaps: 4 pairs of members with no link either way; the 4 best evidenced:" in one
    assert not math.isnan(a.journeys[0].density)


def test_journeys_command(db: Path) -> None:  # noqa: F811
    runner = CliRunner()
    result = runner.invoke(main, ["journeys", "--lang", "en", "--db", str(db)], catch_exceptions=False)
    assert result.exit_code == 0
    # 5 links among the 4 members, 4 of the 6 pairs linked: u-k and p1-p2 are not
    assert "Travail - Formation (N19806)    4/4            0      1     0.42     67%     2" in result.stdout
    result = runner.invoke(
        main, ["journeys", "--lang", "en", "--db", str(db), "--group", "travail"], catch_exceptions=False
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Gaps: 2 pairs of members with no link either way; the 2 best evidenced:" in lines
    assert lines.index("  1. u.gouv.fr → k.gouv.fr  (0.67)") < lines.index(
        "  2. p1.gouv.fr → p2.gouv.fr  (0.50)"
    )
    result = runner.invoke(
        main, ["journeys", "--lang", "en", "--db", str(db), "--group", "N1"], catch_exceptions=False
    )
    assert result.exit_code == 2 and result.stderr.startswith("Error: --group 'N1': no theme or life event")
    assert len(result.stderr.splitlines()) == 1


def test_report_output_dir_needs_csv(db: Path, tmp_path: Path) -> None:  # noqa: F811
    runner = CliRunner()
    out = tmp_path / "t"
    args = ["report", "--db", str(db), "--output-dir", str(out)]
    result = runner.invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert (
        result.exit_code == 2 and "--output-dir writes the CSV tables" in result.stderr and not out.exists()
    )
    result = runner.invoke(main, [*args, "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["journeys.csv", "recommendations.csv", "sites.csv"]
    single = runner.invoke(main, ["report", "--db", str(db), "--format", "csv"], catch_exceptions=False)
    assert (out / "sites.csv").read_text(encoding="utf-8") == single.stdout
