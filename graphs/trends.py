"""Trends over the crawls of a store: what the report adds when there is more than one.

An analyst who crawls every month reads the latest report first for what changed
since the previous crawl, then for where things are going: sites assessed,
linked pairs, flagged sites per reason code, the median score, and the
integration of each theme and life event, crawl after crawl. :class:`History`
holds these figures for the finished crawls up to the one reported, a per-site
history (score and codes per crawl) and the diff with the previous crawl;
:func:`crawl_history` reads them from a store, :func:`trend_rows` and
:func:`group_trends` are pure.

A report on a store with a single finished crawl has no history and is
unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from graphs.config import FindingsConfig
from graphs.diff import CrawlDiff, diff
from graphs.findings import CODES
from graphs.groups import GROUPINGS
from graphs.history import crawl_label, finished_crawls, load_snapshot
from graphs.i18n import _

if TYPE_CHECKING:
    from crawler.store import CrawlInfo, Store
    from graphs.analysis import Analysis

__all__ = [
    "GROUP_TREND_COLUMNS",
    "TREND_COLUMNS",
    "History",
    "analyse_with_history",
    "crawl_history",
    "flag_series",
    "group_trends",
    "site_history",
    "trend_rows",
]

TREND_COLUMNS = (
    "crawl", "as_of", "source", "sites", "assessed", "site_links", "flagged", "median_score", "flags",
)  # fmt: skip
GROUP_TREND_COLUMNS = ("crawl", "by", "group", "label", "sites", "density", "isolated_share", "mean_score")


@dataclass
class History:
    """The finished crawls up to the reported one, oldest first, and what they show.

    ``rows``: :func:`trend_rows`; ``groups``: :func:`group_trends`; ``sites``:
    :func:`site_history`; ``since_previous``: the diff from the previous crawl to
    the reported one.
    """

    crawls: list[CrawlInfo]
    rows: pd.DataFrame
    groups: pd.DataFrame
    sites: dict[str, list[dict[str, Any]]]
    since_previous: CrawlDiff

    # The report reads a history through these methods (graphs.report, graphs.report_html),
    # so that the report modules need not import the diff's.

    def json_fields(self) -> dict[str, Any]:
        """The report's JSON keys ``history`` (one object per crawl) and ``since_previous``."""
        from graphs.diff_report import diff_dict

        groups: dict[int, dict[str, dict[str, Any]]] = {}
        for r in self.groups.to_dict("records"):
            figures = {k: _json(r[k]) for k in ("sites", "density", "isolated_share", "mean_score")}
            groups.setdefault(int(r["crawl"]), {}).setdefault(r["by"], {})[r["group"]] = figures
        history = []
        for r in self.rows.to_dict("records"):
            item = {k: _json(v) if k != "flags" else v for k, v in r.items()}
            item["groups"] = {by: groups.get(int(r["crawl"]), {}).get(by, {}) for by in GROUPINGS}
            history.append(item)
        since = diff_dict(self.since_previous)
        changed = [
            s for s in since["sites"]
            if s["codes_added"] or s["codes_resolved"] or s["status_from"] != s["status_to"]
        ]  # fmt: skip
        keys = ("from", "to", "common_sites", "notes", "summary")
        return {"history": history, "since_previous": {**{k: since[k] for k in keys}, "sites": changed}}

    def table_lines(self) -> list[str]:
        """What the terminal report says of the history: the changes since the previous crawl."""
        from graphs.diff_report import headline

        previous = self.since_previous.frm.crawl
        return [
            _("Since {crawl}: {changes}").format(
                crawl=crawl_label(previous), changes=headline(self.since_previous)
            )
        ]

    def html(self, *, images: bool, labels: dict[str, str], by: str, top: int = 20) -> dict[str, Any]:
        """Plain values for the report's "since the previous crawl" and trend sections."""
        from graphs.diff_report import html_context

        names = [crawl_label(c) for c in self.crawls]
        charts: dict[str, Any] | None = None
        if images:
            ticks = [_("crawl {id}").format(id=c.id) + "\n" + c.as_of[:10] for c in self.crawls]
            from graphs import plots
            from graphs.report_html import _svg as png

            ids = [c.id for c in self.crawls]
            charts = {"summary": png(plots.plot_trends(self.rows, flag_series(self.rows), labels=ticks))}
            titles = {"theme": _("Mean integration score per theme"),
                      "life-event": _("Mean integration score per life event")}  # fmt: skip
            for grouping, title in titles.items():
                rows = self.groups[self.groups["by"] == grouping]
                if len(rows):
                    fig = plots.plot_group_trends(rows, crawls=ids, labels=ticks, names=labels, title=title)
                    charts[grouping] = png(fig)
            charts["order"] = [g for g in sorted(GROUPINGS, key=lambda g: g != by) if g in charts]
        rows = [{**r, "label": names[i]} for i, r in enumerate(self.rows.to_dict("records"))]
        return {"since": html_context(self.since_previous, top=top), "rows": rows, "charts": charts}


def _json(value: Any) -> Any:
    """A JSON-ready scalar: numpy numbers unwrapped, NaN as None."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _float(value: Any) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def trend_rows(analyses: Sequence[Analysis]) -> pd.DataFrame:
    """One row per analysed crawl: the headline figures of its report (columns :data:`TREND_COLUMNS`).

    ``flags`` is a dict (reason code -> flagged sites), every code present.
    """
    rows = []
    for a in analyses:
        assert a.crawl is not None  # trends are of stored crawls
        s = a.summary()
        rows.append(
            {
                "crawl": a.crawl.id,
                "as_of": a.crawl.as_of,
                "source": a.crawl.source_label,
                "sites": s["sites"],
                "assessed": s["assessed"],
                "site_links": s["site_links"],
                "flagged": s["flagged"],
                "median_score": _float(s["median_score"]),
                "flags": dict(s["flags"]),
            }
        )
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def group_trends(analyses: Sequence[Analysis]) -> pd.DataFrame:
    """Integration of every theme and life event, per crawl (columns :data:`GROUP_TREND_COLUMNS`)."""
    frames = []
    for a in analyses:
        assert a.crawl is not None
        for by in GROUPINGS:
            table = a.groupings[by][0]
            frame = table[["group", "label", "sites", "density", "isolated_share", "mean_score"]].copy()
            frame.insert(0, "by", by)
            frame.insert(0, "crawl", a.crawl.id)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(GROUP_TREND_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(GROUP_TREND_COLUMNS)]


def site_history(analyses: Sequence[Analysis]) -> dict[str, list[dict[str, Any]]]:
    """Per site, its score and reason codes in each crawl that has it, oldest first.

    Scores are None when the site could not be assessed in that crawl.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for a in analyses:
        assert a.crawl is not None
        for site, flags, score in zip(a.sites.index, a.sites["flags"], a.sites["score"], strict=True):
            value = _float(score)
            out.setdefault(str(site), []).append(
                {"crawl": a.crawl.id, "score": None if math.isnan(value) else value, "flags": list(flags)}
            )
    return dict(sorted(out.items()))


def _up_to(crawls: Iterable[CrawlInfo], info: CrawlInfo) -> list[CrawlInfo]:
    out = []
    for c in crawls:
        out.append(c)
        if c.id == info.id:
            return out
    return []


def crawl_history(
    store: Store, analysis: Analysis, *, config: FindingsConfig | None = None
) -> History | None:
    """The :class:`History` of the crawl ``analysis`` reports, None when it has none.

    None when the reported crawl is not finished, or is the only finished crawl
    up to its date. Earlier crawls are analysed as the report analyses (the same
    thresholds and hubs), each on its own seed list, but without journeys and
    link recommendations: a history shows neither, and they cost about a quarter
    of each earlier crawl (``bench/diff.py --crawls 5``). The reported crawl's
    analysis is reused.
    """
    info = analysis.crawl
    if info is None or info.state != "finished":
        return None
    crawls = _up_to(finished_crawls(store.crawls()), info)
    if len(crawls) < 2:
        return None
    config = config or analysis.config
    analyses: list[Analysis] = []
    previous = None
    for c in crawls[:-1]:
        snap = load_snapshot(store, c.id, broken=c.id == crawls[-2].id)
        analyses.append(snap.analyse(config=config, hub=analysis.hubs))
        previous = snap
    assert previous is not None
    current = load_snapshot(store, info.id)
    analyses.append(analysis)
    since = diff(previous, current, config=config, hub=analysis.hubs, analyses=(analyses[-2], analysis))
    return History(
        crawls=crawls,
        rows=trend_rows(analyses),
        groups=group_trends(analyses),
        sites=site_history(analyses),
        since_previous=since,
    )


def analyse_with_history(store: Store, crawl_id: int | None = None, **kw: Any) -> Analysis:
    """:func:`graphs.analysis.analyse_crawl`, with the crawl's :class:`History` in ``Analysis.history``.

    What ``govlinks report`` runs: the same analysis, and its trends when the
    store holds earlier finished crawls.
    """
    from graphs.analysis import analyse_crawl

    analysis = analyse_crawl(store, crawl_id, **kw)
    analysis.history = crawl_history(store, analysis, config=kw.get("config"))
    return analysis


def flag_series(rows: pd.DataFrame, codes: Iterable[str] = CODES) -> dict[str, list[int]]:
    """Flagged sites per reason code, one value per crawl of ``rows`` (:func:`trend_rows`)."""
    return {code: [int(f.get(code, 0)) for f in rows["flags"]] for code in codes}
