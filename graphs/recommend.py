"""Links each site should add: the sites its peers link to and it does not, with the evidence.

A recommendation reads *site u should link to site v*, and carries the figures an
analyst can check in the site graph:

- **peers**: of the ``n`` other assessed sites of u's theme or life event ``g``,
  ``k`` link to v (``g`` is the group of u where that share is highest: the
  journey where v matters most);
- **co-citation**: of the ``i`` assessed sites linking to u, ``c`` also link to v
  (sites that send their readers to u send them to v too);
- **same journey**: v shares a theme or life event with u (``j`` = 1): the link
  would join two sites of one journey, where links are expected;
- **links back**: v already links to u (``b`` = 1), so the link would go both ways;
- **the page to link**: the page of v most linked from the *content* of those
  ``k`` peers (most peers, then most pages), never a page the crawl found broken;
  v's homepage when no peer links it from content.

::

    score = (w_peers·k/(n + prior) + w_cocitation·c/(i + prior) + w_journey·j + w_links_back·b) / Σw

with the weights, ``prior``, ``min_score`` and ``top`` of
:class:`graphs.config.JourneyConfig` (0.5, 0.2, 0.2, 0.1; 1; 0.25; 5). The prior
counts imaginary sites that do not link, so that "1 of 1" weighs less than "9 of
11"; ``min_score`` asks for more than sharing a journey (0.2) or a link back (0.1).
A site is never recommended a link it already has (from any part of its pages),
a target that could not be assessed, or itself; only assessed sites get
recommendations, and only assessed sites count as peers and linking sites
(the links of the others are unknown).

Pure functions over the site graph (:func:`graphs.build.site_graph`); the page
counts come from ``store.reads.link_targets``, encoded by
:class:`graphs.link_targets.LinkTargets`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from graphs.choices import GROUPINGS
from graphs.config import JourneyConfig
from graphs.i18n import _, ngettext
from graphs.link_targets import LinkTargets
from graphs.status import is_assessed

__all__ = [
    "RECOMMENDATION_COLUMNS",
    "LinkEvidence",
    "evidence_text",
    "recommend",
]

# Columns of recommend(): the recommendation, then the evidence figures, then the text.
RECOMMENDATION_COLUMNS = (
    "source", "rank", "target", "score", "target_url", "group", "peers", "peers_linking",
    "peer_share", "linkers", "cocited", "cocitation", "shared_group", "links_back", "url_peers",
    "url_pages", "evidence",
)  # fmt: skip
# The figures of LinkEvidence.explain(), in that order (details of JSON, columns of CSV).
FIGURES = (
    "group", "peers", "peers_linking", "peer_share", "linkers", "cocited", "cocitation",
    "shared_group", "links_back", "url_peers", "url_pages",
)  # fmt: skip


class LinkEvidence:
    """The evidence for every possible link u → v of a site graph, computed once.

    ``score(u, v)`` is the recommendation score of the module docstring, for any
    pair (also pairs already linked); ``explain(u, v)`` gives its figures. Built
    from adjacency and membership matrices, so that a 650-site graph is scored
    pair by pair in well under a second.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> for n in "abcd":
    ...     G.add_node(n, themes=("T",))
    >>> G.add_edges_from([("b", "d"), ("c", "d"), ("d", "a")])
    >>> ev = LinkEvidence(G)
    >>> f = ev.explain("a", "d")
    >>> f["group"], f["peers"], f["peers_linking"], f["links_back"], round(ev.score("a", "d"), 3)
    ('T', 2, 2, 1, 0.633)
    """

    def __init__(self, G: nx.DiGraph, config: JourneyConfig | None = None) -> None:
        self.config = config or JourneyConfig()
        self.sites: tuple[str, ...] = tuple(sorted(G))
        self.index = {s: i for i, s in enumerate(self.sites)}
        n = len(self.sites)
        self.assessed = np.array(
            [is_assessed(G.nodes[s].get("status", "ok")) for s in self.sites], dtype=bool
        )
        A = np.zeros((n, n), dtype=np.float64)  # A[w, v] = 1: assessed w links to v
        for u, v in G.edges():
            iu, iv = self.index[u], self.index[v]
            if self.assessed[iu] and iu != iv:
                A[iu, iv] = 1.0
        self.A = A
        groups = sorted(
            {g for s in self.sites for attr in GROUPINGS.values() for g in G.nodes[s].get(attr) or ()}
        )
        self.groups: tuple[str, ...] = tuple(groups)
        gindex = {g: j for j, g in enumerate(groups)}
        M = np.zeros((len(groups), n), dtype=np.float64)  # M[g, s] = 1: assessed s is a member of g
        member = np.zeros((len(groups), n), dtype=np.float64)  # assessed or not
        self.site_groups: list[np.ndarray] = []
        for i, s in enumerate(self.sites):
            mine = sorted({gindex[g] for attr in GROUPINGS.values() for g in G.nodes[s].get(attr) or ()})
            self.site_groups.append(np.array(mine, dtype=np.int64))
            member[mine, i] = 1.0
            if self.assessed[i]:
                M[mine, i] = 1.0
        self.M = M
        self.P = (member.T @ member > 0).astype(np.float64)  # P[u, v] = 1: u and v share a group
        self.C = M @ A  # C[g, v]: assessed members of g linking to v
        self.N = M.sum(axis=1)  # assessed members of g
        self.B = A.T @ A  # B[u, v]: assessed sites linking to both u and v
        self.indeg = A.sum(axis=0)  # assessed sites linking to each site
        self._scores = np.zeros((n, n), dtype=np.float64)
        for u in np.flatnonzero(self.assessed):
            self._scores[u] = self._score_row(int(u))

    # -- the figures -------------------------------------------------------------------

    def _peer_rows(self, u: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For each site v: u's best group for v, its other members n, those linking k, k/(n+prior)."""
        n_sites = len(self.sites)
        gs = self.site_groups[u]
        if not len(gs):
            zeros = np.zeros(n_sites)
            return np.full(n_sites, -1), zeros, zeros, zeros
        others = self.N[gs, None] - self.M[gs, u][:, None] - self.M[gs, :]  # members but u and v
        linking = self.C[gs] - self.A[u][None, :] * self.M[gs, u][:, None]  # u's own link not counted
        shares = linking / np.maximum(others + self.config.prior, 1e-9)  # v = u: no member left
        # best: the highest share; ties to more linking peers, then more peers, then the group id
        tied = shares == shares.max(axis=0)
        for key in (linking, others):
            ranked = np.where(tied, key, -1.0)
            tied = ranked == ranked.max(axis=0)
        best = np.argmax(tied, axis=0)
        cols = np.arange(n_sites)
        return gs[best], others[best, cols], linking[best, cols], shares[best, cols]

    def _score_row(self, u: int) -> np.ndarray:
        w = self.config.weights
        _, _, _, peer_share = self._peer_rows(u)
        linkers = self.indeg[u] - self.A[:, u]  # sites linking to u, v itself not counted
        cocitation = self.B[u] / np.maximum(linkers + self.config.prior, 1e-9)
        parts = {
            "peers": peer_share,
            "cocitation": cocitation,
            "journey": self.P[u],
            "links_back": self.A[:, u],
        }
        total = sum(w.get(name, 0.0) for name in parts)
        score = sum(w.get(name, 0.0) * value for name, value in parts.items())
        # rounded: equal evidence gives equal scores, ranked by site id rather than float noise
        return np.round(np.asarray(score / total if total else score, dtype=np.float64), 6)

    def score(self, u: str, v: str) -> float:
        """The recommendation score of u → v (0 for a source that was not assessed)."""
        return float(self._scores[self.index[u], self.index[v]])

    def scores(self, u: str) -> np.ndarray:
        """Scores of u → every site, in the order of ``sites``."""
        return self._scores[self.index[u]]

    def linked(self, u: str, v: str) -> bool:
        """Whether assessed site u links to v."""
        return bool(self.A[self.index[u], self.index[v]])

    def peers_linking(self, u: str, v: str, group: str) -> list[int]:
        """Positions of the assessed members of ``group`` (but u and v) that link to v."""
        g = self.groups.index(group)
        iu, iv = self.index[u], self.index[v]
        rows = np.flatnonzero(self.M[g] * self.A[:, iv])
        return [int(w) for w in rows if w not in (iu, iv)]

    def explain(self, u: str, v: str) -> dict[str, Any]:
        """The figures behind the score of u → v (``FIGURES`` but the page, and ``score``)."""
        return self.explain_all(u, [v])[0]

    def explain_all(self, u: str, targets: Sequence[str]) -> list[dict[str, Any]]:
        """:meth:`explain` for several targets of one source (its peer figures computed once)."""
        iu = self.index[u]
        rows = self._peer_rows(iu)
        return [self._explain(iu, self.index[v], rows) for v in targets]

    def _explain(self, iu: int, iv: int, rows: tuple[np.ndarray, ...]) -> dict[str, Any]:
        best, others, linking, shares = rows
        linkers = int(self.indeg[iu] - self.A[iv, iu])
        cocited = int(self.B[iu, iv])
        shared = np.intersect1d(self.site_groups[iu], self.site_groups[iv])
        return {
            "group": self.groups[int(best[iv])] if best[iv] >= 0 else "",
            "peers": int(others[iv]),
            "peers_linking": int(linking[iv]),
            "peer_share": round(float(shares[iv]), 6),
            "linkers": linkers,
            "cocited": cocited,
            "cocitation": round(cocited / max(linkers + self.config.prior, 1e-9), 6),
            "shared_group": self.groups[int(shared[0])] if len(shared) else "",
            "links_back": int(self.A[iv, iu]),
            "score": float(self._scores[iu, iv]),
        }

    def candidates(self, u: str) -> list[str]:
        """Targets u could be recommended, best first: assessed, not u, not linked yet,
        scoring at least ``min_score`` (and above 0); ties by site id."""
        iu = self.index[u]
        if not self.assessed[iu]:
            return []
        row = self._scores[iu]
        ok = self.assessed & (self.A[iu] == 0) & (row >= self.config.min_score) & (row > 0)
        ok[iu] = False
        picked = np.flatnonzero(ok)
        order = sorted(picked, key=lambda v: (-row[v], self.sites[v]))
        return [self.sites[v] for v in order]


def evidence_text(source: str, target: str, figures: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """The evidence of a recommendation (or a journey gap) in words an analyst can check.

    >>> f = {"group": "F16225", "peers": 11, "peers_linking": 9, "linkers": 4, "cocited": 3,
    ...      "links_back": 0, "url_peers": 7, "target_url": "https://caf.fr/aides"}
    >>> print(evidence_text("x.fr", "caf.fr", f, {"F16225": "J'attends un enfant"}))
    ... # doctest: +NORMALIZE_WHITESPACE
    9 of the 11 other sites of 'J'attends un enfant' link to caf.fr; x.fr does not.
    3 of the 4 sites linking to x.fr also link to caf.fr. 7 of those 9 sites link to https://caf.fr/aides.
    """
    parts = []
    k, n = int(figures.get("peers_linking") or 0), int(figures.get("peers") or 0)
    group = figures.get("group") or ""
    if k and group:
        label = labels.get(group) or group
        if n == 1:
            text = _("The only other site of '{group}' links to {target}; {source} does not.")
        else:
            text = ngettext(
                "{k} of the {n} other sites of '{group}' links to {target}; {source} does not.",
                "{k} of the {n} other sites of '{group}' link to {target}; {source} does not.",
                k,
            )
        parts.append(text.format(k=k, n=n, group=label, target=target, source=source))
    c, i = int(figures.get("cocited") or 0), int(figures.get("linkers") or 0)
    if c:
        if i == 1:
            text = _("The only site linking to {source} also links to {target}.")
        else:
            text = ngettext(
                "{c} of the {i} sites linking to {source} also links to {target}.",
                "{c} of the {i} sites linking to {source} also link to {target}.",
                c,
            )
        parts.append(text.format(c=c, i=i, source=source, target=target))
    shared = figures.get("shared_group") or ""
    if shared:
        label = labels.get(shared) or shared
        parts.append(_("{target} is a site of '{group}' too.").format(target=target, group=label))
    if figures.get("links_back"):
        parts.append(_("{target} already links to {source}.").format(target=target, source=source))
    m, url = int(figures.get("url_peers") or 0), figures.get("target_url")
    if m and url:
        if k == 1:
            text = _("That site links to {url}.")
        else:
            text = ngettext(
                "{m} of those {k} sites links to {url}.", "{m} of those {k} sites link to {url}.", m
            )
        parts.append(text.format(m=m, k=k, url=url))
    return " ".join(parts)


def _page(
    evidence: LinkEvidence, targets: LinkTargets | None, u: str, v: str, group: str, home: str
) -> tuple[str, int, int]:
    """(URL to link, peers linking it, their pages): the best page among the group's peers."""
    if targets is not None and group:
        found = targets.best_page(evidence.index[v], evidence.peers_linking(u, v, group))
        if found is not None:
            return found
    return home, 0, 0


def recommend(
    G: nx.DiGraph,
    *,
    config: JourneyConfig | None = None,
    evidence: LinkEvidence | None = None,
    targets: LinkTargets | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The links each assessed site should add, best first, with their evidence.

    One row per recommendation, columns ``RECOMMENDATION_COLUMNS``, sorted by
    source then rank (1 = best); at most ``config.top`` per source. ``targets``
    (:func:`graphs.link_targets.load_link_targets`) gives the page to link; without it, ``target_url``
    is the target's seed URL.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> for n in ("a", "b", "c", "k"):
    ...     G.add_node(n, themes=("T",), url=f"https://{n}.fr/")
    >>> G.add_edges_from([("b", "k"), ("c", "k"), ("a", "b"), ("a", "c")])
    >>> r = recommend(G)
    >>> r[["source", "rank", "target", "peers", "peers_linking"]].values.tolist()[:3]
    [['a', 1, 'k', 2, 2], ['b', 1, 'c', 2, 1], ['b', 2, 'a', 2, 0]]
    >>> round(float(r.loc[0, "score"]), 3), r.loc[0, "target_url"]
    (0.533, 'https://k.fr/')
    >>> print(r.loc[0, "evidence"])
    2 of the 2 other sites of 'T' link to k; a does not. k is a site of 'T' too.
    """
    config = config or JourneyConfig()
    labels = labels or {}
    evidence = evidence or LinkEvidence(G, config)
    rows = []
    for u in evidence.sites:
        chosen = evidence.candidates(u)[: config.top]
        for rank, (v, figures) in enumerate(
            zip(chosen, evidence.explain_all(u, chosen), strict=True), start=1
        ):
            home = str(G.nodes[v].get("url") or "")
            url, url_peers, url_pages = _page(evidence, targets, u, v, figures["group"], home)
            figures.update(url_peers=url_peers, url_pages=url_pages, target_url=url)
            rows.append(
                {
                    "source": u,
                    "rank": rank,
                    "target": v,
                    **{k: figures[k] for k in FIGURES},
                    "score": figures["score"],
                    "target_url": url,
                    "evidence": evidence_text(u, v, figures, labels),
                }
            )
    frame = pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS))
    for column in ("rank", "peers", "peers_linking", "linkers", "cocited", "links_back", "url_peers",
                   "url_pages"):  # fmt: skip
        frame[column] = frame[column].astype("int64")
    for column in ("score", "peer_share", "cocitation"):
        frame[column] = frame[column].astype(float)
    return frame
