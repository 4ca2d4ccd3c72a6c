"""The typed contract from spider to store: what a crawl records, field by field.

The spider yields :class:`Page` and :class:`LinkCheck` items; the pipeline
batches them by type; the store writes them. Each stored field is declared here
once, in column order, and the store (``crawler/store``) derives its column
lists and INSERT statements from these declarations: a new column is one field
here plus a migration in ``crawler/store/schema.py``.

Why these types. Pages and link checks are what the spider yields, so they are
dataclasses (slots, keyword-only): Scrapy accepts them as items (itemadapter),
the pipeline dispatches on their class, and a field missing or misspelt fails
where the item is built rather than as a NULL in the store. Links and frontier
rows ride inside a page, ~60 links per page at ~300 pages/s, so they are
NamedTuples: each is already the row ``executemany`` takes (the store adds its
ids in front), it unpacks and compares like the plain tuples it replaces, and it
costs ~0.3 µs to build against ~0.07 µs for a tuple. A slotted dataclass per link
builds a little faster (~0.25 µs) but then needs an ``attrgetter`` per link to
become a row: no cheaper in total, and no longer a tuple. Measured with
``python bench/items.py --repeat 15`` (CPython 3.11.7, the 2-core project
machine under load, best of 15, µs per page of 60 links, three runs):

=============================  ======================  ==================  =====
design                         build page + 60 links   rows for the store  total
=============================  ======================  ==================  =====
dict + tuples (before)         6.2                     6.4                 12.6
dataclass + NamedTuple (this)  19.8                    7.6                 27.4
dataclass + dataclass          14.7                    12.8                27.5
=============================  ======================  ==================  =====

The cost of the contract is ~15 µs per page, ~4.5 ms per second of crawl at
300 pages/s: 0.5% of the ~3.2 ms a page costs the crawl process in all (~310
pages/s on one core). The crawl benchmark shows no drop: 313 pages/s before
and 318 after, medians of three interleaved runs of each on the same server and
web (bench/RESULTS.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "CHECK_FIELDS",
    "FRONTIER_FIELDS",
    "LINK_FIELDS",
    "PAGE_FIELDS",
    "FrontierRow",
    "Link",
    "LinkCheck",
    "Page",
    "SiteDone",
]

# Field metadata of a Page field that is not a column of ``pages`` (written to its own table).
_NOT_A_COLUMN = {"column": False}


class Link(NamedTuple):
    """One link of a page, a row of ``links`` (the store adds crawl, page id and source site)."""

    href: str  # as written in the page
    target_url: str  # absolute, without fragment
    target_norm: str
    target_site: str | None  # None outside the seed sites
    anchor: str
    rel: str
    template: int  # 1 in header/nav/footer, 0 in content
    internal: int  # 1 when the target is on the page's own site (kept with --keep-internal)
    context: str | None = None  # text around a content link to another seed site (crawler/profile.py)


class FrontierRow(NamedTuple):
    """A page planned by the crawl, a row of ``frontier`` (the store adds the crawl id)."""

    norm: str
    url: str
    site: str
    depth: int


@dataclass(slots=True, kw_only=True)
class Page:
    """One fetch of a page, answered or not: a row of ``pages``, with what it led to.

    ``links``, ``frontier`` and ``profile`` go to their own tables in the same transaction
    as the page, so that a page is stored if and only if its links and the pages it planned
    are (what makes ``--resume`` exact).
    """

    kind: str  # page (crawled) | target (a link target fetched once, not followed)
    site: str
    url: str  # the URL planned, before redirects
    norm: str
    final_url: str | None = None
    final_norm: str | None = None
    status: int | None = None  # None when no answer came
    content_type: str | None = None
    size: int | None = None
    title: str = ""
    depth: int | None  # None for link targets
    fetched_at: str
    error: str | None = None
    internal_links: int = 0
    external_links: int = 0
    captured_at: str | None = None  # archive crawls: when the archive captured the answer
    links: list[Link] = field(default_factory=list, metadata=_NOT_A_COLUMN)
    frontier: list[FrontierRow] = field(default_factory=list, metadata=_NOT_A_COLUMN)
    # The page's text profile (crawler/profile.py), a row of ``page_texts``; None with --no-text.
    profile: str | None = field(default=None, metadata=_NOT_A_COLUMN)


@dataclass(slots=True, kw_only=True)
class LinkCheck:
    """The check of a link target outside the seed sites (``--check-links``): a row of ``checks``."""

    norm: str
    url: str
    method: str
    status: int | None = None
    final_url: str | None = None
    redirect_status: int | None = None  # the first redirect's HTTP status, if any
    error: str | None = None
    checked_at: str
    # None when this URL was asked; else the norm whose answer it took: the page of a seed
    # site or the other outside URL its redirect landed on, or the check whose redirect
    # chain went through it
    resolved_from: str | None = None


@dataclass(slots=True, frozen=True)
class SiteDone:
    """A site's own crawl is over (its last page is in the same batch or an earlier one).

    Written with the pages before it (``work_units.state``), so that a worker reading
    the store never sees a site done whose pages are not stored (``crawler/shared.py``).
    """

    site: str


def _columns(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("column", True))


# The stored fields of each item, in column order: what the store's statements are made of.
PAGE_FIELDS: tuple[str, ...] = _columns(Page)
LINK_FIELDS: tuple[str, ...] = Link._fields
FRONTIER_FIELDS: tuple[str, ...] = FrontierRow._fields
CHECK_FIELDS: tuple[str, ...] = _columns(LinkCheck)
