"""One worker's part of a crawl that several worker processes share (``crawl --workers N``).

The spider of each worker (``crawler/spider.py``) crawls the *units* it holds: seed
sites (their pages, link targets and robots.txt; sites sharing a host together)
and, with ``--check-links``, outside hosts (the checks of their URLs). This module
is its link to the others, through the store (``crawler/store/claims.py``):

- **Claims.** At start and at each poll (``GOVLINKS_POLL``, 0.5 s; every
  ``GOVLINKS_IDLE_POLL``, 0.1 s, while it has nothing in flight, or link targets
  to claim and little in flight, so that the end of the crawl is seen at once) the worker
  claims crawling sites up to ``GOVLINKS_WORKER_SITES`` at once (its share of the
  sites with a delay, so that every site starts at once and the politeness bound
  holds; a few at a time at ``--delay 0``, so that a worker done early takes the
  next site) and any unit nobody holds (a dead worker's, everything after
  ``--resume``), reading back the books of a unit another worker had (the pages it
  planned and stored) as ``--resume`` does. Outside hosts are claimed when one of
  this worker's pages, or the queue, first names them. Leases are renewed every
  quarter of ``GOVLINKS_LEASE``.
- **The queue.** Each poll reads the rows other workers' pages (and its own) queued
  since the last one: link targets of its sites, checks of its hosts.
- **Link targets** of its sites are claimed in the store before they are fetched,
  so that no other worker's redirect follows onto them (and a target another
  worker's redirect reached first takes that answer: ``crawler/remote.py``).
- **When a site is done.** Its end (``SiteDone``) is written with its last pages:
  a worker never reads a site as done while its pages are not stored, and a link
  target of a site is only fetched once that site is done, whoever holds it.
- **Idle.** With nothing in flight and nothing to claim, the worker sends what waits
  on itself (a cycle of redirects, as in one process), then, when every other
  worker only waits too, what waits on another worker; else it is idle and polls
  on until the crawl is complete (``claims.complete``), then closes as finished.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterable
from typing import Any

from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.remote import Remote
from crawler.schedule import Fetch, Stopped
from crawler.signals import crawl_stop, store_flush, store_record
from crawler.store import Claimed, Store

__all__ = ["SharedCrawl"]

logger = logging.getLogger(__name__)

ORPHANS = 64  # units nobody holds taken per claim: a dead worker's are spread over the others
FEW = 8  # requests in flight under which link targets waiting for their claim are claimed at once


class SharedCrawl:
    def __init__(self, spider: Any, settings: Any) -> None:
        self.spider = spider
        self.crawler = spider.crawler
        self.crawl_id: int = spider.crawl_id
        self.worker = settings.get("GOVLINKS_WORKER")
        self.workers = settings.getint("GOVLINKS_WORKERS", 1)
        self.sites_at_once = settings.getint("GOVLINKS_WORKER_SITES", 0) or len(spider.selected)
        self.lease = settings.getfloat("GOVLINKS_LEASE", 60.0)
        self.every = settings.getfloat("GOVLINKS_POLL", 0.5)
        self.idle_every = min(self.every, settings.getfloat("GOVLINKS_IDLE_POLL", 0.1))
        self.store = Store.open(spider.db)
        schedule = spider.schedule
        schedule.wanted = set()
        schedule.hosts = set()
        schedule.report_done = True
        self.schedule = schedule
        self.remote = Remote(schedule, self.store, self.crawl_id, spider.selected, self._claim_hosts)
        schedule.remote = self.remote
        self.targets: list[Fetch] = []  # link targets of held sites, to claim before fetching
        self.cursor = 0  # the last work_queue id read
        self.hosts_elsewhere: set[str] = set()  # outside hosts another worker holds
        self.state = "busy"
        self.written: tuple[str, int] = ("", -1)  # (state, cursor) last written
        self.renewed = 0.0
        self.next_claim = 0.0
        self.polled = 0.0  # when the last poll ran (time.monotonic(): intervals, not the store's clock)
        self.sites_left = True  # whether a claim with room may still find a fresh site
        self.stalls = 0
        self.closing = False
        self.failure: Exception | None = None
        self.loop: task.LoopingCall | None = None

    # -- claims ----------------------------------------------------------------------

    def _now(self) -> float:
        return time.time()

    def start(self) -> list[Any]:
        """Join the crawl and claim the first units: the requests and records they owe."""
        try:
            return self._start()
        except Exception as err:
            self.fail(err)
            return []

    def _start(self) -> list[Any]:
        claims = self.store.claims
        now = self._now()
        claims.join(self.crawl_id, self.worker, pid=os.getpid(), host=socket.gethostname(), lease=self.lease,
                    now=now)  # fmt: skip
        self.renewed = now
        got = claims.claim(self.crawl_id, self.worker, sites=self._room(), orphans=ORPHANS, lease=self.lease,
                           now=now)  # fmt: skip
        self.polled = time.monotonic()
        self.loop = task.LoopingCall(self._tick)
        self.loop.start(self.idle_every, now=False)
        actions, ready = self._take(got)
        return [*self.spider._out(actions), *ready]

    def _room(self) -> int:
        crawling = sum(1 for s in self.schedule.wanted if s not in self.schedule.finished)
        return max(0, self.sites_at_once - crawling)

    def _take(self, got: Claimed) -> tuple[list[Any], list[Request]]:
        """Units just claimed: their books, then what they owe (actions, and requests ready to go)."""
        actions: list[Any] = []
        ready: list[Request] = []
        if got.sites:
            ready, actions = self._take_sites(got.sites)
        if got.hosts:
            actions += self._take_hosts([h for h, _ in got.hosts])
        return actions, ready

    def _take_sites(self, claimed: list[tuple[str, bool]]) -> tuple[list[Request], list[Any]]:
        spider, schedule, store = self.spider, self.schedule, self.store
        sites = [s for s, _ in claimed]
        started = {s for s, was in claimed if was}
        schedule.wanted.update(sites)
        spider.sites = sorted(schedule.wanted)
        if started:  # another worker had them: what they planned and stored, as --resume reads it
            for site, norm, kind in store.site_norms(self.crawl_id, sorted(started)):
                schedule.seen.add(norm)
                if kind == "frontier":
                    spider.planned[site] += 1
                elif kind == "target":
                    schedule.targets_planned[site] += 1
            for kind, final in store.redirected(self.crawl_id):
                site, _ = schedule.index.attribute(final)
                if site in started and final not in schedule.seen:
                    (schedule.seen if kind == "page" else schedule.landed).add(final)
            schedule.landed -= schedule.seen
        pending = store.pending_frontier(self.crawl_id, sites)
        for row in pending:
            if row.site not in started:  # a fresh site: its seed page is all it planned
                spider.planned[row.site] += 1
                schedule.seen.add(row.norm)
        for queued in store.claims.queued_for(self.crawl_id, "target", sites):
            if queued.norm not in schedule.seen:
                found = schedule.candidates.setdefault(queued.unit, {})
                if queued.norm not in found or queued.url < found[queued.norm]:
                    found[queued.norm] = queued.url
        ready = [spider._request(p.url, p.site, p.norm, p.depth, "page") for p in pending]
        spider.stats.inc_value("govlinks/resumed_requests", sum(1 for p in pending if p.site in started))
        out: list[Any] = []
        for site in sites:  # nothing owed: done from the start
            if schedule.crawling[site] <= 0 and site not in schedule.finished:
                out += schedule.finish(site)
        logger.info("worker %s: %d site(s) claimed (%d taken over)", self.worker, len(sites), len(started))
        return ready, out

    def _claim_hosts(self, hosts: list[str]) -> set[str]:
        """Claim outside hosts nobody holds; load the books of those won. The others' holders
        have their URLs from the queue."""
        held = self.schedule.hosts or set()
        ask = [h for h in hosts if h not in self.hosts_elsewhere and h not in held]
        won: set[str] = set()
        if ask:
            won = set(self.store.claims.claim_hosts(self.crawl_id, self.worker, ask, lease=self.lease,
                                                    now=self._now()))  # fmt: skip
            self.hosts_elsewhere.update(set(ask) - won)
        for host in hosts:
            if host in self.hosts_elsewhere:
                self.schedule.unheld.pop(host, None)
        self._dispatch(self._take_hosts(sorted(won)))
        return won

    def _take_hosts(self, hosts: list[str]) -> list[Any]:
        schedule = self.schedule
        assert schedule.hosts is not None
        schedule.hosts.update(hosts)
        self.hosts_elsewhere.difference_update(hosts)
        owed = {r.norm: r.url for r in self.store.claims.queued_for(self.crawl_id, "check", hosts)}
        for host in hosts:
            for norm, url in schedule.unheld.pop(host, {}).items():
                owed.setdefault(norm, url)
        for check in self.store.checks_of(self.crawl_id, sorted(owed)):
            schedule.checked.add(check.norm)
            schedule.check_answers.setdefault(check.norm, check)
        out: list[Any] = []
        for norm in sorted(owed):
            if norm not in schedule.checked:
                out += schedule.check(norm, owed[norm])
        return out

    def want_target(self, fetch: Fetch) -> None:
        """A link target of a held site: fetched once claimed in the store (next poll)."""
        self.targets.append(fetch)

    def _claim_targets(self) -> list[Request]:
        if not self.targets:
            return []
        fetches, self.targets = self.targets, []
        by_site: dict[str, list[Fetch]] = {}
        for fetch in fetches:
            by_site.setdefault(fetch.site, []).append(fetch)
        ready: list[Request] = []
        for site, group in by_site.items():
            won, lost = self.store.claims.claim_norms(self.crawl_id, site, "target", [f.norm for f in group])
            for fetch in group:
                if fetch.norm in won:
                    ready.append(self.spider._request(fetch.url, site, fetch.norm, None, "target"))
                else:
                    self.crawler.stats.inc_value("govlinks/dedup/targets_claimed_elsewhere")
                    self.remote.lose(site, fetch.norm, fetch.url, lost[fetch.norm])
        return ready

    # -- the poll --------------------------------------------------------------------

    def _read_queue(self) -> list[Any]:
        schedule, out = self.schedule, []
        for row in self.store.claims.queued(self.crawl_id, self.cursor):
            self.cursor = row.id
            if row.kind == "target":
                if row.unit in schedule.wanted:
                    out += schedule.queued_target(row.unit, row.norm, row.url)
            elif row.unit in (schedule.hosts or ()):
                if row.norm not in schedule.checked:
                    out += schedule.check(row.norm, row.url)
            elif row.unit not in self.hosts_elsewhere:
                schedule.unheld.setdefault(row.unit, {}).setdefault(row.norm, row.url)
        return out

    def _renew(self, now: float) -> None:
        state = (self.state, self.cursor)
        if state == self.written and now - self.renewed < self.lease / 4:
            return
        held = self.store.claims.renew(self.crawl_id, self.worker, state=self.state, cursor=self.cursor,
                                       lease=self.lease, now=now)  # fmt: skip
        self.written, self.renewed = state, now
        gone = self.schedule.wanted - {u for k, u in held if k == "site"}
        if gone:  # a lease ran out while this worker was alive (a stall): another has them now
            logger.warning("worker %s lost %d site(s) to another worker: %s", self.worker, len(gone),
                           ", ".join(sorted(gone)[:5]))  # fmt: skip
            self.schedule.wanted -= gone

    def _tick(self) -> None:
        """The loop's beat: a poll every ``every`` seconds; every ``idle_every`` with nothing in
        flight, or with link targets waiting for their claim while few requests are in flight
        (the end of a crawl, where nothing else would keep the worker busy meanwhile)."""
        engine = self.crawler.engine
        if engine is None:
            return
        busy = not engine.spider_is_idle()
        if busy and self.targets and len(engine.downloader.active) < FEW:
            busy = False
        if busy and time.monotonic() - self.polled < self.every:
            return
        self.poll()

    def poll(self, *, idle: bool = False) -> None:
        """Renew, read the queue, claim what is owed, settle parked fetches; on idle, maybe close."""
        if self.closing or not self.crawler.crawling:  # stopping: nothing new
            return
        try:
            self._poll(idle)
        except Exception as err:
            self.fail(err)

    def fail(self, err: Exception) -> None:
        """A bug here: the worker stops, and reports it (``crawler/worker.py``)."""
        logger.error("unexpected error in worker %s", self.worker, exc_info=err)
        self.failure = err
        self.closing = True
        self.crawler.signals.send_catch_log(crawl_stop, reason="crash")

    def _poll(self, idle: bool) -> None:
        now = self._now()
        self.polled = time.monotonic()
        if idle:
            self.crawler.signals.send_catch_log(store_flush)
        out = self._read_queue()
        if self.schedule.unheld:
            self._claim_hosts(sorted(self.schedule.unheld))
        out += self.remote.settle()
        ready: list[Request] = []
        room = self._room()
        # A slot free while fresh sites may be left: claim now. Else only what nobody holds
        # any more (a dead worker's units) is to take: every few polls.
        if idle or now >= self.next_claim or (room and self.sites_left):
            got = self.store.claims.claim(self.crawl_id, self.worker, sites=room, orphans=ORPHANS,
                                          lease=self.lease, now=now)  # fmt: skip
            if room and not got.sites:
                self.sites_left = False
            self.next_claim = now + (self.every if got else 4 * self.every)
            if got:
                self.state = "busy"
                self.written = ("", -1)  # the claim marked it busy in the store
                actions, ready = self._take(got)
                out += actions
        self._dispatch(out, ready)
        self._dispatch((), self._claim_targets())  # those the actions above wanted too
        self._renew(now)
        engine = self.crawler.engine
        if not idle and engine is not None and engine.spider_is_idle() and self.idle():
            self.close()

    def _dispatch(self, actions: Iterable[Any], ready: Iterable[Request] = ()) -> None:
        """Send schedule actions (through the spider's ``_out``) and requests ready to go."""
        engine = self.crawler.engine
        for action in [*self.spider._out(actions), *ready]:
            if isinstance(action, Request):
                self.state = "busy"
                engine.crawl(action)
            else:
                self.crawler.signals.send_catch_log(store_record, item=action)

    # -- idle and the end ------------------------------------------------------------

    def on_idle(self) -> None:
        """Scrapy's spider_idle: keep the spider open until the whole crawl is complete."""
        if self.closing:
            return
        try:
            complete = self.idle(poll=True)
        except Exception as err:
            self.fail(err)
            return
        if not complete:
            raise DontCloseSpider

    def idle(self, *, poll: bool = False) -> bool:
        """Nothing in flight here: send what waits as is, else say whether the crawl is complete."""
        if poll:
            self.poll(idle=True)
        engine = self.crawler.engine
        if not engine.spider_is_idle() or self.targets or self.schedule.unheld:
            return False
        left = self._as_is(self.schedule.leftovers())
        if left:
            self._dispatch((), left)
            return False
        now = self._now()
        if self.remote.parked:
            self.state = "waiting"
            self._renew(now)
            others = [w for w in self.store.claims.workers(self.crawl_id, now) if w.worker != self.worker]
            self.stalls = self.stalls + 1 if all(w.state != "busy" for w in others if w.alive) else 0
            if self.stalls >= 3:  # every worker only waits: a cycle across workers
                self.stalls = 0
                self._dispatch((), self._as_is(self.remote.leftovers()))
            return False
        self.stalls = 0
        self.state = "idle"
        self.crawler.signals.send_catch_log(store_flush)
        self._renew(now)
        return self.store.claims.complete(self.crawl_id, now)

    def _as_is(self, stops: list[Stopped]) -> list[Request]:
        """Fetches still waiting when nothing else is left (a cycle): their requests, sent as they are."""
        spider, requests = self.spider, []
        for stop in stops:
            if stop.follow is not None:  # a redirect not followed: follow it now
                request = stop.follow
                request.meta.setdefault("gl_parked", True)
                spider.pending[request.meta["gl_site"]] += 1
            elif stop.kind == "check":  # a check that waited for a chain: ask it
                request = spider._check_request(stop.url, stop.meta["gl_norm"], "HEAD")
            else:
                request = spider._request(
                    stop.url, stop.meta["gl_site"], stop.meta["gl_norm"], None, "target"
                )
            request.meta["gl_nostop"] = True
            requests.append(request)
        if requests:
            self.crawler.stats.inc_value("govlinks/dedup/cycles", len(requests))
            logger.info("%d fetches waited on each other: sent as they are", len(requests))
        return requests

    def close(self) -> None:
        if self.closing:
            return
        self.closing = True
        logger.info("worker %s: the crawl is complete", self.worker)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="finished"))

    def closed(self, reason: str) -> None:
        """The spider closed: free the units (a stopped worker's are taken over, or resumed)."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        stats = self.crawler.stats  # the claims' own waits for the one writer (bench/workers.py)
        stats.set_value("govlinks/claims/lock_wait_ms", round(self.store.lock_wait * 1000))
        stats.set_value("govlinks/claims/transactions", self.store.transactions)
        try:
            if reason != "finished":
                self.store.claims.release(self.crawl_id, self.worker)
            else:
                self.store.claims.renew(self.crawl_id, self.worker, state="idle", cursor=self.cursor,
                                        lease=self.lease, now=self._now())  # fmt: skip
        finally:
            self.store.close()
