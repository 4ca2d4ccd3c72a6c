"""Shared fixtures: run `govlinks` in a subprocess against a local web."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

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
