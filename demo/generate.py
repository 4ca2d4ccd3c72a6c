"""Generate a synthetic government web, its seed list and its ground truth.

``generate(folder)`` writes three files:

- ``web.json``: the compact spec every page is rendered from on request
  (``demo.web.load_web``), so a 650-site web stays a few hundred KB;
- ``seeds.csv``: the seed list, in govlinks format, with theme and life-event
  ids of the bundled vocabularies;
- ``truth.json``: what a complete crawl must store and the report must find:
  per site its crawl status, page count and reason codes, and every site-to-site
  edge with the columns of ``store.reads.site_edges`` (weight, links, targets, deep,
  template_pages, content_pages, broken), plus the outside links and whether
  each is retired, and the relevance of content links (``demo/offtopic.py``: per
  site the links a crawl can score and those planted off-topic).

Ordinary sites are grouped in clusters, one theme each; within a cluster every
site links in content, deep, to the next one (a ring), so each has a peer
linking to it and a peer it links to: ordinary sites get no reason code.
Planted sites each get exactly the codes listed in ``PLANTED``; the truth's
codes are recomputed from its edges when generating, so a planted case that
does not produce its codes fails loudly here rather than in a test.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from crawler.errors import GovlinksError
from crawler.urls import site_id
from demo.pages import (
    MAX_DEPTH,
    SiteSpec,
    WebSpec,
    home_path,
    site_url,
)
from demo.plant_codes import GONE_URL, MOVED_HOST, PLANTED, plant_code_sites
from demo.plant_journeys import plant_journey_gaps
from demo.truth import compute_truth, truth_problems
from demo.vocab import QUALIFIERS, host_words, slugify
from seeds.vocabulary import load_vocabulary

__all__ = ["PLANTED", "build_spec", "generate"]

_HUB_HOST = "service-public-exemple.gouv.fr"
_NEW_HOST = "www.nouveau-portail-exemple.gouv.fr"
_FOOTER_OUTSIDE = [
    "https://www.textes-officiels-exemple.fr/",
    "https://www.gouvernement-exemple.fr/",
    "https://www.donnees-publiques-exemple.fr/",
    "https://www.info-exemple.gouv.fr/",
]


class _Builder:
    """Assembles the sites of one web; one random generator drives every choice."""

    def __init__(self, seed: int, pages: int) -> None:
        self.rng = random.Random(seed)
        self.pages = pages
        self.sites: list[SiteSpec] = []
        outside = [u.split("//")[1].strip("/").removeprefix("www.") for u in _FOOTER_OUTSIDE]
        self.used = {_HUB_HOST, MOVED_HOST[4:], _NEW_HOST[4:], GONE_URL.split("//")[1].strip("/"), *outside}

    def host(self, words: tuple[str, ...]) -> tuple[str, str]:
        """A new (host without www., site name) from theme words."""
        rng = self.rng
        for _ in range(10000):
            word, qual = rng.choice(words), rng.choice(QUALIFIERS)
            tld = ".gouv.fr" if rng.random() < 0.8 else ".fr"
            base = f"{word}-{qual}-exemple{tld}" if qual else f"{word}-exemple{tld}"
            if base not in self.used:
                self.used.add(base)
                name = " ".join(w.capitalize() for w in f"{word} {qual}".replace("-", " ").split())
                return base, name
        raise GovlinksError("too many sites for the demo host names; use fewer --sites")

    def add(
        self,
        role: str,
        base: str,
        name: str,
        *,
        prefix: str = "",
        theme: str | None = None,
        organisation: str = "",
        www: bool | None = None,
        https: bool | None = None,
        sections: list[str] | None = None,
    ) -> SiteSpec:
        rng = self.rng
        www = rng.random() < 0.4 if www is None else www
        https = rng.random() < 0.75 if https is None else https
        site = SiteSpec(
            index=len(self.sites),
            id="",
            url="",
            name=name,
            organisation=organisation,
            host=("www." + base) if www else base,
            scheme="https" if https else "http",
            prefix=prefix,
            pages=self.pages,
            role=role,
            codes=list(PLANTED.get(role, ())),
            themes=[theme] if theme else [],
            sections=sections or self.sections(theme),
        )
        variant = rng.choice((1, 2, 3)) if rng.random() < 0.3 else 0
        site.url = site_url(site, home_path(site), variant)
        site.id = site_id(site.url) or ""
        self.sites.append(site)
        return site

    def sections(self, theme: str | None) -> list[str]:
        titles = list(host_words(theme)[1])
        self.rng.shuffle(titles)
        return titles


def build_spec(
    *,
    sites: int = 24,
    pages: int = 20,
    page_kb: int = 25,
    links: int = 60,
    seed: int = 1,
    planted: bool = True,
) -> WebSpec:
    """Design a web of ``sites`` sites of ``pages`` pages (see the module docstring)."""
    n_planted = len(PLANTED) if planted else 0
    minimum = 1 + n_planted + 5
    if sites < minimum:
        raise GovlinksError(
            f"--sites {sites}: need at least {minimum} sites"
            + (" with planted cases (or --no-planted)" if planted else "")
        )
    if pages < 5 or pages > sum(30**d for d in range(MAX_DEPTH + 1)):
        raise GovlinksError(f"--pages {pages}: need 5 to 837931 pages per site")
    vocab = load_vocabulary()
    b = _Builder(seed, pages)
    rng = b.rng
    themes = [t for t in vocab.themes if host_words(t)[0] != host_words(None)[0]] or list(vocab.themes)
    n_ministries = max(1, sites // 60)
    n_members = sites - 1 - n_planted - n_ministries
    n_clusters = min(len(themes), max(2, n_members // 4))
    cluster_themes = rng.sample(themes, n_clusters)
    cluster_events = _cluster_events(vocab.life_event_themes, vocab.life_events, cluster_themes)

    hub = b.add(
        "hub",
        _HUB_HOST,
        "Service-Public (exemple)",
        organisation="Premier ministre (exemple)",
        www=True,
        https=True,
        sections=list(vocab.themes.values())[:8],
    )
    portals = []
    for m in range(n_ministries):
        base = "ministere-exemple.gouv.fr" if m == 0 else b.host(("ministere",))[0]
        b.used.add(base)
        portals.append(
            b.add(
                "portal",
                base,
                f"Ministère de l'exemple {m + 1}",
                organisation=f"Ministère de l'exemple {m + 1}",
            )
        )
    clusters: list[list[SiteSpec]] = [[] for _ in cluster_themes]
    members: list[SiteSpec] = []
    for k in range(n_members):
        c = k % n_clusters
        theme = cluster_themes[c]
        organisation = f"Ministère : {vocab.themes[theme]} (exemple)"
        if k < 2 * n_ministries:  # two sites under path prefixes of each ministry's host
            portal = portals[k // 2]
            word = slugify(host_words(theme)[0][0])
            prefix = f"/{word}"
            site = b.add(
                "ordinary",
                portal.host.removeprefix("www."),
                f"{portal.name} : {word}",
                prefix=prefix,
                theme=theme,
                organisation=portal.organisation,
                www=portal.host.startswith("www."),
                https=portal.scheme == "https",
            )
            site.nav = [portal.index]
            site.required.append([portal.index, "deep"])
            portal.nav.append(site.index)
            portal.required.append([site.index, "deep"])
        else:
            base, name = b.host(host_words(theme)[0])
            site = b.add("ordinary", base, name, theme=theme, organisation=organisation)
        events = cluster_events[c]
        site.life_events = rng.sample(events, min(len(events), rng.randint(0, 2)))
        site.private = rng.random() < 0.4
        site.moved = rng.random() < 0.3
        clusters[c].append(site)
        members.append(site)
    hub.private = True
    for portal in portals:
        portal.private = rng.random() < 0.5
    linkable = members + portals
    for ring in clusters:
        for pos, site in enumerate(ring):
            nxt = ring[(pos + 1) % len(ring)]
            others = [s.index for s in linkable if s is not site and s is not nxt]
            site.required += [[nxt.index, "deep"], [hub.index, "deep"]]
            site.partners += [[nxt.index, "any"], [hub.index, "any"]]
            site.partners += [[t, "any"] for t in rng.sample(others, min(5, len(others)))]
    for portal in portals:
        others = [s.index for s in members if s.index not in portal.nav]
        portal.required.append([hub.index, "deep"])
        portal.partners += [[t, "any"] for t in portal.nav + rng.sample(others, min(3, len(others)))]
        portal.partners.append([hub.index, "any"])
    private_targets = [s for s in members if s.private]
    if private_targets:  # a link to a page robots.txt forbids: not broken, never fetched
        target = private_targets[0]
        source = next(s for s in members if s is not target)
        source.required.append([target.index, "private"])
    hub_targets = [[s.index, "any"] for s in linkable]
    journey_gaps = []
    if planted:
        hub_targets += plant_code_sites(b, hub, members, clusters, cluster_themes)
        # its own random stream: the plant does not move the web's other random choices
        journey_gaps = plant_journey_gaps(
            b.sites, clusters, cluster_themes, random.Random(f"{seed}/journeys")
        )
    hub.partners = hub_targets
    spec = WebSpec(
        seed=seed,
        page_kb=page_kb,
        links=links,
        hub=hub.index,
        sites=b.sites,
        outside_hosts={
            **{u.split("//")[1].strip("/"): {} for u in _FOOTER_OUTSIDE},
            _NEW_HOST: {},
            MOVED_HOST: {"moved_to": f"https://{_NEW_HOST}"},
        },
        footer_outside=list(_FOOTER_OUTSIDE),
        outside_pool=[f"https://www.textes-officiels-exemple.fr/loi/article-{k}" for k in range(1, 9)]
        + [f"https://{_NEW_HOST}/{w}" for w in ("demarches", "actualites", "contact")],
        journey_gaps=journey_gaps,
    )
    return spec


def _cluster_events(
    refs: dict[str, tuple[str, ...]], events: dict[str, str], cluster_themes: list[str]
) -> list[list[str]]:
    """Give each life event to at most one cluster whose theme it belongs to."""
    out: list[list[str]] = [[] for _ in cluster_themes]
    for event in events:
        fits = [c for c, theme in enumerate(cluster_themes) if theme in refs.get(event, ())]
        if fits:
            out[min(fits, key=lambda c: len(out[c]))].append(event)
    return out


def generate(
    out_dir: str | Path,
    *,
    sites: int = 24,
    pages_per_site: int = 20,
    page_kb: int = 25,
    links: int = 60,
    seed: int = 1,
    planted: bool = True,
    evolve: bool = False,
) -> dict[str, Any]:
    """Write ``web.json``, ``seeds.csv`` and ``truth.json`` to ``out_dir``; return the truth.

    ``evolve``: also the web's second version with planted changes in ``out_dir/v2``
    and the diff it must give (:mod:`demo.evolve`).
    """
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise GovlinksError(f"{folder}: exists and is not a folder")
    spec = build_spec(
        sites=sites, pages=pages_per_site, page_kb=page_kb, links=links, seed=seed, planted=planted
    )
    truth = compute_truth(spec)
    if problems := truth_problems(truth):  # a design bug of this module, not a user error
        raise RuntimeError(f"the planted cases do not hold in the generated links: {problems}")
    later = None
    if evolve:  # before writing anything: a web too small for it leaves no files behind
        from demo.evolve import evolve as evolve_web

        later = evolve_web(spec, truth)
    _write(folder, spec, truth)
    if later:
        spec2, truth2, expected = later
        _write(folder / "v2", spec2, truth2, expected_diff=expected)
    return truth


def _write(
    folder: Path, spec: WebSpec, truth: dict[str, Any], *, expected_diff: dict[str, Any] | None = None
) -> None:
    """Write a web's ``web.json``, ``seeds.csv``, ``truth.json`` (and ``expected_diff.json``)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "web.json").write_text(spec.to_json(), encoding="utf-8")
        with (folder / "seeds.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["url", "name", "organisation", "themes", "life_events"])
            for site in sorted(spec.sites, key=lambda s: s.id):
                writer.writerow(
                    [
                        site.url,
                        site.name,
                        site.organisation,
                        "|".join(site.themes),
                        "|".join(site.life_events),
                    ]
                )
        (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        if expected_diff is not None:
            text = json.dumps(expected_diff, ensure_ascii=False, indent=1)
            (folder / "expected_diff.json").write_text(text, encoding="utf-8")
    except OSError as err:
        raise GovlinksError(f"{folder}: cannot write the demo web ({err.strerror})") from None
