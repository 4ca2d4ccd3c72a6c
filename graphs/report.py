"""Present an :class:`~graphs.analysis.Analysis`: terminal table, JSON, CSV, HTML.

The JSON form is the stable, machine-readable one (``schema_version`` says
which shape; fields are only ever added within a version). The CSV has one row
per site for spreadsheets (:func:`write_csv_folder` adds a journey and a
recommendation table beside it); the HTML (:mod:`graphs.report_html`) is for
readers who are not developers. Everything shown may come from crawled pages (titles,
URLs) and is treated as hostile: every string goes through :mod:`crawler.text`
(control characters stripped everywhere, HTML escaped, CSV cells that a
spreadsheet would run as a formula defused).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.errors import GovlinksError
from crawler.fileio import write_text_atomic
from crawler.text import csv_cell, generator, safe_text
from graphs.analysis import Analysis
from graphs.choices import REPORT_FORMATS as FORMATS
from graphs.findings import CODES
from graphs.groups import group_members
from graphs.metrics import FLOAT_METRICS, METRIC_COLUMNS
from graphs.relevance import RELEVANCE_COLUMNS, RELEVANCE_FLOATS, relevance_dict, relevance_line
from graphs.report_journeys import (
    journeys_json,
    recommendations_json,
    render_journeys_csv,
    render_recommendations_csv,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_FILES",
    "FORMATS",
    "JSON_SCHEMA_VERSION",
    "render",
    "render_csv",
    "render_json",
    "render_table",
    "report_dict",
    "write_csv_folder",
    "write_report",
]

JSON_SCHEMA_VERSION = 1

CSV_COLUMNS = (
    "rank", "site", "host_unicode", "name", "organisation", "url", "title", "status", "themes", "life_events",
    "score", "flags", "pages", "html_pages", "errors", "robots_blocked", "homepage_status",
    *METRIC_COLUMNS, *RELEVANCE_COLUMNS, "evidence",
)  # fmt: skip


def _scalar(value: Any) -> Any:
    """A JSON-ready scalar: numpy types unwrapped, NaN as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, str):
        return safe_text(value)
    return value


def _metric(name: str, value: Any) -> Any:
    value = _scalar(value)
    if value is None:
        return None
    return float(value) if name in FLOAT_METRICS or name in RELEVANCE_FLOATS else int(value)


def _site_relevance(row: Any) -> dict[str, Any]:
    """A site's relevance figures (null when the crawl kept no page text)."""
    return {c: _metric(c, row[c]) for c in RELEVANCE_COLUMNS}


def _evidence(a: Analysis) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in a.findings.itertuples(index=False):
        out.setdefault(row.site, []).append(
            {
                "code": row.code,
                "evidence": safe_text(row.evidence),
                "details": {k: _scalar(v) for k, v in (row.details or {}).items()},
            }
        )
    return out


def report_dict(a: Analysis, *, generated_at: str | None = None) -> dict[str, Any]:
    """The JSON report as a dict (schema in the README, ``schema_version`` 1)."""
    evidence = _evidence(a)
    sites = []
    for site, row in a.sites.iterrows():
        sites.append(
            {
                "rank": int(row["rank"]),
                "site": safe_text(site),
                "host_unicode": safe_text(row["host_unicode"]),
                "name": safe_text(row["name"]),
                "organisation": safe_text(row["organisation"]),
                "url": safe_text(row["url"]),
                "title": safe_text(row["title"]),
                "status": safe_text(row["status"]),
                "themes": [safe_text(t) for t in row["themes"] or ()],
                "life_events": [safe_text(t) for t in row["life_events"] or ()],
                "crawl": {
                    "pages": _scalar(row["pages"]),
                    "html_pages": _scalar(row["html_pages"]),
                    "errors": _scalar(row["errors"]),
                    "robots_blocked": _scalar(row["robots_blocked"]),
                    "homepage_status": _scalar(row["homepage_status"]),
                },
                "metrics": {c: _metric(c, row[c]) for c in METRIC_COLUMNS},
                "relevance": _site_relevance(row),
                "flags": list(row["flags"]),
                "findings": evidence.get(site, []),
                "score": _scalar(row["score"]),
            }
        )
        if a.history is not None:  # score and codes in each crawl (several finished crawls only)
            sites[-1]["history"] = a.history.sites.get(site, [])
    groups = []
    members = group_members(a.graph, a.by)
    for row in a.groups.to_dict("records"):
        item = {k: _scalar(v) for k, v in row.items()}
        item["members"] = members.get(row["group"], [])
        groups.append(item)
    info = a.crawl.as_dict() if a.crawl is not None else {}
    crawl = {k: _scalar(v) if not isinstance(v, dict) else v for k, v in info.items()}
    summary = a.summary()
    summary = {k: (_scalar(v) if not isinstance(v, dict) else v) for k, v in summary.items()}
    history = a.history.json_fields() if a.history is not None else {}
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "generator": generator(),
        "generated_at": generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "crawl": crawl,
        "by": a.by,
        "hubs": list(a.hubs),
        "external_links_checked": a.external_checked,
        "config": {**a.config.as_dict(), "journeys": a.journey_config.as_dict()},
        "notes": [safe_text(n) for n in a.notes],
        "codes": dict(CODES),
        "summary": summary,
        "sites": sites,
        "groups": groups,
        "matrix": {
            "groups": [safe_text(g) for g in a.matrix.index],
            "labels": [safe_text(a.labels.get(g) or g) for g in a.matrix.index],
            "links": [[int(v) for v in row] for row in a.matrix.to_numpy().tolist()],
        },
        **history,  # "history" and "since_previous" when the store has earlier finished crawls
        "journeys": journeys_json(a),
        "recommendations": recommendations_json(a),
        "relevance": relevance_dict(a.relevance),
    }


def render_json(a: Analysis, *, generated_at: str | None = None) -> str:
    """The JSON report, indented, UTF-8 characters kept, NaN written as null."""
    return json.dumps(report_dict(a, generated_at=generated_at), ensure_ascii=False, indent=2,
                      allow_nan=False, default=str) + "\n"  # fmt: skip


def render_csv(a: Analysis) -> str:
    """One row per site, worst first; lists ``|``-joined; columns ``CSV_COLUMNS``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    evidence = _evidence(a)
    for site, row in a.sites.iterrows():
        values: dict[str, Any] = {c: row.get(c) for c in CSV_COLUMNS if c in row.index}
        values["site"] = site
        values["themes"] = "|".join(row["themes"] or ())
        values["life_events"] = "|".join(row["life_events"] or ())
        values["flags"] = "|".join(row["flags"])
        values["evidence"] = " | ".join(f"{e['code']}: {e['evidence']}" for e in evidence.get(site, []))
        for c in METRIC_COLUMNS:
            values[c] = _metric(c, row[c])
        values.update(_site_relevance(row))
        values["score"] = _scalar(row["score"])
        values["homepage_status"] = _scalar(row["homepage_status"])
        writer.writerow([csv_cell("" if values.get(c) is None else values[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


# ``report --format csv --output-dir DIR``: file -> its renderer.
CSV_FILES = {
    "sites.csv": render_csv,
    "journeys.csv": render_journeys_csv,
    "recommendations.csv": render_recommendations_csv,
}


def write_csv_folder(a: Analysis, folder: str | Path) -> list[Path]:
    """Write ``CSV_FILES`` (sites, journeys, recommendations) into ``folder`` (created
    if missing; its parent must exist), each file replaced atomically; return them."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise GovlinksError(f"{out}: exists and is not a folder")
    if not out.parent.is_dir():
        raise GovlinksError(f"{out}: folder {out.parent} does not exist")
    out.mkdir(exist_ok=True)
    written = []
    for name, render_file in CSV_FILES.items():
        write_text_atomic(out / name, render_file(a), what="report")
        written.append(out / name)
    return written


def _fmt(value: Any, spec: str = "") -> str:
    value = _scalar(value)
    if value is None:
        return "–"
    return format(value, spec)


def render_table(a: Analysis, *, width: int = 100, top: int = 40) -> str:
    """A terminal report: summary, flagged sites worst first (``top``, 0 = all), groups."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False, soft_wrap=False)  # fmt: skip
    s = a.summary()
    crawl = a.crawl
    if crawl is None:  # a graph analysed by hand
        head = "govlinks report — crawl ? (?)"
    else:
        finished = f", finished {crawl.finished_at}" if crawl.finished_at else ""
        head = f"govlinks report — crawl {crawl.id} ({crawl.state}{finished})"
    console.print(Text(safe_text(head)))
    console.print(
        Text(
            f"{s['sites']} sites ({s['assessed']} assessed), {s['site_links']:,} linked pairs of sites, "
            f"{s['links']:,} links; {s['flagged']} sites flagged; "
            f"median score {_fmt(s['median_score'], '.1f')}"
        )
    )
    for note in a.notes:
        console.print(Text("note: " + safe_text(note)))
    for line in a.history.table_lines() if a.history is not None else ():
        console.print(Text(safe_text(line)))
    console.print(Text(relevance_line(a.relevance)))
    console.print()

    codes = Table(title="Reason codes", title_justify="left", box=None, pad_edge=False)
    codes.add_column("code")
    codes.add_column("sites", justify="right")
    codes.add_column("rule")
    missing = a.not_assessed()
    for code, n in s["flags"].items():
        shown = missing.get(code, str(n))
        codes.add_row(Text(code), Text(shown), Text(CODES[code]))
    console.print(codes)
    console.print()

    flagged = a.sites[a.sites["flags"].map(bool)]
    shown_sites = flagged if not top else flagged.head(top)
    table = Table(title="Flagged sites, worst first", title_justify="left", box=None, pad_edge=False)
    for name, justify in (("#", "right"), ("site", "left"), ("score", "right"), ("in", "right"),
                          ("out", "right"), ("deep", "right"), ("rel", "right"),
                          ("flags", "left")):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for site, row in shown_sites.iterrows():
        deep = row["in_deep_share"]
        table.add_row(
            Text(str(row["rank"])),
            Text(safe_text(site)),
            Text(_fmt(row["score"], ".0f")),
            Text(str(int(row["in_sites"]))),
            Text(str(int(row["out_sites"]))),
            Text(_fmt(deep, ".0%")),
            Text(_fmt(row["out_relevant_share"], ".0%")),
            Text(", ".join(row["flags"])),
        )
    console.print(table)
    if len(flagged) > len(shown_sites):
        console.print(Text(f"… and {len(flagged) - len(shown_sites)} more flagged sites (--top 0 shows all)"))
    if not len(flagged):
        console.print(Text("No site flagged."))
    console.print()

    title = "Themes" if a.by == "theme" else "Life events"
    groups = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for name in ("group", "sites", "density", "in", "out", "isolated", "score"):
        groups.add_column(name, justify="left" if name == "group" else "right", overflow="fold")
    for row in a.groups.to_dict("records"):
        label = safe_text(row["label"])
        if label != row["group"]:
            label = f"{label} ({safe_text(row['group'])})"
        groups.add_row(
            Text(label),
            Text(str(row["sites"])),
            Text(_fmt(row["density"], ".2f")),
            Text(str(row["links_in"])),
            Text(str(row["links_out"])),
            Text(_fmt(row["isolated_share"], ".0%")),
            Text(_fmt(row.get("mean_score"), ".0f")),
        )
    if len(a.groups):
        console.print(groups)
    else:
        console.print(Text(f"No site has a {a.by.replace('-', ' ')}."))
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def write_report(
    a: Analysis,
    fmt: str,
    *,
    output: str | Path | None = None,
    output_dir: str | Path | None = None,
    top: int = 40,
) -> str | None:
    """Write the report as ``govlinks report`` asks: the CSV tables into ``output_dir``,
    else the ``fmt`` report to ``output`` (atomically); the text itself when neither is given."""
    if output_dir is not None:
        write_csv_folder(a, output_dir)
        return None
    text = render(a, fmt, **({"top": top} if fmt == "table" else {}))
    if output is None:
        return text
    write_text_atomic(output, text, what="report")
    return None


def render(a: Analysis, fmt: str, **kw: Any) -> str:
    """Render in one of ``FORMATS``."""
    if fmt == "table":
        return render_table(a, **kw)
    if fmt == "json":
        return render_json(a)
    if fmt == "csv":
        return render_csv(a)
    if fmt == "html":
        from graphs.report_html import render_html

        return render_html(a)
    raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
