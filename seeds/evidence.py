"""Which sites each life event and theme sends people to, by service-public.fr's own links.

Service-public.fr is the State's map of every journey: a "Comment faire si…" life
event refers to fiches, and those fiches link to the sites a person must use. The
seed list claims the membership of each life event and theme; this module checks
that claim against the shipped evidence, without the raw export:

- ``evidence.csv``: for each life event and theme, each public-sector host that its
  fiches link to ("go there" links, not legal references), with the ids of the
  linking fiches (compiled by ``build_sites.py`` from the DILA export);
- ``renamed_hosts.csv``: operators that changed name (pole-emploi.fr →
  francetravail.fr…), so that a 2020 link counts for the site of today;
- ``exclusions.csv``: what is public sector but not a State site of a journey (the
  portal itself, Légifrance, Parliament, EU sites, local authorities, closed sites…).

Everything here is pure over those tables and a seed list: the build, the tests and
``govlinks seeds check`` call the same functions. Hosts are compared as the crawler
folds them (lower case, no ``www.``); a *domain* is a registered domain (tldextract's
bundled Public Suffix List snapshot: ``gouv.fr`` is a suffix, so ``impots.gouv.fr`` is
its own domain).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import tldextract

from crawler.seeds import Seed
from crawler.urls import site_host

__all__ = [
    "EVIDENCE_CSV",
    "EXCLUSIONS_CSV",
    "KINDS",
    "MIN_FICHES",
    "MIN_SITES",
    "RENAMED_CSV",
    "DomainEvidence",
    "EvidenceRow",
    "GroupCoverage",
    "Renames",
    "coverage",
    "excluded_by",
    "group_evidence",
    "load_evidence",
    "load_exclusions",
    "load_renames",
    "registered_domain",
    "renamed_operator_hosts",
    "small_groups",
]

HERE = Path(__file__).resolve().parent
EVIDENCE_CSV = HERE / "evidence.csv"
RENAMED_CSV = HERE / "renamed_hosts.csv"
EXCLUSIONS_CSV = HERE / "exclusions.csv"

KINDS = ("life_event", "theme")  # the two kinds of groups, as the seed columns name them
MIN_FICHES = 2  # a domain belongs to a journey when at least 2 of its fiches link to it
MIN_SITES = 5  # fewer sites than this and a journey is too thin to analyse

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # bundled snapshot, offline


@lru_cache(maxsize=8192)
def registered_domain(host: str) -> str:
    """The registered domain of a host (the host itself when it has none).

    >>> registered_domain("candidat.francetravail.fr"), registered_domain("aide.impots.gouv.fr")
    ('francetravail.fr', 'impots.gouv.fr')
    """
    name = host.split(":", 1)[0].lower()
    return _EXTRACT(name).top_domain_under_public_suffix or name


def _fold(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}:1: missing columns {', '.join(missing)}")
    return list(reader)


# -- renamed operators


@dataclass(frozen=True)
class Renames:
    """Former hosts of operators and their current host.

    ``hosts`` renames a host only (``solidarites-sante.gouv.fr`` → ``sante.gouv.fr``,
    while ``drees.solidarites-sante.gouv.fr`` lives on); ``domains`` renames a host and
    every host under it (all of ``pole-emploi.fr`` is now ``francetravail.fr``).

    >>> r = Renames(hosts={"csa.fr": "arcom.fr"}, domains={"pole-emploi.fr": "francetravail.fr"})
    >>> r.current("www.csa.fr"), r.current("candidat.pole-emploi.fr"), r.current("impots.gouv.fr")
    ('arcom.fr', 'francetravail.fr', 'impots.gouv.fr')
    >>> r.former("candidat.pole-emploi.fr"), r.former("francetravail.fr")
    ('pole-emploi.fr', None)
    """

    hosts: dict[str, str] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)

    def former(self, host: str) -> str | None:
        """The renamed name ``host`` falls under (itself or a parent), or None."""
        host = _fold(host)
        if host in self.hosts:
            return host
        labels = host.split(".")
        for i in range(len(labels) - 1):
            if ".".join(labels[i:]) in self.domains:
                return ".".join(labels[i:])
        return None

    def current(self, host: str) -> str:
        """Today's host for a host linked in the past (the host itself when not renamed)."""
        host = _fold(host)
        old = self.former(host)
        if old is None:
            return host
        return self.hosts.get(old) or self.domains[old]


def load_renames(path: str | Path = RENAMED_CSV) -> Renames:
    """Read ``renamed_hosts.csv`` (old, new, subdomains = yes | no, since, source)."""
    renames = Renames()
    for row in _rows(Path(path), ("old", "new", "subdomains")):
        table = renames.domains if row["subdomains"].strip() == "yes" else renames.hosts
        table[_fold(row["old"])] = _fold(row["new"])
    return renames


# -- exclusions


def load_exclusions(path: str | Path = EXCLUSIONS_CSV) -> dict[str, str]:
    """Read ``exclusions.csv``: domain or host -> category."""
    return {
        _fold(row["domain"]): row["category"].strip() for row in _rows(Path(path), ("domain", "category"))
    }


def excluded_by(host: str, exclusions: Mapping[str, str]) -> str | None:
    """The exclusion entry that covers ``host`` (the host, a parent, its domain), or None.

    >>> excluded_by("formulaires.service-public.fr", {"service-public.fr": "portal"})
    'service-public.fr'
    >>> excluded_by("legifrance.gouv.fr", {"gouv.fr": "x"}) is None  # a suffix never matches
    True
    """
    host = _fold(host)
    domain = registered_domain(host)
    labels = host.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in exclusions:
            return candidate
        if candidate == domain:
            break
    return None


# -- evidence


@dataclass(frozen=True)
class EvidenceRow:
    """One line of ``evidence.csv``: the fiches of a group that link to a host."""

    kind: str  # "life_event" or "theme"
    group: str  # service-public id (F14128, N19803)
    host: str  # as linked in the export, www. folded
    fiches: frozenset[str]


def load_evidence(path: str | Path = EVIDENCE_CSV) -> list[EvidenceRow]:
    """Read ``evidence.csv`` (kind, group, host, fiches = ids joined by ``|``)."""
    return [
        EvidenceRow(r["kind"], r["group"], _fold(r["host"]), frozenset(filter(None, r["fiches"].split("|"))))
        for r in _rows(Path(path), ("kind", "group", "host", "fiches"))
    ]


@dataclass(frozen=True)
class DomainEvidence:
    """The fiches of one group that link to one registered domain, under today's names."""

    domain: str
    fiches: frozenset[str]
    hosts: dict[str, frozenset[str]]  # current host -> fiches linking to it


Group = tuple[str, str]  # (kind, id)


def group_evidence(
    rows: Iterable[EvidenceRow],
    renames: Renames,
    exclusions: Mapping[str, str],
    minimum: int = MIN_FICHES,
) -> dict[Group, dict[str, DomainEvidence]]:
    """Per group, the domains that at least ``minimum`` of its fiches link to.

    Hosts are renamed to their current name first, then excluded; a domain's
    fiches are the union over its hosts (a fiche linking two hosts counts once).

    >>> rows = [EvidenceRow("life_event", "F601", "candidat.pole-emploi.fr", frozenset({"F1", "F2"})),
    ...         EvidenceRow("life_event", "F601", "service-public.fr", frozenset({"F1", "F2", "F3"})),
    ...         EvidenceRow("life_event", "F601", "caf.fr", frozenset({"F1"}))]
    >>> found = group_evidence(rows, Renames(domains={"pole-emploi.fr": "francetravail.fr"}),
    ...                        {"service-public.fr": "portal"})
    >>> {d: sorted(e.fiches) for d, e in found["life_event", "F601"].items()}
    {'francetravail.fr': ['F1', 'F2']}
    """
    hosts: dict[Group, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        host = renames.current(row.host)
        if excluded_by(host, exclusions) is None:
            hosts[row.kind, row.group][host] |= row.fiches
    found: dict[Group, dict[str, DomainEvidence]] = {}
    for group, linked in hosts.items():
        by_domain: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
        for host, fiches in linked.items():
            by_domain[registered_domain(host)][host] = frozenset(fiches)
        kept = {
            domain: DomainEvidence(domain, frozenset().union(*per_host.values()), per_host)
            for domain, per_host in sorted(by_domain.items())
        }
        found[group] = {d: e for d, e in kept.items() if len(e.fiches) >= minimum}
    return found


def _groups_of(seed: Seed, kind: str) -> tuple[str, ...]:
    return seed.life_events if kind == "life_event" else seed.themes


@dataclass(frozen=True)
class GroupCoverage:
    """How much of a group's evidence the seed list covers."""

    kind: str
    group: str
    sites: int  # seeds carrying the group
    domains: tuple[str, ...]  # domains the evidence names
    missing: tuple[str, ...]  # of those, domains no seed of the group covers

    @property
    def covered(self) -> int:
        return len(self.domains) - len(self.missing)

    @property
    def share(self) -> float:
        """Covered share of the evidence (1.0 when the evidence names nothing)."""
        return self.covered / len(self.domains) if self.domains else 1.0


def coverage(
    seeds: Iterable[Seed],
    evidence: Mapping[Group, Mapping[str, DomainEvidence]],
    kind: str,
    groups: Iterable[str],
) -> list[GroupCoverage]:
    """For each group, the evidence domains covered by a seed that carries the group.

    A seed covers a domain when its host is the domain or under it (same host or
    registered domain).
    """
    seeds = list(seeds)
    result = []
    for group in groups:
        members = [s for s in seeds if group in _groups_of(s, kind)]
        held = {registered_domain(site_host(s.site)) for s in members}
        domains = tuple(evidence.get((kind, group), {}))
        result.append(
            GroupCoverage(kind, group, len(members), domains, tuple(d for d in domains if d not in held))
        )
    return result


# -- warnings of ``govlinks seeds check``


class _Vocabulary(Protocol):
    @property
    def themes(self) -> Mapping[str, str]: ...

    @property
    def life_events(self) -> Mapping[str, str]: ...


def small_groups(
    seeds: Iterable[Seed], vocabulary: _Vocabulary, minimum: int = MIN_SITES
) -> list[tuple[int, str]]:
    """``(0, message)`` for each theme or life event carried by fewer than ``minimum`` sites.

    Journeys, gaps and link recommendations need several sites per group. Two cases
    say nothing and are skipped: a list shorter than ``minimum`` (every group would
    be small), and a kind no site of the list carries (a list of bare URLs makes no
    claim about themes). The message names the lines of the group's sites.
    """
    seeds = list(seeds)
    if len(seeds) < minimum:
        return []
    found = []
    for kind, title, labels in (
        ("theme", "theme", vocabulary.themes),
        ("life_event", "life event", vocabulary.life_events),
    ):
        if not any(_groups_of(s, kind) for s in seeds):
            continue
        for ident, label in labels.items():
            lines = [s.line for s in seeds if ident in _groups_of(s, kind)]
            if len(lines) < minimum:
                where = f" (line{'s' * (len(lines) > 1)} {', '.join(map(str, lines))})" if lines else ""
                count = f"{len(lines)} site{'s' * (len(lines) != 1)}"
                found.append((0, f"{title} {ident} ({label}) has {count}{where}, fewer than {minimum}"))
    return found


def renamed_operator_hosts(seeds: Iterable[Seed], renamed: Renames) -> list[tuple[int, str]]:
    """``(line, message)`` for each seed whose host is a former name of an operator.

    A seed on a former host crawls a redirect (or nothing) and its links count for
    a site that no longer exists.
    """
    found = []
    for seed in seeds:
        host = site_host(seed.site)
        if renamed.former(host) is not None:
            now = renamed.current(host)
            found.append((seed.line, f"site {seed.site!r} is a former name: the operator is now {now!r}"))
    return found
