"""Extract hyperlinks from a parsed HTML page, with their position.

A link is *template* when it sits inside ``header``, ``nav`` or ``footer`` or an
element with the ARIA landmark roles ``banner``, ``navigation`` or
``contentinfo``: those are the site-wide menus and footers, which say little about
whether a page carries its readers along their journey. Everything else is
*content*.

Works on an lxml tree (Scrapy's ``response.selector.root``) with two XPath
queries per page rather than one ancestor walk per link, because this runs on
every page of the crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urljoin

from lxml import etree

from crawler.text import crawled_text
from crawler.urls import SIMPLE_URL

__all__ = [
    "TEMPLATE_REGION",
    "TEMPLATE_ROLES",
    "TEMPLATE_TAGS",
    "RawLink",
    "anchor_text",
    "base_url",
    "extract_links",
    "page_title",
]

# The template regions: site-wide header, menus and footer (crawler/profile.py leaves them out too).
TEMPLATE_TAGS = frozenset({"header", "nav", "footer"})
TEMPLATE_ROLES = frozenset({"banner", "navigation", "contentinfo"})
# XPath predicate of an element that is a template region.
TEMPLATE_REGION = " or ".join(
    [*(f"self::{t}" for t in sorted(TEMPLATE_TAGS)), *(f"@role='{r}'" for r in sorted(TEMPLATE_ROLES))]
)

_ANCHORS = etree.XPath("//a[@href] | //area[@href]")
_TEMPLATE_ANCHORS = etree.XPath(f"//*[{TEMPLATE_REGION}]//*[(self::a or self::area) and @href]")
_BASE = etree.XPath("//base[@href][1]/@href")
_TITLE = etree.XPath("//title[1]")
_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "ftp:", "file:", "#")


class RawLink(NamedTuple):
    href: str  # as written
    url: str  # absolute, fragment removed
    element: etree._Element  # for anchor_text(), computed only for the links kept
    rel: str
    template: bool


def page_title(root: etree._Element) -> str:
    """The page's ``<title>``, cleaned and bounded."""
    found = _TITLE(root)
    return crawled_text(found[0].text_content()) if found else ""


def base_url(root: etree._Element, page_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when there is one."""
    found = _BASE(root)
    if found:
        href = str(found[0]).strip()
        if href:
            try:
                return urljoin(page_url, href)
            except ValueError:  # a broken <base>, e.g. an unclosed IPv6 literal: browsers ignore it
                return page_url
    return page_url


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return scheme + "://" + rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def join_url(base: str, origin: str, href: str) -> str:
    """``urljoin(base, href)``, with fast paths for absolute and root-relative hrefs.

    urljoin is the single largest cost of link extraction; most hrefs are already
    absolute or start with ``/`` and need no general resolution. Dot segments and
    control characters take the general path.
    """
    if "./" in href or "/.." in href or "\t" in href or "\n" in href or "\r" in href:
        return urljoin(base, href)
    if href.startswith("/"):
        if href.startswith("//"):
            return urljoin(base, href)
        return origin + href
    if SIMPLE_URL.match(href):
        scheme = href.split(":", 1)[0]
        return scheme.lower() + href[len(scheme) :]
    return urljoin(base, href)


def extract_links(root: etree._Element, page_url: str, *, limit: int = 0) -> Iterator[RawLink]:
    """Yield every http(s) link of the page, resolved against its base URL.

    ``mailto:``, ``tel:``, ``javascript:`` and fragment-only links are skipped
    (a fragment-only link points at the page itself). ``limit`` bounds how many
    links one page may yield (0: no bound).
    """
    base = base_url(root, page_url)
    origin = _origin(base)
    template = set(_TEMPLATE_ANCHORS(root))
    count = 0
    for el in _ANCHORS(root):
        href = el.get("href") or ""
        href = href.strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            url = join_url(base, origin, href)
        except ValueError:
            continue
        if not url[:8].lower().startswith(("http://", "https://")):
            continue
        yield RawLink(href[:2048], url.split("#", 1)[0], el, el.get("rel") or "", el in template)
        count += 1
        if limit and count >= limit:
            return


def anchor_text(el: etree._Element) -> str:
    """Visible text of a link, or its ``title``/``aria-label``/image ``alt``."""
    text = crawled_text(el.text_content())
    if text:
        return text
    label = el.get("aria-label") or el.get("title")
    if not label:
        alts = el.xpath(".//img/@alt")
        label = alts[0] if alts else ""
    return crawled_text(str(label))
