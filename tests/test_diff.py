"""govlinks diff: two crawls compared exactly, across stores and seed lists; cron alerts; bad input."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from crawler.store import SCHEMA_VERSION, Store
from graphs.diff import diff_stores
from tests.crawlstore import make_store, write_crawl

SITES = {"a.gouv.fr": ["T1"], "b.gouv.fr": ["T1"], "c.gouv.fr": ["T2"], "d.gouv.fr": ["T2"], "e.gouv.fr": []}
CHECKED = {"check_links": True}

# Crawl 1: a ⇄ b (a from two pages), b → c's homepage, c ⇄ d (d to c's homepage), d → e → a.
# c is linked to its homepage only (homepage_only); a links to an outside URL that answers.
BEFORE = {
    "sites": SITES,
    "links": [("a.gouv.fr", 0, "b.gouv.fr/x", 0), ("a.gouv.fr", 1, "b.gouv.fr/y", 0),
              ("b.gouv.fr", 0, "a.gouv.fr/z", 0), ("b.gouv.fr", 0, "c.gouv.fr/", 0),
              ("c.gouv.fr", 0, "d.gouv.fr/k", 0), ("d.gouv.fr", 0, "c.gouv.fr/", 0),
              ("d.gouv.fr", 0, "e.gouv.fr/q", 0), ("e.gouv.fr", 0, "a.gouv.fr/", 0),
              ("a.gouv.fr", 0, "old.example.org/", 0)],
    "checks": {"old.example.org/": (200, "https://old.example.org/", None, None)},
    "settings": CHECKED,
}  # fmt: skip
# Crawl 2: a links to b from a third page and to a broken page of c; b no longer links to c,
# d no longer to e (e becomes an orphan) and deep into c (homepage_only resolved); the
# outside URL a links to moved for good to another host (links_to_retired).
AFTER = {
    "sites": SITES,
    "links": [("a.gouv.fr", 0, "b.gouv.fr/x", 0), ("a.gouv.fr", 1, "b.gouv.fr/y", 0),
              ("a.gouv.fr", 2, "b.gouv.fr/w", 0), ("a.gouv.fr", 0, "c.gouv.fr/gone", 0),
              ("b.gouv.fr", 0, "a.gouv.fr/z", 0), ("c.gouv.fr", 0, "d.gouv.fr/k", 0),
              ("d.gouv.fr", 0, "c.gouv.fr/m", 0), ("e.gouv.fr", 0, "a.gouv.fr/", 0),
              ("a.gouv.fr", 0, "old.example.org/", 0)],
    "broken": ["c.gouv.fr/gone"],
    "checks": {"old.example.org/": (200, "https://new.example.net/", 301, None)},
    "settings": CHECKED,
}  # fmt: skip


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, [*args, "--lang", "en"], catch_exceptions=False)


def diff_json(*args: str) -> dict:
    result = run(["diff", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def two(tmp_path: Path) -> Path:
    return make_store(tmp_path / "two.db", [BEFORE, AFTER])


def edges(doc: dict, kind: str) -> list[tuple[str, str, int, int]]:
    return [(e["source"], e["target"], e["weight_from"], e["weight_to"]) for e in doc[kind]]


def codes(doc: dict) -> dict[str, tuple[list[str], list[str]]]:
    return {s["site"]: (s["codes_added"], s["codes_resolved"]) for s in doc["sites"]
            if s["codes_added"] or s["codes_resolved"]}  # fmt: skip


def test_diff_finds_exactly_the_changes(two: Path) -> None:
    doc = diff_json("--db", str(two))
    assert (doc["from"]["id"], doc["to"]["id"]) == (1, 2)
    assert edges(doc, "edges_added") == [("a.gouv.fr", "c.gouv.fr", 0, 1)]
    assert edges(doc, "edges_removed") == [("b.gouv.fr", "c.gouv.fr", 1, 0), ("d.gouv.fr", "e.gouv.fr", 1, 0)]
    assert edges(doc, "edges_changed") == [("a.gouv.fr", "b.gouv.fr", 2, 3)]
    assert codes(doc) == {
        "a.gouv.fr": (["broken_outlinks", "links_to_retired"], []),
        "c.gouv.fr": ([], ["homepage_only"]),
        "e.gouv.fr": (["orphan"], []),
    }
    e = next(s for s in doc["sites"] if s["site"] == "e.gouv.fr")
    assert e["score_to"] < e["score_from"] and (e["status_from"], e["status_to"]) == ("ok", "ok")
    assert doc["sites"][0]["site"] in ("a.gouv.fr", "e.gouv.fr")  # the worst regressions first
    scores = [s["score_to"] - s["score_from"] for s in doc["sites"]]
    assert scores == sorted(scores)
    assert [(b["target_url"], b["target_site"], b["status"], b["sources"]) for b in doc["broken_added"]] == [
        ("https://c.gouv.fr/gone", "c.gouv.fr", 404, 1)
    ]
    assert [(r["source"], r["target_url"], r["reason"]) for r in doc["retired_added"]] == [
        ("a.gouv.fr", "https://old.example.org/", "moved for good to https://new.example.net/")
    ]
    assert (doc["sites_added"], doc["sites_removed"], doc["common_sites"]) == ([], [], 5)
    assert doc["summary"] == {"edges_added": 1, "edges_removed": 2, "edges_changed": 1,
                              "sites_changed": len(doc["sites"]), "codes_added": 3, "codes_resolved": 1,
                              "sites_added": 0, "sites_removed": 0, "broken_added": 1,
                              "retired_added": 1}  # fmt: skip
    t2 = {g["group"]: g for g in doc["groups"] if g["by"] == "theme"}["T2"]
    assert (t2["sites_from"], t2["sites_to"], t2["internal_links_from"], t2["internal_links_to"]) == (
        2,
        2,
        2,
        2,
    )
    assert not any("seed lists" in n for n in doc["notes"])


def test_min_change_hides_small_moves(two: Path) -> None:
    doc = diff_json("--db", str(two), "--min-change", "2")
    assert doc["edges_changed"] == [] and len(doc["edges_added"]) == 1
    assert any("--min-change 2: 1 linked pairs" in n for n in doc["notes"])
    assert codes(doc) == codes(diff_json("--db", str(two)))  # code changes are always shown


def test_table_csv_and_html(two: Path, tmp_path: Path) -> None:
    table = run(["diff", "--db", str(two)])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    day = r"\d{4}-\d\d-\d\d"
    assert re.fullmatch(rf"govlinks diff — crawl 1 \({day}, live\) → crawl 2 \({day}, live\)", lines[0])
    assert "1 linked pairs added, 2 removed, 1 changed weight" in table.stdout
    assert (
        "e.gouv.fr" in table.stdout and "orphan" in table.stdout and "https://c.gouv.fr/gone" in table.stdout
    )

    out = tmp_path / "csv"
    result = run(["diff", "--db", str(two), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0 and result.stdout.startswith(f"Wrote {out}/: edges.csv 4")
    with (out / "edges.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["change"], r["source"], r["target"], r["weight_from"], r["weight_to"]) for r in rows] == [
        ("changed", "a.gouv.fr", "b.gouv.fr", "2", "3"), ("added", "a.gouv.fr", "c.gouv.fr", "0", "1"),
        ("removed", "b.gouv.fr", "c.gouv.fr", "1", "0"), ("removed", "d.gouv.fr", "e.gouv.fr", "1", "0"),
    ]  # fmt: skip
    with (out / "sites.csv").open(encoding="utf-8") as fh:
        sites = {r["site"]: r for r in csv.DictReader(fh)}
    assert sites["a.gouv.fr"]["codes_added"] == "broken_outlinks|links_to_retired"
    assert {p.name for p in out.iterdir()} == {"edges.csv", "sites.csv", "groups.csv", "broken.csv",
                                               "retired.csv", "seeds.csv"}  # fmt: skip

    page = tmp_path / "diff.html"
    assert run(["diff", "--db", str(two), "--format", "html", "-o", str(page)]).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "default-src 'none'" in html
    for text in ("What changed between two crawls?", "e.gouv.fr", "https://c.gouv.fr/gone",
                 "moved for good to https://new.example.net/"):  # fmt: skip
        assert text in html


def test_fail_on_new_exit_codes(two: Path) -> None:
    result = run(["diff", "--db", str(two), "--fail-on-new", "orphan", "-o", os.devnull])
    assert result.exit_code == 1
    assert result.stderr == "diff: 1 site(s) gained orphan: e.gouv.fr (orphan) (--fail-on-new)\n"
    result = run(["diff", "--db", str(two), "--fail-on-new", "dead_end,uncrawled", "-o", os.devnull])
    assert result.exit_code == 0 and result.stderr == ""
    result = run(["diff", "--db", str(two), "--fail-on-new", "any", "-o", os.devnull])
    assert result.exit_code == 1
    assert result.stderr == (
        "diff: 2 site(s) gained broken_outlinks, links_to_retired, orphan: a.gouv.fr "
        "(broken_outlinks, links_to_retired), e.gouv.fr (orphan) (--fail-on-new)\n"
    )
    # resolved codes never alert: homepage_only went away
    assert run(["diff", "--db", str(two), "--fail-on-new", "homepage_only", "-o", os.devnull]).exit_code == 0


def test_diff_across_two_stores(tmp_path: Path, two: Path) -> None:
    old = make_store(tmp_path / "old.db", [BEFORE])
    new = make_store(tmp_path / "new.db", [AFTER, AFTER])  # its crawls 1 and 2
    doc = diff_json("--db", str(new), "--from-db", str(old))
    assert (doc["from"]["store"], doc["from"]["id"], doc["to"]["store"], doc["to"]["id"]) == (
        str(old),
        1,
        str(new),
        2,
    )
    same = diff_json("--db", str(two))
    for key in ("edges_added", "edges_removed", "edges_changed", "broken_added", "retired_added"):
        assert doc[key] == same[key]
    assert codes(doc) == codes(same)
    assert diff_json("--db", str(new), "--from-db", str(old), "--to", "1")["to"]["id"] == 1


def test_different_seed_lists_compare_the_common_sites(tmp_path: Path) -> None:
    # e is dropped from the seed list and f added: d's only inbound link came from e, so d is
    # an orphan in the second crawl, but on the sites both crawls have it was one in both.
    ab = [
        ("a.gouv.fr", 0, "b.gouv.fr/x", 0),
        ("b.gouv.fr", 0, "a.gouv.fr/y", 0),
        ("d.gouv.fr", 0, "a.gouv.fr/", 0),
    ]
    first = {"sites": SITES, "links": [*ab, ("e.gouv.fr", 0, "d.gouv.fr/k", 0)], "sha": "1" * 64}
    sites = {s: t for s, t in SITES.items() if s != "e.gouv.fr"} | {"f.gouv.fr": ["T1"]}
    second = {"sites": sites, "links": [*ab, ("f.gouv.fr", 0, "a.gouv.fr/", 0)], "sha": "2" * 64,
              "settings": {"max_depth": 3}}  # fmt: skip
    db = make_store(tmp_path / "s.db", [first, second])
    doc = diff_json("--db", str(db))
    assert (doc["sites_added"], doc["sites_removed"], doc["common_sites"]) == (
        ["f.gouv.fr"],
        ["e.gouv.fr"],
        4,
    )
    assert doc["notes"][0] == ("The seed lists differ: the crawls are compared on the 4 sites both have "
                               "(1 added, 1 removed).")  # fmt: skip
    assert doc["notes"][1] == ("The crawls used different settings (max_depth None → 3): "
                               "some changes may come from them.")  # fmt: skip
    assert doc["settings_changed"] == {"max_depth": [None, 3]}
    assert "d.gouv.fr" not in codes(doc)  # an orphan on the common sites in both crawls
    assert edges(doc, "edges_added") == edges(doc, "edges_removed") == edges(doc, "edges_changed") == []
    table = run(["diff", "--db", str(db)]).stdout
    assert "note: The seed lists differ" in table and "removed from the seed list" in table


def test_default_crawls_skip_unfinished_ones(tmp_path: Path) -> None:
    db = make_store(tmp_path / "s.db", [BEFORE, {**AFTER, "finish": "interrupted"}, AFTER])
    doc = diff_json("--db", str(db))
    assert (doc["from"]["id"], doc["to"]["id"]) == (1, 3)
    assert diff_json("--db", str(db), "--to", "3", "--from", "1")["summary"] == doc["summary"]


def one_line_error(args: list[str], *expected: str) -> None:
    result = run(args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    for text in expected:
        assert text in result.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, two: Path) -> None:
    one_line_error(["diff", "--db", str(two), "--to", "7"], "two.db: no crawl 7 (known: 1, 2)")
    one_line_error(["diff", "--db", str(two), "--from", "9"], "two.db: no crawl 9 (known: 1, 2)")
    one_line_error(
        ["diff", "--db", str(two), "--from", "2", "--to", "2"], "--from and --to name the same crawl (2)"
    )
    one_line_error(
        ["diff", "--db", str(two), "--fail-on-new", "orphans"], "--fail-on-new: unknown reason code"
    )
    one_line_error(["diff", "--db", str(two), "--format", "csv"], "--format csv writes a folder")
    one_line_error(["diff", "--db", str(tmp_path / "none.db")], "none.db: no such store")
    one_line_error(
        ["diff", "--db", str(two), "--from-db", str(tmp_path / "none.db")], "none.db: no such store"
    )

    single = make_store(tmp_path / "one.db", [BEFORE])
    one_line_error(["diff", "--db", str(single)], "one.db: no finished crawl before crawl 1")

    with Store.open(tmp_path / "run.db", create=True) as store:
        write_crawl(store, **BEFORE)
        write_crawl(store, **{**AFTER, "finish": None})  # still running: this process is alive
        write_crawl(store, **{**AFTER, "finish": "interrupted"})
    pid = os.getpid()
    one_line_error(["diff", "--db", str(tmp_path / "run.db"), "--to", "2"],
                   f"run.db: crawl 2 is still running (pid {pid}); wait for it to finish")  # fmt: skip
    one_line_error(["diff", "--db", str(tmp_path / "run.db"), "--to", "3"],
                   "run.db: crawl 3 is interrupted; finish it with 'govlinks crawl --resume'")  # fmt: skip
    one_line_error(
        ["diff", "--db", str(tmp_path / "run.db"), "--from", "2", "--to", "1"], "crawl 2 is still running"
    )

    newer = make_store(tmp_path / "newer.db", [BEFORE, AFTER])
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    for args in (["--db", str(newer)], ["--db", str(two), "--from-db", str(newer)]):
        one_line_error(["diff", *args], f"newer.db: store schema version {SCHEMA_VERSION + 1} is newer")


def test_library_diff_keeps_every_small_move(two: Path) -> None:
    d = diff_stores(str(two), min_change=0)
    assert d.hidden == {"edges": 0, "sites": 0}
    assert set(d.sites["site"]) >= {"a.gouv.fr", "c.gouv.fr", "e.gouv.fr"}
    assert d.new_codes({"orphan", "links_to_retired"}) == {
        "a.gouv.fr": ["links_to_retired"],
        "e.gouv.fr": ["orphan"],
    }
