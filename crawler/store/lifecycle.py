"""A crawl's life in the store: start or resume it, write its pages in batches, close it.

Also the reads the crawl itself needs to schedule (the frontier on ``--resume``,
link targets for phase 2, outside links to check for phase 3). The statements that
write items are derived from ``crawler/items.py``: the store has no list of its
own of what a page, a link or a check holds.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Iterable, Iterator, Sequence
from operator import attrgetter, itemgetter
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
from crawler.store.backend import Connection, clock, dialect, insert_returning
from crawler.store.claims import DONE_SQL, QUEUE_SQL, SqliteClaims
from crawler.store.claims_pg import PgClaims
from crawler.store.core import CrawlInfo, StoreFile, utcnow
from crawler.store.reads import Reads
from crawler.store.summaries import summarise_site_links, summarise_sites
from crawler.urls import normalize_url

__all__ = ["CHECK_COLUMNS", "FRONTIER_COLUMNS", "LINK_COLUMNS", "PAGE_COLUMNS", "Store"]

# Columns of each table an item is written to: what the store adds, then the item's fields.
PAGE_COLUMNS = ("crawl_id", *PAGE_FIELDS)
LINK_COLUMNS = ("crawl_id", "page_id", "source_site", *LINK_FIELDS)
FRONTIER_COLUMNS = ("crawl_id", *FRONTIER_FIELDS)
CHECK_COLUMNS = ("crawl_id", *CHECK_FIELDS)


def _insert(verb: str, table: str, columns: Sequence[str]) -> str:
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# A duplicate page (fetched twice) keeps the first; a check done again (resume) replaces the last.
_PAGE_SQL = _insert("INSERT OR IGNORE", "pages", PAGE_COLUMNS) + " RETURNING id"
_LINK_SQL = _insert("INSERT", "links", LINK_COLUMNS)
_FRONTIER_SQL = _insert("INSERT OR IGNORE", "frontier", FRONTIER_COLUMNS)
_CHECK_SQL = _insert("INSERT OR REPLACE", "checks", CHECK_COLUMNS)
_TEXT_SQL = _insert("INSERT", "page_texts", ("page_id", "profile"))
_page_values = attrgetter(*PAGE_FIELDS)
_check_values = attrgetter(*CHECK_FIELDS)


def _marks(values: Collection[Any]) -> str:
    return ", ".join("?" * len(values))


def _chunked(values: Collection[str], size: int = 400) -> Iterator[list[str]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _queue(queued: dict[str, tuple[Any, ...]], crawl_id: int, page: Page, checks: bool) -> None:
    """The rows of ``work_queue`` a page's links make: one per norm, with its smallest URL."""
    for link in page.links:
        if link.internal or link.target_site == page.site:
            continue
        if link.target_site is None:
            if not checks:
                continue
            row = (crawl_id, "check", link.target_norm.split("/", 1)[0], link.target_norm, link.target_url)
        else:
            row = (crawl_id, "target", link.target_site, link.target_norm, link.target_url)
        known = queued.get(link.target_norm)
        if known is None or row[4] < known[4]:
            queued[link.target_norm] = row


class Store(StoreFile):
    """A govlinks store file. Open with :meth:`open`; close with :meth:`close`.

    The crawl's lifecycle and writes are methods; the reads of reports and exports
    are on :attr:`reads`, the work claims of a crawl's workers on :attr:`claims`.
    """

    def __init__(self, conn: Connection, path: Path | str) -> None:
        super().__init__(conn, path)
        self.reads = Reads(conn, path)
        claims = PgClaims if dialect(conn) == "postgresql" else SqliteClaims
        self.claims = claims(conn, self.transaction)

    # -- crawls ------------------------------------------------------------------------

    def check_not_running(self) -> None:
        """Refuse a second writer: the lock is the crawl row of a live process, here or elsewhere."""
        me = (socket.gethostname(), os.getpid())
        for info in self.crawls():
            if info.running and (info.host or me[0], info.pid) != me:
                raise LockError(
                    f"{self.path}: crawl {info.id} is running in {info.writer}; wait for it or stop it first"
                )

    def start_crawl(
        self,
        *,
        seeds_path: str,
        seeds_sha256: str,
        settings: dict[str, Any],
        sites: Iterable[Any],
        archive_url: str | None = None,
        archive_at: str | None = None,
    ) -> int:
        """Create a crawl and its site rows, and claim it for this process.

        ``archive_url`` and ``archive_at`` make it a crawl of the past (source
        ``archive``): the web as that archive held it around that date.
        """
        now = utcnow()
        source = "archive" if archive_url else "live"
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO crawls (started_at, updated_at, status, seeds_path, seeds_sha256, "
                "settings, pid, source, archive_url, archive_at, host, heartbeat_at) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (now, now, seeds_path, seeds_sha256, json.dumps(settings, sort_keys=True), os.getpid(),
                 source, archive_url, archive_at, socket.gethostname(), clock(conn)),
            )  # fmt: skip
            crawl_id = int(cur.fetchone()[0])
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
                "UPDATE crawls SET status='running', pid=?, host=?, heartbeat_at=?, finished_at=NULL, "
                "updated_at=?, runs=runs+1 WHERE id=?",
                (os.getpid(), socket.gethostname(), clock(conn), utcnow(), crawl_id),
            )

    def heartbeat(self, crawl_id: int) -> None:
        """Say the crawl's process is alive (``crawler/heartbeat.py`` calls it every few seconds).

        Machines that cannot see the process (a PostgreSQL store crawled from elsewhere)
        take the crawl for interrupted when its heartbeat is older than ``STALE_AFTER``.
        """
        now = clock(self._conn)
        self._conn.execute(
            "UPDATE crawls SET heartbeat_at=? WHERE id=? AND status='running'", (now, crawl_id)
        )

    def running_crawl(self, seeds_sha256: str) -> CrawlInfo:
        """The crawl running now that another worker may join (``crawl --join``), checked.

        StoreError when no crawl runs, or when it runs with another seed list than
        ``seeds_sha256``: a worker must crawl the very sites the crawl planned.
        """
        running = [info for info in self.crawls() if info.running]
        if not running:
            raise StoreError(f"{self.path}: no running crawl to join; start one with govlinks crawl")
        info = running[-1]
        if info.seeds_sha256 != seeds_sha256:
            theirs, ours = (info.seeds_sha256 or "")[:12], seeds_sha256[:12]
            raise StoreError(
                f"{self.path}: crawl {info.id} runs with another seed list (sha256 {theirs}, "
                f"this one {ours}); join with the same seed file"
            )
        return info

    def last_unfinished_crawl(self) -> CrawlInfo | None:
        """The interrupted crawl that ``--resume`` takes over, if the latest crawls end with one."""
        for info in reversed(self.crawls()):
            if info.state == "interrupted":
                return info
            if info.state == "finished":
                return None
        return None

    def finish_crawl(self, crawl_id: int, *, status: str) -> CrawlInfo:
        """Record per-site statuses and totals (and, once finished, the site-pair aggregates),
        and close the crawl with ``status``.

        The crawl's row is written last: on PostgreSQL, the closing process's heartbeat
        (``crawler.run.closing_beat``) is not held behind the row's lock meanwhile.
        """
        with self.transaction() as conn:
            summarise_sites(conn, crawl_id)
            if status == "finished":
                self.create_finished_indexes()
                summarise_site_links(conn, crawl_id)  # walks links_sites: after the indexes
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
        return self.crawl(crawl_id)

    def create_finished_indexes(self) -> None:
        """The indexes of the reads (not kept up to date during a crawl, whose writes they would slow)."""
        self._conn.execute(
            "CREATE INDEX IF NOT EXISTS links_sites ON links (crawl_id, source_site, target_site)"
        )
        self._conn.execute("CREATE INDEX IF NOT EXISTS links_norm ON links (crawl_id, target_norm)")

    # -- crawl writes ------------------------------------------------------------------

    def add_frontier(self, crawl_id: int, rows: Iterable[FrontierRow]) -> None:
        """Plan pages (norm, url, site, depth): the seed pages of a new crawl."""
        with self.transaction() as conn:
            conn.executemany(_FRONTIER_SQL, [(crawl_id, *row) for row in rows])

    def write_batch(
        self,
        crawl_id: int,
        pages: Sequence[Page],
        checks: Sequence[LinkCheck] = (),
        *,
        done: Sequence[str] = (),
        queue_checks: bool = False,
    ) -> int:
        """Write page items (each with its ``links``, ``frontier`` and ``profile``) and checks at once.

        Returns the number of link rows written. A page item carries the frontier
        entries it discovered, so that a page is stored if and only if the pages it
        led to are, which is what makes ``--resume`` exact. What its links owe other
        units goes to ``work_queue`` in the same transaction (link targets of other
        seed sites; outside URLs with ``queue_checks``, i.e. ``--check-links``), and
        ``done`` marks sites whose own crawl ended with these pages (``claims.py``).
        """
        with self.transaction() as conn:
            frontier = [(crawl_id, *row) for item in pages for row in item.frontier]
            if frontier:
                conn.executemany(_FRONTIER_SQL, frontier)
            link_rows: list[tuple[Any, ...]] = []
            texts: list[tuple[Any, str]] = []
            queued: dict[str, tuple[Any, ...]] = {}
            ids = insert_returning(conn, _PAGE_SQL, [(crawl_id, *_page_values(item)) for item in pages])
            for item, row in zip(pages, ids, strict=True):
                if row is None:
                    continue  # already stored (a duplicate fetch): keep the first
                page_id, site = row[0], item.site
                link_rows.extend((crawl_id, page_id, site, *link) for link in item.links)
                if item.profile:
                    texts.append((page_id, item.profile))
                _queue(queued, crawl_id, item, queue_checks)
            if link_rows:
                conn.executemany(_LINK_SQL, link_rows)
            if texts:
                conn.executemany(_TEXT_SQL, texts)
            # The crawl's row first: on PostgreSQL its lock, held to the commit, orders the
            # workers' batches from here, so that queue ids become visible in increasing
            # order (a worker reads the queue past the last id it saw: claims.py).
            conn.execute("UPDATE crawls SET updated_at=? WHERE id=?", (utcnow(), crawl_id))
            if queued:
                conn.executemany(QUEUE_SQL, sorted(queued.values(), key=itemgetter(3)))
            if checks:
                conn.executemany(_CHECK_SQL, [(crawl_id, *_check_values(c)) for c in checks])
            if done:
                conn.executemany(DONE_SQL, [(crawl_id, site) for site in done])
        return len(link_rows)

    def queue_unfinished(self, crawl_id: int, *, checks: bool) -> None:
        """Queue what the stored links still owe (``--resume``; crawls begun before the queue).

        The same rows :meth:`write_batch` queues, from the links already stored: link
        targets no page answered, and with ``checks`` the outside URLs not checked.
        """
        rows = [(crawl_id, "target", site, norm, url) for norm, url, site in self.unknown_targets(crawl_id)]
        if checks:
            rows += [(crawl_id, "check", norm.split("/", 1)[0], norm, url)
                     for norm, url in self.unchecked_external(crawl_id)]  # fmt: skip
        with self.transaction() as conn:
            conn.executemany(QUEUE_SQL, rows)

    # -- crawl reads for the spider (resume, link targets, link checks) ----------------

    def known_norms(self, crawl_id: int) -> Iterator[str]:
        """Every norm the crawl has planned or its pages reached: never schedule these again.

        Where a link target's redirect landed does not count: that page may still be a
        link target of its own (:meth:`target_landings`).
        """
        yield from (r[0] for r in self._conn.execute(
            "SELECT norm FROM frontier WHERE crawl_id=? UNION "
            "SELECT final_norm FROM pages WHERE crawl_id=? AND final_norm IS NOT NULL AND kind='page' "
            "UNION SELECT norm FROM pages WHERE crawl_id=?", (crawl_id, crawl_id, crawl_id)))  # fmt: skip

    def target_landings(self, crawl_id: int) -> Iterator[str]:
        """Norms that link targets' redirects reached (answered already, without a row of their own)."""
        yield from (r[0] for r in self._conn.execute(
            "SELECT DISTINCT final_norm FROM pages WHERE crawl_id=? AND kind='target' "
            "AND final_norm IS NOT NULL", (crawl_id,)))  # fmt: skip

    def frontier_counts(self, crawl_id: int) -> dict[str, int]:
        return dict(self._conn.execute(
            "SELECT site, COUNT(*) FROM frontier WHERE crawl_id=? GROUP BY site", (crawl_id,)))  # fmt: skip

    def pending_frontier(self, crawl_id: int, sites: Sequence[Any] | None = None) -> list[FrontierRow]:
        """Planned pages not stored yet, shallowest first (of ``sites`` only, if given)."""
        where, args = "", [crawl_id]
        if sites is not None:
            where = f" AND f.site IN ({_marks(sites)})"
            args += sites
        rows = self._conn.execute(
            f"""SELECT {", ".join(f"f.{c}" for c in FRONTIER_FIELDS)} FROM frontier f
               WHERE f.crawl_id=? AND NOT EXISTS
                 (SELECT 1 FROM pages p WHERE p.crawl_id=f.crawl_id AND p.norm=f.norm){where}
               ORDER BY f.depth, f.rowid""",
            args,
        )
        return [FrontierRow._make(row) for row in rows]

    # -- a site's books, for the worker that takes it over (crawler/shared.py) ---------

    def site_norms(self, crawl_id: int, sites: Collection[str]) -> list[tuple[str, str, str]]:
        """(site, norm, kind) of what these sites planned (kind ``frontier``) and stored (page, target)."""
        out: list[tuple[str, str, str]] = []
        for chunk in _chunked(sites):
            marks = _marks(chunk)
            out += self._conn.execute(
                f"SELECT site, norm, 'frontier' FROM frontier WHERE crawl_id=? AND site IN ({marks}) "
                f"UNION ALL SELECT site, norm, kind FROM pages WHERE crawl_id=? AND site IN ({marks})",
                (crawl_id, *chunk, crawl_id, *chunk),
            ).fetchall()
        return out

    def redirected(self, crawl_id: int) -> list[tuple[str, str]]:
        """(kind, final_norm) of every stored fetch whose redirects ended on another norm."""
        return self._conn.execute(
            "SELECT kind, final_norm FROM pages WHERE crawl_id=? AND final_norm IS NOT NULL "
            "AND final_norm <> norm", (crawl_id,)).fetchall()  # fmt: skip

    def checks_of(self, crawl_id: int, norms: Collection[str]) -> list[LinkCheck]:
        """The stored link checks of these norms."""
        out: list[LinkCheck] = []
        for chunk in _chunked(norms):
            columns, marks = ", ".join(CHECK_FIELDS), _marks(chunk)
            rows = self._conn.execute(
                f"SELECT {columns} FROM checks WHERE crawl_id=? AND norm IN ({marks})", (crawl_id, *chunk)
            )
            out += [LinkCheck(**dict(zip(CHECK_FIELDS, row, strict=True))) for row in rows]
        return out

    def target_counts(self, crawl_id: int) -> dict[str, int]:
        return dict(self._conn.execute(
            "SELECT site, COUNT(*) FROM pages WHERE crawl_id=? AND kind='target' GROUP BY site",
            (crawl_id,)))  # fmt: skip

    def unknown_targets(self, crawl_id: int) -> list[tuple[str, str, str]]:
        """Link targets inside seed sites that no page reached yet: (norm, url, site).

        A norm only a link target's redirect reached is still one: its row is owed.
        """
        return self._conn.execute(
            """SELECT l.target_norm, MIN(l.target_url), l.target_site FROM links l
               WHERE l.crawl_id=? AND l.target_site IS NOT NULL AND l.internal=0
                 AND NOT EXISTS (SELECT 1 FROM pages p
                                 WHERE p.crawl_id=l.crawl_id AND p.norm=l.target_norm)
                 AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=l.crawl_id
                                 AND p.final_norm=l.target_norm AND p.kind='page')
               GROUP BY l.target_norm, l.target_site ORDER BY l.target_site, l.target_norm""",
            (crawl_id,),
        ).fetchall()

    def page_answer(self, crawl_id: int, norm: str) -> tuple[Any, ...] | None:
        """What fetching ``norm`` gave: its own page, else a page whose redirect reached it.

        (final_url, final_norm, status, content_type, size, title, error), or None.
        """
        columns = "final_url, final_norm, status, content_type, size, title, error"
        row = self._conn.execute(
            f"SELECT {columns} FROM pages WHERE crawl_id=? AND norm=?", (crawl_id, norm)
        ).fetchone()
        if row is None:
            row = self._conn.execute(
                f"SELECT {columns} FROM pages WHERE crawl_id=? AND final_norm=? ORDER BY id LIMIT 1",
                (crawl_id, norm),
            ).fetchone()
        return tuple(row) if row is not None else None

    def stored_checks(self, crawl_id: int) -> list[LinkCheck]:
        """The link checks already written (a resumed crawl answers from them)."""
        rows = self._conn.execute(
            f"SELECT {', '.join(CHECK_FIELDS)} FROM checks WHERE crawl_id=?", (crawl_id,)
        )
        return [LinkCheck(**dict(zip(CHECK_FIELDS, row, strict=True))) for row in rows]

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
