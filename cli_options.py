"""The options of each govlinks command, one stack per command, in help order.

Options that several commands share (``--db``, ``--output``, ``--by``, ``--lang``…)
and the types and checks of option values are declared once in :mod:`cli_common`;
here they are assembled per command, with the options only that command takes, so
that ``cli.py`` reads as the list of commands and what each one calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli_common import (
    Duration,
    by_option,
    crawl_option,
    db_option,
    dns_server,
    excel_option,
    finite,
    format_option,
    header_value,
    hub_option,
    lang_option,
    output_option,
    web_size_options,
)
from graphs.choices import DIFF_FORMATS, EXPORT_FORMATS, EXPORT_LEVELS, REPORT_FORMATS, REPORT_GROUPINGS

if TYPE_CHECKING:
    from crawler.settings import CrawlOptions

F = TypeVar("F", bound=Callable[..., Any])


def copy_store_options(f: F) -> F:
    """The options of ``govlinks copy-store``."""
    help_to = "Store to copy into: a new SQLite file, or an empty postgresql:// database."
    f = click.option("--to", "target", required=True, metavar="PATH|URL", help=help_to)(f)
    return db_option()(f)


def demo_generate_options(f: F) -> F:
    """The options of ``govlinks demo generate`` (the web's size is ``web_size_options``)."""
    positive = click.IntRange(1)
    for option in reversed([
        web_size_options,
        click.option("--page-kb", default=25, show_default=True, type=positive, help="Page size (KB)."),
        click.option("--links", default=60, show_default=True, type=positive, help="Links per page."),
        click.option("--seed", default=1, show_default=True, type=int,
                     help="Random seed: same seed, same web."),
        click.option("--no-planted", is_flag=True, help="Only well-linked sites: no planted reason codes."),
        click.option("--evolve", is_flag=True, help="Also FOLDER/v2: the web later, with planted changes."),
    ]):  # fmt: skip
        f = option(f)
    return f


def demo_serve_options(f: F) -> F:
    """The options of ``govlinks demo serve``."""
    f = click.option("--log", "log_path", type=click.Path(dir_okay=False), default=None,
                     help="Append each request (JSONL).")(f)  # fmt: skip
    port = click.IntRange(0, 65535)
    return click.option("--port", default=8080, show_default=True, type=port, help="0: any.")(f)


def crawl_command_options(f: F) -> F:
    """The options of ``govlinks crawl``, in help order."""
    for option in reversed(_crawl_command_options()):
        f = option(f)
    return f


def _crawl_command_options() -> list[Callable[[F], F]]:
    return [
        click.option("--seeds", "seeds", type=click.Path(dir_okay=False), default=None,
                     help="Seed list CSV (default: the bundled seeds/sites.csv)."),
        db_option(created=True),
        click.option("--max-pages-per-site", default=500, show_default=True, type=click.IntRange(1),
                     help="Page budget of each site."),
        click.option("--max-depth", default=10, show_default=True, type=click.IntRange(0),
                     help="Links followed from the seed page."),
        click.option("--delay", default=1.0, show_default=True, type=click.FloatRange(0), callback=finite,
                     help="Seconds between two requests to one site."),
        click.option("--concurrency", default=0, type=click.IntRange(0),
                     help="Requests in flight over all sites (default: one per site, at most 1000)."),
        click.option("--per-site-concurrency", default=1, show_default=True, type=click.IntRange(1),
                     help="Requests in flight to one site."),
        click.option("--site", "sites", multiple=True, metavar="ID",
                     help="Crawl only this site id (repeatable)."),
        click.option("--user-agent", default=None, callback=header_value,
                     help="User-Agent header (default names govlinks)."),
        click.option("--ignore-robots", is_flag=True,
                     help="Do not obey robots.txt (only for your own sites)."),
        click.option("--check-links", is_flag=True,
                     help="Also check link targets outside the seed sites (HEAD, then GET)."),
        click.option("--keep-internal", is_flag=True, help="Store internal links too, not only counts."),
        click.option("--no-text", is_flag=True,
                     help="Keep no page text (profiles, text around links): no link relevance in reports."),
        click.option("--resume", is_flag=True, help="Continue the last interrupted crawl of --db."),
        click.option("--join", is_flag=True,
                     help="Add this machine's workers to the crawl running on a postgresql:// --db (the "
                          "same seed list)."),
        click.option("--workers", type=click.IntRange(1, 64), default=None,
                     help="Crawl processes sharing the crawl (default: one per core, at most 4, one per 25 "
                          "sites)."),
        *_archive_options(),
        click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1),
                     callback=finite, help="Seconds before a request times out."),
        click.option("--dns-timeout", default="5s", show_default=True, type=Duration(minimum=0.1),
                     help="A DNS lookup gives up after this long (the site is then unreachable)."),
        click.option("--dns-server", "dns_servers", multiple=True, metavar="IP[:PORT]", callback=dns_server,
                     help="Ask this DNS server (repeatable; default: those of /etc/resolv.conf)."),
        click.option("--max-time", type=Duration(), default=None,
                     help="Stop after this long (90m, 2h, 3600s), resumable with --resume; exit 124."),
        click.option("--retries", default=2, show_default=True, type=click.IntRange(0),
                     help="Times a request is asked again after a timeout, a dropped connection, 429 or "
                          "5xx."),
        click.option("--max-page-bytes", default=10 * 1024 * 1024, show_default=True,
                     type=click.IntRange(1024),
                     help="Larger pages are not downloaded (recorded as errors)."),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (for cron)."),
        click.option("--progress-every", type=Duration(), default="60s", show_default=True,
                     help="Off a terminal: one progress line this often (0: none)."),
        click.option("--log-file", type=click.Path(dir_okay=False), default=None,
                     help="Append the full log, with the end summary, to this file."),
        click.option("--fail-on-site-errors", is_flag=True,
                     help="Exit 1 when some sites could not be crawled."),
    ]  # fmt: skip


def _parsed(parse: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback that checks a value with ``crawler.wayback.<parse>`` (imported when used)."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        from crawler import wayback

        try:
            getattr(wayback, parse)(value)
        except ValueError as err:
            raise click.BadParameter(str(err)) from None
        return value

    return check


def _archive_options() -> list[Callable[[F], F]]:
    return [
        click.option("--archive", "archive", is_flag=False, flag_value="", default=None, metavar="[URL]",
                     help="Crawl the sites as a web archive holds them, never live: the Wayback Machine "
                          "(https://web.archive.org/web/) or the replay URL of another archive with a CDX "
                          "API (a pywb collection: http://host/coll/)."),
        click.option("--at", "at", metavar="YYYY-MM-DD", callback=_parsed("parse_at"),
                     help="With --archive: the date to crawl; each page is its capture closest to it."),
        click.option("--window", default="6m", metavar="SPAN", show_default=True,
                     callback=_parsed("parse_window"),
                     help="With --archive: ignore captures farther from --at (6m, 1y, 90d, 2w)."),
        click.option("--archive-rate", default="1/s", metavar="RATE", show_default=True,
                     callback=_parsed("parse_rate"),
                     help="With --archive: requests per second to the archive, all sites together (1/s, "
                          "30/min)."),
    ]  # fmt: skip


def crawl_options_from(kw: dict[str, Any]) -> tuple[CrawlOptions, bool, bool]:
    """``crawl``'s options as :class:`CrawlOptions`, ``--resume`` and ``--fail-on-site-errors``."""
    from crawler.settings import DEFAULT_USER_AGENT, CrawlOptions
    from seeds import default_seeds

    fail_on_site_errors = kw.pop("fail_on_site_errors")
    resume = kw.pop("resume")
    if resume and kw["join"]:
        raise click.UsageError("--join adds workers to a running crawl, --resume continues a stopped one")
    archive = archive_options(kw)
    opts = CrawlOptions(
        seeds=kw["seeds"] or default_seeds(),
        db=kw["db"],
        max_pages_per_site=kw["max_pages_per_site"],
        max_depth=kw["max_depth"],
        delay=kw["delay"],
        concurrency=kw["concurrency"],
        per_site_concurrency=kw["per_site_concurrency"],
        sites=list(kw["sites"]),
        user_agent=kw["user_agent"] or DEFAULT_USER_AGENT,
        obey_robots=not kw["ignore_robots"],
        check_links=kw["check_links"],
        keep_internal=kw["keep_internal"],
        text=not kw["no_text"],
        timeout=kw["timeout"],
        dns_timeout=kw["dns_timeout"],
        dns_servers=list(kw["dns_servers"]),
        max_time=kw["max_time"] or 0.0,
        workers=kw["workers"] or 0,
        join=kw["join"],
        retries=kw["retries"],
        max_page_bytes=kw["max_page_bytes"],
        quiet=kw["quiet"],
        progress=sys.stderr.isatty() and not kw["quiet"],
        progress_every=kw["progress_every"],
        log_file=kw["log_file"],
        **archive,
    )
    return opts, resume, fail_on_site_errors


def archive_options(kw: dict[str, Any]) -> dict[str, Any]:
    """Take ``crawl``'s archive options out of ``kw``: the CrawlOptions fields they set.

    One-line usage errors for the combinations that make no sense.
    """
    archive, at, window, rate = (kw.pop(k) for k in ("archive", "at", "window", "archive_rate"))
    if archive is None:
        if at is not None:
            raise click.UsageError("--at needs --archive (the date of the archive to crawl)")
        return {}
    if at is None:
        raise click.UsageError("--archive needs --at YYYY-MM-DD (the date to crawl)")
    if kw.get("check_links"):
        raise click.UsageError(
            "--check-links checks outside URLs live; an archive crawl never leaves the archive"
        )
    from crawler.wayback import DEFAULT_ARCHIVE, parse_at, parse_rate, parse_window

    count, unit = parse_window(window)
    return {
        "archive_url": archive or DEFAULT_ARCHIVE,
        "archive_at": parse_at(at).isoformat(),
        "archive_window": f"{count}{unit}",
        "archive_rate": parse_rate(rate),
    }


def report_command_options(f: F) -> F:
    """The options of ``govlinks report``, in help order."""
    by = by_option("Grouping of the group figures and matrix (organisation: a scorecard per ministry).",
                   choices=tuple(REPORT_GROUPINGS))  # fmt: skip
    formats = "table for a terminal, json for programs, csv for spreadsheets, html for readers."
    stack = [
        db_option(), crawl_option, by,
        format_option(REPORT_FORMATS, formats, default="table", show_default=True),
        output_option("Write to this file.", type=click.Path(dir_okay=False), default=None),
        hub_option, report_thresholds, lang_option,
    ]  # fmt: skip
    for option in reversed(stack):
        f = option(f)
    return f


def report_thresholds(f: F) -> F:
    """``report``: --output-dir, --site, --fail-on, the thresholds of the rules, --top and --excel."""
    for option in reversed(_report_thresholds()):
        f = option(f)
    return f


def _report_thresholds() -> list[Callable[[F], F]]:
    return [
        click.option("--output-dir", type=click.Path(file_okay=False), default=None,
                     help="csv: sites, journeys and recommendations tables; html: the report site (a page "
                          "per site…)."),
        click.option("--site", "site", metavar="ID", default=None,
                     help="table: the page of one site (who links to it)."),
        click.option("--fail-on", "fail_on", multiple=True, metavar="CODE[,CODE…]",
                     help="Exit 1 when some site has one of these reason codes ('any': every code); exit 4 "
                          "when too few sites were assessed to judge (--min-coverage)."),
        click.option("--min-coverage", default=80, show_default=True, type=click.IntRange(0, 100),
                     metavar="PERCENT",
                     help="Under this share of seed sites assessed, say first that the findings are not "
                          "reliable."),
        click.option("--broken-share", default=0.10, show_default=True,
                     type=click.FloatRange(0, 1, min_open=True), callback=finite,
                     help="broken_outlinks: share of broken URLs from which a site is flagged."),
        click.option("--retired-min", default=1, show_default=True, type=click.IntRange(1),
                     help="links_to_retired: retired outside URLs from which a site is flagged."),
        click.option("--top", default=40, show_default=True, type=click.IntRange(0),
                     help="table: flagged sites shown (0: all)."),
        excel_option,
    ]  # fmt: skip


def diff_command_options(f: F) -> F:
    """The options of ``govlinks diff``, in help order."""
    for option in reversed(_diff_command_options()):
        f = option(f)
    return f


def _diff_command_options() -> list[Callable[[F], F]]:
    formats = "table for a terminal, json for programs, csv a folder of tables, html for readers."
    return [
        db_option(),
        click.option("--from-db", type=click.Path(dir_okay=False, readable=False), default=None,
                     help="Store holding the --from crawl (default: --db)."),
        click.option("--from", "from_id", type=int, default=None, metavar="ID",
                     help="Crawl to compare from (default: the finished crawl before --to)."),
        click.option("--to", "to_id", type=int, default=None, metavar="ID",
                     help="Crawl to compare to (default: the last finished crawl of --db)."),
        format_option(DIFF_FORMATS, formats, default="table", show_default=True),
        output_option("Write to this file (a folder for csv).", type=click.Path(), default=None),
        click.option("--min-change", default=1, show_default=True, type=click.IntRange(0),
                     help="Hide pairs whose weight moved by fewer pages, scores by fewer points."),
        click.option("--fail-on-new", "fail_on_new", multiple=True, metavar="CODE[,CODE…]",
                     help="Exit 1 when some site gained one of these reason codes ('any': every code)."),
        click.option("--top", default=20, show_default=True, type=click.IntRange(0),
                     help="table, html: rows shown per kind of change (0: all)."),
        lang_option,
    ]  # fmt: skip


def seeds_check_options(f: F) -> F:
    """``seeds check``: the vocabularies and --strict."""
    for option in reversed(_seeds_check_options()):
        f = option(f)
    return f


def journeys_options(f: F) -> F:
    """``journeys``: --db, --crawl, --hub, --group, --max-hops and --gaps."""
    options = [
        db_option(),
        crawl_option,
        hub_option,
        click.option(
            "--group",
            default=None,
            metavar="ID-OR-LABEL",
            help="One journey in detail: a theme or life-event id or label (case and accents ignored).",
        ),
        click.option(
            "--max-hops",
            default=3,
            show_default=True,
            type=click.IntRange(1),
            help="Clicks from the hub through content links within which a member is reachable.",
        ),
        click.option(
            "--gaps",
            default=20,
            show_default=True,
            type=click.IntRange(0),
            help="Gaps listed per journey, best evidenced first (0: all).",
        ),
        lang_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _seeds_check_options() -> list[Callable[[F], F]]:
    return [
        click.option("--themes", type=click.Path(dir_okay=False), default=None,
                     help="Theme vocabulary CSV with id,label (default: the bundled seeds/themes.csv)."),
        click.option("--life-events", type=click.Path(dir_okay=False), default=None,
                     help="Life-event vocabulary CSV with id,label "
                          "(default: the bundled seeds/life_events.csv)."),
        click.option("--strict", is_flag=True,
                     help="Exit 2 on warnings too (nested prefixes, small groups, renamed hosts)."),
    ]  # fmt: skip


def seeds_import_options(f: F) -> F:
    """``seeds import``: --suffix, --into and --drop-vanished."""
    for option in reversed(_seeds_import_options()):
        f = option(f)
    return f


def _seeds_import_options() -> list[Callable[[F], F]]:
    return [
        click.option("--suffix", "suffixes", multiple=True, metavar="DOMAIN",
                     help="Keep only hosts under this domain, e.g. gouv.fr (repeatable; default: all)."),
        click.option("--into", type=click.Path(dir_okay=False), default=None,
                     help="Seed file to create or update (default: print the CSV, report on stderr)."),
        click.option("--drop-vanished", is_flag=True,
                     help="Remove the sites gone from SOURCE (default: keep and list them)."),
    ]  # fmt: skip


def recommend_options(f: F) -> F:
    """``recommend``: --db, --crawl, --site, --to and --top."""
    options = [
        db_option(),
        crawl_option,
        click.option("--site", default=None, metavar="ID", help="Only the links this site should add."),
        click.option(
            "--to", default=None, metavar="ID", help="The sites that should link to this one (reverse view)."
        ),
        click.option(
            "--top", default=5, show_default=True, type=click.IntRange(1), help="Recommendations per site."
        ),
        lang_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def export_options(f: F) -> F:
    """The options of ``govlinks export``, in help order."""
    for option in reversed(_export_options()):
        f = option(f)
    return f


def _export_options() -> list[Callable[[F], F]]:
    return [
        db_option(),
        crawl_option,
        format_option(
            EXPORT_FORMATS,
            "gexf/graphml write a file; csv/parquet a folder with datapackage.json.",
            required=True,
        ),
        click.option(
            "--level",
            default="site",
            show_default=True,
            type=click.Choice(list(EXPORT_LEVELS)),
            help="site graph, or the page-level cross-site link table (csv, parquet).",
        ),
        by_option("Grouping for --only and --bipartite.", alias="--group"),
        click.option(
            "--only",
            metavar="GROUP",
            default=None,
            help="Only the sites of this theme or life event (id or label).",
        ),
        click.option("--bipartite", is_flag=True, help="The site-group bipartite graph (gexf, graphml)."),
        click.option(
            "--history", is_flag=True, help="Every finished crawl as time slices of one dynamic GEXF."
        ),
        hub_option,
        output_option("Output file (folder: csv, parquet).", required=True, type=click.Path()),
        excel_option,
        lang_option,
    ]
