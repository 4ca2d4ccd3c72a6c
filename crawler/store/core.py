"""The store itself: open and check it, migrate its schema, transactions, the writer lock.

Also the one row every part of govlinks asks for, a crawl (:class:`CrawlInfo`), and
the store's time format (:func:`utcnow`). What a crawl writes is in ``lifecycle.py``,
what reports read in ``reads.py``; both build on :class:`StoreFile`. A store is an
SQLite file or, given a ``postgresql://`` URL, a PostgreSQL database (``postgres.py``).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from crawler.errors import LockError, StoreError
from crawler.store.backend import Connection, clock, dialect, tables
from crawler.store.postgres import PgConnection, advisory_lock, is_postgres
from crawler.store.schema import MIGRATIONS, SCHEMA_VERSION

# A crawl whose row says it runs on another machine is taken for dead when its
# heartbeat (``Store.heartbeat``, every HEARTBEAT_SECONDS) is older than this.
HEARTBEAT_SECONDS = 10.0
STALE_AFTER = 60.0

__all__ = ["CrawlInfo", "StoreFile", "crawl_lock", "read_crawl", "read_crawls", "utcnow"]


def utcnow() -> str:
    """ISO-8601 UTC timestamp with seconds, the one time format of the store."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def crawl_lock(path: str | Path) -> Iterator[int]:
    """Hold the store's writer lock for the length of a crawl; yield the fd a worker inherits.

    An advisory lock that dies with its holder, even by ``kill -9``, so a crashed
    crawl never leaves a stale lock behind: ``flock`` on ``PATH.lock`` beside an
    SQLite file, whose fd the crawl's worker processes inherit (the store stays
    locked until the last of them exits); for PostgreSQL a session advisory lock of
    the server (no fd: -1), held by this process while its workers, and those of
    other machines (``crawl --join``), write.
    """
    if is_postgres(path):
        with advisory_lock(str(path)):
            yield -1
        return
    lock_path = Path(f"{path}.lock")
    if not lock_path.parent.is_dir():
        raise StoreError(f"{path}: folder {lock_path.parent} does not exist")
    try:
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the whole crawl
    except OSError as err:
        raise StoreError(f"{lock_path}: cannot create lock file ({err.strerror})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockError(
                f"{path}: another crawl is writing this store ({holder}); wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield handle.fileno()
    finally:
        handle.close()


@dataclass(frozen=True)
class CrawlInfo:
    """One row of ``crawls``, with its settings decoded."""

    id: int
    started_at: str
    finished_at: str | None
    updated_at: str | None
    status: str
    seeds_path: str | None
    seeds_sha256: str | None
    settings: dict[str, Any]
    sites: int
    pages: int
    links: int
    errors: int
    pid: int | None
    runs: int
    source: str = "live"  # live | archive
    archive_url: str | None = None
    archive_at: str | None = None  # YYYY-MM-DD
    host: str | None = None  # machine of the process that writes the crawl
    heartbeat_at: float | None = None  # its last sign of life, by the store's clock
    observed_at: float | None = None  # the store's clock when this row was read

    @property
    def as_of(self) -> str:
        """When the web this crawl saw was online (UTC ISO-8601): the time to put it at.

        A live crawl is as of its start; an archive crawl as of its ``--at`` date,
        whenever it ran. Timelines and histories order and place crawls by this.
        """
        if self.source == "archive" and self.archive_at:
            return f"{self.archive_at}T00:00:00+00:00"
        return self.started_at

    def _alive(self) -> bool:
        """Whether the writing process lives: its pid on this machine, its heartbeat from another."""
        if self.host and self.host != socket.gethostname():
            if self.heartbeat_at is None or self.observed_at is None:
                return False
            return self.observed_at - self.heartbeat_at <= STALE_AFTER
        return _pid_alive(self.pid)

    @property
    def source_label(self) -> str:
        """Where the crawl's pages come from, as a reader sees it: ``live`` or ``archive 2015-06-01``."""
        if self.source == "archive" and self.archive_at:
            return f"archive {self.archive_at}"
        return self.source

    @property
    def running(self) -> bool:
        """True while the process that writes this crawl is alive."""
        return self.status == "running" and self._alive()

    @property
    def state(self) -> str:
        """finished, running, or interrupted (a 'running' crawl whose process died)."""
        if self.status == "running" and not self._alive():
            return "interrupted"
        return self.status

    @property
    def writer(self) -> str:
        """Who writes a running crawl: ``process 123``, or ``process 123 on host-b`` from elsewhere."""
        here = not self.host or self.host == socket.gethostname()
        return f"process {self.pid}" + ("" if here else f" on {self.host}")

    def as_dict(self) -> dict[str, Any]:
        """The crawl as the report's JSON writes it (key ``crawl``): the row, its state and ``as_of``."""
        return {
            "id": self.id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "status": self.state,
            "seeds_path": self.seeds_path,
            "seeds_sha256": self.seeds_sha256,
            "settings": self.settings,
            "sites": self.sites,
            "pages": self.pages,
            "links": self.links,
            "errors": self.errors,
            "source": self.source,
            "archive_url": self.archive_url,
            "archive_at": self.archive_at,
            "as_of": self.as_of,
        }


_CRAWL_SELECT = (
    "SELECT id, started_at, finished_at, updated_at, status, seeds_path, seeds_sha256, "
    "settings, sites, pages, links, errors, pid, runs, source, archive_url, archive_at, host, heartbeat_at "
    "FROM crawls"
)


def _crawl_from_row(row: Sequence[Any], observed_at: float) -> CrawlInfo:
    values = list(row)
    values[7] = json.loads(values[7] or "{}")
    return replace(CrawlInfo(*values), observed_at=observed_at)


def read_crawls(conn: Connection) -> list[CrawlInfo]:
    """Every crawl of the store, oldest first."""
    now = clock(conn)
    return [_crawl_from_row(r, now) for r in conn.execute(_CRAWL_SELECT + " ORDER BY id").fetchall()]


def read_crawl(conn: Connection, path: Path | str, crawl_id: int | None = None) -> CrawlInfo:
    """The crawl with that id, or the latest one; StoreError (naming ``path``) when there is none."""
    if crawl_id is None:
        row = conn.execute(_CRAWL_SELECT + " ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            raise StoreError(f"{path}: no crawl in this store yet")
    else:
        row = conn.execute(_CRAWL_SELECT + " WHERE id=?", (crawl_id,)).fetchone()
        if row is None:
            ids = [c.id for c in read_crawls(conn)]
            known = f"known: {', '.join(map(str, ids))}" if ids else "the store has none"
            raise StoreError(f"{path}: no crawl {crawl_id} ({known})")
    return _crawl_from_row(row, clock(conn))


def _script(version: int, dialect: str) -> str:
    """The migration to ``version`` for a backend (``MIGRATIONS`` of this module: tests patch it)."""
    script = MIGRATIONS[version]
    return script if isinstance(script, str) else script[dialect]


class StoreFile:
    """A store, opened and migrated: the base of :class:`crawler.store.Store`.

    ``path`` names it in messages: the file, or the URL without its password.
    """

    def __init__(self, conn: Connection, path: Path | str) -> None:
        self._conn = conn
        self.path = path
        # Seconds this connection waited for the write lock, over how many transactions:
        # what several crawl workers writing one file cost each other (bench/crawl.py --workers).
        self.lock_wait = 0.0
        self.transactions = 0

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: for the few statements written per backend (``claims.py``)."""
        return dialect(self._conn)

    # -- opening, schema, migrations ---------------------------------------------------

    @staticmethod
    def _check_path(path: Path, create: bool) -> bool:
        """Whether the file exists; StoreError when it cannot be (or become) a store."""
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no such store (run 'govlinks crawl --db {path}' first)")
            if path.parent and not path.parent.exists():
                raise StoreError(f"{path}: folder {path.parent} does not exist")
            return False
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a store file")
        if not os.access(path, os.R_OK):
            raise StoreError(f"{path}: cannot read store (permission denied)")
        return True

    @classmethod
    def check(cls, path: str | Path, *, create: bool = False) -> None:
        """Raise StoreError if ``path`` cannot be opened as a store; write nothing, create nothing."""
        if is_postgres(path):
            pg = PgConnection.connect(str(path))
            try:
                StoreFile(pg, pg.display)._check(create=create)
            finally:
                pg.close()
            return
        path = Path(path)
        if not cls._check_path(path, create):
            return
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            StoreFile(conn, path)._check(create=create)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{path}: not a govlinks store ({err})") from None
        finally:
            conn.close()

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> Self:
        """Open (and with ``create``, create) a store, migrating its schema forward."""
        if is_postgres(path):
            pg = PgConnection.connect(str(path))
            try:
                store = cls(pg, pg.display)
                store._check(create=create)
                store._migrate()
            except BaseException:
                pg.close()
                raise
            return store
        path = Path(path)
        cls._check_path(path, create)
        conn = None
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            store = cls(conn, path)
            store._check(create=create)  # before any write: a file that is no store stays as it was
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=OFF")
            store._migrate()
        except sqlite3.DatabaseError as err:
            if conn is not None:
                conn.close()
            raise StoreError(f"{path}: not a govlinks store ({err})") from None
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return store

    def _tables(self) -> set[str]:
        return tables(self._conn)

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        try:
            return int(row[0]) if row else 0
        except (TypeError, ValueError):
            raise StoreError(f"{self.path}: not a govlinks store (schema version {row[0]!r})") from None

    def _check(self, *, create: bool) -> None:
        """Refuse, without writing, what this govlinks cannot use as a store."""
        found = self._tables()
        if found and "meta" not in found:
            what = "a PostgreSQL schema" if self.dialect == "postgresql" else "an SQLite file"
            raise StoreError(f"{self.path}: not a govlinks store ({what} with other tables)")
        version = self.schema_version() if found else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {version} is newer than this govlinks "
                f"supports ({SCHEMA_VERSION}); upgrade govlinks"
            )
        if version == 0 and not create:
            raise StoreError(f"{self.path}: empty store (no crawl yet)")

    def _migration_failed(self, target: int, err: BaseException) -> StoreError:
        return StoreError(
            f"{self.path}: cannot migrate the store from schema version {target - 1} "
            f"to {target} ({' '.join(str(err).split())}); it is left unchanged"
        )

    def _migrate(self) -> None:
        if isinstance(self._conn, PgConnection):
            self._migrate_postgres(self._conn)
            return
        assert isinstance(self._conn, sqlite3.Connection)
        version = self.schema_version() if self._tables() else 0
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits any open transaction first, so the script
            # carries its own BEGIN/COMMIT: a failed migration leaves no trace.
            try:
                self._conn.executescript(
                    "BEGIN IMMEDIATE;"
                    + _script(target, "sqlite")
                    + "INSERT OR REPLACE INTO meta (key, value) "
                    + f"VALUES ('schema_version', '{target}'); COMMIT;"
                )
            except BaseException as err:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if version and isinstance(err, sqlite3.DatabaseError):
                    raise self._migration_failed(target, err) from None
                raise

    def _migrate_postgres(self, conn: PgConnection) -> None:
        """Every missing version in one transaction (PostgreSQL's DDL is transactional), one process
        at a time."""
        import psycopg

        if self._tables() and self.schema_version() == SCHEMA_VERSION:
            return
        with self.transaction():
            conn.lock_migrations()  # another process may be creating this very store
            version = self.schema_version() if "meta" in self._tables() else 0
            target = version
            try:
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    conn.executescript(_script(target, "postgresql"))
                    conn.execute("INSERT OR REPLACE INTO meta (key, value) "
                                 "VALUES ('schema_version', ?)", (str(target),))  # fmt: skip
            except psycopg.Error as err:
                if version:
                    raise self._migration_failed(target, err) from None
                raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error."""
        asked = time.perf_counter()
        self._conn.execute("BEGIN IMMEDIATE")
        self.lock_wait += time.perf_counter() - asked
        self.transactions += 1
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- crawls ------------------------------------------------------------------------

    def crawls(self) -> list[CrawlInfo]:
        """Every crawl of the store, oldest first."""
        return read_crawls(self._conn)

    def crawl(self, crawl_id: int | None = None) -> CrawlInfo:
        """The crawl with that id, or the latest one; StoreError when there is none."""
        return read_crawl(self._conn, self.path, crawl_id)
