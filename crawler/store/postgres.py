"""A PostgreSQL database spoken to like an ``sqlite3`` connection: psycopg 3 behind the store's API.

The store's modules call ``execute``, ``executemany`` and ``in_transaction`` on
their connection and hand it to ``pandas.read_sql_query``; :class:`PgConnection`
offers the same to a PostgreSQL database, translating each statement once
(``dialect.to_postgres``) and loading values as ``sqlite3`` gives them back
(``numeric`` sums as int or float, booleans as 0/1), so that the reads return the
same frames from both backends. Why psycopg 3 and not SQLAlchemy: the store's
statements exist as SQL text, and psycopg gives what the crawl needs from a server
at full speed (COPY for link rows, pipelined ``executemany``, ``RETURNING``,
advisory locks, ``FOR UPDATE SKIP LOCKED``) without a second query language.

psycopg is imported here only: SQLite users never need it installed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crawler.errors import LockError, StoreError
from crawler.store.dialect import Statement, postgres_ddl, split_statements, to_postgres

__all__ = ["PgConnection", "advisory_lock", "display_url", "is_postgres"]

SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: object) -> bool:
    """Whether ``--db`` names a PostgreSQL database (a ``postgresql://`` URL) rather than a file."""
    return isinstance(db, str) and db.startswith(SCHEMES)


def display_url(url: str) -> str:
    """The URL without its password, for messages and logs.

    >>> display_url("postgresql://crawler:s3cret@db.example:5432/govlinks")
    'postgresql://crawler:***@db.example:5432/govlinks'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "a PostgreSQL store needs psycopg 3: pip install 'psycopg[binary]' (or govlinks[postgresql])"
        ) from None
    return psycopg


def _adapt(raw: Any) -> None:
    """Load values as sqlite3 returns them, and dump Python booleans as the 0/1 the schema stores."""
    from psycopg.adapt import Dumper, Loader

    class NumericLoader(Loader):  # SUM() of integers is an int, AVG() a float, as in SQLite
        def load(self, data: Any) -> int | float:
            text = bytes(data)
            try:
                return int(text)
            except ValueError:
                return float(text)

    class BoolLoader(Loader):  # SELECT a = b gives 1 or 0, as in SQLite
        def load(self, data: Any) -> int:
            return 1 if bytes(data) == b"t" else 0

    class BoolDumper(Dumper):
        oid = raw.adapters.types["int8"].oid

        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

    raw.adapters.register_loader("numeric", NumericLoader)
    raw.adapters.register_loader("bool", BoolLoader)
    raw.adapters.register_dumper(bool, BoolDumper)


class _ReadCursor:
    """The cursor pandas reads through: a server-side cursor, so that chunked reads stream."""

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn
        self._cur: Any = None

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> _ReadCursor:
        statement = self._conn.statement(sql)
        self._cur = self._conn.raw.cursor(name=f"govlinks_read_{id(self)}", withhold=True)
        self._cur.execute(statement.text, statement.bind(params))
        return self

    @property
    def description(self) -> Any:
        return self._cur.description

    def fetchall(self) -> list[Any]:
        return list(self._cur.fetchall())

    def fetchmany(self, size: int) -> list[Any]:
        return list(self._cur.fetchmany(size))

    def close(self) -> None:
        if self._cur is not None and not self._cur.closed:
            self._cur.close()


class PgConnection:
    """A psycopg connection with the subset of ``sqlite3.Connection`` that the store uses.

    Autocommit, as the SQLite store runs (``isolation_level=None``): a transaction is
    what the store opens with ``BEGIN`` and closes with ``COMMIT`` or ``ROLLBACK``.
    """

    dialect = "postgresql"

    def __init__(self, raw: Any, display: str) -> None:
        self.raw = raw
        self.display = display
        self._statements: dict[str, Statement] = {}
        self._keys: dict[str, tuple[str, ...]] = {}

    @classmethod
    def connect(cls, url: str, *, purpose: str = "store") -> PgConnection:
        """Connect, or raise StoreError with the server's one-line reason."""
        psycopg = _driver()
        display = display_url(url)
        name = f"govlinks {purpose}: pid {os.getpid()} on {socket.gethostname()}"  # the lock's holder
        try:
            raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.RawCursor,
                                  application_name=name[:63], connect_timeout=10)  # fmt: skip
        except psycopg.Error as err:
            reason = " ".join(str(err).split()) or type(err).__name__
            raise StoreError(f"{display}: cannot connect to PostgreSQL ({reason})") from None
        raw.server_cursor_factory = psycopg.RawServerCursor
        _adapt(raw)  # connection-wide: every cursor loads values the same way
        # The store's statements aggregate whole crawls. PostgreSQL cannot estimate how
        # many norms a GROUP BY over a UNION ALL keeps (BROKEN_TARGETS: 1 row estimated,
        # 5,565 real) and then loops over the 1.3 million links once per row: the site
        # aggregates of a 750-site crawl ran for more than 15 minutes; with hash joins,
        # 6.7 s (SQLite: 6.3 s). Nested loops stay allowed where nothing else can work.
        # Read cursors are read to the end: plan them for all rows, not the first 10%.
        raw.execute("SET enable_nestloop = off")
        raw.execute("SET cursor_tuple_fraction = 1")
        return cls(raw, display)

    # -- what sqlite3 offers ---------------------------------------------------------

    def statement(self, sql: str) -> Statement:
        """The translated statement (its ON CONFLICT key asked from the catalog once)."""
        found = self._statements.get(sql)
        if found is None:
            found = to_postgres(sql)
            if found.upsert is not None:
                found = found.with_keys(self.primary_key(found.upsert[0]))
            self._statements[sql] = found
        return found

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None, /) -> Any:
        statement = self.statement(sql)
        cur = self.raw.cursor()
        cur.execute(statement.text, statement.bind(params))
        return cur

    def executemany(self, sql: str, seq: Iterable[Sequence[Any] | Mapping[str, Any]], /) -> Any:
        """Many rows at once: COPY for a plain INSERT (the crawl's link rows), else pipelined."""
        statement = self.statement(sql)
        cur = self.raw.cursor()
        rows = [statement.bind(params) for params in seq]
        if not rows:
            return cur
        if statement.copy is not None:
            table, columns = statement.copy
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(statement.text, rows)
        return cur

    def insert_returning(self, sql: str, seq: Iterable[Sequence[Any]]) -> list[Any]:
        """The row each ``INSERT … RETURNING`` gave (None where nothing was inserted), pipelined."""
        statement = self.statement(sql)
        rows = [statement.bind(params) for params in seq]
        if not rows:
            return []
        cur = self.raw.cursor()
        cur.executemany(statement.text, rows, returning=True)
        out = [cur.fetchone()]
        while cur.nextset():
            out.append(cur.fetchone())
        return out

    def executescript(self, script: str) -> None:
        """Run a migration script statement by statement, its DDL in PostgreSQL's types.

        Unlike sqlite3's, it neither commits nor begins: the caller's transaction holds
        the whole script (PostgreSQL's DDL is transactional).
        """
        cur = self.raw.cursor()
        for sql in split_statements(script):
            cur.execute(postgres_ddl(sql))
        self._statements.clear()  # a new table or column may change a translation's key

    def cursor(self) -> _ReadCursor:
        return _ReadCursor(self)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return bool(self.raw.info.transaction_status != TransactionStatus.IDLE)

    def close(self) -> None:
        self.raw.close()

    # -- what only a server has ------------------------------------------------------

    def tables(self) -> set[str]:
        rows = self.raw.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {r[0] for r in rows}

    def primary_key(self, table: str) -> tuple[str, ...]:
        """Columns of the table's primary key (else its first unique index): ON CONFLICT's target."""
        if table not in self._keys:
            rows = self.raw.execute(
                """SELECT i.indexrelid, a.attname FROM pg_index i
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                   WHERE i.indrelid = to_regclass($1) AND i.indisunique
                   ORDER BY i.indisprimary DESC, i.indexrelid,
                            array_position(i.indkey::int2[], a.attnum)""",
                [table],
            ).fetchall()
            if not rows:
                raise StoreError(f"{self.display}: table {table} has no key for INSERT OR REPLACE")
            first = rows[0][0]
            self._keys[table] = tuple(name for index, name in rows if index == first)
        return self._keys[table]

    def reset_identities(self) -> None:
        """Move every identity column's sequence past the largest value, after rows came with their ids."""
        rows = self.raw.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND is_identity = 'YES'"""
        ).fetchall()
        for table, column in rows:
            self.raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            )

    def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load (``copy-store``): no wait for autovacuum."""
        self.raw.execute("ANALYZE")

    def clock(self) -> float:
        """The server's time, in seconds since the epoch: one clock for every machine of a crawl."""
        row = self.raw.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())").fetchone()
        return float(row[0])

    def lock_migrations(self) -> None:
        """Serialise migrations (inside the caller's transaction): two processes may open a new store."""
        self.raw.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('govlinks migrate ' || current_schema(), 0))"
        )


@contextmanager
def advisory_lock(url: str) -> Iterator[None]:
    """Hold the store's writer lock for the length of a crawl: a session advisory lock.

    The server drops it when the connection ends, even when the process is killed, so
    a crashed crawl never leaves a stale lock behind; it holds across machines, which
    a lock file cannot.
    """
    conn = PgConnection.connect(url, purpose="crawl lock")
    try:
        key_sql = "SELECT hashtextextended('govlinks crawl ' || current_schema(), 0)"
        key = conn.raw.execute(key_sql).fetchone()[0]
        if not conn.raw.execute("SELECT pg_try_advisory_lock($1)", [key]).fetchone()[0]:
            row = conn.raw.execute(
                """SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                     AND l.classid::bigint = $1 AND l.objid::bigint = $2
                     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
            ).fetchone()
            holder = row[0].replace("govlinks crawl lock: ", "") if row and row[0] else "another process"
            raise LockError(
                f"{conn.display}: another crawl is writing this store ({holder}); wait for it to finish"
            )
        yield
    finally:
        conn.close()
