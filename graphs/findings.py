"""Rules that flag poorly integrated sites, each with a reason code and evidence.

Each rule is a small function ``rule(G, metrics, ctx) -> list[Finding]`` that
looks at the site graph and the per-site metrics and says, in words an
analyst can check, why a site is flagged. :func:`find` runs them all;
:func:`integration_score` ranks the sites against the peers of their groups.

A site that could not be assessed (``uncrawled``) gets no other code: its
missing links say nothing about the site itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx
import pandas as pd

from crawler.urls import normalize_url
from graphs.status import UNCRAWLED_STATUSES, assessed_sites, is_assessed

__all__ = [
    "CODES",
    "UNCRAWLED_STATUSES",
    "Finding",
    "FindingsConfig",
    "RuleContext",
    "external_checked",
    "find",
    "integration_score",
    "retired_links",
]

# Reason codes in report order, with the one-line rule an analyst reads.
CODES: dict[str, str] = {
    "uncrawled": "could not be assessed (unreachable, robots-blocked, homepage error, no HTML, not crawled)",
    "orphan": "no other seed site links to it",
    "dead_end": "it links to no other seed site",
    "no_group_inbound": "no site sharing one of its themes or life events links to it",
    "no_group_outbound": "it links to no site sharing one of its themes or life events",
    "homepage_only": "other sites link to it, but only to its homepage",
    "template_only": "other sites link to it, but only from headers, menus and footers",
    "broken_outlinks": "many of the URLs it links to in other seed sites are broken",
    "links_to_retired": "it links to outside URLs that moved to another host for good or do not answer",
}

_PERMANENT = (301, 308)


@dataclass
class FindingsConfig:
    """Thresholds of the rules and weights of the integration score.

    ``broken_share``: share of broken distinct URLs (inside other seed sites)
    from which ``broken_outlinks`` is raised. ``retired_min``: number of
    distinct retired outside URLs from which ``links_to_retired`` is raised.
    ``weights``: weight of each score component; ``penalties``: points taken
    off the score per reason code.
    """

    broken_share: float = 0.10
    retired_min: int = 1
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "in_reach": 0.25,
            "out_reach": 0.25,
            "peer_in": 0.15,
            "peer_out": 0.15,
            "deep": 0.10,
            "content": 0.10,
        }
    )
    penalties: dict[str, float] = field(
        default_factory=lambda: {"broken_outlinks": 10.0, "links_to_retired": 5.0}
    )

    def as_dict(self) -> dict[str, Any]:
        return {
            "broken_share": self.broken_share,
            "retired_min": self.retired_min,
            "weights": dict(self.weights),
            "penalties": dict(self.penalties),
        }


class Finding(NamedTuple):
    site: str
    code: str
    evidence: str  # one sentence an analyst can verify
    details: dict[str, Any]  # the figures behind it


@dataclass
class RuleContext:
    """What the rules need besides the graph and the metrics."""

    config: FindingsConfig
    peers: Mapping[str, Iterable[str]]
    labels: Mapping[str, str] = field(default_factory=dict)
    retired: pd.DataFrame | None = None  # retired_links() of the crawl; None: not checked
    broken_examples: pd.DataFrame | None = None  # Store.broken_examples()


def _assessed(G: nx.DiGraph) -> list[str]:
    return assessed_sites(G)


def _groups_text(d: Mapping[str, Any], labels: Mapping[str, str], limit: int = 3) -> str:
    groups = [*(d.get("themes") or ()), *(d.get("life_events") or ())]
    shown = [labels.get(g) or g for g in groups[:limit]]
    more = f" and {len(groups) - limit} more" if len(groups) > limit else ""
    return ", ".join(shown) + more


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _verb(n: int, singular: str = "links", plural: str = "link") -> str:
    return singular if n == 1 else plural


# -- the rules -------------------------------------------------------------------------


def uncrawled(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """Sites whose crawl status is not ``ok``: nothing can be said of their links."""
    out = []
    for n, d in G.nodes(data=True):
        status = d.get("status", "ok")
        if is_assessed(status):
            continue
        hs = d.get("homepage_status")
        text = {
            "unreachable": "the homepage did not answer",
            "robots": "robots.txt forbids crawling the homepage",
            "homepage_error": f"the homepage answered HTTP {hs}",
            "no_html": f"no HTML page among its {_plural(int(d.get('pages', 0)), 'page')}",
            "not_crawled": "not crawled in this run (not selected with --site)",
        }[status]
        out.append(Finding(n, "uncrawled", text, {"status": status, "homepage_status": hs}))
    return out


def orphan(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """No other seed site links to it."""
    crawled = len(_assessed(G))
    return [
        Finding(n, "orphan", f"none of the {crawled - 1} other crawled sites links to it", {"in_sites": 0})
        for n in _assessed(G)
        if G.in_degree(n) == 0
    ]


def dead_end(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """It links to no other seed site."""
    out = []
    for n in _assessed(G):
        if G.out_degree(n) == 0:
            pages = int(G.nodes[n].get("html_pages", 0))
            text = f"none of its {_plural(pages, 'crawled HTML page')} links to another seed site"
            out.append(Finding(n, "dead_end", text, {"out_sites": 0, "html_pages": pages}))
    return out


def no_group_inbound(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """It has peers (sites sharing a theme or life event), some crawled, and none links to it."""
    out = []
    for n in _assessed(G):
        mine = set(ctx.peers.get(n, ()))
        crawled_peers = [p for p in mine if is_assessed(G.nodes[p].get("status", "ok"))]
        if not crawled_peers or any(p in mine for p in G.predecessors(n)):
            continue
        others = G.in_degree(n)
        text = (
            f"none of its {_plural(len(crawled_peers), 'crawled peer')} (sites sharing "
            f"{_groups_text(G.nodes[n], ctx.labels)}) links to it; "
            + (
                f"{_plural(others, 'other site')} {_verb(others)} to it"
                if others
                else "nor does any other site"
            )
        )
        details = {"peers": len(mine), "crawled_peers": len(crawled_peers), "in_other_sites": others}
        out.append(Finding(n, "no_group_inbound", text, details))
    return out


def no_group_outbound(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """It has peers and links to none of them."""
    out = []
    for n in _assessed(G):
        mine = set(ctx.peers.get(n, ()))
        if not mine or any(s in mine for s in G.successors(n)):
            continue
        others = G.out_degree(n)
        text = (
            f"links to none of its {_plural(len(mine), 'peer')} (sites sharing "
            f"{_groups_text(G.nodes[n], ctx.labels)}); "
            + (f"it links to {_plural(others, 'other site')}" if others else "nor to any other site")
        )
        out.append(Finding(n, "no_group_outbound", text, {"peers": len(mine), "out_other_sites": others}))
    return out


def homepage_only(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """Linked to by other sites, never deeper than its homepage."""
    out = []
    for n in _assessed(G):
        if G.in_degree(n) and int(metrics.at[n, "in_deep"]) == 0:
            k, pages = G.in_degree(n), int(metrics.at[n, "in_weight"])
            text = (
                f"{_plural(k, 'site')} {_verb(k)} to it ({_plural(pages, 'page')}), "
                "all to its homepage: no deep link"
            )
            out.append(Finding(n, "homepage_only", text, {"in_sites": k, "in_weight": pages, "in_deep": 0}))
    return out


def template_only(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """Linked to by other sites, only from template regions (header, nav, footer)."""
    out = []
    for n in _assessed(G):
        if G.in_degree(n) and int(metrics.at[n, "in_content_pages"]) == 0:
            k, pages = G.in_degree(n), int(metrics.at[n, "in_weight"])
            text = (
                f"{_plural(k, 'site')} {_verb(k)} to it ({_plural(pages, 'page')}), "
                "always from headers, menus or footers, never from content"
            )
            details = {"in_sites": k, "in_weight": pages, "in_content_pages": 0}
            out.append(Finding(n, "template_only", text, details))
    return out


def broken_outlinks(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """At least ``broken_share`` of the distinct URLs it links to in seed sites are broken."""
    examples: dict[str, list[str]] = {}
    if ctx.broken_examples is not None and len(ctx.broken_examples):
        for row in ctx.broken_examples.itertuples(index=False):
            status = _present(row.status)
            why = f"HTTP {int(status)}" if status else (row.error or "no answer")
            examples.setdefault(str(row.source), []).append(f"{row.target_url} ({why})")
    out = []
    for n in _assessed(G):
        targets, broken = int(metrics.at[n, "out_targets"]), int(metrics.at[n, "out_broken"])
        if not targets or not broken or broken / targets < ctx.config.broken_share:
            continue
        text = (
            f"{broken} of the {_plural(targets, 'URL')} it links to in other seed sites are broken "
            f"({broken / targets:.0%})"
        )
        if examples.get(n):
            text += ", e.g. " + "; ".join(examples[n])
        details = {"out_targets": targets, "out_broken": broken, "out_broken_share": broken / targets}
        out.append(Finding(n, "broken_outlinks", text, details))
    return out


def links_to_retired(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> list[Finding]:
    """It links to outside URLs that moved to another host for good or do not answer."""
    if ctx.retired is None or not len(ctx.retired):
        return []
    out = []
    assessed = set(_assessed(G))
    for site, rows in ctx.retired.groupby("source", sort=True):
        if site not in assessed or len(rows) < ctx.config.retired_min:
            continue
        shown = [f"{r.target_url} ({r.reason})" for r in rows.head(3).itertuples(index=False)]
        more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
        text = f"links to {_plural(len(rows), 'retired URL')}: " + "; ".join(shown) + more
        details = {"retired_urls": len(rows), "pages": int(rows["pages"].sum())}
        out.append(Finding(str(site), "links_to_retired", text, details))
    return out


RULES: dict[str, Callable[[nx.DiGraph, pd.DataFrame, RuleContext], list[Finding]]] = {
    "uncrawled": uncrawled,
    "orphan": orphan,
    "dead_end": dead_end,
    "no_group_inbound": no_group_inbound,
    "no_group_outbound": no_group_outbound,
    "homepage_only": homepage_only,
    "template_only": template_only,
    "broken_outlinks": broken_outlinks,
    "links_to_retired": links_to_retired,
}


# -- external link checks --------------------------------------------------------------


def _host(url: Any) -> str | None:
    norm = normalize_url(str(url)) if isinstance(url, str) and url else None
    return norm.split("/", 1)[0] if norm else None


def _present(value: Any) -> Any:
    """The value, or None for None, NaN and pandas NA."""
    return None if value is None or pd.isna(value) else value


def retired_links(external: pd.DataFrame) -> pd.DataFrame:
    """Outside link targets that are retired, with the reason, from ``Store.external_checks``.

    Retired: the first redirect is permanent (301 or 308) and the final URL
    is on another host (``www.`` and default ports ignored), or the check got
    no HTTP answer at all (status NULL with an error: DNS, refused, timeout).

    Examples
    --------
    >>> ext = pd.DataFrame({
    ...     "source": ["a", "a", "b"], "target_norm": ["old.fr/", "x.fr/", "y.fr/"],
    ...     "target_url": ["http://old.fr/", "http://x.fr/", "http://y.fr/"], "pages": [2, 1, 1],
    ...     "status": [200, 200, None], "final_url": ["https://new.fr/", "https://www.x.fr/", None],
    ...     "redirect_status": [301, 301, None], "error": [None, None, "DNSLookupError: y.fr"]})
    >>> for row in retired_links(ext)[["source", "target_url", "reason"]].values.tolist():
    ...     print(row)
    ['a', 'http://old.fr/', 'moved for good to https://new.fr/']
    ['b', 'http://y.fr/', 'no answer: DNSLookupError: y.fr']
    """
    columns = ["source", "target_url", "target_norm", "pages", "reason"]
    if external is None or not len(external):
        return pd.DataFrame(columns=columns)
    rows = []
    for r in external.itertuples(index=False):
        status, redirect = _present(r.status), _present(r.redirect_status)
        error = r.error if isinstance(r.error, str) and r.error else None
        reason = None
        if redirect is not None and int(redirect) in _PERMANENT:
            final = _host(r.final_url)
            if final is not None and final != _host(r.target_url):
                reason = f"moved for good to {r.final_url}"
        elif status is None and error is not None:
            reason = f"no answer: {error}"
        if reason:
            rows.append((str(r.source), r.target_url, r.target_norm, int(r.pages), reason))
    return pd.DataFrame(rows, columns=columns)


def external_checked(external: pd.DataFrame | None, settings: Mapping[str, Any] | None = None) -> bool:
    """Whether outside links were checked: the crawl used ``--check-links``, or some
    outside link has a check result."""
    if settings and settings.get("check_links"):
        return True
    if external is None or not len(external):
        return False
    return bool(external["status"].notna().any() or external["error"].notna().any())


# -- all rules, and the score ----------------------------------------------------------


def find(
    G: nx.DiGraph,
    metrics: pd.DataFrame,
    *,
    config: FindingsConfig | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    retired: pd.DataFrame | None = None,
    broken_examples: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run every rule; one row per (site, code): columns site, code, evidence, details.

    ``retired`` is :func:`retired_links` of the crawl, or None when outside links
    were not checked. Rows are ordered by site, then by code in ``CODES`` order.

    Examples
    --------
    >>> from graphs.metrics import site_metrics
    >>> G = nx.DiGraph()
    >>> G.add_node("a"); G.add_node("b"); G.add_node("c", status="robots")
    >>> G.add_edge("a", "b", weight=1, targets=1, deep=0, template_pages=1, content_pages=0)
    >>> find(G, site_metrics(G))[["site", "code"]].values.tolist()
    [['a', 'orphan'], ['b', 'dead_end'], ['b', 'homepage_only'], ['b', 'template_only'], ['c', 'uncrawled']]
    """
    from graphs.groups import peers as group_peers

    ctx = RuleContext(
        config=config or FindingsConfig(),
        peers=peers if peers is not None else group_peers(G),
        labels=labels or {},
        retired=retired,
        broken_examples=broken_examples,
    )
    found = [f for rule in RULES.values() for f in rule(G, metrics, ctx)]
    order = {code: i for i, code in enumerate(CODES)}
    found.sort(key=lambda f: (f.site, order[f.code]))
    return pd.DataFrame(found, columns=["site", "code", "evidence", "details"])


def _median(values: list[float]) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def integration_score(
    G: nx.DiGraph,
    metrics: pd.DataFrame,
    findings: pd.DataFrame,
    *,
    config: FindingsConfig | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
) -> pd.Series:
    """Integration score of each site, 0 (isolated) to 100, NaN when not assessed.

    Six components in [0, 1], compared with the site's *reference peers*: the
    crawled sites sharing one of its themes or life events, or all other
    crawled sites for a site without any:

    - ``in_reach``: sites linking to it, over the reference median (capped at 1);
    - ``out_reach``: sites it links to, over the reference median;
    - ``peer_in`` / ``peer_out``: peers linking to it / it links to, over the
      reference median of the same figure (left out for a site without peers);
    - ``deep``: share of inbound links that are deep (``in_deep_share``);
    - ``content``: share of linking pages with a link in their content
      (``1 − in_template_share``).

    A ratio over a median uses ``max(median, 1)``, so a site with no link
    scores 0 on it even when its peers have none either. The score is 100 ×
    the weighted mean of the components present (weights in
    ``FindingsConfig.weights``), minus ``FindingsConfig.penalties`` per reason
    code, clipped to [0, 100].

    Examples
    --------
    >>> from graphs.metrics import site_metrics
    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", weight=1, targets=1, deep=1, content_pages=1)
    >>> G.add_edge("b", "a", weight=1, targets=1, deep=0, content_pages=0)
    >>> m = site_metrics(G)
    >>> integration_score(G, m, find(G, m)).round(1).to_dict()
    {'a': 71.4, 'b': 100.0}
    """
    config = config or FindingsConfig()
    if peers is None:
        from graphs.groups import peers as group_peers

        peers = group_peers(G)
    assessed = _assessed(G)
    assessed_set = set(assessed)
    flags: dict[str, set[str]] = {}
    for site, code in zip(findings["site"], findings["code"], strict=True):
        flags.setdefault(site, set()).add(code)
    cols = {c: metrics[c].to_dict() for c in ("in_sites", "out_sites", "in_peer_sites", "out_peer_sites")}
    deep = metrics["in_deep_share"].to_dict()
    template = metrics["in_template_share"].to_dict()
    w = config.weights
    scores: dict[str, float] = {}
    for n in G:
        if n not in assessed_set:
            scores[n] = math.nan
            continue
        mine = [p for p in peers.get(n, ()) if p in assessed_set and p != n]
        reference = mine or [p for p in assessed if p != n]

        def ratio(col: str, reference: list[str] = reference, n: str = n) -> float:
            med = _median([float(cols[col][p]) for p in reference])
            return min(1.0, float(cols[col][n]) / max(med, 1.0))

        parts = {
            "in_reach": ratio("in_sites"),
            "out_reach": ratio("out_sites"),
            "deep": 0.0 if deep[n] != deep[n] else float(deep[n]),
            "content": 0.0 if template[n] != template[n] else 1.0 - float(template[n]),
        }
        if mine:
            parts["peer_in"] = ratio("in_peer_sites")
            parts["peer_out"] = ratio("out_peer_sites")
        total = sum(w.get(k, 0.0) for k in parts)
        base = 100 * sum(w.get(k, 0.0) * v for k, v in parts.items()) / total if total else 0.0
        penalty = sum(config.penalties.get(code, 0.0) for code in flags.get(n, ()))
        scores[n] = round(min(100.0, max(0.0, base - penalty)), 2)
    return pd.Series(scores, name="score", dtype=float).rename_axis("site")
