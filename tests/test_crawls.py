"""govlinks crawls: one line per crawl, in every format, with its source (live until crawls
of web archives add theirs) and the options that differ from the defaults."""

# ruff: noqa: E501 (expected terminal tables are as wide as the table)

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from crawler.store import Store
from tests.crawlstore import write_crawl

SITES = {"a.gouv.fr": ["T1"], "b.gouv.fr": ["T1"], "c.gouv.fr": []}
LINKS = [
    ("a.gouv.fr", 0, "b.gouv.fr/x", 0),
    ("a.gouv.fr", 1, "c.gouv.fr/y", 0),
    ("b.gouv.fr", 0, "a.gouv.fr/", 1),
]


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Paris time (UTC+1 in January)."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    with Store.open(path, create=True) as s:
        write_crawl(s, SITES, LINKS, settings={"max_depth": 10, "check_links": True, "delay": 1.0})
        narrow = {"max_depth": 4, "delay": 0.0, "obey_robots": False, "sites": ["a.gouv.fr"]}
        write_crawl(
            s, SITES, LINKS[:2], down=["c.gouv.fr"], finish="interrupted", sha="b" * 64, settings=narrow
        )
        write_crawl(s, SITES, LINKS[1:], finish=None)  # running: this test's own process
    conn = sqlite3.connect(path)  # fixed times, so that the output is exact
    conn.execute(
        "UPDATE crawls SET started_at='2026-01-0'||id||'T02:00:00+00:00', finished_at="
        "CASE WHEN status='running' THEN NULL ELSE '2026-01-0'||id||'T03:30:00+00:00' END"
    )
    conn.commit()
    conn.close()
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["crawls", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_crawls_table(store: Path, paris: None) -> None:
    # the expected lines are as wide as the table
    assert run("--db", str(store)).splitlines() == [
        "id  state        started           finished          source  seed list     pages  links  sites ok  failed  options",
        " 1  finished     2026-01-01 03:00  2026-01-01 04:30  live    aaaaaaaaaaaa      4      3         3       0  --check-links",
        " 2  interrupted  2026-01-02 03:00  2026-01-02 04:30  live    bbbbbbbbbbbb      4      2         2       1  --max-depth 4 --delay 0 --site a.gouv.fr",
        "                                                                                                           --ignore-robots",
        " 3  running      2026-01-03 03:00  –                 live    aaaaaaaaaaaa      4      2         –       –",
    ]  # fmt: skip


def test_crawls_json_and_csv(store: Path, paris: None) -> None:
    doc = json.loads(run("--db", str(store), "--format", "json"))
    first, second, third = doc["crawls"]
    assert first == {
        "id": 1, "state": "finished", "started_at": "2026-01-01T03:00:00+01:00",
        "finished_at": "2026-01-01T04:30:00+01:00", "source": "live", "seeds_sha256": "a" * 64,
        "pages": 4, "links": 3, "sites_ok": 3, "sites_failed": 0, "options": {"check_links": True},
    }  # fmt: skip
    assert second["options"] == {"max_depth": 4, "delay": 0.0, "obey_robots": False, "sites": ["a.gouv.fr"]}
    assert (second["state"], second["sites_ok"], second["sites_failed"]) == ("interrupted", 2, 1)
    assert (third["state"], third["finished_at"], third["sites_ok"], third["pages"], third["links"]) == (
        "running",
        None,
        None,
        4,
        2,
    )
    rows = list(csv.DictReader(io.StringIO(run("--db", str(store), "--format", "csv"))))
    assert list(rows[0]) == ["id", "state", "started_at", "finished_at", "source", "seeds_sha256", "pages",
                             "links", "sites_ok", "sites_failed", "options"]  # fmt: skip
    assert json.loads(rows[1]["options"]) == second["options"]
    assert list(second["options"]) == ["max_depth", "delay", "sites", "obey_robots"]  # the CLI's order
    assert (rows[2]["finished_at"], rows[2]["sites_ok"]) == ("", "")


def test_source_of_archive_crawls(store: Path) -> None:
    """A crawl of a web archive (crawls.source, crawls.archive_at) shows as such."""
    assert [c["source"] for c in json.loads(run("--db", str(store), "--format", "json"))["crawls"]] == [
        "live"
    ] * 3
    conn = sqlite3.connect(store)
    conn.execute("UPDATE crawls SET source='archive', archive_at='2015-06-01' WHERE id=2")
    conn.commit()
    conn.close()
    doc = json.loads(run("--db", str(store), "--format", "json"))
    assert [c["source"] for c in doc["crawls"]] == ["live", "archive 2015-06-01", "live"]
    assert "archive 2015-06-01" in run("--db", str(store))


def test_empty_store_and_bad_store(tmp_path: Path) -> None:
    Store.open(tmp_path / "e.db", create=True).close()
    assert run("--db", str(tmp_path / "e.db")) == "No crawl in this store yet.\n"
    assert json.loads(run("--db", str(tmp_path / "e.db"), "--format", "json"))["crawls"] == []
    result = CliRunner().invoke(main, ["crawls", "--db", str(tmp_path / "none.db")])
    assert (
        result.exit_code == 2
        and result.stderr
        == f"Error: {tmp_path / 'none.db'}: no such store "
        f"(run 'govlinks crawl --db {tmp_path / 'none.db'}' first)\n"
    )


def test_only_archive_crawls_store_archive_options(tmp_path: Path) -> None:
    """A live crawl stores no archive option, so none shows as changed; --resume restores
    an archive crawl's and keeps a live crawl live, whatever the command line says."""
    from crawler.run import _prepare
    from crawler.seeds import load_seeds
    from crawler.settings import CrawlOptions

    path = tmp_path / "seeds.csv"
    path.write_text("url\nhttps://a.gouv.fr/\nhttps://b.gouv.fr/\n", encoding="utf-8")
    seeds, db = load_seeds(path), tmp_path / "s.db"
    archive = {"archive_url": "http://127.0.0.1:9/web/", "archive_at": "2015-06-01", "archive_rate": 20.0}

    def options(**kw: Any) -> CrawlOptions:
        return CrawlOptions(seeds=str(path), db=str(db), **kw)

    with Store.open(db, create=True) as store:
        past, _, _ = _prepare(options(**archive), store, False, seeds)
        store.finish_crawl(past, status="interrupted")
        _, resumed, _ = _prepare(options(), store, True, seeds)
        assert (resumed.archive_url, resumed.archive_at, resumed.archive_window, resumed.archive_rate) == (
            "http://127.0.0.1:9/web/", "2015-06-01", "6m", 20.0
        )  # fmt: skip
        store.finish_crawl(past, status="finished")
        live, _, _ = _prepare(options(), store, False, seeds)
        store.finish_crawl(live, status="interrupted")
        _, resumed, _ = _prepare(options(**archive), store, True, seeds)
        assert (resumed.archive_url, resumed.archive_at, resumed.archive_window, resumed.archive_rate) == (
            None, None, "6m", 1.0
        )  # fmt: skip
        store.finish_crawl(live, status="finished")
        stored = {c.id: c.settings for c in store.crawls()}
    assert {k: stored[past][k] for k in CrawlOptions.ARCHIVE_KEYS} == {**archive, "archive_window": "6m"}
    assert not set(stored[live]) & set(CrawlOptions.ARCHIVE_KEYS)
    assert set(stored[live]) == set(CrawlOptions.CRAWL_KEYS) - set(CrawlOptions.ARCHIVE_KEYS)
    doc = json.loads(run("--db", str(db), "--format", "json"))
    assert [(c["source"], c["options"]) for c in doc["crawls"]] == [
        ("archive 2015-06-01", archive), ("live", {})
    ]  # fmt: skip
    table = run("--db", str(db)).splitlines()  # the options fold over two lines
    flags = " ".join(table[1].split()[-3:] + table[2].split())
    assert flags == "--archive http://127.0.0.1:9/web/ --at 2015-06-01 --archive-rate 20"
    assert table[3].split()[:2] == ["2", "finished"] and table[3].split()[6] == "live"
