"""Shared fixtures: run `govlinks` in a subprocess against a local web."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


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


@pytest.fixture
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.exists():
        pytest.skip("../shared/data is not beside the repository")
    return data


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
