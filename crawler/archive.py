"""Crawl the past: a downloader middleware that answers every request from a web archive.

With ``govlinks crawl --archive URL --at DATE`` the spider crawls exactly as it
would the live web, with the sites' original URLs; this middleware stands between
it and the network. For each request it finds the capture of that URL closest to
the date (``crawler/wayback.py``), downloads it raw from the archive (``id_``
replay), and hands the spider the archived answer under the original URL, so that
links are extracted, attributed and stored as in a live crawl. The page's own
URL and norm stay the original ones; the capture's time rides in
``meta["gl_captured_at"]`` to ``pages.captured_at``.

- **Redirects.** An archived 3xx comes back with its ``Location`` turned back into
  the original URL space; Scrapy's RedirectMiddleware then follows it, and the
  target is looked up in the archive like any page. A redirect to the page itself
  (``http://x/`` → ``https://x/``) is stepped over to the closest capture with content.
- **No capture in the window**: the page fails with ``archive: no capture within
  6 months of 2015-06-01`` (its own error kind); it is never fetched live.
- **robots.txt.** Scrapy's RobotsTxtMiddleware runs before this one and asks for the
  site's robots.txt: this middleware serves it from the archive as it was at the
  date (none captured: like a 404, everything allowed). The live robots.txt is
  never fetched, and the archive's own is not consulted: its CDX and replay APIs
  are meant for programs, and its exclusions come back as errors.
- **Politeness.** Every CDX query and replay goes through one download slot,
  ``archive``, whose concurrency is 1 and delay ``1 / --archive-rate``: one global
  rate whatever the number of sites. BackoffMiddleware widens that slot on 429/503
  from the archive (``Retry-After`` honoured); an archived 503 (a memento, with
  ``Memento-Datetime``) is the page's answer at the time and is never retried.
- **CDX queries** are batched per site: one prefix query (paged when the server
  pages) lists the window's captures of every URL under the site's host and path
  prefix; only URLs outside it (robots.txt of a path-prefix site, subdomains,
  redirects off the site) are looked up one by one. Each index lives in memory
  for the run; ``--resume`` rebuilds them as pages ask.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.failures import describe_failure
from crawler.urls import normalize_url
from crawler.wayback import (
    Archive,
    Capture,
    CaptureIndex,
    capture_key,
    iso_from_http_date,
    iso_from_timestamp,
    link_original,
    parse_at,
    parse_cdx,
    parse_page_count,
    parse_window,
)

__all__ = ["ARCHIVE_SLOT", "ArchiveError", "ArchiveMiddleware"]

logger = logging.getLogger(__name__)

ARCHIVE_SLOT = "archive"  # the one download slot of every request to the archive
_ARCHIVE_HOPS = 5  # redirects of the archive's own, from one timestamp to another, followed


class ArchiveError(Exception):
    """A page the archive could not give; ``str(err)`` is the stored error, ``archive: …``."""


class ArchiveMiddleware:
    """Serve each request from the archive's capture closest to the crawl's date."""

    def __init__(self, crawler: Any, archive: Archive) -> None:
        self.crawler = crawler
        self.archive = archive
        self.stats = crawler.stats
        settings = crawler.settings
        self.limits = {
            "timeout": settings.getfloat("DOWNLOAD_TIMEOUT"),
            "max_bytes": settings.getint("DOWNLOAD_MAXSIZE"),
            "max_redirects": settings.getint("REDIRECT_MAX_TIMES"),
        }
        self._sites: dict[str, asyncio.Future[CaptureIndex]] = {}  # prefix query -> its index
        self._exact: dict[str, asyncio.Future[CaptureIndex]] = {}  # capture key -> its index
        self._robots: dict[Capture, Response] = {}  # robots.txt replayed, by capture

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveMiddleware:
        settings = crawler.settings
        url = settings.get("GOVLINKS_ARCHIVE_URL")
        if not url:
            raise NotConfigured("not an archive crawl")
        at = parse_at(settings.get("GOVLINKS_ARCHIVE_AT"))
        window = parse_window(settings.get("GOVLINKS_ARCHIVE_WINDOW") or "6m")
        return cls(crawler, Archive.from_url(url, at, window))

    # -- the page requests of the spider --------------------------------------------------

    async def process_request(self, request: Request) -> Response | None:
        if self.archive.owns(request.url):
            return None  # a CDX query or a replay: goes to the network
        meta = request.meta
        meta.pop("gl_captured_at", None)  # a redirect's copy of the previous hop's meta
        key = capture_key(request.url)
        if key is None:
            raise ArchiveError(f"archive: cannot look up {request.url[:100]}")
        index = await self._index_for(request.url)
        capture = index.best(key)
        robots = "gl_kind" not in meta and request.url.endswith("/robots.txt")
        if capture is None:
            if robots:  # no robots.txt in the archive at that date: nothing was forbidden
                self.stats.inc_value("archive/robots_not_captured")
                return Response(request.url, status=404, request=request)
            self.stats.inc_value("archive/no_capture")
            raise ArchiveError(f"archive: no capture within {self.archive.describe()}")
        if robots and capture in self._robots:  # asked again for another scheme or www. form
            return self._as_original(request, capture, self._robots[capture])
        response = await self._replay(request, capture)
        if robots:
            self._robots[capture] = response
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = self.archive.location(response.url, location.decode("latin-1"))
            body = index.best(key, content=True)
            if capture_key(target) == key and body is not None and body != capture:
                # http://x/ -> https://x/ is one page here: take its closest body.
                self.stats.inc_value("archive/self_redirects_skipped")
                capture, response = body, await self._replay(request, body)
        return self._as_original(request, capture, response)

    def _as_original(self, request: Request, capture: Capture, response: Response) -> Response:
        """The archived answer as the site gave it: original URL, original redirect target."""
        headers = response.headers
        memento = headers.get(b"Memento-Datetime")
        if response.status >= 400 and memento is None:
            # Not a capture but the archive's own answer (gone, excluded, overloaded).
            raise ArchiveError(f"archive: replay answered HTTP {response.status}")
        captured = iso_from_http_date(memento.decode("latin-1")) if memento else None
        request.meta["gl_captured_at"] = captured or iso_from_timestamp(capture.timestamp)
        request.meta["dont_retry"] = True  # retries were the replay's; this is the page's answer
        link = headers.get(b"Link")
        original = (link_original(link.decode("latin-1")) if link else None) or capture.url
        if normalize_url(original) != normalize_url(request.url):
            original = request.url  # same capture key, other case or query order: keep the page's
        headers = headers.copy()
        location = headers.get(b"Location")
        if location:
            headers[b"Location"] = self.archive.location(response.url, location.decode("latin-1"))
        self.stats.inc_value("archive/pages")
        return response.replace(url=original, headers=headers, request=request)

    # -- replies of the archive ------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Response:
        """An archived 429 or 503 is the page's answer at the time: never back off from it."""
        if request.meta.get("gl_archive") == "replay" and b"Memento-Datetime" in response.headers:
            request.meta["dont_retry"] = True
        return response

    def _archive_request(self, url: str, role: str, request: Request | None = None) -> Request:
        meta = {
            "download_slot": ARCHIVE_SLOT,
            "dont_obey_robotstxt": True,
            "dont_redirect": True,
            "handle_httpstatus_all": True,
            "gl_archive": role,
        }
        if request is not None and "gl_kind" in request.meta:
            meta["gl_kind"] = request.meta["gl_kind"]  # the spider skips bodies it will not parse
        return Request(url, meta=meta, dont_filter=True, priority=request.priority if request else 0)

    async def _download(self, request: Request, what: str) -> Response:
        engine = self.crawler.engine
        try:
            if hasattr(engine, "download_async"):
                return await engine.download_async(request)  # type: ignore[no-any-return]
            from scrapy.utils.defer import maybe_deferred_to_future

            return await maybe_deferred_to_future(engine.download(request))  # type: ignore[no-any-return]
        except Exception as exc:
            described = describe_failure(exc, **self.limits)
            if described.startswith("too large"):
                raise  # the page was too large, as it would be live
            raise ArchiveError(f"archive: {what} failed: {described}") from exc

    async def _replay(self, request: Request, capture: Capture) -> Response:
        """The capture, raw. A redirect to the same page in the archive's own URL space is the
        archive's (the Wayback Machine sends a timestamp it holds no exact capture at to the
        nearest one): followed here. A redirect to another page is the page's: returned."""
        url = self.archive.replay_url(capture)
        for _ in range(_ARCHIVE_HOPS):
            self.stats.inc_value("archive/replays")
            response = await self._download(self._archive_request(url, "replay", request), "replay")
            location = response.headers.get(b"Location")
            if not (300 <= response.status < 400 and location):
                return response
            target = urljoin(response.url, location.decode("latin-1"))
            if not self.archive.owns(target) or capture_key(self.archive.original(target)) != capture_key(
                capture.url
            ):
                return response
            url = target
        return response

    # -- CDX indexes -------------------------------------------------------------------------

    def _scope(self, url: str) -> str | None:
        """The prefix query that covers ``url``: its seed site's host and path, or None."""
        norm = normalize_url(url)
        spider = self.crawler.spider
        if norm is None or spider is None or not hasattr(spider, "index"):
            return None
        site, in_scope = spider.index.attribute(norm)
        if site is None or not in_scope or norm.split("/", 1)[0] != site.split("/", 1)[0]:
            return None  # a subdomain, or outside every path prefix of the host
        return site if "/" in site else site + "/"

    async def _index_for(self, url: str) -> CaptureIndex:
        scope = self._scope(url)
        if scope is not None:
            futures, name, query, prefix = self._sites, scope, scope, True
        else:
            futures, name, query, prefix = self._exact, capture_key(url) or url, url, False
        future = futures.get(name)
        if future is None:
            future = futures[name] = asyncio.ensure_future(self._load(query, prefix))
        # shield: a request cancelled while it waits must not cancel the others' index
        return await asyncio.shield(future)

    async def _load(self, url: str, prefix: bool) -> CaptureIndex:
        index = CaptureIndex(self.archive.target)
        pages = None
        if prefix:
            pages = parse_page_count(await self._cdx(self.archive.query(url, prefix=True, count=True)))
        queries = [self.archive.query(url, prefix=prefix)] if pages is None else [
            self.archive.query(url, prefix=True, page=page) for page in range(pages)]  # fmt: skip
        for query in queries:
            body = await self._cdx(query)
            try:
                index.add(parse_cdx(body))
            except ValueError:
                raise ArchiveError(f"archive: CDX answer is not JSON: {body[:60]!r}") from None
        self.stats.inc_value("archive/indexes/prefix" if prefix else "archive/indexes/exact")
        logger.debug("archive index of %s: %d URLs", url, len(index))
        return index

    async def _cdx(self, url: str) -> bytes:
        self.stats.inc_value("archive/cdx_queries")
        response = await self._download(self._archive_request(url, "cdx"), "CDX query")
        if response.status == 404:
            return b""  # some servers say 'no captures' so
        if response.status != 200:
            raise ArchiveError(f"archive: CDX query answered HTTP {response.status}")
        return response.body
