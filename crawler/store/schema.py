"""The store's schema, one script per version: ``MIGRATIONS[v]`` takes a store
from version v - 1 to v, and is run in one transaction by ``Store.open``.

One script serves both backends: written in SQLite's DDL, it reaches PostgreSQL
through ``dialect.postgres_ddl`` (64-bit integers, identity keys, byte-order text).
A version whose DDL must differ by backend is a dict ``{"sqlite": …, "postgresql": …}``.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migration"]

SCHEMA_VERSION = 7

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

# Version 2: the site-to-site aggregates of a finished crawl, stored when it closes
# (``summaries.SITE_LINKS``), so that comparing crawls and following trends over
# many crawls read a few thousand rows per crawl instead of aggregating millions of
# links each time. Crawls finished before this version are aggregated on the fly.
_SCHEMA_V2 = """
CREATE TABLE site_links (
    crawl_id       INTEGER NOT NULL,
    source         TEXT NOT NULL,
    target         TEXT NOT NULL,
    weight         INTEGER NOT NULL,
    links          INTEGER NOT NULL,
    targets        INTEGER NOT NULL,
    deep           INTEGER NOT NULL,
    template_pages INTEGER NOT NULL,
    content_pages  INTEGER NOT NULL,
    broken         INTEGER NOT NULL,
    PRIMARY KEY (crawl_id, source, target)
);
"""

# Crawls of the past (``crawl --archive``): where a crawl's pages come from, and when
# the archive captured each page. Existing crawls are live ones.
_SCHEMA_V3 = """
ALTER TABLE crawls ADD COLUMN source TEXT NOT NULL DEFAULT 'live';  -- live | archive
ALTER TABLE crawls ADD COLUMN archive_url TEXT;   -- replay base of the archive
ALTER TABLE crawls ADD COLUMN archive_at TEXT;    -- YYYY-MM-DD: the date crawled
ALTER TABLE pages ADD COLUMN captured_at TEXT;    -- UTC ISO-8601: the capture replayed
"""

# Version 4: the text of pages and links that relevance is computed from (crawler/profile.py).
# Profiles have a table of their own, not a column of ``pages``, so that the queries
# that scan pages (summaries, resume) do not read 1.5 KB of text per row.
_SCHEMA_V4 = """
CREATE TABLE page_texts (
    page_id INTEGER PRIMARY KEY REFERENCES pages(id),
    profile TEXT NOT NULL                      -- title, description, headings, first words
);
ALTER TABLE links ADD COLUMN context TEXT;     -- text around a content link to another seed site
"""

# Version 5: how a link check was resolved when no request of its own was sent.
_SCHEMA_V5 = """
ALTER TABLE checks ADD COLUMN resolved_from TEXT;
"""

# Version 6: the work of a crawl shared by several worker processes (``crawl --workers N``,
# ``crawler/store/claims.py``): who holds which site or outside host and until when, the
# work each unit is owed by the pages of other units, the norms a fetch of one unit
# claimed in another, and the workers themselves. Lease times are seconds since the
# epoch, computed by the workers (no SQL time function: portable).
_SCHEMA_V6 = """
CREATE TABLE work_units (
    crawl_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,              -- site | host (an outside host whose links are checked)
    unit        TEXT NOT NULL,              -- site id, or host name
    grp         TEXT NOT NULL,              -- host of the unit: sites sharing one are claimed together
    state       TEXT NOT NULL,              -- crawling (a site whose own crawl runs) | done
    started     INTEGER NOT NULL DEFAULT 0, -- claimed before: its books are read back from the store
    worker      TEXT,                       -- holder; NULL when free
    lease_until REAL NOT NULL DEFAULT 0,    -- the holder's lease (epoch seconds); past it, free
    PRIMARY KEY (crawl_id, kind, unit)
);
CREATE TABLE work_queue (
    id       INTEGER PRIMARY KEY,           -- the order workers read the queue in
    crawl_id INTEGER NOT NULL,
    kind     TEXT NOT NULL,                 -- target (a page of a seed site) | check (an outside URL)
    unit     TEXT NOT NULL,                 -- the site or host that owes it
    norm     TEXT NOT NULL,
    url      TEXT NOT NULL,                 -- the smallest URL linking to it
    UNIQUE (crawl_id, norm)
);
CREATE INDEX work_queue_unit ON work_queue (crawl_id, kind, unit);
CREATE TABLE work_norms (
    crawl_id INTEGER NOT NULL,
    norm     TEXT NOT NULL,
    kind     TEXT NOT NULL,                 -- page | target: claimed by a page's or a target's fetch
    unit     TEXT NOT NULL,                 -- the site whose fetch claimed it
    PRIMARY KEY (crawl_id, norm)
);
CREATE TABLE workers (
    crawl_id    INTEGER NOT NULL,
    worker      TEXT NOT NULL,
    pid         INTEGER,
    host        TEXT,
    state       TEXT NOT NULL,              -- busy | waiting | idle | gone
    cursor      INTEGER NOT NULL DEFAULT 0, -- the last work_queue id it read
    lease_until REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (crawl_id, worker)
);
CREATE INDEX IF NOT EXISTS frontier_site ON frontier (crawl_id, site);
"""

# Version 7: which machine writes a crawl, and its heartbeat, so that a crawl of a
# PostgreSQL store running on another machine is told apart from a dead one.
_CRAWL_HOST_V7 = """
ALTER TABLE crawls ADD COLUMN host TEXT;           -- machine of the process writing the crawl
ALTER TABLE crawls ADD COLUMN heartbeat_at REAL;   -- its last sign of life, by the store's clock
"""

MIGRATIONS: dict[int, str | dict[str, str]] = {
    # version reached -> script; version 1 is the initial schema.
    1: _SCHEMA_V1,
    2: _SCHEMA_V2,
    3: _SCHEMA_V3,
    4: _SCHEMA_V4,
    5: _SCHEMA_V5,
    6: _SCHEMA_V6,
    7: _CRAWL_HOST_V7,
}


def migration(version: int, dialect: str) -> str:
    """The script that takes a store to ``version``, for ``sqlite`` or ``postgresql``."""
    script = MIGRATIONS[version]
    return script if isinstance(script, str) else script[dialect]
