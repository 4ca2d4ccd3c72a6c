from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crawler.errors import LockError, StoreError
from crawler.items import Link, Page
from crawler.seeds import Seed
from crawler.store import MIGRATIONS, SCHEMA_VERSION, Reads, Store

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
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "s.db", create=True)
    yield s
    s.close()


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
    before = store._conn.total_changes
    running = store.reads.site_table(crawl_id)
    assert store._conn.total_changes == before  # a read: nothing written
    assert store.reads.site_status_counts(crawl_id) == {"pending": 3}
    assert running.set_index("site")["status"].to_dict() == {
        "a.gouv.fr": "ok", "b.gouv.fr": "robots", "c.gouv.fr/x": "not_crawled"}  # fmt: skip
    a = running.set_index("site").loc["a.gouv.fr"]
    assert (a["pages"], a["html_pages"], a["errors"], a["homepage_status"]) == (2, 1, 1, 200)
    store.finish_crawl(crawl_id, status="finished")
    pd.testing.assert_frame_equal(store.reads.site_table(crawl_id), running)  # the figures stored


def test_reads_work_on_a_read_only_connection(store: Store) -> None:
    crawl_id = new_crawl(store)
    store.write_batch(crawl_id, [
        page("a.gouv.fr", "https://a.gouv.fr/", "a.gouv.fr/", links=[link("b.gouv.fr/gone", "b.gouv.fr")]),
        page("b.gouv.fr", "https://b.gouv.fr/gone", "b.gouv.fr/gone", kind="target", depth=None, status=410),
    ])  # fmt: skip
    conn = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro", uri=True)
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
