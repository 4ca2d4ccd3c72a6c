from __future__ import annotations

from pathlib import Path

import lxml.html

from crawler.links import anchor_text, base_url, extract_links, page_title

REAL_HTML = Path(__file__).resolve().parent / "fixtures" / "real-html"  # shipped: see its README


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html)


PAGE = """<html><head><title> Mon  <b>titre</b>\x07 </title></head><body>
<header><a href="/h">header link</a></header>
<div role="navigation"><ul><li><a href="https://x.gouv.fr/nav">nav role</a></li></ul></div>
<nav><a href="rel/nav">nav</a></nav>
<main>
  <p><a href="https://y.gouv.fr/deep#section" rel="noopener external">deep   y</a></p>
  <a href="#top">top</a>
  <a href="mailto:a@b.fr">mail</a><a href="tel:+33">tel</a><a href="javascript:go()">js</a>
  <a href="  ">blank</a><a>no href</a>
  <a href="//z.gouv.fr/proto-relative"><img src="i.png" alt="logo Z"></a>
  <a href="?page=2" aria-label="Page suivante"></a>
  <area href="/map-area">
</main>
<footer><a href="https://service-public.fr/">SP</a></footer>
<div role="contentinfo"><a href="/legal">legal</a></div>
</body></html>"""


def test_extracts_positions_and_resolves() -> None:
    root = parse(PAGE)
    links = list(extract_links(root, "https://a.gouv.fr/dir/page"))
    got = [(link.url, link.template) for link in links]
    assert got == [
        ("https://a.gouv.fr/h", True),
        ("https://x.gouv.fr/nav", True),
        ("https://a.gouv.fr/dir/rel/nav", True),
        ("https://y.gouv.fr/deep", False),
        ("https://z.gouv.fr/proto-relative", False),
        ("https://a.gouv.fr/dir/page?page=2", False),
        ("https://a.gouv.fr/map-area", False),
        ("https://service-public.fr/", True),
        ("https://a.gouv.fr/legal", True),
    ]
    deep = links[3]
    assert deep.href == "https://y.gouv.fr/deep#section"
    assert deep.rel == "noopener external"
    assert anchor_text(deep.element) == "deep y"
    assert anchor_text(links[4].element) == "logo Z"
    assert anchor_text(links[5].element) == "Page suivante"
    # <title> is raw text in HTML: markup stays literal (outputs escape it)
    assert page_title(root) == "Mon <b>titre</b>"


def test_base_href() -> None:
    root = parse('<html><head><base href="https://cdn.b.gouv.fr/base/"></head>'
                 '<body><a href="x">x</a><a href="/y">y</a></body></html>')  # fmt: skip
    assert base_url(root, "https://b.gouv.fr/p") == "https://cdn.b.gouv.fr/base/"
    assert [link.url for link in extract_links(root, "https://b.gouv.fr/p")] == [
        "https://cdn.b.gouv.fr/base/x",
        "https://cdn.b.gouv.fr/y",
    ]


def test_relative_base_href_resolves_against_page() -> None:
    root = parse('<html><head><base href="/sub/"></head><body><a href="x">x</a></body></html>')
    assert [link.url for link in extract_links(root, "https://b.gouv.fr/p/q")] == ["https://b.gouv.fr/sub/x"]


def test_limit_bounds_links_per_page() -> None:
    html = "<html><body>" + "".join(f'<a href="/p{i}">p</a>' for i in range(50)) + "</body></html>"
    assert len(list(extract_links(parse(html), "https://a.gouv.fr/", limit=20))) == 20


def test_real_page_of_travail_emploi() -> None:
    html = (REAL_HTML / "harcelement-travail.html").read_text(encoding="utf-8")
    root = parse(html)
    links = list(extract_links(root, "https://travail-emploi.gouv.fr/harcelement"))
    assert len(links) > 100
    hosts = {link.url.split("/")[2] for link in links}
    assert "www.legifrance.gouv.fr" in hosts
    assert all(link.url.startswith(("http://", "https://")) for link in links)
    assert any(link.template for link in links) and any(not link.template for link in links)
