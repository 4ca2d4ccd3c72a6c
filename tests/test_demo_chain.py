"""`govlinks demo`: the whole chain offline, and its findings equal the planted truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.store import Store
from crawler.urls import normalize_url
from demo.chain import compare_codes
from demo.offtopic import relevance_check
from graphs.analysis import analyse_crawl
from tests.conftest import validate_gexf

pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_chain_and_finds_exactly_the_planted_codes(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    truth = json.loads((out / "web" / "truth.json").read_text(encoding="utf-8"))
    planted = sum(len(s["codes"]) for s in truth["sites"].values())
    assert planted >= 9  # every reason code at least once
    assert {c for s in truth["sites"].values() for c in s["codes"]} == {
        "uncrawled", "orphan", "dead_end", "no_group_inbound", "no_group_outbound",
        "homepage_only", "template_only", "broken_outlinks", "links_to_retired", "off_topic_links",
    }  # fmt: skip
    found = f"The report found exactly the {planted} problems built into the demo web, and no other."
    assert found in result.output
    # the report the demo suggests is the demo's own: same hub, so the same findings
    assert f"(govlinks report --db {out / 'demo.db'} --hub {truth['hub']}; govlinks diff" in result.output
    for line in ("report   ", "graph    ", "store    ", "site     "):
        assert line in result.output
    assert (out / "report" / "index.html").is_file() and len(list((out / "report" / "sites").iterdir())) == 24

    # the site graph equals the ground truth edge for edge, weights included
    with Store.open(out / "demo.db") as store:
        edges = store.reads.site_edges(1)
        assert store.crawl(1).state == "finished"
    got = {(r.source, r.target): (r.weight, r.links, r.targets, r.deep, r.template_pages,
                                  r.content_pages, r.broken) for r in edges.itertuples()}  # fmt: skip
    want = {(e["source"], e["target"]): (e["weight"], e["links"], e["targets"], e["deep"],
                                         e["template_pages"], e["content_pages"], e["broken"])
            for e in truth["edges"]}  # fmt: skip
    assert got == want

    # the same codes through the stable JSON report (crawl 1: the web; crawl 2 is its later version)
    args = ["report", "--db", str(out / "demo.db"), "--hub", truth["hub"], "--crawl", "1", "--format", "json"]
    report = CliRunner().invoke(main, args, catch_exceptions=False)
    assert report.exit_code == 0
    doc = json.loads(report.output)
    found = {s["site"]: set(s["flags"]) for s in doc["sites"]}
    missed, unexpected = compare_codes({k: set(v["codes"]) for k, v in truth["sites"].items()}, found)
    assert (missed, unexpected) == ({}, {})

    # the planted journey gaps: the key site among the member's first 5 recommendations (first for
    # at least 90%), with the key page as the page to link; nothing already linked, nothing uncrawled
    gaps = truth["journey_gaps"]
    assert len(gaps) == 1
    assert "Recommendations against the 1 planted journey gap: recall@1 1.00, recall@5 1.00." in result.output
    recs = {(r["source"], r["target"]): r for r in doc["recommendations"]}
    ranks = [recs[(g["member"], g["key"])]["rank"] for g in gaps if (g["member"], g["key"]) in recs]
    assert len(ranks) == len(gaps) and max(ranks) <= 5 and sum(r == 1 for r in ranks) >= 0.9 * len(gaps)
    for g in gaps:
        assert normalize_url(recs[(g["member"], g["key"])]["target_url"]) == normalize_url(g["key_url"])
    linked = set(want)
    for source, target in recs:
        assert (source, target) not in linked and truth["sites"][target]["status"] == "ok"
    (journey,) = [j for j in doc["journeys"] if j["group"] == gaps[0]["group"]]
    assert {(x["source"], x["target"]) for x in journey["gaps"]} >= {(gaps[0]["member"], gaps[0]["key"])}
    # the relevance of links against the planted off-topic ones, as the demo words it
    line = next(x for x in result.output.splitlines() if x.startswith("Off-topic links: "))
    recall, precision = (float(v) / 100 for v in re.findall(r"(?:recall|precision) ([\d.]+)%", line))
    assert recall >= 0.9 and precision >= 0.9, line
    with Store.open(out / "demo.db") as store:
        analysis = analyse_crawl(store, 1, hub=truth["hub"])
    assert analysis.relevance is not None
    check = relevance_check(truth, analysis.relevance.links)
    assert (check["recall"], check["precision"]) == pytest.approx((recall, precision), abs=0.0006)
    scored = {s: (int(r.out_scored), int(r.in_scored)) for s, r in analysis.sites.iterrows()}
    assert scored == {s: (c["out_scored"], c["in_scored"]) for s, c in truth["relevance"]["sites"].items()}
    rel = json.loads(report.output)["relevance"]
    assert rel["scored"] == len(analysis.relevance.links) and rel["threshold"] == 0.1

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "data:image/svg+xml;base64," in html
    validate_gexf(out / "demo.gexf")

    # crawl 2 is the web's later version: its site graph is that version's truth, and govlinks diff
    # finds exactly the planted changes (pairs added, removed, changed with weights; codes per site)
    later = out / "web" / "v2"
    truth2 = json.loads((later / "truth.json").read_text(encoding="utf-8"))
    with Store.open(out / "demo.db") as store:
        edges2 = store.reads.site_edges(2)
    assert {(r.source, r.target): r.weight for r in edges2.itertuples()} == {
        (e["source"], e["target"]): e["weight"] for e in truth2["edges"]
    }
    columns = ("weight", "links", "targets", "deep", "template_pages", "content_pages", "broken")
    assert {(r.source, r.target): tuple(getattr(r, c) for c in columns) for r in edges2.itertuples()} == {
        (e["source"], e["target"]): tuple(e[c] for c in columns) for e in truth2["edges"]
    }  # edge for edge, every column, as for crawl 1
    expected = json.loads((later / "expected_diff.json").read_text(encoding="utf-8"))
    found = CliRunner().invoke(main, ["diff", "--db", str(out / "demo.db"), "--format", "json"])
    assert found.exit_code == 0, found.output
    doc = json.loads(found.stdout)
    assert (doc["from"]["id"], doc["to"]["id"]) == (1, 2)
    for kind in ("edges_added", "edges_removed", "edges_changed"):
        assert expected[kind] and doc[kind] == expected[kind], kind
    changed = {s["site"]: (s["codes_added"], s["codes_resolved"]) for s in doc["sites"]
               if s["codes_added"] or s["codes_resolved"]}  # fmt: skip
    assert changed == {s["site"]: (s["codes_added"], s["codes_resolved"]) for s in expected["sites"]}
    planted = expected["planted"]
    assert changed == {
        planted["newly_orphaned"]: (["orphan", "no_group_inbound"], []),
        planted["fixed"]: ([], ["dead_end"]),
        planted["homepage_fails"]: (["uncrawled"], ["orphan"]),
    }
    n = len(expected["edges_added"]), len(expected["edges_removed"]), len(expected["edges_changed"])
    assert (
        f"govlinks diff found exactly the planted changes: {n[0]} linked pairs added, {n[1]} removed, "
        f"{n[2]} changed weight, 3 sites with reason codes added or resolved."
    ) in result.output
    assert "Since the previous crawl" in html and "Trends over 2 crawls" in html


def test_compare_codes() -> None:
    assert compare_codes({"a": {"orphan", "dead_end"}}, {"a": {"orphan"}, "b": {"uncrawled"}}) == (
        {"a": {"dead_end"}},
        {"b": {"uncrawled"}},
    )
