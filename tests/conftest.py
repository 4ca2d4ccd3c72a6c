"""Shared fixtures: run `govlinks` in a subprocess against a local web."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from crawler.urls import normalize_url
from demo.protocol import LogEntry, iter_log_file

ROOT = Path(__file__).resolve().parents[1]
# The official GEXF 1.3 schema, shipped with the tests (tests/schemas/gexf-1.3/README.md).
GEXF_XSD = ROOT / "tests" / "schemas" / "gexf-1.3" / "gexf.xsd"
JS = ROOT / "tests" / "js"


def govlinks(args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 120,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run the govlinks CLI in a fresh process (Scrapy's reactor cannot restart)."""
    full_env = {**os.environ, "COLUMNS": "120", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=cwd,
    )  # fmt: skip


def _tree_peaks(pid: int, peaks: dict[int, int]) -> None:
    """Record the peak RSS (``VmHWM``, kB) of ``pid`` and its descendants into ``peaks``."""
    proc = Path(f"/proc/{pid}")
    try:
        status = (proc / "status").read_text()
        children = " ".join(p.read_text() for p in proc.glob("task/*/children"))
    except OSError:
        return
    hwm = re.search(r"^VmHWM:\s+(\d+)", status, re.M)
    if hwm:
        peaks[pid] = max(peaks.get(pid, 0), int(hwm.group(1)))
    for child in children.split():
        _tree_peaks(int(child), peaks)


def govlinks_with_rss(args: Sequence[str], *, env: dict[str, str] | None = None,
                      timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:  # fmt: skip
    """:func:`govlinks`, and the peak RSS (MB) of that command and its workers together.

    Each process's own high-water mark (``VmHWM``), sampled every 0.1 s and summed. Not
    rusage: the ``ru_maxrss`` of a child includes the RSS of the test process it was forked
    from (Linux keeps the high-water mark across ``exec``), 400 MB late in the suite.
    """
    proc = popen_govlinks([*args], env={"COLUMNS": "120", **(env or {})})
    peaks: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            _tree_peaks(proc.pid, peaks)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return result, sum(peaks.values()) / 1024


def popen_govlinks(args: Sequence[str], *, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
    )  # fmt: skip


def validate_gexf(path: Path) -> None:
    """Validate a GEXF file against the official 1.3 XSD with xmllint."""
    if not shutil.which("xmllint"):
        pytest.skip("xmllint is not installed (Debian package libxml2-utils; .ci/run installs it)")
    run = subprocess.run(
        ["xmllint", "--noout", "--schema", str(GEXF_XSD), str(path)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr


def npm_ready(folder: Path, package: str) -> None:
    """Install ``folder``'s pinned npm packages (its package-lock.json) unless ``package`` is there."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are not installed (Debian packages nodejs and npm; .ci/run installs them)")
    if (folder / "node_modules" / package).is_dir():
        return
    run = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=folder,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, f"npm ci in {folder} failed: {run.stderr}"


def graphology(path: Path) -> dict[str, Any]:
    """A GEXF file as graphology-gexf (the parser of Gephi Lite) reads it: nodes, edges, attributes."""
    npm_ready(JS, "graphology-gexf")
    run = subprocess.run(["node", str(JS / "read_gexf.mjs"), str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def rows(db: Path | str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Query a store with plain sqlite3: tests read it as any SQLite client would.

    A ``postgresql://`` store is read through the store's own connection (the same
    SQL, translated), so that one test reads both backends alike.
    """
    if str(db).startswith("postgresql://"):
        from crawler.store.postgres import PgConnection

        pg = PgConnection.connect(str(db))
        try:
            return [tuple(r) for r in pg.execute(sql, params).fetchall()]
        finally:
            pg.close()
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for(db: Path | str, sql: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until ``sql`` gives a true first value in a running crawl's store."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        try:
            if rows(db, sql)[0][0]:
                return
        except sqlite3.OperationalError:
            pass  # the store is not created yet
        except Exception as err:  # the same on PostgreSQL (psycopg's UndefinedTable)
            if type(err).__name__ != "UndefinedTable":
                raise
        time.sleep(0.02)
    raise AssertionError("crawl too slow")


def html(title: str, body: str, footer: str = "") -> str:
    """A minimal HTML page for the test webs."""
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}{footer}</body></html>"


def snapshot(db: Path | str) -> dict[str, Any]:
    """What a crawl stored, without ids and times: two crawls of one web compare equal."""
    page_sql = ("SELECT site, kind, norm, status, depth, error, title, internal_links, external_links "
                "FROM pages")  # fmt: skip
    link_sql = ("SELECT l.source_site, p.norm, l.target_norm, l.target_site, l.template "
                "FROM links l JOIN pages p ON p.id = l.page_id")  # fmt: skip
    return {
        "pages": sorted(rows(db, page_sql)),
        "links": sorted(rows(db, link_sql)),
        "frontier": sorted(rows(db, "SELECT norm, site, depth FROM frontier")),
        "checks": sorted(rows(db, "SELECT norm, method, status, final_url, error FROM checks")),
        "crawls": rows(db, "SELECT status, pages, links, errors FROM crawls"),
    }


# What a crawler asks again after (Scrapy's RETRY_HTTP_CODES), and None: no answer at all.
RETRIED_STATUSES = frozenset({None, 408, 429, 500, 502, 503, 504, 522, 524})
# The crawl's own account of a retry the server cannot see (an answer sent in time that
# the client, on a loaded machine, still waited too long for): crawler/backoff.py.
_ASKED_AGAIN = re.compile(r"\[crawler\.backoff\] INFO: (GET|HEAD) (\S+): [a-z ]+, asking again")


def asked_again(crawl_log: str) -> Counter[tuple[str, str]]:
    """(method, URL) of each retry a crawl's log file names, as often as it names it."""
    return Counter(m.groups() for m in _ASKED_AGAIN.finditer(crawl_log))


def _request_keys(entry: LogEntry) -> list[tuple[str, str]]:
    """The keys under which two requests are the same: (method, URL as requested) always, and
    (method, norm) for an answer that is not a redirect (a redirect hop to another form of the
    same page, ``http://x/`` to ``https://www.x/``, is a request of its own). robots.txt is
    keyed by URL only: once per host and scheme."""
    url = f"{entry.scheme}://{entry.host}{entry.path}"
    keys = [(entry.method, url)]
    redirect = entry.status is not None and 300 <= entry.status < 400
    if entry.path != "/robots.txt" and not redirect:
        keys.append((entry.method, f"norm:{normalize_url(url)}"))
    return keys


def repeated_requests(
    log: Path | Iterable[LogEntry],
    *,
    timeout: float = 30.0,
    retries: int = 2,
    crawl_log: str = "",
) -> tuple[dict[tuple[str, str], list[LogEntry]], int]:
    """Requests of a demo server log asked more than once: (duplicates, retries seen by the server).

    A request asked again is a *retry*, expected, when the previous request of the same
    key got no answer or a status crawlers retry (429, 503...), or an answer slower
    than ``timeout`` (``LogEntry.seconds``), and it is at most the ``retries``-th in a
    row; or when the crawl's log (``crawl_log``) says it asked again after a timeout
    the server could not see. Anything else asked again is a *duplicate*: returned with
    every request of its key. ``log`` is a JSON-lines log file or a ``RequestLog``'s entries.
    """
    entries = list(iter_log_file(log)) if isinstance(log, Path) else list(log)
    credits = asked_again(crawl_log)
    by_key: dict[tuple[str, str], list[LogEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.time):
        if entry.method == "CONNECT":
            continue
        for key in _request_keys(entry):
            by_key.setdefault(key, []).append(entry)
    duplicates: dict[tuple[str, str], list[LogEntry]] = {}
    retried = 0
    for key, asked in by_key.items():
        in_a_row = 0
        used: Counter[tuple[str, str]] = Counter()
        for before, again in itertools.pairwise(asked):
            url = (again.method, f"{again.scheme}://{again.host}{again.path}")
            seen_by_server = before.status in RETRIED_STATUSES or before.seconds >= timeout
            if seen_by_server or used[url] < credits[url]:
                in_a_row += 1
                used[url] += not seen_by_server
            else:
                in_a_row = retries + 1
            if in_a_row > retries:
                duplicates[key] = asked
                break
            retried += seen_by_server and not key[1].startswith("norm:")  # once, under its URL
    return duplicates, retried


def assert_no_duplicate_requests(
    log: Path | Iterable[LogEntry], *, timeout: float = 30.0, retries: int = 2, crawl_log: str = ""
) -> int:
    """Fail naming every request asked twice (see :func:`repeated_requests`); return the retries."""
    duplicates, retried = repeated_requests(log, timeout=timeout, retries=retries, crawl_log=crawl_log)
    listed = "\n".join(
        f"{method} {key}: " + ", ".join(f"{e.scheme}://{e.host}{e.path} {e.status}" for e in asked)
        for (method, key), asked in sorted(duplicates.items())
    )
    assert not duplicates, f"{len(duplicates)} request(s) asked more than once:\n{listed}"
    return retried


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A real PostgreSQL server for the session (``tests/pgserver.py``), or a skip naming the package."""
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install -e '.[test]')")
    from tests.pgserver import MISSING, PgServer, binaries

    if binaries() is None:
        pytest.skip(MISSING)
    server = PgServer().start()
    try:
        yield server
    finally:
        server.stop()


_databases = itertools.count()


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database: one store per test."""
    name = f"store_{next(_databases)}"
    pg_server.sql(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    pg_server.sql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store's --db on each backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    return str(request.getfixturevalue("pg_url"))
