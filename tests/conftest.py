"""Shared fixtures: run `govlinks` in a subprocess against a local web."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

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


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Query a store with plain sqlite3: tests read it as any SQLite client would."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for(db: Path, sql: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until ``sql`` gives a true first value in a running crawl's store."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        try:
            if rows(db, sql)[0][0]:
                return
        except sqlite3.OperationalError:
            pass  # the store is not created yet
        time.sleep(0.02)
    raise AssertionError("crawl too slow")


def html(title: str, body: str, footer: str = "") -> str:
    """A minimal HTML page for the test webs."""
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}{footer}</body></html>"


def snapshot(db: Path) -> dict[str, Any]:
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
