"""Present a :class:`~graphs.diff.CrawlDiff`: terminal table, JSON, CSV folder, HTML page.

The JSON form is the machine-readable one: an object with the keys ``from``,
``to``, ``edges_added``, ``edges_removed``, ``edges_changed``, ``sites`` and
``groups`` (and ``notes``, ``summary``, ``sites_added``, ``sites_removed``,
``broken_added``, ``retired_added``); edges are objects with ``source``,
``target``, ``weight_from`` and ``weight_to``, sites objects with ``site``,
``codes_added``, ``codes_resolved``, ``score_from`` and ``score_to``. The table
puts the worst regressions first; the HTML page has the report's look
(``graphs/templates/diff.html``). Site names, URLs and errors come from crawled
pages and seed lists: they go through :mod:`crawler.text` in every format.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crawler.errors import GovlinksError
from crawler.text import csv_cell, generator, safe_text
from graphs.choices import DIFF_FORMATS as FORMATS
from graphs.diff import BROKEN_COLUMNS, EDGE_COLUMNS, RETIRED_COLUMNS, SITE_COLUMNS, CrawlDiff
from graphs.history import crawl_label
from graphs.i18n import _
from graphs.report import _scalar

__all__ = [
    "CSV_FILES",
    "FORMATS",
    "diff_dict",
    "fail_on_new_line",
    "render_diff",
    "render_diff_html",
    "write_diff",
    "write_diff_csv",
]

_EDGE_KEYS = ("source", "target", "weight_from", "weight_to")


def _records(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    out = []
    for row in frame[list(columns)].to_dict("records"):
        out.append({k: (list(v) if isinstance(v, list) else _scalar(v)) for k, v in row.items()})
    return out


def diff_dict(d: CrawlDiff) -> dict[str, Any]:
    """The JSON diff as a dict (shape in the module docstring and the README)."""
    return {
        "generator": generator(),
        "from": {k: _scalar(v) for k, v in d.frm.as_dict().items()},
        "to": {k: _scalar(v) for k, v in d.to.as_dict().items()},
        "common_sites": len(d.common),
        "settings_changed": {k: [a, b] for k, (a, b) in d.settings_changed.items()},
        "min_change": d.min_change,
        "notes": [safe_text(n) for n in d.notes],
        "summary": d.summary(),
        "edges_added": _records(d.edges_of("added"), _EDGE_KEYS),
        "edges_removed": _records(d.edges_of("removed"), _EDGE_KEYS),
        "edges_changed": _records(d.edges_of("changed"), _EDGE_KEYS),
        "sites": _records(d.sites, SITE_COLUMNS),
        "sites_added": list(d.sites_added),
        "sites_removed": list(d.sites_removed),
        "broken_added": _records(d.broken_added, list(d.broken_added.columns)),
        "retired_added": _records(d.retired_added, list(d.retired_added.columns)),
        "groups": _records(d.groups, list(d.groups.columns)),
    }


def render_json(d: CrawlDiff) -> str:
    """The JSON diff, indented, UTF-8 characters kept, NaN written as null."""
    return json.dumps(diff_dict(d), ensure_ascii=False, indent=2, allow_nan=False, default=str) + "\n"


# -- the csv folder -------------------------------------------------------------------------

# File of the csv folder -> its columns ("codes_*" lists are |-joined).
CSV_FILES: dict[str, tuple[str, ...]] = {
    "edges.csv": EDGE_COLUMNS,
    "sites.csv": SITE_COLUMNS,
    "groups.csv": (),  # every column of CrawlDiff.groups
    "broken.csv": BROKEN_COLUMNS,
    "retired.csv": RETIRED_COLUMNS,
    "seeds.csv": ("site", "change"),
}


def _csv(frame: pd.DataFrame, columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    columns = columns or tuple(frame.columns)
    writer.writerow(columns)
    for row in frame[list(columns)].itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, list):
                value = "|".join(value)
            value = _scalar(value)
            cells.append(csv_cell("" if value is None else value))
        writer.writerow(cells)
    return buf.getvalue()


def write_diff_csv(d: CrawlDiff, out_dir: str | Path) -> dict[str, int]:
    """Write the diff as a folder of CSV files (:data:`CSV_FILES`); return the rows per file."""
    from crawler.fileio import output_folder, write_text_atomic

    out = output_folder(out_dir)
    seeds = pd.DataFrame(
        [(s, "added") for s in d.sites_added] + [(s, "removed") for s in d.sites_removed],
        columns=["site", "change"],
    )
    frames = {
        "edges.csv": d.edges,
        "sites.csv": d.sites,
        "groups.csv": d.groups,
        "broken.csv": d.broken_added,
        "retired.csv": d.retired_added,
        "seeds.csv": seeds,
    }
    for name, frame in frames.items():
        write_text_atomic(out / name, _csv(frame, CSV_FILES[name]), what="diff table")
    return {name: len(frame) for name, frame in frames.items()}


# -- the terminal table ---------------------------------------------------------------------


def _num(value: Any, spec: str = ".0f") -> str:
    value = _scalar(value)
    return "–" if value is None else format(value, spec)


def _move(a: Any, b: Any, spec: str = ".0f") -> str:
    """``71 → 12 (−59)``: a figure from and to, with the change when both exist."""
    a, b = _scalar(a), _scalar(b)
    text = f"{_num(a, spec)} → {_num(b, spec)}"
    if a is not None and b is not None and a != b:
        delta = b - a
        shown = format(abs(delta), spec)
        if shown.strip("0.%") and shown != format(0, spec):
            text += f" ({'+' if delta > 0 else '−'}{shown})"
    return text


def headline(d: CrawlDiff) -> str:
    """One sentence of what changed, for the table, the report and ``govlinks demo``."""
    s = d.summary()
    return _(
        "{added:,} linked pairs added, {removed:,} removed, {changed:,} changed weight; "
        "{sites:,} sites changed ({codes_added:,} reason codes added, {codes_resolved:,} resolved); "
        "{broken:,} new broken URLs; {retired:,} newly retired outside URLs."
    ).format(
        added=s["edges_added"], removed=s["edges_removed"], changed=s["edges_changed"],
        sites=s["sites_changed"], codes_added=s["codes_added"], codes_resolved=s["codes_resolved"],
        broken=s["broken_added"], retired=s["retired_added"],
    )  # fmt: skip


def _label(side: Any, two_stores: bool) -> str:
    text = safe_text(crawl_label(side.crawl))
    return f"{text} {_('of')} {safe_text(side.store)}" if two_stores else text


def render_table(d: CrawlDiff, *, width: int = 100, top: int = 20) -> str:
    """A terminal diff: headline, then each kind of change, worst first (``top`` rows each, 0 = all)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False, soft_wrap=False)  # fmt: skip
    two = d.frm.store != d.to.store
    console.print(Text(_("govlinks diff — {a} → {b}").format(a=_label(d.frm, two), b=_label(d.to, two))))
    console.print(Text(headline(d)))
    for note in d.notes:
        console.print(Text(_("note: ") + safe_text(note)))

    def section(title: str, head: list[tuple[str, str]], rows: list[list[Any]], total: int) -> None:
        """One table of ``rows`` (already cut to ``top``) out of ``total``."""
        if not total:
            return
        console.print()
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for name, justify in head:
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*(Text(safe_text(c)) for c in row))
        console.print(table)
        if total > len(rows):
            console.print(Text(_("… and {n:,} more (--top 0 shows all)").format(n=total - len(rows))))

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.head(top) if top else frame

    sites = [
        [r.site, _move(r.score_from, r.score_to), ", ".join(r.codes_added), ", ".join(r.codes_resolved),
         r.status_to if r.status_from == r.status_to else f"{r.status_from} → {r.status_to}"]
        for r in cut(d.sites).itertuples(index=False)
    ]  # fmt: skip
    head = [(_("site"), "left"), (_("score"), "right"), (_("codes added"), "left"),
            (_("codes resolved"), "left"), (_("status"), "left")]  # fmt: skip
    section(_("Sites, worst regressions first"), head, sites, len(d.sites))
    edges = _largest_moves_first(d.edges)
    head = [(_("from site"), "left"), (_("to site"), "left"), (_("linking pages"), "right")]
    for change, title in (("added", _("Linked pairs added")), ("removed", _("Linked pairs removed")),
                          ("changed", _("Linked pairs whose weight changed"))):  # fmt: skip
        these = edges[edges["change"] == change]
        rows = [[r.source, r.target, _move(r.weight_from, r.weight_to)] for r in cut(these).itertuples()]
        section(title, head, rows, len(these))
    broken = [[r.target_url, _num(r.status) if _scalar(r.status) is not None else r.error, r.sources]
              for r in cut(d.broken_added).itertuples(index=False)]  # fmt: skip
    head = [(_("URL"), "left"), (_("status"), "left"), (_("sites linking"), "right")]
    section(_("New broken URLs"), head, broken, len(d.broken_added))
    retired = [[r.source, r.target_url, r.reason] for r in cut(d.retired_added).itertuples(index=False)]
    head = [(_("site"), "left"), (_("URL"), "left"), (_("why"), "left")]
    section(_("Newly retired outside URLs"), head, retired, len(d.retired_added))
    head = [(_("group"), "left"), (_("mean score"), "right"), (_("density inside"), "right"),
            (_("isolated inside"), "right"), (_("links inside"), "right")]  # fmt: skip
    for by, title in (("theme", _("Themes")), ("life-event", _("Life events"))):
        moved = [r for r in d.groups[d.groups["by"] == by].itertuples(index=False) if _changed(r)]
        rows = [
            [r.label if r.label == r.group else f"{r.label} ({r.group})",
             _move(r.mean_score_from, r.mean_score_to), _move(r.density_from, r.density_to, ".2f"),
             _move(r.isolated_share_from, r.isolated_share_to, ".0%"),
             _move(r.internal_links_from, r.internal_links_to)]
            for r in (moved[:top] if top else moved)
        ]  # fmt: skip
        section(title, head, rows, len(moved))
    seeds = [[s, _("added to the seed list")] for s in d.sites_added]
    seeds += [[s, _("removed from the seed list")] for s in d.sites_removed]
    section(_("Seed list"), [(_("site"), "left"), (_("change"), "left")], seeds, len(seeds))
    if not len(d.edges) and not len(d.sites):
        console.print()
        console.print(Text(_("Nothing changed between the two crawls.")))
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _largest_moves_first(edges: pd.DataFrame) -> pd.DataFrame:
    """Linked pairs by how far their weight moved, largest first (then by source and target)."""
    moved = edges.assign(move=(edges["weight_to"] - edges["weight_from"]).abs())
    return moved.sort_values(["move", "source", "target"], ascending=[False, True, True], kind="stable")


# The group figures whose move makes a group worth showing.
_GROUP_MOVES = (
    ("mean_score_from", "mean_score_to"),
    ("density_from", "density_to"),
    ("isolated_share_from", "isolated_share_to"),
    ("internal_links_from", "internal_links_to"),
)


def _changed(row: Any) -> bool:
    for a, b in _GROUP_MOVES:
        va, vb = _scalar(getattr(row, a)), _scalar(getattr(row, b))
        if va != vb and not (isinstance(va, float) and isinstance(vb, float) and math.isclose(va, vb)):
            return True
    return False


# -- html ------------------------------------------------------------------------------------


def html_context(d: CrawlDiff, *, top: int = 0) -> dict[str, Any]:
    """Plain values for the templates of a diff (the diff page and the report's section).

    Lists hold at most ``top`` rows (0: all); ``totals`` says how many there are.
    """

    def cut(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return (frame.head(top) if top else frame).to_dict("records")

    two = d.frm.store != d.to.store
    groups = []
    for by, title in (("theme", "theme"), ("life-event", "life event")):
        moved = [r._asdict() for r in d.groups[d.groups["by"] == by].itertuples(index=False) if _changed(r)]
        groups.append({"title": title, "rows": moved[:top] if top else moved, "total": len(moved)})
    edges = _largest_moves_first(d.edges)
    by_change = {c: edges[edges["change"] == c] for c in ("added", "removed", "changed")}
    return {
        "frm": _label(d.frm, two),
        "to": _label(d.to, two),
        "notes": list(d.notes),
        "summary": d.summary(),
        "headline": headline(d),
        "sites": cut(d.sites),
        "edges": {c: cut(e) for c, e in by_change.items()},
        "broken": cut(d.broken_added),
        "retired": cut(d.retired_added),
        "groups": groups,
        "totals": {
            "sites": len(d.sites),
            **{c: len(e) for c, e in by_change.items()},
            "broken": len(d.broken_added),
            "retired": len(d.retired_added),
        },
        "sites_added": list(d.sites_added),
        "sites_removed": list(d.sites_removed),
    }


def render_diff_html(d: CrawlDiff, *, generated_at: str | None = None, top: int = 0) -> str:
    """The diff as one self-contained HTML page with the report's look (``top`` rows per list, 0: all)."""
    from graphs.report_html import environment

    page = {
        "diff": html_context(d, top=top),
        "generator": generator(),
        "generated_at": generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return environment().get_template("diff.html").render(page)


def render_diff(d: CrawlDiff, fmt: str, *, top: int = 20) -> str:
    """Render in one of ``FORMATS`` but csv (a folder: :func:`write_diff_csv`)."""
    if fmt == "table":
        return render_table(d, top=top)
    if fmt == "json":
        return render_json(d)
    if fmt == "html":
        return render_diff_html(d, top=top)
    raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")


def write_diff(d: CrawlDiff, fmt: str, output: str | None = None, *, top: int = 20) -> str:
    """Write the diff to ``output`` and return a line saying so, or return it for stdout.

    csv writes a folder and needs ``output``; the other formats write one file
    (atomically) or, without ``output``, are returned whole.
    """
    from crawler.fileio import write_text_atomic

    if fmt == "csv":
        if not output:
            raise GovlinksError("--format csv writes a folder: give it with -o DIR")
        counts = write_diff_csv(d, output)
        figures = ", ".join(f"{name} {n}" for name, n in counts.items())
        return _("Wrote {out}/: {figures}").format(out=output, figures=figures) + "\n"
    text = render_diff(d, fmt, top=top)
    if not output:
        return text
    write_text_atomic(output, text, what="diff")
    return ""


def fail_on_new_line(alerts: dict[str, list[str]]) -> str:
    """The stderr line of ``--fail-on-new``: the sites that gained the codes, and which.

    >>> fail_on_new_line({"a.fr": ["orphan"], "b.fr": ["orphan", "dead_end"]})
    'diff: 2 site(s) gained dead_end, orphan: a.fr (orphan), b.fr (orphan, dead_end) (--fail-on-new)'
    """
    codes = ", ".join(sorted({c for found in alerts.values() for c in found}))
    sites = ", ".join(f"{s} ({', '.join(found)})" for s, found in alerts.items())
    return f"diff: {len(alerts)} site(s) gained {codes}: {sites} (--fail-on-new)"
