"""Work claims with leases (crawler/store/claims.py), on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from crawler.store import Store
from crawler.store.claims import worker_id


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    s = Store.open(db_target, create=True)
    yield s
    s.close()


def test_plan_is_idempotent_and_claims_go_biggest_first(store: Store) -> None:
    a = store.claims(1, worker="a")
    assert a.plan("site", [("small.gouv.fr", 5), ("big.gouv.fr", 500), "none.gouv.fr"]) == 3
    assert a.plan("site", [("big.gouv.fr", 1), "new.gouv.fr"]) == 1  # big keeps its priority
    got = a.claim("site", limit=2)
    assert [(c.unit, c.priority, c.claims) for c in got] == [("big.gouv.fr", 500, 1), ("small.gouv.fr", 5, 1)]
    assert [c.unit for c in a.claim("site", limit=5)] == ["new.gouv.fr", "none.gouv.fr"]
    assert a.claim("site") == []
    assert a.counts("site") == {"claimed": 4}
    assert a.plan("host", ["legifrance.gouv.fr"]) == 1  # kinds are apart
    assert [c.unit for c in a.claim("host")] == ["legifrance.gouv.fr"]
    assert store.claims(2, worker="a").claim("site") == []  # and crawls


def test_release_done_or_given_back(store: Store) -> None:
    a, b = store.claims(1, worker="a"), store.claims(1, worker="b")
    a.plan("site", ["x.gouv.fr", "y.gouv.fr"])
    x, y = a.claim("site", limit=2)
    assert not b.release("site", x.unit)  # b does not hold it
    assert a.release("site", x.unit)
    assert a.release("site", y.unit, done=False)  # given back: another worker takes it
    assert a.counts("site") == {"done": 1, "todo": 1}
    assert [(c.unit, c.claims) for c in b.claim("site")] == [("y.gouv.fr", 2)]
    assert b.release("site", "y.gouv.fr")
    assert a.finished("site") and not a.release("site", "y.gouv.fr")
    with pytest.raises(ValueError, match="claim kind 'page'"):
        a.claim("page")


def test_a_dead_workers_lease_runs_out_and_is_taken_over(store: Store) -> None:
    dead = store.claims(1, worker="dead", lease=0.3)
    live = store.claims(1, worker="live", lease=60)
    dead.plan("site", ["x.gouv.fr"])
    [held] = dead.claim("site")
    assert live.claim("site") == []  # leased
    [renewed] = dead.renew()
    assert (renewed.unit, renewed.claims) == ("x.gouv.fr", 1) and renewed.lease_until >= held.lease_until
    time.sleep(0.5)  # dead stops renewing
    assert live.counts("site") == {"expired": 1}
    [taken] = live.claim("site")
    assert (taken.unit, taken.claims) == ("x.gouv.fr", 2)
    assert dead.renew() == [] and dead.held() == []  # the dead worker, back, learns it lost it
    assert not dead.release("site", "x.gouv.fr")
    assert live.release("site", "x.gouv.fr") and live.finished("site")


def test_renew_extends_the_lease(store: Store) -> None:
    a = store.claims(1, worker="a", lease=0.6)
    a.plan("host", ["h1", "h2"])
    first = {c.unit: c.lease_until for c in a.claim("host", limit=2)}
    time.sleep(0.4)
    renewed = {c.unit: c.lease_until for c in a.renew()}
    assert renewed.keys() == first.keys()
    assert all(renewed[u] > first[u] + 0.3 for u in first)
    time.sleep(0.4)  # past the first lease, within the renewed one
    assert store.claims(1, worker="b").claim("host") == []
    assert [c.unit for c in a.held("host")] == ["h1", "h2"]


def test_reopen_gives_back_every_held_unit(store: Store) -> None:
    a = store.claims(1, worker="a")
    a.plan("site", ["x", "y", "z"])
    a.claim("site", limit=2)
    assert a.reopen() == 2
    assert a.counts("site") == {"todo": 3}
    assert worker_id().endswith(f":{__import__('os').getpid()}")


def test_concurrent_workers_never_claim_one_unit_twice(db_target: str) -> None:
    """Four workers, each with its own connection, claim 200 units at once: each unit exactly once."""
    with Store.open(db_target, create=True) as store:
        store.claims(1).plan("site", [(f"s{i:03}.gouv.fr", i % 7) for i in range(200)])
    got: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        try:
            with Store.open(db_target) as mine:
                claims = mine.claims(1, worker=name)
                while batch := claims.claim("site", limit=3):
                    for c in batch:
                        assert claims.release("site", c.unit)
                    with lock:
                        got.update(c.unit for c in batch)
        except BaseException as err:  # reported below, with the failing worker's error
            errors.append(err)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(got) == 200 and set(got.values()) == {1}
    with Store.open(db_target) as store:
        assert store.claims(1).counts("site") == {"done": 200}
