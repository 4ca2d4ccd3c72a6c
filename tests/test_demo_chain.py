"""`govlinks demo`: the whole chain offline, and its findings equal the planted truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.store import Store
from demo.chain import compare_codes
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
        "homepage_only", "template_only", "broken_outlinks", "links_to_retired",
    }  # fmt: skip
    found = f"The report found exactly the {planted} problems built into the demo web, and no other."
    assert found in result.output
    # the report the demo suggests is the demo's own: same hub, so the same findings
    assert f"(govlinks report --db {out / 'demo.db'} --hub {truth['hub']})" in result.output
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

    # the same codes through the stable JSON report
    report = CliRunner().invoke(main, ["report", "--db", str(out / "demo.db"), "--hub", truth["hub"],
                                       "--format", "json"], catch_exceptions=False)  # fmt: skip
    assert report.exit_code == 0
    found = {s["site"]: set(s["flags"]) for s in json.loads(report.output)["sites"]}
    missed, unexpected = compare_codes({k: set(v["codes"]) for k, v in truth["sites"].items()}, found)
    assert (missed, unexpected) == ({}, {})

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html
    validate_gexf(out / "demo.gexf")


def test_compare_codes() -> None:
    assert compare_codes({"a": {"orphan", "dead_end"}}, {"a": {"orphan"}, "b": {"uncrawled"}}) == (
        {"a": {"dead_end"}},
        {"b": {"uncrawled"}},
    )
