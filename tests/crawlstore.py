"""Stores of several crawls written by hand through the store's own API, for the tests of
crawls, diffs and trends: each crawl says which site links to which URL from which page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crawler.items import Link, LinkCheck, Page
from crawler.seeds import Seed
from crawler.store import Store

# (source site, source page number, target URL without scheme, template 0|1)
LinkSpec = tuple[str, int, str, int]


def seeds(sites: Mapping[str, Sequence[str]]) -> list[Seed]:
    """Seed sites ``{site: themes}``, each at https://SITE/."""
    return [Seed(s, f"https://{s}/", i + 2, s.split(".")[0].upper(), "Org", tuple(t), ())
            for i, (s, t) in enumerate(sites.items())]  # fmt: skip


def _site_of(norm: str, sites: Iterable[str]) -> str | None:
    host = norm.split("/", 1)[0]
    return host if host in set(sites) else None


def write_crawl(
    store: Store,
    sites: Mapping[str, Sequence[str]],
    links: Sequence[LinkSpec],
    *,
    broken: Iterable[str] = (),
    down: Iterable[str] = (),
    checks: Mapping[str, tuple[int | None, str | None, int | None, str | None]] | None = None,
    settings: dict[str, Any] | None = None,
    sha: str = "a" * 64,
    finish: str | None = "finished",
) -> int:
    """One crawl of ``sites``: every site's homepage (page 0) and the pages ``links`` come from.

    ``broken``: target norms (inside seed sites) that answer 404; ``down``: sites whose
    homepage does not answer; ``checks``: outside norm -> (status, final_url,
    redirect_status, error). ``finish``: the status the crawl closes with, None to leave
    it running.
    """
    broken, down = set(broken), set(down)
    crawl_id = store.start_crawl(seeds_path="seeds.csv", seeds_sha256=sha, settings=settings or {},
                                 sites=seeds(sites))  # fmt: skip
    by_page: dict[tuple[str, int], list[Link]] = {(s, 0): [] for s in sites if s not in down}
    for source, page, norm, template in links:
        if source in down:
            continue  # a site that does not answer has no page to link from
        target = _site_of(norm, sites)
        url = f"https://{norm}"
        by_page.setdefault((source, page), []).append(Link(url, url, norm, target, "a", "", template, 0))
    items, stored = [], set()
    for (site, page), page_links in sorted(by_page.items()):
        norm = f"{site}/" if page == 0 else f"{site}/p{page}"
        stored.add(norm)
        items.append(Page(
            kind="page", site=site, url=f"https://{norm}", norm=norm, final_url=f"https://{norm}",
            final_norm=norm, status=200, content_type="text/html", size=100, title=f"{site} {page}",
            depth=min(page, 1), fetched_at="2026-01-01T00:00:00+00:00", error=None, internal_links=0,
            external_links=len(page_links), links=page_links,
        ))  # fmt: skip
    for site in sorted(down):
        norm = f"{site}/"
        stored.add(norm)
        items.append(Page(
            kind="page", site=site, url=f"https://{norm}", norm=norm, final_url=None, final_norm=None,
            status=None, content_type=None, size=None, title=None, depth=0,
            fetched_at="2026-01-01T00:00:00+00:00", error="DNSLookupError: no such host",
            internal_links=0, external_links=0, links=[],
        ))  # fmt: skip
    targets = sorted({(n, _site_of(n, sites)) for _, _, n, _ in links if _site_of(n, sites)} - {
        (n, s) for n in stored for s in [_site_of(n, sites)]})  # fmt: skip
    for norm, site in targets:
        assert site is not None
        items.append(Page(
            kind="target", site=site, url=f"https://{norm}", norm=norm, final_url=f"https://{norm}",
            final_norm=norm, status=404 if norm in broken else 200, content_type="text/html", size=10,
            title="", depth=None, fetched_at="2026-01-01T00:00:00+00:00", error=None, internal_links=0,
            external_links=0, links=[],
        ))  # fmt: skip
    found = [
        LinkCheck(norm=n, url=f"https://{n}", method="HEAD", status=status, final_url=final,
                  redirect_status=redirect, error=error, checked_at="2026-01-01")
        for n, (status, final, redirect, error) in sorted((checks or {}).items())
    ]  # fmt: skip
    store.write_batch(crawl_id, items, found)
    if finish:
        store.finish_crawl(crawl_id, status=finish)
    return crawl_id


def make_store(path: Path, crawls: Sequence[dict[str, Any]]) -> Path:
    """A store holding ``crawls``, each the keyword arguments of :func:`write_crawl`."""
    with Store.open(path, create=True) as store:
        for spec in crawls:
            write_crawl(store, **spec)
    return path
