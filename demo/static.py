"""A web held in a dict, for tests: pages per (host, path), on any or one scheme."""

from __future__ import annotations

from demo.protocol import Request, Response, host_key

__all__ = ["StaticWeb"]


class StaticWeb:
    """A web held in a dict, for tests: pages per (host, path), any or one scheme.

    A location without a scheme (``"a.fr/x"``) answers on http and https; with a
    scheme (``"https://a.fr/x"``) only on that one, which is how an http->https
    redirect is written. Unknown paths of a known host answer 404; a host without
    a registered ``/robots.txt`` answers 404 for it (everything allowed).

    >>> web = StaticWeb()
    >>> web.redirect("http://a.fr/", "https://a.fr/")
    >>> web.page("https://a.fr/", "<a href='/x'>x</a>")
    >>> web.respond(Request("GET", "http", "a.fr", "/")).headers[0]
    ('Location', 'https://a.fr/')
    >>> web.respond(Request("GET", "https", "a.fr", "/nope")).status, web.has_host("b.fr")
    (404, False)
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str | None, str, str], Response] = {}
        self.hosts: set[str] = set()

    @staticmethod
    def _split(location: str) -> tuple[str | None, str, str]:
        scheme: str | None = None
        if "://" in location:
            scheme, location = location.split("://", 1)
            scheme = scheme.lower()
        host, _slash, path = location.partition("/")
        return scheme, host_key(host, scheme or "http"), "/" + path

    def add(self, location: str, response: Response) -> None:
        """Serve ``response`` at ``location`` (``[scheme://]host/path[?query]``)."""
        scheme, host, path = self._split(location)
        self.hosts.add(host)
        self.routes[scheme, host, path] = response

    def add_host(self, host: str) -> None:
        """Make a host known (every path 404) without any page."""
        self.hosts.add(host_key(host, "http"))

    def page(self, location: str, html: str | bytes, status: int = 200) -> None:
        self.add(location, Response.html(html, status))

    def redirect(self, location: str, target: str, status: int = 301) -> None:
        self.add(location, Response.redirect(target, status))

    def robots(self, host: str, text: str) -> None:
        self.add(f"{host}/robots.txt", Response.text(text))

    def has_host(self, host: str) -> bool:
        return host in self.hosts

    def respond(self, request: Request) -> Response | None:
        if request.host not in self.hosts:
            return None
        routes = self.routes
        found = routes.get((request.scheme, request.host, request.path)) or routes.get(
            (None, request.host, request.path)
        )
        return found or Response.not_found()
