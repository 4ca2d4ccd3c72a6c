"""The crawl's ledger (crawler/schedule.py), offline: when targets go out, which fetches share an answer."""

from __future__ import annotations

from typing import Any

from crawler.items import Link, LinkCheck, Page
from crawler.schedule import Answer, Fetch, Schedule, Stopped
from crawler.urls import SiteIndex

SITES = ["a.gouv.fr", "b.gouv.fr", "c.gouv.fr"]


def schedule(**kw: Any) -> Schedule:
    s = Schedule(SiteIndex(SITES), set(SITES), kw.pop("max_targets", 10), kw.pop("check_links", True), **kw)
    for site in SITES:  # each site crawling its seed page
        s.seen.add(f"{site}/")
        s.crawling[site] = 1
    return s


def link(norm: str, site: str | None) -> Link:
    return Link(f"https://{norm}", f"https://{norm}", norm, site, "", "", 0, 0)


def page(norm: str, site: str, kind: str = "page", status: int = 200, final: str | None = None) -> Page:
    final = final or norm
    return Page(kind=kind, site=site, url=f"https://{norm}", norm=norm, final_url=f"https://{final}",
                final_norm=final, status=status, title=f"T {final}", depth=None, fetched_at="t")  # fmt: skip


class Redirect:
    """What the downloader would send next: a request's URL and meta."""

    def __init__(self, landing: str, meta: dict[str, Any]) -> None:
        self.url = f"https://{landing}"
        self.meta = {**meta, "redirect_urls": [f"https://{meta['gl_norm']}"], "redirect_reasons": [301]}


def meta(kind: str, norm: str, site: str) -> dict[str, Any]:
    return {"gl_kind": kind, "gl_norm": norm, "gl_site": site, "gl_depth": None if kind != "page" else 1}


def redirected(s: Schedule, kind: str, norm: str, site: str, landing: str) -> tuple[bool, Stopped]:
    """The downloader asks whether to follow; when not, the spider hands the 3xx over."""
    m = meta(kind, norm, site)
    nxt = Redirect(landing, m)
    follow = s.follow(kind, nxt.meta, landing)
    return follow, Stopped(kind, m, f"https://{norm}", 301, landing, nxt)


def test_targets_wait_until_their_site_is_done_and_late_links_go_at_once() -> None:
    s = schedule()
    # a page of a links to b/x and b/y: b is still crawling, and may reach them itself
    both = [link("b.gouv.fr/x", "b.gouv.fr"), link("b.gouv.fr/y", "b.gouv.fr")]
    assert s.links_found("a.gouv.fr", both) == []
    s.seen.add("b.gouv.fr/y")  # b's own crawl planned y
    out = s.settle_page("b.gouv.fr")  # b's last own page answered
    assert out == [Fetch("target", "https://b.gouv.fr/x", "b.gouv.fr", "b.gouv.fr/x")]
    # a link into b found later (a slow site) is fetched at once; known ones are not
    late = s.links_found("c.gouv.fr", [link("b.gouv.fr/z", "b.gouv.fr"), link("b.gouv.fr/x", "b.gouv.fr")])
    assert late == [Fetch("target", "https://b.gouv.fr/z", "b.gouv.fr", "b.gouv.fr/z")]
    assert s.targets_planned["b.gouv.fr"] == 2


def test_target_budget_holds() -> None:
    s = schedule(max_targets=2)
    s.links_found("a.gouv.fr", [link(f"b.gouv.fr/{i}", "b.gouv.fr") for i in range(3)])
    assert [f.norm for f in s.settle_page("b.gouv.fr")] == ["b.gouv.fr/0", "b.gouv.fr/1"]
    assert s.links_found("a.gouv.fr", [link("b.gouv.fr/9", "b.gouv.fr")]) == []


def test_redirect_onto_a_planned_page_waits_for_its_answer() -> None:
    s = schedule()
    s.seen.add("a.gouv.fr/new")
    s.unanswered.add("a.gouv.fr/new")
    follow, stop = redirected(s, "page", "a.gouv.fr/old", "a.gouv.fr", "a.gouv.fr/new")
    assert not follow and s.stopped(stop) == []
    new = page("a.gouv.fr/new", "a.gouv.fr")
    out = s.emit(new)
    assert out[0] is new
    (old,) = out[1:]
    assert (old.norm, old.final_norm, old.status, old.title) == ("a.gouv.fr/old", "a.gouv.fr/new", 200, "")
    # once answered, another redirect there takes the answer at once
    _, again = redirected(s, "page", "a.gouv.fr/older", "a.gouv.fr", "a.gouv.fr/new")
    (older,) = s.stopped(again)
    assert (older.url, older.final_url) == ("https://a.gouv.fr/older", "https://a.gouv.fr/new")


def test_old_answers_come_from_the_store() -> None:
    asked = []

    def lookup(norm: str) -> Answer:
        asked.append(norm)
        return Answer("https://a.gouv.fr/new", "a.gouv.fr/new", 404, "text/html", 10, "Gone", None)

    s = schedule(lookup=lookup)
    s.seen.add("a.gouv.fr/new")
    _, stop = redirected(s, "page", "a.gouv.fr/old", "a.gouv.fr", "a.gouv.fr/new")
    (old,) = s.stopped(stop)
    assert asked == ["a.gouv.fr/new"] and old.status == 404


def test_a_redirect_into_a_site_still_crawling_waits_for_it() -> None:
    s = schedule()
    follow, stop = redirected(s, "page", "a.gouv.fr/moved", "a.gouv.fr", "b.gouv.fr/here")
    assert not follow and s.stopped(stop) == []  # parked: b's crawl may reach b/here
    # b finishes without reaching it: the chain is followed then, and claims it
    (request,) = s.settle_page("b.gouv.fr")
    assert request is stop.follow and request.meta["gl_claims"] == ["b.gouv.fr/here"]
    assert "b.gouv.fr/here" in s.seen


def test_a_target_reached_by_another_targets_redirect_takes_its_answer() -> None:
    s = schedule()
    s.finished.add("b.gouv.fr")
    assert len(s.links_found("a.gouv.fr", [link("b.gouv.fr/old", "b.gouv.fr")])) == 1
    follow, _ = redirected(s, "target", "b.gouv.fr/old", "b.gouv.fr", "b.gouv.fr/new")
    assert follow and "b.gouv.fr/new" in s.landed and "b.gouv.fr/new" not in s.seen
    # /new is linked too: still a link target of its own, answered by the chain, no request
    assert s.links_found("c.gouv.fr", [link("b.gouv.fr/new", "b.gouv.fr")]) == []
    old = page("b.gouv.fr/old", "b.gouv.fr", kind="target", final="b.gouv.fr/new")
    out = s.emit(old, {"gl_claims": ["b.gouv.fr/new"]})
    (new,) = out[1:]
    assert (new.kind, new.norm, new.url, new.final_norm, new.title) == (
        "target",
        "b.gouv.fr/new",
        "https://b.gouv.fr/new",
        "b.gouv.fr/new",
        "T b.gouv.fr/new",
    )
    assert s.targets_planned["b.gouv.fr"] == 2


def test_a_check_landing_on_a_seed_page_takes_the_pages_answer() -> None:
    s = schedule()
    (fetch,) = s.links_found("a.gouv.fr", [link("ancien.fr/", None)])
    assert fetch == Fetch("check", "https://ancien.fr/", "", "ancien.fr/")
    s.unanswered.add("b.gouv.fr/")
    follow, stop = redirected(s, "check", "ancien.fr/", "ancien.fr", "b.gouv.fr/")
    assert not follow and s.stopped(stop) == []
    out = s.emit(page("b.gouv.fr/", "b.gouv.fr"))
    (check,) = out[1:]
    assert isinstance(check, LinkCheck)
    assert (check.norm, check.method, check.status, check.redirect_status, check.resolved_from) == (
        "ancien.fr/",
        "GET",
        200,
        301,
        "b.gouv.fr/",
    )


def test_checks_share_answers_along_redirect_chains() -> None:
    s = schedule()
    s.links_found("a.gouv.fr", [link("vieux.fr/x", None)])
    follow, _ = redirected(s, "check", "vieux.fr/x", "vieux.fr", "nouveau.fr/x")
    assert follow and s.check_claims == {"nouveau.fr/x": "vieux.fr/x"}
    # nouveau.fr/x is linked while the chain runs: its own check waits for the chain
    assert s.links_found("b.gouv.fr", [link("nouveau.fr/x", None)]) == []
    done = LinkCheck(norm="vieux.fr/x", url="https://vieux.fr/x", method="HEAD", status=200,
                     final_url="https://nouveau.fr/x", redirect_status=301, checked_at="t")  # fmt: skip
    history = (["https://vieux.fr/x"], [301])
    (_, own) = s.emit(done, {"gl_claims": ["nouveau.fr/x"]}, history)
    assert (own.norm, own.url, own.status, own.redirect_status, own.resolved_from) == (
        "nouveau.fr/x",
        "https://nouveau.fr/x",
        200,
        None,
        "vieux.fr/x",
    )
    # a third URL redirecting there takes the same answer
    follow, stop = redirected(s, "check", "ancien.fr/x", "ancien.fr", "nouveau.fr/x")
    (third,) = s.stopped(stop)
    assert not follow
    assert (third.status, third.redirect_status, third.resolved_from) == (200, 301, "nouveau.fr/x")
