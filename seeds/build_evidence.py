"""The evidence step of build_sites.py: which sites service-public.fr sends each journey to.

Life event → the fiches that refer to it (and its own page) → their "go there" links
(online services, "pour en savoir plus", external links: not the legal references)
→ host → today's host (``renamed_hosts.csv``) → registered domain. A domain belongs
to the life event when at least two of those fiches link to it, it is on the
public-sector lists and ``exclusions.csv`` does not leave it out. Themes go the same
way through the theme of each fiche.

This module does the I/O on the raw export (``../shared/data``) and writes the
aggregate ``evidence.csv`` that the repository ships; the decisions are the pure
functions of :mod:`seeds.evidence`, which the tests and ``govlinks seeds check`` use
on the shipped table. Run only through ``python seeds/build_sites.py``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from crawler.seeds import Seed, load_seeds
from crawler.urls import SiteIndex, normalize_url, site_host
from seeds.evidence import (
    MIN_FICHES,
    DomainEvidence,
    EvidenceRow,
    Group,
    Renames,
    coverage,
    excluded_by,
    registered_domain,
)

__all__ = [
    "coverage_markdown",
    "current_names",
    "domain_site",
    "evidence_rows",
    "evidence_tags",
    "fiche_groups",
    "linked_hosts",
    "plan_additions",
    "public_sector",
    "site_fiches",
    "sorted_fiches",
    "summary_markdown",
    "write_coverage",
    "write_evidence",
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _host(url: str) -> str | None:
    norm = normalize_url(url)
    return site_host(norm) if norm else None


def fiche_groups(sp: Path) -> dict[Group, set[str]]:
    """The fiches of each life event (its page and the fiches referring to it) and theme."""
    groups: dict[Group, set[str]] = defaultdict(set)
    events = [r["id"] for r in _read(sp / "comment_faire_si_particuliers.csv")]
    for event in events:
        groups["life_event", event].add(event)
    for r in _read(sp / "comment_faire_si_references.csv"):
        if r["comment_faire_si_id"] in events:
            groups["life_event", r["comment_faire_si_id"]].add(r["referencing_id"])
    for r in _read(sp / "fiches_particuliers_outbound_links.csv"):
        if r["theme_id"]:
            groups["theme", r["theme_id"]].add(r["fiche_id"])
    return groups


def linked_hosts(sp: Path, elements: Iterable[str]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """(fiche -> hosts it links to, host -> ``scheme://netloc`` to reach it), for ``elements`` only.

    The netloc keeps the ``www.`` the fiches use, https when any link has it, so that
    a site added from the evidence gets a URL that answers.
    """
    wanted = set(elements)
    links: dict[str, set[str]] = defaultdict(set)
    origins: dict[str, str] = {}
    for r in _read(sp / "fiches_particuliers_outbound_links.csv"):
        found = _host(r["url"]) if r["element"] in wanted else None
        if found is None:
            continue
        host = found
        links[r["fiche_id"]].add(host)
        scheme, _, rest = r["url"].strip().partition("://")
        origin = f"{scheme.lower()}://{rest.split('/', 1)[0].lower().rstrip('.')}"
        if host not in origins or (origin.startswith("https:") and origins[host].startswith("http:")):
            origins[host] = origin
    return links, origins


def public_sector(lists: Path) -> tuple[set[str], set[str], set[str]]:
    """(registered domains of the public-sector lists, those with a live host, live hosts).

    Public sector: any host of ``state_sites_candidates.csv``, the Etalab list of 2024
    or DashLord 2026. Live, as in the rest of the build: listed in 2024 or 2026.
    """
    domains: set[str] = set()
    hosts: set[str] = set()
    for r in _read(lists / "state_sites_candidates.csv"):
        candidate = r["host"].lower().removeprefix("www.")
        domains.add(registered_domain(candidate))
        if r["in_etalab_urls_2024_12"] == "1" or r["in_gouvernementfr_dashlord_2026_01"] == "1":
            hosts.add(candidate)
    for name in ("urls-2024-12.txt", "urls-2026-01.txt"):
        for line in (lists / name).read_text(encoding="utf-8").splitlines():
            listed = _host(line)
            if listed:
                hosts.add(listed)
    live = {registered_domain(h) for h in hosts}
    return domains | live, live, hosts


def evidence_rows(
    groups: Mapping[Group, set[str]], links: Mapping[str, set[str]], public: set[str], renames: Renames
) -> list[EvidenceRow]:
    """One row per group and public-sector host its fiches link to (under the former or
    the current name), sorted; hosts are kept as linked, renaming is the reader's job."""
    rows = []
    for (kind, group), fiches in sorted(groups.items()):
        by_host: dict[str, set[str]] = defaultdict(set)
        for fiche in fiches:
            for host in links.get(fiche, ()):
                by_host[host].add(fiche)
        for host, linking in sorted(by_host.items()):
            if {registered_domain(host), registered_domain(renames.current(host))} & public:
                rows.append(EvidenceRow(kind, group, host, frozenset(linking)))
    return rows


def _fiche_key(fiche: str) -> tuple[str, int, str]:
    digits = fiche.lstrip("FNR")
    return (fiche[:1], int(digits) if digits.isdigit() else 0, fiche)


def sorted_fiches(fiches: Iterable[str]) -> list[str]:
    """Fiche ids in natural order (F2 before F10)."""
    return sorted(fiches, key=_fiche_key)


def write_evidence(path: Path, rows: Iterable[EvidenceRow]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kind", "group", "host", "fiches"])
        w.writerows([r.kind, r.group, r.host, "|".join(sorted_fiches(r.fiches))] for r in rows)


def _attributed(index: SiteIndex, host: str) -> str | None:
    return index.attribute(host + "/")[0]


def domain_site(domain: str, sites: Iterable[str]) -> str | None:
    """The main seed site of a registered domain: on the domain itself (or ``www1.`` of it).

    Sites under a domain shared by several bodies (``igf.finances.gouv.fr``,
    ``aria.developpement-durable.gouv.fr``) are not its main site: None.

    >>> domain_site("ac-lille.fr", ["www1.ac-lille.fr", "impots.gouv.fr"])
    'www1.ac-lille.fr'
    >>> domain_site("finances.gouv.fr", ["igf.finances.gouv.fr"]) is None
    True
    """
    main = [s for s in sites if s == domain or re.fullmatch(r"www\d*\." + re.escape(domain), s)]
    return min(main, default=None)


def plan_additions(
    evidence: Mapping[Group, Mapping[str, DomainEvidence]],
    sites: Iterable[str],
    live: tuple[set[str], set[str]],
    renames: Renames,
    refused: Callable[[str], bool],
) -> tuple[list[str], list[str]]:
    """(hosts to add to the seed list, hosts that can be neither added nor covered).

    A host that no seed site takes is added when at least MIN_FICHES fiches of a
    group link to it; a domain of the evidence that no seed takes at all gets its
    most linked host. A host is added only if it is live (``live`` = (domains, hosts)):
    listed itself, or, for a domain the list does not have yet, a host of its domain is
    (the lists name only some hosts of an operator: urssaf.fr has only mon-entreprise.),
    or it is the current name of a renamed operator; ``refused`` ones (back-office,
    staging, left out by the build rules) are not. In a domain with a main site
    (:func:`domain_site`), :func:`evidence_tags` gives that site the tag instead. What
    is left is reported: it needs an entry in exclusions.csv or renamed_hosts.csv.
    """
    sites = list(sites)
    index = SiteIndex(sites)
    live_domains, live_hosts = live
    current = set(renames.hosts.values()) | set(renames.domains.values())
    held = {registered_domain(site_host(s)) for s in sites}  # domains the list already has

    def addable(host: str, domain: str) -> bool:
        alive = host in live_hosts or host in current or (domain not in held and domain in live_domains)
        return alive and not refused(host)

    added: set[str] = set()
    untaken: list[tuple[str, dict[str, frozenset[str]]]] = []  # domains no site takes: their hosts
    for domains in evidence.values():
        for domain, found in domains.items():
            orphans = {h: f for h, f in found.hosts.items() if _attributed(index, h) is None}
            added |= {h for h, f in orphans.items() if len(f) >= MIN_FICHES and addable(h, domain)}
            if len(orphans) == len(found.hosts):
                untaken.append((domain, orphans))
    dead: set[str] = set()
    for domain, orphans in untaken:  # after the first pass: a fallback only where still needed
        if set(orphans) & added or domain_site(domain, sites) is not None:
            continue
        candidates = sorted(h for h in orphans if addable(h, domain))
        if candidates:
            added.add(max(candidates, key=lambda h: len(orphans[h])))
        else:
            dead |= set(orphans)
    return sorted(added), sorted(dead)


def site_fiches(
    rows: Iterable[EvidenceRow], renames: Renames, exclusions: Mapping[str, str], index: SiteIndex
) -> dict[tuple[str, Group], set[str]]:
    """(site, group) -> the group's fiches that link to the site (its host or a host it takes)."""
    found: dict[tuple[str, Group], set[str]] = defaultdict(set)
    for row in rows:
        host = renames.current(row.host)
        site = _attributed(index, host) if excluded_by(host, exclusions) is None else None
        if site is not None:
            found[site, (row.kind, row.group)] |= row.fiches
    return found


def evidence_tags(
    evidence: Mapping[Group, Mapping[str, DomainEvidence]], sites: Iterable[str]
) -> tuple[dict[str, set[Group]], list[tuple[Group, str]]]:
    """(site -> groups the evidence gives it, (group, domain) that no site takes).

    In each domain of a group, the sites that MIN_FICHES fiches of the group link to
    get the group; when the fiches spread over several sites of the domain with
    fewer each, the site with the most of them does; when they link only to hosts
    the list does not have, the domain's main site does (so the domain is covered).
    """
    sites = list(sites)
    index = SiteIndex(sites)
    tags: dict[str, set[Group]] = defaultdict(set)
    uncovered = []
    for group, domains in evidence.items():
        for domain, found in domains.items():
            per_site: dict[str, set[str]] = defaultdict(set)
            for host, fiches in found.hosts.items():
                site = _attributed(index, host)
                if site is not None:
                    per_site[site] |= fiches
            chosen = [s for s, f in per_site.items() if len(f) >= MIN_FICHES]
            if not chosen and per_site:
                chosen = [max(sorted(per_site), key=lambda s: len(per_site[s]))]
            main = domain_site(domain, sites) if not chosen else None
            if main is not None:
                chosen = [main]
            if not chosen:
                uncovered.append((group, domain))
            for site in chosen:
                tags[site].add(group)
    return tags, sorted(uncovered)


def current_names(
    chosen: dict[str, dict[str, str]], renames: Renames, candidates: Mapping[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """The selected hosts with former names of operators replaced by today's (csa.fr → arcom.fr)."""
    result = {h: row for h, row in chosen.items() if renames.former(h) is None}
    for host in chosen:
        if renames.former(host) is not None:
            new = renames.current(host)
            result.setdefault(new, dict(candidates.get(new, {})))
    return result


def summary_markdown(added: Iterable[str], tags: Iterable[list]) -> str:
    """The sites the evidence added and the tags per source, for seeds/README.md.

    ``tags`` are the rows of tags.csv (site, kind, group, source, fiches, examples).
    """
    added = list(added)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in tags:
        counts[row[1], row[3]] += 1
    sources = ("curated", "curated+evidence", "evidence")
    out = [
        f"Sites added from the evidence ({len(added)}): " + ", ".join(f"`{h}`" for h in added) + ".",
        "",
        "| tags | " + " | ".join(sources) + " | all |",
        "|---|" + "---:|" * (len(sources) + 1),
    ]
    for kind in ("life_event", "theme"):
        row = [counts[kind, s] for s in sources]
        out.append(f"| {kind} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    return "\n".join([*out, "", ""])


def coverage_markdown(
    seeds: Iterable[Seed],
    evidence: Mapping[Group, Mapping[str, DomainEvidence]],
    labels: Mapping[str, Mapping[str, str]],
) -> str:
    """The coverage tables of seeds/README.md: per life event and per theme, the sites of
    the list, the domains the evidence names, how many the list covers, and which not."""
    seeds = list(seeds)
    out = []
    for kind, title in (("life_event", "Life event"), ("theme", "Theme")):
        out += [
            f"| {title} | sites | evidence domains | covered | missing |",
            "|---|---:|---:|---:|---|",
        ]
        total = covered = 0
        for c in coverage(seeds, evidence, kind, labels[kind]):
            total, covered = total + len(c.domains), covered + c.covered
            missing = ", ".join(c.missing) or "–"
            label = f"{c.group} {labels[kind][c.group]}"
            out.append(f"| {label} | {c.sites} | {len(c.domains)} | {c.covered} | {missing} |")
        share = f"{100 * covered / total:.0f} %" if total else "–"
        out += [f"| **all** | | **{total}** | **{covered}** ({share}) | |", ""]
    return "\n".join(out)


def write_coverage(
    readme: Path,
    sites: Path,
    evidence: Mapping[Group, Mapping[str, DomainEvidence]],
    labels: dict[str, dict[str, str]],
    added: list[str],
    tags: list,
) -> None:
    """Rewrite the generated coverage section of seeds/README.md (between its markers;
    a README.md with only that section when --out has none)."""
    start, end = "<!-- coverage: generated by build_sites.py -->", "<!-- end of coverage -->"
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"{start}{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    table = summary_markdown(added, tags) + coverage_markdown(load_seeds(sites), evidence, labels)
    readme.write_text(f"{head}{start}\n{table}{end}{tail}", encoding="utf-8")
