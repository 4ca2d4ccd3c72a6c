"""Rules that flag poorly integrated sites, each with a reason code and evidence.

Each reason code is one function registered with :func:`rule`: its code and
the one-line text an analyst reads. The registry is the only list of codes:
the report's code table, its order, ``govlinks report --fail-on`` and the demo's
ground truth all read it, so adding a code means writing one function (and its
test) and no other code; tests then ask for its row in the README's code table
and for a site planted with it in the demo web (``demo.generate.PLANTED``)::

    @rule("no_https", "its homepage is served over plain http")
    def no_https(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
        for n in assessed_sites(G):
            if G.nodes[n].get("url", "").startswith("http:"):
                yield n, "the seed URL is http", {"url": G.nodes[n]["url"]}

A rule looks at the site graph and the per-site metrics and yields, for each
site it flags, the evidence in words an analyst can check and the figures
behind it. :func:`find` runs every rule, in registration order (which is the
report order). The integration score is in :mod:`graphs.score`.

A site that could not be assessed (``uncrawled``) gets no other code: its
missing links say nothing about the site itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx
import pandas as pd

from crawler.errors import GovlinksError
from graphs.config import FindingsConfig
from graphs.i18n import N_, _, format_number, ngettext
from graphs.retired import failure_reason
from graphs.status import UNCRAWLED_STATUSES, assessed_sites, is_assessed

__all__ = [
    "CODES",
    "RULES",
    "UNCRAWLED_STATUSES",
    "FailOnMatch",
    "Finding",
    "Flag",
    "Rule",
    "RuleContext",
    "fail_on_match",
    "find",
    "parse_fail_on",
    "rule",
]


class Finding(NamedTuple):
    site: str
    code: str
    evidence: str  # one sentence an analyst can verify
    details: dict[str, Any]  # the figures behind it


# What a rule yields for each site it flags: (site, evidence, details); find() adds the code.
Flag = tuple[str, str, dict[str, Any]]


@dataclass
class RuleContext:
    """What the rules need besides the graph and the metrics."""

    config: FindingsConfig
    peers: Mapping[str, Iterable[str]]
    labels: Mapping[str, str] = field(default_factory=dict)
    retired: pd.DataFrame | None = None  # graphs.retired.retired_links(); None: not checked
    broken_examples: pd.DataFrame | None = None  # store.reads.broken_examples()
    relevance: pd.DataFrame | None = None  # graphs.relevance.Relevance.sites; None: no page text


Check = Callable[[nx.DiGraph, pd.DataFrame, RuleContext], Iterable[Flag]]


class Rule(NamedTuple):
    code: str
    text: str  # the one-line rule an analyst reads in every report
    check: Check


# -- the registry ----------------------------------------------------------------------

# Reason code -> its rule, in registration order, which is the report order.
RULES: dict[str, Rule] = {}


def rule(code: str, text: str) -> Callable[[Check], Check]:
    """Register ``check`` as the rule of reason ``code``, whose one-line rule is ``text``.

    The function is returned unchanged; registering a code twice is an error.
    """

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"reason code {code!r} is registered twice")
        RULES[code] = Rule(code, text, check)
        return check

    return register


class _Texts(Mapping[str, str]):
    """Reason code -> text in the current language, in report order: a live view of :data:`RULES`."""

    def __getitem__(self, code: str) -> str:
        return _(RULES[code].text)

    def __iter__(self) -> Iterator[str]:
        return iter(RULES)

    def __len__(self) -> int:
        return len(RULES)

    def __repr__(self) -> str:
        return repr(dict(self))


CODES: Mapping[str, str] = _Texts()


def _groups_text(d: Mapping[str, Any], labels: Mapping[str, str], limit: int = 3) -> str:
    groups = [*(d.get("themes") or ()), *(d.get("life_events") or ())]
    shown = ", ".join(labels.get(g) or g for g in groups[:limit])
    if len(groups) > limit:
        return _("{groups} and {n} more").format(groups=shown, n=len(groups) - limit)
    return shown


def _sites_link(n: int) -> str:
    return ngettext("{n} site links to it", "{n} sites link to it", n).format(n=n)


# -- the rules, in report order --------------------------------------------------------


@rule(
    "uncrawled",
    "could not be assessed (unreachable, robots-blocked, homepage error, no HTML, not crawled)",
)
def uncrawled(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """Sites whose crawl status is not ``ok``: nothing can be said of their links."""
    for n, d in G.nodes(data=True):
        status = d.get("status", "ok")
        if is_assessed(status):
            continue
        hs = d.get("homepage_status")
        pages = int(d.get("pages", 0))
        text = {
            "unreachable": _("the homepage did not answer"),
            "robots": _("robots.txt forbids crawling the homepage"),
            "homepage_error": _("the homepage answered HTTP {status}").format(status=hs),
            "no_html": ngettext(
                "no HTML page among its {n} page", "no HTML page among its {n} pages", pages
            ).format(n=pages),
            "not_crawled": _("not crawled in this run (not selected with --site)"),
        }[status]
        yield n, text, {"status": status, "homepage_status": hs}


@rule("orphan", "no other seed site links to it")
def orphan(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """No other seed site links to it."""
    assessed = assessed_sites(G)
    for n in assessed:
        if G.in_degree(n) == 0:
            others = len(assessed) - 1
            text = ngettext(
                "the {n} other crawled site does not link to it",
                "none of the {n} other crawled sites links to it",
                others,
            ).format(n=others)
            yield n, text, {"in_sites": 0}


@rule("dead_end", "it links to no other seed site")
def dead_end(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """It links to no other seed site."""
    for n in assessed_sites(G):
        if G.out_degree(n) == 0:
            pages = int(G.nodes[n].get("html_pages", 0))
            text = ngettext(
                "none of its {n} crawled HTML page links to another seed site",
                "none of its {n} crawled HTML pages links to another seed site",
                pages,
            ).format(n=pages)
            yield n, text, {"out_sites": 0, "html_pages": pages}


@rule("no_group_inbound", "no site sharing one of its themes or life events links to it")
def no_group_inbound(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """It has peers (sites sharing a theme or life event), some crawled, and none links to it."""
    for n in assessed_sites(G):
        mine = set(ctx.peers.get(n, ()))
        crawled_peers = [p for p in mine if is_assessed(G.nodes[p].get("status", "ok"))]
        if not crawled_peers or any(p in mine for p in G.predecessors(n)):
            continue
        others, k = G.in_degree(n), len(crawled_peers)
        first = ngettext(
            "none of its {n} crawled peer (sites sharing {groups}) links to it",
            "none of its {n} crawled peers (sites sharing {groups}) links to it",
            k,
        ).format(n=k, groups=_groups_text(G.nodes[n], ctx.labels))
        second = (
            ngettext("{n} other site links to it", "{n} other sites link to it", others).format(n=others)
            if others
            else _("nor does any other site")
        )
        text = _("{first}; {second}").format(first=first, second=second)
        yield n, text, {"peers": len(mine), "crawled_peers": len(crawled_peers), "in_other_sites": others}


@rule("no_group_outbound", "it links to no site sharing one of its themes or life events")
def no_group_outbound(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """It has peers and links to none of them."""
    for n in assessed_sites(G):
        mine = set(ctx.peers.get(n, ()))
        if not mine or any(s in mine for s in G.successors(n)):
            continue
        others, k = G.out_degree(n), len(mine)
        first = ngettext(
            "links to none of its {n} peer (sites sharing {groups})",
            "links to none of its {n} peers (sites sharing {groups})",
            k,
        ).format(n=k, groups=_groups_text(G.nodes[n], ctx.labels))
        second = (
            ngettext("it links to {n} other site", "it links to {n} other sites", others).format(n=others)
            if others
            else _("nor to any other site")
        )
        text = _("{first}; {second}").format(first=first, second=second)
        yield n, text, {"peers": len(mine), "out_other_sites": others}


def _linked_but_never(G: nx.DiGraph, metrics: pd.DataFrame, column: str, how: str) -> Iterator[Flag]:
    """Sites other sites link to, where the inbound ``column`` (a count) is 0: ``how`` says so."""
    for n in assessed_sites(G):
        if G.in_degree(n) and int(metrics.at[n, column]) == 0:
            k, pages = G.in_degree(n), int(metrics.at[n, "in_weight"])
            text = _("{sites_link} ({pages}), {how}").format(
                sites_link=_sites_link(k),
                pages=ngettext("{n} page", "{n} pages", pages).format(n=pages),
                how=_(how),
            )
            yield n, text, {"in_sites": k, "in_weight": pages, column: 0}


@rule("homepage_only", "other sites link to it, but only to its homepage")
def homepage_only(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """Linked to by other sites, never deeper than its homepage."""
    return _linked_but_never(G, metrics, "in_deep", N_("all to its homepage: no deep link"))


@rule("template_only", "other sites link to it, but only from headers, menus and footers")
def template_only(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """Linked to by other sites, only from template regions (header, nav, footer)."""
    how = N_("always from headers, menus or footers, never from content")
    return _linked_but_never(G, metrics, "in_content_pages", how)


@rule("broken_outlinks", "many of the URLs it links to in other seed sites are broken")
def broken_outlinks(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """At least ``broken_share`` of the distinct URLs it links to in seed sites are broken."""
    examples: dict[str, list[str]] = {}
    if ctx.broken_examples is not None and len(ctx.broken_examples):
        for row in ctx.broken_examples.itertuples(index=False):
            why = failure_reason(row.error, row.status)  # the short kind, never a library's message
            examples.setdefault(str(row.source), []).append(f"{row.target_url} ({why})")
    for n in assessed_sites(G):
        targets, broken = int(metrics.at[n, "out_targets"]), int(metrics.at[n, "out_broken"])
        if not targets or not broken or broken / targets < ctx.config.broken_share:
            continue
        text = ngettext(
            "{broken} of the {n} URL it links to in other seed sites are broken ({share})",
            "{broken} of the {n} URLs it links to in other seed sites are broken ({share})",
            targets,
        ).format(broken=broken, n=targets, share=format_number(broken / targets, ".0%"))
        if examples.get(n):
            text += _(", e.g. {examples}").format(examples="; ".join(examples[n]))
        yield n, text, {"out_targets": targets, "out_broken": broken, "out_broken_share": broken / targets}


@rule(
    "links_to_retired",
    "it links to outside URLs that moved to another host for good or do not answer",
)
def links_to_retired(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """It links to outside URLs that moved to another host for good or do not answer."""
    if ctx.retired is None or not len(ctx.retired):
        return
    assessed = set(assessed_sites(G))
    for site, rows in ctx.retired.groupby("source", sort=True):
        if site not in assessed or len(rows) < ctx.config.retired_min:
            continue
        shown = "; ".join(f"{r.target_url} ({r.reason})" for r in rows.head(3).itertuples(index=False))
        if len(rows) > 3:
            shown = _("{urls} and {n} more").format(urls=shown, n=len(rows) - 3)
        text = ngettext("links to {n} retired URL: {urls}", "links to {n} retired URLs: {urls}", len(rows))
        text = text.format(n=len(rows), urls=shown)
        yield str(site), text, {"retired_urls": len(rows), "pages": int(rows["pages"].sum())}


@rule("off_topic_links", "most of its content links to other seed sites are about other topics")
def off_topic_links(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Flag]:
    """Most of its scored content links to other seed sites are not relevant to their target.

    Relevance is :mod:`graphs.relevance` (``relevance_threshold``); a site is flagged
    from ``off_topic_min`` scored links when more than ``off_topic_share`` of them are
    not relevant. Not assessed (no site flagged) when the crawl kept no page text.
    """
    rel = ctx.relevance
    if rel is None or not len(rel):
        return
    for n in assessed_sites(G):
        if n not in rel.index:
            continue
        scored, relevant = int(rel.at[n, "out_scored"]), int(rel.at[n, "out_relevant"])
        off = scored - relevant
        if scored < ctx.config.off_topic_min or off <= ctx.config.off_topic_share * scored:
            continue
        text = ngettext(
            "{off} of its {n} content link to other seed sites ({share:.0%}) is about another topic "
            "than the page it points to",
            "{off} of its {n} content links to other seed sites ({share:.0%}) are about other topics "
            "than the pages they point to",
            scored,
        ).format(off=off, n=scored, share=off / scored)
        examples = rel.at[n, "examples"] if "examples" in rel.columns else None
        if examples:
            text += _(", e.g. {examples}").format(examples="; ".join(examples))
        yield n, text, {"out_scored": scored, "out_relevant": relevant, "out_off_topic_share": off / scored}


# -- all rules -------------------------------------------------------------------------


def find(
    G: nx.DiGraph,
    metrics: pd.DataFrame,
    *,
    config: FindingsConfig | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    retired: pd.DataFrame | None = None,
    broken_examples: pd.DataFrame | None = None,
    relevance: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run every rule; one row per (site, code): columns site, code, evidence, details.

    ``retired`` is :func:`graphs.retired.retired_links` of the crawl, or None when outside links
    were not checked; ``relevance`` is :attr:`graphs.relevance.Relevance.sites`, or None
    when the crawl kept no page text. Rows are ordered by site, then by code in registration
    (``CODES``) order.

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
        relevance=relevance,
    )
    found = [
        Finding(site, r.code, evidence, details)
        for r in RULES.values()
        for site, evidence, details in r.check(G, metrics, ctx)
    ]
    order = {code: i for i, code in enumerate(RULES)}
    found.sort(key=lambda f: (f.site, order[f.code]))
    return pd.DataFrame(found, columns=["site", "code", "evidence", "details"])


# -- --fail-on: which codes make a report fail -----------------------------------------


def parse_fail_on(values: Iterable[str], *, option: str = "--fail-on") -> frozenset[str]:
    """The reason codes named by ``--fail-on`` values: comma-separated codes, ``any`` for all.

    Raises GovlinksError naming ``option``, the first unknown code and the known ones.

    Examples
    --------
    >>> sorted(parse_fail_on(["orphan,dead_end", " orphan"]))
    ['dead_end', 'orphan']
    >>> parse_fail_on(["any"]) == set(CODES)
    True
    """
    codes: set[str] = set()
    for value in values:
        for code in (c.strip() for c in value.split(",")):
            if code == "any":
                codes.update(RULES)
            elif code in RULES:
                codes.add(code)
            elif code:
                raise GovlinksError(
                    f"{option}: unknown reason code {code!r} (known: {', '.join(RULES)}, any)"
                )
    return frozenset(codes)


class FailOnMatch(NamedTuple):
    sites: int  # distinct sites with one of the codes
    codes: tuple[str, ...]  # the codes found among those asked, sorted


def fail_on_match(findings: pd.DataFrame, codes: Collection[str]) -> FailOnMatch | None:
    """The sites and codes of ``findings`` (from :func:`find`) among ``codes``; None if none.

    Examples
    --------
    >>> f = pd.DataFrame({"site": ["a", "a", "b"], "code": ["orphan", "dead_end", "orphan"]})
    >>> fail_on_match(f, {"orphan", "dead_end"})
    FailOnMatch(sites=2, codes=('dead_end', 'orphan'))
    >>> fail_on_match(f, {"uncrawled"}) is None
    True
    """
    hits = findings[findings["code"].isin(list(codes))]
    if not len(hits):
        return None
    return FailOnMatch(int(hits["site"].nunique()), tuple(sorted(set(hits["code"]))))
