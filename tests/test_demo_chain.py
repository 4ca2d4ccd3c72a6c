"""`govlinks demo`: the whole chain offline, and its findings equal the planted truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.store import Store
from demo.chain import compare_codes
from demo.offtopic import relevance_check
from graphs.analysis import analyse_crawl
from tests.conftest import validate_gexf

pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_chain_and_finds_exactly_the_planted_codes(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    truth = json.loads((out / "web" / "truth.json").read_text(encoding="utf-8"))
    planted = sum(len(s["codes"]) for s in truth["sites"].values())
    assert planted >= 9  # every reason code at least once
    assert {c for s in truth["sites"].values() for c in s["codes"]} == {
        "uncrawled", "orphan", "dead_end", "no_group_inbound", "no_group_outbound",
        "homepage_only", "template_only", "broken_outlinks", "links_to_retired", "off_topic_links",
    }  # fmt: skip
    assert f"The report found exactly the {planted} planted reason codes, no other." in result.output
    for line in ("report   ", "graph    ", "store    "):
        assert line in result.output

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

    # the same codes through the stable JSON report
    report = CliRunner().invoke(main, ["report", "--db", str(out / "demo.db"), "--hub", truth["hub"],
                                       "--format", "json"], catch_exceptions=False)  # fmt: skip
    assert report.exit_code == 0
    found = {s["site"]: set(s["flags"]) for s in json.loads(report.output)["sites"]}
    missed, unexpected = compare_codes({k: set(v["codes"]) for k, v in truth["sites"].items()}, found)
    assert (missed, unexpected) == ({}, {})

    # the relevance of links against the planted off-topic ones, as the demo words it
    line = next(x for x in result.output.splitlines() if x.startswith("Off-topic links: "))
    recall, precision = (float(v) / 100 for v in re.findall(r"(?:recall|precision) ([\d.]+)%", line))
    assert recall >= 0.9 and precision >= 0.9, line
    with Store.open(out / "demo.db") as store:
        analysis = analyse_crawl(store, hub=truth["hub"])
    assert analysis.relevance is not None
    check = relevance_check(truth, analysis.relevance.links)
    assert (check["recall"], check["precision"]) == pytest.approx((recall, precision), abs=0.0006)
    scored = {s: (int(r.out_scored), int(r.in_scored)) for s, r in analysis.sites.iterrows()}
    assert scored == {s: (c["out_scored"], c["in_scored"]) for s, c in truth["relevance"]["sites"].items()}
    rel = json.loads(report.output)["relevance"]
    assert rel["scored"] == len(analysis.relevance.links) and rel["threshold"] == 0.1

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html
    validate_gexf(out / "demo.gexf")


def test_compare_codes() -> None:
    assert compare_codes({"a": {"orphan", "dead_end"}}, {"a": {"orphan"}, "b": {"uncrawled"}}) == (
        {"a": {"dead_end"}},
        {"b": {"uncrawled"}},
    )
