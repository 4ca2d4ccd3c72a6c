"""Which download slot a request waits in: robots.txt and redirect hops beside a site's pages.

``--delay`` spaces the *pages* of a site. Scrapy puts every request without a
``download_slot`` in the slot of its host name, and a redirect in the slot of the
request it follows, so a site's robots.txt (when the site id is its host name) and
each redirect hop (``http://`` → ``https://www.``) cost a whole delay before the
page itself: a site of eight pages at 4 s took ten delays, not eight. Here
robots.txt waits in a slot of its own, one per host (:class:`SlotsMiddleware`),
and the requests of a redirect chain in a second slot of the site (:func:`hop_slot`,
given by ``crawler/redirects.py``), so that a page is fetched as a browser would,
its hops at once, and the delay runs between pages. Each slot keeps
``--per-site-concurrency``; the hops of one page come one after the other.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

__all__ = ["HOPS", "SlotsMiddleware", "hop_slot"]

HOPS = " (redirects)"


def hop_slot(meta: dict[str, Any]) -> None:
    """Move a redirect's next request to the second slot of its site (or host)."""
    slot = meta.get("download_slot")
    if slot is not None and not slot.endswith(HOPS):
        meta["download_slot"] = slot + HOPS


class SlotsMiddleware:
    def process_request(self, request: Request) -> None:
        meta = request.meta
        robots = meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt")
        if robots and "download_slot" not in meta:  # RobotsTxtMiddleware's own request
            meta["download_slot"] = f"robots.txt {urlparse_cached(request).hostname}"
