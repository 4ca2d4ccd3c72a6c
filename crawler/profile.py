"""A page's text profile, and the words around a link: what relevance is computed from.

Whether a link is *relevant* (``graphs/relevance.py``) is a question about words:
do the words of the linking page around the link speak of what the target page
speaks of? The crawl keeps, for each HTML page, a bounded *profile*: its title,
meta description, headings and the first words of its main content, leaving out
the site-wide header, menus and footer (the template regions of
``crawler/links.py``: the same on every page of a site, they say nothing about
one page). For each link from the content of a page to another seed site it
keeps the *context*: the text of the paragraph, list item or table cell the link
sits in, without the anchor itself (stored beside it), bounded.

Bounded and cheap because this runs on every page of a crawl: at most
:data:`MAX_PROFILE` characters per page (1,200: three profiles fill a 4 KB SQLite
page, where 1,500 fit only two; the store grows by ~2 KB per page with the link
contexts, bench/RESULTS.md) and one walk of the main content that
stops as soon as enough words are collected, so a 500 KB page costs no more than a
small one (~0.1 ms per page, bench/RESULTS.md). Pure functions over an lxml tree.
"""

from __future__ import annotations

from lxml import etree

from crawler.links import TEMPLATE_ROLES, TEMPLATE_TAGS
from crawler.text import crawled_text

__all__ = ["MAX_CONTEXT", "MAX_PROFILE", "link_context", "page_profile"]

MAX_PROFILE = 1200  # characters of a page profile: three rows in a 4 KB SQLite page
MAX_CONTEXT = 160  # characters of the text around a link
_MAX_DESCRIPTION = 300
_MAX_HEADINGS = 400

_DESCRIPTION_NAMES = frozenset({"description", "og:description"})
_ROLE_MAIN = etree.XPath("(//*[@role='main'])[1]")
_HEADING_TAGS = ("h1", "h2", "h3")
# Elements whose text is not the page's prose.
_SKIP = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "object", "select", "button", "head"}
)
# The blocks a link's context is taken from: its nearest such ancestor.
_BLOCKS = frozenset(
    {"p", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "caption", "h1", "h2", "h3", "h4",
     "h5", "h6", "label", "summary"}
)  # fmt: skip


def _skipped(el: etree._Element) -> bool:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return True
    return tag in _SKIP or tag in TEMPLATE_TAGS or el.get("role") in TEMPLATE_ROLES


def _in_template(el: etree._Element, top: etree._Element) -> bool:
    """Whether ``el`` sits in a template region below ``top``."""
    for a in el.iterancestors():
        if a is top:
            return False
        if a.tag in TEMPLATE_TAGS or a.get("role") in TEMPLATE_ROLES:
            return True
    return False


def _main(root: etree._Element) -> etree._Element:
    """The main content: ``<main>``, else the element of role ``main``, else ``<body>`` (or the root).

    Found with tag-filtered iteration, which stops at the first hit: a document-wide
    XPath costs ~0.3 ms on a 150 KB page, as much as the rest of the profile.
    """
    found = next(root.iter("main"), None)
    if found is None:
        role = _ROLE_MAIN(root)
        found = role[0] if role else next(root.iter("body"), root)
    return found


def _description(root: etree._Element) -> str:
    head = root.find("head")
    if head is None:
        return ""
    for meta in head.iter("meta"):
        if (meta.get("name") or meta.get("property") or "").lower() in _DESCRIPTION_NAMES:
            return crawled_text(meta.get("content"), _MAX_DESCRIPTION)
    return ""


def _headings(main: etree._Element) -> str:
    headings: list[str] = []
    size = 0
    for h in main.iter(*_HEADING_TAGS):
        if _in_template(h, main):
            continue
        text = crawled_text(h.text_content(), _MAX_HEADINGS)
        if text:
            headings.append(text)
            size += len(text) + 3
            if size >= _MAX_HEADINGS:
                break
    return " · ".join(headings)[:_MAX_HEADINGS]


def _main_text(main: etree._Element, limit: int) -> str:
    """The first ``limit`` characters (about) of the main content, templates left out."""
    parts: list[str] = []
    size = 0
    walk = etree.iterwalk(main, events=("start", "end"))
    for event, el in walk:
        if event == "start":
            if el is not main and _skipped(el):
                walk.skip_subtree()
                continue
            text = el.text
        else:
            text = el.tail if el is not main else None
        if text and not text.isspace():
            parts.append(text)
            size += len(text.strip())
            if size > limit * 1.2:  # runs of white space inside collapse too: some margin
                break
    return crawled_text(" ".join(parts), limit)


def page_profile(root: etree._Element, title: str = "", *, limit: int = MAX_PROFILE) -> str:
    """Title, meta description, headings and first words of a page: at most ``limit`` characters.

    One line each, in this order, empty lines kept (headings joined by `` · ``;
    "" when the page has no text at all), template regions (header, nav, footer
    and their ARIA roles) left out. ``title`` is the page's cleaned
    ``<title>`` when the caller has it already.

    >>> import lxml.html
    >>> page = lxml.html.fromstring(
    ...     "<html><head><title>Aides au logement</title><meta name='description' content='Les APL.'>"
    ...     "</head><body><nav><h2>Menu</h2><a href='/'>Accueil</a></nav><main><h1>Les aides</h1>"
    ...     "<p>Le montant dépend <b>du loyer</b>.</p><script>x()</script><p>Simulez-le.</p></main>"
    ...     "<footer>Mentions légales</footer></body></html>")
    >>> print(page_profile(page, "Aides au logement"))
    Aides au logement
    Les APL.
    Les aides
    Les aides Le montant dépend du loyer . Simulez-le.
    """
    main = _main(root)
    lines = [title, _description(root), _headings(main)]
    used = sum(len(line) + 1 for line in lines)
    lines.append(_main_text(main, max(0, limit - used)))
    profile = "\n".join(lines)[:limit]
    return profile if profile.strip() else ""  # lines stay in place: relevance weighs each field


def link_context(el: etree._Element, anchor: str, *, limit: int = MAX_CONTEXT) -> str | None:
    """The text around a link in its paragraph, list item or cell, without the anchor; None if none.

    >>> import lxml.html
    >>> p = lxml.html.fromstring("<p>Pour déménager, consultez <a href='x'>le guide</a> en ligne.</p>")
    >>> link_context(p.find(".//a"), "le guide")
    'Pour déménager, consultez … en ligne.'
    >>> link_context(lxml.html.fromstring("<ul><li><a href='x'>Seul</a></li></ul>").find(".//a"), "Seul")
    """
    block = next((a for a in el.iterancestors() if a.tag in _BLOCKS), None)
    if block is None:
        return None
    if len(block) == 1 and not (block.text or "").strip() and not (el.tail or "").strip():
        return None  # the link alone in its block (a list of links): nothing around it
    text = crawled_text(block.text_content(), 4000)
    at = text.find(anchor) if anchor else -1
    if at < 0:
        around = text if text != anchor else ""
    else:
        before, after = text[:at].strip(), text[at + len(anchor) :].strip()
        half = limit // 2
        if len(before) > half:  # whole words only
            before = before[-half:].partition(" ")[2]
        if len(after) > half:
            after = after[:half].rpartition(" ")[0]
        around = " … ".join(p for p in (before, after) if p)
    around = around.strip()
    return around[:limit] or None
