"""The govlinks spider: pages in, one item per page out, links aggregated per page.

One item per page (not per link) is what keeps Scrapy fast: its per-item overhead,
not HTML parsing, is the cost of a crawl. The spider also owns the *frontier*: the
set of pages each site will fetch, bounded by the page budget and the depth. Each
page item carries the frontier entries it added, and the store writes them in the
same transaction as the page, so that ``--resume`` can rebuild exactly the
requests still owed after a ``kill -9``.

The crawl runs in three phases, each started when Scrapy goes idle:

1. the sites themselves, breadth first, from their seed URL;
2. link targets inside seed sites that phase 1 did not reach, fetched once as
   pages of their site (``kind='target'``, not followed) so every cross-site link
   ends with a known status;
3. with ``--check-links``, link targets outside the seed sites (HEAD, then GET
   when HEAD is refused), which reveals links to retired sites.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, StopDownload
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.charsets import redecoded
from crawler.failures import ROBOTS, describe_failure
from crawler.items import FrontierRow, Link, LinkCheck, Page
from crawler.links import anchor_text, extract_links, page_title
from crawler.profile import link_context, page_profile
from crawler.proxy import REFUSED as PROXY_REFUSED
from crawler.signals import store_flush
from crawler.store import Store, utcnow
from crawler.urls import SiteIndex, normalize_url

__all__ = ["GovlinksSpider"]

logger = logging.getLogger(__name__)

_HTML_TYPES = (b"html", b"xml")


def _is_html_type(content_type: bytes) -> bool:
    ctype = content_type.lower()
    return not ctype or any(t in ctype for t in _HTML_TYPES)


class GovlinksSpider(scrapy.Spider):
    name = "govlinks"

    # Read from the crawler's settings in from_crawler (Scrapy builds the spider first).
    db: str
    crawl_id: int
    max_pages: int
    max_depth: int
    max_targets: int
    max_links: int
    keep_internal: bool
    check_links: bool
    text: bool  # keep page profiles and link contexts (crawler/profile.py)
    limits: dict[str, Any]  # timeout, max_bytes, max_redirects for describe_failure

    def __init__(self, *, sites: Iterable[str], selected: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        all_sites = list(sites)
        self.index = SiteIndex(all_sites)  # every seed site, for link attribution
        self.sites = sorted(selected or all_sites)  # the sites this run crawls
        self.seen: set[str] = set()
        self.planned: Counter[str] = Counter()  # frontier entries per site (the budget)
        self.pending: Counter[str] = Counter()  # requests scheduled, not answered yet
        self.targets_planned: Counter[str] = Counter()
        self.phase = 1
        self.done = 0  # responses and failures handled (any phase)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GovlinksSpider:
        spider: GovlinksSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.db = settings.get("GOVLINKS_DB")
        spider.crawl_id = settings.getint("GOVLINKS_CRAWL_ID")
        spider.max_pages = settings.getint("GOVLINKS_MAX_PAGES_PER_SITE")
        spider.max_depth = settings.getint("GOVLINKS_MAX_DEPTH")
        spider.max_targets = settings.getint("GOVLINKS_MAX_TARGETS_PER_SITE")
        spider.max_links = settings.getint("GOVLINKS_MAX_LINKS_PER_PAGE")
        spider.keep_internal = settings.getbool("GOVLINKS_KEEP_INTERNAL")
        spider.check_links = settings.getbool("GOVLINKS_CHECK_LINKS")
        spider.text = settings.getbool("GOVLINKS_TEXT", True)
        spider.limits = {
            "timeout": settings.getfloat("DOWNLOAD_TIMEOUT"),
            "max_bytes": settings.getint("DOWNLOAD_MAXSIZE"),
            "max_redirects": settings.getint("REDIRECT_MAX_TIMES"),
        }
        crawler.signals.connect(spider._on_headers, signal=signals.headers_received)
        # Connected at spider_opened so that it runs after the pipeline's handlers.
        crawler.signals.connect(spider._connect_idle, signal=signals.spider_opened)
        return spider

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def _connect_idle(self, spider: scrapy.Spider) -> None:
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    # -- scheduling --------------------------------------------------------------------

    def _request(self, url: str, site: str, norm: str, depth: int | None, kind: str) -> scrapy.Request:
        callback = self.parse if kind == "page" else self.parse_target
        self.pending[site] += 1
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            priority=-(depth or 0),
            dont_filter=True,  # the spider dedupes by norm itself
            meta={
                "gl_kind": kind,
                "gl_site": site,
                "gl_norm": norm,
                "gl_depth": depth,
                # One slot per site, as --delay is per site: path-prefix sites
                # sharing a host each keep their own pace.
                "download_slot": site,
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        """Pending frontier of the crawl: seed pages for a new crawl, the rest on resume."""
        with Store.open(self.db) as store:
            self.seen.update(store.known_norms(self.crawl_id))
            self.planned.update(store.frontier_counts(self.crawl_id))
            self.targets_planned.update(store.target_counts(self.crawl_id))
            pending = store.pending_frontier(self.crawl_id)
        wanted = set(self.sites)
        pending = [p for p in pending if p.site in wanted]
        self.stats.set_value("govlinks/resumed_requests", len(pending))
        for p in pending:
            yield self._request(p.url, p.site, p.norm, p.depth, "page")

    def _on_idle(self) -> None:
        """Move to the next phase when the current one has nothing left to fetch."""
        while self.phase < 3:
            self.crawler.signals.send_catch_log(store_flush)
            self.phase += 1
            if self.phase == 2:
                requests = self._target_requests()
            else:
                requests = self._check_requests() if self.check_links else []
            if requests:
                logger.info("phase %d: %d requests", self.phase, len(requests))
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider

    def _target_requests(self) -> list[scrapy.Request]:
        with Store.open(self.db) as store:
            unknown = store.unknown_targets(self.crawl_id)
        requests = []
        wanted = set(self.sites)
        for norm, url, site in unknown:
            if site not in wanted or norm in self.seen:
                continue
            if self.targets_planned[site] >= self.max_targets:
                self.stats.inc_value("govlinks/targets_over_budget")
                continue
            self.targets_planned[site] += 1
            self.seen.add(norm)
            requests.append(self._request(url, site, norm, None, "target"))
        self.stats.inc_value("govlinks/targets_scheduled", len(requests))
        return requests

    def _check_requests(self) -> list[scrapy.Request]:
        with Store.open(self.db) as store:
            unchecked = store.unchecked_external(self.crawl_id)
        self.stats.inc_value("govlinks/checks_scheduled", len(unchecked))
        return [self._check_request(url, norm, "HEAD") for norm, url in unchecked]

    def _check_request(self, url: str, norm: str, method: str) -> scrapy.Request:
        host = norm.split("/", 1)[0]
        self.pending[host] += 1
        return scrapy.Request(
            url,
            method=method,
            callback=self.parse_check,
            errback=self.on_error,
            dont_filter=True,
            meta={"gl_kind": "check", "gl_site": host, "gl_norm": norm, "download_slot": host},
        )

    # -- responses -----------------------------------------------------------------------

    def _on_headers(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        """Stop downloading bodies we will not parse (PDFs, images, link checks)."""
        kind = request.meta.get("gl_kind")
        if kind == "check" or (kind and not _is_html_type(headers.get(b"Content-Type") or b"")):
            self.stats.inc_value("govlinks/bodies_skipped")
            raise StopDownload(fail=False)

    def _settle(self, meta: dict[str, Any]) -> None:
        self.pending[meta["gl_site"]] -= 1
        self.done += 1

    @staticmethod
    def _page_record(meta: dict[str, Any], url: str, kind: str, **fields: Any) -> Page:
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

    @staticmethod
    def _check_record(meta: dict[str, Any], url: str, method: str, **fields: Any) -> LinkCheck:
        """A ``checks`` row: what every link check records, answered or not."""
        return LinkCheck(
            norm=meta["gl_norm"],
            url=url,
            method=method,
            checked_at=utcnow(),
            **fields,
        )

    def _page_item(self, response: Response, kind: str) -> Page:
        ctype = response.headers.get(b"Content-Type") or b""
        size = len(response.body)
        if "download_stopped" in response.flags:
            size = int(response.headers.get(b"Content-Length") or 0) or size
        final_url = response.url
        return self._page_record(
            response.meta,
            response.request.url if response.request else final_url,
            kind,
            final_url=final_url,
            final_norm=normalize_url(final_url),
            status=response.status,
            content_type=ctype.decode("latin-1").split(";", 1)[0].strip().lower()[:100],
            size=size,
        )

    def parse(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        self._settle(meta)
        site, depth = meta["gl_site"], meta["gl_depth"]
        item = self._page_item(response, "page")
        self.stats.inc_value("govlinks/pages")
        if response.status >= 400:
            self.stats.inc_value("govlinks/http_errors")
        if (
            response.status >= 300
            or not isinstance(response, HtmlResponse)
            or "download_stopped" in response.flags
        ):
            yield item
            return
        final_norm = item.final_norm
        if final_norm != meta["gl_norm"]:
            final_site, in_scope = self.index.attribute(final_norm) if final_norm else (None, False)
            if not final_norm or final_site != site or not in_scope or final_norm in self.seen:
                # Redirected off the site (or to no URL we can attribute), or onto a page
                # planned anyway: its links belong to that page, not to this URL.
                self.stats.inc_value("govlinks/redirects_not_parsed")
                yield item
                return
            self.seen.add(final_norm)
        try:
            root = redecoded(response).selector.root
        except Exception:
            root = None
        if root is None or not hasattr(root, "xpath"):
            item.error = "unparsable HTML"
            yield item
            return
        item.title = page_title(root)
        if self.text:
            item.profile = page_profile(root, item.title)
        requests = []
        links: list[Link] = []
        frontier: list[FrontierRow] = []
        internal = 0
        follow = depth is not None and depth < self.max_depth
        index, seen, planned = self.index, self.seen, self.planned
        max_links = self.max_links
        # One more than the bound, to tell a page cut short from one that has exactly that many.
        found = extract_links(root, response.url, limit=max_links + 1 if max_links else 0)
        for n, (href, url, element, rel, template) in enumerate(found):
            if n == max_links and max_links:
                self.stats.inc_value("govlinks/links_truncated")
                logger.warning("%s: more than %d links, the rest ignored", response.url, max_links)
                break
            norm = normalize_url(url)
            if norm is None:
                continue
            target_site, in_scope = index.attribute(norm)
            if target_site == site:
                internal += 1
                if self.keep_internal:
                    links.append(Link(href, url, norm, site, anchor_text(element), rel, int(template), 1))
                if in_scope and follow and norm not in seen and planned[site] < self.max_pages:
                    seen.add(norm)
                    planned[site] += 1
                    frontier.append(FrontierRow(norm, url, site, depth + 1))
                    requests.append(self._request(url, site, norm, depth + 1, "page"))
            else:
                anchor = anchor_text(element)
                # The words around a content link to another seed site, for its relevance.
                wanted = self.text and target_site and not template
                context = link_context(element, anchor) if wanted else None
                links.append(Link(href, url, norm, target_site, anchor, rel, int(template), 0, context))
        item.internal_links = internal
        item.external_links = len(links) - (internal if self.keep_internal else 0)
        item.links = links
        item.frontier = frontier
        self.stats.inc_value("govlinks/links_external", item.external_links)
        # The item first: the store must hold this page before any page it led to.
        yield item
        yield from requests

    def parse_target(self, response: Response) -> Iterable[Any]:
        self._settle(response.meta)
        item = self._page_item(response, "target")
        if isinstance(response, HtmlResponse) and response.status < 300:
            with contextlib.suppress(Exception):
                root = redecoded(response).selector.root
                item.title = page_title(root)
                if self.text:
                    item.profile = page_profile(root, item.title)
        self.stats.inc_value("govlinks/targets")
        yield item

    def parse_check(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        self._settle(meta)
        if response.request is not None and response.request.method == "HEAD" and response.status >= 400:
            # Many servers refuse or mishandle HEAD: ask once more with GET.
            self.stats.inc_value("govlinks/checks_get_fallback")
            original = meta.get("redirect_urls", [response.url])[0]
            yield self._check_request(original, meta["gl_norm"], "GET")
            return
        reasons = meta.get("redirect_reasons") or [None]
        self.stats.inc_value("govlinks/checks")
        yield self._check_record(
            meta,
            meta.get("redirect_urls", [response.url])[0],  # the URL checked, before redirects
            response.request.method if response.request else "GET",
            status=response.status,
            final_url=response.url,
            redirect_status=reasons[0] if isinstance(reasons[0], int) else None,
        )

    def on_error(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        if meta.get(PROXY_REFUSED):
            return  # the proxy refused the crawl, not this page: it stays owed (crawler/proxy.py)
        self._settle(meta)
        status = None
        error: str | None
        if failure.check(HttpError):  # not raised with HTTPERROR_ALLOW_ALL; kept as a status
            status = failure.value.response.status
            error = None
        else:
            error = describe_failure(failure.value, **self.limits)
            if error == ROBOTS:
                self.stats.inc_value("govlinks/robots_blocked")
        self.stats.inc_value(f"govlinks/errors/{meta['gl_kind']}")
        if meta["gl_kind"] == "check":
            yield self._check_record(meta, request.url, request.method, status=status, error=error)
            return
        yield self._page_record(meta, request.url, meta["gl_kind"], status=status, error=error)
