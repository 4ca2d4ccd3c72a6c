"""Work claims: how the worker processes of one crawl share it (``crawl --workers N``).

A crawl's work is handed out by *unit*: a seed site (its pages, its link targets and
its robots.txt: sites sharing a host are claimed together) or, with
``--check-links``, an outside host (the checks of its URLs). A worker *claims* units
with a *lease*, a time until which they are its own; it renews the lease while it
works and releases its units when it stops. A unit whose lease has passed is free
again: the units of a worker that died are taken over by the others, who read its
books back from the store as ``--resume`` does (``started``). On one machine the
parent process frees a dead worker's units at once (:meth:`SqliteClaims.release`).

What one unit owes because of another is *queued* (``work_queue``, written with the
page that found it, in the same transaction: ``Store.write_batch``): a link into a
seed site is a link target that site's holder fetches once the site's own crawl is
``done``; an outside URL is a check its host's holder makes. Every worker reads the
whole queue in ``id`` order (its ``cursor``). A fetch of one unit whose redirect
lands in another *claims* that norm (``work_norms``) so that no other worker fetches
it again, and the holder of a site claims its link targets the same way before it
fetches them: the first claim wins, as in one process (``crawler/schedule.py``).

The crawl is *complete* when every site's own crawl is done, every unit is held by a
live worker, and every live worker is idle and has read the whole queue: then no
worker can be owed anything (:meth:`SqliteClaims.complete`).

Each method is one short transaction. On SQLite a claim is ``BEGIN IMMEDIATE`` (one
writer at a time: the others wait, up to the busy timeout); a server database does
the same with ``SELECT … FOR UPDATE SKIP LOCKED``, so that two workers never take,
nor wait for, the same rows. The SQL is portable: no SQLite-only function, times
are epoch seconds computed by the caller, upserts are ``ON CONFLICT``. One
requirement on a backend: queue ids become visible in increasing order (true of
SQLite's single writer; with sequences, read the queue below the oldest id still
being written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from crawler.store.backend import Connection

__all__ = [
    "DONE_SQL",
    "QUEUE_SQL",
    "Claimed",
    "QueueRow",
    "SqliteClaims",
    "WorkClaims",
    "WorkerRow",
]

# Written by Store.write_batch with the pages that found them (crawler/store/lifecycle.py).
QUEUE_SQL = (
    "INSERT INTO work_queue (crawl_id, kind, unit, norm, url) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (crawl_id, norm) DO UPDATE SET url = excluded.url WHERE excluded.url < work_queue.url"
)
DONE_SQL = "UPDATE work_units SET state = 'done' WHERE crawl_id = ? AND kind = 'site' AND unit = ?"

_FREE = "(worker IS NULL OR lease_until < :now)"
_CHUNK = 500  # values per IN (...) list


class QueueRow(NamedTuple):
    id: int
    kind: str  # target | check
    unit: str  # site | host
    norm: str
    url: str


class WorkerRow(NamedTuple):
    worker: str
    state: str  # busy | waiting | idle | gone
    alive: bool  # its lease runs


@dataclass
class Claimed:
    """Units a claim gave: ``(unit, started)`` each, ``started`` when another worker had them before."""

    sites: list[tuple[str, bool]] = field(default_factory=list)
    hosts: list[tuple[str, bool]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sites or self.hosts)


class WorkClaims(Protocol):
    """The claims a crawl's workers make, whatever the database (``store.claims``)."""

    def add_sites(self, crawl_id: int, sites: Iterable[tuple[str, str, bool]]) -> None:
        """Register the crawl's sites ``(site, host, started)``, crawling and free (kept if there)."""

    def reset(self, crawl_id: int) -> None:
        """``--resume``: every unit free, no norm claimed, no worker."""

    def join(self, crawl_id: int, worker: str, *, pid: int, host: str, lease: float, now: float) -> None:
        """Register a worker, busy."""

    def claim(self, crawl_id: int, worker: str, *, sites: int, orphans: int, lease: float,
              now: float) -> Claimed:  # fmt: skip
        """Take up to ``sites`` free crawling sites (whole host groups) and up to ``orphans`` other
        free units (done sites, hosts: a dead worker's, or all of them after ``--resume``)."""

    def claim_hosts(self, crawl_id: int, worker: str, hosts: Iterable[str], *, lease: float,
                    now: float) -> list[str]:  # fmt: skip
        """Take these outside hosts when nobody holds them (new ones are registered): those taken."""

    def renew(self, crawl_id: int, worker: str, *, state: str, cursor: int, lease: float,
              now: float) -> set[tuple[str, str]]:  # fmt: skip
        """Extend the worker's leases and record its state; the ``(kind, unit)`` it still holds."""

    def release(self, crawl_id: int, worker: str) -> None:
        """Free every unit of a worker (it stopped, or died) and mark it gone."""

    def claim_norms(self, crawl_id: int, unit: str, kind: str,
                    norms: Iterable[str]) -> tuple[set[str], dict[str, str]]:  # fmt: skip
        """Claim norms for a fetch of ``unit``: (those won, the kind of the claim on the others)."""

    def norm_claims(self, crawl_id: int, norms: Iterable[str]) -> dict[str, str]:
        """The kind of claim (page | target) held on each of these norms that has one."""

    def queued(self, crawl_id: int, after: int) -> list[QueueRow]:
        """Queue rows after id ``after``, in id order."""

    def queued_for(self, crawl_id: int, kind: str, units: Iterable[str]) -> list[QueueRow]:
        """Every queue row owed by these units."""

    def queued_norms(self, crawl_id: int, norms: Iterable[str]) -> set[str]:
        """Which of these norms are queued (owed a fetch or a check of their own)."""

    def done_sites(self, crawl_id: int) -> set[str]:
        """Sites whose own crawl is over."""

    def workers(self, crawl_id: int, now: float) -> list[WorkerRow]:
        """The crawl's workers, gone ones included."""

    def complete(self, crawl_id: int, now: float) -> bool:
        """Whether nothing is left for any worker (see the module's docstring)."""


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _marks(values: list[str]) -> str:
    return ", ".join("?" * len(values))


class SqliteClaims:
    """:class:`WorkClaims` on the SQLite store: each claim one ``BEGIN IMMEDIATE`` transaction."""

    # What a claim's read of free units adds: nothing here, the transaction holds the only
    # write lock; row locks on a server (``claims_pg.py``).
    _LOCK = ""

    def __init__(self, conn: Connection,
                 transaction: Callable[[], AbstractContextManager[Connection]]) -> None:  # fmt: skip
        self._conn = conn
        self._transaction = transaction

    def add_sites(self, crawl_id: int, sites: Iterable[tuple[str, str, bool]]) -> None:
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO work_units (crawl_id, kind, unit, grp, state, started) "
                "VALUES (?, 'site', ?, ?, 'crawling', ?) ON CONFLICT (crawl_id, kind, unit) DO NOTHING",
                [(crawl_id, site, host, int(started)) for site, host, started in sites],
            )

    def reset(self, crawl_id: int) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE work_units SET worker = NULL, lease_until = 0 WHERE crawl_id = ?", (crawl_id,)
            )
            conn.execute("DELETE FROM work_norms WHERE crawl_id = ?", (crawl_id,))
            conn.execute("DELETE FROM workers WHERE crawl_id = ?", (crawl_id,))

    def join(self, crawl_id: int, worker: str, *, pid: int, host: str, lease: float, now: float) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO workers (crawl_id, worker, pid, host, state, cursor, lease_until) "
                "VALUES (?, ?, ?, ?, 'busy', 0, ?) ON CONFLICT (crawl_id, worker) DO UPDATE SET "
                "pid = excluded.pid, host = excluded.host, state = 'busy', "
                "lease_until = excluded.lease_until",
                (crawl_id, worker, pid, host, now + lease),
            )

    def _take(self, conn: Connection, crawl_id: int, worker: str, kind: str, unit: str,
              until: float) -> None:  # fmt: skip
        conn.execute(
            "UPDATE work_units SET worker = ?, lease_until = ?, started = 1 "
            "WHERE crawl_id = ? AND kind = ? AND unit = ?",
            (worker, until, crawl_id, kind, unit),
        )
        conn.execute("DELETE FROM work_norms WHERE crawl_id = ? AND unit = ?", (crawl_id, unit))

    def _free_groups(self, conn: Connection, crawl_id: int, groups: int,
                     now: float) -> list[tuple[str, bool]]:  # fmt: skip
        """The sites (and whether started) of up to ``groups`` host groups nobody holds."""
        args = {"c": crawl_id, "now": now}
        found = [r[0] for r in conn.execute(
            "SELECT DISTINCT grp FROM work_units WHERE crawl_id = :c AND kind = 'site' "
            f"AND state = 'crawling' AND {_FREE} ORDER BY grp LIMIT :n",
            {**args, "n": groups})]  # fmt: skip
        sites: list[tuple[str, bool]] = []
        for chunk in _chunks(found):
            rows = conn.execute(
                f"SELECT unit, started FROM work_units WHERE crawl_id = ? AND kind = 'site' "
                f"AND grp IN ({_marks(chunk)}) AND (worker IS NULL OR lease_until < ?) ORDER BY unit",
                (crawl_id, *chunk, now),
            ).fetchall()
            sites += [(unit, bool(started)) for unit, started in rows]
        return sites

    def claim(self, crawl_id: int, worker: str, *, sites: int, orphans: int, lease: float,
              now: float) -> Claimed:  # fmt: skip
        got = Claimed()
        with self._transaction() as conn:
            if sites > 0:
                got.sites = self._free_groups(conn, crawl_id, sites, now)
            if orphans > 0:
                for kind, unit, started in conn.execute(
                    f"SELECT kind, unit, started FROM work_units WHERE crawl_id = :c AND {_FREE} "
                    "AND NOT (kind = 'site' AND state = 'crawling') ORDER BY kind DESC, unit LIMIT :n"
                    + self._LOCK,
                    {"c": crawl_id, "now": now, "n": orphans},
                ).fetchall():
                    (got.sites if kind == "site" else got.hosts).append((unit, bool(started)))
            for kind, claimed in (("site", got.sites), ("host", got.hosts)):
                for unit, _ in claimed:
                    self._take(conn, crawl_id, worker, kind, unit, now + lease)
            if got:
                conn.execute("UPDATE workers SET state = 'busy' WHERE crawl_id = ? AND worker = ?",
                             (crawl_id, worker))  # fmt: skip
        return got

    def claim_hosts(self, crawl_id: int, worker: str, hosts: Iterable[str], *, lease: float,
                    now: float) -> list[str]:  # fmt: skip
        taken = []
        with self._transaction() as conn:
            for host in hosts:
                conn.execute(
                    "INSERT INTO work_units (crawl_id, kind, unit, grp, state) "
                    "VALUES (?, 'host', ?, ?, 'done') ON CONFLICT (crawl_id, kind, unit) DO NOTHING",
                    (crawl_id, host, host),
                )
                row = conn.execute(
                    "SELECT started FROM work_units WHERE crawl_id = ? AND kind = 'host' AND unit = ? "
                    "AND (worker IS NULL OR lease_until < ?)" + self._LOCK,
                    (crawl_id, host, now),
                ).fetchone()
                if row is not None:
                    self._take(conn, crawl_id, worker, "host", host, now + lease)
                    taken.append(host)
        return taken

    def renew(self, crawl_id: int, worker: str, *, state: str, cursor: int, lease: float,
              now: float) -> set[tuple[str, str]]:  # fmt: skip
        with self._transaction() as conn:
            conn.execute("UPDATE work_units SET lease_until = ? WHERE crawl_id = ? AND worker = ?",
                         (now + lease, crawl_id, worker))  # fmt: skip
            conn.execute(
                "UPDATE workers SET state = ?, cursor = ?, lease_until = ? WHERE crawl_id = ? AND worker = ?",
                (state, cursor, now + lease, crawl_id, worker),
            )
            rows = conn.execute("SELECT kind, unit FROM work_units WHERE crawl_id = ? AND worker = ?",
                                (crawl_id, worker)).fetchall()  # fmt: skip
        return {(kind, unit) for kind, unit in rows}

    def release(self, crawl_id: int, worker: str) -> None:
        with self._transaction() as conn:
            where = "WHERE crawl_id = ? AND worker = ?"
            conn.execute(f"UPDATE work_units SET worker = NULL, lease_until = 0 {where}", (crawl_id, worker))
            conn.execute(f"UPDATE workers SET state = 'gone', lease_until = 0 {where}", (crawl_id, worker))

    def claim_norms(self, crawl_id: int, unit: str, kind: str,
                    norms: Iterable[str]) -> tuple[set[str], dict[str, str]]:  # fmt: skip
        won: set[str] = set()
        lost: dict[str, str] = {}
        with self._transaction() as conn:
            for norm in norms:
                cur = conn.execute(
                    "INSERT INTO work_norms (crawl_id, norm, kind, unit) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (crawl_id, norm) DO NOTHING",
                    (crawl_id, norm, kind, unit),
                )
                if cur.rowcount:
                    won.add(norm)
                else:
                    row = conn.execute("SELECT kind FROM work_norms WHERE crawl_id = ? AND norm = ?",
                                       (crawl_id, norm)).fetchone()  # fmt: skip
                    lost[norm] = row[0]
        return won, lost

    def norm_claims(self, crawl_id: int, norms: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(norms):
            found.update(self._conn.execute(
                f"SELECT norm, kind FROM work_norms WHERE crawl_id = ? AND norm IN ({_marks(chunk)})",
                (crawl_id, *chunk)).fetchall())  # fmt: skip
        return found

    def queued(self, crawl_id: int, after: int) -> list[QueueRow]:
        rows = self._conn.execute(
            "SELECT id, kind, unit, norm, url FROM work_queue WHERE crawl_id = ? AND id > ? ORDER BY id",
            (crawl_id, after),
        )
        return [QueueRow._make(r) for r in rows]

    def queued_for(self, crawl_id: int, kind: str, units: Iterable[str]) -> list[QueueRow]:
        out: list[QueueRow] = []
        for chunk in _chunks(units):
            out += [QueueRow._make(r) for r in self._conn.execute(
                "SELECT id, kind, unit, norm, url FROM work_queue WHERE crawl_id = ? AND kind = ? "
                f"AND unit IN ({_marks(chunk)}) ORDER BY id", (crawl_id, kind, *chunk))]  # fmt: skip
        return out

    def queued_norms(self, crawl_id: int, norms: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(norms):
            found.update(r[0] for r in self._conn.execute(
                f"SELECT norm FROM work_queue WHERE crawl_id = ? AND norm IN ({_marks(chunk)})",
                (crawl_id, *chunk)))  # fmt: skip
        return found

    def done_sites(self, crawl_id: int) -> set[str]:
        rows = self._conn.execute(
            "SELECT unit FROM work_units WHERE crawl_id = ? AND kind = 'site' AND state = 'done'", (crawl_id,)
        )
        return {r[0] for r in rows}

    def workers(self, crawl_id: int, now: float) -> list[WorkerRow]:
        rows = self._conn.execute(
            "SELECT worker, state, lease_until FROM workers WHERE crawl_id = ? ORDER BY worker", (crawl_id,)
        )
        return [WorkerRow(w, state, state != "gone" and until >= now) for w, state, until in rows]

    def complete(self, crawl_id: int, now: float) -> bool:
        row = self._conn.execute(
            f"""SELECT
                (SELECT COUNT(*) FROM work_units
                   WHERE crawl_id = :c AND kind = 'site' AND state = 'crawling'),
                (SELECT COUNT(*) FROM work_units WHERE crawl_id = :c AND {_FREE}),
                (SELECT COUNT(*) FROM workers WHERE crawl_id = :c AND state <> 'gone' AND lease_until >= :now
                   AND (state <> 'idle' OR cursor <
                        (SELECT COALESCE(MAX(id), 0) FROM work_queue WHERE crawl_id = :c)))""",
            {"c": crawl_id, "now": now},
        ).fetchone()
        return not any(row)
