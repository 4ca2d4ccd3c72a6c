"""Journeys: is each life event and each theme connected, from the hub and within itself?

A *journey* is one life event (*Je déménage*) or one theme of the seed list, seen as
the path of a user who starts on the hub (``service-public.fr``) and needs every
member site of that group. For each group with at least two assessed members:

- **clicks from the hub**, per member: the fewest links followed from a hub site
  to reach it, through *content* links only (an edge u → v counts when at least
  one page of u links v from its content, ``content_pages > 0``: what a page
  offers its reader, not its header, menu or footer) and through any link.
  Intermediate sites may be any seed site. Members further than ``max_hops``
  clicks through content links, or not reachable at all, are ``unreachable``;
- **components**: the groups of members connected by links among themselves
  (in either direction), largest first: a journey in one piece has one;
- **density**: linked ordered pairs of members over ``n × (n − 1)``, and the
  **share of member pairs linked** in either direction, over ``n × (n − 1) / 2``;
- **gaps**: the pairs of members with no link either way, each with the direction
  (u → v) that has the stronger evidence and that evidence
  (:class:`graphs.recommend.LinkEvidence`), best evidenced first.

Only assessed members count in the figures (the links of the others are unknown);
``not_assessed`` names the others. Pure functions over the site graph, no I/O.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from crawler.errors import GovlinksError
from graphs.config import JourneyConfig
from graphs.groups import group_members
from graphs.metrics import hub_hops
from graphs.recommend import FIGURES, LinkEvidence, evidence_text
from graphs.status import is_assessed

__all__ = ["JOURNEY_COLUMNS", "Journey", "content_graph", "find_journey", "journeys"]

# Groupings in the order journeys are listed: life events first, the journeys users name.
ORDER = ("life-event", "theme")

# Columns of journeys.csv, one row per journey.
JOURNEY_COLUMNS = (
    "by", "group", "label", "members", "assessed", "not_assessed", "reachable", "unreachable",
    "components", "largest_component", "density", "linked_pairs", "pairs", "linked_share",
    "gap_count", "gaps",
)  # fmt: skip


@dataclass(frozen=True)
class Journey:
    """The figures of one journey (see the module docstring).

    ``members``: one dict per member (assessed or not): ``site``, ``assessed``,
    ``content_hops`` and ``any_hops`` (None when no hub leads there). ``gaps``:
    the first ``max_gaps`` gaps, each ``source``, ``target``, ``score``,
    ``evidence`` (text) and ``details`` (figures); ``gap_count`` counts them all.
    """

    group: str
    by: str
    label: str
    members: list[dict[str, Any]]
    not_assessed: list[str]
    unreachable: list[str]
    components: list[list[str]]
    density: float
    linked_pairs: int
    pairs: int
    gap_count: int
    gaps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def linked_share(self) -> float:
        """Share of the pairs of assessed members linked in either direction."""
        return self.linked_pairs / self.pairs if self.pairs else math.nan

    @property
    def assessed(self) -> list[str]:
        return [m["site"] for m in self.members if m["assessed"]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``journeys`` of the report)."""
        return {
            "group": self.group,
            "by": self.by,
            "label": self.label,
            "members": [dict(m) for m in self.members],
            "not_assessed": list(self.not_assessed),
            "unreachable": list(self.unreachable),
            "components": [list(c) for c in self.components],
            "density": self.density,
            "linked_pairs": self.linked_pairs,
            "pairs": self.pairs,
            "linked_share": self.linked_share,
            "gap_count": self.gap_count,
            "gaps": [dict(g) for g in self.gaps],
        }

    def row(self) -> dict[str, Any]:
        """The CSV form (``journeys.csv``): one row, lists ``|``-joined."""
        n = len(self.assessed)
        return {
            "by": self.by,
            "group": self.group,
            "label": self.label,
            "members": len(self.members),
            "assessed": n,
            "not_assessed": len(self.not_assessed),
            "reachable": n - len(self.unreachable),
            "unreachable": "|".join(self.unreachable),
            "components": len(self.components),
            "largest_component": len(self.components[0]) if self.components else 0,
            "density": self.density,
            "linked_pairs": self.linked_pairs,
            "pairs": self.pairs,
            "linked_share": self.linked_share,
            "gap_count": self.gap_count,
            "gaps": "|".join(f"{g['source']} -> {g['target']}" for g in self.gaps),
        }


def content_graph(G: nx.DiGraph) -> nx.DiGraph:
    """The sites of ``G`` and its edges with at least one content link (``content_pages > 0``).

    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", content_pages=2); G.add_edge("b", "c", content_pages=0)
    >>> H = content_graph(G)
    >>> sorted(H), list(H.edges())
    (['a', 'b', 'c'], [('a', 'b')])
    """
    H = nx.DiGraph()
    H.add_nodes_from(G)
    H.add_edges_from((u, v) for u, v, d in G.edges(data=True) if d.get("content_pages", 0) > 0)
    return H


def _hops(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


def _gaps(
    members: Sequence[str], evidence: LinkEvidence, labels: Mapping[str, str], limit: int
) -> tuple[int, int, list[dict[str, Any]]]:
    """(linked pairs, gap count, the first ``limit`` gaps, best evidenced first)."""
    idx = np.array([evidence.index[m] for m in members], dtype=np.int64)
    A = evidence.A[np.ix_(idx, idx)] > 0
    linked = A | A.T
    upper = np.triu(np.ones_like(linked, dtype=bool), k=1)
    n_linked = int((linked & upper).sum())
    i, j = np.nonzero(~linked & upper)
    if not len(i):
        return n_linked, 0, []
    scores = np.array([evidence.scores(m) for m in members])[:, idx]
    forward, backward = scores[i, j], scores[j, i]
    src = np.where(backward > forward, j, i).tolist()
    tgt = np.where(backward > forward, i, j).tolist()
    best = np.maximum(forward, backward).tolist()
    order = sorted(range(len(best)), key=lambda k: (-best[k], members[src[k]], members[tgt[k]]))
    shown = order if limit <= 0 else order[:limit]
    gaps = []
    for k in shown:
        u, v = members[src[k]], members[tgt[k]]
        figures = evidence.explain(u, v)
        details = {name: figures[name] for name in FIGURES if name in figures}
        gaps.append(
            {
                "source": u,
                "target": v,
                "score": figures["score"],
                "evidence": evidence_text(u, v, figures, labels),
                "details": details,
            }
        )
    return n_linked, len(order), gaps


def journeys(
    G: nx.DiGraph,
    *,
    hubs: Iterable[str] = (),
    config: JourneyConfig | None = None,
    evidence: LinkEvidence | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[Journey]:
    """One :class:`Journey` per life event, then per theme, with >= 2 assessed members.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("hub")
    >>> for n in ("a", "b", "c"):
    ...     G.add_node(n, life_events=("E",))
    >>> G.add_edge("hub", "a", content_pages=1); G.add_edge("a", "b", content_pages=0)
    >>> (j,) = journeys(G, hubs=["hub"], labels={"E": "Je déménage"})
    >>> j.label, [(m["site"], m["content_hops"], m["any_hops"]) for m in j.members]
    ('Je déménage', [('a', 1, 1), ('b', None, 2), ('c', None, None)])
    >>> j.unreachable, j.components, j.linked_pairs, j.pairs, j.gap_count
    (['b', 'c'], [['a', 'b'], ['c']], 1, 3, 2)
    """
    config = config or JourneyConfig()
    labels = labels or {}
    hubs = list(hubs)
    evidence = evidence or LinkEvidence(G, config)
    content_hops = hub_hops(content_graph(G), hubs)
    any_hops = hub_hops(G, hubs)
    out = []
    for by in ORDER:
        for group, sites in group_members(G, by).items():
            assessed = [s for s in sites if is_assessed(G.nodes[s].get("status", "ok"))]
            if len(assessed) < 2:
                continue
            members: list[dict[str, Any]] = [
                {
                    "site": s,
                    "assessed": s in assessed,
                    "content_hops": _hops(content_hops[s]),
                    "any_hops": _hops(any_hops[s]),
                }
                for s in sites
            ]
            unreachable = [
                m["site"]
                for m in members
                if m["assessed"] and (m["content_hops"] is None or m["content_hops"] > config.max_hops)
            ]
            sub = G.subgraph(assessed)
            components = sorted((sorted(c) for c in nx.weakly_connected_components(sub)),
                                key=lambda c: (-len(c), c[0]))  # fmt: skip
            n = len(assessed)
            linked, count, gaps = _gaps(assessed, evidence, labels, config.max_gaps)
            out.append(
                Journey(
                    group=group,
                    by=by,
                    label=labels.get(group) or group,
                    members=members,
                    not_assessed=[s for s in sites if s not in assessed],
                    unreachable=unreachable,
                    components=components,
                    density=sub.number_of_edges() / (n * (n - 1)),
                    linked_pairs=linked,
                    pairs=n * (n - 1) // 2,
                    gap_count=count,
                    gaps=gaps,
                )
            )
    return out


def _folded(text: str) -> str:
    """Case, accents and apostrophes folded, so that "j'attends" finds "J’attends"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).casefold()
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def find_journey(found: Sequence[Journey], query: str) -> Journey:
    """The journey whose id or label is ``query`` (case and accents ignored), else the
    only one whose label contains it; a :class:`GovlinksError` naming the choices otherwise.

    >>> js = [Journey("F14128", "life-event", "Je déménage", [], [], [], [], 0.0, 0, 1, 0),
    ...       Journey("N19803", "theme", "Argent - Impôts", [], [], [], [], 0.0, 0, 1, 0)]
    >>> find_journey(js, "f14128").label, find_journey(js, "je demenage").group
    ('Je déménage', 'F14128')
    >>> find_journey(js, "impôts").group
    'N19803'
    """
    want = _folded(query)
    for exact in (lambda j: _folded(j.group) == want, lambda j: _folded(j.label) == want):
        hits = [j for j in found if exact(j)]
        if len(hits) == 1:
            return hits[0]
    hits = [j for j in found if want and want in _folded(j.label)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        names = ", ".join(f"{j.group} ({j.label})" for j in hits[:10])
        raise GovlinksError(f"--group {query!r} matches several journeys: {names}; give an id")
    known = ", ".join(j.group for j in found[:20]) + (" …" if len(found) > 20 else "")
    raise GovlinksError(
        f"--group {query!r}: no theme or life event with at least 2 assessed sites has this id "
        f"or label (known: {known or 'none'})"
    )
