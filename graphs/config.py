"""The analyst's knobs: thresholds of the reason-code rules and weights of the score.

One small object shared by :mod:`graphs.findings` (the thresholds) and
:mod:`graphs.score` (weights and penalties), built by ``govlinks report`` from
its options and written into the JSON report (``config``), so that a report
says with which settings its sites were flagged and scored. Journeys and link
recommendations (:mod:`graphs.journeys`, :mod:`graphs.recommend`) have their own
knobs, :class:`JourneyConfig`, written under ``config.journeys``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FindingsConfig", "JourneyConfig"]


@dataclass
class FindingsConfig:
    """Thresholds of the rules and weights of the integration score.

    ``broken_share``: share of broken distinct URLs (inside other seed sites)
    from which ``broken_outlinks`` is raised. ``retired_min``: number of
    distinct retired outside URLs from which ``links_to_retired`` is raised.
    ``relevance_threshold``: similarity from which a content link is relevant to
    its target (:mod:`graphs.relevance`; validated on the demo's planted
    off-topic links); ``off_topic_share`` and ``off_topic_min``: a site is
    ``off_topic_links`` when more than that share of at least that many scored
    content links to other seed sites are not relevant.
    ``weights``: weight of each score component; ``penalties``: points taken
    off the score per reason code (see :func:`graphs.score.integration_score`).
    """

    broken_share: float = 0.10
    retired_min: int = 1
    relevance_threshold: float = 0.10
    off_topic_share: float = 0.5
    off_topic_min: int = 5
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "in_reach": 0.25,
            "out_reach": 0.25,
            "peer_in": 0.15,
            "peer_out": 0.15,
            "deep": 0.10,
            "content": 0.10,
        }
    )
    penalties: dict[str, float] = field(
        default_factory=lambda: {"broken_outlinks": 10.0, "links_to_retired": 5.0}
    )

    def as_dict(self) -> dict[str, Any]:
        return {
            "broken_share": self.broken_share,
            "retired_min": self.retired_min,
            "relevance_threshold": self.relevance_threshold,
            "off_topic_share": self.off_topic_share,
            "off_topic_min": self.off_topic_min,
            "weights": dict(self.weights),
            "penalties": dict(self.penalties),
        }


@dataclass
class JourneyConfig:
    """Weights of the recommendation score and limits of journeys and recommendations.

    A recommendation *u should link to v* scores (see :mod:`graphs.recommend`)::

        score = (w_peers·k/(n + prior) + w_cocitation·c/(i + prior) + w_journey·j + w_links_back·b) / Σw

    ``weights``: ``peers`` (share of u's peers in its best group linking to v),
    ``cocitation`` (share of the sites linking to u that link to v too),
    ``journey`` (1 when v shares a theme or life event with u) and ``links_back``
    (1 when v links to u). ``prior``: imaginary peers (and linking sites) that do
    not link to v, so that "1 of 1" weighs less than "9 of 11". ``min_score``:
    weaker candidates are not recommended (0.25: more than sharing a journey).
    ``top``: recommendations kept per site. ``max_hops``: clicks from the hub
    within which a journey member counts as reachable. ``max_gaps``: gaps listed
    per journey, best evidenced first (0: all; ``gap_count`` counts them all).
    """

    weights: dict[str, float] = field(
        default_factory=lambda: {"peers": 0.5, "cocitation": 0.2, "journey": 0.2, "links_back": 0.1}
    )
    prior: float = 1.0
    min_score: float = 0.25
    top: int = 5
    max_hops: int = 3
    max_gaps: int = 20

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "prior": self.prior,
            "min_score": self.min_score,
            "top": self.top,
            "max_hops": self.max_hops,
            "max_gaps": self.max_gaps,
        }
