"""Work claims of a crawl's workers (crawler/store/claims.py), offline, on a real store:
leases, take-over, host groups, the queue written with pages, norm claims, completion."""

from __future__ import annotations

from pathlib import Path

from crawler.items import Link, Page
from crawler.store import Store
from tests.crawlstore import seeds

SITES = {"a.gouv.fr": (), "b.gouv.fr": (), "c.gouv.fr": (), "m.gouv.fr/x": (), "m.gouv.fr/y": ()}
LEASE = 60.0


def crawl(tmp_path: Path) -> tuple[Store, int]:
    store = Store.open(tmp_path / "g.db", create=True)
    crawl_id = store.start_crawl(seeds_path="s.csv", seeds_sha256="a" * 64, settings={}, sites=seeds(SITES))
    store.claims.add_sites(crawl_id, [(s, s.split("/")[0], False) for s in SITES])
    return store, crawl_id


def page(site: str, norm: str, *links: tuple[str, str | None]) -> Page:
    found = [Link(f"https://{n}", f"https://{n}", n, s, "", "", 0, int(s == site)) for n, s in links]
    return Page(kind="page", site=site, url=f"https://{norm}", norm=norm, depth=0, fetched_at="t", status=200,
                links=found)  # fmt: skip


def test_sites_are_claimed_by_host_group_with_leases_and_taken_over_when_they_lapse(tmp_path: Path) -> None:
    store, c = crawl(tmp_path)
    claims = store.claims
    for w in ("w1", "w2"):
        claims.join(c, w, pid=1, host="h", lease=LEASE, now=0)
    # two groups at most: a.gouv.fr, then b.gouv.fr (groups in order); m.gouv.fr/x and /y go together
    got = claims.claim(c, "w1", sites=2, orphans=0, lease=LEASE, now=0)
    assert got.sites == [("a.gouv.fr", False), ("b.gouv.fr", False)] and got.hosts == []
    got = claims.claim(c, "w2", sites=5, orphans=0, lease=LEASE, now=1)
    assert got.sites == [("c.gouv.fr", False), ("m.gouv.fr/x", False), ("m.gouv.fr/y", False)]
    assert not claims.claim(c, "w2", sites=5, orphans=5, lease=LEASE, now=2)
    # w1 renews; w2 does not: past its lease its sites are free again, and started
    assert claims.renew(c, "w1", state="busy", cursor=0, lease=LEASE, now=50) == {
        ("site", "a.gouv.fr"), ("site", "b.gouv.fr")}  # fmt: skip
    got = claims.claim(c, "w1", sites=5, orphans=0, lease=LEASE, now=65)
    assert got.sites == [("c.gouv.fr", True), ("m.gouv.fr/x", True), ("m.gouv.fr/y", True)]
    assert claims.renew(c, "w2", state="busy", cursor=0, lease=LEASE, now=66) == set()  # w2 lost them
    # a dead worker's units are freed at once by its parent
    claims.release(c, "w1")
    assert [(w.worker, w.state) for w in claims.workers(c, 70)] == [("w1", "gone"), ("w2", "busy")]
    got = claims.claim(c, "w2", sites=1, orphans=0, lease=LEASE, now=70)
    assert got.sites == [("a.gouv.fr", True)]


def test_the_queue_is_written_with_pages_and_done_sites_are_orphans_to_claim(tmp_path: Path) -> None:
    store, c = crawl(tmp_path)
    claims = store.claims
    claims.join(c, "w1", pid=1, host="h", lease=LEASE, now=0)
    claims.claim(c, "w1", sites=1, orphans=0, lease=LEASE, now=0)  # a.gouv.fr
    home = page("a.gouv.fr", "a.gouv.fr/", ("a.gouv.fr/p", "a.gouv.fr"), ("b.gouv.fr/z", "b.gouv.fr"),
                ("b.gouv.fr/y", "b.gouv.fr"), ("z.org/2", None), ("x.org/1", None))  # fmt: skip
    store.write_batch(c, [home], done=["a.gouv.fr"], queue_checks=True)
    rows = claims.queued(c, 0)
    assert [(r.kind, r.unit, r.norm) for r in rows] == [
        ("target", "b.gouv.fr", "b.gouv.fr/y"), ("target", "b.gouv.fr", "b.gouv.fr/z"),
        ("check", "x.org", "x.org/1"), ("check", "z.org", "z.org/2")]  # fmt: skip
    assert claims.queued(c, rows[1].id) == rows[2:]
    assert [r.norm for r in claims.queued_for(c, "check", ["x.org"])] == ["x.org/1"]
    assert claims.queued_norms(c, ["x.org/1", "x.org/3"]) == {"x.org/1"}
    # one row per norm, in norm order in a batch; a smaller URL for a queued norm replaces the one
    # kept; checks are queued only when asked
    again = page("c.gouv.fr", "c.gouv.fr/", ("b.gouv.fr/y", "b.gouv.fr"), ("y.org/", None))
    again.links[0] = again.links[0]._replace(target_url="http://b.gouv.fr/y")
    store.write_batch(c, [again])
    assert [(r.norm, r.url) for r in claims.queued_for(c, "target", ["b.gouv.fr"])] == [
        ("b.gouv.fr/y", "http://b.gouv.fr/y"), ("b.gouv.fr/z", "https://b.gouv.fr/z")]  # fmt: skip
    assert claims.queued_norms(c, ["y.org/"]) == set()
    assert claims.done_sites(c) == {"a.gouv.fr"}
    # w1 stops: its done site is an orphan, claimed apart from the crawling sites
    claims.release(c, "w1")
    claims.join(c, "w2", pid=2, host="h", lease=LEASE, now=1)
    got = claims.claim(c, "w2", sites=0, orphans=5, lease=LEASE, now=1)
    assert got.sites == [("a.gouv.fr", True)]


def test_hosts_and_norms_go_to_the_first_claim(tmp_path: Path) -> None:
    store, c = crawl(tmp_path)
    claims = store.claims
    assert claims.claim_hosts(c, "w1", ["x.org", "y.org"], lease=LEASE, now=0) == ["x.org", "y.org"]
    assert claims.claim_hosts(c, "w2", ["y.org", "z.org"], lease=LEASE, now=1) == ["z.org"]
    assert claims.claim_hosts(c, "w2", ["y.org"], lease=LEASE, now=61) == ["y.org"]  # w1's lease ran out
    won, lost = claims.claim_norms(c, "b.gouv.fr", "target", ["b.gouv.fr/z", "b.gouv.fr/y"])
    assert (won, lost) == ({"b.gouv.fr/z", "b.gouv.fr/y"}, {})
    won, lost = claims.claim_norms(c, "a.gouv.fr", "page", ["b.gouv.fr/y", "b.gouv.fr/w"])
    assert (won, lost) == ({"b.gouv.fr/w"}, {"b.gouv.fr/y": "target"})
    assert claims.norm_claims(c, ["b.gouv.fr/w", "b.gouv.fr/v"]) == {"b.gouv.fr/w": "page"}
    # taking a unit over drops the claims of its fetches (they are planned again)
    claims.claim(c, "w3", sites=1, orphans=0, lease=LEASE, now=62)  # a.gouv.fr, claimed by nobody before
    assert claims.norm_claims(c, ["b.gouv.fr/w"]) == {}
    claims.reset(c)  # --resume: every unit free, no claim, no worker
    assert claims.norm_claims(c, ["b.gouv.fr/y"]) == {} and claims.workers(c, 0) == []


def test_complete_only_when_every_site_is_done_held_and_read(tmp_path: Path) -> None:
    store, c = crawl(tmp_path)
    claims = store.claims
    claims.join(c, "w1", pid=1, host="h", lease=LEASE, now=0)
    claims.join(c, "w2", pid=2, host="h", lease=LEASE, now=0)
    claims.claim(c, "w1", sites=9, orphans=9, lease=LEASE, now=0)
    store.write_batch(c, [page("a.gouv.fr", "a.gouv.fr/", ("b.gouv.fr/z", "b.gouv.fr"))], done=list(SITES))
    last = claims.queued(c, 0)[-1].id
    claims.renew(c, "w1", state="idle", cursor=last, lease=LEASE, now=1)
    assert not claims.complete(c, 1)  # w2 is busy
    claims.renew(c, "w2", state="idle", cursor=0, lease=LEASE, now=1)
    assert not claims.complete(c, 1)  # w2 has not read the queue
    claims.renew(c, "w2", state="idle", cursor=last, lease=LEASE, now=2)
    assert claims.complete(c, 2)
    claims.release(c, "w2")  # a worker gone holds nothing: still complete
    assert claims.complete(c, 3)
    assert not claims.complete(c, 70)  # w1's lease ran out: its units are free
    # a site still crawling is never complete
    store.write_batch(c, [], done=[])
    with store.transaction() as conn:
        conn.execute("UPDATE work_units SET state='crawling' WHERE unit='c.gouv.fr'")
    assert not claims.complete(c, 3)
