"""Work claims on PostgreSQL (crawler/store/claims_pg.py), against a real server (tests/pgserver.py).

Every test of tests/test_claims.py runs again on a PostgreSQL store; then what only a
server can get wrong: claims made at the same moment by several connections (each
unit to one worker, host groups whole, no deadlock), and queue rows written by
several workers at once read by a worker's cursor without a gap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tests.test_claims as on_sqlite
from crawler.items import Link, Page
from crawler.store import PgClaims, Store
from tests.crawlstore import seeds

LEASE = 60.0


def _crawl(url: str, sites: dict[str, tuple[()]]) -> tuple[Store, int]:
    store = Store.open(url, create=True)
    crawl_id = store.start_crawl(seeds_path="s.csv", seeds_sha256="a" * 64, settings={}, sites=seeds(sites))
    store.claims.add_sites(crawl_id, [(s, s.split("/")[0], False) for s in sites])
    return store, crawl_id


@pytest.mark.parametrize("name", sorted(n for n in vars(on_sqlite) if n.startswith("test_")))
def test_the_claims_tests_pass_on_postgresql(name: str, pg_url: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    opened: list[Store] = []

    def crawl(_: Path) -> tuple[Store, int]:
        store, crawl_id = _crawl(pg_url, on_sqlite.SITES)
        assert isinstance(store.claims, PgClaims)
        opened.append(store)
        return store, crawl_id

    monkeypatch.setattr(on_sqlite, "crawl", crawl)
    try:
        getattr(on_sqlite, name)(tmp_path)
    finally:
        for store in opened:
            store.close()
    assert opened


def _at_once(n: int, job: Callable[[int], Any]) -> list[Any]:
    """``job(i)`` in ``n`` threads released together; their results (an exception fails the test)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = job(i)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_claims_at_the_same_moment_give_each_unit_to_one_worker(pg_url: str) -> None:
    # 40 sites, 10 of them in 5 host groups of two (path-prefix sites): 35 groups
    sites = {f"s{i:02d}.gouv.fr": () for i in range(30)}
    sites.update({f"m{i}.gouv.fr/{p}": () for i in range(5) for p in ("a", "b")})
    store, c = _crawl(pg_url, sites)
    store.close()
    workers = 4
    stores = [Store.open(pg_url) for _ in range(workers)]
    try:
        for i, s in enumerate(stores):
            s.claims.join(c, f"w{i}", pid=i, host="h", lease=LEASE, now=0)

        def claim_all(i: int) -> list[list[str]]:
            rounds = []
            while got := stores[i].claims.claim(c, f"w{i}", sites=3, orphans=0, lease=LEASE, now=1):
                rounds.append([site for site, _ in got.sites])
            return rounds

        rounds = _at_once(workers, claim_all)
        taken = Counter(site for worker in rounds for r in worker for site in r)
        assert taken == Counter(list(sites))  # every site once
        for worker, got in enumerate(rounds):
            for r in got:
                groups = {s.split("/")[0] for s in r}
                assert len(groups) <= 3  # at most 3 groups a claim, each group whole in one claim
                for g in groups:
                    assert sum(s.split("/")[0] == g for s in r) == (2 if g.startswith("m") else 1)
            held = stores[worker].claims.renew(c, f"w{worker}", state="busy", cursor=0, lease=LEASE, now=2)
            assert held == {("site", s) for r in got for s in r}
        assert sum(len(r) > 0 for r in rounds) >= 2  # the claims did run side by side

        # outside hosts and norms asked by all at once, in different orders: one winner each, no deadlock
        hosts = [f"h{i}.example.org" for i in range(30)]
        won = _at_once(workers, lambda i: stores[i].claims.claim_hosts(
            c, f"w{i}", hosts[::-1] if i % 2 else hosts, lease=LEASE, now=3))  # fmt: skip
        assert Counter(h for got in won for h in got) == Counter(hosts)
        norms = [f"s00.gouv.fr/p{i}" for i in range(50)]
        results = _at_once(workers, lambda i: stores[i].claims.claim_norms(
            c, f"s0{i}.gouv.fr", "target", norms[::-1] if i % 2 else norms))  # fmt: skip
        assert Counter(n for won_norms, _ in results for n in won_norms) == Counter(norms)
        for won_norms, lost in results:
            assert set(lost) == set(norms) - won_norms and set(lost.values()) <= {"target"}
    finally:
        for s in stores:
            s.close()


def _page(site: str, n: int, targets: list[str]) -> Page:
    links = [Link(f"https://{t}", f"https://{t}", t, t.split("/")[0], "", "", 0, 0) for t in targets]
    return Page(kind="page", site=site, url=f"https://{site}/{n}", norm=f"{site}/{n}", depth=1,
                fetched_at="t", status=200, links=links)  # fmt: skip


def test_queue_rows_written_by_workers_at_once_are_read_without_a_gap(pg_url: str) -> None:
    sites = {"a.gouv.fr": (), "b.gouv.fr": (), "c.gouv.fr": ()}
    store, c = _crawl(pg_url, sites)
    writers = [Store.open(pg_url) for _ in range(2)]
    stop = threading.Event()
    seen: list[int] = []

    def read() -> None:  # a worker's poll: the rows after its cursor, again and again
        cursor = 0
        while True:
            last = stop.is_set()
            for row in store.claims.queued(c, cursor):
                seen.append(row.id)
                cursor = row.id
            if last:
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        _at_once(2, lambda i: [writers[i].write_batch(c, [
            _page("ab"[i] + ".gouv.fr", n, [f"c.gouv.fr/{i}-{n}-{k}" for k in range(3)])])
            for n in range(40)])  # fmt: skip
    finally:
        stop.set()
        reader.join(60)
        for w in writers:
            w.close()
    every = [row.id for row in store.claims.queued(c, 0)]
    store.close()
    assert len(every) == 2 * 40 * 3
    assert seen == every  # in id order, none skipped, none twice
