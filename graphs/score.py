"""The integration score: one figure per site, 0 (isolated) to 100, against its peers.

Reason codes say *what* is wrong with a site; the score ranks the sites so
that an analyst reads the worst first. It compares each site with its
reference peers (the crawled sites sharing one of its themes or life events)
rather than with the whole State web, because a small agency is not expected
to draw the links of a national portal. Pure: no I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import networkx as nx
import pandas as pd

from graphs.config import FindingsConfig
from graphs.status import assessed_sites

__all__ = ["integration_score"]


def _median(values: list[float]) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def integration_score(
    G: nx.DiGraph,
    metrics: pd.DataFrame,
    findings: pd.DataFrame,
    *,
    config: FindingsConfig | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
) -> pd.Series:
    """Integration score of each site, 0 (isolated) to 100, NaN when not assessed.

    Six components in [0, 1], compared with the site's *reference peers*: the
    crawled sites sharing one of its themes or life events, or all other
    crawled sites for a site without any:

    - ``in_reach``: sites linking to it, over the reference median (capped at 1);
    - ``out_reach``: sites it links to, over the reference median;
    - ``peer_in`` / ``peer_out``: peers linking to it / it links to, over the
      reference median of the same figure (left out for a site without peers);
    - ``deep``: share of inbound links that are deep (``in_deep_share``);
    - ``content``: share of linking pages with a link in their content
      (``1 − in_template_share``).

    A ratio over a median uses ``max(median, 1)``, so a site with no link
    scores 0 on it even when its peers have none either. The score is 100 ×
    the weighted mean of the components present (weights in
    ``FindingsConfig.weights``), minus ``FindingsConfig.penalties`` per reason
    code, clipped to [0, 100].

    Examples
    --------
    >>> from graphs.findings import find
    >>> from graphs.metrics import site_metrics
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", weight=1, targets=1, deep=1, content_pages=1)
    >>> G.add_edge("b", "a", weight=1, targets=1, deep=0, content_pages=0)
    >>> m = site_metrics(G)
    >>> integration_score(G, m, find(G, m)).round(1).to_dict()
    {'a': 71.4, 'b': 100.0}
    """
    config = config or FindingsConfig()
    if peers is None:
        from graphs.groups import peers as group_peers

        peers = group_peers(G)
    assessed = assessed_sites(G)
    assessed_set = set(assessed)
    flags: dict[str, set[str]] = {}
    for site, code in zip(findings["site"], findings["code"], strict=True):
        flags.setdefault(site, set()).add(code)
    cols = {c: metrics[c].to_dict() for c in ("in_sites", "out_sites", "in_peer_sites", "out_peer_sites")}
    deep = metrics["in_deep_share"].to_dict()
    template = metrics["in_template_share"].to_dict()
    w = config.weights
    scores: dict[str, float] = {}
    for n in G:
        if n not in assessed_set:
            scores[n] = math.nan
            continue
        mine = [p for p in peers.get(n, ()) if p in assessed_set and p != n]
        reference = mine or [p for p in assessed if p != n]

        def ratio(col: str, reference: list[str] = reference, n: str = n) -> float:
            med = _median([float(cols[col][p]) for p in reference])
            return min(1.0, float(cols[col][n]) / max(med, 1.0))

        parts = {
            "in_reach": ratio("in_sites"),
            "out_reach": ratio("out_sites"),
            "deep": 0.0 if deep[n] != deep[n] else float(deep[n]),
            "content": 0.0 if template[n] != template[n] else 1.0 - float(template[n]),
        }
        if mine:
            parts["peer_in"] = ratio("in_peer_sites")
            parts["peer_out"] = ratio("out_peer_sites")
        total = sum(w.get(k, 0.0) for k in parts)
        base = 100 * sum(w.get(k, 0.0) * v for k, v in parts.items()) / total if total else 0.0
        penalty = sum(config.penalties.get(code, 0.0) for code in flags.get(n, ()))
        scores[n] = round(min(100.0, max(0.0, base - penalty)), 2)
    return pd.Series(scores, name="score", dtype=float).rename_axis("site")
