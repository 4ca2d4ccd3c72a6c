"""One analysis of one crawl: the site graph, its metrics, groups, findings and scores.

:class:`Analysis` is the contract between the analysis and everything that
presents it (``govlinks report`` in four formats, ``govlinks export``): they
read its fields and never recompute. :func:`analyse` is pure (graph in,
analysis out); :func:`analyse_crawl` is the one function that reads a store.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from crawler.urls import unicode_host
from graphs.build import load_site_graph
from graphs.config import FindingsConfig, JourneyConfig
from graphs.coverage import DEFAULT_MIN_COVERAGE
from graphs.findings import CODES, find
from graphs.groups import REPORT_GROUPINGS, group_matrix, group_members, group_table, peers
from graphs.i18n import _, ngettext
from graphs.journeys import Journey
from graphs.journeys import journeys as all_journeys
from graphs.link_targets import LinkTargets, load_link_targets
from graphs.metrics import FLOAT_METRICS, METRIC_COLUMNS, site_metrics
from graphs.recommend import RECOMMENDATION_COLUMNS, LinkEvidence, recommend
from graphs.relevance import RELEVANCE_COLUMNS, Relevance, load_relevance
from graphs.retired import external_checked, retired_links
from graphs.score import integration_score
from graphs.status import is_assessed
from seeds.vocabulary import labels_near

if TYPE_CHECKING:
    from crawler.store import CrawlInfo, Store
    from graphs.trends import History

__all__ = ["DEFAULT_HUB", "SITE_COLUMNS", "Analysis", "analyse", "analyse_crawl"]

DEFAULT_HUB = "service-public.fr"

# Columns of Analysis.sites before the metrics, then "flags", "score", "rank".
SITE_COLUMNS = (
    "host_unicode", "name", "organisation", "url", "title", "themes", "life_events", "status", "pages",
    "html_pages", "errors", "robots_blocked", "homepage_status",
)  # fmt: skip
_DEFAULTS: dict[str, Any] = {
    "name": "", "organisation": "", "url": "", "title": "", "themes": (), "life_events": (),
    "status": "ok", "pages": 0, "html_pages": 0, "errors": 0, "robots_blocked": 0,
}  # fmt: skip


@dataclass
class Analysis:
    """Everything a report shows, computed once.

    ``graph`` node attributes: those of :func:`graphs.build.site_graph`, every
    metric of ``METRIC_COLUMNS`` (flat scalars, NaN when undefined), ``flags``
    (list of reason codes) and ``score`` (NaN when not assessed).
    ``sites``: one row per site, index = site id, columns ``SITE_COLUMNS`` +
    ``METRIC_COLUMNS`` + ``flags``, ``score``, ``rank`` + ``RELEVANCE_COLUMNS``
    (NaN when the crawl kept no page text); sorted worst first
    (lowest score; sites not assessed last). ``findings``: site, code,
    evidence, details. ``groups`` and ``matrix``: :func:`graphs.groups.group_table`
    (plus ``mean_score``, ``flagged``, ``flagged_share``) and
    :func:`graphs.groups.group_matrix` for the grouping ``by``; ``groupings``
    holds both for every grouping. ``crawl``: the crawl analysed, None for a
    graph built by hand (outputs then show "?"). ``assessed``: which sites
    could be assessed (:mod:`graphs.status`). ``journeys``: one per life event
    and theme (:func:`graphs.journeys.journeys`); ``recommendations``: the links
    each site should add (:func:`graphs.recommend.recommend`), both with the
    settings of ``journey_config``;
    ``relevance``: the relevance of content links (:mod:`graphs.relevance`), None
    when the crawl kept no page text.
    """

    crawl: CrawlInfo | None
    graph: nx.DiGraph
    sites: pd.DataFrame
    findings: pd.DataFrame
    groups: pd.DataFrame
    matrix: pd.DataFrame
    by: str
    hubs: tuple[str, ...] = (DEFAULT_HUB,)
    config: FindingsConfig = field(default_factory=FindingsConfig)
    labels: dict[str, str] = field(default_factory=dict)
    external_checked: bool = False
    notes: list[str] = field(default_factory=list)
    groupings: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    min_coverage: float = DEFAULT_MIN_COVERAGE
    retired: pd.DataFrame | None = None  # graphs.retired.retired_links(); None: not checked
    # The finished crawls before this one and the diff with the previous, when a report asks
    # (graphs.trends.analyse_with_history); None for a single crawl.
    history: History | None = None
    journey_config: JourneyConfig = field(default_factory=JourneyConfig)
    journeys: list[Journey] = field(default_factory=list)
    recommendations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(RECOMMENDATION_COLUMNS))
    )
    relevance: Relevance | None = None

    @property
    def assessed(self) -> pd.Series:
        """Boolean Series over ``sites``: True for the sites that could be assessed."""
        return self.sites["status"].map(is_assessed).astype(bool)

    def not_assessed(self) -> dict[str, str]:
        """Reason codes this analysis could not assess, with the words that say so."""
        missing = {}
        if not self.external_checked:
            missing["links_to_retired"] = _("not checked")
        if self.relevance is None:
            missing["off_topic_links"] = _("not assessed")
        return missing

    def flag_counts(self) -> dict[str, int]:
        """Sites per reason code, every code present (0 when none)."""
        counts = self.findings["code"].value_counts().to_dict() if len(self.findings) else {}
        return {code: int(counts.get(code, 0)) for code in CODES}

    def summary(self) -> dict[str, Any]:
        """Headline figures: sites, assessed sites, links, flagged sites."""
        G = self.graph
        assessed = int(self.assessed.sum())
        scores = self.sites["score"].dropna() if len(self.sites) else pd.Series(dtype=float)
        return {
            "sites": G.number_of_nodes(),
            "assessed": assessed,
            "not_assessed": G.number_of_nodes() - assessed,
            "site_links": G.number_of_edges(),
            "linking_pages": int(sum(d.get("weight", 0) for _, _, d in G.edges(data=True))),
            "links": int(sum(d.get("links", 0) for _, _, d in G.edges(data=True))),
            "flagged": int(self.findings["site"].nunique()) if len(self.findings) else 0,
            "median_score": float(scores.median()) if len(scores) else math.nan,
            "flags": self.flag_counts(),
        }


def _hubs(hub: str | Iterable[str] | None) -> tuple[str, ...]:
    if hub is None:
        return ()
    if isinstance(hub, str):
        return (hub,)
    return tuple(hub)


def _group_figures(
    table: pd.DataFrame, members: Mapping[str, list[str]], sites: pd.DataFrame
) -> pd.DataFrame:
    table = table.copy()
    score = sites["score"]
    flagged = sites["flags"].map(bool)
    means, counts = [], []
    for g in table["group"]:
        ids = members.get(g, [])
        values = score.reindex(ids).dropna()
        means.append(float(values.mean()) if len(values) else math.nan)
        counts.append(int(flagged.reindex(ids).fillna(False).astype(bool).sum()))
    table["mean_score"] = pd.Series(means, index=table.index, dtype=float)
    table["flagged"] = pd.Series(counts, index=table.index, dtype="int64")
    table["flagged_share"] = (table["flagged"] / table["sites"].where(table["sites"] > 0)).astype(float)
    return table


def _add_relevance(sites: pd.DataFrame, relevance: Relevance | None) -> None:
    """The per-site relevance figures as columns of ``sites``: counts 0 and shares NaN for
    sites without scored links; every figure NaN when relevance was not assessed."""
    for column in RELEVANCE_COLUMNS:
        if relevance is None:
            sites[column] = math.nan
        elif column.endswith("_share"):
            sites[column] = relevance.sites[column].reindex(sites.index).astype(float)
        else:
            sites[column] = relevance.sites[column].reindex(sites.index).fillna(0).astype(int)


def analyse(
    G: nx.DiGraph,
    *,
    by: str = "theme",
    hub: str | Iterable[str] | None = DEFAULT_HUB,
    config: FindingsConfig | None = None,
    external: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    crawl: CrawlInfo | None = None,
    broken_examples: pd.DataFrame | None = None,
    checked: bool | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    journey_config: JourneyConfig | None = None,
    link_targets: LinkTargets | None = None,
    relevance: Relevance | None = None,
    journeys: bool = True,
) -> Analysis:
    """Analyse a site graph (pure): metrics, findings, scores, groups, journeys, recommendations.

    Parameters
    ----------
    G : DiGraph
        From :func:`graphs.build.site_graph`; it is copied, not modified.
    by : {"theme", "life-event", "organisation"}
        Grouping of ``groups`` and ``matrix`` (``groupings`` holds all three).
    hub : str or list of str
        Sites from which ``hub_hops`` is counted.
    external : DataFrame, optional
        ``store.reads.external_checks`` of the crawl, for ``links_to_retired``.
    checked : bool, optional
        Whether outside links were checked (default: guessed from ``external``
        and ``crawl.settings``). When False, ``links_to_retired`` is not assessed.
    crawl : CrawlInfo, optional
        The crawl the graph comes from (``Store.crawl``), kept as ``Analysis.crawl``.
    min_coverage : float
        Share of sites that must be assessed for the findings to be reliable
        (:mod:`graphs.coverage`).
    journey_config : JourneyConfig, optional
        Knobs of journeys and link recommendations.
    link_targets : LinkTargets, optional
        Content-link page counts (:func:`graphs.link_targets.load_link_targets`): the
        page each recommendation names; without them, the target's seed URL.
    relevance : Relevance, optional
        :func:`graphs.relevance.load_relevance` of the crawl; None: not assessed.
    journeys : bool
        False: no journeys and no recommendations (``Analysis.journeys`` and
        ``recommendations`` empty). A crawl's history needs neither, and they cost
        more than the rest of the analysis (:mod:`graphs.trends`).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("hub", themes=("T",)); G.add_node("a", themes=("T",)); G.add_node("b")
    >>> G.add_edge("hub", "a", weight=2, targets=1, deep=1, content_pages=2)
    >>> a = analyse(G, hub="hub")
    >>> a.sites.index.tolist(), float(a.sites.loc["a", "hub_hops"]), a.sites.loc["b", "flags"]
    (['b', 'hub', 'a'], 1.0, ['orphan', 'dead_end'])
    """
    if by not in REPORT_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r} (use one of {', '.join(REPORT_GROUPINGS)})")
    config = config or FindingsConfig()
    labels = dict(labels or {})
    hubs = _hubs(hub)
    G = G.copy()
    peer_sets = peers(G)
    metrics = site_metrics(G, peers=peer_sets, hubs=hubs)
    if checked is None:
        checked = external_checked(external, crawl.settings if crawl else None)
    retired = retired_links(external) if checked and external is not None else None
    findings = find(
        G,
        metrics,
        config=config,
        peers=peer_sets,
        labels=labels,
        retired=retired,
        broken_examples=broken_examples,
        relevance=relevance.sites if relevance is not None else None,
    )
    score = integration_score(G, metrics, findings, config=config, peers=peer_sets)
    flags: dict[str, list[str]] = {n: [] for n in G}
    for site, code in zip(findings["site"], findings["code"], strict=True):
        flags[site].append(code)

    base = pd.DataFrame.from_dict(
        {
            n: {c: d.get(c, _DEFAULTS.get(c)) for c in SITE_COLUMNS} | {"host_unicode": unicode_host(str(n))}
            for n, d in G.nodes(data=True)
        },
        orient="index",
        columns=list(SITE_COLUMNS),
    )
    sites = pd.concat([base, metrics.reindex(base.index)], axis=1)
    sites["flags"] = pd.Series({n: flags[n] for n in base.index}, dtype=object).reindex(base.index)
    sites["score"] = score.reindex(base.index).astype(float)
    sites.index.name = "site"
    if len(sites):
        n_flags = sites["flags"].map(len)
        order = sorted(
            sites.index,
            key=lambda s: (
                math.isnan(sites.at[s, "score"]),
                sites.at[s, "score"] if not math.isnan(sites.at[s, "score"]) else 0.0,
                -n_flags[s],
                s,
            ),
        )
        sites = sites.loc[order]
    sites["rank"] = range(1, len(sites) + 1)
    _add_relevance(sites, relevance)

    for n, row in sites.iterrows():
        attrs = G.nodes[n]
        for c in METRIC_COLUMNS:
            value = row[c]
            attrs[c] = float(value) if c in FLOAT_METRICS else int(value)
        attrs["flags"] = list(row["flags"])
        attrs["score"] = float(row["score"])
        attrs["rank"] = int(row["rank"])

    groupings = {}
    for grouping in REPORT_GROUPINGS:
        table = _group_figures(group_table(G, grouping, labels=labels), group_members(G, grouping), sites)
        groupings[grouping] = (table, group_matrix(G, grouping))

    notes = []
    if crawl is not None and (state := crawl.state) != "finished":
        unfinished = {
            "running": _("Crawl {id} is running: the figures cover only the pages stored so far."),
            "interrupted": _("Crawl {id} is interrupted: the figures cover only the pages stored so far."),
        }
        notes.append(unfinished.get(state, unfinished["interrupted"]).format(id=crawl.id))
    missing = [h for h in hubs if h not in G]
    if missing:
        notes.append(
            _("Hub site {sites} is not a seed site: hops from it are not counted.").format(
                sites=", ".join(missing)
            )
        )
    if relevance is None and crawl is not None:
        notes.append(
            _(
                "The crawl kept no page text (--no-text, or a store of an older govlinks): "
                "the relevance of links is not assessed."
            )
        )
    if not checked:
        notes.append(
            _(
                "Links to URLs outside the seed sites were not checked (crawl without --check-links): "
                "links_to_retired is not assessed."
            )
        )

    journey_config = journey_config or JourneyConfig()
    found: list[Journey] = []
    recommended = pd.DataFrame(columns=list(RECOMMENDATION_COLUMNS))
    if journeys:
        evidence = LinkEvidence(G, journey_config)
        found = all_journeys(G, hubs=hubs, config=journey_config, evidence=evidence, labels=labels)
        recommended = recommend(
            G, config=journey_config, evidence=evidence, targets=link_targets, labels=labels
        )

    table, matrix = groupings[by]
    analysis = Analysis(
        crawl=crawl,
        graph=G,
        sites=sites,
        findings=findings,
        groups=table,
        matrix=matrix,
        by=by,
        hubs=hubs,
        config=config,
        labels=labels,
        external_checked=bool(checked),
        notes=notes,
        groupings=groupings,
        min_coverage=min_coverage,
        retired=retired,
        journey_config=journey_config,
        journeys=found,
        recommendations=recommended,
        relevance=relevance,
    )
    not_assessed = int((~analysis.assessed).sum())
    if not_assessed:
        # English keeps "site(s)" for both numbers (scripts match it); translations have two forms
        text = ngettext(
            "{n} site(s) could not be assessed (code uncrawled).",
            "{n} site(s) could not be assessed (code uncrawled).",
            not_assessed,
        )
        notes.append(text.format(n=not_assessed))
    return analysis


def analyse_crawl(
    store: Store,
    crawl_id: int | None = None,
    *,
    by: str = "theme",
    hub: str | Iterable[str] | None = DEFAULT_HUB,
    config: FindingsConfig | None = None,
    labels: Mapping[str, str] | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    journey_config: JourneyConfig | None = None,
    link_pages: bool = True,
) -> Analysis:
    """Analyse one crawl of a store (the latest when ``crawl_id`` is None).

    ``link_pages``: read which pages the sites link to from their content, for the
    page each recommendation names (one more pass over the links; an export that
    shows no recommendation skips it).
    """
    info = store.crawl(crawl_id)
    config = config or FindingsConfig()
    G = load_site_graph(store, info.id)
    targets = load_link_targets(store, info.id, sorted(G)) if link_pages else None
    checks_wanted = info.settings.get("check_links", True)
    external = store.reads.external_checks(info.id) if checks_wanted else None
    checked = external_checked(external, info.settings)
    return analyse(
        G,
        by=by,
        hub=hub,
        config=config,
        external=external,
        labels=labels if labels is not None else labels_near(info.seeds_path),
        crawl=info,
        broken_examples=store.reads.broken_examples(info.id),
        checked=checked,
        min_coverage=min_coverage,
        journey_config=journey_config,
        link_targets=targets,
        relevance=load_relevance(store, info.id, threshold=config.relevance_threshold),
    )
