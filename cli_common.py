"""What every govlinks command shares: exit codes, the one-line error policy, and options
declared once, with one spelling per idea.

The sqlite-utils habit: an option that several commands take (``--db``,
``--crawl``, ``-o/--output``, ``--by``, ``--format``, ``--hub``) is declared
once here, so that it reads, defaults and validates the same everywhere, and
its choices come from the library (:mod:`graphs.choices`, which imports
nothing: ``--help`` stays instant). An old spelling (``demo --out``, ``export
--group``) is kept as a hidden alias so that no script breaks.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from crawler.errors import GovlinksError
from graphs.choices import DIFF_FORMATS, GROUPINGS

if TYPE_CHECKING:
    from graphs.analysis import Analysis

__all__ = [
    "CONTEXT_SETTINGS",
    "EXIT_CRASH",
    "EXIT_FINDINGS",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_TIME_LIMIT",
    "EXIT_USAGE",
    "Duration",
    "OneLineGroup",
    "analyse_store",
    "archive_options",
    "by_option",
    "crawl_command_options",
    "crawl_option",
    "db_option",
    "diff_command_options",
    "format_option",
    "handle_errors",
    "hub_option",
    "journeys_options",
    "output_option",
    "recommend_options",
    "report_thresholds",
    "seeds_check_options",
    "seeds_import_options",
    "web_size_options",
]

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Exit codes (README, "Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1  # report --fail-on matched, crawl --fail-on-site-errors matched
EXIT_USAGE = 2  # bad option, bad input file, bad store
EXIT_LOCKED = 3  # another crawl holds the store
EXIT_TIME_LIMIT = 124  # crawl stopped by --max-time (as timeout(1) says); resume with --resume
EXIT_CRASH = 70  # a bug of govlinks (EX_SOFTWARE): one line naming the file with the traceback
EXIT_INTERRUPTED = 130  # crawl stopped by Ctrl-C or a signal; resume with --resume


def handle_errors(func: F) -> F:
    """Turn library errors into a one-line message and their exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GovlinksError as err:
            click.echo(f"Error: {' '.join(str(err).split())}", err=True)
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


class _UsageError(click.ClickException):
    exit_code = EXIT_USAGE


class OneLineGroup(click.Group):
    """A Click group whose usage mistakes print one line, like every other error.

    Click prints a usage error as the usage, a hint and the message: three lines
    in a cron mail for one bad option. Here it is ``Error: <message> (try '<cmd> -h')``.
    """

    @staticmethod
    def _one_line(err: click.UsageError, ctx: click.Context) -> _UsageError:
        where = (err.ctx or ctx).command_path
        return _UsageError(f"{' '.join(err.format_message().split())} (try '{where} -h')")

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """Subcommands share the group's context settings (``-h``, width)."""
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        return super().command(*args, **kwargs)

    def group(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        return super().group(*args, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as err:
            raise self._one_line(err, err.ctx or click.Context(self)) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as err:
            raise self._one_line(err, ctx) from None


class _AliasedOption(click.Option):
    """An option whose old spellings (``aliases``) still work but are not shown.

    One idea has one spelling in the help and in error messages; scripts written
    with the old spelling (``--out``, ``--group``) keep working.
    """

    def __init__(self, *args: Any, aliases: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases = tuple(aliases)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        opts, self.opts = self.opts, [o for o in self.opts if o not in self.aliases]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = opts

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return " / ".join(f"'{o}'" for o in self.opts if o not in self.aliases)


def _option(*decls: str, aliases: Sequence[str] = (), **kwargs: Any) -> Callable[[F], F]:
    """``click.option(*decls)`` (the last one names the parameter) with hidden ``aliases``."""
    return click.option(*decls[:-1], *aliases, decls[-1], cls=_AliasedOption, aliases=aliases, **kwargs)


def db_option(*, created: bool = False) -> Callable[[F], F]:
    """``--db``: the store file."""
    return click.option(
        "--db",
        default="govlinks.db",
        show_default=True,
        # readable=False: the store names an unreadable file itself, in its own words
        type=click.Path(dir_okay=False, readable=False),
        help="Store file (SQLite), created if missing." if created else "Store file (SQLite).",
    )


def crawl_option(f: F) -> F:
    """``--crawl``: which crawl of the store."""
    return click.option(
        "--crawl", "crawl_id", type=int, default=None, help="Crawl id (default: the latest)."
    )(f)


def output_option(help: str, *, alias: str | None = None, **kwargs: Any) -> Callable[[F], F]:
    """``-o/--output``: where a command writes; ``alias``: an old spelling still accepted."""
    return _option("-o", "--output", "output", aliases=(alias,) if alias else (), help=help, **kwargs)


def by_option(help: str, *, alias: str | None = None) -> Callable[[F], F]:
    """``--by``: group the sites by theme or by life event (``graphs.choices.GROUPINGS``)."""
    return _option(
        "--by",
        "by",
        aliases=(alias,) if alias else (),
        default="theme",
        show_default=True,
        type=click.Choice(list(GROUPINGS)),
        help=help,
    )


def format_option(choices: Sequence[str], help: str, **kwargs: Any) -> Callable[[F], F]:
    """``--format``, its choices taken from the library (``graphs.choices``)."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), help=help, **kwargs)


def hub_option(f: F) -> F:
    """``--hub``: the sites from which ``hub_hops`` is counted."""
    return click.option(
        "--hub",
        "hubs",
        multiple=True,
        metavar="ID",
        help="Hub site for hop counts (hub_hops; repeatable; default: service-public.fr).",
    )(f)


def web_size_options(f: F) -> F:
    """``--sites`` and ``--pages`` of a generated demo web."""
    sites = click.option("--sites", default=24, show_default=True, type=click.IntRange(6), help="Seed sites.")
    pages = click.option(
        "--pages", default=20, show_default=True, type=click.IntRange(5), help="Pages per site."
    )
    return sites(pages(f))


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse ``nan`` and ``inf``, which Click's FloatRange lets through."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number")
    return value


class Duration(click.ParamType):
    """A duration: ``90m``, ``2h``, ``1h30m``, ``3600s`` or plain seconds; converted to seconds."""

    name = "DURATION"

    def __init__(self, minimum: float = 0.0) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from crawler.settings import parse_duration

        try:
            seconds = float(value) if isinstance(value, (int, float)) else parse_duration(str(value))
        except ValueError as err:
            self.fail(str(err), param, ctx)
        if not math.isfinite(seconds) or seconds < self.minimum:
            self.fail(f"{value} is shorter than {self.minimum:g}s", param, ctx)
        return seconds


def _dns_server(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """``HOST[:PORT]`` of a DNS server: checked here, so that a typo is an option error."""
    if not value:
        return value
    from crawler.resolver import parse_server

    for text in value:
        try:
            parse_server(text)
        except ValueError as err:
            raise click.BadParameter(str(err)) from None
    return value


def _header_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A header value with no control characters (they would split the request)."""
    if value is not None and (not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value)):
        raise click.BadParameter("must be non-empty printable text")
    return value


def crawl_command_options(f: F) -> F:
    """The options of ``govlinks crawl``, in help order."""
    for option in reversed(_crawl_command_options()):
        f = option(f)
    return f


def _crawl_command_options() -> list[Callable[[F], F]]:
    return [
        click.option(
            "--seeds",
            "seeds",
            type=click.Path(dir_okay=False),
            default=None,
            help="Seed list CSV (default: the bundled seeds/sites.csv).",
        ),
        db_option(created=True),
        click.option(
            "--max-pages-per-site",
            default=500,
            show_default=True,
            type=click.IntRange(1),
            help="Page budget of each site.",
        ),
        click.option(
            "--max-depth",
            default=10,
            show_default=True,
            type=click.IntRange(0),
            help="Links followed from the seed page.",
        ),
        click.option(
            "--delay",
            default=1.0,
            show_default=True,
            type=click.FloatRange(0),
            callback=_finite,
            help="Seconds between two requests to one site.",
        ),
        click.option(
            "--concurrency",
            default=0,
            type=click.IntRange(0),
            help="Requests in flight over all sites (default: one per site, at most 1000).",
        ),
        click.option(
            "--per-site-concurrency",
            default=1,
            show_default=True,
            type=click.IntRange(1),
            help="Requests in flight to one site.",
        ),
        click.option(
            "--site", "sites", multiple=True, metavar="ID", help="Crawl only this site id (repeatable)."
        ),
        click.option(
            "--user-agent",
            default=None,
            callback=_header_value,
            help="User-Agent header (default names govlinks).",
        ),
        click.option(
            "--ignore-robots", is_flag=True, help="Do not obey robots.txt (only for your own sites)."
        ),
        click.option(
            "--check-links",
            is_flag=True,
            help="Also check link targets outside the seed sites (HEAD, then GET).",
        ),
        click.option("--keep-internal", is_flag=True, help="Store internal links too, not only counts."),
        click.option(
            "--no-text",
            is_flag=True,
            help="Keep no page text (profiles, text around links): no link relevance in reports.",
        ),
        click.option("--resume", is_flag=True, help="Continue the last interrupted crawl of --db."),
        click.option(
            "--workers",
            type=click.IntRange(1, 64),
            default=None,
            help="Crawl processes sharing the crawl (default: one per core, at most 4, one per 25 sites).",
        ),
        *_archive_options(),
        click.option(
            "--timeout",
            default=30.0,
            show_default=True,
            type=click.FloatRange(0.1),
            callback=_finite,
            help="Seconds before a request times out.",
        ),
        click.option(
            "--dns-timeout",
            default="5s",
            show_default=True,
            type=Duration(minimum=0.1),
            help="A DNS lookup gives up after this long (the site is then unreachable).",
        ),
        click.option(
            "--dns-server",
            "dns_servers",
            multiple=True,
            metavar="IP[:PORT]",
            callback=_dns_server,
            help="Ask this DNS server (repeatable; default: those of /etc/resolv.conf).",
        ),
        click.option(
            "--max-time",
            type=Duration(),
            default=None,
            help="Stop after this long (90m, 2h, 3600s), resumable with --resume; exit 124.",
        ),
        click.option(
            "--retries",
            default=2,
            show_default=True,
            type=click.IntRange(0),
            help="Times a request is asked again after a timeout, a dropped connection, 429 or 5xx.",
        ),
        click.option(
            "--max-page-bytes",
            default=10 * 1024 * 1024,
            show_default=True,
            type=click.IntRange(1024),
            help="Larger pages are not downloaded (recorded as errors).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (for cron)."),
        click.option(
            "--progress-every",
            type=Duration(),
            default="60s",
            show_default=True,
            help="Off a terminal: one progress line this often (0: none).",
        ),
        click.option(
            "--log-file",
            type=click.Path(dir_okay=False),
            default=None,
            help="Append the full log, with the end summary, to this file.",
        ),
        click.option(
            "--fail-on-site-errors", is_flag=True, help="Exit 1 when some sites could not be crawled."
        ),
    ]


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
        click.option(
            "--archive",
            "archive",
            is_flag=False,
            flag_value="",
            default=None,
            metavar="[URL]",
            help="Crawl the sites as a web archive holds them, never live: the Wayback Machine "
            "(https://web.archive.org/web/) or the replay URL of another archive with a CDX API "
            "(a pywb collection: http://host/coll/).",
        ),
        click.option(
            "--at",
            "at",
            metavar="YYYY-MM-DD",
            callback=_parsed("parse_at"),
            help="With --archive: the date to crawl; each page is its capture closest to it.",
        ),
        click.option(
            "--window",
            default="6m",
            metavar="SPAN",
            show_default=True,
            callback=_parsed("parse_window"),
            help="With --archive: ignore captures farther from --at (6m, 1y, 90d, 2w).",
        ),
        click.option(
            "--archive-rate",
            default="1/s",
            metavar="RATE",
            show_default=True,
            callback=_parsed("parse_rate"),
            help="With --archive: requests per second to the archive, all sites together (1/s, 30/min).",
        ),
    ]


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


def report_thresholds(f: F) -> F:
    """``report``: --output-dir, --fail-on, the thresholds of the rules and --top."""
    for option in reversed(_report_thresholds()):
        f = option(f)
    return f


def _report_thresholds() -> list[Callable[[F], F]]:
    return [
        click.option(
            "--output-dir",
            type=click.Path(file_okay=False),
            default=None,
            help="csv: write sites.csv, journeys.csv and recommendations.csv in this folder.",
        ),
        click.option(
            "--fail-on",
            "fail_on",
            multiple=True,
            metavar="CODE[,CODE…]",
            help="Exit 1 when some site has one of these reason codes ('any': every code).",
        ),
        click.option(
            "--broken-share",
            default=0.10,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True),
            callback=_finite,
            help="broken_outlinks: share of broken URLs from which a site is flagged.",
        ),
        click.option(
            "--retired-min",
            default=1,
            show_default=True,
            type=click.IntRange(1),
            help="links_to_retired: retired outside URLs from which a site is flagged.",
        ),
        click.option(
            "--top",
            default=40,
            show_default=True,
            type=click.IntRange(0),
            help="table: flagged sites shown (0: all).",
        ),
    ]


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
    ]  # fmt: skip


def seeds_check_options(f: F) -> F:
    """``seeds check``: the vocabularies and --strict."""
    for option in reversed(_seeds_check_options()):
        f = option(f)
    return f


def analyse_store(kw: dict[str, Any], *, history: bool = False, **options: Any) -> Analysis:
    """Analyse ``--crawl`` of ``--db`` from ``--hub``: what report, journeys and recommend share.

    ``options`` go to :func:`graphs.analysis.analyse_crawl` (``by``, ``config``, ``journey_config``);
    ``history``: with the crawl's trends over the store's earlier crawls (the report's).
    """
    from crawler.store import Store
    from graphs.analysis import DEFAULT_HUB, analyse_crawl
    from graphs.trends import analyse_with_history

    analyse = analyse_with_history if history else analyse_crawl
    with Store.open(kw["db"]) as store:
        hub = list(kw.get("hubs") or ()) or DEFAULT_HUB
        return analyse(store, kw["crawl_id"], hub=hub, **options)


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
    ]
    for option in reversed(options):
        f = option(f)
    return f
