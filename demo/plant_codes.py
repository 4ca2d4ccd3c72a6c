"""The planted sites of the demo web: one per reason code of ``govlinks report``.

Each planted case is a site that must get exactly the codes listed in ``PLANTED``
(four for ``uncrawled``: unreachable host, ``Disallow: /``, homepage error 500,
PDF homepage), made by the links it has and the links it gets: an orphan no site
links, a dead end that links no site, a themed site none of its theme links, a
site linked only in footers or only at its homepage, one whose links to other seed
sites are often broken, one that links retired outside sites, one whose content
links speak of other topics than their targets'. ``demo.generate`` checks on the
truth that each gets exactly its codes (``demo.truth.truth_problems``).
"""

from __future__ import annotations

import random
from typing import Any, Protocol

from demo.offtopic import OFF_TOPIC_ROLE, OFF_TOPIC_THEME, plant_off_topic
from demo.pages import SiteSpec, site_paths
from demo.vocab import host_words

__all__ = ["GONE_URL", "MOVED_HOST", "PLANTED", "Builder", "plant_code_sites"]

# Planted case -> the exact codes its site must get.
PLANTED: dict[str, tuple[str, ...]] = {
    "unreachable": ("uncrawled",),  # no server answers for its host
    "robots": ("uncrawled",),  # robots.txt: Disallow: /
    "error": ("uncrawled",),  # homepage answers 500
    "no_html": ("uncrawled",),  # homepage is a PDF
    "orphan": ("orphan",),
    "orphan_themed": ("orphan", "no_group_inbound"),
    "isolated": ("orphan", "dead_end"),
    "dead_end": ("dead_end",),
    "no_group_inbound": ("no_group_inbound",),
    "no_group_outbound": ("no_group_outbound",),
    "homepage_only": ("homepage_only",),
    "template_only": ("template_only",),
    "broken_outlinks": ("broken_outlinks",),
    "links_to_retired": ("links_to_retired",),
    OFF_TOPIC_ROLE: (OFF_TOPIC_ROLE,),  # its content links speak of other topics than their targets'
}

MOVED_HOST = "www.ancien-portail-exemple.fr"  # an outside host moved for good (a retired link)
GONE_URL = "http://site-ferme-exemple.fr/"  # an outside site that no longer answers


class Builder(Protocol):
    """What the plant needs of the web's builder (``demo.generate``): its random
    generator, its sites, and new hosts and sites."""

    rng: random.Random
    sites: list[SiteSpec]

    def host(self, words: tuple[str, ...]) -> tuple[str, str]: ...

    def add(
        self, role: str, base: str, name: str, *, theme: str | None = None, organisation: str = ""
    ) -> SiteSpec: ...


def plant_code_sites(
    b: Builder, hub: SiteSpec, members: list[SiteSpec], clusters: list[list[SiteSpec]], themes: list[str]
) -> list[list[Any]]:
    """Add one site per planted case (``PLANTED``) and its links; return the hub's links to them.

    ``clusters[c]`` is the ring of ordinary sites of theme ``themes[c]``; ``members``
    every ordinary site. Also marks the planted off-topic links (``demo.offtopic``).
    """
    rng = b.rng
    c1, c2 = clusters[0], clusters[1]
    planted: dict[str, SiteSpec] = {}
    theme_of = {
        "unreachable": themes[0],
        "error": themes[1],
        "orphan_themed": themes[0],
        "no_group_inbound": themes[0],
        "no_group_outbound": themes[1],
        OFF_TOPIC_ROLE: OFF_TOPIC_THEME,
    }
    for role in PLANTED:
        theme = theme_of.get(role)
        base, name = b.host(host_words(theme)[0] if theme else host_words(None)[0])
        site = b.add(role, base, name, theme=theme, organisation="Opérateur de l'État (exemple)")
        planted[role] = site
    for role in ("unreachable", "robots", "error", "no_html"):
        planted[role].fail = role

    def pick(pool: list[SiteSpec], k: int = 1) -> list[SiteSpec]:
        return rng.sample(pool, min(k, len(pool)))

    def links_out(site: SiteSpec, pool: list[SiteSpec]) -> None:
        site.required.append([pick(pool)[0].index, "deep"])
        site.partners = [[s.index, "any"] for s in pick(pool, 4)] + [[hub.index, "any"]]

    def links_in(site: SiteSpec, pool: list[SiteSpec], mode: str = "deep", k: int = 2) -> None:
        for source in pick(pool, k):
            source.required.append([site.index, mode])

    not_c1 = [s for s in members if s not in c1]
    not_c2 = [s for s in members if s not in c2]
    for role in ("isolated", "dead_end"):
        planted[role].footer_hub = False
    links_in(planted["dead_end"], members)
    links_out(planted["orphan"], members)
    links_out(planted["orphan_themed"], c1)
    links_out(planted["no_group_inbound"], c1)
    links_in(planted["no_group_inbound"], not_c1)
    links_out(planted["no_group_outbound"], not_c2)
    links_in(planted["no_group_outbound"], c2, k=1)
    homepage_only = planted["homepage_only"]
    links_out(homepage_only, members)
    links_in(homepage_only, members, "home")
    pick(members)[0].partners.append([homepage_only.index, "home"])
    links_out(planted["template_only"], members)
    for source in pick(members, 2):
        source.template.append(planted["template_only"].index)
    # Links on every page pin their target: ``demo.evolve`` can move no link to it. So the
    # broken_outlinks site links the hub, the ministries and their path-prefixed sites, never
    # an ordinary site on a host of its own: those are what a later version of the web reshapes.
    broken = planted["broken_outlinks"]
    pinned = [s for s in b.sites if s.role in ("hub", "portal") or (s.role == "ordinary" and s.prefix)]
    good = {(s.index, rng.randint(1, s.pages - 2)) for s in (rng.choice(pinned) for _ in range(6))}
    broken.fixed = [[t, b_path] for t, j in sorted(good) for b_path in [site_paths(b.sites[t])[j]]]
    gone = (rng.choice(pinned) for _ in range(3))
    broken.fixed += [[s.index, f"{s.prefix}/page-supprimee-{k}"] for k, s in enumerate(gone)]
    links_in(broken, members)
    retired = planted["links_to_retired"]
    links_out(retired, members)
    links_in(retired, members)
    retired.outside = [f"http://{MOVED_HOST}/demarches", GONE_URL]
    links_out(planted[OFF_TOPIC_ROLE], members)
    links_in(planted[OFF_TOPIC_ROLE], members)
    plant_off_topic(b.sites, hub.index, b.rng.randrange(1 << 30))
    linked = ("dead_end", "no_group_inbound", "no_group_outbound", "broken_outlinks", "links_to_retired")
    return [*([planted[r].index, "any"] for r in linked), [homepage_only.index, "home"]]
