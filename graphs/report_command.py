"""What ``govlinks report`` does with its options: one call for the command line.

The report's formats live in :mod:`graphs.report` (JSON, CSV), :mod:`graphs.report_table`,
:mod:`graphs.report_html` and :mod:`graphs.report_site`; this module picks among them
from the options, reads the store once, and says what ``--fail-on`` makes of the
result. Apart from :mod:`graphs.report` because it reaches every report module and the
crawl history (:mod:`graphs.trends`), which itself reads the report: nothing imports
this one but ``cli.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

from graphs.analysis import Analysis
from graphs.coverage import coverage
from graphs.report import render, write_csv_folder

if TYPE_CHECKING:
    from crawler.store import Store
    from graphs.site_view import SiteDetails

__all__ = ["Verdict", "fail_on_verdict", "make_report", "render_site_page", "write_report_site"]


def make_report(
    *, db: str, crawl_id: int | None, by: str, hubs: Sequence[str], fmt: str,
    fail_on: Sequence[str], broken_share: float, retired_min: int, min_coverage: int, top: int,
    excel: bool, site: str | None, output_dir: str | None, output: str | None = None, **_: Any,
) -> tuple[Analysis, str]:  # fmt: skip
    """What ``govlinks report`` does with its options: the analysis, and the text to write.

    The text is the report in ``fmt``, or one site's page (``site``), or, with
    ``output_dir``, the line that says what was written there: the CSV tables
    (sites, journeys, recommendations) or the report site. Bad combinations of
    options are GovlinksError, raised before any work.
    """
    from crawler.errors import GovlinksError
    from crawler.store import Store
    from graphs.analysis import DEFAULT_HUB
    from graphs.config import FindingsConfig
    from graphs.findings import parse_fail_on
    from graphs.trends import analyse_with_history

    parse_fail_on(fail_on)  # an unknown code fails before the analysis
    if output_dir and (fmt not in ("csv", "html") or output):
        raise GovlinksError(
            "--output-dir writes the CSV tables: use it with --format csv, without -o "
            "(or the HTML report site, with --format html)"
        )
    if site and fmt != "table":
        raise GovlinksError("--site prints one site's page in the terminal: use it with --format table")
    config = FindingsConfig(broken_share=broken_share, retired_min=retired_min)
    with Store.open(db) as store, ThreadPoolExecutor(1) as reader:
        # the report site's own reads (SQL: SQLite lets go of the GIL) run beside the analysis
        details = (
            reader.submit(_details, db, store.crawl(crawl_id).id) if output_dir and fmt == "html" else None
        )
        pages = fmt == "json" or bool(output_dir)  # the outputs that name the page to link
        analysis = analyse_with_history(store, crawl_id, by=by, hub=list(hubs) or DEFAULT_HUB, config=config,
                                        min_coverage=min_coverage / 100, link_pages=pages)  # fmt: skip
        if site:
            return analysis, render_site_page(store, analysis, site)
        if details is not None:
            return analysis, write_report_site(analysis, details.result(), output_dir)  # type: ignore[arg-type]
        if output_dir:
            written = write_csv_folder(analysis, output_dir)
            return analysis, f"Wrote {', '.join(str(p) for p in written)} (crawl {analysis.crawl.id})"  # type: ignore[union-attr]
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


def _details(db: str, crawl_id: int) -> SiteDetails:
    """The site pages' reads, on a connection of their own (this runs in a thread)."""
    from crawler.store import Store
    from graphs.site_view import load_details

    with Store.open(db) as store:
        return load_details(store, crawl_id)


def write_report_site(a: Analysis, details: SiteDetails, out_dir: str) -> str:
    """``report --format html --output-dir DIR``: the report site; returns what was written."""
    from graphs.report_site import write_site

    assert a.crawl is not None
    counts = write_site(a, details, out_dir)
    return (
        f"Wrote {out_dir}/index.html and {counts['sites']} site, {counts['organisations']} organisation and "
        f"{counts['groups']} group pages (crawl {a.crawl.id})"
    )
