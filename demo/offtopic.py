"""Planted off-topic links of the demo web, their truth, and a crawl's score against it.

A planted *off-topic* link is an ordinary content link to another seed site (same
URL, same place: the site graph does not change) whose anchor and introduction
speak of the *source's* topic, not the target's (``demo/topics.py`` writes them):
what govlinks' relevance (``graphs/relevance.py``) must find. One planted site
(``off_topic_links`` in ``demo.generate.PLANTED``) makes all its content links to
other seed sites but the hub off-topic; every other ordinary site of a theme makes
its links to one site of another theme off-topic, too few to be flagged.
:func:`relevance_truth` says, per site, how many content links to other seed sites
a complete crawl can score and how many of them were planted off-topic, and lists
the planted ones; :func:`relevance_check` measures a crawl's relevance against it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from crawler.urls import normalize_url
from demo.pages import SiteSpec, WebSpec, page_links

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OFF_TOPIC_ROLE",
    "OFF_TOPIC_THEME",
    "plant_off_topic",
    "relevance_check",
    "relevance_truth",
    "site_relevance_rows",
]

OFF_TOPIC_ROLE = "off_topic_links"  # the planted site whose links are mostly off-topic
OFF_TOPIC_THEME = "N31931"  # its theme: one no cluster of the demo uses, so it has no peers


def plant_off_topic(sites: list[SiteSpec], hub: int, seed: int) -> None:
    """Mark the planted off-topic links: every content link of the planted site but to the hub,
    and, on every other ordinary site, its links to one site of another theme."""
    rng = random.Random(f"{seed}/off-topic")  # its own: the rest of the web stays as it was
    for site in sites:
        targets = sorted({t for t, _mode in (*site.required, *site.partners) if t != hub})
        if site.role == OFF_TOPIC_ROLE:
            site.off_topic = targets
    ordinary = [s for s in sites if s.role == "ordinary" and s.themes]
    for site in ordinary[::2]:
        others = [
            t for t in sorted({t for t, _mode in site.partners})
            if t != hub and sites[t].themes and sites[t].role == "ordinary"
            and not set(sites[t].themes) & set(site.themes)
        ]  # fmt: skip
        if others:
            site.off_topic = [rng.choice(others)]


def relevance_truth(spec: WebSpec, statuses: dict[str, str]) -> dict[str, Any]:
    """Content links to other seed sites a complete crawl can score, and the planted off-topic ones.

    A link can be scored when its target site was crawled (``statuses[site] == 'ok'``):
    its target page, or else the site's homepage, then has a text profile. Per site:
    ``out_scored``, ``out_off_topic``, ``in_scored``, ``in_off_topic``; and ``off_topic``,
    each planted link as ``{source, source_norm, target_norm, anchor, count}``.
    """
    per_site: dict[str, Counter[str]] = {s.id: Counter() for s in spec.sites}
    planted: Counter[tuple[str, str, str, str]] = Counter()
    for site in spec.sites:
        if statuses[site.id] != "ok":
            continue
        paths = spec.paths(site)
        for i in range(site.pages):
            if site.private and i == site.pages - 1:
                continue  # robots.txt forbids it: never fetched
            for link in page_links(spec, site, i):
                if link.target < 0 or link.target == site.index or link.template:
                    continue
                target = spec.sites[link.target]
                if statuses[target.id] != "ok":
                    continue
                off = int(link.off_topic)
                per_site[site.id].update(out_scored=1, out_off_topic=off)
                per_site[target.id].update(in_scored=1, in_off_topic=off)
                if off:
                    source_norm = normalize_url(f"{site.scheme}://{site.host}{paths[i]}") or ""
                    planted[(site.id, source_norm, normalize_url(link.url) or "", link.text)] += 1
    keys = ("out_scored", "out_off_topic", "in_scored", "in_off_topic")
    return {
        "sites": {s: {k: c[k] for k in keys} for s, c in sorted(per_site.items())},
        "off_topic": [
            {"source": s, "source_norm": p, "target_norm": t, "anchor": a, "count": n}
            for (s, p, t, a), n in sorted(planted.items())
        ],
    }


def relevance_check(truth: dict[str, Any], links: pd.DataFrame) -> dict[str, float]:
    """Precision and recall of the links a crawl found off-topic, against the planted ones.

    ``links``: :attr:`graphs.relevance.Relevance.links` (``source_norm``, ``target_norm``,
    ``relevant``). Links are matched by source page and target URL, occurrence by occurrence.
    """
    planted: Counter[tuple[str, str]] = Counter()
    for x in truth["relevance"]["off_topic"]:
        planted[(x["source_norm"], x["target_norm"])] += x["count"]
    flagged = links[~links["relevant"].astype(bool)]
    found = Counter(zip(flagged["source_norm"], flagged["target_norm"], strict=True))
    hits = sum((found & planted).values())
    n_found, n_planted = sum(found.values()), sum(planted.values())
    return {
        "planted": n_planted,
        "found": n_found,
        "hits": hits,
        "precision": hits / n_found if n_found else 1.0,
        "recall": hits / n_planted if n_planted else 1.0,
    }


def site_relevance_rows(truth: dict[str, Any], sites: Iterable[str]) -> list[dict[str, Any]]:
    """Per-site relevance figures of a truth, in the form of ``Relevance.sites`` rows."""
    rows = []
    for site in sites:
        c = truth["relevance"]["sites"].get(site, {})
        out, out_off = c.get("out_scored", 0), c.get("out_off_topic", 0)
        inn, in_off = c.get("in_scored", 0), c.get("in_off_topic", 0)
        rows.append(
            {"site": site, "out_scored": out, "out_relevant": out - out_off,
             "in_scored": inn, "in_relevant": inn - in_off}
        )  # fmt: skip
    return rows
