"""Reads behind reports, exports and the crawl summary: aggregates computed in SQL.

:class:`Reads` is reached as ``store.reads`` and only reads: it can serve a report
while a crawl writes the same store, and a store opened read-only. Kept apart from
the crawl's own reads and writes (``lifecycle.py``) because it has another reader
(graphs/) and another cost profile (whole-crawl aggregations over millions of links).
DataFrames come from ``pandas.read_sql_query`` (through ``backend.read_frame``, on
either backend): the columns are those of each query, in its order; pandas is
imported on first use so that the crawl never loads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from crawler.store.backend import Connection, read_frame
from crawler.store.core import read_crawl
from crawler.store.summaries import BROKEN_TARGETS, SITE_FIGURES, SITE_LINK_COLUMNS, SITE_LINKS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BROKEN_TARGETS", "Reads"]


class Reads:
    """Aggregates of one store's crawls, as DataFrames and small dicts; never writes."""

    def __init__(self, conn: Connection, path: Path | str) -> None:
        self._conn = conn
        self.path = path

    def _frame(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> pd.DataFrame:
        frame = read_frame(self._conn, sql, params)
        assert not isinstance(frame, Iterator)
        return frame

    def site_table(self, crawl_id: int) -> pd.DataFrame:
        """One row per seed site of the crawl, with its crawl status, by site.

        Columns: site, url, name, organisation, themes, life_events ('|'-joined),
        status, pages, html_pages, errors, robots_blocked, homepage_status.
        A finished crawl has these figures stored; for a crawl still running or
        interrupted they are computed on the fly by the same query, and not stored.
        """
        columns = ", ".join(
            f"s.{c}" for c in ("site", "url", "name", "organisation", "themes", "life_events")
        )
        figures = ("status", "pages", "html_pages", "errors", "robots_blocked", "homepage_status")
        if read_crawl(self._conn, self.path, crawl_id).state == "finished":
            stored = ", ".join(f"s.{c}" for c in figures)
            sql = f"SELECT {columns}, {stored} FROM sites s WHERE s.crawl_id = :c ORDER BY s.site"
        else:
            computed = ", ".join(f"f.{c}" for c in figures)
            sql = (
                f"WITH f AS ({SITE_FIGURES}) SELECT {columns}, {computed} FROM sites s "
                "JOIN f ON f.site = s.site WHERE s.crawl_id = :c ORDER BY s.site"
            )
        return self._frame(sql, {"c": crawl_id})

    def site_edges(self, crawl_id: int) -> pd.DataFrame:
        """Site-to-site edges aggregated in SQL, one row per (source, target).

        Columns: source, target, weight (distinct source pages), links (occurrences),
        targets (distinct target URLs), deep (distinct targets other than the target
        site's homepage, its seed URL with or without a trailing slash), template_pages,
        content_pages, broken (distinct targets answering >= 400 or unreachable,
        robots-blocked excluded: :data:`BROKEN_TARGETS`). A finished crawl has them
        stored (``site_links``); for a crawl still running or interrupted, or finished
        before the store kept them, they are aggregated on the fly by the same query.
        """
        if self._site_links_stored(crawl_id):
            columns = ", ".join(SITE_LINK_COLUMNS)
            sql = f"SELECT {columns} FROM site_links WHERE crawl_id = :c ORDER BY source, target"
            return self._frame(sql, {"c": crawl_id})
        return self._frame(SITE_LINKS, {"c": crawl_id})

    def _site_links_stored(self, crawl_id: int) -> bool:
        if read_crawl(self._conn, self.path, crawl_id).state != "finished":
            return False
        row = self._conn.execute("SELECT 1 FROM site_links WHERE crawl_id = ? LIMIT 1", (crawl_id,))
        return row.fetchone() is not None

    def broken_examples(self, crawl_id: int, *, per_site: int = 3) -> pd.DataFrame:
        """A few broken cross-site link targets per source site, as evidence.

        Columns: source, target_url, status, error; at most ``per_site`` rows per
        source, the smallest URLs first. Broken means what it means in
        :meth:`site_edges` (:data:`BROKEN_TARGETS`).
        """
        return self._frame(
            f"""WITH {BROKEN_TARGETS},
               pairs AS (
                   SELECT l.source_site AS source, MIN(l.target_url) AS target_url,
                          b.status, b.error,
                          ROW_NUMBER() OVER (PARTITION BY l.source_site
                                             ORDER BY MIN(l.target_url)) AS n
                   FROM links l JOIN broken b ON b.norm = l.target_norm
                   WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
                     AND l.target_site <> l.source_site
                   GROUP BY l.source_site, l.target_norm, b.status, b.error
               )
               SELECT source, target_url, status, error FROM pairs WHERE n <= :k
               ORDER BY source, target_url""",
            {"c": crawl_id, "k": per_site},
        )

    def inbound_examples(
        self, crawl_id: int, *, target: str | None = None, per_pair: int = 15
    ) -> pd.DataFrame:
        """Example links behind each linked pair of sites, for a site's page: who links to it, from where.

        At most ``per_pair`` links per (source site, target site): links in the content
        of their page first, then by page, then in the page's order (so that both backends
        pick the same). Columns: source, target, page_id, source_url, target_url, anchor,
        template (1: the link sits in a header, menu or footer), deep (1: not the
        target's homepage). A page linking several times to a site gives
        several rows: the caller keeps one per page (``graphs.site_view``). All pairs of
        the crawl, or those into ``target``. One window over the crawl's cross-site links
        (5 s for 1.15 million links, where one link per page first took 20 s), so that a
        report site of 750 pages costs one query.
        """
        only = "AND l.target_site = :t" if target is not None else ""
        return self._frame(
            f"""WITH home AS (
                   SELECT site, rtrim(home_norm, '/') AS home FROM sites WHERE crawl_id = :c
               ),
               ranked AS (
                   SELECT l.source_site, l.target_site, l.page_id, l.target_url, l.target_norm,
                          l.anchor, l.template,
                          ROW_NUMBER() OVER (PARTITION BY l.source_site, l.target_site
                                             ORDER BY l.template, l.page_id, l.rowid) AS n
                   FROM links l
                   WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
                     AND l.target_site <> l.source_site {only}
               )
               SELECT r.source_site AS source, r.target_site AS target, r.page_id, p.url AS source_url,
                      r.target_url, r.anchor, r.template,
                      CASE WHEN rtrim(r.target_norm, '/') <> h.home THEN 1 ELSE 0 END AS deep
               FROM ranked r JOIN pages p ON p.id = r.page_id JOIN home h ON h.site = r.target_site
               WHERE r.n <= :k
               ORDER BY r.target_site, r.source_site, r.n""",
            {"c": crawl_id, "t": target, "k": per_pair},
        )

    def broken_links(self, crawl_id: int, *, source: str | None = None, per_site: int = 20) -> pd.DataFrame:
        """Broken link targets of each site in other seed sites, with a page that links to each.

        One row per (source site, broken target URL), at most ``per_site`` per source,
        smallest URLs first. Columns: source, target, target_url, source_url (one linking
        page), pages (linking pages), status, error, total (broken targets of the source).
        Broken means what it means in :meth:`site_edges` (:data:`BROKEN_TARGETS`).
        """
        only = "AND l.source_site = :s" if source is not None else ""
        return self._frame(
            f"""WITH {BROKEN_TARGETS},
               pairs AS (
                   SELECT l.source_site AS source, l.target_site AS target, MIN(l.target_url) AS target_url,
                          MIN(p.url) AS source_url, COUNT(DISTINCT l.page_id) AS pages, b.status, b.error,
                          ROW_NUMBER() OVER (PARTITION BY l.source_site ORDER BY MIN(l.target_url)) AS n,
                          COUNT(*) OVER (PARTITION BY l.source_site) AS total
                   FROM links l JOIN broken b ON b.norm = l.target_norm JOIN pages p ON p.id = l.page_id
                   WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
                     AND l.target_site <> l.source_site {only}
                   GROUP BY l.source_site, l.target_site, l.target_norm, b.status, b.error
               )
               SELECT source, target, target_url, source_url, pages, status, error, total
               FROM pairs WHERE n <= :k ORDER BY source, target_url""",
            {"c": crawl_id, "s": source, "k": per_site},
        )

    @overload
    def link_targets(self, crawl_id: int, *, chunksize: None = None) -> pd.DataFrame: ...

    @overload
    def link_targets(self, crawl_id: int, *, chunksize: int) -> Iterator[pd.DataFrame]: ...

    def link_targets(
        self, crawl_id: int, *, chunksize: int | None = None
    ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """Which pages of other seed sites each site links to from its content, one row per
        (source site, target URL), in one pass over the crawl's links.

        Columns: source, target (site ids), target_norm, target_url (where the page
        answered, after redirects, when the crawl fetched it; else the smallest URL
        the source wrote for it), pages (distinct source pages linking it from their
        content, not from header, navigation or footer), broken (1 when the target is
        broken as in :meth:`site_edges`: :data:`BROKEN_TARGETS`). Link recommendations
        pick from it the page most linked by a site's peers. Rows are aggregated
        before the URL and status lookups (one per row, not per link); in no
        particular order; an iterator of frames of ``chunksize`` rows, so that a
        large crawl is encoded chunk by chunk.
        """
        sql = f"""
        WITH {BROKEN_TARGETS},
        agg AS (
            SELECT l.source_site AS source, l.target_site AS target, l.target_norm,
                   MIN(l.target_url) AS written, COUNT(DISTINCT l.page_id) AS pages
            FROM links l
            WHERE l.crawl_id = :c AND l.internal = 0 AND l.template = 0
              AND l.target_site IS NOT NULL AND l.target_site <> l.source_site
            GROUP BY l.source_site, l.target_site, l.target_norm
        )
        SELECT a.source, a.target, a.target_norm,
               CASE WHEN p.status < 400 AND p.final_url IS NOT NULL THEN p.final_url
                    ELSE a.written END AS target_url,
               a.pages, CASE WHEN b.norm IS NULL THEN 0 ELSE 1 END AS broken
        FROM agg a
        LEFT JOIN broken b ON b.norm = a.target_norm
        LEFT JOIN pages p ON p.crawl_id = :c AND p.norm = a.target_norm
        """
        return read_frame(self._conn, sql, {"c": crawl_id}, chunksize=chunksize)

    def external_checks(self, crawl_id: int) -> pd.DataFrame:
        """Links to URLs outside the seed sites with their check result.

        Columns: source (site id), target_norm, target_url, pages (distinct source
        pages), status, final_url, redirect_status, error. Status columns are NULL
        when the crawl did not use ``--check-links``.
        """
        return self._frame(
            """SELECT l.source_site AS source, l.target_norm, MIN(l.target_url) AS target_url,
                      COUNT(DISTINCT l.page_id) AS pages,
                      c.status, c.final_url, c.redirect_status, c.error
               FROM links l LEFT JOIN checks c
                 ON c.crawl_id = l.crawl_id AND c.norm = l.target_norm
               WHERE l.crawl_id = ? AND l.target_site IS NULL AND l.internal = 0
               GROUP BY l.source_site, l.target_norm, c.status, c.final_url, c.redirect_status, c.error
               ORDER BY l.source_site, l.target_norm""",
            (crawl_id,),
        )

    def retired_candidates(self, crawl_id: int) -> pd.DataFrame:
        """The rows of :meth:`external_checks` whose check may mean a retired URL, only.

        A permanent first redirect (301, 308) or no HTTP answer: a superset of what
        ``graphs.retired.retired_links`` calls retired (it checks the host moved),
        driven by the few such checks rather than by every outside link, for reads of
        many crawls (diffs, trends). Same columns as :meth:`external_checks`.
        """
        return self._frame(
            """SELECT l.source_site AS source, l.target_norm, MIN(l.target_url) AS target_url,
                      COUNT(DISTINCT l.page_id) AS pages,
                      c.status, c.final_url, c.redirect_status, c.error
               FROM checks c CROSS JOIN links l
               WHERE c.crawl_id = :c
                 AND (c.redirect_status IN (301, 308) OR (c.status IS NULL AND c.error IS NOT NULL))
                 AND l.crawl_id = c.crawl_id AND l.target_norm = c.norm
                 AND l.target_site IS NULL AND l.internal = 0
               GROUP BY l.source_site, l.target_norm, c.status, c.final_url, c.redirect_status, c.error
               ORDER BY l.source_site, l.target_norm""",
            {"c": crawl_id},
        )

    def broken_targets(self, crawl_id: int) -> pd.DataFrame:
        """Every broken URL of a seed site that another seed site links to, one row per URL.

        Columns: target_norm, target_url (as linked, the smallest), target_site, status,
        error, sources (distinct linking sites), pages (distinct linking pages),
        example_source (the first linking site); by target site, then norm. Broken
        means what it means in :meth:`site_edges` (:data:`BROKEN_TARGETS`). The few
        broken norms drive the join (``CROSS JOIN`` keeps that order in SQLite: 0.5 s
        instead of 2 s on 1.2 M links).
        """
        return self._frame(
            f"""WITH {BROKEN_TARGETS}
               SELECT b.norm AS target_norm, MIN(l.target_url) AS target_url, l.target_site,
                      b.status, b.error, COUNT(DISTINCT l.source_site) AS sources,
                      COUNT(DISTINCT l.page_id) AS pages, MIN(l.source_site) AS example_source
               FROM broken b CROSS JOIN links l
               WHERE l.crawl_id = :c AND l.target_norm = b.norm AND l.internal = 0
                 AND l.target_site IS NOT NULL AND l.target_site <> l.source_site
               GROUP BY b.norm, l.target_site, b.status, b.error
               ORDER BY l.target_site, b.norm""",
            {"c": crawl_id},
        )

    @overload
    def page_links(self, crawl_id: int, *, chunksize: None = None) -> pd.DataFrame: ...

    @overload
    def page_links(self, crawl_id: int, *, chunksize: int) -> Iterator[pd.DataFrame]: ...

    def page_links(
        self, crawl_id: int, *, chunksize: int | None = None
    ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """The page-level cross-site link table (an iterator of frames with ``chunksize``).

        Columns: source_site, source_url, target_site, target_url, href, anchor, rel,
        template; in the order the crawl stored them.
        """
        return read_frame(
            self._conn,
            """SELECT l.source_site, p.url AS source_url, l.target_site, l.target_url, l.href,
                      l.anchor, l.rel, l.template
               FROM links l JOIN pages p ON p.id = l.page_id
               WHERE l.crawl_id = ? AND l.internal = 0
               ORDER BY l.rowid""",
            (crawl_id,),
            chunksize=chunksize,
        )

    @overload
    def text_links(self, crawl_id: int, *, chunksize: None = None) -> pd.DataFrame: ...

    @overload
    def text_links(self, crawl_id: int, *, chunksize: int) -> Iterator[pd.DataFrame]: ...

    def text_links(
        self, crawl_id: int, *, chunksize: int | None = None
    ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """Content links from a page to another seed site, with their words, for relevance.

        Columns: source_page (page id), source_norm, source_site, target_site,
        target_norm, target_url, anchor, context (NULL when the crawl kept no text
        or the link has no words around it); by linking page (its norm), then in the
        order the page holds them. Template links (header, menus, footer) are left
        out: the same on every page, they say nothing about the page they sit in.
        Driven by the crawl's pages and ``links_page``: 3x faster than through
        ``links_norm`` and a sort (100,000 links of 155,000: 2.1 s vs 7.2 s, loaded machine).
        With ``chunksize``, an iterator of frames: the rows of 650,000 links fetched at
        once weigh ~1 GB as Python objects before they become a 290 MB frame.
        """
        return read_frame(
            self._conn,
            """SELECT l.page_id AS source_page, p.norm AS source_norm, l.source_site, l.target_site,
                      l.target_norm, l.target_url, l.anchor, l.context
               FROM pages p JOIN links l ON l.page_id = p.id
               WHERE p.crawl_id = ? AND l.internal = 0 AND l.template = 0
                 AND l.target_site IS NOT NULL AND l.target_site <> l.source_site
               ORDER BY p.norm, l.rowid""",
            (crawl_id,),
            chunksize=chunksize,
        )

    def has_text(self, crawl_id: int) -> bool:
        """Whether the crawl kept page text profiles (not crawled with ``--no-text``)."""
        row = self._conn.execute(
            "SELECT 1 FROM pages p JOIN page_texts t ON t.page_id = p.id WHERE p.crawl_id = ? LIMIT 1",
            (crawl_id,),
        ).fetchone()
        return row is not None

    def page_profiles(self, crawl_id: int, *, chunksize: int = 20_000) -> Iterator[pd.DataFrame]:
        """Text profiles of the crawl's pages, in frames of ``chunksize`` rows (by page id).

        Columns: page_id, site, kind, norm, final_norm, depth, profile. Read in chunks
        so that the text of a large crawl never sits in memory at once.
        """
        return read_frame(
            self._conn,
            """SELECT p.id AS page_id, p.site, p.kind, p.norm, p.final_norm, p.depth, t.profile
               FROM pages p JOIN page_texts t ON t.page_id = p.id
               WHERE p.crawl_id = ? ORDER BY p.id""",
            (crawl_id,),
            chunksize=chunksize,
        )

    def pages_table(self, crawl_id: int) -> pd.DataFrame:
        """Every fetched page of the crawl, in the order they were stored."""
        return self._frame(
            "SELECT site, kind, url, final_url, status, content_type, size, title, depth, "
            "fetched_at, error, internal_links, external_links FROM pages WHERE crawl_id=? "
            "ORDER BY id",
            (crawl_id,),
        )

    def site_titles(self, crawl_id: int) -> pd.DataFrame:
        """Title of each site's homepage as crawled (columns: site, title).

        Crawled text: callers escape it in every output.
        """
        return self._frame(
            "SELECT site, MIN(title) AS title FROM pages WHERE crawl_id=? AND kind='page' "
            "AND depth=0 GROUP BY site ORDER BY site",
            (crawl_id,),
        )

    # -- the crawl summary -------------------------------------------------------------

    def site_status_counts_by_crawl(self) -> dict[int, dict[str, int]]:
        """Sites of every crawl by status (as stored when each crawl closed), by crawl id."""
        out: dict[int, dict[str, int]] = {}
        for crawl_id, status, n in self._conn.execute(
            "SELECT crawl_id, status, COUNT(*) FROM sites GROUP BY crawl_id, status ORDER BY crawl_id, status"
        ):
            out.setdefault(int(crawl_id), {})[str(status)] = int(n)
        return out

    def link_count(self, crawl_id: int) -> int:
        """Cross-site links stored so far (``crawls.links`` once the crawl has closed)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM links WHERE crawl_id=? AND internal=0", (crawl_id,)
        ).fetchone()
        return int(row[0])

    def page_count(self, crawl_id: int) -> int:
        """Pages of the crawl (link targets not counted)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM pages WHERE crawl_id=? AND kind='page'", (crawl_id,)
        ).fetchone()
        return int(row[0])

    def site_status_counts(self, crawl_id: int) -> dict[str, int]:
        """Sites of the crawl by status (as stored when the crawl closed), by status name."""
        return dict(self._conn.execute(
            "SELECT status, COUNT(*) FROM sites WHERE crawl_id=? GROUP BY status ORDER BY status",
            (crawl_id,)))  # fmt: skip

    def error_counts(self, crawl_id: int) -> dict[str, int]:
        """Failed pages of the crawl by kind (``timeout``, ``http 4xx``, ``robots``…).

        The kind is the text of ``pages.error`` before its colon, else the class of
        an HTTP status >= 400 (see ``crawler.failures``); the same pages as ``crawls.errors``.
        """
        from crawler.failures import error_kind

        rows = self._conn.execute(
            """SELECT error, CASE WHEN error IS NULL THEN status / 100 * 100 END, COUNT(*)
               FROM pages WHERE crawl_id=? AND kind='page' AND (error IS NOT NULL OR status >= 400)
               GROUP BY 1, 2""",
            (crawl_id,),
        )
        counts: dict[str, int] = {}
        for error, status, n in rows:
            kind = error_kind(error, status) or "other"
            counts[kind] = counts.get(kind, 0) + n
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def failed_sites(self, crawl_id: int) -> list[tuple[str, str]]:
        """(site, status) of the crawled sites whose status is not ``ok``, by site."""
        return self._conn.execute(
            "SELECT site, status FROM sites WHERE crawl_id=? AND status NOT IN ('ok', 'not_crawled') "
            "ORDER BY site",
            (crawl_id,),
        ).fetchall()
