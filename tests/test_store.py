from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crawler.errors import LockError, StoreError
from crawler.items import Link, Page
from crawler.seeds import Seed
from crawler.store import MIGRATIONS, SCHEMA_VERSION, Reads, Store
from crawler.store.core import STALE_AFTER

SEEDS = [
    Seed("a.gouv.fr", "https://a.gouv.fr/", 2, "A", "Org", ("N1",), ()),
    Seed("b.gouv.fr", "https://b.gouv.fr/", 3, "B", "Org", ("N1",), ("F1",)),
    Seed("c.gouv.fr/x", "https://c.gouv.fr/x", 4, "C/x", "Org2", (), ()),
]


def page(site: str, url: str, norm: str, *, status: int | None = 200, depth: int | None = 0,
         links: list[tuple[Any, ...]] = (), frontier: list[tuple[Any, ...]] = (), kind: str = "page",
         error: str | None = None, final_norm: str | None = None) -> Page:  # fmt: skip
    return Page(
        kind=kind, site=site, url=url, norm=norm, final_url=url,
        final_norm=final_norm or norm, status=status, content_type="text/html", size=100,
        title="t", depth=depth, fetched_at="2026-01-01T00:00:00+00:00", error=error,
        internal_links=0, external_links=len(links), links=list(links),
        frontier=list(frontier),
    )  # fmt: skip


def link(norm: str, site: str | None, template: int = 0) -> Link:
    return Link("https://" + norm, "https://" + norm, norm, site, "anchor", "", template, 0)


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    """A new store, on each backend (``db_target``): every test below runs on both."""
    s = Store.open(db_target, create=True)
    yield s
    s.close()


@contextmanager
def refusing_writes(store: Store) -> Iterator[None]:
    """The store's connection refuses writes while the block runs: what a read must not need."""
    on, off = (
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF")
        if store.dialect == "sqlite"
        else ("SET default_transaction_read_only = on", "SET default_transaction_read_only = off")
    )
    store._conn.execute(on)
    try:
        yield
    finally:
        store._conn.execute(off)


def read_only_connection(db_target: str) -> Any:
    """A second connection to the store that cannot write, as another reader would open it."""
    if db_target.startswith("postgresql://"):
        from crawler.store.postgres import PgConnection

        conn = PgConnection.connect(db_target)
        conn.execute("SET default_transaction_read_only = on")
        return conn
    return sqlite3.connect(f"{Path(db_target).resolve().as_uri()}?mode=ro", uri=True)


def new_crawl(store: Store) -> int:
    crawl_id = store.start_crawl(seeds_path="seeds.csv", seeds_sha256="x" * 64, settings={"delay": 0},
                                 sites=SEEDS)  # fmt: skip
    store.add_frontier(crawl_id, [("a.gouv.fr/", "https://a.gouv.fr/", "a.gouv.fr", 0),
                                  ("b.gouv.fr/", "https://b.gouv.fr/", "b.gouv.fr", 0),
                                  ("c.gouv.fr/x", "https://c.gouv.fr/x", "c.gouv.fr/x", 0)])  # fmt: skip
    return crawl_id


def test_open_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        Store.open(tmp_path / "missing.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a govlinks store"):
        Store.open(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a govlinks store"):
        Store.open(other)
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "nope" / "s.db", create=True)


def test_newer_schema_is_refused_and_left_intact(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store.open(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1} is newer"):
        Store.open(path)
    assert sqlite3.connect(path).execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION + 1)


def test_crawl_lifecycle_and_summary(store: Store) -> None:
    crawl_id = new_crawl(store)
    assert store.crawl().id == crawl_id and store.crawl().state == "running"
    store.write_batch(crawl_id, [
        page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/",
             links=[link("b.gouv.fr/", "b.gouv.fr", 1), link("b.gouv.fr/deep", "b.gouv.fr"),
                    link("legifrance.gouv.fr/x", None)],
             frontier=[("a.gouv.fr/p", "https://a.gouv.fr/p", "a.gouv.fr", 1)]),
        page("b.gouv.fr", "https://b.gouv.fr/", "b.gouv.fr/", error="robots.txt", status=None),
    ])  # fmt: skip
    assert store.pending_frontier(crawl_id) == [
        ("c.gouv.fr/x", "https://c.gouv.fr/x", "c.gouv.fr/x", 0),
        ("a.gouv.fr/p", "https://a.gouv.fr/p", "a.gouv.fr", 1),
    ]
    assert set(store.known_norms(crawl_id)) == {"a.gouv.fr/", "b.gouv.fr/", "c.gouv.fr/x", "a.gouv.fr/p"}
    assert store.unknown_targets(crawl_id) == [("b.gouv.fr/deep", "https://b.gouv.fr/deep", "b.gouv.fr")]
    assert store.unchecked_external(crawl_id) == [("legifrance.gouv.fr/x", "https://legifrance.gouv.fr/x")]
    info = store.finish_crawl(crawl_id, status="finished")
    assert (info.state, info.pages, info.links, info.errors) == ("finished", 2, 3, 1)
    assert store.reads.site_status_counts(crawl_id) == {"not_crawled": 1, "ok": 1, "robots": 1}
    sites = store.reads.site_table(crawl_id).set_index("site")
    assert sites.loc["b.gouv.fr", "robots_blocked"] == 1
    assert sites.loc["b.gouv.fr", "themes"] == "N1" and sites.loc["b.gouv.fr", "life_events"] == "F1"


def test_site_edges_semantics(store: Store) -> None:
    crawl_id = new_crawl(store)
    store.write_batch(crawl_id, [
        page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/", links=[
            link("b.gouv.fr/", "b.gouv.fr", 1),          # homepage, template
            link("b.gouv.fr/deep", "b.gouv.fr"),         # deep, content
            link("b.gouv.fr/deep", "b.gouv.fr"),         # same target again
            link("c.gouv.fr/x", "c.gouv.fr/x"),          # prefix site homepage
            link("c.gouv.fr/x/gone", "c.gouv.fr/x"),     # broken target
        ]),
        page("a.gouv.fr", "https://a.gouv.fr/p", "a.gouv.fr/p", depth=1, links=[
            link("b.gouv.fr/", "b.gouv.fr", 1),
            link("b.gouv.fr/moved", "b.gouv.fr"),        # redirects to a live page
        ]),
        page("b.gouv.fr", "https://b.gouv.fr/", "b.gouv.fr/"),
        page("b.gouv.fr", "https://b.gouv.fr/deep", "b.gouv.fr/deep", kind="target", depth=None),
        page("b.gouv.fr", "https://b.gouv.fr/old", "b.gouv.fr/old", kind="target", depth=None,
             final_norm="b.gouv.fr/moved"),
        page("c.gouv.fr/x", "https://c.gouv.fr/x", "c.gouv.fr/x"),
        page("c.gouv.fr/x", "https://c.gouv.fr/x/gone", "c.gouv.fr/x/gone", status=404, kind="target",
             depth=None),
    ])  # fmt: skip
    store.finish_crawl(crawl_id, status="finished")
    edges = store.reads.site_edges(crawl_id).set_index(["source", "target"])
    ab = edges.loc[("a.gouv.fr", "b.gouv.fr")].to_dict()
    assert ab == {"weight": 2, "links": 5, "targets": 3, "deep": 2, "template_pages": 2,
                  "content_pages": 2, "broken": 0}  # fmt: skip
    ac = edges.loc[("a.gouv.fr", "c.gouv.fr/x")].to_dict()
    assert ac == {"weight": 1, "links": 2, "targets": 2, "deep": 1, "template_pages": 0,
                  "content_pages": 1, "broken": 1}  # fmt: skip
    assert len(edges) == 2


def test_lock_refuses_second_live_writer(store: Store) -> None:
    crawl_id = new_crawl(store)
    store._conn.execute("UPDATE crawls SET pid=1 WHERE id=?", (crawl_id,))  # pid 1 is alive
    with pytest.raises(LockError, match=f"crawl {crawl_id} is running in process 1"):
        store.check_not_running()
    store._conn.execute("UPDATE crawls SET pid=999999999 WHERE id=?", (crawl_id,))  # dead
    store.check_not_running()
    assert store.crawl(crawl_id).state == "interrupted"
    assert store.last_unfinished_crawl().id == crawl_id


def test_unknown_crawl_id(store: Store) -> None:
    with pytest.raises(StoreError, match="no crawl in this store"):
        store.crawl()
    new_crawl(store)
    with pytest.raises(StoreError, match=r"no crawl 7 \(known: 1\)"):
        store.crawl(7)


def test_duplicate_page_keeps_first(store: Store) -> None:
    crawl_id = new_crawl(store)
    first = page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/", links=[link("b.gouv.fr/", "b.gouv.fr")])
    store.write_batch(crawl_id, [first])
    store.write_batch(crawl_id, [first])
    assert store.reads.page_count(crawl_id) == 1
    assert len(store.reads.page_links(crawl_id)) == 1


def test_site_table_of_unfinished_crawl_is_computed_not_written(store: Store) -> None:
    crawl_id = new_crawl(store)
    store.write_batch(crawl_id, [
        page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/", links=[link("b.gouv.fr/", "b.gouv.fr")]),
        page("a.gouv.fr", "https://a.gouv.fr/p", "a.gouv.fr/p", depth=1, status=404),
        page("b.gouv.fr", "https://b.gouv.fr/", "b.gouv.fr/", error="robots.txt", status=None),
    ])  # fmt: skip
    before = store._conn.total_changes if store.dialect == "sqlite" else None
    with refusing_writes(store):
        running = store.reads.site_table(crawl_id)
    if before is not None:
        assert store._conn.total_changes == before  # a read: nothing written
    assert store.reads.site_status_counts(crawl_id) == {"pending": 3}
    assert running.set_index("site")["status"].to_dict() == {
        "a.gouv.fr": "ok", "b.gouv.fr": "robots", "c.gouv.fr/x": "not_crawled"}  # fmt: skip
    a = running.set_index("site").loc["a.gouv.fr"]
    assert (a["pages"], a["html_pages"], a["errors"], a["homepage_status"]) == (2, 1, 1, 200)
    store.finish_crawl(crawl_id, status="finished")
    pd.testing.assert_frame_equal(store.reads.site_table(crawl_id), running)  # the figures stored


def test_reads_work_on_a_read_only_connection(store: Store, db_target: str) -> None:
    crawl_id = new_crawl(store)
    store.write_batch(crawl_id, [
        page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/", links=[link("b.gouv.fr/gone", "b.gouv.fr")]),
        page("b.gouv.fr", "https://b.gouv.fr/gone", "b.gouv.fr/gone", kind="target", depth=None, status=410),
    ])  # fmt: skip
    conn = read_only_connection(db_target)
    try:
        reads = Reads(conn, store.path)
        assert reads.site_table(crawl_id)["status"].tolist() == ["ok", "not_crawled", "not_crawled"]
        assert reads.site_edges(crawl_id)["broken"].tolist() == [1]
        assert reads.broken_examples(crawl_id).to_dict("records") == [
            {"source": "a.gouv.fr", "target_url": "https://b.gouv.fr/gone", "status": 410, "error": None}
        ]
        assert reads.page_count(crawl_id) == 1 and reads.error_counts(crawl_id) == {}
        assert len(reads.pages_table(crawl_id)) == 2 and len(reads.page_links(crawl_id)) == 1
        assert [len(chunk) for chunk in reads.page_links(crawl_id, chunksize=1)] == [1]
    finally:
        conn.close()


def test_a_crawl_running_on_another_machine_is_told_by_its_heartbeat(store: Store) -> None:
    """A crawl row of another host: its pid means nothing here, its heartbeat says if it lives."""
    crawl_id = new_crawl(store)
    assert store.crawl().host == socket.gethostname() and store.crawl().running
    now = store.crawl().observed_at
    store._conn.execute("UPDATE crawls SET host='other-machine', pid=4242, heartbeat_at=? WHERE id=?",
                        (now - 5, crawl_id))  # fmt: skip
    assert store.crawl().state == "running"
    with pytest.raises(LockError, match=f"crawl {crawl_id} is running in process 4242 on other-machine"):
        store.check_not_running()
    store._conn.execute("UPDATE crawls SET heartbeat_at=? WHERE id=?", (now - STALE_AFTER - 5, crawl_id))
    assert store.crawl().state == "interrupted" and store.last_unfinished_crawl().id == crawl_id
    store.check_not_running()
    store.claim_crawl(crawl_id)  # --resume here takes it over
    info = store.crawl()
    assert (info.state, info.host, info.pid, info.runs) == ("running", socket.gethostname(), os.getpid(), 2)
    before = info.heartbeat_at
    time.sleep(0.05)
    store.heartbeat(crawl_id)
    assert store.crawl().heartbeat_at > before
    store.finish_crawl(crawl_id, status="finished")
    store.heartbeat(crawl_id)  # a closed crawl's row is left alone
    assert store.crawl().state == "finished"


def test_an_older_store_is_migrated_forward(db_target: str) -> None:
    """A store of schema version 1 (before work claims and heartbeats) opens, migrated, its crawl intact."""
    from crawler.store.backend import tables
    from crawler.store.schema import migration

    with Store.open(db_target, create=True) as fresh:
        conn = fresh._conn
        for table in tables(conn):
            conn.execute(f"DROP TABLE {table}")
        conn.executescript(migration(1, fresh.dialect))
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
        conn.execute(
            "INSERT INTO crawls (started_at, status, settings) VALUES ('2025-01-01', 'finished', '{}')"
        )
        assert "work_units" not in tables(conn)
    with Store.open(db_target) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert {"work_units", "work_queue", "work_norms", "workers"} <= tables(store._conn)
        info = store.crawl()
        assert (info.id, info.state, info.host, info.heartbeat_at) == (1, "finished", None, None)
        store.claims.add_sites(1, [("a.gouv.fr", "a.gouv.fr", False)])
        store.claims.join(1, "w1", pid=1, host="h", lease=60, now=0)
        got = store.claims.claim(1, "w1", sites=1, orphans=0, lease=60, now=0)
        assert got.sites == [("a.gouv.fr", False)]


# -- what comparing crawls reads ------------------------------------------------------------


def test_site_links_are_stored_when_a_crawl_finishes(tmp_path: Path) -> None:
    from crawler.store.summaries import SITE_LINKS
    from tests.crawlstore import make_store
    from tests.test_diff import AFTER, BEFORE

    path = make_store(tmp_path / "two.db", [BEFORE, AFTER, {**AFTER, "finish": "interrupted"}])
    conn = sqlite3.connect(path)
    stored = conn.execute("SELECT crawl_id, COUNT(*) FROM site_links GROUP BY crawl_id").fetchall()
    assert stored == [(1, 7), (2, 6)]  # an interrupted crawl stores none
    with Store.open(path) as store:
        for crawl_id in (1, 2, 3):
            fresh = pd.read_sql_query(SITE_LINKS, conn, params={"c": crawl_id})
            pd.testing.assert_frame_equal(store.reads.site_edges(crawl_id), fresh)
        edges = store.reads.site_edges(2).set_index(["source", "target"])
        assert edges.loc[("a.gouv.fr", "c.gouv.fr"), ["weight", "targets", "deep", "broken"]].tolist() == [
            1,
            1,
            1,
            1,
        ]
    conn.close()


def test_a_version_1_store_is_migrated_and_aggregated_on_the_fly(tmp_path: Path) -> None:
    from tests.crawlstore import make_store
    from tests.test_diff import AFTER, BEFORE

    path = make_store(tmp_path / "old.db", [BEFORE, AFTER])
    with Store.open(path) as store:
        want = store.reads.site_edges(2)
    conn = sqlite3.connect(path)  # the store as govlinks wrote it at schema version 1
    v1 = sqlite3.connect(":memory:")
    v1.executescript(MIGRATIONS[1])
    columns = {t: {r[1] for r in v1.execute(f"PRAGMA table_info({t})")}
               for (t,) in v1.execute("SELECT name FROM sqlite_master WHERE type='table'")}  # fmt: skip
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
        if table not in columns:
            conn.execute(f"DROP TABLE {table}")
            continue
        for column in [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]:
            if column not in columns[table]:
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        pd.testing.assert_frame_equal(store.reads.site_edges(2), want)
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM site_links").fetchone() == (0,)


def test_broken_targets_and_retired_candidates(tmp_path: Path) -> None:
    from tests.crawlstore import make_store
    from tests.test_diff import AFTER

    checks = {"gone.example.org/": (None, None, None, "DNSLookupError: no such host"),
              "ok.example.org/": (200, "https://ok.example.org/", None, None),
              "moved.example.org/": (200, "https://new.example.net/", 301, None)}  # fmt: skip
    links = [*AFTER["links"], ("b.gouv.fr", 0, "c.gouv.fr/gone", 0), ("b.gouv.fr", 0, "gone.example.org/", 0),
             ("b.gouv.fr", 0, "ok.example.org/", 0), ("b.gouv.fr", 1, "moved.example.org/", 0)]  # fmt: skip
    path = make_store(tmp_path / "s.db", [{**AFTER, "links": links, "checks": {**AFTER["checks"], **checks}}])
    with Store.open(path) as store:
        broken = store.reads.broken_targets(1)
        assert broken.to_dict("records") == [{
            "target_norm": "c.gouv.fr/gone", "target_url": "https://c.gouv.fr/gone",
            "target_site": "c.gouv.fr", "status": 404, "error": None, "sources": 2, "pages": 2,
            "example_source": "a.gouv.fr",
        }]  # fmt: skip
        candidates = store.reads.retired_candidates(1)
        rows = [
            tuple(None if pd.isna(v) else v for v in row)
            for row in candidates[["source", "target_norm", "redirect_status", "error"]].values.tolist()
        ]
        assert rows == [
            ("a.gouv.fr", "old.example.org/", 301, None),
            ("b.gouv.fr", "gone.example.org/", None, "DNSLookupError: no such host"),
            ("b.gouv.fr", "moved.example.org/", 301, None),
        ]
        external = store.reads.external_checks(1)
        assert list(candidates.columns) == list(external.columns)
        from graphs.retired import retired_links

        pd.testing.assert_frame_equal(retired_links(candidates), retired_links(external))


def test_crawl_sources_and_site_counts(tmp_path: Path) -> None:
    from tests.crawlstore import make_store
    from tests.test_diff import AFTER, BEFORE

    def sources(store: Store) -> dict[int, tuple[str, str | None]]:
        return {c.id: (c.source, c.archive_at) for c in store.crawls()}

    path = make_store(tmp_path / "s.db", [BEFORE, {**AFTER, "down": ["e.gouv.fr"]}])
    with Store.open(path) as store:
        assert sources(store) == {1: ("live", None), 2: ("live", None)}
        assert store.reads.site_status_counts_by_crawl() == {1: {"ok": 5}, 2: {"ok": 4, "unreachable": 1}}
        assert store.reads.link_count(1) == 9
    conn = sqlite3.connect(path)
    conn.execute("UPDATE crawls SET source = 'archive', archive_at = '2015-06-01' WHERE id = 2")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert sources(store) == {1: ("live", None), 2: ("archive", "2015-06-01")}
        assert [(c.source_label, c.as_of[:10]) for c in store.crawls()] == [
            ("live", store.crawl(1).started_at[:10]),
            ("archive 2015-06-01", "2015-06-01"),
        ]


def test_a_worker_joins_only_the_running_crawl_of_its_seed_list(store: Store) -> None:
    with pytest.raises(StoreError, match="no running crawl to join"):
        store.running_crawl("x" * 64)
    crawl_id = new_crawl(store)
    assert store.running_crawl("x" * 64).id == crawl_id
    with pytest.raises(StoreError, match=f"crawl {crawl_id} runs with another seed list "
                                         r"\(sha256 xxxxxxxxxxxx, this one yyyyyyyyyyyy\)"):  # fmt: skip
        store.running_crawl("y" * 64)
    store.finish_crawl(crawl_id, status="finished")
    with pytest.raises(StoreError, match="no running crawl to join"):
        store.running_crawl("x" * 64)


def test_pages_are_written_without_returning_on_an_old_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RETURNING came with SQLite 3.35: an older library still links each page to its links."""
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    with Store.open(tmp_path / "old.db", create=True) as store:
        crawl_id = new_crawl(store)
        first = page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/", links=[link("b.gouv.fr/", "b.gouv.fr")])
        store.write_batch(crawl_id, [first, page("b.gouv.fr", "https://b.gouv.fr/", "b.gouv.fr/")])
        assert store.write_batch(crawl_id, [first]) == 0  # a duplicate: kept once, its links too
        assert store.reads.page_links(crawl_id)[["source_url", "target_url"]].values.tolist() == [
            ["https://a.gouv.fr/", "https://b.gouv.fr/"]
        ]
