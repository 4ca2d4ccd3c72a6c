"""Decode a page by what its bytes are when its declared charset is wrong.

Scrapy trusts the ``Content-Type`` header, then ``<meta>``, as browsers do. Old
sites often get it wrong in two ways that would garble every title and anchor
text the crawl stores: Latin-1 bytes served as UTF-8, and UTF-8 bytes served as
Latin-1. Both are cheap to recognise: the first leaves U+FFFD in the decoded
text where the bytes are not UTF-8; the second is valid UTF-8 with non-ASCII
bytes, which text meant as Latin-1 practically never is.
"""

from __future__ import annotations

import codecs
from typing import Any

from scrapy.http import HtmlResponse
from scrapy.selector import Selector
from w3lib.encoding import html_body_declared_encoding

__all__ = ["html_root", "redecoded"]

_LATIN = {"cp1252", "iso8859-1", "iso8859-15"}  # codec names, as codecs.lookup() gives them


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def redecoded(response: HtmlResponse) -> HtmlResponse:
    """The response itself, or a copy decoded with the charset its bytes are in.

    Latin-1 bytes served as UTF-8 are decoded with the ``<meta>`` charset, else
    Windows-1252 (a superset of Latin-1 for text); UTF-8 served as Latin-1 as UTF-8.

    >>> page = "<title>Démarches été</title>"
    >>> served = HtmlResponse("https://a.fr/", body=page.encode("latin-1"),
    ...                       headers={"Content-Type": "text/html; charset=utf-8"})
    >>> served.css("title::text").get(), redecoded(served).css("title::text").get()
    ('D\ufffdmarches \ufffdt\ufffd', 'Démarches été')
    """
    encoding = _codec(response.encoding)
    body = response.body
    if encoding == "utf-8":
        if "\ufffd" not in response.text:
            return response
        try:
            body.decode("utf-8")
            return response  # the page really contains U+FFFD
        except UnicodeDecodeError:
            declared = _codec(html_body_declared_encoding(body))
            return response.replace(encoding=declared if declared not in (None, "utf-8") else "cp1252")
    if encoding in _LATIN and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return response
        return response.replace(encoding="utf-8")
    return response


def html_root(response: HtmlResponse) -> Any:
    """The lxml tree of a page, decoded as :func:`redecoded` says.

    Parsed as ``response.selector`` parses it, by a :class:`Selector` of its own:
    Scrapy caches that one on the response, and the selector refers back to the
    response, a reference cycle that only the garbage collector frees. Every page,
    with its tree, then waited for a collection of the oldest generation; with the
    tree referenced from nowhere else, it is freed as soon as the page is parsed.

    >>> root = html_root(HtmlResponse("https://a.fr/", body=b"<title>Aides</title>", encoding="utf-8"))
    >>> root.findtext(".//title")
    'Aides'
    """
    return Selector(response=redecoded(response)).root
