"""The crawl store: one SQLite file, and the only package of govlinks that speaks SQL.

Why SQLite: analysts run govlinks from a laptop or cron with no database server,
and any SQLite client can read the result. WAL mode lets ``report`` read while a
crawl writes; the crawl writes in batches, one transaction per batch, so that a
``kill -9`` loses at most the last batch and never leaves a page without its links.

Every statement lives in this package and uses only portable SQL, so that a server
database can be added behind the same methods later. One room per job:

- ``schema.py``: the schema, versioned in ``meta`` and migrated forward on open;
  a store written by a newer govlinks is refused rather than damaged.
- ``core.py``: the file (open, check, migrate, transactions), the writer lock,
  crawl rows (:class:`CrawlInfo`) and the store's time format.
- ``lifecycle.py``: :class:`Store`, a crawl's life (start, resume, write batches,
  close) and the reads the crawl schedules from; its INSERTs are derived from the
  items of ``crawler/items.py``.
- ``summaries.py``: the per-site figures of a crawl, one query stored at close and
  read on the fly before.
- ``reads.py``: ``store.reads``, the read-only aggregates behind reports, exports
  and the crawl summary, as DataFrames.
- ``claims.py``: ``store.claims``, how the worker processes of one crawl share its
  work (sites and outside hosts claimed with leases, what one owes another).
"""

from __future__ import annotations

from crawler.store.claims import Claimed, QueueRow, SqliteClaims, WorkClaims, WorkerRow
from crawler.store.core import CrawlInfo, StoreFile, crawl_lock, utcnow
from crawler.store.lifecycle import Store
from crawler.store.reads import Reads
from crawler.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Claimed",
    "CrawlInfo",
    "QueueRow",
    "Reads",
    "SqliteClaims",
    "Store",
    "StoreFile",
    "WorkClaims",
    "WorkerRow",
    "crawl_lock",
    "utcnow",
]
