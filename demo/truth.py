"""The ground truth of a generated web, computed from its spec alone.

What a complete crawl must store (per site: status, pages, robots-blocked pages;
per pair of sites: the columns of ``Store.site_edges``; the outside links and
whether each is retired) and which reason codes ``govlinks report`` must give.
It walks the pages through ``demo.pages.page_links``, the very function the
HTML is rendered from, and asks ``demo.web`` what each link target answers;
it uses govlinks itself only for URL norms (``crawler.urls.normalize_url``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crawler.urls import normalize_url
from demo.pages import INTERNAL, MAX_DEPTH, OUTSIDE, SiteSpec, WebSpec, page_links
from demo.web import GeneratedWeb

__all__ = ["BROKEN_SHARE", "CODES", "compute_truth", "derive_codes"]

# The reason codes of `govlinks report`, in report order.
CODES = (
    "uncrawled",
    "orphan",
    "dead_end",
    "no_group_inbound",
    "no_group_outbound",
    "homepage_only",
    "template_only",
    "broken_outlinks",
    "links_to_retired",
)

_FAIL_STATUS = {
    None: "ok",
    "unreachable": "unreachable",
    "robots": "robots",
    "error": "homepage_error",
    "no_html": "no_html",
}
BROKEN_SHARE = 0.10  # graphs.findings.FindingsConfig.broken_share


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
    }


def derive_codes(truth: dict[str, Any]) -> dict[str, list[str]]:
    """Reason codes implied by a truth's sites, edges and outside links (the report's rules)."""
    sites = truth["sites"]
    ok = {s for s, d in sites.items() if d["status"] == "ok"}
    ins: dict[str, list[dict[str, Any]]] = defaultdict(list)
    outs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in truth["edges"]:
        ins[e["target"]].append(e)
        outs[e["source"]].append(e)
    members: dict[str, set[str]] = defaultdict(set)
    for s, d in sites.items():
        for g in d["themes"] + d["life_events"]:
            members[g].add(s)
    retired = {x["source"] for x in truth["external"] if x["retired"]}
    codes: dict[str, list[str]] = {}
    for s, d in sites.items():
        if s not in ok:
            codes[s] = ["uncrawled"]
            continue
        peers = set().union(*(members[g] for g in d["themes"] + d["life_events"])) - {s}
        found = set()
        if not ins[s]:
            found.add("orphan")
        if not outs[s]:
            found.add("dead_end")
        if peers & ok and not {e["source"] for e in ins[s]} & peers:
            found.add("no_group_inbound")
        if peers and not {e["target"] for e in outs[s]} & peers:
            found.add("no_group_outbound")
        if ins[s] and sum(e["deep"] for e in ins[s]) == 0:
            found.add("homepage_only")
        if ins[s] and sum(e["content_pages"] for e in ins[s]) == 0:
            found.add("template_only")
        targets, broken = sum(e["targets"] for e in outs[s]), sum(e["broken"] for e in outs[s])
        if targets and broken and broken / targets >= BROKEN_SHARE:
            found.add("broken_outlinks")
        if s in retired:
            found.add("links_to_retired")
        codes[s] = [c for c in CODES if c in found]
    return codes
