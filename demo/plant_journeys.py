"""Planted journey gaps of the demo web, and how well recommendations find them.

In some journeys of the generated web (the theme of a cluster of ordinary sites),
one member is the journey's *key site* k, as caf.fr is for "J'attends un enfant":
every other site of the journey links one page of k (the *key page*) from the
content of each of its pages. One or two members, the *gap members* u, link from their
homepage every other member of the journey but k, and k does not link them: no
link either way between u and k, a journey gap that ``govlinks recommend`` must
name, k among u's first five recommendations and first for nearly all, with the
key page as the page to link. ``truth.json`` lists them under ``journey_gaps``:
``group`` (theme id), ``by``, ``member`` (u), ``key`` (k) and ``key_url``.

A cluster is a candidate when it has four sites or more and no site of its theme
must link none of its peers (the planted ``no_group_outbound`` site: a peer that
cannot link k would make k's evidence the background's). In every candidate
cluster (the more gaps, the finer the recall measured) k is drawn at random, and
u among the members not next to k in the cluster's ring of links, so that
neither the ring nor any planted link joins u and k. Partners drawn at random
that would join them are dropped. Whether the plant holds is checked on the
truth (:func:`check_journey_gaps`), as the reason codes are.

The key site is the better-evidenced end of each gap, whatever the random draws:
every other site of the journey, planted sites of its theme included, links the
key page, and links u only when it must (u's predecessor in the ring, a planted
case): its random links to u are dropped. Then more of u's peers link k than k's
peers link u, and the journey lists the gap as "u should link k".
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from demo.pages import SiteSpec, site_paths, site_url

__all__ = ["check_journey_gaps", "plant_journey_gaps", "recommendation_recall"]

# Planted roles that must not link their peers: their theme hosts no journey gap.
_NO_PEER_LINKS = ("no_group_outbound",)
# The key page: a section page of the key site (never its moved or robots-blocked page).
_KEY_PAGE = 2


def _joined(a: SiteSpec, b: SiteSpec) -> bool:
    """Whether a's spec links b by a link that is not drawn at random."""
    fixed = [t for t, _mode in a.required] + [t for t, _path in a.fixed] + a.template + a.nav
    return b.index in fixed


def _unjoin(a: SiteSpec, b: SiteSpec) -> None:
    a.partners = [p for p in a.partners if p[0] != b.index]


def plant_journey_gaps(
    sites: Sequence[SiteSpec],
    clusters: Sequence[Sequence[SiteSpec]],
    themes: Sequence[str],
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Plant journey gaps in every candidate cluster; return their truth records.

    ``clusters[c]`` is the ring of ordinary sites of theme ``themes[c]`` (each links
    the next one). Call it once every other link of the web is planned.
    """
    blocked = {t for s in sites if s.role in _NO_PEER_LINKS for t in s.themes}
    candidates = [c for c, ring in enumerate(clusters) if len(ring) >= 4 and themes[c] not in blocked]
    records: list[dict[str, Any]] = []
    for c in candidates:
        ring = list(clusters[c])
        n = len(ring)
        for p in rng.sample(range(n), n):
            key = ring[p]
            far = [ring[q] for q in range(n) if (q - p) % n not in (0, 1, n - 1)]
            far = [u for u in far if not _joined(u, key) and not _joined(key, u)]
            if far:
                break
        else:
            continue
        members = rng.sample(far, 2 if n >= 6 and len(far) >= 2 else 1)
        key_path = site_paths(key)[_KEY_PAGE]
        # the journey's other sites: the ring's, and planted sites of its theme that link its members
        outside = [s for s in sites if themes[c] in s.themes and s not in ring and not s.fail
                   and s.role not in _NO_PEER_LINKS]  # fmt: skip
        for site in [*ring, *outside]:
            if site is key:
                continue
            if site in members:
                _unjoin(site, key)
                _unjoin(key, site)
                linked = {t for t, _mode in site.required}
                site.required += [[m.index, "deep"] for m in ring if m is not key and m is not site
                                  and m.index not in linked]  # fmt: skip
            else:
                site.fixed.append([key.index, key_path])
                for u in members:
                    _unjoin(site, u)
        records += [
            {
                "group": themes[c],
                "by": "theme",
                "member": u.id,
                "key": key.id,
                "key_url": site_url(key, key_path),
            }
            for u in sorted(members, key=lambda s: s.id)
        ]
    return records


def check_journey_gaps(truth: Mapping[str, Any]) -> list[str]:
    """What is wrong with the planted gaps of a truth (nothing: an empty list).

    Each gap must have no edge either way between member and key, and the key must
    be linked from content by at least half of the journey's other assessed members,
    and by more of them than link the member.
    """
    edges = {(e["source"], e["target"]): e for e in truth["edges"]}
    sites = truth["sites"]
    problems = []
    for gap in truth.get("journey_gaps", []):
        u, k, group = gap["member"], gap["key"], gap["group"]
        if (u, k) in edges or (k, u) in edges:
            problems.append(f"{u} and {k} are linked")
        others = [
            s for s, d in sites.items() if group in d["themes"] and d["status"] == "ok" and s not in (u, k)
        ]
        linking = [s for s in others if edges.get((s, k), {}).get("content_pages", 0) > 0]
        if 2 * len(linking) < len(others):
            problems.append(
                f"{k} is linked from content by {len(linking)} of the {len(others)} other sites of {group}"
            )
        if len([s for s in others if (s, u) in edges]) >= len(linking):
            problems.append(f"{u} is linked by as many other sites of {group} as {k}")
    return problems


def recommendation_recall(
    recommendations: pd.DataFrame, gaps: Iterable[Mapping[str, Any]], ks: Sequence[int] = (1, 5)
) -> dict[int, float]:
    """Share of planted gaps (member, key) whose key is among the member's first k recommendations.

    >>> recs = pd.DataFrame({"source": ["u", "u"], "rank": [1, 2], "target": ["x", "k"]})
    >>> recommendation_recall(recs, [{"member": "u", "key": "k"}])
    {1: 0.0, 5: 1.0}
    """
    gaps = list(gaps)
    rank = {
        (s, t): int(r) for s, t, r in recommendations[["source", "target", "rank"]].itertuples(index=False)
    }
    out = {}
    for k in ks:
        found = sum(1 for g in gaps if rank.get((g["member"], g["key"]), k + 1) <= k)
        out[k] = found / len(gaps) if gaps else float("nan")
    return out
