"""The analyst's knobs: thresholds of the reason-code rules and weights of the score.

One small object shared by :mod:`graphs.findings` (the thresholds) and
:mod:`graphs.score` (weights and penalties), built by ``govlinks report`` from
its options and written into the JSON report (``config``), so that a report
says with which settings its sites were flagged and scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FindingsConfig"]


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
