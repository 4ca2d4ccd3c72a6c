"""The HTML report's templates: escaping by default, strict values, the CSP, and shipped as package data.

The rendered report itself (hostile text, charts, sections) is checked in
test_report.py, test_report_browser.py and, against a golden copy, test_golden.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jinja2
import pytest

from graphs.report_html import environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "graphs" / "templates"


def render(source: str, **values: object) -> str:
    return environment().from_string(source).render(**values)


def test_every_value_is_escaped_and_cleaned_by_default() -> None:
    assert render("<p title='{{ v }}'>{{ v }}</p>", v='"><script>\x1b') == (
        "<p title='&quot;&gt;&lt;script&gt;'>&quot;&gt;&lt;script&gt;</p>"
    )
    assert render("{{ v }}|{{ n }}", v=None, n=3) == "|3"
    # filters that escape by themselves (autoescape) still lose control characters
    assert render("{{ xs|join(', ') }}", xs=["<b>\x1b", "\x9bc"]) == "&lt;b&gt;, c"


def test_a_misspelt_value_fails_the_render() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("{{ crawl.nope }}", crawl={"id": 1})


def test_num_filter() -> None:
    assert render("{{ a|num }} {{ b|num('.0%') }} {{ c|num }} {{ d|num('.1f') }}", a=12345, b=0.25, c=None,
                  d=float("nan")) == "12,345 25% – –"  # fmt: skip


def test_templates_mark_nothing_safe() -> None:
    files = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*") if p.is_file())
    assert {"base.html", "report.html", "_macros.html", "report.css"} <= set(files)
    assert {f"report/{s}.html" for s in ("summary", "findings", "uncrawled", "grouping", "network",
                                          "all_sites")} <= set(files)  # fmt: skip
    for name in files:
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", "") and "Markup" not in text, name
        if name.endswith(".html"):
            environment().get_template(name)  # parses


def test_content_security_policy_allows_only_listed_scripts() -> None:
    """Nothing remote, no inline script but those a page lists by hash (the explorer's), no eval."""
    page = environment().get_template("base.html")
    csp = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
    plain = csp.search(page.render())
    assert plain is not None
    assert plain.group(1) == (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    )
    hashed = csp.search(page.render(script_hashes=["sha256-AAAA", "sha256-BBBB"]))
    assert hashed is not None
    assert hashed.group(1) == (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "script-src 'sha256-AAAA' 'sha256-BBBB'; base-uri 'none'; form-action 'none'"
    )


def test_templates_are_package_data() -> None:
    """A non-editable install ships every template: pyproject's package-data globs cover the folder."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.lower() == "jinja2>=3.1" for d in config["project"]["dependencies"])
    globs = config["tool"]["setuptools"]["package-data"]["graphs"]
    shipped = {p for g in globs for p in (ROOT / "graphs").glob(g)}
    assert {p for p in shipped if TEMPLATES in p.parents} == {p for p in TEMPLATES.rglob("*") if p.is_file()}
