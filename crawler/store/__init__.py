"""The crawl store: one SQLite file, and the only package of govlinks that speaks SQL.

Why SQLite: analysts run govlinks from a laptop or cron with no database server,
and any SQLite client can read the result. WAL mode lets ``report`` read while a
crawl writes; the crawl writes in batches, one transaction per batch, so that a
``kill -9`` loses at most the last batch and never leaves a page without its links.

Every statement lives in this package (the schema in ``schema.py``, the reads
behind reports and exports in ``reads.py``) and uses only portable SQL (no SQLite-only
functions outside ``_connect``), so that a server database can be added behind
the same methods later. The schema is versioned in ``meta`` and migrated forward
on open; a store written by a newer govlinks is refused rather than damaged.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from crawler.errors import LockError, StoreError
from crawler.items import (
    CHECK_FIELDS,
    FRONTIER_FIELDS,
    LINK_FIELDS,
    PAGE_FIELDS,
    FrontierRow,
    LinkCheck,
    Page,
)
from crawler.store.reads import ReportReads
from crawler.store.schema import MIGRATIONS, SCHEMA_VERSION
from crawler.urls import normalize_url

__all__ = [
    "CHECK_COLUMNS",
    "FRONTIER_COLUMNS",
    "LINK_COLUMNS",
    "MIGRATIONS",
    "PAGE_COLUMNS",
    "SCHEMA_VERSION",
    "CrawlInfo",
    "Store",
    "crawl_lock",
    "utcnow",
]

# Columns of each table an item is written to: what the store adds, then the item's fields.
PAGE_COLUMNS = ("crawl_id", *PAGE_FIELDS)
LINK_COLUMNS = ("crawl_id", "page_id", "source_site", *LINK_FIELDS)
FRONTIER_COLUMNS = ("crawl_id", *FRONTIER_FIELDS)
CHECK_COLUMNS = ("crawl_id", *CHECK_FIELDS)


def _insert(verb: str, table: str, columns: Sequence[str]) -> str:
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# A duplicate page (fetched twice) keeps the first; a check done again (resume) replaces the last.
_PAGE_SQL = _insert("INSERT OR IGNORE", "pages", PAGE_COLUMNS)
_LINK_SQL = _insert("INSERT", "links", LINK_COLUMNS)
_FRONTIER_SQL = _insert("INSERT OR IGNORE", "frontier", FRONTIER_COLUMNS)
_CHECK_SQL = _insert("INSERT OR REPLACE", "checks", CHECK_COLUMNS)
_page_values = attrgetter(*PAGE_FIELDS)
_check_values = attrgetter(*CHECK_FIELDS)


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
def crawl_lock(path: str | Path) -> Iterator[None]:
    """Hold the store's writer lock (``PATH.lock``) for the length of a crawl.

    An advisory ``flock``: the kernel drops it when the process dies, even by
    ``kill -9``, so a crashed crawl never leaves a stale lock behind.
    """
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
        yield
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

    @property
    def running(self) -> bool:
        """True while the process that writes this crawl is alive."""
        return self.status == "running" and _pid_alive(self.pid)

    @property
    def state(self) -> str:
        """finished, running, or interrupted (a 'running' crawl whose process died)."""
        if self.status == "running" and not _pid_alive(self.pid):
            return "interrupted"
        return self.status

    def as_dict(self) -> dict[str, Any]:
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
        }


class Store(ReportReads):
    """A govlinks store file. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

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
        path = Path(path)
        if not cls._check_path(path, create):
            return
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            cls(conn, path)._check(create=create)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{path}: not a govlinks store ({err})") from None
        finally:
            conn.close()

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> Store:
        """Open (and with ``create``, create) a store, migrating its schema forward."""
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
        rows = self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        return {r[0] for r in rows}

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        try:
            return int(row[0]) if row else 0
        except (TypeError, ValueError):
            raise StoreError(f"{self.path}: not a govlinks store (schema version {row[0]!r})") from None

    def _check(self, *, create: bool) -> None:
        """Refuse, without writing, what this govlinks cannot use as a store."""
        tables = self._tables()
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path}: not a govlinks store (an SQLite file with other tables)")
        version = self.schema_version() if tables else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {version} is newer than this govlinks "
                f"supports ({SCHEMA_VERSION}); upgrade govlinks"
            )
        if version == 0 and not create:
            raise StoreError(f"{self.path}: empty store (no crawl yet)")

    def _migrate(self) -> None:
        tables = self._tables()
        version = self.schema_version() if tables else 0
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits any open transaction first, so the script
            # carries its own BEGIN/COMMIT: a failed migration leaves no trace.
            try:
                self._conn.executescript(
                    "BEGIN IMMEDIATE;"
                    + MIGRATIONS[target]
                    + "INSERT OR REPLACE INTO meta (key, value) "
                    + f"VALUES ('schema_version', '{target}'); COMMIT;"
                )
            except BaseException as err:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if version and isinstance(err, sqlite3.DatabaseError):
                    raise StoreError(
                        f"{self.path}: cannot migrate the store from schema version {target - 1} "
                        f"to {target} ({err}); it is left unchanged"
                    ) from None
                raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- crawls ------------------------------------------------------------------------

    def _crawl_from_row(self, row: Sequence[Any]) -> CrawlInfo:
        values = list(row)
        values[7] = json.loads(values[7] or "{}")
        return CrawlInfo(*values)

    _CRAWL_SELECT = (
        "SELECT id, started_at, finished_at, updated_at, status, seeds_path, seeds_sha256, "
        "settings, sites, pages, links, errors, pid, runs FROM crawls"
    )

    def crawls(self) -> list[CrawlInfo]:
        rows = self._conn.execute(self._CRAWL_SELECT + " ORDER BY id").fetchall()
        return [self._crawl_from_row(r) for r in rows]

    def crawl(self, crawl_id: int | None = None) -> CrawlInfo:
        """The crawl with that id, or the latest one; StoreError when there is none."""
        if crawl_id is None:
            row = self._conn.execute(self._CRAWL_SELECT + " ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                raise StoreError(f"{self.path}: no crawl in this store yet")
        else:
            row = self._conn.execute(self._CRAWL_SELECT + " WHERE id=?", (crawl_id,)).fetchone()
            if row is None:
                ids = [c.id for c in self.crawls()]
                known = f"known: {', '.join(map(str, ids))}" if ids else "the store has none"
                raise StoreError(f"{self.path}: no crawl {crawl_id} ({known})")
        return self._crawl_from_row(row)

    def check_not_running(self) -> None:
        """Refuse a second writer: the lock is the crawl row of a live process."""
        for info in self.crawls():
            if info.running and info.pid != os.getpid():
                raise LockError(
                    f"{self.path}: crawl {info.id} is running in process {info.pid}; "
                    "wait for it or stop it first"
                )

    def start_crawl(
        self, *, seeds_path: str, seeds_sha256: str, settings: dict[str, Any], sites: Iterable[Any]
    ) -> int:
        """Create a crawl and its site rows, and claim it for this process."""
        now = utcnow()
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO crawls (started_at, updated_at, status, seeds_path, seeds_sha256, "
                "settings, pid) VALUES (?, ?, 'running', ?, ?, ?, ?)",
                (now, now, seeds_path, seeds_sha256, json.dumps(settings, sort_keys=True), os.getpid()),
            )
            crawl_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO sites (crawl_id, site, url, home_norm, name, organisation, themes,"
                " life_events, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                [
                    (crawl_id, s.site, s.url, normalize_url(s.url) or s.site, s.name, s.organisation,
                     "|".join(s.themes), "|".join(s.life_events))
                    for s in sites
                ],
            )  # fmt: skip
            conn.execute("UPDATE crawls SET sites=(SELECT COUNT(*) FROM sites WHERE crawl_id=?) "
                         "WHERE id=?", (crawl_id, crawl_id))  # fmt: skip
        return crawl_id

    def claim_crawl(self, crawl_id: int) -> None:
        """Take over an interrupted crawl for ``--resume``."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE crawls SET status='running', pid=?, finished_at=NULL, updated_at=?, "
                "runs=runs+1 WHERE id=?",
                (os.getpid(), utcnow(), crawl_id),
            )

    def last_unfinished_crawl(self) -> CrawlInfo | None:
        for info in reversed(self.crawls()):
            if info.state == "interrupted":
                return info
            if info.state == "finished":
                return None
        return None

    def finish_crawl(self, crawl_id: int, *, status: str) -> CrawlInfo:
        """Record per-site statuses and totals, and close the crawl with ``status``."""
        with self.transaction() as conn:
            self._summarise_sites(conn, crawl_id)
            conn.execute(
                """UPDATE crawls SET
                    pages=(SELECT COUNT(*) FROM pages WHERE crawl_id=:c AND kind='page'),
                    links=(SELECT COUNT(*) FROM links WHERE crawl_id=:c AND internal=0),
                    errors=(SELECT COUNT(*) FROM pages WHERE crawl_id=:c AND kind='page'
                            AND (error IS NOT NULL OR status >= 400)),
                    status=:s, finished_at=:t, updated_at=:t, pid=NULL
                   WHERE id=:c""",
                {"c": crawl_id, "s": status, "t": utcnow()},
            )
            if status == "finished":
                conn.execute(
                    "CREATE INDEX IF NOT EXISTS links_sites ON links (crawl_id, source_site, target_site)"
                )
                conn.execute("CREATE INDEX IF NOT EXISTS links_norm ON links (crawl_id, target_norm)")
        return self.crawl(crawl_id)

    def _summarise_sites(self, conn: sqlite3.Connection, crawl_id: int) -> None:
        conn.execute(
            """UPDATE sites SET
                pages=(SELECT COUNT(*) FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.error IS NULL),
                html_pages=(SELECT COUNT(*) FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.error IS NULL
                       AND p.status < 400 AND p.content_type LIKE '%html%'),
                errors=(SELECT COUNT(*) FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page'
                       AND (p.status >= 400 OR (p.error IS NOT NULL AND p.error <> 'robots.txt'))),
                robots_blocked=(SELECT COUNT(*) FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.error = 'robots.txt'),
                homepage_status=(SELECT p.status FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.depth=0 LIMIT 1)
               WHERE crawl_id=?""",
            (crawl_id,),
        )
        conn.execute(
            """UPDATE sites SET status=CASE
                 WHEN NOT EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.depth=0) THEN 'not_crawled'
                 WHEN EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.depth=0
                       AND p.error='robots.txt') THEN 'robots'
                 WHEN EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=sites.crawl_id
                       AND p.site=sites.site AND p.kind='page' AND p.depth=0
                       AND p.status IS NULL) THEN 'unreachable'
                 WHEN homepage_status >= 400 THEN 'homepage_error'
                 WHEN html_pages = 0 THEN 'no_html'
                 ELSE 'ok' END
               WHERE crawl_id=?""",
            (crawl_id,),
        )

    def add_frontier(self, crawl_id: int, rows: Iterable[FrontierRow]) -> None:
        """Plan pages (norm, url, site, depth): the seed pages of a new crawl."""
        with self.transaction() as conn:
            conn.executemany(_FRONTIER_SQL, [(crawl_id, *row) for row in rows])

    def site_status_counts(self, crawl_id: int) -> dict[str, int]:
        return dict(self._conn.execute(
            "SELECT status, COUNT(*) FROM sites WHERE crawl_id=? GROUP BY status ORDER BY status",
            (crawl_id,)))  # fmt: skip

    def touch_crawl(self, crawl_id: int) -> None:
        self._conn.execute("UPDATE crawls SET updated_at=? WHERE id=?", (utcnow(), crawl_id))

    # -- crawl writes ------------------------------------------------------------------

    def write_batch(self, crawl_id: int, pages: Sequence[Page], checks: Sequence[LinkCheck] = ()) -> int:
        """Write page items (each with its ``links`` and ``frontier``) and checks in one transaction.

        Returns the number of link rows written. A page item carries the frontier
        entries it discovered, so that a page is stored if and only if the pages it
        led to are, which is what makes ``--resume`` exact.
        """
        with self.transaction() as conn:
            frontier = [(crawl_id, *row) for item in pages for row in item.frontier]
            if frontier:
                conn.executemany(_FRONTIER_SQL, frontier)
            link_rows: list[tuple[Any, ...]] = []
            for item in pages:
                cur = conn.execute(_PAGE_SQL, (crawl_id, *_page_values(item)))
                if not cur.rowcount:
                    continue  # already stored (a duplicate fetch): keep the first
                page_id, site = cur.lastrowid, item.site
                link_rows.extend((crawl_id, page_id, site, *link) for link in item.links)
            if link_rows:
                conn.executemany(_LINK_SQL, link_rows)
            if checks:
                conn.executemany(_CHECK_SQL, [(crawl_id, *_check_values(c)) for c in checks])
            conn.execute("UPDATE crawls SET updated_at=? WHERE id=?", (utcnow(), crawl_id))
        return len(link_rows)

    # -- crawl reads for the spider (resume, link targets, link checks) ----------------

    def known_norms(self, crawl_id: int) -> Iterator[str]:
        """Every norm the crawl has planned or reached: never schedule these again."""
        yield from (r[0] for r in self._conn.execute(
            "SELECT norm FROM frontier WHERE crawl_id=? UNION "
            "SELECT final_norm FROM pages WHERE crawl_id=? AND final_norm IS NOT NULL UNION "
            "SELECT norm FROM pages WHERE crawl_id=?", (crawl_id, crawl_id, crawl_id)))  # fmt: skip

    def frontier_counts(self, crawl_id: int) -> dict[str, int]:
        return dict(self._conn.execute(
            "SELECT site, COUNT(*) FROM frontier WHERE crawl_id=? GROUP BY site", (crawl_id,)))  # fmt: skip

    def pending_frontier(self, crawl_id: int) -> list[FrontierRow]:
        """Planned pages not stored yet, shallowest first."""
        rows = self._conn.execute(
            f"""SELECT {", ".join(f"f.{c}" for c in FRONTIER_FIELDS)} FROM frontier f
               WHERE f.crawl_id=? AND NOT EXISTS
                 (SELECT 1 FROM pages p WHERE p.crawl_id=f.crawl_id AND p.norm=f.norm)
               ORDER BY f.depth, f.rowid""",
            (crawl_id,),
        )
        return [FrontierRow._make(row) for row in rows]

    def target_counts(self, crawl_id: int) -> dict[str, int]:
        return dict(self._conn.execute(
            "SELECT site, COUNT(*) FROM pages WHERE crawl_id=? AND kind='target' GROUP BY site",
            (crawl_id,)))  # fmt: skip

    def unknown_targets(self, crawl_id: int) -> list[tuple[str, str, str]]:
        """Link targets inside seed sites with no page of that URL yet: (norm, url, site)."""
        return self._conn.execute(
            """SELECT l.target_norm, MIN(l.target_url), l.target_site FROM links l
               WHERE l.crawl_id=? AND l.target_site IS NOT NULL AND l.internal=0
                 AND NOT EXISTS (SELECT 1 FROM pages p
                                 WHERE p.crawl_id=l.crawl_id AND p.norm=l.target_norm)
                 AND NOT EXISTS (SELECT 1 FROM pages p
                                 WHERE p.crawl_id=l.crawl_id AND p.final_norm=l.target_norm)
               GROUP BY l.target_norm, l.target_site ORDER BY l.target_site, l.target_norm""",
            (crawl_id,),
        ).fetchall()

    def unchecked_external(self, crawl_id: int) -> list[tuple[str, str]]:
        """Link targets outside the seed sites not checked yet: (norm, url)."""
        return self._conn.execute(
            """SELECT l.target_norm, MIN(l.target_url) FROM links l
               WHERE l.crawl_id=? AND l.target_site IS NULL
                 AND NOT EXISTS (SELECT 1 FROM checks c
                                 WHERE c.crawl_id=l.crawl_id AND c.norm=l.target_norm)
               GROUP BY l.target_norm ORDER BY l.target_norm""",
            (crawl_id,),
        ).fetchall()
