"""The HTML report in a real browser: headless Chromium renders it to a non-blank
screenshot, logs no console message, and shows hostile crawled text as text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from graphs.analysis import analyse
from graphs.build import site_graph
from graphs.report_html import render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian package 'chromium' is not installed")

HOSTILE = "<script>alert(1)</script>"
_CONSOLE = re.compile(r":CONSOLE[:(]|Uncaught", re.I)


def chromium(tmp_path: Path, html: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
            "--v=0", *extra, html.as_uri(),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _CONSOLE.search(line)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    themes = ["N1", "N2", "N3", ""]
    sites = pd.DataFrame(
        {
            "site": [f"s{i}.gouv.fr" for i in range(40)],
            "name": [HOSTILE if i == 3 else f"Site {i} \x07" for i in range(40)],
            "title": [f'"><img src=x onerror=alert({i})>' for i in range(40)],
            "themes": [themes[i % 4] for i in range(40)],
            "life_events": ["E1" if i % 3 == 0 else "" for i in range(40)],
            "status": ["robots" if i == 39 else "ok" for i in range(40)],
            "html_pages": [5] * 40,
        }
    )
    edges = pd.DataFrame(
        [
            {"source": f"s{i}.gouv.fr", "target": f"s{(i * 7 + k) % 38}.gouv.fr", "weight": k + 1,
             "links": k + 2, "targets": 2, "deep": k % 2, "template_pages": 1, "content_pages": k % 2}
            for i in range(36)
            for k in range(1, 4)
        ]
    )  # fmt: skip
    a = analyse(site_graph(sites, edges), hub="s0.gouv.fr", labels={"N1": "Argent & <b>impôts</b>"})
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(a), encoding="utf-8")
    return path


def test_detector_catches_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nope();</script>")
    result = chromium(tmp_path, page, "--dump-dom")
    assert any("boom" in m for m in console_messages(result.stderr)), result.stderr[-2000:]


def test_screenshot_is_not_blank_and_console_is_silent(tmp_path: Path, report: Path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    result = chromium(tmp_path, report, f"--screenshot={shot}", "--window-size=1200,2000")
    assert shot.exists(), result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1200, 2000)
        colours = rgb.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 100  # text, tables and charts, not a blank page
    white = max((n for n, c in colours if c == (255, 255, 255)), default=0)
    assert white < 0.9 * 1200 * 2000


def test_hostile_text_stays_text_in_the_dom(tmp_path: Path, report: Path) -> None:
    result = chromium(tmp_path, report, "--dump-dom")
    dom = result.stdout
    assert "How well do public websites link to each other?" in dom
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<img src=x" not in dom and "&lt;img src=x onerror=alert(" in dom
    assert "Argent &amp; &lt;b&gt;impôts&lt;/b&gt;" in dom
    assert console_messages(result.stderr) == []
