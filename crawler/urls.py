"""URL normalisation and site attribution: which seed site does a URL belong to?

Everything here is pure and cheap, because the spider calls it for every link of
every page (~60 per page, hundreds of pages per second): no w3lib canonicalisation,
one ``urlsplit`` per URL, and per-host caches for the registered-domain fallback.

A *norm* is the key under which two URLs count as the same page: the host
lower-cased without a leading ``www.``, the port only when it is not the scheme's
default, then the path (``/`` when empty) and the query as written, less any session
id. The scheme is dropped, so ``http://www.X.gouv.fr/a`` and ``https://x.gouv.fr/a#top``
share the norm ``x.gouv.fr/a``. A *site id* is the norm of a seed URL without its
trailing slash.

Session ids (``;jsessionid=`` path parameters, ``jsessionid``, ``phpsessid``,
``aspsessionid…``, ``sessionid``, ``session_id`` and ``sid`` query parameters, any
case) are left out of norms: servers that mint a new one per visit would otherwise
turn every page into endless distinct URLs. So is an empty query (``/a?``). A norm
is a fixed point: ``normalize_url(scheme + "://" + norm) == norm``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract
from w3lib.url import safe_url_string

__all__ = [
    "SIMPLE_URL",
    "SiteIndex",
    "display_site",
    "host_key",
    "normalize_url",
    "site_host",
    "site_id",
    "unicode_host",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# The bundled Public Suffix List snapshot: fetching it would hang offline, and
# the list must not change under a running crawl.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_key(host: str, port: int | None = None, scheme: str = "http") -> str:
    """Fold a host the way site ids do: lower case, no ``www.``, no default port.

    An IPv6 literal keeps its brackets, so that a norm reads back as a URL.

    >>> host_key("WWW.Impots.gouv.fr", 443, "https"), host_key("::1", 8080)
    ('impots.gouv.fr', '[::1]:8080')
    """
    host = host.lower().rstrip(".")
    if not host.isascii():
        with suppress(UnicodeError):  # an IDN host safe_url_string could not encode
            host = host.encode("idna").decode("ascii")
    if host.startswith("www."):
        host = host[4:]
    elif ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        return f"{host}:{port}"
    return host


# The common shape ``http(s)://host[:port]/path?query#frag`` parsed in one regex
# match; anything else (user info, IPv6 literals, control characters) takes
# urlsplit's slower, general path.
SIMPLE_URL = re.compile(r"(?i)(https?)://([a-z0-9.\-]+)(?::([0-9]{1,5}))?([/?#][^\t\r\n]*)?\Z")

_SESSION_HINT = re.compile(r"(?i)sessionid|session_id|sid=")
_PATH_SESSION = re.compile(r"(?i);jsessionid=[^/?;]*")
_QUERY_SESSION = re.compile(r"(?i)(?:jsessionid|phpsessid|aspsessionid[a-z]*|sessionid|session_id|sid)=")


def _drop_session_ids(rest: str) -> str:
    """``path?query`` without session ids; the query's other parameters keep their order.

    >>> _drop_session_ids("/a;jsessionid=F00?x=1&PHPSESSID=abc&sid=9")
    '/a?x=1'
    """
    if _SESSION_HINT.search(rest) is None:
        return rest
    path, mark, query = rest.partition("?")
    path = _PATH_SESSION.sub("", path)
    if query:
        query = "&".join(p for p in query.split("&") if not _QUERY_SESSION.match(p))
        mark = "?" if query else ""
    return path + mark + query


def _tail(rest: str) -> str:
    """``path?query`` of a norm: no fragment, no session id, no trailing white space,
    no empty query, so that normalising a norm gives it back."""
    rest = rest.split("#", 1)[0]
    if "=" in rest:
        rest = _drop_session_ids(rest)
    rest = rest.rstrip()
    if rest.endswith("?") and rest.find("?") == len(rest) - 1:
        rest = rest[:-1].rstrip()
    return rest


def normalize_url(url: str) -> str | None:
    """Return the norm of an absolute http(s) URL, or None for anything else.

    None covers other schemes (``mailto:``, ``tel:``, ``javascript:``, ``data:``),
    relative or host-less URLs and malformed ports: callers skip such links.

    >>> normalize_url("HTTPS://WWW.Impots.gouv.fr:443/portail/?a=1#top")
    'impots.gouv.fr/portail/?a=1'
    >>> normalize_url("http://127.0.0.1:8080") is None, normalize_url("mailto:x@y.fr")
    (False, None)
    >>> normalize_url("https://x.gouv.fr/démarches") == normalize_url("https://x.gouv.fr/d%C3%A9marches")
    True
    """
    url = url.strip()
    if not url.isascii():
        # What Scrapy sends (and what response.url says) is the escaped form:
        # ``/démarches`` and ``/d%C3%A9marches`` are one page, an IDN host is punycode.
        # Fragment, session ids and trailing white space go first, as for ASCII URLs:
        # escaped, a space before ``?`` or ``#`` would become a ``%20`` no norm has.
        try:
            url = safe_url_string(_tail(url))
        except (ValueError, UnicodeError):
            return None
    match = SIMPLE_URL.match(url)
    if match is not None:
        scheme, host, port, rest = match.groups()
        if port is not None and int(port) > 65535:
            return None
        if host:
            rest = rest or ""
            if rest and ("#" in rest or "=" in rest or rest[-1] == "?"):
                rest = _tail(rest)
            if not rest.startswith("/"):
                rest = "/" + rest
            return host_key(host, int(port) if port else None, scheme.lower()) + rest
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return None
        host = parts.hostname
        if not host:
            return None
        key = host_key(host, parts.port, scheme)
    except ValueError:  # bad port, bad IPv6 literal
        return None
    rest = _tail(parts.path + ("?" + parts.query if parts.query else ""))
    return key + (rest if rest.startswith("/") else "/" + rest)


def site_id(url: str) -> str | None:
    """Site id of a seed URL: its norm without query and trailing slash.

    >>> site_id("https://www.economie.gouv.fr/dgccrf/")
    'economie.gouv.fr/dgccrf'
    >>> site_id("http://Service-Public.fr")
    'service-public.fr'
    """
    norm = normalize_url(url)
    if norm is None:
        return None
    return norm.split("?", 1)[0].rstrip("/")


def site_host(site: str) -> str:
    """The host (with a non-default port) of a site id.

    >>> site_host("economie.gouv.fr/dgccrf")
    'economie.gouv.fr'
    """
    return site.split("/", 1)[0]


def _unicode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return label


def unicode_host(site: str) -> str:
    """The host of a site id (or norm) as people write it: IDN labels in Unicode.

    Site ids keep the ASCII (punycode) form, which is what is fetched and stays
    stable; reports and exports show this one beside it.

    >>> unicode_host("xn--galit-handicap-9jbf.gouv.fr"), unicode_host("economie.gouv.fr/dgccrf")
    ('égalité-handicap.gouv.fr', 'economie.gouv.fr')
    """
    host = site_host(site)
    if "xn--" not in host:
        return host
    name, colon, port = host.partition(":")
    return ".".join(_unicode_label(label) for label in name.split(".")) + colon + port


def display_site(site: str) -> str:
    """A site id with its host in Unicode: ``égalité-handicap.gouv.fr/aides``.

    >>> display_site("xn--galit-handicap-9jbf.gouv.fr/aides"), display_site("impots.gouv.fr")
    ('égalité-handicap.gouv.fr/aides', 'impots.gouv.fr')
    """
    host, slash, rest = site.partition("/")
    return unicode_host(host) + slash + rest


@lru_cache(maxsize=65536)
def _registered_domain(host: str) -> str:
    name = host.split(":", 1)[0]
    return _EXTRACT(name).top_domain_under_public_suffix or ""


class SiteIndex:
    """Attribute norms to seed sites, most specific match first.

    The match order is: same host and longest path prefix; else same host; else
    the nearest parent host, up to the registered domain, that has a whole-host
    seed (so ``aide.impots.gouv.fr`` belongs to an ``impots.gouv.fr`` seed, since
    ``gouv.fr`` is a public suffix).

    ``attribute`` also says whether the URL is *in scope*, i.e. whether the crawl
    of that site should follow it: a same-host URL outside every path prefix of
    that host is attributed (for link statistics) but not crawled.

    >>> idx = SiteIndex(["impots.gouv.fr", "economie.gouv.fr/dgccrf"])
    >>> idx.attribute("aide.impots.gouv.fr/faq")
    ('impots.gouv.fr', True)
    >>> idx.attribute("economie.gouv.fr/dgccrf/x"), idx.attribute("economie.gouv.fr/y")
    (('economie.gouv.fr/dgccrf', True), ('economie.gouv.fr/dgccrf', False))
    >>> idx.attribute("legifrance.gouv.fr/")
    (None, False)
    """

    def __init__(self, sites: Iterable[str]) -> None:
        by_host: dict[str, list[tuple[str, str]]] = {}
        for sid in sites:
            host, slash, prefix = sid.partition("/")
            by_host.setdefault(host, []).append(("/" + prefix if slash else "", sid))
        for entries in by_host.values():
            entries.sort(key=lambda entry: len(entry[0]), reverse=True)
        self._by_host = by_host
        self._parent_cache: dict[str, str | None] = {}

    def __contains__(self, site: str) -> bool:
        host, _, _ = site.partition("/")
        return any(sid == site for _, sid in self._by_host.get(host, ()))

    def attribute(self, norm: str) -> tuple[str | None, bool]:
        """Return ``(site id or None, in scope)`` for a norm."""
        host, slash, rest = norm.partition("/")
        entries = self._by_host.get(host)
        if entries is not None:
            path = "/" + rest.split("?", 1)[0] if slash else "/"
            for prefix, sid in entries:
                if not prefix or path == prefix or path.startswith(prefix + "/"):
                    return sid, True
            return entries[-1][1], False
        try:
            parent = self._parent_cache[host]
        except KeyError:
            parent = self._parent_cache[host] = self._parent_site(host)
        return parent, parent is not None

    def _parent_site(self, host: str) -> str | None:
        registered = _registered_domain(host)
        if not registered:
            return None
        name, colon, port = host.partition(":")
        while name != registered and "." in name:
            name = name.split(".", 1)[1]
            entries = self._by_host.get(name + colon + port)
            if entries and entries[-1][0] == "":
                return entries[-1][1]
        return None
