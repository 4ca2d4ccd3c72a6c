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
from typing import TYPE_CHECKING, Any

from crawler.fileio import output_folder, write_text_atomic
from crawler.text import csv_cell, generator, safe_text
from graphs.analysis import Analysis
from graphs.choices import REPORT_FORMATS as FORMATS
from graphs.columns import EXCEL_DELIMITER, column_label, excel_value
from graphs.coverage import coverage, uncertain
from graphs.findings import CODES
from graphs.groups import group_members
from graphs.metrics import FLOAT_METRICS, METRIC_COLUMNS
from graphs.relevance import RELEVANCE_COLUMNS, RELEVANCE_FLOATS, relevance_dict
from graphs.report_journeys import (
    journeys_json,
    recommendations_json,
    render_journeys_csv,
    render_recommendations_csv,
)
from graphs.report_table import first_notes, render_table

if TYPE_CHECKING:
    pass

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
    *METRIC_COLUMNS, *RELEVANCE_COLUMNS, "evidence", "uncertain",
)  # fmt: skip
# Crawl figures, whole numbers (stored as floats where one is missing): 200, not 200.0.
_CRAWL_FIGURES = ("pages", "html_pages", "errors", "robots_blocked", "homepage_status")
_INTEGERS = frozenset(_CRAWL_FIGURES)


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


def _integer(value: Any) -> int | None:
    value = _scalar(value)
    return None if value is None else int(value)


def _evidence(a: Analysis) -> dict[str, list[dict[str, Any]]]:
    doubtful = uncertain(a)
    out: dict[str, list[dict[str, Any]]] = {}
    for row in a.findings.itertuples(index=False):
        out.setdefault(row.site, []).append(
            {
                "code": row.code,
                "evidence": safe_text(row.evidence),
                "details": {k: _scalar(v) for k, v in (row.details or {}).items()},
                "uncertain": (row.site, row.code) in doubtful,
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
                "crawl": {c: _integer(row[c]) for c in _CRAWL_FIGURES},
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
    first, others = first_notes(a)
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
        "coverage": coverage(a).as_dict(),
        "notes": [safe_text(n) for n in (*first, *others)],  # an unfinished crawl, then too few sites
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


def render_csv(a: Analysis, *, excel: bool = False) -> str:
    """One row per site, worst first; lists ``|``-joined; columns ``CSV_COLUMNS``.

    ``excel``: for a person's spreadsheet rather than a program (:mod:`graphs.columns`):
    semicolons, a UTF-8 byte-order mark, column labels and decimal commas in the current
    language. Every text cell is defused against formula injection either way.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=EXCEL_DELIMITER if excel else ",")
    if excel:
        buf.write("\ufeff")
    writer.writerow([column_label(c) for c in CSV_COLUMNS] if excel else CSV_COLUMNS)
    cell = excel_value if excel else csv_cell
    evidence = _evidence(a)
    for site, row in a.sites.iterrows():
        values: dict[str, Any] = {c: row.get(c) for c in CSV_COLUMNS if c in row.index}
        values["site"] = site
        values["themes"] = "|".join(row["themes"] or ())
        values["life_events"] = "|".join(row["life_events"] or ())
        values["flags"] = "|".join(row["flags"])
        found = evidence.get(site, [])
        values["evidence"] = " | ".join(f"{e['code']}: {e['evidence']}" for e in found)
        values["uncertain"] = "|".join(e["code"] for e in found if e["uncertain"])
        for c in METRIC_COLUMNS:
            values[c] = _metric(c, row[c])
        values.update(_site_relevance(row))
        values["score"] = _scalar(row["score"])
        for c in _INTEGERS:
            values[c] = _integer(row[c])
        writer.writerow([cell("" if values.get(c) is None else values[c]) for c in CSV_COLUMNS])
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
    out = output_folder(folder)
    written = []
    for name, render_file in CSV_FILES.items():
        write_text_atomic(out / name, render_file(a), what="report")
        written.append(out / name)
    return written


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
        return render_csv(a, **kw)
    if fmt == "html":
        from graphs.report_html import render_html

        return render_html(a)
    raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
