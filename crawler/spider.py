"""The govlinks spider: pages in, one item per page out, links aggregated per page.

One item per page (not per link) is what keeps Scrapy fast: its per-item overhead,
not HTML parsing, is the cost of a crawl. The spider also owns the *frontier*: the
set of pages each site will fetch, bounded by the page budget and the depth. Each
page item carries the frontier entries it added, and the store writes them in the
same transaction as the page, so that ``--resume`` can rebuild exactly the
requests still owed after a ``kill -9``. A crawl runs this spider in each of its
worker processes, over the sites and hosts each claims (``crawler/shared.py``).

Three kinds of fetch, all running at once, each site and outside host in its own
download slot (so a slow site delays only itself):

1. *pages* of each site, breadth first from its seed URL;
2. *link targets*: pages of a seed site that other sites link to and its own crawl
   did not reach, fetched once as pages of that site (``kind='target'``, not
   followed, in its slot, within ``GOVLINKS_MAX_TARGETS_PER_SITE``), so that every
   cross-site link ends with a known status;
3. with ``--check-links``, *link checks*: each outside URL once (HEAD, then GET when
   HEAD is refused), as soon as a page linking to it is parsed.

Invariants (``crawler/schedule.py`` keeps the books):

- A site is *finished* when none of its own page requests is outstanding: its crawl
  can plan nothing more. Its link targets are fetched then, and only then: a target
  is never a page its own crawl will reach. A link into a finished site found later
  (on a slow site's page) is fetched at once, if the site's budget allows.
- One answer per norm and world (pages by GET, link checks by HEAD): a norm is claimed
  when planned, scheduled as a target or check, or reached by a redirect chain. A
  redirect onto a claimed norm is not followed: the fetch takes that norm's answer
  when it comes. A redirect of a page or a check onto a page of a site still
  crawling waits until that site is finished (its crawl may reach the page), then
  takes the page's answer or follows. A redirect back to a URL of its own chain is a
  loop, recorded at once (``crawler/redirects.py``).
- The store after a crawl is the same whatever the order of answers, as long as no
  site exceeds its target budget (then the first targets found are fetched) and no
  page of one site redirects to a page of another that a third links to.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.charsets import html_root
from crawler.failures import ROBOTS, describe_failure
from crawler.items import FrontierRow, Link, LinkCheck, Page
from crawler.links import anchor_text, extract_links, page_title
from crawler.profile import link_context, page_profile
from crawler.proxy import REFUSED as PROXY_REFUSED
from crawler.records import check_record, is_html_type, page_item, page_record
from crawler.schedule import Answer, Fetch, Schedule, Stopped
from crawler.shared import SharedCrawl
from crawler.signals import store_flush
from crawler.store import Store
from crawler.urls import SiteIndex, normalize_url

__all__ = ["GovlinksSpider"]

logger = logging.getLogger(__name__)

# What each govlinks/dedup/* count saved, for the log's line at the end of the crawl.
_SAVED = {
    "redirects_resolved": "redirects onto pages fetched anyway",
    "targets_resolved": "link targets another target's redirect answered",
    "checks_resolved": "link checks answered by another fetch",
    "redirect_loops": "redirect loops cut short",
}


class GovlinksSpider(scrapy.Spider):
    name = "govlinks"

    # Read from the crawler's settings in from_crawler (Scrapy builds the spider first).
    db: str
    crawl_id: int
    max_pages: int
    max_depth: int
    max_links: int
    keep_internal: bool
    check_links: bool
    text: bool  # keep page profiles and link contexts (crawler/profile.py)
    limits: dict[str, Any]  # timeout, max_bytes, max_redirects for describe_failure

    def __init__(self, *, sites: Iterable[str], selected: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        all_sites = list(sites)
        self.index = SiteIndex(all_sites)  # every seed site, for link attribution
        self.selected = sorted(selected or all_sites)  # the sites this crawl crawls
        self.sites = list(self.selected)  # those this worker holds (crawler/shared.py)
        self.planned: Counter[str] = Counter()  # frontier entries per site (the budget)
        self.pending: Counter[str] = Counter()  # requests scheduled, not answered yet (any kind)
        self.done = 0  # responses and failures handled (any kind)
        self.schedule = Schedule(self.index, set(self.sites), 0, False, lookup=self._stored_answer)
        self._store: Store | None = None
        self.shared: SharedCrawl | None = None  # this worker's link to the crawl's other workers

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GovlinksSpider:
        spider: GovlinksSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.db = settings.get("GOVLINKS_DB")
        spider.crawl_id = settings.getint("GOVLINKS_CRAWL_ID")
        spider.max_pages = settings.getint("GOVLINKS_MAX_PAGES_PER_SITE")
        spider.max_depth = settings.getint("GOVLINKS_MAX_DEPTH")
        spider.max_links = settings.getint("GOVLINKS_MAX_LINKS_PER_PAGE")
        spider.keep_internal = settings.getbool("GOVLINKS_KEEP_INTERNAL")
        spider.check_links = settings.getbool("GOVLINKS_CHECK_LINKS")
        spider.text = settings.getbool("GOVLINKS_TEXT", True)
        spider.schedule.max_targets = settings.getint("GOVLINKS_MAX_TARGETS_PER_SITE")
        spider.schedule.check_links = spider.check_links
        spider.limits = {
            "timeout": settings.getfloat("DOWNLOAD_TIMEOUT"),
            "max_bytes": settings.getint("DOWNLOAD_MAXSIZE"),
            "max_redirects": settings.getint("REDIRECT_MAX_TIMES"),
        }
        crawler.signals.connect(spider._on_headers, signal=signals.headers_received)
        # Connected at spider_opened so that it runs after the pipeline's handlers.
        crawler.signals.connect(spider._connect_idle, signal=signals.spider_opened)
        if settings.get("GOVLINKS_WORKER"):
            spider.shared = SharedCrawl(spider, settings)
        return spider

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    @property
    def seen(self) -> set[str]:
        """Norms planned, scheduled or reached by a page fetch: never fetched again."""
        return self.schedule.seen

    @property
    def targets_planned(self) -> Counter[str]:
        return self.schedule.targets_planned

    @property
    def phase(self) -> int:
        """1 while some site's own crawl runs, 2 while link targets remain, then 3 (checks)."""
        if any(s not in self.schedule.finished for s in self.sites):
            return 1
        return 2 if any(self.pending[s] > 0 for s in self.sites) else 3

    def _connect_idle(self, spider: scrapy.Spider) -> None:
        self.schedule.stats = self.crawler.stats  # set when the crawl starts
        if self.shared is not None:
            self.crawler.signals.connect(self.shared.on_idle, signal=signals.spider_idle)

    # -- scheduling --------------------------------------------------------------------

    def _request(self, url: str, site: str, norm: str, depth: int | None, kind: str) -> scrapy.Request:
        callback = self.parse if kind == "page" else self.parse_target
        self.pending[site] += 1
        if kind == "page":
            self.schedule.crawling[site] += 1
            self.schedule.unanswered.add(norm)
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

    def _out(self, actions: Iterable[Any]) -> Iterator[Any]:
        """Records as they are; fetches and redirects to follow as requests."""
        for action in actions:
            if isinstance(action, Fetch):
                if action.kind == "target" and self.shared is not None:
                    self.shared.want_target(action)  # claimed in the store first
                elif action.kind == "target":
                    yield self._request(action.url, action.site, action.norm, None, "target")
                else:
                    yield self._check_request(action.url, action.norm, "HEAD")
            elif isinstance(action, scrapy.Request):  # a redirect followed after all
                self.pending[action.meta["gl_site"]] += 1
                yield action
            else:
                yield action

    async def start(self) -> AsyncIterator[Any]:
        """What this worker owes first: the units it claims, seed pages or what a --resume still owes."""
        for action in self.shared.start() if self.shared is not None else ():
            yield action

    def _stored_answer(self, norm: str) -> Answer | None:
        """The answer for a norm fetched a while ago, from the store (after a flush)."""
        self.crawler.signals.send_catch_log(store_flush)
        if self._store is None:
            self._store = Store.open(self.db)
        self.stats.inc_value("govlinks/dedup/store_lookups")
        row = self._store.page_answer(self.crawl_id, norm)
        return Answer(*row) if row is not None else None

    def follow_redirect(self, redirected: scrapy.Request) -> bool:
        """Whether a redirect is followed (``crawler/redirects.py`` asks); see the invariants."""
        meta = redirected.meta
        return self.schedule.follow(meta["gl_kind"], meta, normalize_url(redirected.url))

    def closed(self, reason: str) -> None:
        if self._store is not None:
            self._store.close()
        if self.shared is not None:
            self.shared.closed(reason)
        stats = self.stats
        saved = {k: stats.get_value(f"govlinks/dedup/{k}", 0) for k in _SAVED}
        if sum(saved.values()):
            logger.info(
                "requests not sent twice: %d (%s)",
                sum(saved.values()),
                ", ".join(f"{text} {saved[k]}" for k, text in _SAVED.items() if saved[k]),
            )

    # -- responses -----------------------------------------------------------------------

    def _on_headers(self, headers: Any, body_length: int, request: scrapy.Request, spider: Any) -> None:
        """Stop downloading bodies we will not parse (PDFs, images, link checks)."""
        kind = request.meta.get("gl_kind")
        request.meta["gl_partial"] = True  # a timeout from now on is not retried (crawler/backoff.py)
        if kind == "check" or (kind and not is_html_type(headers.get(b"Content-Type") or b"")):
            self.stats.inc_value("govlinks/bodies_skipped")
            raise StopDownload(fail=False)

    def _settle(self, meta: dict[str, Any]) -> list[Any]:
        """One request answered; when it was its site's last own page, what that releases."""
        site = meta["gl_site"]
        self.pending[site] -= 1
        self.done += 1
        if meta["gl_kind"] == "page" and not meta.get("gl_parked"):
            return self.schedule.settle_page(site)
        return []

    def _stopped(self, response: Response) -> list[Any] | None:
        """A redirect not followed (the downloader stopped it): what it waits for, or its record."""
        follow = response.meta.get("gl_stopped")
        if follow is None:
            return None
        meta = response.meta
        first = (meta.get("redirect_reasons") or [response.status])[0]
        url = meta.get("redirect_urls", [response.url])[0]
        stop = Stopped(meta["gl_kind"], meta, url, first, normalize_url(follow.url) or "", follow)
        return self.schedule.stopped(stop)

    def _emit(self, record: Page | LinkCheck, meta: dict[str, Any], last_url: str) -> list[Any]:
        history = ([*meta.get("redirect_urls", ()), last_url], meta.get("redirect_reasons", ()))
        return self.schedule.emit(record, meta, history)

    def parse(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        stopped = self._stopped(response)
        if stopped is not None:
            self.stats.inc_value("govlinks/pages")
            yield from self._out(self._settle(meta) + stopped)
            return
        site, depth = meta["gl_site"], meta["gl_depth"]
        item = page_item(response, "page")
        self.stats.inc_value("govlinks/pages")
        if response.status >= 400:
            self.stats.inc_value("govlinks/http_errors")
        if (
            response.status >= 300
            or not isinstance(response, HtmlResponse)
            or "download_stopped" in response.flags
        ):
            yield from self._out(self._emit(item, meta, response.url) + self._settle(meta))
            return
        final_norm = item.final_norm
        if final_norm != meta["gl_norm"]:
            final_site, in_scope = self.index.attribute(final_norm) if final_norm else (None, False)
            # Its own when this chain claimed it (crawler/redirects.py), or nobody did yet.
            own = final_norm in meta.get("gl_claims", ()) or final_norm not in self.seen
            if not final_norm or final_site != site or not in_scope or not own:
                # Redirected off the site (or to no URL we can attribute), or onto a page
                # planned anyway: its links belong to that page, not to this URL.
                self.stats.inc_value("govlinks/redirects_not_parsed")
                yield from self._out(self._emit(item, meta, response.url) + self._settle(meta))
                return
            self.seen.add(final_norm)
        try:
            root = html_root(response)
        except Exception:
            root = None
        if root is None or not hasattr(root, "xpath"):
            item.error = "unparsable HTML"
            yield from self._out(self._emit(item, meta, response.url) + self._settle(meta))
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
        # The item first: the store must hold this page before any page it led to. Its own
        # page requests count before it is settled, so that its site is not finished early.
        released = self._emit(item, meta, response.url)
        later = self.schedule.links_found(site, links) + self._settle(meta)
        yield from self._out(released)
        yield from requests
        yield from self._out(later)

    def parse_target(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        stopped = self._stopped(response)
        if stopped is not None:
            self.stats.inc_value("govlinks/targets")
            yield from self._out(self._settle(meta) + stopped)
            return
        item = page_item(response, "target")
        if isinstance(response, HtmlResponse) and response.status < 300:
            with contextlib.suppress(Exception):
                root = html_root(response)
                item.title = page_title(root)
                if self.text:
                    item.profile = page_profile(root, item.title)
        self.stats.inc_value("govlinks/targets")
        yield from self._out(self._emit(item, meta, response.url) + self._settle(meta))

    def parse_check(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        settled = self._settle(meta)
        stopped = self._stopped(response)
        if stopped is not None:
            self.stats.inc_value("govlinks/checks")
            yield from self._out(settled + stopped)
            return
        if response.request is not None and response.request.method == "HEAD" and response.status >= 400:
            # Many servers refuse or mishandle HEAD: ask once more with GET.
            self.stats.inc_value("govlinks/checks_get_fallback")
            original = meta.get("redirect_urls", [response.url])[0]
            fallback = self._check_request(original, meta["gl_norm"], "GET")
            if meta.get("gl_nostop"):
                fallback.meta["gl_nostop"] = True
            yield from self._out(settled)
            yield fallback
            return
        reasons = meta.get("redirect_reasons") or [None]
        self.stats.inc_value("govlinks/checks")
        record = check_record(
            meta,
            meta.get("redirect_urls", [response.url])[0],  # the URL checked, before redirects
            response.request.method if response.request else "GET",
            status=response.status,
            final_url=response.url,
            redirect_status=reasons[0] if isinstance(reasons[0], int) else None,
        )
        yield from self._out(self._emit(record, meta, response.url) + settled)

    def on_error(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        if meta.get(PROXY_REFUSED):
            return  # the proxy refused the crawl, not this page: it stays owed (crawler/proxy.py)
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
        record: Page | LinkCheck
        if meta["gl_kind"] == "check":
            first = meta.get("redirect_urls", [request.url])[0]
            record = check_record(meta, first, request.method, status=status, error=error)
        else:
            record = page_record(meta, request.url, meta["gl_kind"], status=status, error=error)
        yield from self._out(self._emit(record, meta, request.url) + self._settle(meta))
