"""The terminal report: what an analyst reads first, in 100 columns.

Rich tables without colours or markup (crawled text is shown as text, never
interpreted), every text through :mod:`graphs.i18n` and every number through
:func:`graphs.i18n.format_number`, so that ``--lang fr`` reads ``1 204 270`` and
``37 %``. What a reader must know before trusting the figures (a crawl that is
not finished) comes first, right under the heading.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from crawler.text import safe_text
from graphs.analysis import Analysis
from graphs.coverage import coverage_notes
from graphs.findings import CODES
from graphs.i18n import N_, _, format_number, format_time
from graphs.relevance import relevance_line

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["STATES", "console", "crawl_heading", "first_notes", "number", "render_table"]

# A crawl's state as a reader sees it.
STATES = {"finished": N_("finished"), "running": N_("running"), "interrupted": N_("interrupted")}
GROUPING_TITLES = {
    "theme": N_("Themes"),
    "life-event": N_("Life events"),
    "organisation": N_("Organisations"),
}
NO_GROUP = {
    "theme": N_("No site has a theme."),
    "life-event": N_("No site has a life event."),
    "organisation": N_("No site has an organisation."),
}


def number(value: Any, spec: str = ",") -> str:
    """A figure in the current language, "–" when missing (NaN, None)."""
    return format_number(value, spec)


def console(buf: io.StringIO, width: int) -> Console:
    """A Rich console that writes plain text: no colour, no markup, no emoji."""
    from rich.console import Console

    return Console(file=buf, width=width, color_system=None, force_terminal=False, highlight=False,
                   emoji=False, markup=False, soft_wrap=False)  # fmt: skip


def crawl_heading(a: Analysis) -> str:
    """``govlinks report — crawl 3 (finished, finished 2026-…)``: which crawl, in which state."""
    crawl = a.crawl
    if crawl is None:  # a graph analysed by hand
        return _("govlinks report — crawl ? (?)")
    state = _(STATES.get(crawl.state, crawl.state))
    if crawl.finished_at:
        return _("govlinks report — crawl {id} ({state}, finished {time})").format(
            id=crawl.id, state=state, time=format_time(crawl.finished_at)
        )
    return _("govlinks report — crawl {id} ({state})").format(id=crawl.id, state=state)


def first_notes(a: Analysis) -> tuple[list[str], list[str]]:
    """The notes to read before any figure (an unfinished crawl, too few sites assessed), and the others."""
    unfinished = a.crawl is not None and a.crawl.state != "finished"
    first = [*a.notes[:1], *coverage_notes(a)] if unfinished else coverage_notes(a)
    return first, list(a.notes[1:] if unfinished else a.notes)


def _lines(buf: io.StringIO) -> str:
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def render_table(a: Analysis, *, width: int = 100, top: int = 40) -> str:
    """A terminal report: summary, flagged sites worst first (``top``, 0 = all), groups."""
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    out = console(buf, width)
    s = a.summary()
    out.print(Text(safe_text(crawl_heading(a))))
    first, notes = first_notes(a)
    for note in first:  # what a reader must know before any figure
        out.print(Text(_("note: {text}").format(text=safe_text(note))))
    out.print(
        Text(
            _(
                "{sites} sites ({assessed} assessed), {pairs} linked pairs of sites, {links} links; "
                "{flagged} sites flagged; median score {median}"
            ).format(
                sites=number(s["sites"]),
                assessed=number(s["assessed"]),
                pairs=number(s["site_links"]),
                links=number(s["links"]),
                flagged=number(s["flagged"]),
                median=number(s["median_score"], ".1f"),
            )
        )
    )
    for note in notes:
        out.print(Text(_("note: {text}").format(text=safe_text(note))))
    for line in a.history.table_lines() if a.history is not None else ():
        out.print(Text(safe_text(line)))
    out.print(Text(relevance_line(a.relevance)))
    out.print()

    codes = Table(title=_("Reason codes"), title_justify="left", box=None, pad_edge=False)
    codes.add_column(_("code"))
    codes.add_column(_("sites"), justify="right")
    codes.add_column(_("rule"))
    missing = a.not_assessed()
    for code, n in s["flags"].items():
        codes.add_row(Text(code), Text(missing.get(code, number(n))), Text(CODES[code]))
    out.print(codes)
    out.print()

    flagged = a.sites[a.sites["flags"].map(bool)]
    shown_sites = flagged if not top else flagged.head(top)
    table = Table(title=_("Flagged sites, worst first"), title_justify="left", box=None, pad_edge=False)
    for name, justify in ((_("#"), "right"), (_("site"), "left"), (_("score"), "right"), (_("in"), "right"),
                          (_("out"), "right"), (_("deep"), "right"), (_("rel"), "right"),
                          (_("flags"), "left")):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for site, row in shown_sites.iterrows():
        table.add_row(
            Text(number(row["rank"], "d")),
            Text(safe_text(site)),
            Text(number(row["score"], ".0f")),
            Text(number(int(row["in_sites"]), "d")),
            Text(number(int(row["out_sites"]), "d")),
            Text(number(row["in_deep_share"], ".0%")),
            Text(number(row["out_relevant_share"], ".0%")),
            Text(", ".join(row["flags"])),
        )
    out.print(table)
    if len(flagged) > len(shown_sites):
        more = len(flagged) - len(shown_sites)
        out.print(Text(_("… and {n} more flagged sites (--top 0 shows all)").format(n=number(more))))
    if not len(flagged):
        out.print(Text(_("No site flagged.")))
    out.print()
    print_groups(out, a)
    return _lines(buf)


def print_groups(out: Console, a: Analysis) -> None:
    """The table of the report's grouping (``a.by``), one row per group."""
    from rich.table import Table
    from rich.text import Text

    title = _(GROUPING_TITLES[a.by])
    groups = Table(title=title, title_justify="left", box=None, pad_edge=False)
    # a ministry's scorecard: how many of its sites were assessed and flagged; a group's: how they link
    columns: tuple[tuple[str, str, str], ...] = (
        (("crawled", "d", N_("assessed")), ("flagged", "d", N_("flagged")))
        if a.by == "organisation"
        else (("density", ".2f", N_("density")),)
    )
    columns += (("links_in", "d", N_("in")), ("links_out", "d", N_("out")))
    columns += (("isolated_share", ".0%", N_("isolated")), ("mean_score", ".0f", N_("score")))
    groups.add_column(_("organisation") if a.by == "organisation" else _("group"), overflow="fold")
    groups.add_column(_("sites"), justify="right")
    for _key, _spec, name in columns:
        groups.add_column(_(name), justify="right", overflow="fold")
    for row in a.groups.to_dict("records"):
        label = safe_text(row["label"])
        if label != row["group"]:
            label = f"{label} ({safe_text(row['group'])})"
        cells = [number(row.get(key), spec) for key, spec, _name in columns]
        groups.add_row(Text(label), Text(number(row["sites"], "d")), *map(Text, cells))
    if len(a.groups):
        out.print(groups)
    else:
        out.print(Text(_(NO_GROUP[a.by])))
