"""The store's SQL as PostgreSQL runs it (crawler/store/dialect.py): the text, then the meaning.

The first tests check the translation as text (no server); the last runs the same
statements on SQLite and on a real PostgreSQL server and compares the answers,
which is what the translation is for.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from crawler.store.dialect import NotPortable, postgres_ddl, split_statements, to_postgres


def pg(sql: str) -> str:
    return to_postgres(sql).text


def test_placeholders_become_numbered_and_strings_are_left_alone() -> None:
    s = to_postgres("SELECT ':x', '?', a::text FROM t WHERE a = ? AND b = ? -- what ?\n")
    assert (s.text, s.names, s.bind((1, 2))) == (
        "SELECT ':x', '?', a::text FROM t WHERE a = $1 AND b = $2", None, [1, 2])  # fmt: skip
    named = to_postgres("SELECT * FROM t WHERE a = :c OR b = :k OR c = :c")
    assert named.text == "SELECT * FROM t WHERE a = $1 OR b = $2 OR c = $1"
    assert named.bind({"k": "K", "c": "C", "extra": 0}) == ["C", "K"]
    with pytest.raises(NotPortable, match="mixes"):
        to_postgres("SELECT ? WHERE x = :y")
    with pytest.raises(NotPortable, match="numbered placeholder"):
        to_postgres("SELECT ?1")
    with pytest.raises(NotPortable, match="named parameters need a mapping"):
        named.bind((1, 2))


def test_insert_or_ignore_and_replace() -> None:
    assert pg("INSERT OR IGNORE INTO f (a, b) VALUES (?, ?)") == (
        "INSERT INTO f (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING")  # fmt: skip
    assert pg("INSERT OR IGNORE INTO p (a) VALUES (?) RETURNING id") == (
        "INSERT INTO p (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id")  # fmt: skip
    upsert = to_postgres("INSERT OR REPLACE INTO checks (crawl_id, norm, status) VALUES (?, ?, ?)")
    assert upsert.upsert == ("checks", ("crawl_id", "norm", "status"))
    assert upsert.with_keys(("crawl_id", "norm")).text == (
        "INSERT INTO checks (crawl_id, norm, status) VALUES ($1, $2, $3) "
        "ON CONFLICT (crawl_id, norm) DO UPDATE SET status = EXCLUDED.status")  # fmt: skip
    assert to_postgres("REPLACE INTO k (a) VALUES (?)").with_keys(("a",)).text == (
        "INSERT INTO k (a) VALUES ($1) ON CONFLICT (a) DO NOTHING")  # fmt: skip
    with pytest.raises(NotPortable, match="INSERT OR ABORT"):
        to_postgres("INSERT OR ABORT INTO t (a) VALUES (1)")


def test_plain_inserts_are_loaded_with_copy() -> None:
    assert to_postgres("INSERT INTO links (a, b) VALUES (?, ?)").copy == ("links", ("a", "b"))
    assert to_postgres("INSERT INTO s (a, b) VALUES (?, 'pending')").copy is None
    assert to_postgres("INSERT OR IGNORE INTO s (a) VALUES (?)").copy is None


def test_order_by_keeps_sqlites_null_order() -> None:
    assert pg("SELECT a FROM t ORDER BY a, b DESC LIMIT 3") == (
        "SELECT a FROM t ORDER BY a NULLS FIRST, b DESC NULLS LAST LIMIT 3")  # fmt: skip
    assert pg("SELECT a FROM t ORDER BY a NULLS LAST") == "SELECT a FROM t ORDER BY a NULLS LAST"
    assert pg("SELECT ROW_NUMBER() OVER (PARTITION BY s ORDER BY MIN(u)) FROM t GROUP BY s ORDER BY 1") == (
        "SELECT ROW_NUMBER() OVER (PARTITION BY s ORDER BY MIN(u) NULLS FIRST) FROM t GROUP BY s "
        "ORDER BY 1 NULLS FIRST")  # fmt: skip
    assert pg("SELECT a FROM (SELECT a FROM t ORDER BY a DESC) x ORDER BY CASE WHEN a > 1 THEN 0 END") == (
        "SELECT a FROM (SELECT a FROM t ORDER BY a DESC NULLS LAST) x "
        "ORDER BY CASE WHEN a > 1 THEN 0 END NULLS FIRST")  # fmt: skip


def test_operators_and_functions() -> None:
    assert pg("SELECT a FROM t WHERE a LIKE '%x%' AND b NOT LIKE ?") == (
        "SELECT a FROM t WHERE a ILIKE '%x%' AND b NOT ILIKE $1")  # fmt: skip
    assert pg("SELECT a IS b, a IS NOT b, a IS NULL, a IS NOT NULL, a == b FROM t") == (
        "SELECT a IS NOT DISTINCT FROM b, a IS DISTINCT FROM b, a IS NULL, a IS NOT NULL, a = b FROM t"
    )
    assert pg("SELECT IFNULL(a, 0), IIF(a > 1, 'x', 'y'), INSTR(a, '/'), MAX(a, b), MIN(a, b, c) FROM t") == (
        "SELECT COALESCE(a, 0), (CASE WHEN a > 1 THEN 'x' ELSE 'y' END), STRPOS(a, '/'), "
        "GREATEST(a, b), LEAST(a, b, c) FROM t")  # fmt: skip
    assert pg("SELECT GROUP_CONCAT(DISTINCT n), GROUP_CONCAT(s, '|'), ROUND(r, 2), ROUND(r) FROM t") == (
        "SELECT STRING_AGG(DISTINCT CAST(n AS TEXT), ','), STRING_AGG(CAST(s AS TEXT), '|'), "
        "ROUND(CAST(r AS NUMERIC), 2), ROUND(r) FROM t")  # fmt: skip
    assert pg("SELECT CAST(a AS REAL), CAST(b AS INTEGER) FROM t") == (
        "SELECT CAST(a AS DOUBLE PRECISION), CAST(b AS BIGINT) FROM t")  # fmt: skip
    assert (
        pg("SELECT IFNULL(MAX(a, IFNULL(b, 0)), 1) FROM t")
        == "SELECT COALESCE(GREATEST(a, COALESCE(b, 0)), 1) FROM t"
    )
    assert pg("BEGIN IMMEDIATE") == "BEGIN"
    sqlite_only = ["SELECT strftime('%Y', t) FROM x", "SELECT typeof(a) FROM x", "PRAGMA query_only=1",
                   "SELECT name FROM sqlite_master", "SELECT a FROM t WHERE a GLOB 'x*'"]  # fmt: skip
    for sql in sqlite_only:
        with pytest.raises(NotPortable):
            to_postgres(sql)


def test_ddl() -> None:
    assert postgres_ddl("""CREATE TABLE IF NOT EXISTS page_texts (
        page_id INTEGER PRIMARY KEY REFERENCES pages(id),  -- one per page
        profile TEXT NOT NULL DEFAULT '', score REAL, raw BLOB
    ) WITHOUT ROWID""") == (
        "CREATE TABLE IF NOT EXISTS page_texts (page_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "profile TEXT COLLATE \"C\" NOT NULL DEFAULT '', score DOUBLE PRECISION, raw BYTEA)")  # fmt: skip
    assert postgres_ddl("CREATE TABLE l (page_id INTEGER NOT NULL REFERENCES pages(id), n INTEGER, "
                        "FOREIGN KEY (n) REFERENCES x(y), UNIQUE (page_id, n))") == (
        "CREATE TABLE l (rowid BIGINT GENERATED BY DEFAULT AS IDENTITY, page_id BIGINT NOT NULL, n BIGINT, "
        "UNIQUE (page_id, n))")  # fmt: skip
    assert postgres_ddl("ALTER TABLE links ADD COLUMN context TEXT") == (
        'ALTER TABLE links ADD COLUMN context TEXT COLLATE "C"')  # fmt: skip
    assert postgres_ddl("ALTER TABLE crawls ADD heartbeat_at REAL") == (
        "ALTER TABLE crawls ADD heartbeat_at DOUBLE PRECISION")  # fmt: skip
    assert postgres_ddl("CREATE INDEX x ON t (a, b)") == "CREATE INDEX x ON t (a, b)"
    assert split_statements("CREATE TABLE a (x TEXT DEFAULT ';'); -- ; no\nCREATE INDEX i ON a (x);\n") == [
        "CREATE TABLE a (x TEXT DEFAULT ';')", "CREATE INDEX i ON a (x)"]  # fmt: skip


# -- the meaning: the same answers from both backends ----------------------------------------

ROWS = [
    (1, "b", 2.5, None),
    (2, "B", None, "x"),
    (3, "a", 1.0, "y"),
    (4, None, 4.0, "x"),
    (5, "é", 3.0, None),
]

SAME_ANSWERS = [
    ("SELECT id FROM t ORDER BY s, id", ()),  # NULL first, byte order: 'B' < 'a' < 'b' < 'é'
    ("SELECT id FROM t ORDER BY s DESC, id", ()),  # NULL last
    ("SELECT id FROM t WHERE s LIKE 'b%' ORDER BY id", ()),  # ASCII case-insensitive
    ("SELECT id FROM t WHERE g IS ? ORDER BY id", ("x",)),
    ("SELECT id FROM t WHERE g IS NOT ? ORDER BY id", ("x",)),
    ("SELECT MIN(s), MAX(s), COUNT(DISTINCT g), SUM(id), AVG(id), SUM(r) FROM t", ()),
    ("SELECT id / 2, id * 1.0 / 4, CAST(id AS REAL) / 3, id = 3, ROUND(r / 3, 2) FROM t ORDER BY id", ()),
    ("SELECT IFNULL(g, '-'), IIF(r > 2, 'big', 'small'), INSTR(IFNULL(s, ''), 'B') FROM t ORDER BY id", ()),
    ("SELECT g, COUNT(*) FROM t GROUP BY g ORDER BY g", ()),
    ("SELECT g, MAX(id, 3), MIN(id, 3) FROM t WHERE g IS NOT NULL ORDER BY id", ()),
    ("SELECT id, ROW_NUMBER() OVER (PARTITION BY g ORDER BY s DESC) FROM t ORDER BY id", ()),
    ("SELECT rtrim(s || '//', '/'), length(s), substr(s, 1, 1), lower(s) FROM t ORDER BY id", ()),
    ("SELECT :a + id FROM t WHERE id <= :b ORDER BY id", {"a": 10, "b": 2}),
]


@pytest.fixture(scope="module")
def both(pg_server: Any) -> Any:
    from crawler.store.postgres import PgConnection

    pg_server.sql("CREATE DATABASE dialect")
    lite = sqlite3.connect(":memory:")
    pgc = PgConnection.connect(pg_server.url("dialect"))
    ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, r REAL, g TEXT)"
    lite.execute(ddl)
    pgc.executescript(ddl)
    for conn in (lite, pgc):
        conn.executemany("INSERT INTO t (id, s, r, g) VALUES (?, ?, ?, ?)", ROWS)
    yield lite, pgc
    pgc.close()
    lite.close()


@pytest.mark.parametrize(("sql", "params"), SAME_ANSWERS, ids=[s for s, _ in SAME_ANSWERS])
def test_the_same_answers_from_both_backends(both: Any, sql: str, params: Any) -> None:
    lite, pgc = both
    want = lite.execute(sql, params).fetchall()
    got = [tuple(r) for r in pgc.execute(sql, params).fetchall()]
    assert got == want
    assert [type(v) for r in got for v in r] == [type(v) for r in want for v in r]
