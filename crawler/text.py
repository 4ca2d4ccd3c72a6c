"""Text that comes from crawled pages, made safe for each place it goes.

Titles, anchor texts, names and URLs are written by sites we do not control:
they can hold control characters that break an XML parser, ESC sequences that
rewrite a terminal, markup, or a cell a spreadsheet would run as a formula.
Every writer takes its text from here, so that each kind of output has one
rule, and a new output picks the rule that fits rather than writing a fourth
regex:

================  =========================================================
crawled_text      at crawl time, before the store: white space collapsed,
                  XML-illegal characters and DEL removed, length bounded
xml_text          GEXF, GraphML, open-data tables: XML-illegal characters
                  removed (C0 but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF)
safe_text         any output a person reads (terminal, JSON, CSV, HTML):
                  XML-illegal characters, DEL and the C1 controls removed
escape_html       ``safe_text`` then HTML-escaped, for text and quoted
                  attributes (the report's templates apply it to every value)
csv_cell          ``safe_text``, and a leading ``'`` on a cell that starts
                  with ``= + - @`` tab or CR
generator         "govlinks X.Y.Z", the version that wrote an output
================  =========================================================

The three character sets nest (XML-illegal ⊂ crawl time ⊂ output) and differ
on purpose. XML 1.0 allows DEL and C1 (U+007F-U+009F), so the exports keep
them: they are the page's text, and an export is data. The terminal treats
ESC and CSI (U+009B) as commands, so everything shown to a person loses them.
The crawl drops DEL as it always has and keeps C1, so that stored titles do
not change. Lone surrogates cannot come out of the HTML parser or the SQLite
store; they are in all three sets (not only the XML one, as before) so that
each set is "the XML set plus something", and because a lone surrogate would
make the UTF-8 writer of a report raise.

This module sits in ``crawler/`` although only one of its jobs runs at crawl
time: ``crawler/links.py`` cleans titles and anchors as it extracts them, and
the layers import one way (crawler <- graphs <- demo <- cli), so a
``graphs/text.py`` could not serve the crawler. Pure functions over ``str``,
no state, standard library only.
"""

from __future__ import annotations

import html
import math
import re
from functools import cache
from typing import Any

__all__ = ["MAX_TEXT", "crawled_text", "csv_cell", "escape_html", "generator", "safe_text", "xml_text"]

MAX_TEXT = 300  # characters kept of an anchor text or a title

# Characters XML 1.0 forbids: C0 controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
_XML_ILLEGAL = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_NOT_XML = re.compile(f"[{_XML_ILLEGAL}]")
_NOT_STORED = re.compile(f"[{_XML_ILLEGAL}\x7f]")  # + DEL
_CONTROL = re.compile(f"[{_XML_ILLEGAL}\x7f-\x9f]")  # + DEL and C1 (U+009B is CSI, a terminal command)
_SPACE = re.compile(r"\s+")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def crawled_text(text: str | None, limit: int = MAX_TEXT) -> str:
    """Text of a page as stored: white space collapsed, XML-illegal and DEL removed, bounded.

    >>> crawled_text(" a\\x00b\\x7f \\n c ")
    'ab c'
    >>> crawled_text("x" * 400) == "x" * MAX_TEXT, crawled_text(None)
    (True, '')
    """
    if not text:
        return ""
    text = _SPACE.sub(" ", _NOT_STORED.sub("", text)).strip()
    return text[:limit]


def xml_text(value: Any) -> str:
    """``str(value)`` without the characters XML 1.0 forbids (DEL and C1 stay: XML allows them).

    >>> xml_text("a\\x00b\\x07<c>\\x1b\\x85")
    'ab<c>\\x85'
    """
    return _NOT_XML.sub("", str(value))


def safe_text(value: Any) -> str:
    """Text for any output: control and XML-illegal characters removed; None and NaN are "".

    >>> safe_text("a\\x1b[31mb\\x00\\x9b"), safe_text(None), safe_text(float("nan")), safe_text(7)
    ('a[31mb', '', '', '7')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _CONTROL.sub("", str(value))


def escape_html(value: Any) -> str:
    """:func:`safe_text`, escaped for HTML text or a quoted attribute.

    >>> escape_html('<script>alert(1)</script>\\x00"')
    '&lt;script&gt;alert(1)&lt;/script&gt;&quot;'
    """
    return html.escape(safe_text(value), quote=True)


def csv_cell(value: Any) -> Any:
    """A CSV cell: strings through :func:`safe_text`, defused when a spreadsheet would run them.

    Non-strings are returned as they are (the CSV writer formats numbers).

    >>> csv_cell('=HYPERLINK("http://evil")'), csv_cell("-1"), csv_cell("a\\x1bb"), csv_cell(3)
    ('\\'=HYPERLINK("http://evil")', "'-1", 'ab', 3)
    """
    if isinstance(value, str):
        value = safe_text(value)
        if value.startswith(_FORMULA):
            return "'" + value  # a spreadsheet would run it as a formula
    return value


@cache
def generator() -> str:
    """``govlinks X.Y.Z`` (the installed version), or ``govlinks`` when running from a checkout."""
    try:
        from importlib.metadata import version

        return f"govlinks {version('govlinks')}"
    except Exception:  # not installed: running from a checkout
        return "govlinks"
