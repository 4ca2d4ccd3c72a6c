"""Where each page of a generated site lives: its page tree, paths, titles and URLs.

The pages of a site form a tree of branching ``b`` (page ``i``'s parent is
``(i - 1) // b``) at most four levels deep; top-level pages are named after the
site's sections, deeper ones after ``demo.vocab.DEEP_WORDS``. The last page of a
site with ``private`` set lives under ``/espace-agent/`` (robots.txt forbids it),
and page ``pages - 2`` of a site with ``moved`` set has moved to
``/nouvelle-adresse/`` (:func:`moved_path`). Pure functions of a site's spec.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from demo.vocab import DEEP_WORDS, slugify

if TYPE_CHECKING:
    from demo.pages import SiteSpec

__all__ = [
    "MAX_DEPTH",
    "ancestors",
    "branching",
    "children",
    "home_path",
    "moved_path",
    "page_title",
    "parent",
    "site_paths",
    "site_url",
    "tree_depths",
]

MAX_DEPTH = 4


@lru_cache(maxsize=256)
def branching(pages: int) -> int:
    """Smallest branching (>= 3) that fits ``pages`` in a tree of depth MAX_DEPTH."""
    b = 3
    while sum(b**d for d in range(MAX_DEPTH + 1)) < pages:
        b += 1
    return b


def parent(i: int, b: int) -> int:
    return (i - 1) // b


def children(i: int, b: int, n: int) -> range:
    return range(b * i + 1, min(b * i + b, n - 1) + 1)


def ancestors(i: int, b: int) -> list[int]:
    """Ancestors of page i, from the homepage down to its parent."""
    out = []
    while i > 0:
        i = parent(i, b)
        out.append(i)
    return out[::-1]


def tree_depths(pages: int) -> list[int]:
    """Depth of each page of a site of ``pages`` pages in its tree."""
    b = branching(pages)
    depths = [0] * pages
    for i in range(1, pages):
        depths[i] = depths[parent(i, b)] + 1
    return depths


def home_path(site: SiteSpec) -> str:
    return site.prefix or "/"


def moved_path(site: SiteSpec) -> str:
    """Where the moved page (index pages-2) lives now."""
    return f"{site.prefix}/nouvelle-adresse/{_slug(site, site.pages - 2, branching(site.pages))}"


def _slug(site: SiteSpec, i: int, b: int) -> str:
    if parent(i, b) == 0 and site.sections:
        k = i - 1
        base = slugify(site.sections[k % len(site.sections)])
        return base if k < len(site.sections) else f"{base}-{i}"
    return f"{DEEP_WORDS[(i * 7 + site.index) % len(DEEP_WORDS)]}-{i}"


def site_paths(site: SiteSpec) -> list[str]:
    b = branching(site.pages)
    paths = [home_path(site)]
    for i in range(1, site.pages):
        if site.private and i == site.pages - 1:
            paths.append(f"{site.prefix}/espace-agent/{_slug(site, i, b)}")
        else:
            paths.append(paths[parent(i, b)].rstrip("/") + "/" + _slug(site, i, b))
    return paths


def page_title(site: SiteSpec, i: int) -> str:
    if i == 0:
        return "Accueil"
    if site.private and i == site.pages - 1:
        return "Espace agents"
    b = branching(site.pages)
    if parent(i, b) == 0 and site.sections:
        return site.sections[(i - 1) % len(site.sections)]
    word = DEEP_WORDS[(i * 7 + site.index) % len(DEEP_WORDS)]
    return f"{word.replace('-', ' ').capitalize()} ({i})"


def site_url(site: SiteSpec, path: str, variant: int = 0) -> str:
    """Absolute URL of a path of a site: canonical (0), other scheme (1), other www (2), both (3)."""
    scheme, host = site.scheme, site.host
    if variant & 1:
        scheme = "http" if scheme == "https" else "https"
    if variant & 2:
        host = host[4:] if host.startswith("www.") else "www." + host
    return f"{scheme}://{host}{path}"
