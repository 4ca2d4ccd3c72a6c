"""Compile seeds/sites.csv, themes.csv and life_events.csv from the public lists.

With them: tags.csv (where each theme and life event of a site comes from),
evidence.csv (the links of service-public.fr's fiches per life event and theme,
build_evidence.py) and the coverage section of seeds/README.md.

Run by hand when the source lists are refreshed (see seeds/README.md)::

    python seeds/build_sites.py --data ../shared/data

The rules are data, kept in seeds/build_rules.py, so that a reviewer can see why
a site is in the list, which ministry it belongs to and why it carries a theme.
The script fails if a selected site ends up without an organisation: extend
ORG_RULES or ORG_HOSTS rather than let a blank through.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.urls import SiteIndex, normalize_url  # noqa: E402
from seeds import BUNDLED_DIR  # noqa: E402
from seeds.build_evidence import (  # noqa: E402
    current_names,
    evidence_rows,
    evidence_tags,
    fiche_groups,
    linked_hosts,
    plan_additions,
    public_sector,
    site_fiches,
    sorted_fiches,
    write_coverage,
    write_evidence,
)
from seeds.build_rules import (  # noqa: E402
    CATEGORY_ORGS,
    EVIDENCE_ELEMENTS,
    EXCLUDED,
    HUB,
    HUB_ALIASES,
    KUMU_LIVE_TYPES,
    LIFE_EVENT_RULES,
    MIN_THEME_SHARE,
    MINISTRY_2019,
    NAMES,
    ORG_HOSTS,
    ORG_RULES,
    ORG_THEMES,
    PARENT_2019,
    PLACE_NAMES,
    PREFECTURE_THEMES,
    STATE_CATEGORIES,
    THEME_RULES,
    TOOL_LABEL,
)
from seeds.evidence import (  # noqa: E402
    DomainEvidence,
    EvidenceRow,
    Group,
    excluded_by,
    group_evidence,
    load_exclusions,
    load_renames,
)
from seeds.importer import is_staging_host  # noqa: E402

_LOWER_WORDS = {"et", "de", "du", "des", "sur", "la", "le"}


def _place(label: str) -> str:
    if label in PLACE_NAMES:
        return PLACE_NAMES[label]
    return "-".join(w if w in _LOWER_WORDS else w.capitalize() for w in label.split("-"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def fold_apostrophes(text: str) -> str:
    return text.replace("\u2019", "'").strip()


def alias_key(host: str) -> str:
    """Hosts equal up to hyphens, accents or punycode are one site (aliases, redirects)."""
    if "xn--" in host:
        host = host.encode("ascii").decode("idna")
    plain = unicodedata.normalize("NFKD", host).encode("ascii", "ignore").decode()
    return plain.replace("-", "")


def build_vocabularies(sp: Path, out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """themes.csv (current labels) and life_events.csv from the service-public exports."""
    flat = {r["id"]: r for r in read_csv(sp / "themes_flat_particuliers.csv") if r["type"] == "Theme"}
    themes = {}
    with (out / "themes.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "label", "label_2020", "url"])
        for r in sorted(read_csv(sp / "themes_particuliers_current_titles_2025.csv"), key=lambda r: r["id"]):
            ident = r["id"]
            label_2020 = flat[ident]["title"] if ident in flat else ""
            url = (
                flat[ident]["url"]
                if ident in flat
                else f"https://www.service-public.fr/particuliers/vosdroits/{ident}"
            )
            w.writerow([ident, r["title_2025_2026"], label_2020, url])
            themes[ident] = r["title_2025_2026"]
    events = {}
    with (out / "life_events.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "label", "url", "themes"])
        for r in read_csv(sp / "comment_faire_si_particuliers.csv"):
            w.writerow([r["id"], r["title"], r["url"], r["referenced_by_theme_ids"]])
            events[r["id"]] = r["title"]
    return themes, events


def site_urls(lists: Path) -> dict[str, str]:
    """Host -> seed URL as the lists give it (keeps a needed www.): 2024 before 2026, https before http."""
    urls: dict[str, str] = {}
    for name in ("urls-2024-12.txt", "urls-2026-01.txt"):
        for line in (lists / name).read_text(encoding="utf-8").splitlines():
            url = line.strip().rstrip("/")
            norm = normalize_url(url)
            if norm is None or "/" in norm.rstrip("/"):
                continue
            host = norm.rstrip("/")
            if host not in urls or (url.startswith("https:") and urls[host].startswith("http:")):
                urls[host] = url
    return urls


def select_hosts(lists: Path, sp_hosts: Counter[str]) -> dict[str, dict[str, str]]:
    """Live State hosts of the candidates list, folded and deduplicated."""
    chosen: dict[str, dict[str, str]] = {}
    for r in read_csv(lists / "state_sites_candidates.csv"):
        host = r["host"].lower().removeprefix("www.")
        in_2026 = r["in_gouvernementfr_dashlord_2026_01"] == "1"
        alive = in_2026 or r["in_etalab_urls_2024_12"] == "1"
        kumu = r["kumu_type"]
        archived = kumu == "Site off/archivé" and not in_2026  # closed in 2019, not monitored now
        tool = host.count(".") >= 3 and TOOL_LABEL.match(host.split(".")[0]) is not None
        state = (
            not archived
            and not tool
            and (
                kumu in KUMU_LIVE_TYPES
                or r["etalab_category_2023"] in STATE_CATEGORIES
                or re.fullmatch(r"[^.]+\.gouv\.fr", host) is not None
                or sp_hosts[host] > 0
            )
        )
        if host == HUB or (alive and state and host not in EXCLUDED and not is_staging_host(host)):
            chosen[host] = r
    chosen = {h: r for h, r in chosen.items() if h not in HUB_ALIASES}
    by_alias: dict[str, list[str]] = defaultdict(list)
    for host in chosen:
        by_alias[alias_key(host)].append(host)
    for hosts in by_alias.values():
        if len(hosts) > 1:  # keep the DashLord-monitored, ASCII, hyphenated spelling
            hosts.sort(
                key=lambda h: (
                    chosen[h]["in_gouvernementfr_dashlord_2026_01"] != "1",
                    not h.isascii() or "xn--" in h,
                    -h.count("-"),
                    h,
                )
            )
            for host in hosts[1:]:
                del chosen[host]
    return {h.encode("idna").decode("ascii"): r for h, r in chosen.items()}


def is_prefecture(row: dict[str, str]) -> bool:
    return row.get("etalab_category_2023") == "prefectures" or row.get("parent_org_2019_kumu") == "Préfecture"


def organisation_of(host: str, row: dict[str, str], known: dict[str, str]) -> str:
    parent = fold_apostrophes(row.get("parent_org_2019_kumu", ""))
    ministry = fold_apostrophes(row.get("ministry_2019_kumu", ""))
    labels = host.split(".")
    parents = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    for candidate in parents:
        if candidate in ORG_HOSTS:
            return ORG_HOSTS[candidate]
    if parent in PARENT_2019:
        return PARENT_2019[parent]
    if ministry in MINISTRY_2019:
        return MINISTRY_2019[ministry]
    if row.get("etalab_category_2023") in CATEGORY_ORGS:
        return CATEGORY_ORGS[row["etalab_category_2023"]]
    for candidate in parents[1:]:
        if candidate in known:
            return known[candidate]
    for pattern, org in ORG_RULES:
        if re.search(pattern, host):
            return org
    return ""


def name_of(host: str, row: dict[str, str]) -> str:
    if host in NAMES:
        return NAMES[host]
    label = host.split(".")[0]
    if is_prefecture(row):
        return f"Préfecture – {_place(label)}"
    if row.get("etalab_category_2023") == "academies":
        return f"Académie – {_place(host.split('.')[-2].removeprefix('ac-'))}"
    return host


def service_public_evidence(sp: Path, index: SiteIndex) -> tuple[dict, dict]:
    """(site -> theme counts, site -> life-event counts) from the links of the fiches."""
    refs = read_csv(sp / "comment_faire_si_references.csv")
    events = {r["id"] for r in read_csv(sp / "comment_faire_si_particuliers.csv")}
    fiche_events: dict[str, set[str]] = defaultdict(set)
    for event in events:
        fiche_events[event].add(event)
    for r in refs:
        if r["comment_faire_si_id"] in events:
            fiche_events[r["referencing_id"]].add(r["comment_faire_si_id"])
    themes: dict[str, Counter[str]] = defaultdict(Counter)
    life: dict[str, Counter[str]] = defaultdict(Counter)
    for r in read_csv(sp / "fiches_particuliers_outbound_links.csv"):
        if r["element"] not in EVIDENCE_ELEMENTS:
            continue
        norm = normalize_url(r["url"])
        site = index.attribute(norm)[0] if norm else None
        if site is None:
            continue
        if r["theme_id"]:
            themes[site][r["theme_id"]] += 1
        for event in fiche_events.get(r["fiche_id"], ()):
            life[site][event] += 1
    return themes, life


def annotate(
    host: str,
    row: dict[str, str],
    org: str,
    name: str,
    sp_themes: dict[str, Counter[str]],
    sp_events: dict[str, Counter[str]],
    theme_labels: dict[str, str],
    event_labels: dict[str, str],
) -> tuple[list[str], list[str]]:
    """Themes and life events of a site: service-public links, then words, then its ministry."""
    if host == HUB:  # the portal that defines both vocabularies
        return sorted(theme_labels), list(event_labels)
    words = unicodedata.normalize("NFKD", f"{host} {name.lower()}").encode("ascii", "ignore").decode()
    counts = sp_themes.get(host, Counter())
    total = sum(counts.values())
    themes = {t for t, n in counts.items() if n >= max(1, MIN_THEME_SHARE * total) and t in theme_labels}
    themes |= {t for t, pattern in THEME_RULES.items() if re.search(pattern, words)}
    if is_prefecture(row):
        themes |= set(PREFECTURE_THEMES)
    if not themes:
        themes = set(ORG_THEMES.get(org, ()))
    events = {e for e in sp_events.get(host, ()) if e in event_labels}
    events |= {e for e, pattern in LIFE_EVENT_RULES.items() if re.search(pattern, words)}
    return sorted(themes), [e for e in event_labels if e in events]


Evidence = dict[Group, dict[str, DomainEvidence]]


def add_evidence_sites(
    chosen: dict[str, dict[str, str]], lists: Path, sp: Path, out: Path
) -> tuple[dict[str, dict[str, str]], Evidence, list[EvidenceRow], dict[str, str]]:
    """Today's names of renamed operators, and the sites service-public.fr's fiches send
    each life event and theme to (seeds/build_evidence.py); writes out/evidence.csv.

    Returns (sites, evidence per group, evidence rows, host -> URL of the added sites).
    Stops when a domain of the evidence can be neither added nor explained.
    """
    renames, exclusions = load_renames(), load_exclusions()
    candidates = {
        r["host"].lower().removeprefix("www."): r for r in read_csv(lists / "state_sites_candidates.csv")
    }
    chosen = current_names(chosen, renames, candidates)
    public, live_domains, live_hosts = public_sector(lists)
    links, origins = linked_hosts(sp, EVIDENCE_ELEMENTS)
    rows = evidence_rows(fiche_groups(sp), links, public, renames)
    write_evidence(out / "evidence.csv", rows)
    evidence = group_evidence(rows, renames, exclusions)

    def refused(host: str) -> bool:  # the selection rules of select_hosts
        tool = host.count(".") >= 3 and TOOL_LABEL.match(host.split(".")[0]) is not None
        return tool or is_staging_host(host) or excluded_by(host, EXCLUDED_MAP) is not None

    added, dead = plan_additions(evidence, chosen, (live_domains, live_hosts), renames, refused)
    if dead:
        sys.exit(
            "the evidence names hosts the list can neither take nor cover: "
            + " ".join(dead)
            + " (add them to seeds/exclusions.csv or seeds/renamed_hosts.csv)"
        )
    for host in added:
        chosen[host] = dict(candidates.get(host, {}))
    return chosen, evidence, rows, {h: origins.get(h, f"https://{h}") for h in added}


EXCLUDED_MAP = dict.fromkeys(EXCLUDED, "build_rules.EXCLUDED")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=BUNDLED_DIR)
    args = parser.parse_args(argv)
    lists, sp = args.data / "site-lists", args.data / "service-public"
    theme_labels, event_labels = build_vocabularies(sp, args.out)

    sp_hosts: Counter[str] = Counter()
    for r in read_csv(sp / "derived_sp_theme_to_host_edges.csv"):
        sp_hosts[r["target_host"].lower().removeprefix("www.")] += int(r["n_links"])
    chosen = select_hosts(lists, sp_hosts)
    chosen, evidence, ev_rows, added = add_evidence_sites(chosen, lists, sp, args.out)
    known = {
        fold_apostrophes(r["host"]).lower().removeprefix("www."): org
        for r in read_csv(lists / "derived_site_to_ministry_2019.csv")
        if (org := MINISTRY_2019.get(fold_apostrophes(r["ministry_or_person"]), ""))
    }
    orgs = {host: organisation_of(host, row, known) for host, row in chosen.items()}
    missing = sorted(h for h, org in orgs.items() if not org)
    if missing:
        sys.exit("no organisation for: " + " ".join(missing))

    index = SiteIndex(chosen)
    sp_themes, sp_events = service_public_evidence(sp, index)
    ev_tags, uncovered = evidence_tags(evidence, chosen)
    if uncovered:
        sys.exit("evidence domains no site takes: " + " ".join(d for _, d in uncovered))
    ev_fiches = site_fiches(ev_rows, load_renames(), load_exclusions(), index)
    urls = site_urls(lists)
    rows, tags = [], []
    for host in sorted(chosen):
        row, org = chosen[host], orgs[host]
        name = name_of(host, row)
        themes, events = annotate(host, row, org, name, sp_themes, sp_events, theme_labels, event_labels)
        found = ev_tags.get(host, set())
        all_themes = sorted(set(themes) | {g for k, g in found if k == "theme" and g in theme_labels})
        all_events = [e for e in event_labels if e in events or ("life_event", e) in found]
        for kind, groups, curated in (("theme", all_themes, themes), ("life_event", all_events, events)):
            for group in groups:
                source = "+".join(
                    s for s, on in (("curated", group in curated), ("evidence", (kind, group) in found)) if on
                )
                fiches = sorted_fiches(ev_fiches.get((host, (kind, group)), ()))
                tags.append([host, kind, group, source, len(fiches), "|".join(fiches[:3])])
        url = (
            "https://www.service-public.fr"
            if host == HUB
            else urls.get(host, added.get(host, f"https://{host}"))
        )
        rows.append([url, name, org, "|".join(all_themes), "|".join(all_events)])
    with (args.out / "sites.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["url", "name", "organisation", "themes", "life_events"])
        writer.writerows(rows)
    with (args.out / "tags.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["site", "kind", "group", "source", "fiches", "examples"])
        writer.writerows(tags)
    labels = {"life_event": event_labels, "theme": theme_labels}
    write_coverage(args.out / "README.md", args.out / "sites.csv", evidence, labels, sorted(added), tags)
    themed = sum(1 for r in rows if r[3])
    by_source = Counter(t[3] for t in tags)
    print(
        f"{len(rows)} sites ({len(added)} added from the evidence), {themed} with a theme, "
        f"{len(set(orgs.values()))} organisations; tags: "
        + ", ".join(f"{n} {source}" for source, n in sorted(by_source.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
