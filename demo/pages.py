"""Pages of a generated web: the spec, each page's links, and its HTML.

A generated web is stored as a compact spec (``web.json``): sites, their hosts,
their partners and planted quirks. Every page is rendered from it on request,
deterministically, by :func:`page_links` (what the page links to, in document
order, with the region each link sits in) and :func:`render_page` (the HTML
around those links). The ground truth is computed from the same
:func:`page_links`, so the HTML and the truth cannot drift apart.

The pages of a site form a tree (``demo.tree``: where each page lives). A page
links only to its children, its siblings, its ancestors and the top-level
sections, so the first link to a page that a breadth-first crawler meets is
always its parent's: its crawl depth is its tree depth, whatever order the pages
are fetched in.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from demo.topics import lead_in, off_topic_anchor, paragraphs
from demo.tree import (
    MAX_DEPTH,
    ancestors,
    branching,
    children,
    home_path,
    moved_path,
    page_title,
    parent,
    site_paths,
    site_url,
    tree_depths,
)

# MAX_DEPTH, home_path, moved_path, site_paths, site_url, tree_depths are demo.tree's,
# named here too for the modules that read pages.
__all__ = [
    "INTERNAL",
    "MAX_DEPTH",
    "OUTSIDE",
    "Frame",
    "Link",
    "SiteSpec",
    "WebSpec",
    "home_path",
    "moved_path",
    "page_links",
    "render_page",
    "site_frame",
    "site_paths",
    "site_url",
    "tree_depths",
]

INTERNAL = -1  # Link.target of a link to the same site
OUTSIDE = -2  # Link.target of a link outside the seed sites
TEMPLATE_REGIONS = frozenset({"header", "nav", "crumb", "footer"})


class Link(NamedTuple):
    href: str  # as written in the page
    url: str  # absolute
    text: str
    target: int  # site index, INTERNAL or OUTSIDE
    region: str  # header, nav, crumb (breadcrumb nav), main or footer
    off_topic: bool = False  # planted: anchor and words about another topic than the target's

    @property
    def template(self) -> bool:
        return self.region in TEMPLATE_REGIONS


@dataclass
class SiteSpec:
    """One seed site of the generated web, as stored in ``web.json``."""

    index: int
    id: str
    url: str  # the seed URL
    name: str
    organisation: str
    host: str  # canonical host, with or without www.
    scheme: str  # canonical scheme
    prefix: str  # "" for a whole host, "/emploi" for a site under a path prefix
    pages: int
    role: str  # hub, portal, ordinary, or the planted case
    codes: list[str] = field(default_factory=list)  # reason codes the report must find
    themes: list[str] = field(default_factory=list)
    life_events: list[str] = field(default_factory=list)
    fail: str | None = None  # unreachable, robots, error, no_html: homepage cannot be crawled
    private: bool = False  # last page under /espace-agent/, disallowed by robots.txt
    moved: bool = False  # page pages-2 moved for good (301) to /nouvelle-adresse/
    footer_hub: bool = True  # every page's footer links to the hub's homepage
    sections: list[str] = field(default_factory=list)
    required: list[list[Any]] = field(default_factory=list)  # [site, mode]: homepage content
    partners: list[list[Any]] = field(default_factory=list)  # [site, mode]: random content links
    template: list[int] = field(default_factory=list)  # footer partners (home + a deep page)
    nav: list[int] = field(default_factory=list)  # header links to these sites' homepages
    fixed: list[list[Any]] = field(default_factory=list)  # [site, path]: every page's content
    outside: list[str] = field(default_factory=list)  # outside URLs: homepage, some pages
    off_topic: list[int] = field(default_factory=list)  # content links to these sites: off-topic


@dataclass
class WebSpec:
    """A whole generated web: sites, outside hosts and rendering parameters."""

    seed: int
    page_kb: int
    links: int
    hub: int
    sites: list[SiteSpec]
    outside_hosts: dict[str, dict[str, str]]  # host -> {} or {"moved_to": "https://..."}
    footer_outside: list[str]  # outside URLs in every footer
    outside_pool: list[str]  # outside URLs for content links
    journey_gaps: list[dict[str, Any]] = field(default_factory=list)  # demo.plant_journeys records

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSpec:
        sites = [SiteSpec(**s) for s in data["sites"]]
        return cls(**{**data, "sites": sites})

    @classmethod
    def load(cls, path: str | Path) -> WebSpec:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @cached_property
    def _paths(self) -> dict[int, list[str]]:
        return {}

    def paths(self, site: SiteSpec) -> list[str]:
        """Path of each page of a site (the old path for the moved page)."""
        found = self._paths.get(site.index)
        if found is None:
            found = self._paths[site.index] = site_paths(site)
        return found

    @cached_property
    def _titles(self) -> dict[int, list[str]]:
        return {}

    @cached_property
    def _frames(self) -> dict[int, Frame]:
        return {}

    def frame(self, site: SiteSpec) -> Frame:
        """Header, menu and footer of a site's pages (cached)."""
        found = self._frames.get(site.index)
        if found is None:
            found = self._frames[site.index] = site_frame(self, site)
        return found

    def titles(self, site: SiteSpec) -> list[str]:
        """Title of each page of a site."""
        found = self._titles.get(site.index)
        if found is None:
            found = self._titles[site.index] = [page_title(site, i) for i in range(site.pages)]
        return found


def _cross(spec: WebSpec, site: SiteSpec, mode: str, rng: random.Random) -> tuple[str, str]:
    """(URL, anchor text) of a content link to another site, by mode."""
    variant = rng.choice((1, 2, 3)) if rng.random() < 0.2 else 0
    if mode == "any":
        mode = "home" if rng.random() < 0.25 else "deep"
    paths = spec.paths(site)
    if mode == "home":
        return site_url(site, home_path(site), variant), site.name
    if mode == "private":
        return site_url(site, paths[-1], variant), f"{site.name} : espace agents"
    # The same draws whatever the target's quirks (robots-blocked or moved page): a link moved
    # to another site (demo.evolve) leaves every other random choice of the page as it was.
    j = 1 + int(rng.random() * (site.pages - (2 if site.private else 1)))
    new_address = rng.random() < 0.5
    path = moved_path(site) if site.moved and j == site.pages - 2 and new_address else paths[j]
    return site_url(site, path, variant), f"{spec.titles(site)[j]} - {site.name}"


@dataclass(frozen=True)
class Frame:
    """What every page of a site shares: header, menu and footer links, and their HTML."""

    header: list[Link]
    nav: list[Link]
    footer: list[Link]
    top: str  # HTML from <header> to the end of the menu
    bottom: str  # HTML of the footer, to the end of the document


def site_frame(spec: WebSpec, site: SiteSpec) -> Frame:
    """Template links of a site (same on every page), in document order."""
    sites = spec.sites
    paths = spec.paths(site)
    titles = spec.titles(site)
    base = f"{site.scheme}://{site.host}"
    b = branching(site.pages)

    def home_link(t: int, region: str) -> Link:
        target = sites[t]
        url = site_url(target, home_path(target))
        return Link(url, url, target.name, t, region)

    header = [Link(paths[0], base + paths[0], site.name, INTERNAL, "header")]
    header += [home_link(t, "header") for t in site.nav]
    nav = [Link(paths[j], base + paths[j], titles[j], INTERNAL, "nav") for j in children(0, b, site.pages)]
    footer: list[Link] = []
    if site.footer_hub and site.index != spec.hub:
        footer.append(home_link(spec.hub, "footer"))
    for t in site.template:
        target = sites[t]
        for path in (home_path(target), spec.paths(target)[1]):
            url = site_url(target, path)
            footer.append(Link(url, url, target.name, t, "footer"))
    if site.private:
        footer.append(Link(paths[-1], base + paths[-1], "Espace agents", INTERNAL, "footer"))
    for url in spec.footer_outside:
        footer.append(Link(url, url, url.split("//", 1)[1].strip("/"), OUTSIDE, "footer"))
    return Frame(header, nav, footer, _top_html(header, nav), _bottom_html(site, footer))


def _content_links(spec: WebSpec, site: SiteSpec, i: int, frame: Frame) -> tuple[list[Link], list[Link]]:
    """(breadcrumb, content) links of page ``i``: what differs from page to page."""
    rng = random.Random(f"{spec.seed}/{site.id}/{i}")
    sites = spec.sites
    n = site.pages
    b = branching(n)
    paths = spec.paths(site)
    titles = spec.titles(site)
    base = f"{site.scheme}://{site.host}"

    def internal(j: int, region: str) -> Link:
        return Link(paths[j], base + paths[j], titles[j], INTERNAL, region)

    crumbs = [internal(j, "crumb") for j in ancestors(i, b)]
    main = [internal(j, "main") for j in children(i, b, n)]
    if i:
        main += [internal(j, "main") for j in children(parent(i, b), b, n) if j != i][:3]
    if i == 0:
        for t, mode in site.required:
            main.append(_cross_link(spec, site, t, mode, rng))
    for t, path in site.fixed:
        url = site_url(sites[t], path)
        main.append(Link(url, url, f"{sites[t].name} : {path}", t, "main"))
    if site.partners:
        for _ in range(max(1, spec.links // 6)):
            t, mode = rng.choice(site.partners)
            main.append(_cross_link(spec, site, t, mode, rng))
    if site.outside and (i == 0 or rng.random() < 0.3):
        for url in site.outside if i == 0 else [rng.choice(site.outside)]:
            main.append(Link(url, url, "Ressource externe", OUTSIDE, "main"))
    if spec.outside_pool and rng.random() < 0.5:
        url = rng.choice(spec.outside_pool)
        main.append(Link(url, url, "Texte de référence", OUTSIDE, "main"))
    # Filler: more links to pages the crawler has met already, up to the budget.
    upper = [0, *ancestors(i, b), *children(0, b, n)]
    shared = len(frame.header) + len(frame.nav) + len(frame.footer) + len(crumbs)
    main += [internal(upper[k % len(upper)], "main") for k in range(spec.links - shared - len(main))]
    return crumbs, main


def _cross_link(spec: WebSpec, site: SiteSpec, t: int, mode: str, rng: random.Random) -> Link:
    """A content link of ``site`` to site ``t``: off-topic when planted so (same URL, other words)."""
    url, text = _cross(spec, spec.sites[t], mode, rng)
    if t in site.off_topic:
        return Link(url, url, off_topic_anchor(spec, site, url), t, "main", True)
    return Link(url, url, text, t, "main")


def page_links(spec: WebSpec, site: SiteSpec, i: int) -> list[Link]:
    """Every link of page ``i`` of ``site``, in document order."""
    frame = spec.frame(site)
    crumbs, main = _content_links(spec, site, i, frame)
    return [*frame.header, *frame.nav, *crumbs, *main, *frame.footer]


_HEAD = (
    '<!DOCTYPE html>\n<html lang="fr" data-fr-scheme="system">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">\n'
    "<title>{title} | {name}</title>\n"
    '<link rel="stylesheet" href="/dsfr/dsfr.min.css">\n</head>\n<body>\n'
    '<div class="fr-skiplinks"><a class="fr-link" href="#contenu">Contenu</a></div>\n'
    '<header role="banner" class="fr-header"><div class="fr-header__body"><div class="fr-container">\n'
    '<div class="fr-header__brand"><p class="fr-logo">République<br>Française</p>\n'
)
_FOOT_START = (
    '<footer class="fr-footer" role="contentinfo" id="footer"><div class="fr-container">\n'
    '<div class="fr-footer__body"><div class="fr-footer__brand"><p class="fr-logo">République'
    '<br>Française</p></div>\n<ul class="fr-footer__content-list">\n'
)


@lru_cache(maxsize=65536)
def _escape(text: str) -> str:
    return html.escape(text)


def _a(link: Link, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<a{attr} href="{_escape(link.href)}">{_escape(link.text)}</a>'


def _top_html(header: list[Link], nav: list[Link]) -> str:
    parts = [_a(header[0], "fr-header__service-title"), "</div>\n"]
    if len(header) > 1:
        parts.append('<div class="fr-header__tools"><ul class="fr-btns-group">')
        parts.extend(f"<li>{_a(link, 'fr-btn')}</li>" for link in header[1:])
        parts.append("</ul></div>\n")
    parts.append('</div></div>\n<div class="fr-header__menu"><nav class="fr-nav" role="navigation" ')
    parts.append('aria-label="Menu principal"><ul class="fr-nav__list">\n')
    parts.extend(f'<li class="fr-nav__item">{_a(link, "fr-nav__link")}</li>\n' for link in nav)
    parts.append('</ul></nav></div>\n</header>\n<main id="contenu" role="main"><div class="fr-container">\n')
    return "".join(parts)


def _bottom_html(site: SiteSpec, footer: list[Link]) -> str:
    parts = ["</div></main>\n", _FOOT_START]
    parts.extend(f'<li class="fr-footer__content-item">{_a(link)}</li>\n' for link in footer)
    parts.append(
        '</ul></div>\n<div class="fr-footer__bottom"><ul class="fr-footer__bottom-list">'
        '<li><a class="fr-footer__bottom-link" href="#footer">Plan du site</a></li></ul>'
        '<p class="fr-footer__bottom-copy">Sauf mention contraire, les textes de '
        f"{_escape(site.name)} sont sous licence etalab-2.0</p></div>\n</div></footer>\n</body>\n</html>\n"
    )
    return "".join(parts)


def render_page(spec: WebSpec, site: SiteSpec, i: int) -> bytes:
    """The HTML of page ``i`` of ``site``: DSFR-like template around :func:`page_links`."""
    frame = spec.frame(site)
    crumbs, main = _content_links(spec, site, i, frame)
    title = _escape(spec.titles(site)[i])
    parts = [_HEAD.format(title=title, name=_escape(site.name)), frame.top]
    if crumbs:
        parts.append('<nav role="navigation" class="fr-breadcrumb" aria-label="vous êtes ici :"><ol>')
        parts.extend(f"<li>{_a(link, 'fr-breadcrumb__link')}</li>" for link in crumbs)
        parts.append(f'<li><a class="fr-breadcrumb__link" aria-current="page">{title}</a></li></ol></nav>\n')
    parts.append(f"<h1>{title}</h1>\n")
    rendered = [f"<li>{lead_in(spec, site, link)}{_a(link)}</li>" for link in main]
    size = sum(map(len, parts)) + len(frame.bottom) + sum(map(len, rendered)) + 200
    pool = paragraphs(spec, site)
    rng = random.Random(f"{spec.seed}/{site.id}/{i}/text")
    groups = max(1, (len(rendered) + 7) // 8)  # a paragraph, then a list of up to 8 links
    paras: list[str] = []
    while size < spec.page_kb * 1024 or len(paras) < groups:
        paras.append(f"<p>{rng.choice(pool)}</p>\n")
        size += len(paras[-1])
    per = max(1, len(paras) // groups)
    for g in range(groups):
        parts.extend(paras[g * per : (g + 1) * per] if g < groups - 1 else paras[g * per :])
        items = rendered[g * 8 : (g + 1) * 8]
        if items:
            parts.append('<ul class="fr-links-group">' + "".join(items) + "</ul>\n")
    parts.append(frame.bottom)
    return "".join(parts).encode("utf-8")
