"""The names the library accepts for its formats, levels and groupings.

They live here, apart from the code that implements them, because the CLI
builds its ``--format``, ``--level`` and ``--by`` choices from them when it
builds its help, before any command runs: this module imports nothing, so
``govlinks report --help`` does not load pandas and networkx (graphs.report
takes about 0.5 s to import). The modules that implement each name take the
list from here, so the CLI and the library cannot disagree.
"""

from __future__ import annotations

__all__ = [
    "CRAWLS_FORMATS",
    "DEFAULT_LANGUAGE",
    "DIFF_FORMATS",
    "EXPORT_FORMATS",
    "EXPORT_LEVELS",
    "GROUPINGS",
    "LANGUAGES",
    "REPORT_FORMATS",
    "REPORT_GROUPINGS",
]

# govlinks report --format (graphs.report.render)
REPORT_FORMATS = ("table", "json", "csv", "html")
# govlinks export --format (graphs.export.export_crawl): the first two write a file, the others a folder
EXPORT_FORMATS = ("gexf", "graphml", "csv", "parquet")
# govlinks export --level: the site graph, or the page-level cross-site link table
EXPORT_LEVELS = ("site", "page")
# --by value -> node attribute holding the group ids (graphs.groups); sites sharing one are peers
GROUPINGS = {"theme": "themes", "life-event": "life_events"}
# report --by: the groupings above, and the organisation (ministry) running each site
REPORT_GROUPINGS = {**GROUPINGS, "organisation": "organisation"}
# --lang (graphs.i18n): the languages of what people read; commands default to French
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
# govlinks diff --format (graphs.diff_report): csv writes a folder, the others a file or stdout
DIFF_FORMATS = ("table", "json", "csv", "html")
# govlinks crawls --format (graphs.history)
CRAWLS_FORMATS = ("table", "json", "csv")
