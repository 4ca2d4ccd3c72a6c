"""The seed list shipped with govlinks, and the code that reads, checks and imports seed lists.

Data (package data, installed with govlinks): ``sites.csv``, ``themes.csv`` and
``life_events.csv``. This module is the one place that knows where they are, so that
the crawler's default, the report's labels, the GEXF colours and the demo's themes
all read the same files. Rooms:

- :mod:`seeds.vocabulary`: theme and life-event vocabularies, and the labels next
  to a seed list;
- :mod:`seeds.check`: ``govlinks seeds check``;
- :mod:`seeds.importer`: ``govlinks seeds import``.

``build_sites.py`` and ``build_rules.py`` are maintainer scripts that compile the
data from public lists (see ``README.md``); nothing imports them at run time.

Reading a seed list for a crawl is the crawler's job (:mod:`crawler.seeds`): this
package sits above the crawler and may use it, never the other way round.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUNDLED_DIR", "LIFE_EVENTS_CSV", "SITES_CSV", "THEMES_CSV", "default_seeds"]

# This folder, installed or not (pyproject.toml ships the CSVs as package data).
BUNDLED_DIR = Path(__file__).resolve().parent
SITES_CSV = BUNDLED_DIR / "sites.csv"
THEMES_CSV = BUNDLED_DIR / "themes.csv"
LIFE_EVENTS_CSV = BUNDLED_DIR / "life_events.csv"


def default_seeds() -> str:
    """The seed list shipped with govlinks: the default of ``crawl --seeds`` and ``seeds check``.

    >>> Path(default_seeds()).name
    'sites.csv'
    """
    return str(SITES_CSV)
