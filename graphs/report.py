"""Present an :class:`~graphs.analysis.Analysis`: terminal table, JSON, CSV, HTML.

The JSON form is the stable, machine-readable one (``schema_version`` says
which shape; fields are only ever added within a version). The CSV has one row
per site for spreadsheets; the HTML (:mod:`graphs.report_html`) is for readers
who are not developers. Everything shown may come from crawled pages (titles,
URLs) and is treated as hostile: every string goes through :mod:`crawler.text`
(control characters stripped everywhere, HTML escaped, CSV cells that a
spreadsheet would run as a formula defused).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from crawler.text import csv_cell, generator, safe_text
from graphs.analysis import Analysis
from graphs.choices import REPORT_FORMATS as FORMATS
from graphs.columns import EXCEL_DELIMITER, column_label, excel_value
from graphs.coverage import coverage, uncertain
from graphs.findings import CODES
from graphs.groups import group_members
from graphs.metrics import FLOAT_METRICS, METRIC_COLUMNS
from graphs.report_table import first_notes, render_table

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "JSON_SCHEMA_VERSION",
    "render",
    "render_csv",
    "render_json",
    "render_table",
    "report_dict",
]

JSON_SCHEMA_VERSION = 1

CSV_COLUMNS = (
    "rank", "site", "host_unicode", "name", "organisation", "url", "title", "status", "themes", "life_events",
    "score", "flags", "pages", "html_pages", "errors", "robots_blocked", "homepage_status",
    *METRIC_COLUMNS, "evidence", "uncertain",
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
    return float(value) if name in FLOAT_METRICS else int(value)


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
        "config": a.config.as_dict(),
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
        values["score"] = _scalar(row["score"])
        for c in _INTEGERS:
            values[c] = _integer(row[c])
        writer.writerow([cell("" if values.get(c) is None else values[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def make_report(
    *, db: str, crawl_id: int | None, by: str, hubs: Sequence[str], fmt: str, lang: str,
    fail_on: Sequence[str], broken_share: float, retired_min: int, min_coverage: int, top: int,
    excel: bool, site: str | None, output_dir: str | None, **_: Any,
) -> tuple[Analysis, str]:  # fmt: skip
    """What ``govlinks report`` does with its options: the analysis, and the text to write.

    The text is the report in ``fmt``, or one site's page (``site``), or, with
    ``output_dir``, the line that says what the report site holds (the pages are
    written). Bad combinations of options are GovlinksError, raised before any work.
    """
    from crawler.errors import GovlinksError
    from crawler.store import Store
    from graphs.analysis import DEFAULT_HUB
    from graphs.config import FindingsConfig
    from graphs.findings import parse_fail_on
    from graphs.i18n import using_language
    from graphs.trends import analyse_with_history

    parse_fail_on(fail_on)  # an unknown code fails before the analysis
    if output_dir and fmt != "html":
        raise GovlinksError("--output-dir writes the HTML report site: use it with --format html")
    if site and fmt != "table":
        raise GovlinksError("--site prints one site's page in the terminal: use it with --format table")
    config = FindingsConfig(broken_share=broken_share, retired_min=retired_min)
    with using_language(lang), Store.open(db) as store:
        analysis = analyse_with_history(store, crawl_id, by=by, hub=list(hubs) or DEFAULT_HUB, config=config,
                                        min_coverage=min_coverage / 100)  # fmt: skip
        if site:
            return analysis, render_site_page(store, analysis, site)
        if output_dir:
            return analysis, write_report_site(store, analysis, output_dir)
        options: dict[str, Any] = {"top": top} if fmt == "table" else {"excel": excel} if fmt == "csv" else {}
        return analysis, render(analysis, fmt, **options)


class Verdict(NamedTuple):
    """What ``--fail-on`` says of a report: a line for stderr, and why it fails."""

    line: str
    low_coverage: bool  # too few sites assessed to judge (exit 4), else findings matched (exit 1)


def fail_on_verdict(a: Analysis, fail_on: Sequence[str]) -> Verdict | None:
    """None when ``--fail-on`` passes (or is not asked); else why the report fails (English, for cron)."""
    from graphs.findings import fail_on_match, parse_fail_on

    codes = parse_fail_on(fail_on)
    if codes and not coverage(a).reliable:
        return Verdict(f"report: {coverage(a).line()}: findings not judged (--fail-on)", True)
    match = fail_on_match(a.findings, codes)
    if match:
        return Verdict(f"report: {match.sites} site(s) flagged {', '.join(match.codes)} (--fail-on)", False)
    return None


def render_site_page(store: Store, a: Analysis, site: str) -> str:
    """``report --site ID``: the page of one site, as terminal text."""
    from crawler.errors import GovlinksError
    from graphs.site_view import load_details, render_site, site_view

    if site not in a.sites.index:
        known = ", ".join(list(a.sites.index[:10])) + (" …" if len(a.sites) > 10 else "")
        raise GovlinksError(f"--site: no site {site!r} in this crawl (known: {known})")
    assert a.crawl is not None
    return render_site(site_view(a, site, load_details(store, a.crawl.id, site=site)))


def write_report_site(store: Store, a: Analysis, out_dir: str) -> str:
    """``report --format html --output-dir DIR``: the report site; returns what was written."""
    from graphs.report_site import write_site
    from graphs.site_view import load_details

    assert a.crawl is not None
    counts = write_site(a, load_details(store, a.crawl.id), out_dir)
    return (
        f"Wrote {out_dir}/index.html and {counts['sites']} site, {counts['organisations']} organisation and "
        f"{counts['groups']} group pages (crawl {a.crawl.id})"
    )


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
