"""What the crawl fetches next, and what it never fetches twice: the spider's ledger, without Scrapy.

The spider (``crawler/spider.py``) turns responses into records; this module decides
which fetches follow from them. It holds no Scrapy object it needs to understand:
requests go out as :class:`Fetch` tuples (or as the redirect requests the downloader
built, passed back unopened) and records come in as ``crawler.items`` items, so that
every rule below is testable offline.

Two worlds, each with one answer per norm:

- *pages* (GET: kinds ``page`` and ``target``). A norm is *claimed* when its site
  plans it, when it is scheduled as a link target, or when a redirect chain that was
  followed reaches it; every claimed norm gets one answer, the record of its own
  fetch or of the chain that reached it. A redirect onto a claimed norm is not
  followed: the fetch takes that norm's answer, now or when it comes. Claims of the
  sites' own crawls (``seen``) keep a norm from being a link target, as when link
  targets waited for every site; a norm only a link target's redirect reached
  (``landed``) is still a link target, answered without a request.
- *link checks* (HEAD, then GET; kind ``check``): the same, with ``checked`` for the
  outside norms whose own check is owed and ``check_claims`` for norms a check's
  redirect chain reached; ``LinkCheck.resolved_from`` says whose request an answer
  took. A check whose redirect lands on a page of a seed site takes that page's answer.

A redirect onto a page of another seed site whose own crawl is not over waits
(*parked*) until it is: that crawl may still reach the page. Page answers are kept
for the last ``RECENT`` records; older ones are read back from the store (``lookup``).

When several workers share the crawl (``crawler/shared.py``), these books cover the
units this worker holds: ``wanted`` (its sites) and ``hosts`` (the outside hosts it
checks). A redirect landing elsewhere is not followed here but handed to ``remote``
(``crawler/remote.py``), which settles it from the store; outside URLs of hosts held
by nobody yet wait in ``unheld`` for the worker to claim their host.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from crawler.items import FrontierRow, Link, LinkCheck, Page, SiteDone
from crawler.store import Store, utcnow
from crawler.urls import SiteIndex, normalize_url

__all__ = ["RECENT", "Answer", "Fetch", "Schedule", "Stopped"]

RECENT = 50_000  # page answers kept in memory (~20 MB); older ones come from the store


class Answer(NamedTuple):
    """What fetching a norm gave: the fields a fetch that landed on it copies."""

    final_url: str | None
    final_norm: str | None
    status: int | None
    content_type: str | None
    size: int | None
    title: str
    error: str | None


class Fetch(NamedTuple):
    """A request to send: a link target (of ``site``) or a link check (``site`` empty)."""

    kind: str
    url: str
    site: str
    norm: str


@dataclass
class Stopped:
    """A fetch whose redirect was not followed (or never sent): it takes another's answer."""

    kind: str  # page | target | check
    meta: dict[str, Any]  # the request's meta: site, norm, depth, redirect history
    url: str  # the URL first asked, before redirects
    first_redirect: int | None
    landing: str  # the norm whose answer it takes
    follow: Any = None  # the redirect request, sent if the landing turns out to be unknown
    whole: bool = False  # takes the landing's answer as its own (a fetch never sent)


@dataclass
class Schedule:
    """Per-site progress, link targets, link checks, and the answers fetches share."""

    index: SiteIndex
    wanted: set[str]  # the sites this run crawls
    max_targets: int
    check_links: bool
    lookup: Callable[[str], Answer | None] = lambda norm: None
    stats: Any = None
    # shared crawls (crawler/shared.py): outside hosts held (None: all), landings elsewhere
    hosts: set[str] | None = None
    remote: Any = None  # crawler.remote.Remote: foreign(norm, kind), park(stop)
    report_done: bool = False  # a site's end is a record (SiteDone) for the store
    unheld: dict[str, dict[str, str]] = field(default_factory=dict)  # host -> norm -> url
    # pages
    seen: set[str] = field(default_factory=set)  # claimed by the sites' crawls and targets
    landed: set[str] = field(default_factory=set)  # claimed only by a link target's redirect
    unanswered: set[str] = field(default_factory=set)
    waiting: dict[str, list[Stopped]] = field(default_factory=dict)
    recent: dict[str, Answer] = field(default_factory=dict)
    crawling: Counter[str] = field(default_factory=Counter)  # own page requests outstanding
    finished: set[str] = field(default_factory=set)  # sites whose own crawl is over
    parked: dict[str, list[Stopped]] = field(default_factory=dict)
    candidates: dict[str, dict[str, str]] = field(default_factory=dict)  # site -> norm -> url
    targets_planned: Counter[str] = field(default_factory=Counter)
    # link checks
    checked: set[str] = field(default_factory=set)
    check_claims: dict[str, str] = field(default_factory=dict)  # norm -> the check whose chain has it
    check_answers: dict[str, LinkCheck] = field(default_factory=dict)
    check_waiting: dict[str, list[Stopped]] = field(default_factory=dict)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(f"govlinks/{key}", n)

    def resume(self, store: Store, crawl_id: int) -> tuple[list[FrontierRow], list[tuple[str, str]]]:
        """The books of a crawl from its store: (pages still owed, outside URLs not checked yet).

        A new crawl owes its seed pages; a resumed one what its stored pages led to.
        Link targets found so far wait for their site, as before the interruption.
        """
        self.seen.update(store.known_norms(crawl_id))
        self.landed.update(set(store.target_landings(crawl_id)) - self.seen)
        self.targets_planned.update(store.target_counts(crawl_id))
        for check in store.stored_checks(crawl_id):
            self.checked.add(check.norm)
            self.check_answers[check.norm] = check
        for norm, url, site in store.unknown_targets(crawl_id):
            if site in self.wanted:
                self.candidates.setdefault(site, {})[norm] = url
        pending = [p for p in store.pending_frontier(crawl_id) if p.site in self.wanted]
        return pending, store.unchecked_external(crawl_id) if self.check_links else []

    # -- sites ---------------------------------------------------------------------------

    def crawling_done(self, site: str) -> bool:
        return site in self.finished or site not in self.wanted

    def settle_page(self, site: str) -> list[Any]:
        """One own page request of ``site`` answered; when it was the last, the site is done."""
        self.crawling[site] -= 1
        if self.crawling[site] > 0 or site in self.finished:
            return []
        return self.finish(site)

    def finish(self, site: str) -> list[Any]:
        """``site``'s own crawl is over: release the chains parked on it, then its link targets.

        Parked chains first: a redirect from another site's page that reached a page of
        this one makes it known, as when link targets waited for every site.
        """
        self.finished.add(site)
        out: list[Any] = [SiteDone(site)] if self.report_done else []
        for stop in self.parked.pop(site, []):
            out += self.stopped(stop)
        out += self._targets(site, sorted(self.candidates.pop(site, {}).items()))
        return out

    def _targets(self, site: str, found: Iterable[tuple[str, str]]) -> list[Any]:
        out: list[Any] = []
        for norm, url in found:
            if norm in self.seen:
                continue
            if self.targets_planned[site] >= self.max_targets:
                self._inc("targets_over_budget")
                continue
            self.targets_planned[site] += 1
            self.seen.add(norm)
            self._inc("targets_scheduled")
            if norm in self.landed:  # another target's redirect reached it: its answer
                self.landed.discard(norm)
                meta = {"gl_kind": "target", "gl_site": site, "gl_norm": norm, "gl_depth": None}
                out += self._take(Stopped("target", meta, url, None, norm, whole=True))
                continue
            self.unanswered.add(norm)
            out.append(Fetch("target", url, site, norm))
        return out

    # -- links found on a page ---------------------------------------------------------

    def links_found(self, site: str, links: Iterable[Link]) -> list[Any]:
        """Link targets of other seed sites and outside URLs found on a page of ``site``."""
        out: list[Any] = []
        late: dict[str, dict[str, str]] = {}
        for link in links:
            target, norm, url = link.target_site, link.target_norm, link.target_url
            if link.internal:
                continue
            if target is None:
                if self.check_links and norm not in self.checked:
                    host = norm.split("/", 1)[0]
                    if self.hosts is None or host in self.hosts:
                        out += self.check(norm, url)
                    else:
                        self.unheld.setdefault(host, {}).setdefault(norm, url)
                continue
            if target == site or target not in self.wanted or norm in self.seen:
                continue
            found = (late if target in self.finished else self.candidates).setdefault(target, {})
            if norm not in found or url < found[norm]:
                found[norm] = url
        for target, found in late.items():
            self._inc("targets_late", len(found))
            out += self._targets(target, sorted(found.items()))
        return out

    def queued_target(self, site: str, norm: str, url: str) -> list[Any]:
        """A link into ``site`` (held here) that some worker's page found (``work_queue``)."""
        if norm in self.seen or site not in self.wanted:
            return []
        if site in self.finished:
            self._inc("targets_late")
            return self._targets(site, [(norm, url)])
        found = self.candidates.setdefault(site, {})
        if norm not in found or url < found[norm]:
            found[norm] = url
        return []

    def check(self, norm: str, url: str) -> list[Any]:
        """The check of an outside norm: a request, or the answer a redirect chain gave it."""
        self.checked.add(norm)
        self._inc("checks_scheduled")
        if norm in self.check_answers or norm in self.check_claims:
            return self._take(Stopped("check", {"gl_norm": norm}, url, None, norm, whole=True))
        return [Fetch("check", url, "", norm)]

    # -- redirects -----------------------------------------------------------------------

    def follow(self, kind: str, meta: dict[str, Any], landing: str | None) -> bool:
        """Whether a redirect onto ``landing`` is followed; following claims it for this chain."""
        own = meta["gl_norm"]
        if landing is None or landing == own or landing in meta.get("gl_claims", ()):
            return True
        if self.remote is not None and self.remote.foreign(landing, kind):
            return False  # another worker's unit: settled from the store (crawler/remote.py)
        site, _ = self.index.attribute(landing)
        claimed = landing in self.seen or landing in self.landed
        if kind == "check":
            if site is not None and (claimed or not self.crawling_done(site)):
                return False  # a page of a seed site: its own answer will do
            owner = self.check_claims.get(landing)
            if owner != own:  # else this check's own chain again (GET after HEAD)
                if owner is not None or landing in self.check_answers or landing in self.checked:
                    return False
                self.check_claims[landing] = own
        else:
            if claimed:
                return False
            if site is not None and site != meta["gl_site"] and not self.crawling_done(site):
                return False  # that site's own crawl may still reach it: wait
            (self.landed if kind == "target" else self.seen).add(landing)
            self.unanswered.add(landing)
        meta["gl_claims"] = [*meta.get("gl_claims", ()), landing]
        return True

    def stopped(self, stop: Stopped) -> list[Any]:
        """A fetch that landed on ``stop.landing`` without following: its answer, later or now."""
        landing = stop.landing
        if self.remote is not None and self.remote.foreign(landing, stop.kind):
            self.remote.park(stop)
            return []
        site, _ = self.index.attribute(landing)
        if stop.kind != "check" or site is not None:
            if landing in self.seen or landing in self.landed:
                return self._take(stop)
            if site is not None and site != stop.meta.get("gl_site") and not self.crawling_done(site):
                self._inc("dedup/parked")
                self.parked.setdefault(site, []).append(stop)
                return []
        if stop.kind == "check" and (landing in self.check_answers or landing in self.check_claims
                                     or landing in self.checked):  # fmt: skip
            return self._take(stop)
        # Unknown after all (its site finished without reaching it): follow, claiming it.
        if stop.follow is None or not self.follow(stop.kind, stop.follow.meta, landing):
            self._inc("dedup/unresolved")
            return []
        stop.follow.meta["gl_parked"] = True  # its own site no longer counts it
        return [stop.follow]

    def _take(self, stop: Stopped) -> list[Any]:
        """The answer of ``stop.landing`` for ``stop``: now if known, else when it comes."""
        landing = stop.landing
        check_world = stop.kind == "check" and landing not in self.seen and landing not in self.landed
        if check_world:
            if landing in self.check_answers:
                return self._resolve(stop, self.check_answers[landing])
            self.check_waiting.setdefault(landing, []).append(stop)
            return []
        if landing in self.unanswered:
            self.waiting.setdefault(landing, []).append(stop)
            return []
        answer = self.recent.get(landing) or self.lookup(landing)
        if answer is None:  # nothing stored either: should not happen; ask after all
            self._inc("dedup/unresolved")
            return [stop.follow] if stop.follow is not None else []
        return self._resolve(stop, answer)

    def _resolve(self, stop: Stopped, answer: Answer | LinkCheck) -> list[Any]:
        meta = stop.meta
        chain = stop.follow.meta if stop.follow is not None else {}
        history = (chain.get("redirect_urls", ()), chain.get("redirect_reasons", ()))
        now = utcnow()
        if stop.kind == "check":
            self._inc("dedup/checks_resolved")
            if stop.whole and isinstance(answer, LinkCheck):
                check = dataclasses.replace(answer, url=stop.url, checked_at=now)
            else:
                method = answer.method if isinstance(answer, LinkCheck) else "GET"
                check = LinkCheck(norm=meta["gl_norm"], url=stop.url, method=method, status=answer.status,
                                  final_url=answer.final_url, redirect_status=stop.first_redirect,
                                  error=answer.error, resolved_from=stop.landing, checked_at=now)  # fmt: skip
            return self.emit(check, meta, history)
        assert isinstance(answer, Answer)
        self._inc("dedup/targets_resolved" if stop.whole else "dedup/redirects_resolved")
        page = Page(kind=stop.kind, site=meta["gl_site"], url=stop.url, norm=meta["gl_norm"],
                    depth=meta.get("gl_depth"), fetched_at=now, final_url=answer.final_url,
                    final_norm=answer.final_norm, status=answer.status,
                    content_type=answer.content_type, size=answer.size, error=answer.error,
                    title=answer.title if stop.kind == "target" else "")  # fmt: skip
        return self.emit(page, meta, history)

    # -- answers -------------------------------------------------------------------------

    def emit(
        self,
        record: Page | LinkCheck,
        meta: dict[str, Any] | None = None,
        history: tuple[Iterable[str], Iterable[Any]] = ((), ()),
    ) -> list[Any]:
        """``record``, and the records of every fetch that was waiting for its answer.

        ``meta`` is the request's (its ``gl_claims``: the norms its redirect chain
        reached); ``history`` the chain's URLs up to the last one and the status of
        each redirect, which give each norm of a check's chain its own first redirect.
        """
        claims = (meta or {}).get("gl_claims", ())
        out: list[Any] = [record]
        if isinstance(record, Page):
            answer = Answer(record.final_url, record.final_norm, record.status, record.content_type,
                            record.size, record.title, record.error)  # fmt: skip
            for norm in (record.norm, *claims):
                self.unanswered.discard(norm)
                self._remember(norm, answer)
                for stop in self.waiting.pop(norm, []):
                    out += self._resolve(stop, answer)
            return out
        urls, reasons = [normalize_url(u) for u in history[0]], list(history[1])
        for norm in (record.norm, *claims):
            check = record
            if norm != record.norm:
                self.check_claims.pop(norm, None)
                at = urls.index(norm) if norm in urls else len(reasons)
                check = dataclasses.replace(
                    record, norm=norm, resolved_from=record.norm,
                    redirect_status=reasons[at] if at < len(reasons) else None,
                )  # fmt: skip
            self.check_answers.setdefault(norm, check)
            for stop in self.check_waiting.pop(norm, []):
                out += self._resolve(stop, check)
        return out

    def _remember(self, norm: str, answer: Answer) -> None:
        recent = self.recent
        recent[norm] = answer
        if len(recent) > RECENT:
            del recent[next(iter(recent))]

    def leftovers(self) -> list[Stopped]:
        """Fetches still waiting when nothing else is left (a cycle of redirects): to send as is."""
        left = [s for stops in (*self.waiting.values(), *self.check_waiting.values(),
                                *self.parked.values()) for s in stops]  # fmt: skip
        self.waiting.clear()
        self.check_waiting.clear()
        self.parked.clear()
        return left
