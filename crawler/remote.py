"""Fetches that landed on another worker's unit, settled from the store (``crawl --workers N``).

In one process the schedule (``crawler/schedule.py``) decides from memory whether a
redirect is followed: the first fetch to reach a norm claims it, the others take
its answer. With several workers, a redirect from a page of a site this worker holds
onto a page of a site, or an outside URL, that it does not hold is not followed at
once: it is *parked* here, and each poll of the worker (``crawler/shared.py``)
settles it from the store, by the same rules:

- onto a page of a seed site whose own crawl is not over (``work_units.state``): it
  waits, as in one process (that crawl may reach the page);
- onto a norm already answered (a stored page, or a stored check for a check): that
  answer;
- onto a norm another fetch claimed (``work_norms``: a page's or a link target's
  redirect, a link target being fetched), or, for a link check, an outside URL
  queued for its own check: it waits for that answer;
- else a page's or a target's redirect claims the norm in the store and is
  followed (the claim fails if another worker won it meanwhile: it waits); a link
  check's is followed without a claim (a check of one worker is never answered by
  another's redirect chain: an outside URL reached only that way, and linked later,
  may be asked twice, by HEAD). A check landing on an outside host nobody holds
  first claims that host, and is then settled in memory as in one process.

A norm of a site this worker holds that another worker's fetch claimed first (its
link target lost the claim) is *elsewhere*: fetches landing on it are parked here
too. Nothing here sends a request that one process would not: the only difference
is when, a poll later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from crawler.items import LinkCheck
from crawler.schedule import Answer, Fetch, Schedule, Stopped
from crawler.store import Store

__all__ = ["Remote"]

logger = logging.getLogger(__name__)


class Remote:
    def __init__(self, schedule: Schedule, store: Store, crawl_id: int, selected: Iterable[str],
                 claim_hosts: Callable[[list[str]], set[str]]) -> None:  # fmt: skip
        self.schedule = schedule
        self.store = store
        self.crawl_id = crawl_id
        self.selected = set(selected)  # the seed sites this crawl crawls
        self.claim_hosts = claim_hosts  # claims outside hosts for this worker; returns those won
        self.parked: list[Stopped] = []
        self.elsewhere: set[str] = set()  # norms of held sites another worker's fetch claimed

    def _seed(self, norm: str) -> str | None:
        site, _ = self.schedule.index.attribute(norm)
        return site if site in self.selected else None

    def foreign(self, norm: str, kind: str) -> bool:
        """Whether a redirect onto ``norm`` (a fetch of ``kind``) is settled here, not in memory."""
        if norm in self.elsewhere:
            return True
        site = self._seed(norm)
        if site is not None:
            return site not in self.schedule.wanted
        if kind == "check":  # an outside URL: its host's holder knows it
            hosts = self.schedule.hosts
            return hosts is not None and norm.split("/", 1)[0] not in hosts
        return True  # a page's redirect off the seed sites: the claim must be the store's

    def park(self, stop: Stopped) -> None:
        self.schedule._inc("dedup/remote")
        self.parked.append(stop)

    def lose(self, site: str, norm: str, url: str, kind: str) -> list[Any]:
        """A link target of ``site`` whose claim another worker's fetch (of ``kind``) won."""
        schedule = self.schedule
        schedule.unanswered.discard(norm)
        schedule.targets_planned[site] -= 1
        self.elsewhere.add(norm)
        waiting = schedule.waiting.pop(norm, [])
        if kind == "target":  # landed there by a target's redirect: its answer is this target's too
            schedule.targets_planned[site] += 1
            meta = {"gl_kind": "target", "gl_site": site, "gl_norm": norm, "gl_depth": None}
            waiting.append(Stopped("target", meta, url, None, norm, whole=True))
        self.parked += waiting
        return []

    def settle(self) -> list[Any]:
        """What the store says about each parked fetch now: records, requests, or still waiting."""
        if not self.parked:
            return []
        parked, self.parked = self.parked, []
        store, crawl_id = self.store, self.crawl_id
        seeds = {id(s): self._seed(s.landing) for s in parked}
        done = store.claims.done_sites(crawl_id) if any(seeds.values()) else set()
        out: list[Any] = []
        pending: list[Stopped] = []
        hosts: dict[str, list[Stopped]] = {}
        for stop in parked:
            site, landing = seeds[id(stop)], stop.landing
            if site is not None and site not in done:
                self.parked.append(stop)  # that site's own crawl may still reach it
            elif not self.foreign(landing, stop.kind):  # its unit is this worker's now
                out += self.schedule.stopped(stop)
            elif (answer := self._answer(stop, site)) is not None:
                out += self.schedule._resolve(stop, answer)
            elif stop.kind == "check" and site is None and landing not in self.elsewhere:
                hosts.setdefault(landing.split("/", 1)[0], []).append(stop)
            else:
                pending.append(stop)
        won = self.claim_hosts(sorted(hosts)) if hosts else set()
        for host, stops in hosts.items():
            if host in won:
                for stop in stops:
                    out += self.schedule.stopped(stop)
            else:
                pending += stops
        return out + self._claim(pending)

    def _answer(self, stop: Stopped, site: str | None) -> Answer | LinkCheck | None:
        if stop.kind == "check" and site is None:
            checks = self.store.checks_of(self.crawl_id, [stop.landing])
            if checks:
                return checks[0]
        row = self.store.page_answer(self.crawl_id, stop.landing)
        return Answer(*row) if row is not None else None

    def _claim(self, pending: list[Stopped]) -> list[Any]:
        if not pending:
            return []
        claims = self.store.claims
        landings = sorted({s.landing for s in pending})
        claimed = claims.norm_claims(self.crawl_id, landings)
        queued = claims.queued_norms(self.crawl_id, [s.landing for s in pending if s.kind == "check"])
        out: list[Any] = []
        wanted: dict[tuple[str, str], list[Stopped]] = {}
        for stop in pending:
            landing = stop.landing
            if landing in claimed or (stop.kind == "check" and landing in queued):
                self.parked.append(stop)  # its answer is on its way
            elif stop.follow is None:  # a target whose claimer gave up (died): fetch it
                self.elsewhere.discard(landing)
                self.schedule.unanswered.add(landing)
                out.append(Fetch("target", stop.url, stop.meta["gl_site"], landing))
            elif stop.kind == "check":
                out += self._follow_check(stop)
            else:
                wanted.setdefault((stop.meta["gl_site"], stop.kind), []).append(stop)
        for (unit, kind), stops in wanted.items():
            won, _ = claims.claim_norms(self.crawl_id, unit, kind, sorted({s.landing for s in stops}))
            for stop in stops:
                if stop.landing in won:
                    won.discard(stop.landing)  # one follows; any other of this batch waits for it
                    out.append(self._follow(stop))
                else:
                    self.parked.append(stop)
        return out

    def _follow_check(self, stop: Stopped) -> list[Any]:
        """A check followed without a claim in the store; in memory, the first of this worker's."""
        schedule, landing = self.schedule, stop.landing
        if landing in schedule.check_answers or landing in schedule.check_claims:
            return schedule._take(stop)  # another check of this worker went there first
        schedule.check_claims[landing] = stop.meta["gl_norm"]
        return [self._follow(stop)]

    def _follow(self, stop: Stopped) -> Any:
        request = stop.follow
        request.meta["gl_parked"] = True  # its own site no longer counts it
        request.meta["gl_claims"] = [*request.meta.get("gl_claims", ()), stop.landing]
        self.schedule._inc("dedup/remote_followed")
        return request

    def leftovers(self) -> list[Stopped]:
        """Everything still parked, when every worker only waits (a cycle across workers)."""
        left, self.parked = self.parked, []
        return left
