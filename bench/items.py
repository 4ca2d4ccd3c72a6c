"""Cost of the spider-to-store items: dicts and tuples vs dataclasses and NamedTuples.

    python bench/items.py [--links 60] [--repeat 7]

Times, per page of ``--links`` links, the two things the crawl does with its
items on the hot path: build the page record and its links (crawler/spider.py),
and turn them into the rows ``executemany`` takes (crawler/store).
Three designs: what govlinks did before crawler/items.py (a dict per page, a
plain tuple per link), what it does now (a slotted dataclass per page, a
NamedTuple per link), and a slotted dataclass for links as well. Best of
``--repeat`` runs, in microseconds per page; the figures are quoted in
crawler/items.py.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.items import LINK_FIELDS, PAGE_FIELDS, Link, Page


@dataclass(slots=True)
class LinkRecord:  # the alternative: a dataclass per link
    href: str
    target_url: str
    target_norm: str
    target_site: str | None
    anchor: str
    rel: str
    template: int
    internal: int


_link_values = attrgetter(*LINK_FIELDS)
_page_values = attrgetter(*PAGE_FIELDS)


def _raw_links(n: int) -> list[tuple[str, str, str, str, str, str, bool]]:
    return [
        (f"/p{i}", f"https://a.gouv.fr/p{i}", f"a.gouv.fr/p{i}", "b.gouv.fr", f"anchor {i}", "", i % 3 == 0)
        for i in range(n)
    ]


def _record(**fields: Any) -> dict[str, Any]:  # as the spider's _page_record built it
    return {
        "kind": "page", "site": "a.gouv.fr", "url": "https://a.gouv.fr/", "norm": "a.gouv.fr/",
        "final_url": None, "final_norm": None, "status": None, "content_type": None, "size": None,
        "title": "", "depth": 0, "fetched_at": "2026-01-01T00:00:00+00:00", "error": None,
        "internal_links": 0, "external_links": 0, **fields,
    }  # fmt: skip


def build_dict(raw: list[Any]) -> dict[str, Any]:
    item = _record(final_url="https://a.gouv.fr/", final_norm="a.gouv.fr/", status=200,
                   content_type="text/html", size=25000)  # fmt: skip
    item["links"] = [(h, u, n, s, a, r, int(t), 0) for h, u, n, s, a, r, t in raw]
    item["frontier"] = []
    return item


def rows_dict(item: dict[str, Any]) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    page = (1, *(item.get(c) for c in PAGE_FIELDS))
    site = item["site"]
    links = [(1, 7, site, *link) for link in item.get("links", ())]
    return page, links


def build_page(raw: list[Any], link_type: Any) -> Page:
    item = Page(
        kind="page", site="a.gouv.fr", url="https://a.gouv.fr/", norm="a.gouv.fr/", depth=0,
        fetched_at="2026-01-01T00:00:00+00:00", final_url="https://a.gouv.fr/", final_norm="a.gouv.fr/",
        status=200, content_type="text/html", size=25000,
    )  # fmt: skip
    item.links = [link_type(h, u, n, s, a, r, int(t), 0) for h, u, n, s, a, r, t in raw]
    return item


def rows_page(item: Page) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    page = (1, *_page_values(item))
    site = item.site
    links = [(1, 7, site, *link) for link in item.links]
    return page, links


def rows_page_records(item: Page) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    page = (1, *_page_values(item))
    site = item.site
    links = [(1, 7, site, *_link_values(link)) for link in item.links]
    return page, links


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--links", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    raw = _raw_links(args.links)
    n = 2000

    def best(fn: Any) -> float:
        return min(timeit.repeat(fn, number=n, repeat=args.repeat)) / n * 1e6

    d = build_dict(raw)
    p = build_page(raw, Link)
    r = build_page(raw, LinkRecord)
    assert rows_dict(d) == rows_page(p) == rows_page_records(r)  # the same rows, whatever the design
    designs = [
        ("dict + tuples (before)", lambda: build_dict(raw), lambda: rows_dict(d)),
        ("dataclass + NamedTuple (now)", lambda: build_page(raw, Link), lambda: rows_page(p)),
        ("dataclass + dataclass", lambda: build_page(raw, LinkRecord), lambda: rows_page_records(r)),
    ]
    print(f"per page of {args.links} links, best of {args.repeat}, µs")
    print(f"{'design':30s} {'build':>8s} {'rows':>8s} {'total':>8s}")
    for name, build, rows in designs:
        b, w = best(build), best(rows)
        print(f"{name:30s} {b:8.1f} {w:8.1f} {b + w:8.1f}")


if __name__ == "__main__":
    main()
