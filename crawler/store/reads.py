"""Reads behind reports and exports: aggregates computed in SQL, returned as DataFrames.

A mixin of :class:`crawler.store.Store`, kept apart from the crawl's writes and
reads because it has another reader (graphs/) and another cost profile (whole-crawl
aggregations over millions of links).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.store import CrawlInfo

__all__ = ["ReportReads"]


class ReportReads:
    _conn: sqlite3.Connection
    path: Path

    if TYPE_CHECKING:

        def crawl(self, crawl_id: int | None = None) -> CrawlInfo: ...

        def transaction(self) -> Any: ...

        def _summarise_sites(self, conn: sqlite3.Connection, crawl_id: int) -> None: ...

    def _frame(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> Any:
        import pandas as pd

        return pd.read_sql_query(sql, self._conn, params=params)

    def site_table(self, crawl_id: int) -> Any:
        """One row per seed site of the crawl (DataFrame), with its crawl status.

        Columns: site, url, name, organisation, themes, life_events ('|'-joined),
        status, pages, html_pages, errors, robots_blocked, homepage_status.
        For an unfinished crawl the per-site figures are computed on the fly.
        """
        info = self.crawl(crawl_id)
        if info.state != "finished":
            with self.transaction() as conn:
                self._summarise_sites(conn, crawl_id)
        return self._frame(
            "SELECT site, url, name, organisation, themes, life_events, status, pages, "
            "html_pages, errors, robots_blocked, homepage_status FROM sites "
            "WHERE crawl_id=? ORDER BY site",
            (crawl_id,),
        )

    def site_edges(self, crawl_id: int) -> Any:
        """Site-to-site edges aggregated in SQL (DataFrame), one row per (source, target).

        Columns: source, target, weight (distinct source pages), links (occurrences),
        targets (distinct target URLs), deep (distinct targets other than the target
        site's homepage, its seed URL with or without a trailing slash), template_pages,
        content_pages, broken (distinct targets answering >= 400 or unreachable, robots-blocked excluded).
        """
        sql = """
        WITH home AS (
            SELECT site, rtrim(home_norm, '/') AS home FROM sites WHERE crawl_id = :c
        ),
        status AS (
            SELECT norm, status, error FROM pages WHERE crawl_id = :c
            UNION ALL
            SELECT final_norm, status, error FROM pages
            WHERE crawl_id = :c AND final_norm IS NOT NULL AND final_norm <> norm
        ),
        broken AS (
            SELECT norm FROM status
            GROUP BY norm
            HAVING MIN(CASE WHEN status < 400 OR error = 'robots.txt' THEN 0 ELSE 1 END) = 1
        ),
        l AS (
            SELECT l.page_id, l.source_site, l.target_site, l.target_norm, l.template
            FROM links l
            WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
              AND l.target_site <> l.source_site
        )
        SELECT l.source_site AS source, l.target_site AS target,
               COUNT(DISTINCT l.page_id) AS weight,
               COUNT(*) AS links,
               COUNT(DISTINCT l.target_norm) AS targets,
               COUNT(DISTINCT CASE WHEN rtrim(l.target_norm, '/') <> h.home
                                   THEN l.target_norm END) AS deep,
               COUNT(DISTINCT CASE WHEN l.template = 1 THEN l.page_id END) AS template_pages,
               COUNT(DISTINCT CASE WHEN l.template = 0 THEN l.page_id END) AS content_pages,
               COUNT(DISTINCT CASE WHEN b.norm IS NOT NULL THEN l.target_norm END) AS broken
        FROM l
        JOIN home h ON h.site = l.target_site
        LEFT JOIN broken b ON b.norm = l.target_norm
        GROUP BY l.source_site, l.target_site
        ORDER BY l.source_site, l.target_site
        """
        return self._frame(sql, {"c": crawl_id})

    def external_checks(self, crawl_id: int) -> Any:
        """Links to URLs outside the seed sites with their check result (DataFrame).

        Columns: source (site id), target_url, target_norm, pages (distinct source
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
               GROUP BY l.source_site, l.target_norm
               ORDER BY l.source_site, l.target_norm""",
            (crawl_id,),
        )

    def page_links(self, crawl_id: int, *, chunksize: int | None = None) -> Any:
        """The page-level cross-site link table (DataFrame, or an iterator with chunksize)."""
        import pandas as pd

        return pd.read_sql_query(
            """SELECT l.source_site, p.url AS source_url, l.target_site, l.target_url, l.href,
                      l.anchor, l.rel, l.template
               FROM links l JOIN pages p ON p.id = l.page_id
               WHERE l.crawl_id = ? AND l.internal = 0
               ORDER BY l.rowid""",
            self._conn,
            params=(crawl_id,),
            chunksize=chunksize,
        )

    def pages_table(self, crawl_id: int) -> Any:
        """Every fetched page of the crawl (DataFrame)."""
        return self._frame(
            "SELECT site, kind, url, final_url, status, content_type, size, title, depth, "
            "fetched_at, error, internal_links, external_links FROM pages WHERE crawl_id=? "
            "ORDER BY id",
            (crawl_id,),
        )

    def site_titles(self, crawl_id: int) -> Any:
        """Title of each site's homepage as crawled (DataFrame: site, title).

        Crawled text: callers escape it in every output.
        """
        return self._frame(
            "SELECT site, MIN(title) AS title FROM pages WHERE crawl_id=? AND kind='page' "
            "AND depth=0 GROUP BY site ORDER BY site",
            (crawl_id,),
        )

    def broken_examples(self, crawl_id: int, *, per_site: int = 3) -> Any:
        """A few broken cross-site link targets per source site, as evidence.

        DataFrame: source, target_url, status, error; at most ``per_site`` rows
        per source, the smallest URLs first. Broken means what it means in
        :meth:`site_edges` (>= 400 or unreachable, robots-blocked excluded).
        """
        return self._frame(
            """WITH status AS (
                   SELECT norm, status, error FROM pages WHERE crawl_id = :c
                   UNION ALL
                   SELECT final_norm, status, error FROM pages
                   WHERE crawl_id = :c AND final_norm IS NOT NULL AND final_norm <> norm
               ),
               broken AS (
                   SELECT norm, MAX(status) AS status, MAX(error) AS error FROM status
                   GROUP BY norm
                   HAVING MIN(CASE WHEN status < 400 OR error = 'robots.txt' THEN 0 ELSE 1 END) = 1
               ),
               pairs AS (
                   SELECT l.source_site AS source, MIN(l.target_url) AS target_url,
                          b.status, b.error,
                          ROW_NUMBER() OVER (PARTITION BY l.source_site
                                             ORDER BY MIN(l.target_url)) AS n
                   FROM links l JOIN broken b ON b.norm = l.target_norm
                   WHERE l.crawl_id = :c AND l.internal = 0 AND l.target_site IS NOT NULL
                     AND l.target_site <> l.source_site
                   GROUP BY l.source_site, l.target_norm
               )
               SELECT source, target_url, status, error FROM pairs WHERE n <= :k
               ORDER BY source, target_url""",
            {"c": crawl_id, "k": per_site},
        )

    def page_count(self, crawl_id: int) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM pages WHERE crawl_id=? AND kind='page'", (crawl_id,)
        ).fetchone()
        return int(row[0])

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
