"""crawler/text.py: one rule per kind of output for text from crawled pages, and no copy elsewhere."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from crawler.text import MAX_TEXT, crawled_text, csv_cell, escape_html, generator, safe_text, xml_text

ROOT = Path(__file__).resolve().parent.parent

# One of each kind: C0 (NUL, BEL, ESC), tab/LF/CR, DEL, C1 (NEL, CSI), a lone surrogate, a noncharacter.
HOSTILE = "a\x00\x07\x1b[31m\t\n\r\x7f\x85\x9b\ud800\ufffe\uffffz"


def test_clean_text() -> None:  # moved from test_links.py with crawled_text
    assert crawled_text(" a\x00b\x1b  c\n\td ") == "ab c d"
    assert crawled_text("x" * 1000) == "x" * 300
    assert crawled_text(None) == ""


def test_each_output_removes_its_own_set() -> None:
    # XML 1.0 allows tab/LF/CR, DEL and C1: exports keep them
    assert xml_text(HOSTILE) == "a[31m\t\n\r\x7f\x85\x9bz"
    # the crawl drops DEL as well and collapses white space (NEL, U+0085, is white space), keeps other C1
    assert crawled_text(HOSTILE) == "a[31m \x9bz"
    # what a person reads loses DEL and C1 too (U+009B starts a terminal command like ESC [)
    assert safe_text(HOSTILE) == "a[31m\t\n\rz"
    assert safe_text(None) == "" and safe_text(float("nan")) == "" and safe_text(12) == "12"
    assert crawled_text("é" * (MAX_TEXT + 5)) == "é" * MAX_TEXT


def test_escape_html_is_text_and_attribute_safe() -> None:
    assert escape_html('<a href="x">\'&\x1b') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    assert escape_html(None) == ""


def test_csv_cell_defuses_formulas() -> None:
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(cell) == "'" + cell
    assert csv_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert csv_cell("\x1b=x") == "'=x"  # cleaned first, then defused
    assert csv_cell("a=b") == "a=b" and csv_cell(-1) == -1 and csv_cell(None) is None


def test_generator_names_the_installed_version() -> None:
    assert generator() == f"govlinks {version('govlinks')}"


def test_no_other_module_strips_control_characters() -> None:
    """The character sets live in crawler/text.py only (tests may keep their own oracles)."""
    pattern = re.compile(r"\\x0e-\\x1f|\\x7f-\\x9f|\\x00-\\x08")
    sources = [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("graphs/**/*.py"), *ROOT.glob("demo/**/*.py")]
    sources.append(ROOT / "cli.py")
    found = [str(p.relative_to(ROOT)) for p in sources if pattern.search(p.read_text(encoding="utf-8"))]
    assert found == ["crawler/text.py"]
