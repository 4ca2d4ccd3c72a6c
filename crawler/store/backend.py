"""Two homes for one store, an SQLite file or a PostgreSQL database, behind one connection API.

The store's modules hold a :data:`Connection`: an ``sqlite3.Connection`` or a
:class:`~crawler.store.postgres.PgConnection`, which answers the same calls. The
few jobs that differ by backend beyond SQL text (which tables exist, the clock
that leases are measured with, rows back from an ``INSERT … RETURNING``) are
the functions here, so that no other module asks which backend it runs on.
"""

from __future__ import annotations

import sqlite3
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from crawler.store.postgres import PgConnection, is_postgres

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Connection",
    "clock",
    "dialect",
    "insert_returning",
    "is_postgres",
    "read_frame",
    "tables",
]


class Connection(Protocol):
    """What the store asks of a connection: the subset of ``sqlite3.Connection`` both backends have."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...

    def close(self) -> None: ...


def dialect(conn: Connection) -> str:
    """``sqlite`` or ``postgresql``."""
    return "postgresql" if isinstance(conn, PgConnection) else "sqlite"


def tables(conn: Connection) -> set[str]:
    """Names of the store's tables."""
    if isinstance(conn, PgConnection):
        return conn.tables()
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def clock(conn: Connection) -> float:
    """Seconds since the epoch by the store's clock: the server's for PostgreSQL, shared by every machine.

    Leases and heartbeats are written and compared with it, so that two machines
    whose clocks disagree still agree on when a lease has run out.
    """
    if isinstance(conn, PgConnection):
        return conn.clock()
    return time.time()


def read_frame(
    conn: Connection, sql: str, params: Any = None, *, chunksize: int | None = None
) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """``pandas.read_sql_query`` on either backend: the store's one way to read a DataFrame.

    pandas reads any DB-API connection the way it reads sqlite3's (the same frame
    building, so both backends give the same frames) but warns that it tests only
    SQLAlchemy and sqlite3: the store's tests run every read on both backends, so
    the warning is silenced here, for PostgreSQL reads only.
    """
    import pandas as pd

    if not isinstance(conn, PgConnection):
        return pd.read_sql_query(sql, conn, params=params, chunksize=chunksize)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy", category=UserWarning)
        return pd.read_sql_query(sql, conn, params=params, chunksize=chunksize)  # type: ignore[call-overload]


def insert_returning(conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> list[Any]:
    """Run ``INSERT … RETURNING`` once per row; the row each returned, None where it inserted nothing.

    ``RETURNING`` rather than ``lastrowid``, which only sqlite3 has; PostgreSQL pipelines the rows.
    """
    if isinstance(conn, PgConnection):
        return conn.insert_returning(sql, rows)
    assert isinstance(conn, sqlite3.Connection)
    if sqlite3.sqlite_version_info < (3, 35) and sql.endswith(" RETURNING id"):
        # RETURNING came with SQLite 3.35 (2021); older ones still say which row they made.
        plain = sql.removesuffix(" RETURNING id")
        out: list[Any] = []
        for row in rows:
            cur = conn.execute(plain, row)
            out.append((cur.lastrowid,) if cur.rowcount else None)
        return out
    return [conn.execute(sql, row).fetchone() for row in rows]
