"""Work claims with leases: which worker crawls which site, or checks which host's outside links.

Several crawl processes (``--workers``, or other machines with ``--join`` on a
PostgreSQL store) share one crawl by *unit*: a site (its pages, link targets and
robots.txt go to one worker at a time, so per-site delay and concurrency hold), or
the host of outside links to check (``kind`` ``site`` or ``host``). A worker
:meth:`~Claims.claim` s the next units, the biggest first (``priority``), holds each
for a *lease* that it :meth:`~Claims.renew` s while it works (a heartbeat: every
``lease / 3`` is safe), and :meth:`~Claims.release` s each when done. A worker that
dies stops renewing: once its lease has run out, any other worker's ``claim`` takes
its units over (``Claim.claims`` counts the takeovers).

A claim is one statement in one transaction, and uses the database's own locking:
an immediate transaction on SQLite (one writer at a time, so two workers never
claim one unit), ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (workers on
several machines claim at once without waiting for each other). Leases are
measured with the store's clock (``backend.clock``: the server's for PostgreSQL),
so that machines whose clocks disagree still agree on when a lease ran out.
(SQLite 3.35 or later: a claim is an ``UPDATE … RETURNING`` over a ``MATERIALIZED`` choice.)

>>> from crawler.store import Store
>>> store = Store.open(":memory:", create=True)
>>> work = store.claims(1, worker="a")
>>> work.plan("site", [("big.gouv.fr", 500), ("small.gouv.fr", 10)])
2
>>> [c.unit for c in work.claim("site")]
['big.gouv.fr']
>>> work.release("site", "big.gouv.fr"), work.counts("site")
(True, {'done': 1, 'todo': 1})
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.store.backend import clock
from crawler.store.core import utcnow

if TYPE_CHECKING:
    from crawler.store.core import StoreFile

__all__ = ["DEFAULT_LEASE", "KINDS", "Claim", "Claims", "worker_id"]

KINDS = ("site", "host")
DEFAULT_LEASE = 60.0  # seconds a claim holds without renewal

# The units a claim may take: never claimed, given back, or held past their lease.
_CLAIMABLE = """crawl_id = :c AND kind = :k
    AND (state = 'todo' OR (state = 'claimed' AND lease_until < :now))"""

# One statement claims up to :n units; PostgreSQL adds FOR UPDATE SKIP LOCKED to the
# choice, so that concurrent claims skip each other's rows instead of waiting. The
# choice is a MATERIALIZED CTE, made once: as an ``IN (subquery)`` PostgreSQL may run
# it again for each row it updates, and claim more than :n units.
_CLAIM = """WITH picked AS MATERIALIZED (
        SELECT unit FROM claims WHERE {claimable}
        ORDER BY priority DESC, unit LIMIT :n{lock})
    UPDATE claims SET state = 'claimed', worker = :w, lease_until = :until, claims = claims.claims + 1
    FROM picked WHERE claims.crawl_id = :c AND claims.kind = :k AND claims.unit = picked.unit
    RETURNING claims.unit, claims.priority, claims.lease_until, claims.claims"""


def worker_id() -> str:
    """This process as a claim holder: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    """A unit this worker holds, until ``lease_until`` (store clock) unless renewed."""

    kind: str
    unit: str
    priority: int
    lease_until: float
    claims: int  # times claimed, this one included: 2 or more when taken over from a dead worker


class Claims:
    """The claims of one crawl, seen by one worker (``Store.claims``)."""

    def __init__(self, store: StoreFile, crawl_id: int, *, worker: str | None = None,
                 lease: float = DEFAULT_LEASE) -> None:  # fmt: skip
        self.store = store
        self.crawl_id = crawl_id
        self.worker = worker or worker_id()
        self.lease = lease
        lock = " FOR UPDATE SKIP LOCKED" if store.dialect == "postgresql" else ""
        self._claim_sql = _CLAIM.format(claimable=_CLAIMABLE, lock=lock)

    def _params(self, **more: Any) -> dict[str, Any]:
        return {"c": self.crawl_id, "w": self.worker, **more}

    @staticmethod
    def _kind(kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"claim kind {kind!r}: not one of {', '.join(KINDS)}")
        return kind

    def plan(self, kind: str, units: Iterable[str | tuple[str, int]]) -> int:
        """Add units to hand out, as ``unit`` or ``(unit, priority)``; return how many were new.

        A unit planned already keeps its state: planning again (a resumed crawl) is harmless.
        """
        rows = [(self.crawl_id, self._kind(kind), *((u, 0) if isinstance(u, str) else u)) for u in units]
        with self.store.transaction() as conn:
            before = conn.execute(
                "SELECT COUNT(*) FROM claims WHERE crawl_id = ? AND kind = ?", (self.crawl_id, kind)
            ).fetchone()[0]
            conn.executemany(
                "INSERT OR IGNORE INTO claims (crawl_id, kind, unit, priority) VALUES (?, ?, ?, ?)", rows
            )
            after = conn.execute(
                "SELECT COUNT(*) FROM claims WHERE crawl_id = ? AND kind = ?", (self.crawl_id, kind)
            ).fetchone()[0]
        return int(after - before)

    def claim(self, kind: str, *, limit: int = 1) -> list[Claim]:
        """Claim up to ``limit`` units: never-claimed ones by priority, or those whose lease ran out.

        Returns what this worker now holds, the highest priority first; an empty
        list when every unit is done or held by a live worker.
        """
        with self.store.transaction() as conn:
            now = clock(conn)
            rows = conn.execute(
                self._claim_sql,
                self._params(k=self._kind(kind), now=now, until=now + self.lease, n=limit),
            ).fetchall()
        claims = [Claim(kind, unit, priority, until, n) for unit, priority, until, n in rows]
        return sorted(claims, key=lambda c: (-c.priority, c.unit))

    def renew(self) -> list[Claim]:
        """Extend the lease of every unit this worker still holds; return them.

        A unit missing from the answer was taken over by another worker after this
        one's lease ran out: stop working on it (its results are written twice at worst).
        """
        with self.store.transaction() as conn:
            now = clock(conn)
            rows = conn.execute(
                """UPDATE claims SET lease_until = :until
                   WHERE crawl_id = :c AND worker = :w AND state = 'claimed'
                   RETURNING kind, unit, priority, lease_until, claims""",
                self._params(until=now + self.lease),
            ).fetchall()
        return sorted((Claim(*row) for row in rows), key=lambda c: (c.kind, -c.priority, c.unit))

    def release(self, kind: str, unit: str, *, done: bool = True) -> bool:
        """Mark a unit done, or (``done=False``) give it back for another worker to claim.

        False when this worker no longer holds it (its lease ran out and another took it).
        """
        with self.store.transaction() as conn:
            cur = conn.execute(
                """UPDATE claims SET state = :s, lease_until = NULL, done_at = :t,
                          worker = CASE WHEN :s = 'done' THEN worker END
                   WHERE crawl_id = :c AND kind = :k AND unit = :u AND worker = :w AND state = 'claimed'""",
                self._params(k=self._kind(kind), u=unit, s="done" if done else "todo",
                             t=utcnow() if done else None),
            )  # fmt: skip
            return bool(cur.rowcount == 1)

    def held(self, kind: str | None = None) -> list[Claim]:
        """The units this worker holds (of ``kind``, or all), lease run out or not."""
        only = "" if kind is None else "AND kind = :k"
        rows = self.store._conn.execute(
            f"""SELECT kind, unit, priority, lease_until, claims FROM claims
                WHERE crawl_id = :c AND worker = :w AND state = 'claimed' {only}
                ORDER BY kind, priority DESC, unit""",
            self._params(k=kind),
        ).fetchall()
        return [Claim(*row) for row in rows]

    def counts(self, kind: str) -> dict[str, int]:
        """Units of ``kind`` by state: ``todo``, ``claimed`` (lease running), ``expired``, ``done``."""
        now = clock(self.store._conn)
        rows = self.store._conn.execute(
            """SELECT CASE WHEN state = 'claimed' AND lease_until < :now THEN 'expired' ELSE state END,
                      COUNT(*)
               FROM claims WHERE crawl_id = :c AND kind = :k GROUP BY 1 ORDER BY 1""",
            {"c": self.crawl_id, "k": self._kind(kind), "now": now},
        ).fetchall()
        return {state: int(n) for state, n in rows}

    def finished(self, kind: str) -> bool:
        """Whether every planned unit of ``kind`` is done."""
        return set(self.counts(kind)) <= {"done"}

    def reopen(self) -> int:
        """Give back every unit held by any worker: a crawl resumed after all its workers stopped.

        Returns how many; their workers are gone, so nobody waits for their leases.
        """
        with self.store.transaction() as conn:
            cur = conn.execute(
                "UPDATE claims SET state = 'todo', worker = NULL, lease_until = NULL "
                "WHERE crawl_id = ? AND state = 'claimed'",
                (self.crawl_id,),
            )
            return int(cur.rowcount)
