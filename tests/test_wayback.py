"""crawler/wayback.py: what to ask a Wayback-compatible archive, how to read its answers,
which capture stands for a page at a date; and the CLI's archive options."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.settings import CrawlOptions, scrapy_settings
from crawler.store import SCHEMA_VERSION, Store
from crawler.wayback import (
    Archive,
    Capture,
    CaptureIndex,
    capture_key,
    link_original,
    parse_cdx,
    parse_page_count,
    parse_rate,
    parse_window,
)

IA_ANSWER = [
    ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
    ["fr,gouv,x)/", "20150520101010", "http://www.x.gouv.fr/", "text/html", "200", "AAA", "1415"],
    ["fr,gouv,x)/a", "20150602000000", "https://x.gouv.fr/a", "warc/revisit", "-", "BBB", "300"],
    ["fr,gouv,x)/b", "2015", "https://x.gouv.fr/b", "unk", "-", "CCC", "300"],  # no status, no revisit
    [],
    ["fr%2Cgouv%2Cx%29%2Fb+20150603000000%21"],  # a resume key: no capture
]


def test_parse_cdx_reads_both_dialects_alike() -> None:
    ia = parse_cdx(json.dumps(IA_ANSWER).encode())
    assert ia == [
        Capture("20150520101010", "http://www.x.gouv.fr/", 200, "text/html", "AAA"),
        Capture("20150602000000", "https://x.gouv.fr/a", None, "warc/revisit", "BBB"),
    ]
    pywb = "\n".join(
        json.dumps({"urlkey": r[0], "timestamp": r[1], "url": r[2], "mime": r[3], "status": r[4],
                    "digest": r[5], "length": r[6], "filename": "a.warc.gz"})
        for r in IA_ANSWER[1:4]
    )  # fmt: skip
    assert parse_cdx(pywb.encode()) == ia
    assert parse_cdx(gzip.compress(json.dumps(IA_ANSWER).encode())) == ia  # the Wayback Machine's gzip
    assert parse_cdx(b"") == parse_cdx(b"[]") == []
    with pytest.raises(ValueError):
        parse_cdx(b"<html>Blocked Site Error</html>")


def test_page_count_tells_a_paged_server_from_one_that_is_not() -> None:
    assert parse_page_count(b"12\n") == 12
    assert parse_page_count(gzip.compress(b"0")) == 0
    assert parse_page_count(b'{"blocks": 423, "pages": 85, "pageSize": 5}') == 85
    cdxj = b'fr,gouv,x)/ 20150601000000 {"url": "http://x.gouv.fr/", "status": "200"}\n'
    assert parse_page_count(cdxj) is None
    assert parse_page_count(b'{"url": "http://x.gouv.fr/", "status": "200"}') is None


def test_the_capture_closest_to_the_date_stands_for_the_page() -> None:
    index = CaptureIndex("20150601000000")
    index.add([
        Capture("20150301000000", "https://x.gouv.fr/p", 200, "text/html", "A"),  # 92 days before
        Capture("20150801000000", "https://x.gouv.fr/p", 200, "text/html", "B"),  # 61 days after: closest
        Capture("20150531000000", "https://x.gouv.fr/p", 404, "text/html", "C"),  # an error, closer still
        Capture("20150602000000", "https://x.gouv.fr/q", 503, "text/html", "D"),  # only errors: broken then
        Capture("20150603000000", "https://x.gouv.fr/q", 500, "text/html", "E"),
        Capture("20150530000000", "https://x.gouv.fr/t", 200, "text/html", "F"),  # a tie: the earlier
        Capture("20150603000000", "https://x.gouv.fr/t", 200, "text/html", "G"),
        Capture("20150603000000", "https://x.gouv.fr/t", 200, "text/html", "H"),
        Capture("20150602000000", "http://www.x.gouv.fr/r", 301, "text/html", "I"),  # a redirect is an answer
        Capture("20150610000000", "https://x.gouv.fr/r", 200, "text/html", "J"),
    ])  # fmt: skip
    assert index.best("x.gouv.fr/p").digest == "B"  # type: ignore[union-attr]
    assert index.best("x.gouv.fr/q").digest == "D"  # type: ignore[union-attr]
    assert index.best("x.gouv.fr/t").digest == "F"  # type: ignore[union-attr]
    assert index.best("x.gouv.fr/r").digest == "I"  # type: ignore[union-attr]
    assert index.best("x.gouv.fr/r", content=True).digest == "J"  # type: ignore[union-attr]
    assert index.best("x.gouv.fr/q", content=True) is None
    assert index.best("x.gouv.fr/none") is None
    assert len(index) == 4


def test_capture_keys_ignore_what_archives_ignore() -> None:
    assert capture_key("http://www.X.gouv.fr:80/Path?b=1&a=2#f") == "x.gouv.fr/path?a=2&b=1"
    assert capture_key("mailto:x@x.fr") is None


def test_archive_endpoints_window_and_queries() -> None:
    ia = Archive.from_url("https://web.archive.org/web/", date(2015, 6, 1))
    assert (ia.replay, ia.cdx) == ("https://web.archive.org/web/", "https://web.archive.org/cdx/search/cdx")
    assert (ia.start, ia.end, ia.target) == ("20141201000000", "20151201235959", "20150601000000")
    assert ia.describe() == "6 months of 2015-06-01"
    leap = Archive.from_url("http://127.0.0.1:8080/c/", date(2016, 2, 29), parse_window("1y"))
    assert (leap.start, leap.end, leap.describe()) == (
        "20150228000000",
        "20170228235959",
        "1 year of 2016-02-29",
    )
    assert Archive.from_url("http://a/c", date(2015, 6, 1), (90, "d")).start == "20150303000000"
    assert Archive.from_url("http://a/c", date(2015, 6, 1), (2, "w")).describe() == "2 weeks of 2015-06-01"
    assert ia.query("x.gouv.fr/", prefix=True, count=True) == (
        "https://web.archive.org/cdx/search/cdx?url=x.gouv.fr%2F&matchType=prefix&showNumPages=true"
    )
    assert ia.query("https://x.gouv.fr/a?b=1", prefix=False) == (
        "https://web.archive.org/cdx/search/cdx?url=https%3A%2F%2Fx.gouv.fr%2Fa%3Fb%3D1&matchType=exact"
        "&from=20141201000000&to=20151201235959&output=json"
    )
    capture = Capture("20150601123456", "https://x.gouv.fr/a?b=1", 200, "text/html", "A")
    replay = ia.replay_url(capture)
    assert replay == "https://web.archive.org/web/20150601123456id_/https://x.gouv.fr/a?b=1"
    assert ia.owns(replay) and ia.owns(ia.cdx + "?url=x") and not ia.owns("https://x.gouv.fr/")
    assert ia.original(replay) == "https://x.gouv.fr/a?b=1"
    assert ia.location(replay, "/web/20150601000000/https://x.gouv.fr/b") == "https://x.gouv.fr/b"
    assert ia.location("https://x.gouv.fr/a", "b") == "https://x.gouv.fr/b"


def test_memento_link_header() -> None:
    header = (
        '<http://a/c/https://x.fr/>; rel="timegate", <https://x.fr/p?q=1>; rel="original", '
        '<http://a/c/2015mp_/https://x.fr/>; rel="memento"; datetime="Mon, 01 Jun 2015 10:00:05 GMT"'
    )
    assert link_original(header) == "https://x.fr/p?q=1"
    assert link_original('<http://a/>; rel="timegate"') is None


@pytest.mark.parametrize(
    ("text", "rate"), [("1/s", 1.0), ("30/min", 0.5), ("0.5", 0.5), ("3600/h", 1.0), ("2 / second", 2.0)]
)
def test_rates(text: str, rate: float) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["0", "0/s", "fast", "1/day", "-1"])
def test_bad_rates(text: str) -> None:
    with pytest.raises(ValueError, match="is not a rate"):
        parse_rate(text)


def test_archive_settings_pace_every_request_through_one_slot() -> None:
    opts = CrawlOptions(seeds="s.csv", db="g.db", delay=5.0, archive_url="https://web.archive.org/web/",
                        archive_at="2015-06-01", archive_rate=0.5)  # fmt: skip
    s = scrapy_settings(opts, crawl_id=1, n_sites=700)
    assert s["DOWNLOAD_SLOTS"] == {"archive": {"concurrency": 1, "delay": 2.0, "jitter": 0}}
    assert s["DOWNLOAD_DELAY"] == 2.0  # what BackoffMiddleware relaxes back to, not --delay
    assert s["DOWNLOADER_MIDDLEWARES"]["crawler.archive.ArchiveMiddleware"] == 580
    assert s["DOWNLOADER_MIDDLEWARES"]["crawler.backoff.BackoffMiddleware"] == 560
    assert (s["GOVLINKS_ARCHIVE_URL"], s["GOVLINKS_ARCHIVE_AT"], s["GOVLINKS_ARCHIVE_WINDOW"]) == (
        "https://web.archive.org/web/", "2015-06-01", "6m")  # fmt: skip
    fast_opts = CrawlOptions(
        seeds="s.csv", db="g.db", archive_url="http://a/c/", archive_at="2015-06-01", archive_rate=100
    )
    fast = scrapy_settings(fast_opts, crawl_id=1, n_sites=2)
    assert fast["DOWNLOAD_SLOTS"]["archive"]["concurrency"] == 16
    live = scrapy_settings(CrawlOptions(seeds="s.csv", db="g.db"), crawl_id=1, n_sites=2)
    assert "GOVLINKS_ARCHIVE_URL" not in live and "DOWNLOAD_SLOTS" not in live
    assert "crawler.archive.ArchiveMiddleware" not in live["DOWNLOADER_MIDDLEWARES"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--archive"], "--archive needs --at YYYY-MM-DD"),
        (["--at", "2015-06-01"], "--at needs --archive"),
        (["--archive", "--at", "2015-06-01", "--check-links"], "an archive crawl never leaves the archive"),
        (["--archive", "--at", "2015-13-01"], "'2015-13-01' is not a date (YYYY-MM-DD)"),
        (["--archive", "--at", "2015-06-01", "--window", "6x"], "'6x' is not a time span"),
        (["--archive", "--at", "2015-06-01", "--archive-rate", "0"], "'0' is not a rate"),
    ],
)
def test_archive_options_refused_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("url\nhttps://x-exemple.gouv.fr/\n", encoding="utf-8")
    db = tmp_path / "g.db"
    result = CliRunner().invoke(main, ["crawl", "--seeds", str(seeds), "--db", str(db), *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert not db.exists()


def test_a_store_of_schema_1_gains_the_archive_columns(tmp_path: Path) -> None:
    import sqlite3

    from crawler.store.schema import MIGRATIONS

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[1] + "INSERT INTO meta VALUES ('schema_version', '1');"
                       "INSERT INTO crawls (started_at, status, settings) "
                       "VALUES ('2026-01-01T00:00:00+00:00', 'finished', '{}');")  # fmt: skip
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        old = store.crawl(1)
        assert (old.source, old.archive_url, old.archive_at, old.as_of) == (
            "live", None, None, "2026-01-01T00:00:00+00:00")  # fmt: skip
        new = store.start_crawl(seeds_path="s.csv", seeds_sha256="0", settings={}, sites=[],
                                archive_url="http://a/c/", archive_at="2015-06-01")  # fmt: skip
        past = store.crawl(new)
        assert (past.source, past.archive_url, past.archive_at) == ("archive", "http://a/c/", "2015-06-01")
        assert past.as_of == "2015-06-01T00:00:00+00:00" < old.as_of < past.started_at
    cols = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(pages)")}
    assert "captured_at" in cols


def test_archive_options_default_to_the_wayback_machine() -> None:
    from cli_options import archive_options

    kw = {"archive": "", "at": " 2015-06-01", "window": "6M", "archive_rate": "30/min", "check_links": False}
    assert archive_options(kw) == {
        "archive_url": "https://web.archive.org/web/",
        "archive_at": "2015-06-01",
        "archive_window": "6m",
        "archive_rate": 0.5,
    }
    assert kw == {"check_links": False}  # taken out: the rest goes to CrawlOptions
    live = {"archive": None, "at": None, "window": "6m", "archive_rate": "1/s"}
    assert archive_options(live) == {}
