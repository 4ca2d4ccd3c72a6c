"""Copy a store into another, table by table, ids kept: SQLite to PostgreSQL or back.

For moving a history of crawls from an SQLite file to a shared PostgreSQL
database (``govlinks copy-store``), and for the tests that compare the reports of
both backends on the very same rows. Rows are read in their stored order
(``rowid``), so that what is read in that order (``page_links``) comes out the
same; ids are kept, so that links still point at their pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawler.errors import StoreError
from crawler.store.backend import Connection, tables
from crawler.store.lifecycle import Store
from crawler.store.postgres import PgConnection

__all__ = ["CopyResult", "copy_store"]

BATCH = 20_000  # rows per INSERT batch (a COPY on PostgreSQL)


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    crawls: int
    rows: dict[str, int]  # rows copied, by table

    def summary(self) -> str:
        total = sum(self.rows.values())
        return f"copied {self.crawls} crawl(s), {total:,} rows, from {self.source} to {self.target}"


def _columns(conn: Connection, table: str) -> list[str]:
    cur = conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [d[0] for d in cur.description if d[0] != "rowid"]


def _order(conn: Connection, table: str) -> str:
    """The column that holds a table's insertion order."""
    if isinstance(conn, PgConnection):
        names = [d[0] for d in conn.execute(f"SELECT * FROM {table} WHERE 1 = 0").description]
        return "rowid" if "rowid" in names else conn.primary_key(table)[0]
    return "rowid"


def copy_store(source: str | Path, target: str | Path) -> CopyResult:
    """Copy every crawl of ``source`` into ``target``, a new or empty store; both are migrated first.

    Raises StoreError when the target already holds a crawl (ids would collide), and
    LockError while a crawl of the source runs (its copy would be a half crawl).
    """
    with Store.open(source) as src, Store.open(target, create=True) as dst:
        src.check_not_running()
        if dst.crawls():
            raise StoreError(f"{dst.path}: already holds crawls; copy into a new or empty store")
        crawls = len(src.crawls())
        rows: dict[str, int] = {}
        with dst.transaction() as out:
            for table in sorted(tables(src._conn) & tables(out)):
                if table == "meta":
                    continue  # the target has its own, at the same version
                wanted = set(_columns(out, table))
                columns = [c for c in _columns(src._conn, table) if c in wanted]
                select = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_order(src._conn, table)}"
                marks = ", ".join("?" * len(columns))
                insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                cur = src._conn.execute(select)
                rows[table] = 0
                while batch := cur.fetchmany(BATCH):
                    out.executemany(insert, batch)
                    rows[table] += len(batch)
            if isinstance(out, PgConnection):
                out.reset_identities()
                out.analyze()
        dst.create_finished_indexes()
        return CopyResult(str(src.path), str(dst.path), crawls, rows)
