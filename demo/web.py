"""Serve a generated web: routing by host and path, redirects, robots.txt, planted failures.

:class:`GeneratedWeb` implements ``demo.server.Web`` over a :class:`~demo.pages.WebSpec`.
Each site answers on four host forms (http/https, with and without ``www.``);
all but its canonical one redirect there for good (301), as real sites do, so
that crawlers meet the redirects and URL variants of a real crawl. robots.txt
answers directly on every form, because crawlers fetch it per scheme and host.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from demo.pages import SiteSpec, WebSpec, home_path, moved_path, render_page
from demo.protocol import Request, Response, host_key

__all__ = ["GeneratedWeb", "load_web"]

_PDF = b"%PDF-1.4\n% govlinks demo: a homepage that is not HTML\n%%EOF\n"


@dataclass
class _Host:
    canonical: str
    scheme: str
    sites: list[SiteSpec] = field(default_factory=list)  # longest prefix first
    robots: str | None = None
    moved_to: str | None = None  # outside host that moved for good
    outside: bool = False


def _alias(host: str) -> str:
    return host[4:] if host.startswith("www.") else "www." + host


class GeneratedWeb:
    """A generated web, rendered on request (``demo.server.Web``)."""

    def __init__(self, spec: WebSpec, *, cache_size: int = 512) -> None:
        self.spec = spec
        self.hosts: dict[str, _Host] = {}
        for site in spec.sites:
            if site.fail == "unreachable":
                continue  # no server answers for this host: like a DNS failure
            entry = self.hosts.get(site.host)
            if entry is None:
                entry = self.hosts[site.host] = self.hosts[_alias(site.host)] = _Host(site.host, site.scheme)
            entry.sites.append(site)
        for entry in {id(e): e for e in self.hosts.values()}.values():
            entry.sites.sort(key=lambda s: len(s.prefix), reverse=True)
            entry.robots = _robots(entry.sites)
        for host, info in spec.outside_hosts.items():
            self.hosts[host] = _Host(host, "https", moved_to=info.get("moved_to"), outside=True)
        self._index: dict[int, dict[str, int]] = {}
        self.page = lru_cache(maxsize=cache_size)(self._page)

    def preload(self) -> int:
        """Render every page of the sites that work now, and keep every page rendered (no cache
        limit; a page of a failing site, e.g. one robots.txt forbids, when it is asked); the
        number of pages rendered now.

        For benchmarks: the server then spends its CPU answering, not rendering, and
        leaves the crawler under test the cores a real crawl has (its sites are elsewhere).
        A 100 x 100 web of 25 KB pages holds ~250 MB.
        """
        self.page = cache(self._page)  # type: ignore[method-assign,assignment]
        pages = [(site.index, i) for site in self.spec.sites if not site.fail
                 for i in range(len(self.spec.paths(site)))]  # fmt: skip
        for index, i in pages:
            self.page(index, i)
        return len(pages)

    def has_host(self, host: str) -> bool:
        return host in self.hosts

    def _page(self, site_index: int, i: int) -> bytes:
        return render_page(self.spec, self.spec.sites[site_index], i)

    def page_index(self, site: SiteSpec, path: str) -> int | None:
        index = self._index.get(site.index)
        if index is None:
            index = self._index[site.index] = {p: i for i, p in enumerate(self.spec.paths(site))}
        return index.get(path)

    def respond(self, request: Request) -> Response | None:
        routed = self.route(request.scheme, request.host, request.path)
        if isinstance(routed, tuple):
            site, i = routed
            return Response.html(self.page(site.index, i))
        return routed

    def route(self, scheme: str, host: str, path: str) -> Response | tuple[SiteSpec, int] | None:
        """The answer to a request, or (site, page) when it is a page to render.

        None: unknown host. The ground truth uses this too, to know which link
        targets are broken, without rendering pages.
        """
        entry = self.hosts.get(host)
        if entry is None:
            return None
        if path == "/robots.txt":
            return Response.text(entry.robots) if entry.robots is not None else Response.not_found()
        if entry.moved_to:
            return Response.redirect(entry.moved_to + path, 301)
        if entry.outside:
            return Response.html(f"<!DOCTYPE html><title>{entry.canonical}</title><p>Page externe.</p>")
        if scheme != entry.scheme or host != entry.canonical:
            return Response.redirect(f"{entry.scheme}://{entry.canonical}{path}", 301)
        clean = path.split("?", 1)[0]
        for site in entry.sites:
            if not site.prefix or clean == site.prefix or clean.startswith(site.prefix + "/"):
                return self._site_route(site, path)
        return Response.not_found()

    def _site_route(self, site: SiteSpec, path: str) -> Response | tuple[SiteSpec, int]:
        if site.fail == "error":
            return Response.html("<!DOCTYPE html><title>Erreur</title><h1>Erreur interne</h1>", 500)
        if site.fail == "no_html":
            if path == home_path(site):
                return Response(200, [("Content-Type", "application/pdf")], _PDF)
            return Response.not_found()
        if site.prefix and path == site.prefix + "/":
            return Response.redirect(f"{site.scheme}://{site.host}{site.prefix}", 301)
        if site.moved and path == moved_path(site):
            return site, site.pages - 2
        i = self.page_index(site, path)
        if i is None:
            return Response.not_found()
        if site.moved and i == site.pages - 2:
            return Response.redirect(f"{site.scheme}://{site.host}{moved_path(site)}", 301)
        return site, i

    def disallowed(self, host: str, path: str) -> bool:
        """Whether robots.txt of ``host`` forbids ``path`` (the rules this web writes)."""
        entry = self.hosts.get(host)
        if entry is None or not entry.robots:
            return False
        rules = [line[9:].strip() for line in entry.robots.splitlines() if line.startswith("Disallow:")]
        return any(rule and path.startswith(rule) for rule in rules)

    def fetch_outcome(self, url: str) -> str:
        """What a crawler gets for ``url``: ok, broken (>= 400), unreachable, robots or moved.

        ``moved``: the first answer is a permanent redirect to another host.
        Redirects are followed (at most 10), robots.txt checked at each hop.
        """
        first = True
        for _ in range(10):
            scheme, rest = url.split("://", 1)
            authority, _slash, path = rest.partition("/")
            host = host_key(authority, scheme)
            path = "/" + path
            if self.disallowed(host, path):
                return "robots"
            routed = self.route(scheme, host, path)
            if routed is None:
                return "unreachable"
            if isinstance(routed, tuple):
                return "ok"
            if routed.status in (301, 302, 303, 307, 308):
                location = dict(routed.headers)["Location"]
                if first and routed.status in (301, 308) and _bare(location) != _bare(url):
                    return "moved"
                url, first = location, False
                continue
            return "broken" if routed.status >= 400 else "ok"
        return "broken"


def _bare(url: str) -> str:
    """Host of an absolute URL without ``www.`` and default port."""
    scheme, rest = url.split("://", 1)
    return host_key(rest.split("/", 1)[0], scheme).removeprefix("www.")


def _robots(sites: list[SiteSpec]) -> str | None:
    """robots.txt of a host: its sites' disallowed paths; None (404) for some hosts."""
    lines = []
    for site in sites:
        if site.fail == "robots":
            lines.append("Disallow: /")
        elif site.private:
            lines.append(f"Disallow: {site.prefix}/espace-agent/")
    if not lines:
        return None if sites[0].index % 2 else "User-agent: *\nAllow: /\n"
    return "User-agent: *\n" + "\n".join(sorted(set(lines))) + "\n"


def load_web(folder: str | Path, *, preload: bool = False) -> GeneratedWeb:
    """The web generated in ``folder`` (its ``web.json``), ready to serve (``preload``: its pages
    rendered beforehand, :meth:`GeneratedWeb.preload`)."""
    from crawler.errors import GovlinksError

    path = Path(folder) / "web.json"
    try:
        spec = WebSpec.load(path)
    except FileNotFoundError:
        hint = f"run 'govlinks demo generate {folder}'"
        raise GovlinksError(f"{path}: no generated web here ({hint})") from None
    except (ValueError, TypeError, KeyError) as err:
        raise GovlinksError(f"{path}: not a demo web spec ({err})") from None
    web = GeneratedWeb(spec)
    if preload:
        web.preload()
    return web
