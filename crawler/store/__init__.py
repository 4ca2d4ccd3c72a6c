"""The crawl store, an SQLite file or a PostgreSQL database: the only package of govlinks that speaks SQL.

Why SQLite: analysts run govlinks from a laptop or cron with no database server,
and any SQLite client can read the result. WAL mode lets ``report`` read while a
crawl writes; the crawl writes in batches, one transaction per batch, so that a
``kill -9`` loses at most the last batch and never leaves a page without its links.
Why PostgreSQL too (``--db postgresql://…``): crawls that outgrow one machine need
a shared place for the work and the results that several machines write at once.
Same schema, same migrations, same reads: a report is the same from either.

One room per job:

- ``schema.py``: the schema, versioned in ``meta`` and migrated forward on open;
  a store written by a newer govlinks is refused rather than damaged.
- ``core.py``: the store (open, check, migrate, transactions), the writer lock,
  crawl rows (:class:`CrawlInfo`, running here or on another machine) and the
  store's time format.
- ``lifecycle.py``: :class:`Store`, a crawl's life (start, resume, heartbeat, write
  batches, close) and the reads the crawl schedules from; its INSERTs are derived
  from the items of ``crawler/items.py``.
- ``summaries.py``: the per-site figures of a crawl, one query stored at close and
  read on the fly before.
- ``reads.py``: ``store.reads``, the read-only aggregates behind reports, exports
  and the crawl summary, as DataFrames.
- ``claims.py``: ``store.claims``, how the worker processes of one crawl share its
  work (sites and outside hosts claimed with leases, what one owes another);
  ``claims_pg.py``: the same on PostgreSQL, ``FOR UPDATE SKIP LOCKED``.
- ``copy.py``: a store copied into another, from one backend to the other.
- ``backend.py``, ``postgres.py``, ``dialect.py``: the two backends behind one
  connection API (``execute``, ``executemany``, ``transaction()``), and the
  translation of the store's SQL for PostgreSQL.

Writing store SQL that runs on both backends
--------------------------------------------
Statements are written once, for SQLite, and reach PostgreSQL through
``dialect.to_postgres`` (migrations through ``dialect.postgres_ddl``). Every store
test runs on both (``tests/test_store.py``, and ``tests/test_postgres.py`` calls
every public method of :class:`Reads` on both and compares the frames), so a
statement outside these rules fails a test rather than a user. The rules:

1. Parameters are ``?`` or ``:name`` (not both in one statement); a parameter needs
   a type from its context (``col = ?``), not ``? IS NULL`` alone.
2. Every selected column that is not aggregated is in the ``GROUP BY`` (SQLite
   allows bare columns, PostgreSQL refuses them).
3. ``INSERT OR IGNORE``, ``INSERT OR REPLACE`` (the table needs a primary key or a
   unique index) and ``… ON CONFLICT (cols) DO …`` are fine; ``lastrowid`` is not:
   use ``RETURNING id`` (``backend.insert_returning`` for many rows).
4. ``ORDER BY`` every read whose order matters; NULLs sort first (SQLite's order,
   added on PostgreSQL). Text compares byte by byte on both (``COLLATE "C"``).
5. ``rowid`` means insertion order on tables without an ``INTEGER PRIMARY KEY``
   (PostgreSQL gets an identity column of that name); on the others use the key.
   No ``SELECT *`` for data (PostgreSQL's tables have that extra column).
6. Functions: the common ones (``COUNT``, ``SUM``, ``AVG``, ``MIN``/``MAX`` of one or
   more values, ``COALESCE``, ``IFNULL``, ``IIF``, ``CASE``, ``CAST(… AS REAL|INTEGER|TEXT)``,
   ``ROUND``, ``LENGTH``, ``SUBSTR``, ``LOWER``/``UPPER``, ``TRIM``/``RTRIM``/``LTRIM``,
   ``REPLACE``, ``INSTR``, ``GROUP_CONCAT``, ``||``, window functions, ``LIKE``).
   SQLite-only ones (dates and times, ``printf``, ``typeof``…) are refused, as are
   ``PRAGMA`` and ``sqlite_master``: times are ISO-8601 text written by Python
   (:func:`utcnow`), leases epoch seconds given by the caller (``claims.py``), and
   heartbeats seconds of :func:`backend.clock`.
7. Single quotes for strings; double quotes only for identifiers.
8. Comparisons give 0/1 and integer sums give ints on both; ``x * 1.0 / y`` or
   ``CAST(x AS REAL) / y`` for a ratio (integer division otherwise, on both).
9. DataFrames come from ``backend.read_frame`` (``self._frame`` in ``reads.py``),
   never from ``pandas.read_sql_query`` directly.
10. A migration is additive DDL in SQLite's words (``CREATE TABLE``, ``ALTER TABLE
    … ADD COLUMN``, ``CREATE INDEX``): types ``INTEGER``, ``REAL``, ``TEXT``,
    ``BLOB``; ``REFERENCES`` are documentation (not enforced, on either backend).
    When the DDL must differ, ``MIGRATIONS[v]`` is ``{"sqlite": …, "postgresql": …}``.

Statements that must differ by backend (``claims.py``: a claim is ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL where SQLite takes its one writer's lock) live in a class per
backend (``SqliteClaims``, ``PgClaims``), chosen once by :class:`Store`; that is the
exception, kept in the store.
"""

from __future__ import annotations

from crawler.store.claims import Claimed, QueueRow, SqliteClaims, WorkClaims, WorkerRow
from crawler.store.claims_pg import PgClaims
from crawler.store.core import CrawlInfo, StoreFile, crawl_lock, utcnow
from crawler.store.lifecycle import Store
from crawler.store.reads import Reads
from crawler.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Claimed",
    "CrawlInfo",
    "PgClaims",
    "QueueRow",
    "Reads",
    "SqliteClaims",
    "Store",
    "StoreFile",
    "WorkClaims",
    "WorkerRow",
    "crawl_lock",
    "utcnow",
]
