"""Journeys and link recommendations of an analysis, as JSON, CSV and terminal text.

The JSON parts are the ``journeys`` and ``recommendations`` keys of the report
(:func:`graphs.report.report_dict`); the CSV ones are ``journeys.csv`` and
``recommendations.csv`` of ``govlinks report --format csv --output-dir``; the
terminal views are ``govlinks journeys`` and ``govlinks recommend``. Target URLs
are crawled text: every string goes through :mod:`crawler.text`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from crawler.errors import GovlinksError
from crawler.text import csv_cell, safe_text
from graphs.i18n import _, ngettext
from graphs.journeys import JOURNEY_COLUMNS, Journey, find_journey
from graphs.recommend import FIGURES, RECOMMENDATION_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from graphs.analysis import Analysis

__all__ = [
    "journeys_json",
    "recommendations_json",
    "render_journey",
    "render_journeys",
    "render_journeys_csv",
    "render_recommendations",
    "render_recommendations_csv",
]


def _clean(value: Any) -> Any:
    """JSON-ready: numpy scalars unwrapped, NaN as None, text made safe, containers walked."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return safe_text(value)
    return value


def journeys_json(a: Analysis) -> list[dict[str, Any]]:
    """The ``journeys`` key of the JSON report: one object per journey."""
    return [_clean(j.as_dict()) for j in a.journeys]


def recommendations_json(a: Analysis) -> list[dict[str, Any]]:
    """The ``recommendations`` key of the JSON report, by source then rank."""
    out = []
    for row in a.recommendations.to_dict("records"):
        out.append(
            _clean(
                {
                    "source": row["source"],
                    "target": row["target"],
                    "rank": row["rank"],
                    "score": row["score"],
                    "target_url": row["target_url"],
                    "evidence": row["evidence"],
                    "details": {k: row[k] for k in FIGURES},
                }
            )
        )
    return out


def _csv(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> str:
    columns = list(columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = [_clean(row.get(c)) for c in columns]
        writer.writerow([csv_cell("" if v is None else v) for v in values])
    return buf.getvalue()


def render_journeys_csv(a: Analysis) -> str:
    """``journeys.csv``: one row per journey, columns ``JOURNEY_COLUMNS``."""
    return _csv(JOURNEY_COLUMNS, (j.row() for j in a.journeys))


def render_recommendations_csv(a: Analysis) -> str:
    """``recommendations.csv``: one row per recommendation, columns ``RECOMMENDATION_COLUMNS``."""
    return _csv(RECOMMENDATION_COLUMNS, a.recommendations.to_dict("records"))


# -- terminal views ----------------------------------------------------------------------


def _console(buf: io.StringIO, width: int) -> Any:
    from rich.console import Console

    return Console(file=buf, width=width, color_system=None, force_terminal=False,
                   highlight=False, emoji=False, markup=False, soft_wrap=False)  # fmt: skip


def _text(buf: io.StringIO) -> str:
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _head(a: Analysis, title: str) -> str:
    crawl = a.crawl
    where = (
        _("crawl ?") if crawl is None else _("crawl {id} ({state})").format(id=crawl.id, state=crawl.state)
    )
    return f"govlinks {title} — {where}"


def _hops(value: int | None) -> str:
    return "–" if value is None else str(value)


def _share(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0%}"


def render_journeys(a: Analysis, *, group: str | None = None, width: int = 100) -> str:
    """``govlinks journeys``: every journey in a table, or one journey (``group``: id or label)."""
    if group is not None:
        return render_journey(a, find_journey(a.journeys, group), width=width)
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = _console(buf, width)
    console.print(Text(_head(a, "journeys")))
    hubs = ", ".join(a.hubs) or "–"
    console.print(
        Text(
            _("Clicks from {hubs} through content links; reachable within {n} clicks.").format(
                hubs=hubs, n=a.journey_config.max_hops
            )
        )
    )
    for note in a.notes:
        console.print(Text(_("note: ") + safe_text(note)))
    if not a.journeys:
        console.print(Text(_("No theme or life event has two assessed sites.")))
    for by in ("life-event", "theme"):
        rows = [j for j in a.journeys if j.by == by]
        if not rows:
            continue
        console.print()
        title = _("Life events") if by == "life-event" else _("Themes")
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        table.add_column(_("journey"), overflow="fold")
        for name in (_("sites"), _("unreachable"), _("parts"), _("density"), _("linked"), _("gaps")):
            table.add_column(name, justify="right", overflow="fold")
        for j in rows:
            table.add_row(
                Text(f"{safe_text(j.label)} ({j.group})" if j.label != j.group else j.group),
                Text(f"{len(j.assessed)}/{len(j.members)}"),
                Text(str(len(j.unreachable))),
                Text(str(len(j.components))),
                Text(f"{j.density:.2f}"),
                Text(_share(j.linked_share)),
                Text(str(j.gap_count)),
            )
        console.print(table)
    console.print()
    console.print(Text(_("sites: assessed/members; parts: connected components; linked: member pairs")))
    console.print(Text(_("linked either way; one journey in detail: govlinks journeys --group ID-OR-LABEL")))
    return _text(buf)


def render_journey(a: Analysis, j: Journey, *, width: int = 100) -> str:
    """One journey in detail: members and their clicks from the hub, parts, gaps with evidence."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = _console(buf, width)
    kind = _("life event") if j.by == "life-event" else _("theme")
    console.print(Text(_head(a, "journeys")))
    console.print(
        Text(_("Journey '{label}' ({group}, {kind})").format(label=j.label, group=j.group, kind=kind))
    )
    n = len(j.assessed)
    console.print(
        Text(
            _(
                "{n} assessed sites of {m}; density {density:.2f}; {share} of the {pairs} pairs linked "
                "either way; {parts} connected {what}."
            ).format(
                n=n, m=len(j.members), density=j.density, share=_share(j.linked_share), pairs=j.pairs,
                parts=len(j.components), what=ngettext("part", "parts", len(j.components)),
            )
        )
    )  # fmt: skip
    console.print()
    table = Table(box=None, pad_edge=False)
    table.add_column(_("site"), overflow="fold")
    table.add_column(_("clicks from the hub (content)"), justify="right")
    table.add_column(_("(any link)"), justify="right")
    table.add_column(_("part"), justify="right")
    part = {s: k for k, c in enumerate(j.components, start=1) for s in c}
    for m in j.members:
        if not m["assessed"]:
            table.add_row(Text(safe_text(m["site"])), Text(_("not assessed")), Text(""), Text(""))
            continue
        table.add_row(
            Text(safe_text(m["site"])),
            Text(_hops(m["content_hops"])),
            Text(_hops(m["any_hops"])),
            Text(str(part.get(m["site"], ""))),
        )
    console.print(table)
    console.print()
    limit = a.journey_config.max_hops
    if j.unreachable:
        console.print(
            Text(
                _("Not reachable from the hub within {n} clicks through content links: {sites}.").format(
                    n=limit, sites=", ".join(j.unreachable)
                )
            )
        )
    else:
        console.print(
            Text(_("Every member is within {n} clicks of the hub through content links.").format(n=limit))
        )
    if not j.gap_count:
        console.print(Text(_("No gap: every pair of members is linked one way or the other.")))
        return _text(buf)
    shown = len(j.gaps)
    console.print(
        Text(
            _("Gaps: {count} pairs of members with no link either way; the {shown} best evidenced:").format(
                count=j.gap_count, shown=shown
            )
        )
    )
    for k, gap in enumerate(j.gaps, start=1):
        console.print(Text(f"{k:>3}. {gap['source']} → {gap['target']}  ({gap['score']:.2f})"))
        if gap["evidence"]:
            console.print(Padding(Text(safe_text(gap["evidence"])), (0, 0, 0, 5)))
    return _text(buf)


def _select(recs: pd.DataFrame, site: str | None, to: str | None, known: Iterable[str]) -> pd.DataFrame:
    known = set(known)
    for option, value in (("--site", site), ("--to", to)):
        if value is not None and value not in known:
            raise GovlinksError(f"{option} {value!r}: not a seed site of this crawl")
    if site is not None:
        recs = recs[recs["source"] == site]
    if to is not None:
        recs = recs[recs["target"] == to].sort_values(["score", "source"], ascending=[False, True])
    return recs


def render_recommendations(
    a: Analysis, *, site: str | None = None, to: str | None = None, width: int = 100
) -> str:
    """``govlinks recommend``: the links each site (or ``site``) should add, best first;
    with ``to``, the sites that should link to it (those with it among their first ones)."""
    from rich.padding import Padding
    from rich.text import Text

    recs = _select(a.recommendations, site, to, a.sites.index)
    buf = io.StringIO()
    console = _console(buf, width)
    console.print(Text(_head(a, "recommend")))
    top = a.journey_config.top

    def show(number: int, name: str, row: Mapping[str, Any], note: str = "") -> None:
        console.print(Text(f"{number:>3}. {safe_text(name)}  ({row['score']:.2f}{note})"))
        page = _("page to link: {url}").format(url=safe_text(row["target_url"]))
        console.print(Padding(Text(page), (0, 0, 0, 5)))
        console.print(Padding(Text(safe_text(row["evidence"])), (0, 0, 0, 5)))

    if to is not None:
        text = _("Sites that should link to {site} (it is among their {top} best recommendations):")
        console.print(Text(text.format(site=to, top=top)))
        for k, row in enumerate(recs.to_dict("records"), start=1):
            console.print()
            show(k, row["source"], row, ", " + _("its #{rank}").format(rank=row["rank"]))
        if not len(recs):
            console.print(Text(_("None: no assessed site has it among its best recommendations.")))
        return _text(buf)
    console.print(Text(_("Links each site should add, best first (at most {top} a site).").format(top=top)))
    if site is not None and not a.assessed.get(site, True):
        console.print(Text(_("{site} could not be assessed: its links are unknown.").format(site=site)))
    elif not len(recs):
        console.print(Text(_("No recommendation: no link has enough evidence.")))
    current = None
    for row in recs.to_dict("records"):
        if row["source"] != current:
            current = row["source"]
            console.print()
            console.print(Text(safe_text(current)))
        show(row["rank"], row["target"], row)
    return _text(buf)
