"""Work claims on a PostgreSQL store: ``SELECT … FOR UPDATE SKIP LOCKED`` where SQLite takes its lock.

On SQLite every claim is one ``BEGIN IMMEDIATE`` transaction: one writer at a time,
so a claim reads the free units and takes them with nobody in between. A PostgreSQL
transaction has no such lock: two workers (of one machine or of several, ``crawl
--join``) reading the free units at once would both take them. Here the claim
reads the free rows ``FOR UPDATE SKIP LOCKED``: each row is locked by the first
transaction that reads it, until its commit, and skipped by the others, which take
the next free ones instead of waiting. Everything else is :class:`SqliteClaims`'s
SQL as it is, through the store's translation (``dialect.py``), with two
precautions a server needs and SQLite does not:

- rows that several transactions may insert at once (outside hosts, norm claims)
  are inserted in sorted order, so that two workers never wait for each other in a
  cycle (PostgreSQL would abort one of them with a deadlock);
- the queue's ids become visible in increasing order because every batch that
  queues rows first updates its crawl's row (``Store.write_batch``): that row lock,
  held until the commit, makes the batches commit in the order they took their ids.

Leases are compared with the ``now`` the workers give (their machine's clock): the
machines of a crawl keep their clocks in step (NTP) to well under a lease (60 s).
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.store.backend import Connection
from crawler.store.claims import SqliteClaims, _chunks, _marks

__all__ = ["PgClaims"]

_FREE = "(worker IS NULL OR lease_until < ?)"


class PgClaims(SqliteClaims):
    """:class:`~crawler.store.claims.WorkClaims` on a PostgreSQL store (see the module docstring)."""

    _LOCK = " FOR UPDATE SKIP LOCKED"

    def _free_groups(self, conn: Connection, crawl_id: int, groups: int,
                     now: float) -> list[tuple[str, bool]]:  # fmt: skip
        """Up to ``groups`` whole host groups of free crawling sites, their rows locked.

        Rows are locked one by one: another claim may hold some of a group's rows (it
        is taking that group), and a group is taken only when every crawling site of
        it was locked here; its other rows are skipped, and unlocked at the commit.
        """
        rows = conn.execute(
            "SELECT grp, unit, started FROM work_units WHERE crawl_id = ? AND kind = 'site' "
            f"AND state = 'crawling' AND {_FREE} ORDER BY grp, unit LIMIT ? FOR UPDATE SKIP LOCKED",
            (crawl_id, now, groups * 8),
        ).fetchall()
        by_group: dict[str, list[tuple[str, bool]]] = {}
        for grp, unit, started in rows:
            by_group.setdefault(grp, []).append((unit, bool(started)))
        sizes: dict[str, int] = {}
        for chunk in _chunks(by_group):
            sizes.update(conn.execute(
                "SELECT grp, COUNT(*) FROM work_units WHERE crawl_id = ? AND kind = 'site' "
                f"AND state = 'crawling' AND grp IN ({_marks(chunk)}) GROUP BY grp",
                (crawl_id, *chunk)).fetchall())  # fmt: skip
        whole = [g for g in by_group if len(by_group[g]) == sizes.get(g)][:groups]
        return [site for g in whole for site in by_group[g]]

    def claim_hosts(self, crawl_id: int, worker: str, hosts: Iterable[str], *, lease: float,
                    now: float) -> list[str]:  # fmt: skip
        return super().claim_hosts(crawl_id, worker, sorted(set(hosts)), lease=lease, now=now)

    def claim_norms(self, crawl_id: int, unit: str, kind: str,
                    norms: Iterable[str]) -> tuple[set[str], dict[str, str]]:  # fmt: skip
        return super().claim_norms(crawl_id, unit, kind, sorted(set(norms)))
