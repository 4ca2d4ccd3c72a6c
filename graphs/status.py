"""Which sites can be assessed: the one definition every analysis and output uses.

A site's crawl ``status`` (``ok``, or why its links could not be read:
``unreachable``, ``robots``, ``homepage_error``, ``no_html``, ``not_crawled``)
is written by the store when a crawl finishes and is a node attribute of the
site graph (missing means ``ok``). A site that is not assessed gets the reason
code ``uncrawled`` and nothing else, no score, and is drawn hollow: its
missing links say nothing about the site itself. The rules
(:mod:`graphs.findings`), the headline figures, the group tables, the reports
and the plots all ask here, so that they cannot disagree on a status.

Pure functions, no I/O; :attr:`graphs.analysis.Analysis.assessed` is the same
question over the analysis' site table.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

__all__ = ["UNCRAWLED_STATUSES", "assessed_sites", "is_assessed"]

UNCRAWLED_STATUSES = ("unreachable", "robots", "homepage_error", "no_html", "not_crawled")


def is_assessed(status: Any) -> bool:
    """True when a site with this crawl status can be assessed: ``ok``, or none (a graph built by hand).

    >>> is_assessed("ok"), is_assessed(None), is_assessed("robots")
    (True, True, False)
    """
    return status not in UNCRAWLED_STATUSES


def assessed_sites(G: nx.Graph) -> list[str]:
    """The sites of ``G`` that can be assessed, in node order.

    >>> G = nx.DiGraph()
    >>> G.add_node("a.fr", status="ok"); G.add_node("b.fr", status="unreachable"); G.add_node("c.fr")
    >>> assessed_sites(G)
    ['a.fr', 'c.fr']
    """
    return [n for n, d in G.nodes(data=True) if is_assessed(d.get("status", "ok"))]
