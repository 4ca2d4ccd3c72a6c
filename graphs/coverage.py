"""How much of the seed list a crawl could assess, and which findings that puts in doubt.

A crawl where most sites failed (a network outage, a blocked crawler) still
yields a ranking, and it would read as confidently as a good one: a site no
crawled site links to looks like an ``orphan`` although the sites that link to
it were simply not read. When fewer than ``min_share`` (80 %, ``report
--min-coverage``) of the seed sites could be assessed, the report says so
first, in words, marks the findings that depend on unassessed neighbours as
*uncertain* (:data:`UNCERTAIN_CODES`: JSON ``uncertain``, the CSV column
``uncertain``, a badge in HTML), and ``report --fail-on`` exits with its own
code (4) instead of judging. Pure: reads an :class:`~graphs.analysis.Analysis`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphs.i18n import _, format_number

if TYPE_CHECKING:
    from graphs.analysis import Analysis

__all__ = ["DEFAULT_MIN_COVERAGE", "UNCERTAIN_CODES", "Coverage", "coverage", "coverage_notes", "uncertain"]

DEFAULT_MIN_COVERAGE = 0.8
# Findings that say "nobody links to it (in some way)": they depend on the sites that were not read.
UNCERTAIN_CODES = ("orphan", "no_group_inbound", "homepage_only", "template_only")


@dataclass(frozen=True)
class Coverage:
    """Seed sites, those assessed, and the share below which findings are not reliable.

    >>> Coverage(sites=744, assessed=97).reliable, round(Coverage(744, 97).share, 3)
    (False, 0.13)
    >>> Coverage(sites=0, assessed=0).reliable
    True
    """

    sites: int
    assessed: int
    min_share: float = DEFAULT_MIN_COVERAGE

    @property
    def share(self) -> float:
        return self.assessed / self.sites if self.sites else math.nan

    @property
    def reliable(self) -> bool:
        return not self.sites or self.share >= self.min_share

    def line(self) -> str:
        """One line for a log or cron mail (English, like every diagnostic on stderr).

        >>> Coverage(744, 97).line()
        'only 97 of 744 sites could be assessed (13%, under --min-coverage 80%)'
        """
        return (
            f"only {self.assessed} of {self.sites} sites could be assessed "
            f"({self.share:.0%}, under --min-coverage {self.min_share:.0%})"
        )

    def as_dict(self) -> dict[str, Any]:
        share = self.share
        return {
            "sites": self.sites,
            "assessed": self.assessed,
            "share": None if math.isnan(share) else round(share, 4),
            "min_share": self.min_share,
            "reliable": self.reliable,
        }


def coverage(a: Analysis) -> Coverage:
    """The coverage of an analysis (its ``min_coverage`` as the threshold)."""
    return Coverage(len(a.sites), int(a.assessed.sum()), a.min_coverage)


def uncertain(a: Analysis) -> set[tuple[str, str]]:
    """(site, code) of the findings that are uncertain: none when the coverage is enough."""
    if coverage(a).reliable or not len(a.findings):
        return set()
    rows = a.findings[a.findings["code"].isin(UNCERTAIN_CODES)]
    return set(zip(rows["site"], rows["code"], strict=True))


def coverage_notes(a: Analysis) -> list[str]:
    """What a reader must be told first about the coverage: nothing, or why not to trust the findings."""
    c = coverage(a)
    if c.reliable:
        return []
    return [
        _(
            "Only {assessed} of {sites} sites could be assessed ({share}, under the {minimum} asked by "
            "--min-coverage): the findings below are not reliable."
        ).format(
            assessed=format_number(c.assessed),
            sites=format_number(c.sites),
            share=format_number(c.share, ".0%"),
            minimum=format_number(c.min_share, ".0%"),
        ),
        _(
            "Findings that depend on the sites not assessed ({codes}) are marked uncertain: a site that "
            "could not be read may link to them."
        ).format(codes=", ".join(UNCERTAIN_CODES)),
    ]
