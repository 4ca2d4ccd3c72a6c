"""The records a fetch writes, from what Scrapy gave: one ``pages`` or ``checks`` row each.

Kept apart from the spider so that every way a fetch ends (a response, a failure, an
answer taken from another fetch in ``crawler/schedule.py``) builds its row the same way.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.items import LinkCheck, Page
from crawler.store import utcnow
from crawler.urls import normalize_url

__all__ = ["check_record", "is_html_type", "page_item", "page_record"]

_HTML_TYPES = (b"html", b"xml")


def is_html_type(content_type: bytes) -> bool:
    """Whether a Content-Type is worth parsing for links (none said counts as HTML)."""
    ctype = content_type.lower()
    return not ctype or any(t in ctype for t in _HTML_TYPES)


def page_record(meta: dict[str, Any], url: str, kind: str, **fields: Any) -> Page:
    """A ``pages`` row: what every fetch records, answered or not."""
    return Page(
        kind=kind,
        site=meta["gl_site"],
        url=meta.get("redirect_urls", [url])[0],  # the URL planned, before redirects
        norm=meta["gl_norm"],
        depth=meta["gl_depth"],
        fetched_at=utcnow(),
        captured_at=meta.get("gl_captured_at"),  # set by crawler/archive.py
        **fields,
    )


def check_record(meta: dict[str, Any], url: str, method: str, **fields: Any) -> LinkCheck:
    """A ``checks`` row: what every link check records, answered or not."""
    return LinkCheck(norm=meta["gl_norm"], url=url, method=method, checked_at=utcnow(), **fields)


def page_item(response: Response, kind: str) -> Page:
    """The row of a page that answered: status, type, size and where its redirects ended."""
    ctype = response.headers.get(b"Content-Type") or b""
    size = len(response.body)
    if "download_stopped" in response.flags:
        size = int(response.headers.get(b"Content-Length") or 0) or size
    final_url = response.url
    return page_record(
        response.meta,
        response.request.url if response.request else final_url,
        kind,
        final_url=final_url,
        final_norm=normalize_url(final_url),
        status=response.status,
        content_type=ctype.decode("latin-1").split(";", 1)[0].strip().lower()[:100],
        size=size,
    )
