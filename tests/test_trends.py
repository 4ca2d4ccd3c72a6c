"""The report over several crawls: since the previous crawl, trends, per-site history; and the
order of crawls in time (archive crawls at their archive date)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from crawler.errors import GovlinksError
from crawler.store import CrawlInfo
from graphs.history import finished_crawls, pick_crawls
from tests.crawlstore import make_store
from tests.test_diff import AFTER, BEFORE


def report(*args: str) -> str:
    result = CliRunner().invoke(main, ["report", "--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def two(tmp_path: Path) -> Path:
    return make_store(tmp_path / "two.db", [BEFORE, AFTER])


def test_json_report_gains_history_and_since_previous(two: Path) -> None:
    doc = json.loads(report("--db", str(two), "--format", "json"))
    first, second = doc["history"]
    figures = [(h["crawl"], h["source"], h["sites"], h["assessed"], h["site_links"]) for h in doc["history"]]
    assert figures == [(1, "live", 5, 5, 7), (2, "live", 5, 5, 6)]
    assert {c: n for c, n in first["flags"].items() if n} == {"homepage_only": 1}
    assert {c: n for c, n in second["flags"].items() if n} == {"orphan": 1, "broken_outlinks": 1,
                                                                "links_to_retired": 1}  # fmt: skip
    assert (first["flagged"], second["flagged"]) == (1, 2)
    assert second["median_score"] == doc["summary"]["median_score"]
    assert set(first["groups"]["theme"]) == {"T1", "T2"} and first["groups"]["life-event"] == {}
    assert first["groups"]["theme"]["T2"]["sites"] == 2

    since = doc["since_previous"]
    assert (since["from"]["id"], since["to"]["id"], since["common_sites"]) == (1, 2, 5)
    assert since["summary"]["edges_added"] == 1 and since["summary"]["codes_added"] == 3
    assert [(s["site"], s["codes_added"], s["codes_resolved"]) for s in since["sites"]] == [
        ("e.gouv.fr", ["orphan"], []),
        ("a.gouv.fr", ["broken_outlinks", "links_to_retired"], []),
        ("c.gouv.fr", [], ["homepage_only"]),
    ]  # worst regression first: e loses 40 points, a 2.5, c gains

    sites = {s["site"]: s for s in doc["sites"]}
    assert [(h["crawl"], h["flags"]) for h in sites["e.gouv.fr"]["history"]] == [(1, []), (2, ["orphan"])]
    assert sites["e.gouv.fr"]["history"][1]["score"] == sites["e.gouv.fr"]["score"]
    assert [h["flags"] for h in sites["c.gouv.fr"]["history"]] == [["homepage_only"], []]


def test_no_history_for_a_first_or_unfinished_crawl(tmp_path: Path, two: Path) -> None:
    doc = json.loads(report("--db", str(two), "--crawl", "1", "--format", "json"))
    assert "history" not in doc and "since_previous" not in doc and "history" not in doc["sites"][0]
    single = make_store(tmp_path / "one.db", [BEFORE])
    assert "history" not in json.loads(report("--db", str(single), "--format", "json"))
    broken = make_store(tmp_path / "int.db", [BEFORE, AFTER, {**AFTER, "finish": "interrupted"}])
    assert "history" not in json.loads(report("--db", str(broken), "--format", "json"))
    # the report of crawl 2 of that store has its history: the interrupted crawl 3 is after it
    assert len(json.loads(report("--db", str(broken), "--crawl", "2", "--format", "json"))["history"]) == 2


def test_three_crawls(tmp_path: Path) -> None:
    db = make_store(tmp_path / "three.db", [BEFORE, AFTER, BEFORE])
    doc = json.loads(report("--db", str(db), "--format", "json"))
    assert [h["crawl"] for h in doc["history"]] == [1, 2, 3]
    assert [h["site_links"] for h in doc["history"]] == [7, 6, 7]
    since = doc["since_previous"]
    assert (since["from"]["id"], since["to"]["id"]) == (2, 3)
    assert sorted((s["site"], tuple(s["codes_resolved"])) for s in since["sites"]) == [
        ("a.gouv.fr", ("broken_outlinks", "links_to_retired")), ("c.gouv.fr", ()), ("e.gouv.fr", ("orphan",)),
    ]  # fmt: skip


def test_table_and_html(two: Path, tmp_path: Path) -> None:
    table = report("--db", str(two))
    line = next(x for x in table.splitlines() if x.startswith("Since crawl 1 ("))
    assert "live): 1 linked pairs added, 2 removed, 1 changed weight;" in line
    assert "Since crawl" not in report("--db", str(two), "--crawl", "1")

    pages = {}
    for crawl in ("1", "2"):
        out = tmp_path / f"r{crawl}.html"
        report("--db", str(two), "--crawl", crawl, "--format", "html", "-o", str(out))
        pages[crawl] = out.read_text(encoding="utf-8")
    assert "Since the previous crawl" not in pages["1"]
    html = pages["2"]
    for text in ("Since the previous crawl", "Trends over 2 crawls", "e.gouv.fr", "homepage_only",
                 "Every change, pair by pair"):  # fmt: skip
        assert text in html
    # the trend charts: the summary and one per grouping that has groups (themes only here)
    chart = "data:image/svg+xml;base64,"
    assert html.count(chart) == pages["1"].count(chart) + 2
    assert html.index("Since the previous crawl") < html.index("Sites that do not carry users along")


def test_earlier_crawls_are_analysed_without_journeys(two: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The history shows no journey: only the reported crawl computes them (the costly part)."""
    import graphs.analysis
    from crawler.store import Store
    from graphs.trends import analyse_with_history

    computed = []
    journeys = graphs.analysis.all_journeys

    def counted(*args: Any, **kw: Any) -> Any:
        computed.append(len(args[0]))
        return journeys(*args, **kw)

    monkeypatch.setattr(graphs.analysis, "all_journeys", counted)
    with Store.open(two) as store:
        a = analyse_with_history(store)
        assert a.history is not None and [c.id for c in a.history.crawls] == [1, 2]
        assert computed == [5]  # crawl 2 (5 sites), the one reported; not crawl 1
        earlier = graphs.history.load_snapshot(store, 1)
        full, light = earlier.analyse(journeys=True), earlier.analyse()
    assert (len(full.journeys), len(light.journeys), len(light.recommendations)) == (2, 0, 0)
    assert list(light.recommendations.columns) == list(full.recommendations.columns)
    pd.testing.assert_frame_equal(light.sites, full.sites)
    pd.testing.assert_frame_equal(light.findings, full.findings)


# -- order in time and the choice of crawls ---------------------------------------------


def crawl(i: int, started: str, state: str = "finished", archive_at: str | None = None) -> CrawlInfo:
    archive = (
        {"source": "archive", "archive_url": "http://a/", "archive_at": archive_at} if archive_at else {}
    )
    return CrawlInfo(i, started, None, None, state, None, None, {}, 0, 0, 0, 0, None, 1, **archive)


def test_archive_crawls_count_at_their_archive_date() -> None:
    crawls = [crawl(1, "2026-01-01T02:00:00+00:00"), crawl(2, "2026-02-01T02:00:00+00:00"),
              crawl(3, "2026-02-15T02:00:00+00:00", archive_at="2015-06-01"),
              crawl(4, "2026-03-01", "interrupted")]  # fmt: skip
    live = [dataclasses.replace(c, source="live", archive_url=None, archive_at=None) for c in crawls]
    assert [c.id for c in finished_crawls(live)] == [1, 2, 3]
    assert [c.id for c in finished_crawls(crawls)] == [3, 1, 2]
    frm, to = pick_crawls(crawls)
    assert (frm.id, to.id) == (1, 2)
    frm, to = pick_crawls(crawls, to_id=1)
    assert (frm.id, to.id) == (3, 1)  # 2015 before January 2026
    with pytest.raises(GovlinksError, match="no finished crawl before crawl 3"):
        pick_crawls(crawls, to_id=3)
    with pytest.raises(GovlinksError, match="crawl 4 is interrupted"):
        pick_crawls(crawls, from_id=4)


def test_crawls_sorted_in_time_by_the_report(tmp_path: Path) -> None:
    db = make_store(tmp_path / "s.db", [AFTER, BEFORE])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE crawls SET source='archive', archive_at='2015-06-01' WHERE id=2")
    conn.commit()
    conn.close()
    # crawl 2 shows the web of 2015: it comes first, and crawl 1 is the latest
    doc = json.loads(report("--db", str(db), "--crawl", "1", "--format", "json"))
    assert [(h["crawl"], h["source"]) for h in doc["history"]] == [(2, "archive 2015-06-01"), (1, "live")]
    diff = CliRunner().invoke(
        main, ["diff", "--db", str(db), "--format", "json", "--lang", "en"], catch_exceptions=False
    )
    assert [json.loads(diff.stdout)[k]["id"] for k in ("from", "to")] == [2, 1]
    # one time for a crawl everywhere: CrawlInfo.as_of, a full datetime for both sources
    past = "2015-06-01T00:00:00+00:00"
    frm = json.loads(diff.stdout)["from"]
    assert (frm["as_of"], frm["source"]) == (past, "archive 2015-06-01")
    assert [h["as_of"] for h in doc["history"]] == [past, doc["crawl"]["started_at"]]
    assert (doc["crawl"]["source"], doc["crawl"]["archive_at"], doc["crawl"]["as_of"]) == (
        "live",
        None,
        doc["crawl"]["started_at"],
    )
    table = report("--db", str(db), "--crawl", "1")
    assert "Since crawl 2 (2015-06-01, archive 2015-06-01): " in table
