"""What a crawl prints when its output is not a terminal: the start line, a progress
line every --progress-every, the summary; Scrapy's log and tracebacks only in --log-file.
(The hostile web's crawl checks the same on a crawl full of failures: tests/test_hostile.py.)"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.console import NetworkTracebacks
from demo.server import serve
from tests.conftest import govlinks
from tests.test_crawl_e2e import chain_web

PROGRESS = re.compile(r"\d+s: .*pages [\d,]+/[\d,]+ .* pages/s .*")


@pytest.mark.e2e
def test_redirected_output_has_progress_lines_and_nothing_of_scrapy(tmp_path: Path) -> None:
    web, seeds = chain_web(sites=2, pages=40)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    db, log = tmp_path / "g.db", tmp_path / "crawl.log"
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--delay", "0.1", "--max-depth", "99"]
    with serve(web) as srv:
        result = govlinks([*args, "--db", str(db), "--progress-every", "1s", "--log-file", str(log)],
                          env=srv.proxy_env)  # fmt: skip
        quiet = govlinks([*args, "--db", str(tmp_path / "q.db"), "--progress-every", "1s", "-q"],
                         env=srv.proxy_env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    start, *progress = result.stderr.splitlines()
    assert start == f"crawl 1 started: 2 sites, store {db}"
    assert progress and all(PROGRESS.fullmatch(line) for line in progress), progress
    assert result.stdout.startswith("crawl 1 finished: 80 pages, ")
    text = log.read_text(encoding="utf-8")
    assert "[scrapy.core.engine] INFO: Spider opened" in text and progress[0] in text
    # INFO and above, as the README says: no DEBUG line of Scrapy's (one per page and item)
    assert " DEBUG: " not in text and "Crawled (200)" not in text
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_the_summary_of_an_archive_crawl_names_its_date() -> None:
    from crawler.run import CrawlResult
    from crawler.store import CrawlInfo

    live = CrawlInfo(3, "2026-03-01T02:00:00+00:00", "2026-03-01T04:00:00+00:00", None, "finished",
                     None, None, {}, 2, 120, 45, 1, None, 1)  # fmt: skip
    past = dataclasses.replace(live, source="archive", archive_url="http://a/web/", archive_at="2015-06-01")
    sites = {"ok": 2}
    assert CrawlResult(live, sites).summary() == (
        "crawl 3 finished: 120 pages, 45 cross-site links, 1 page errors; sites: ok 2"
    )
    assert CrawlResult(past, sites).summary() == (
        "crawl 3 finished (archive of 2015-06-01): 120 pages, 45 cross-site links, 1 page errors; sites: ok 2"
    )


def test_an_unexpected_error_is_one_line_naming_the_file_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli
    import crawler.run

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(crawler.run, "_run_locked", broken)
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("url\nhttps://a-demo.gouv.fr/\n", encoding="utf-8")
    log = tmp_path / "crawl.log"
    args = ["crawl", "--seeds", str(seeds), "--db", str(tmp_path / "g.db")]
    result = CliRunner().invoke(cli.main, [*args, "--log-file", str(log)], catch_exceptions=False)
    assert result.exit_code == 70
    assert result.stderr == f"Error: unexpected error (RuntimeError: boom); the traceback is in {log}\n"
    assert "Traceback" in log.read_text(encoding="utf-8") and "raise RuntimeError" in log.read_text()
    # without --log-file, the traceback gets a file of its own
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert result.exit_code == 70
    match = re.fullmatch(r"Error: unexpected error \(RuntimeError: boom\); the traceback is in (\S+)\n",
                         result.stderr)  # fmt: skip
    assert match is not None, result.stderr
    crash = Path(match.group(1))
    try:
        assert "raise RuntimeError" in crash.read_text(encoding="utf-8")
    finally:
        crash.unlink()


def test_network_failures_lose_their_traceback_not_their_reason() -> None:
    import logging
    import sys

    from twisted.internet.error import ConnectionRefusedError

    record = logging.LogRecord("scrapy.x", logging.ERROR, "", 0, "Error downloading %s", ("<GET x>",), None)
    try:
        raise ConnectionRefusedError("111: Connection refused")
    except ConnectionRefusedError:
        record.exc_info = sys.exc_info()
    assert NetworkTracebacks().filter(record) and record.exc_info is None
    assert record.getMessage() == (
        "Error downloading <GET x> (connection: ConnectionRefusedError: Connection was refused by "
        "other side: 111: Connection refused.)"
    )
    bug = logging.LogRecord("scrapy.x", logging.ERROR, "", 0, "Spider error", (), None)
    try:
        raise KeyError("x")
    except KeyError:
        bug.exc_info = sys.exc_info()
    assert NetworkTracebacks().filter(bug) and bug.exc_info is not None
