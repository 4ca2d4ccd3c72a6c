"""The ground truth of a generated web, computed from its spec alone.

What a complete crawl must store (per site: status, pages, robots-blocked pages;
per pair of sites: the columns of ``store.reads.site_edges``; the outside links and
whether each is retired) and which reason codes ``govlinks report`` must give.
It walks the pages through ``demo.pages.page_links``, the very function the
HTML is rendered from, and asks ``demo.web`` what each link target answers;
it uses govlinks itself only for URL norms (``crawler.urls.normalize_url``)
and, for the reason codes, for the report's own rules (the registry of
``graphs.findings``) applied to that truth: the demo then checks that crawl,
store and site graph reproduce exactly the truth's graph, and the rules are
written once.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crawler.urls import normalize_url
from demo.offtopic import relevance_truth, site_relevance_rows
from demo.pages import INTERNAL, MAX_DEPTH, OUTSIDE, SiteSpec, WebSpec, page_links
from demo.plant_journeys import check_journey_gaps
from demo.web import GeneratedWeb
from graphs.build import site_graph
from graphs.findings import CODES as REPORT_CODES
from graphs.findings import find
from graphs.metrics import site_metrics
from graphs.relevance import site_figures

__all__ = ["CODES", "compute_truth", "derive_codes", "truth_problems"]

# The reason codes of `govlinks report`, in report order.
CODES = tuple(REPORT_CODES)

_FAIL_STATUS = {
    None: "ok",
    "unreachable": "unreachable",
    "robots": "robots",
    "error": "homepage_error",
    "no_html": "no_html",
}


def _status(site: SiteSpec) -> str:
    return _FAIL_STATUS[site.fail]


def compute_truth(spec: WebSpec) -> dict[str, Any]:
    """What a complete crawl of ``spec`` stores and what the report finds, from the spec alone."""
    web = GeneratedWeb(spec, cache_size=0)
    outcome: dict[str, str] = {}

    def fate(url: str, norm: str) -> str:
        if norm not in outcome:
            outcome[norm] = web.fetch_outcome(url)
        return outcome[norm]

    edges: dict[tuple[str, str], dict[str, Any]] = {}
    outside: dict[tuple[str, str], dict[str, Any]] = {}
    sites = spec.sites
    for site in sites:
        if site.fail:
            continue
        for i in range(site.pages):
            if site.private and i == site.pages - 1:
                continue  # robots.txt forbids it: never fetched, its links never seen
            page = (site.id, i)
            for link in page_links(spec, site, i):
                if link.target == INTERNAL or link.target == site.index:
                    continue
                norm = normalize_url(link.url)
                assert norm is not None, link.url
                if link.target == OUTSIDE:
                    ext = outside.setdefault((site.id, norm), {"urls": set(), "pages": set()})
                    ext["urls"].add(link.url)
                    ext["pages"].add(page)
                    continue
                target = sites[link.target]
                e = edges.setdefault(
                    (site.id, target.id),
                    {
                        "pages": set(),
                        "links": 0,
                        "norms": set(),
                        "deep": set(),
                        "template": set(),
                        "content": set(),
                        "broken": set(),
                    },
                )
                e["pages"].add(page)
                e["links"] += 1
                e["norms"].add(norm)
                homepage = {target.id} if target.prefix else {target.id, target.id + "/"}
                if norm not in homepage:
                    e["deep"].add(norm)
                (e["template"] if link.template else e["content"]).add(page)
                if fate(link.url, norm) in ("broken", "unreachable"):
                    e["broken"].add(norm)
    edge_rows = [
        {
            "source": s,
            "target": t,
            "weight": len(e["pages"]),
            "links": e["links"],
            "targets": len(e["norms"]),
            "deep": len(e["deep"]),
            "template_pages": len(e["template"]),
            "content_pages": len(e["content"]),
            "broken": len(e["broken"]),
        }
        for (s, t), e in sorted(edges.items())
    ]
    external = []
    for (source, norm), ext in sorted(outside.items()):
        url = min(ext["urls"])
        fate_ = fate(url, norm)
        external.append(
            {
                "source": source,
                "target_norm": norm,
                "target_url": url,
                "pages": len(ext["pages"]),
                "outcome": fate_,
                "retired": fate_ in ("moved", "unreachable"),
            }
        )
    truth_sites = {}
    for site in sites:
        status = _status(site)
        pages = (
            site.pages - int(site.private) if status == "ok" else int(status in ("homepage_error", "no_html"))
        )
        truth_sites[site.id] = {
            "url": site.url,
            "name": site.name,
            "role": site.role,
            "themes": site.themes,
            "life_events": site.life_events,
            "status": status,
            "pages": pages,
            "robots_blocked": int(site.private) if status == "ok" else int(status == "robots"),
            "codes": [c for c in CODES if c in site.codes],
        }
    return {
        "crawl_options": {
            "max_pages_per_site": max(s.pages for s in sites),
            "max_depth": MAX_DEPTH,
            "check_links": True,
        },
        "hub": sites[spec.hub].id,
        "sites": truth_sites,
        "edges": edge_rows,
        "external": external,
        "journey_gaps": [dict(g) for g in spec.journey_gaps],
        "relevance": relevance_truth(spec, {site.id: _status(site) for site in sites}),
    }


def derive_codes(truth: dict[str, Any]) -> dict[str, list[str]]:
    """Reason codes the report's rules give on a truth's sites, edges and outside links.

    The truth's site graph is built as the report builds the crawled one
    (``graphs.build.site_graph``) and every registered rule runs on it with the
    default thresholds; retired outside links count for ``links_to_retired``, and the
    planted off-topic links (``truth["relevance"]``) for ``off_topic_links``.
    """
    sites = pd.DataFrame(
        [
            {"site": s, "status": d["status"], "pages": d["pages"], "themes": d["themes"],
             "life_events": d["life_events"]}
            for s, d in truth["sites"].items()
        ],
        columns=["site", "status", "pages", "themes", "life_events"],
    )  # fmt: skip
    G = site_graph(sites, pd.DataFrame(truth["edges"]))
    retired = pd.DataFrame(
        [
            (x["source"], x["target_url"], x["target_norm"], x["pages"], x["outcome"])
            for x in truth["external"]
            if x["retired"]
        ],
        columns=["source", "target_url", "target_norm", "pages", "reason"],
    )
    relevance = site_figures(site_relevance_rows(truth, truth["sites"])) if "relevance" in truth else None
    codes: dict[str, list[str]] = {s: [] for s in truth["sites"]}
    found = find(G, site_metrics(G), retired=retired, relevance=relevance)
    for site, code in found[["site", "code"]].itertuples(index=False):
        codes[site].append(code)
    return codes


def truth_problems(truth: dict[str, Any]) -> list[str]:
    """What is wrong with the planted cases of a truth (nothing: an empty list).

    Every site's planted ``codes`` must be exactly what the report's rules give on the
    truth (:func:`derive_codes`), and every planted journey gap must hold
    (:func:`demo.plant_journeys.check_journey_gaps`). The generator and ``--evolve``
    both keep only webs without problems.
    """
    derived = derive_codes(truth)
    problems = [
        f"{site}: planted codes {d['codes']}, the links give {derived[site]}"
        for site, d in truth["sites"].items()
        if d["codes"] != derived[site]
    ]
    return problems + check_journey_gaps(truth)
