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
from crawler.store.claims import Claimed, SqliteClaims, _chunks, _marks

__all__ = ["PgClaims"]

_FREE = "(worker IS NULL OR lease_until < ?)"


class PgClaims(SqliteClaims):
    """:class:`~crawler.store.claims.WorkClaims` on a PostgreSQL store (see the module docstring)."""

    def claim(self, crawl_id: int, worker: str, *, sites: int, orphans: int, lease: float,
              now: float) -> Claimed:  # fmt: skip
        got = Claimed()
        with self._transaction() as conn:
            if sites > 0:
                got.sites = self._groups(conn, crawl_id, sites, now)
            if orphans > 0:
                for kind, unit, started in conn.execute(
                    f"SELECT kind, unit, started FROM work_units WHERE crawl_id = ? AND {_FREE} "
                    "AND NOT (kind = 'site' AND state = 'crawling') ORDER BY kind DESC, unit LIMIT ? "
                    "FOR UPDATE SKIP LOCKED",
                    (crawl_id, now, orphans),
                ).fetchall():
                    (got.sites if kind == "site" else got.hosts).append((unit, bool(started)))
            for kind, claimed in (("site", got.sites), ("host", got.hosts)):
                for unit, _ in claimed:
                    self._take(conn, crawl_id, worker, kind, unit, now + lease)
            if got:
                conn.execute("UPDATE workers SET state = 'busy' WHERE crawl_id = ? AND worker = ?",
                             (crawl_id, worker))  # fmt: skip
        return got

    def _groups(self, conn: Connection, crawl_id: int, groups: int, now: float) -> list[tuple[str, bool]]:
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
        taken = []
        with self._transaction() as conn:
            for host in sorted(set(hosts)):
                conn.execute(
                    "INSERT INTO work_units (crawl_id, kind, unit, grp, state) "
                    "VALUES (?, 'host', ?, ?, 'done') ON CONFLICT (crawl_id, kind, unit) DO NOTHING",
                    (crawl_id, host, host),
                )
                row = conn.execute(
                    "SELECT started FROM work_units WHERE crawl_id = ? AND kind = 'host' AND unit = ? "
                    f"AND {_FREE} FOR UPDATE SKIP LOCKED",
                    (crawl_id, host, now),
                ).fetchone()
                if row is not None:
                    self._take(conn, crawl_id, worker, "host", host, now + lease)
                    taken.append(host)
        return taken

    def claim_norms(self, crawl_id: int, unit: str, kind: str,
                    norms: Iterable[str]) -> tuple[set[str], dict[str, str]]:  # fmt: skip
        return super().claim_norms(crawl_id, unit, kind, sorted(set(norms)))
