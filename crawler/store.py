"""The crawl store: one SQLite file, the only module of govlinks that speaks SQL.

Why SQLite: analysts run govlinks from a laptop or cron with no database server,
and any SQLite client can read the result. WAL mode lets ``report`` read while a
crawl writes; the crawl writes in batches, one transaction per batch, so that a
``kill -9`` loses at most the last batch and never leaves a page without its links.

Every statement lives in this module and uses only portable SQL (no SQLite-only
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
from pathlib import Path
from typing import Any

from crawler.errors import LockError, StoreError
from crawler.urls import normalize_url

__all__ = ["SCHEMA_VERSION", "CrawlInfo", "Store", "utcnow"]

SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE crawls (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    updated_at   TEXT,
    status       TEXT NOT NULL,            -- running | finished | interrupted
    seeds_path   TEXT,
    seeds_sha256 TEXT,
    settings     TEXT NOT NULL,            -- JSON of the crawl options
    sites        INTEGER NOT NULL DEFAULT 0,
    pages        INTEGER NOT NULL DEFAULT 0,
    links        INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0,
    pid          INTEGER,
    runs         INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE sites (
    crawl_id       INTEGER NOT NULL REFERENCES crawls(id),
    site           TEXT NOT NULL,
    url            TEXT NOT NULL,
    home_norm      TEXT NOT NULL,              -- norm of the seed URL: the homepage
    name           TEXT NOT NULL DEFAULT '',
    organisation   TEXT NOT NULL DEFAULT '',
    themes         TEXT NOT NULL DEFAULT '',   -- '|'-joined
    life_events    TEXT NOT NULL DEFAULT '',   -- '|'-joined
    status         TEXT,   -- ok | unreachable | robots | homepage_error | no_html | not_crawled
    pages          INTEGER NOT NULL DEFAULT 0,
    html_pages     INTEGER NOT NULL DEFAULT 0,
    errors         INTEGER NOT NULL DEFAULT 0,
    robots_blocked INTEGER NOT NULL DEFAULT 0,
    homepage_status INTEGER,
    PRIMARY KEY (crawl_id, site)
);
CREATE TABLE frontier (
    crawl_id INTEGER NOT NULL,
    norm     TEXT NOT NULL,
    url      TEXT NOT NULL,
    site     TEXT NOT NULL,
    depth    INTEGER NOT NULL,
    PRIMARY KEY (crawl_id, norm)
);
CREATE TABLE pages (
    id             INTEGER PRIMARY KEY,
    crawl_id       INTEGER NOT NULL,
    site           TEXT NOT NULL,
    kind           TEXT NOT NULL,              -- page | target
    url            TEXT NOT NULL,
    norm           TEXT NOT NULL,
    final_url      TEXT,
    final_norm     TEXT,
    status         INTEGER,
    content_type   TEXT,
    size           INTEGER,
    title          TEXT,
    depth          INTEGER,
    fetched_at     TEXT,
    error          TEXT,
    internal_links INTEGER NOT NULL DEFAULT 0,
    external_links INTEGER NOT NULL DEFAULT 0,
    UNIQUE (crawl_id, norm)
);
CREATE INDEX pages_final ON pages (crawl_id, final_norm);
-- per-site summaries (finish_crawl, site_table) would scan every page once per site
CREATE INDEX pages_site ON pages (crawl_id, site, kind, depth);
CREATE TABLE links (
    crawl_id    INTEGER NOT NULL,
    page_id     INTEGER NOT NULL REFERENCES pages(id),
    source_site TEXT NOT NULL,
    href        TEXT NOT NULL,                 -- as written in the page
    target_url  TEXT NOT NULL,                 -- absolute, without fragment
    target_norm TEXT NOT NULL,
    target_site TEXT,                          -- NULL outside the seed sites
    anchor      TEXT NOT NULL DEFAULT '',
    rel         TEXT NOT NULL DEFAULT '',
    template    INTEGER NOT NULL,              -- 1 in header/nav/footer, 0 in content
    internal    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX links_page ON links (page_id);
CREATE TABLE checks (
    crawl_id        INTEGER NOT NULL,
    norm            TEXT NOT NULL,
    url             TEXT NOT NULL,
    method          TEXT,
    status          INTEGER,
    final_url       TEXT,
    redirect_status INTEGER,
    error           TEXT,
    checked_at      TEXT,
    PRIMARY KEY (crawl_id, norm)
);
"""

_MIGRATIONS: dict[int, str] = {
    # version reached -> script; version 1 is the initial schema.
    1: _SCHEMA_V1,
}

_PAGE_COLUMNS = (
    "crawl_id", "site", "kind", "url", "norm", "final_url", "final_norm", "status",
    "content_type", "size", "title", "depth", "fetched_at", "error",
    "internal_links", "external_links",
)  # fmt: skip
_LINK_COLUMNS = (
    "crawl_id", "page_id", "source_site", "href", "target_url", "target_norm",
    "target_site", "anchor", "rel", "template", "internal",
)  # fmt: skip
_CHECK_COLUMNS = (
    "crawl_id", "norm", "url", "method", "status", "final_url", "redirect_status",
    "error", "checked_at",
)  # fmt: skip


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


class Store:
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
                    + _MIGRATIONS[target]
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

    def add_frontier(self, crawl_id: int, rows: Iterable[tuple[str, str, str, int]]) -> None:
        """Plan pages (norm, url, site, depth): the seed pages of a new crawl."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO frontier (crawl_id, norm, url, site, depth) VALUES (?, ?, ?, ?, ?)",
                [(crawl_id, *row) for row in rows],
            )

    def site_status_counts(self, crawl_id: int) -> dict[str, int]:
        return dict(self._conn.execute(
            "SELECT status, COUNT(*) FROM sites WHERE crawl_id=? GROUP BY status ORDER BY status",
            (crawl_id,)))  # fmt: skip

    def touch_crawl(self, crawl_id: int) -> None:
        self._conn.execute("UPDATE crawls SET updated_at=? WHERE id=?", (utcnow(), crawl_id))

    # -- crawl writes ------------------------------------------------------------------

    def write_batch(
        self,
        crawl_id: int,
        pages: Sequence[dict[str, Any]],
        checks: Sequence[dict[str, Any]] = (),
    ) -> int:
        """Write page items (each with its ``links`` and ``frontier``) in one transaction.

        Returns the number of link rows written. A page item carries the frontier
        entries it discovered, so that a page is stored if and only if the pages it
        led to are, which is what makes ``--resume`` exact.
        """
        n_links = 0
        page_sql = (
            f"INSERT OR IGNORE INTO pages ({', '.join(_PAGE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_PAGE_COLUMNS))})"
        )
        link_sql = (
            f"INSERT INTO links ({', '.join(_LINK_COLUMNS)}) VALUES ({', '.join('?' * len(_LINK_COLUMNS))})"
        )
        check_sql = (
            f"INSERT OR REPLACE INTO checks ({', '.join(_CHECK_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_CHECK_COLUMNS))})"
        )
        with self.transaction() as conn:
            frontier = [
                (crawl_id, norm, url, site, depth)
                for item in pages
                for norm, url, site, depth in item.get("frontier", ())
            ]
            if frontier:
                conn.executemany(
                    "INSERT OR IGNORE INTO frontier (crawl_id, norm, url, site, depth) "
                    "VALUES (?, ?, ?, ?, ?)",
                    frontier,
                )
            link_rows: list[tuple[Any, ...]] = []
            for item in pages:
                cur = conn.execute(page_sql, (crawl_id, *(item.get(c) for c in _PAGE_COLUMNS[1:])))
                if not cur.rowcount:
                    continue  # already stored (a duplicate fetch): keep the first
                page_id = cur.lastrowid
                site = item["site"]
                link_rows.extend(
                    (crawl_id, page_id, site, href, url, norm, tsite, anchor, rel, tmpl, internal)
                    for href, url, norm, tsite, anchor, rel, tmpl, internal in item.get("links", ())
                )
            if link_rows:
                conn.executemany(link_sql, link_rows)
                n_links = len(link_rows)
            if checks:
                conn.executemany(
                    check_sql, [(crawl_id, *(c.get(k) for k in _CHECK_COLUMNS[1:])) for c in checks]
                )
            conn.execute("UPDATE crawls SET updated_at=? WHERE id=?", (utcnow(), crawl_id))
        return n_links

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

    def pending_frontier(self, crawl_id: int) -> list[tuple[str, str, str, int]]:
        """Planned pages not stored yet: (norm, url, site, depth), shallowest first."""
        return self._conn.execute(
            """SELECT f.norm, f.url, f.site, f.depth FROM frontier f
               WHERE f.crawl_id=? AND NOT EXISTS
                 (SELECT 1 FROM pages p WHERE p.crawl_id=f.crawl_id AND p.norm=f.norm)
               ORDER BY f.depth, f.rowid""",
            (crawl_id,),
        ).fetchall()

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

    # -- reads for reports and exports -------------------------------------------------

    def _frame(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> Any:
        import pandas as pd

        return pd.read_sql_query(sql, self._conn, params=params)

    def site_table(self, crawl_id: int) -> Any:
        """One row per seed site of the crawl (DataFrame), with its crawl status.

        Columns: site, url, name, organisation, themes, life_events ('|'-joined),
        status, pages, html_pages, errors, robots_blocked, homepage_status.
        For an unfinished crawl the per-site figures are computed on the fly.
        """
        info = self.crawl(crawl_id)
        if info.state != "finished":
            with self.transaction() as conn:
                self._summarise_sites(conn, crawl_id)
        return self._frame(
            "SELECT site, url, name, organisation, themes, life_events, status, pages, "
            "html_pages, errors, robots_blocked, homepage_status FROM sites "
            "WHERE crawl_id=? ORDER BY site",
            (crawl_id,),
        )

    def site_edges(self, crawl_id: int) -> Any:
        """Site-to-site edges aggregated in SQL (DataFrame), one row per (source, target).

        Columns: source, target, weight (distinct source pages), links (occurrences),
        targets (distinct target URLs), deep (distinct targets other than the target
        site's homepage, its seed URL with or without a trailing slash), template_pages,
        content_pages, broken (distinct targets answering >= 400 or unreachable, robots-blocked excluded).
        """
        sql = """
        WITH home AS (
            SELECT site, rtrim(home_norm, '/') AS home FROM sites WHERE crawl_id = :c
        ),
        status AS (
            SELECT norm, status, error FROM pages WHERE crawl_id = :c
            UNION ALL
            SELECT final_norm, status, error FROM pages
            WHERE crawl_id = :c AND final_norm IS NOT NULL AND final_norm <> norm
        ),
        broken AS (
            SELECT norm FROM status
            GROUP BY norm
            HAVING MIN(CASE WHEN status < 400 OR error = 'robots.txt' THEN 0 ELSE 1 END) = 1
        ),
        l AS (
            SELECT l.page_id, l.source_site, l.target_site, l.target_norm, l.template
            FROM links l
            WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
              AND l.target_site <> l.source_site
        )
        SELECT l.source_site AS source, l.target_site AS target,
               COUNT(DISTINCT l.page_id) AS weight,
               COUNT(*) AS links,
               COUNT(DISTINCT l.target_norm) AS targets,
               COUNT(DISTINCT CASE WHEN rtrim(l.target_norm, '/') <> h.home
                                   THEN l.target_norm END) AS deep,
               COUNT(DISTINCT CASE WHEN l.template = 1 THEN l.page_id END) AS template_pages,
               COUNT(DISTINCT CASE WHEN l.template = 0 THEN l.page_id END) AS content_pages,
               COUNT(DISTINCT CASE WHEN b.norm IS NOT NULL THEN l.target_norm END) AS broken
        FROM l
        JOIN home h ON h.site = l.target_site
        LEFT JOIN broken b ON b.norm = l.target_norm
        GROUP BY l.source_site, l.target_site
        ORDER BY l.source_site, l.target_site
        """
        return self._frame(sql, {"c": crawl_id})

    def external_checks(self, crawl_id: int) -> Any:
        """Links to URLs outside the seed sites with their check result (DataFrame).

        Columns: source (site id), target_url, target_norm, pages (distinct source
        pages), status, final_url, redirect_status, error. Status columns are NULL
        when the crawl did not use ``--check-links``.
        """
        return self._frame(
            """SELECT l.source_site AS source, l.target_norm, MIN(l.target_url) AS target_url,
                      COUNT(DISTINCT l.page_id) AS pages,
                      c.status, c.final_url, c.redirect_status, c.error
               FROM links l LEFT JOIN checks c
                 ON c.crawl_id = l.crawl_id AND c.norm = l.target_norm
               WHERE l.crawl_id = ? AND l.target_site IS NULL AND l.internal = 0
               GROUP BY l.source_site, l.target_norm
               ORDER BY l.source_site, l.target_norm""",
            (crawl_id,),
        )

    def page_links(self, crawl_id: int, *, chunksize: int | None = None) -> Any:
        """The page-level cross-site link table (DataFrame, or an iterator with chunksize)."""
        import pandas as pd

        return pd.read_sql_query(
            """SELECT l.source_site, p.url AS source_url, l.target_site, l.target_url, l.href,
                      l.anchor, l.rel, l.template
               FROM links l JOIN pages p ON p.id = l.page_id
               WHERE l.crawl_id = ? AND l.internal = 0
               ORDER BY l.rowid""",
            self._conn,
            params=(crawl_id,),
            chunksize=chunksize,
        )

    def pages_table(self, crawl_id: int) -> Any:
        """Every fetched page of the crawl (DataFrame)."""
        return self._frame(
            "SELECT site, kind, url, final_url, status, content_type, size, title, depth, "
            "fetched_at, error, internal_links, external_links FROM pages WHERE crawl_id=? "
            "ORDER BY id",
            (crawl_id,),
        )

    def site_titles(self, crawl_id: int) -> Any:
        """Title of each site's homepage as crawled (DataFrame: site, title).

        Crawled text: callers escape it in every output.
        """
        return self._frame(
            "SELECT site, MIN(title) AS title FROM pages WHERE crawl_id=? AND kind='page' "
            "AND depth=0 GROUP BY site ORDER BY site",
            (crawl_id,),
        )

    def broken_examples(self, crawl_id: int, *, per_site: int = 3) -> Any:
        """A few broken cross-site link targets per source site, as evidence.

        DataFrame: source, target_url, status, error; at most ``per_site`` rows
        per source, the smallest URLs first. Broken means what it means in
        :meth:`site_edges` (>= 400 or unreachable, robots-blocked excluded).
        """
        return self._frame(
            """WITH status AS (
                   SELECT norm, status, error FROM pages WHERE crawl_id = :c
                   UNION ALL
                   SELECT final_norm, status, error FROM pages
                   WHERE crawl_id = :c AND final_norm IS NOT NULL AND final_norm <> norm
               ),
               broken AS (
                   SELECT norm, MAX(status) AS status, MAX(error) AS error FROM status
                   GROUP BY norm
                   HAVING MIN(CASE WHEN status < 400 OR error = 'robots.txt' THEN 0 ELSE 1 END) = 1
               ),
               pairs AS (
                   SELECT l.source_site AS source, MIN(l.target_url) AS target_url,
                          b.status, b.error,
                          ROW_NUMBER() OVER (PARTITION BY l.source_site
                                             ORDER BY MIN(l.target_url)) AS n
                   FROM links l JOIN broken b ON b.norm = l.target_norm
                   WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
                     AND l.target_site <> l.source_site
                   GROUP BY l.source_site, l.target_norm
               )
               SELECT source, target_url, status, error FROM pairs WHERE n <= :k
               ORDER BY source, target_url""",
            {"c": crawl_id, "k": per_site},
        )

    def page_count(self, crawl_id: int) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM pages WHERE crawl_id=? AND kind='page'", (crawl_id,)
        ).fetchone()
        return int(row[0])

    def error_counts(self, crawl_id: int) -> dict[str, int]:
        """Failed pages of the crawl by kind (``timeout``, ``http 4xx``, ``robots``…).

        The kind is the text of ``pages.error`` before its colon, else the class of
        an HTTP status >= 400 (see ``crawler.failures``); the same pages as ``crawls.errors``.
        """
        from crawler.failures import error_kind

        rows = self._conn.execute(
            """SELECT error, CASE WHEN error IS NULL THEN status / 100 * 100 END, COUNT(*)
               FROM pages WHERE crawl_id=? AND kind='page' AND (error IS NOT NULL OR status >= 400)
               GROUP BY 1, 2""",
            (crawl_id,),
        )
        counts: dict[str, int] = {}
        for error, status, n in rows:
            kind = error_kind(error, status) or "other"
            counts[kind] = counts.get(kind, 0) + n
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def failed_sites(self, crawl_id: int) -> list[tuple[str, str]]:
        """(site, status) of the crawled sites whose status is not ``ok``, by site."""
        return self._conn.execute(
            "SELECT site, status FROM sites WHERE crawl_id=? AND status NOT IN ('ok', 'not_crawled') "
            "ORDER BY site",
            (crawl_id,),
        ).fetchall()
