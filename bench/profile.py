"""The crawl-time cost of text profiles: page_profile + link_context per page, vs link extraction.

    python bench/profile.py [--pages 400] [--repeat 5]

Renders demo pages (25 KB, ~60 links) and the real travail-emploi.gouv.fr pages of
tests/fixtures, parses each once, then times, best of ``--repeat``: what the spider
does to every page anyway (``extract_links`` and the anchors of the links kept), and
what text adds (``page_profile``, and ``link_context`` of the content links to other
sites, given their anchors). CPU time of one process, so a loaded machine disturbs it less than the
crawl benchmark's wall-clock ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
from common import ROOT

from crawler.links import anchor_text, extract_links, page_title
from crawler.profile import link_context, page_profile
from demo.generate import build_spec
from demo.pages import render_page


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def measure(name: str, docs: list[tuple[lxml.html.HtmlElement, str]], repeat: int) -> None:
    content = []  # the content links to other hosts of each page, found once
    for root, url in docs:
        host = url.split("/", 3)[2]
        kept = [r.element for r in extract_links(root, url) if not r.template and host not in r.url]
        content.append([(el, anchor_text(el)) for el in kept])  # the spider has the anchors already

    def links() -> None:
        for root, url in docs:
            for raw in extract_links(root, url):
                anchor_text(raw.element)

    def text() -> None:
        for (root, _url), elements in zip(docs, content, strict=True):
            page_profile(root, page_title(root))
            for el, anchor in elements:
                link_context(el, anchor)

    base, extra, n = best(links, repeat), best(text, repeat), len(docs)
    print(f"{name}: {n} pages; links {base / n * 1e6:.0f} µs/page, text adds {extra / n * 1e6:.0f} µs/page "
          f"({extra / base:.0%} of link extraction)")  # fmt: skip


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    spec = build_spec(sites=40, pages=20, planted=False)
    docs = []
    for site in spec.sites:
        for i in range(site.pages):
            url = f"{site.scheme}://{site.host}{spec.paths(site)[i]}"
            docs.append((lxml.html.fromstring(render_page(spec, site, i)), url))
    measure("demo pages", docs[: args.pages], args.repeat)
    real = sorted(Path(ROOT / "tests" / "fixtures" / "real-html").glob("*.html"))
    measure(
        "real pages",
        [(lxml.html.fromstring(p.read_bytes()), "https://travail-emploi.gouv.fr/x") for p in real] * 20,
        args.repeat,
    )


if __name__ == "__main__":
    main()
