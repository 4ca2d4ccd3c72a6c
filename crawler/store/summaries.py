"""Summaries of a crawl, each one query: per-site figures, and per linked pair of sites.

Written once, used twice: :func:`summarise_sites` stores the per-site figures in
``sites`` and :func:`summarise_site_links` the site-pair aggregates in
``site_links`` when a crawl finishes (``Store.finish_crawl``); ``Reads.site_table``
and ``Reads.site_edges`` run the same queries on the fly, without writing, for a
crawl still running or interrupted. The site-pair aggregation walks every
cross-site link (seconds on a million links): stored once, it costs nothing to the
reports, diffs and trends that read it again and again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.store.backend import Connection

__all__ = [
    "BROKEN_TARGETS",
    "SITE_FIGURES",
    "SITE_FIGURE_COLUMNS",
    "SITE_LINKS",
    "SITE_LINK_COLUMNS",
    "summarise_site_links",
    "summarise_sites",
]

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


# Two CTEs over crawl :c. ``fetched``: the status of every URL the crawl fetched,
# under its norm and, when redirected, its final norm. ``broken``: the norms whose
# every fetch answered >= 400 or not at all, robots-blocked excluded, with a status
# and an error to show. The one definition of a broken link target.
BROKEN_TARGETS = """
fetched AS (
    SELECT norm, status, error FROM pages WHERE crawl_id = :c
    UNION ALL
    SELECT final_norm, status, error FROM pages
    WHERE crawl_id = :c AND final_norm IS NOT NULL AND final_norm <> norm
),
broken AS (
    SELECT norm, MAX(status) AS status, MAX(error) AS error FROM fetched
    GROUP BY norm
    HAVING MIN(CASE WHEN status < 400 OR error = 'robots.txt' THEN 0 ELSE 1 END) = 1
)"""

# The columns of a site-pair aggregate (``site_links`` and ``Reads.site_edges``), in order.
SITE_LINK_COLUMNS = (
    "source", "target", "weight", "links", "targets", "deep", "template_pages", "content_pages", "broken",
)  # fmt: skip

# One row per linked pair of sites of crawl :c, columns SITE_LINK_COLUMNS, by source
# then target (their meaning: ``Reads.site_edges``).
SITE_LINKS = f"""
WITH home AS (
    SELECT site, rtrim(home_norm, '/') AS home FROM sites WHERE crawl_id = :c
),
{BROKEN_TARGETS},
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


def summarise_site_links(conn: Connection, crawl_id: int) -> None:
    """Store the site-pair aggregates of the crawl in ``site_links`` (inside the caller's transaction).

    Replaces what an earlier close of the same crawl stored (a crawl resumed and finished again).
    """
    conn.execute("DELETE FROM site_links WHERE crawl_id = ?", (crawl_id,))
    columns = ", ".join(SITE_LINK_COLUMNS)
    conn.execute(
        f"INSERT INTO site_links (crawl_id, {columns}) SELECT :c, {columns} FROM ({SITE_LINKS}) x",
        {"c": crawl_id},
    )
