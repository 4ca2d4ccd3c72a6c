"""Per-site figures of a crawl (pages, errors, homepage status, crawl status), in one query.

Written once, used twice: :func:`summarise_sites` stores them in ``sites`` when a
crawl closes (``Store.finish_crawl``), and ``Reads.site_table`` computes them on
the fly, without writing, for a crawl still running or interrupted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.store.backend import Connection

__all__ = ["SITE_FIGURES", "SITE_FIGURE_COLUMNS", "summarise_sites"]

# The figures of ``sites`` that a crawl computes, as columns of SITE_FIGURES (after ``site``).
SITE_FIGURE_COLUMNS = ("pages", "html_pages", "errors", "robots_blocked", "homepage_status", "status")

# One row per site of crawl :c: site, then SITE_FIGURE_COLUMNS. The site status:
# not_crawled (no homepage fetch), robots (homepage refused by robots.txt),
# unreachable (no answer), homepage_error (>= 400), no_html (no HTML page), else ok.
SITE_FIGURES = """
SELECT f.site, f.pages, f.html_pages, f.errors, f.robots_blocked, f.homepage_status,
       CASE
         WHEN NOT EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=f.crawl_id
               AND p.site=f.site AND p.kind='page' AND p.depth=0) THEN 'not_crawled'
         WHEN EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=f.crawl_id
               AND p.site=f.site AND p.kind='page' AND p.depth=0
               AND p.error='robots.txt') THEN 'robots'
         WHEN EXISTS (SELECT 1 FROM pages p WHERE p.crawl_id=f.crawl_id
               AND p.site=f.site AND p.kind='page' AND p.depth=0
               AND p.status IS NULL) THEN 'unreachable'
         WHEN f.homepage_status >= 400 THEN 'homepage_error'
         WHEN f.html_pages = 0 THEN 'no_html'
         ELSE 'ok' END AS status
FROM (
    SELECT s.crawl_id, s.site,
        (SELECT COUNT(*) FROM pages p WHERE p.crawl_id=s.crawl_id
               AND p.site=s.site AND p.kind='page' AND p.error IS NULL) AS pages,
        (SELECT COUNT(*) FROM pages p WHERE p.crawl_id=s.crawl_id
               AND p.site=s.site AND p.kind='page' AND p.error IS NULL
               AND p.status < 400 AND p.content_type LIKE '%html%') AS html_pages,
        (SELECT COUNT(*) FROM pages p WHERE p.crawl_id=s.crawl_id
               AND p.site=s.site AND p.kind='page'
               AND (p.status >= 400 OR (p.error IS NOT NULL AND p.error <> 'robots.txt'))) AS errors,
        (SELECT COUNT(*) FROM pages p WHERE p.crawl_id=s.crawl_id
               AND p.site=s.site AND p.kind='page' AND p.error = 'robots.txt') AS robots_blocked,
        (SELECT p.status FROM pages p WHERE p.crawl_id=s.crawl_id
               AND p.site=s.site AND p.kind='page' AND p.depth=0 LIMIT 1) AS homepage_status
    FROM sites s WHERE s.crawl_id = :c
) f
"""


def summarise_sites(conn: Connection, crawl_id: int) -> None:
    """Store the figures of every site of the crawl in ``sites`` (inside the caller's transaction)."""
    rows = conn.execute(SITE_FIGURES, {"c": crawl_id}).fetchall()
    assignments = ", ".join(f"{c}=?" for c in SITE_FIGURE_COLUMNS)
    conn.executemany(
        f"UPDATE sites SET {assignments} WHERE crawl_id=? AND site=?",
        [(*figures, crawl_id, site) for site, *figures in rows],
    )
