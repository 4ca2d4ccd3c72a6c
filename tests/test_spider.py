"""The spider's page logic, on offline responses (no network, no reactor)."""

from __future__ import annotations

from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.items import Page
from crawler.spider import GovlinksSpider
from crawler.urls import normalize_url

SITES = ["a.gouv.fr", "b.gouv.fr", "economie.gouv.fr/dgccrf", "economie.gouv.fr", "impots.gouv.fr"]


def make_spider(**settings: Any) -> GovlinksSpider:
    values = {
        "GOVLINKS_DB": "unused.db",
        "GOVLINKS_CRAWL_ID": 1,
        "GOVLINKS_MAX_PAGES_PER_SITE": 100,
        "GOVLINKS_MAX_DEPTH": 5,
        "GOVLINKS_MAX_TARGETS_PER_SITE": 100,
        "GOVLINKS_MAX_LINKS_PER_PAGE": 10000,
        "GOVLINKS_KEEP_INTERNAL": False,
        "GOVLINKS_CHECK_LINKS": False,
    }
    values.update(settings)
    crawler = get_crawler(GovlinksSpider, values)
    crawler.stats = MemoryStatsCollector(crawler)
    spider = GovlinksSpider.from_crawler(crawler, sites=SITES)
    for site in SITES:  # as after start(): each seed page planned
        spider.planned[site] = 1
        spider.seen.add(site if "/" in site else site + "/")
    return spider


def response(url: str, body: str, *, site: str, depth: int = 0, status: int = 200,
             ctype: str = "text/html; charset=utf-8", final_url: str | None = None,
             cls: type[Response] = HtmlResponse) -> Response:  # fmt: skip
    meta = {"gl_kind": "page", "gl_site": site, "gl_norm": normalize_url(url), "gl_depth": depth}
    if final_url:
        meta["redirect_urls"] = [url]
    request = scrapy.Request(final_url or url, meta=meta)
    return cls(final_url or url, status=status, body=body.encode(), request=request,
               headers={"Content-Type": ctype})  # fmt: skip


def run(spider: GovlinksSpider, resp: Response) -> tuple[list[Page], list[scrapy.Request]]:
    spider.pending[resp.meta["gl_site"]] += 1
    out = list(spider.parse(resp))
    items = [o for o in out if isinstance(o, Page)]
    requests = [o for o in out if isinstance(o, scrapy.Request)]
    return items, requests


HOME = """<html><head><title>Accueil A</title></head><body>
<header><a href="https://b.gouv.fr/">B</a></header>
<main>
 <a href="/p1">p1</a> <a href="p2#frag">p2</a> <a href="http://www.A.gouv.fr/p1">p1 again</a>
 <a href="https://www.b.gouv.fr/deep?x=1#s">deep B</a> <a href="https://b.gouv.fr/deep?x=1">deep B again</a>
 <a href="https://www.economie.gouv.fr/dgccrf/fiche">DGCCRF</a>
 <a href="https://economie.gouv.fr/autre">Economie</a>
 <a href="https://aide.impots.gouv.fr/faq">Aide impots</a>
 <a href="https://legifrance.gouv.fr/code">Code</a>
 <a href="mailto:x@a.gouv.fr">m</a><a href="javascript:void(0)">js</a><a href="#top">top</a>
</main></body></html>"""


def test_page_item_links_and_frontier() -> None:
    spider = make_spider()
    items, requests = run(spider, response("https://a.gouv.fr/", HOME, site="a.gouv.fr"))
    (item,) = items
    assert item.title == "Accueil A"
    assert item.status == 200 and item.content_type == "text/html"
    # p1, p2, p1 again; the fragment-only link (the page itself) is not a link
    assert item.internal_links == 3
    targets = [(link[2], link[3], link[6]) for link in item.links]
    assert targets == [
        ("b.gouv.fr/", "b.gouv.fr", 1),
        ("b.gouv.fr/deep?x=1", "b.gouv.fr", 0),
        ("b.gouv.fr/deep?x=1", "b.gouv.fr", 0),
        ("economie.gouv.fr/dgccrf/fiche", "economie.gouv.fr/dgccrf", 0),
        ("economie.gouv.fr/autre", "economie.gouv.fr", 0),
        ("aide.impots.gouv.fr/faq", "impots.gouv.fr", 0),
        ("legifrance.gouv.fr/code", None, 0),
    ]
    assert item.external_links == 7
    assert item.links[1][0] == "https://www.b.gouv.fr/deep?x=1#s"  # href as written
    assert item.links[1][1] == "https://www.b.gouv.fr/deep?x=1"  # absolute, no fragment
    assert item.links[1][4] == "deep B"
    # each internal page planned once, at depth 1, and requested after the item
    assert item.frontier == [("a.gouv.fr/p1", "https://a.gouv.fr/p1", "a.gouv.fr", 1),
                                ("a.gouv.fr/p2", "https://a.gouv.fr/p2", "a.gouv.fr", 1)]  # fmt: skip
    assert [r.url for r in requests] == ["https://a.gouv.fr/p1", "https://a.gouv.fr/p2"]
    assert requests[0].meta["download_slot"] == "a.gouv.fr"
    assert requests[0].priority == -1


def test_keep_internal_stores_internal_links() -> None:
    spider = make_spider(GOVLINKS_KEEP_INTERNAL=True)
    (item,), _ = run(spider, response("https://a.gouv.fr/", HOME, site="a.gouv.fr"))
    internal = [link for link in item.links if link[7] == 1]
    assert [link[2] for link in internal] == ["a.gouv.fr/p1", "a.gouv.fr/p2", "a.gouv.fr/p1"]
    assert item.external_links == 7


def test_path_prefix_site_scope() -> None:
    spider = make_spider()
    body = """<html><body><a href="/dgccrf/a">in</a><a href="/dgccrf">home</a>
              <a href="/autre">host root site</a><a href="/dgccrfx">sibling</a></body></html>"""
    (item,), requests = run(
        spider, response("https://economie.gouv.fr/dgccrf", body, site="economie.gouv.fr/dgccrf")
    )
    assert [r.url for r in requests] == ["https://economie.gouv.fr/dgccrf/a"]
    assert item.internal_links == 2
    assert [(link[2], link[3]) for link in item.links] == [
        ("economie.gouv.fr/autre", "economie.gouv.fr"),
        ("economie.gouv.fr/dgccrfx", "economie.gouv.fr"),
    ]


def test_depth_cap_stops_following() -> None:
    spider = make_spider(GOVLINKS_MAX_DEPTH=2)
    body = '<html><body><a href="/deeper">x</a></body></html>'
    (item,), requests = run(spider, response("https://a.gouv.fr/x", body, site="a.gouv.fr", depth=2))
    assert requests == [] and item.frontier == []
    assert item.internal_links == 1


def test_page_budget_counts_planned_pages() -> None:
    spider = make_spider(GOVLINKS_MAX_PAGES_PER_SITE=3)
    body = "<html><body>" + "".join(f'<a href="/p{i}">p</a>' for i in range(10)) + "</body></html>"
    (item,), requests = run(spider, response("https://a.gouv.fr/", body, site="a.gouv.fr"))
    assert [r.url for r in requests] == ["https://a.gouv.fr/p0", "https://a.gouv.fr/p1"]
    assert spider.planned["a.gouv.fr"] == 3
    assert item.internal_links == 10


def test_seen_pages_are_not_planned_twice() -> None:
    spider = make_spider()
    body = '<html><body><a href="/p">p</a></body></html>'
    run(spider, response("https://a.gouv.fr/", body, site="a.gouv.fr"))
    _, requests = run(spider, response("http://www.a.gouv.fr/q", body, site="a.gouv.fr", depth=1))
    assert requests == []


def test_non_html_and_errors_are_recorded_not_parsed() -> None:
    spider = make_spider()
    pdf_response = response("https://a.gouv.fr/doc.pdf", "%PDF-1.4 <a href='/x'>", site="a.gouv.fr",
                            ctype="application/pdf", cls=Response)  # fmt: skip
    (pdf,), requests = run(spider, pdf_response)
    assert requests == [] and pdf.links == []
    assert pdf.content_type == "application/pdf" and pdf.size == 22
    (err,), requests = run(spider, response("https://a.gouv.fr/gone", HOME, site="a.gouv.fr", status=404))
    assert err.status == 404 and requests == [] and err.links == []


def test_redirect_within_site_is_parsed_once() -> None:
    spider = make_spider()
    body = '<html><body><a href="https://b.gouv.fr/x">b</a></body></html>'
    (item,), _ = run(spider, response("https://a.gouv.fr/old", body, site="a.gouv.fr",
                                      final_url="https://a.gouv.fr/new"))  # fmt: skip
    assert item.url == "https://a.gouv.fr/old"
    assert item.final_url == "https://a.gouv.fr/new" and item.final_norm == "a.gouv.fr/new"
    assert len(item.links) == 1
    # another URL redirecting to the same page is recorded without its links
    (again,), _ = run(spider, response("https://a.gouv.fr/older", body, site="a.gouv.fr",
                                       final_url="https://a.gouv.fr/new"))  # fmt: skip
    assert again.links == []


def test_redirect_off_site_is_not_parsed() -> None:
    spider = make_spider()
    body = '<html><body><a href="/x">x</a></body></html>'
    (item,), requests = run(spider, response("https://a.gouv.fr/moved", body, site="a.gouv.fr",
                                             final_url="https://b.gouv.fr/landing"))  # fmt: skip
    assert item.final_url == "https://b.gouv.fr/landing"
    assert item.links == [] and requests == []


@pytest.mark.parametrize("body", ["", "\x00\x00\x00", "<<<>>>", "<html><a href='http://[bad'>x</a>"])
def test_hostile_markup_does_not_raise(body: str) -> None:
    spider = make_spider()
    items, _ = run(spider, response("https://a.gouv.fr/", body, site="a.gouv.fr"))
    assert len(items) == 1


def test_accented_and_escaped_links_are_one_page() -> None:
    spider = make_spider()
    body = '<html><body><a href="/démarches">a</a><a href="/d%C3%A9marches">b</a></body></html>'
    (item,), requests = run(spider, response("https://a.gouv.fr/", body, site="a.gouv.fr"))
    assert [r.url for r in requests] == ["https://a.gouv.fr/d%C3%A9marches"]
    assert item.frontier[0][0] == "a.gouv.fr/d%C3%A9marches"
    assert item.internal_links == 2


TEXT_PAGE = """<html><head><title>Impôts</title><meta name="description" content="Payer ses impôts."></head>
<body><nav><a href="https://b.gouv.fr/menu">Menu B</a></nav><main><h1>Le prélèvement</h1>
<p>Pour le calcul, voyez <a href="https://b.gouv.fr/simulateur">le simulateur</a> du taux.</p>
<p>Texte officiel : <a href="https://legifrance.gouv.fr/code">le code</a>.</p>
<p>Autre page : <a href="/p1">p1</a>.</p></main></body></html>"""


@pytest.mark.parametrize("text", [True, False])
def test_page_profile_and_link_context_unless_no_text(text: bool) -> None:
    spider = make_spider(GOVLINKS_TEXT=text)
    (item,), _ = run(spider, response("https://a.gouv.fr/", TEXT_PAGE, site="a.gouv.fr"))
    links = {link.target_url: link for link in item.links}
    if not text:
        assert item.profile is None and {link.context for link in item.links} == {None}
        return
    assert item.profile == (
        "Impôts\nPayer ses impôts.\nLe prélèvement\n"
        "Le prélèvement Pour le calcul, voyez le simulateur du taux. Texte officiel : le code . "
        "Autre page : p1 ."
    )
    # Only content links to another seed site carry their context: not template links, not outside ones.
    assert links["https://b.gouv.fr/simulateur"].context == "Pour le calcul, voyez … du taux."
    assert links["https://b.gouv.fr/menu"].context is None
    assert links["https://legifrance.gouv.fr/code"].context is None
