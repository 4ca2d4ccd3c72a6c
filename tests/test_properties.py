"""Property-based tests (hypothesis) of what every link of every crawled page goes
through: URL normalisation, site attribution and link extraction. Crawled input is
hostile; none of these may raise, and norms and attributions must be stable."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.items import Page
from crawler.links import anchor_text, extract_links, page_title
from crawler.urls import SiteIndex, normalize_url, site_id
from tests.test_spider import make_spider, response

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- URLs --------------------------------------------------------------------------------

SEED_HOSTS = ["impots.gouv.fr", "aide.impots.gouv.fr", "economie.gouv.fr", "service-public.fr",
              "ministere.gouv.fr", "127.0.0.1:8080"]  # fmt: skip
SEED_PREFIXES = ["", "/dgccrf", "/dgccrf/pages", "/Emploi", "/a b"]

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
ascii_host = st.one_of(
    st.sampled_from([h.split(":")[0] for h in SEED_HOSTS]),
    st.builds(lambda sub, host: f"{sub}.{host}", label, st.sampled_from(SEED_HOSTS[:5])),
    st.builds(lambda a, b: f"{a}.{b}", label, st.sampled_from(["gouv.fr", "fr", "com", "co.uk"])),
)
odd_host = st.one_of(
    st.sampled_from(["[::1]", "[2001:db8::7]", "10.0.0.1", "xn--co-9ia.gouv.fr", "éco.gouv.fr"]),
    st.text(alphabet="abcé-0.", min_size=1, max_size=12).filter(lambda h: h.strip(".")),
)
path_chars = string.ascii_letters + string.digits + "-._~%!$'()*+,;=:@/ éà"
path = st.text(alphabet=path_chars, max_size=25).map(lambda p: "/" + p)


def param(names: list[str], alphabet: str, min_size: int = 0) -> Any:
    value = st.text(alphabet=alphabet, min_size=min_size, max_size=8)
    return st.builds(lambda k, v: f"{k}={v}", st.sampled_from(names), value)


query = st.one_of(
    st.none(),
    st.lists(
        st.one_of(
            param(["page", "q", "id", "x"], string.ascii_letters + string.digits + "%+/?:"),
            param(["sid", "PHPSESSID", "jsessionid", "SessionId"], "0123456789abcdef", min_size=1),
            st.text(alphabet=string.ascii_letters + "=&", max_size=4),
        ),
        min_size=1,
        max_size=4,
    ).map("&".join),
)
port = st.one_of(st.none(), st.sampled_from([80, 443, 8080]), st.integers(1, 65535))


@st.composite
def urls(draw: Any, host: Any = ascii_host) -> tuple[str, str, str, str, str | None, int | None]:
    """(url, scheme, host, path, query, port) of an absolute http(s) URL."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    h = draw(host)
    p = draw(port)
    pa = draw(path)
    q = draw(query)
    frag = draw(st.one_of(st.none(), st.text(alphabet=string.ascii_letters + "#?/", max_size=6)))
    url = f"{scheme}://{h}{f':{p}' if p else ''}{pa}{'?' + q if q is not None else ''}"
    if frag is not None:
        url += "#" + frag
    return url, scheme.lower(), h, pa, q, p


url_like = st.builds(
    lambda s, t: s + t, st.sampled_from(["http://", "https://", "HTTP://[", "https://:"]), st.text()
)


@FAST
@given(st.one_of(st.text(), url_like))
def test_normalize_never_raises(text: str) -> None:
    norm = normalize_url(text)
    assert norm is None or (isinstance(norm, str) and "#" not in norm and "/" in norm)
    sid = site_id(text)
    assert sid is None or not sid.endswith("/")


@FAST
@given(urls(st.one_of(ascii_host, odd_host)))
def test_norm_is_a_fixed_point(parts: tuple[Any, ...]) -> None:
    url, scheme, *_ = parts
    norm = normalize_url(url)
    assume(norm is not None)
    assert normalize_url(f"{scheme}://{norm}") == norm
    assert normalize_url(f"{scheme}://{norm}#again") == norm


@FAST
@given(urls())
def test_variants_of_a_url_share_its_norm(parts: tuple[Any, ...]) -> None:
    url, scheme, host, pa, q, p = parts
    norm = normalize_url(url)
    assert norm is not None
    bare = host[4:] if host.startswith("www.") else host
    default = {"http": 80, "https": 443}[scheme]
    port_part = f":{p}" if p and p != default else ""
    tail = pa + ("?" + q if q is not None else "")
    variants = [
        f"{scheme}://www.{bare}{port_part}{tail}",
        f"{scheme.upper()}://{host.upper()}{port_part}{tail}#top",
        f"{scheme}://user:pw@{host}{port_part}{tail}",
        f"{scheme}://{host}{port_part}{pa};jsessionid=F00D{'?' + q if q is not None else ''}",
        f"{scheme}://{host}{port_part}{pa}?{(q + '&' if q is not None else '')}sid=123abc",
    ]
    if not port_part:  # the default port written out, or the other scheme, change nothing
        variants.append(f"{scheme}://{host}:{default}{tail}")
        variants.append(f"{'https' if scheme == 'http' else 'http'}://{host}{tail}")
    assert {normalize_url(v) for v in variants} == {norm}


@pytest.fixture(scope="module")
def index() -> SiteIndex:
    sites = {f"{h}{p}" for h in SEED_HOSTS for p in SEED_PREFIXES if (h, p) != ("service-public.fr", "")}
    return SiteIndex(sorted(sites - {"ministere.gouv.fr", "127.0.0.1:8080/dgccrf"}))


@FAST
@given(parts=urls(st.one_of(ascii_host, odd_host)))
def test_attribution_is_idempotent(index: SiteIndex, parts: tuple[Any, ...]) -> None:
    url, scheme, *_ = parts
    norm = normalize_url(url)
    assume(norm is not None)
    site, in_scope = index.attribute(norm)
    assert site is None or site in index
    assert (site, in_scope) == index.attribute(normalize_url(f"{scheme}://{norm}") or "")
    if site is not None:
        # a site's own address belongs to it, in scope
        assert index.attribute(site if "/" in site else site + "/") == (site, True)
        if not in_scope:  # only a same-host URL outside every prefix is attributed out of scope
            assert site.split("/", 1)[0] == norm.split("/", 1)[0]
    else:
        assert not in_scope


@FAST
@given(parts=urls())
def test_attribution_is_stable_across_variants(index: SiteIndex, parts: tuple[Any, ...]) -> None:
    url, scheme, host, pa, q, p = parts
    assume(not p or p == {"http": 80, "https": 443}[scheme])
    tail = f"{pa}{'?' + q if q is not None else ''}"
    bare = host[4:] if host.startswith("www.") else host
    variants = [
        url,
        f"http://{host}{tail}",
        f"https://www.{bare}{tail}",
        f"HTTPS://{host.upper()}{tail}#x",
        f"https://{host}:443{tail}",
        f"http://{host}{pa};jsessionid=1{'?' + q if q else ''}",
    ]
    assert len({index.attribute(normalize_url(v) or "") for v in variants}) == 1


@FAST
@given(st.sampled_from(SEED_HOSTS), st.sampled_from(SEED_PREFIXES), st.sampled_from(["", "/"]),
       st.sampled_from(["http", "https"]), st.booleans())  # fmt: skip
def test_a_seed_url_belongs_to_its_own_site(
    host: str, prefix: str, slash: str, scheme: str, www: bool
) -> None:
    url = f"{scheme}://{'www.' if www else ''}{host}{prefix}{slash}"
    sid = site_id(url)
    assert sid is not None
    index = SiteIndex([sid, f"{host}/dgccrf/pages/x", f"{host}/other"])
    assert index.attribute(normalize_url(url) or "") == (sid, True)


# -- HTML ------------------------------------------------------------------------------------

TAGS = [
    "<a href='{}'>", "<a href=\"{}\" rel='nofollow'>", "<area href={}>", "<base href='{}'>", "</a>",
    "<nav>", "</nav>", "<footer>", "<div role=navigation>", "<title>", "</title>", "<html>", "<head>",
    "<body>", "<!--", "-->", "<script>", "</script>", "<img alt='{}'>", "<svg><a xlink:href='{}'>",
    "<table><tr><td>", "<![CDATA[", "<?xml ?>", "<!DOCTYPE html>",
]  # fmt: skip
ODD_HREFS = [
    "/x", "../../y", "?q=1", "#top", "//other.fr/z", "javascript:alert(1)", "mailto:a@b",
    "file:///etc/passwd", "data:text/html,<a>", "http://[::1", "http://x:99999/", "https://a.gouv.fr/\x00",
    " \t\nhttps://b.gouv.fr/ ", "ftp://c.fr/",
]  # fmt: skip
ODD_TEXT = ["\x00", "\x07", "\x1b", "\ufffe", "&amp;", "&#0;", "&#x1F;", "<", ">", "\ud800"]
HREFS = st.one_of(urls().map(lambda parts: parts[0]), st.sampled_from(ODD_HREFS), st.text(max_size=15))


def tag(template: str, href: str) -> str:
    return template.format(href.replace("'", "").replace('"', ""))


markup = st.lists(
    st.one_of(st.builds(tag, st.sampled_from(TAGS), HREFS), st.text(max_size=12), st.sampled_from(ODD_TEXT)),
    max_size=40,
).map("".join)

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@settings(max_examples=120, deadline=None)
@given(markup)
@example("<base href='http://[::1'><a href='x'>x</a>")  # urljoin raised on the broken <base>
def test_link_extraction_never_raises_on_random_markup(html: str) -> None:
    body = html.encode("utf-8", "surrogatepass")
    try:
        root = Selector(text=body.decode("utf-8", "replace"), type="html").root
    except Exception:  # the spider records such pages as unparsable
        return
    assume(root is not None and hasattr(root, "xpath"))
    for link in extract_links(root, "https://a.gouv.fr/dir/page", limit=50):
        assert link.url.lower().startswith(("http://", "https://"))
        assert "#" not in link.url
        assert not ILLEGAL.search(anchor_text(link.element))
    assert not ILLEGAL.search(page_title(root))


@settings(max_examples=80, deadline=None)
@given(markup)
@example("<base href='http://[::1'><a href='/x'>x</a>")
def test_spider_parse_never_raises_on_random_markup(html: str) -> None:
    spider = make_spider()
    resp = response("https://a.gouv.fr/", "", site="a.gouv.fr")
    resp = resp.replace(body=html.encode("utf-8", "surrogatepass"))
    spider.pending["a.gouv.fr"] += 1
    out = list(spider.parse(resp))
    (item,) = [o for o in out if isinstance(o, Page)]
    assert not ILLEGAL.search(item.title)
    for _href, url, norm, _site, anchor, *_ in item.links:
        assert normalize_url(url) == norm and norm is not None
        assert not ILLEGAL.search(anchor)
