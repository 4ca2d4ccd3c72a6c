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
from graphs.choices import (
    DEFAULT_LANGUAGE,
    GROUPINGS,
    LANGUAGES,
)

if TYPE_CHECKING:
    from graphs.analysis import Analysis

__all__ = [
    "CONTEXT_SETTINGS",
    "EXIT_CRASH",
    "EXIT_FINDINGS",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_LOW_COVERAGE",
    "EXIT_OK",
    "EXIT_TIME_LIMIT",
    "EXIT_USAGE",
    "Duration",
    "OneLineGroup",
    "analyse_store",
    "by_option",
    "crawl_option",
    "db_option",
    "dns_server",
    "excel_option",
    "finite",
    "format_option",
    "handle_errors",
    "header_value",
    "hub_option",
    "lang_option",
    "output_option",
    "web_size_options",
]

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Exit codes (README, "Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1  # report --fail-on matched, crawl --fail-on-site-errors matched
EXIT_USAGE = 2  # bad option, bad input file, bad store
EXIT_LOCKED = 3  # another crawl holds the store
EXIT_LOW_COVERAGE = 4  # report --fail-on on a crawl that assessed too few sites to judge (--min-coverage)
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
    """``--db``: the store, an SQLite file or a ``postgresql://`` URL."""
    return click.option(
        "--db",
        default="govlinks.db",
        show_default=True,
        # readable=False: the store names an unreadable file itself, in its own words
        type=click.Path(dir_okay=False, readable=False),
        metavar="PATH|URL",
        help=(
            "Store: SQLite file (created if missing) or postgresql:// URL."
            if created
            else "Store: SQLite file or postgresql:// URL."
        ),
    )


def crawl_option(f: F) -> F:
    """``--crawl``: which crawl of the store."""
    return click.option(
        "--crawl", "crawl_id", type=int, default=None, help="Crawl id (default: the latest)."
    )(f)


def output_option(help: str, *, alias: str | None = None, **kwargs: Any) -> Callable[[F], F]:
    """``-o/--output``: where a command writes; ``alias``: an old spelling still accepted."""
    return _option("-o", "--output", "output", aliases=(alias,) if alias else (), help=help, **kwargs)


def by_option(
    help: str, *, alias: str | None = None, choices: Sequence[str] = tuple(GROUPINGS)
) -> Callable[[F], F]:
    """``--by``: group the sites by theme or by life event (``graphs.choices.GROUPINGS``), or by
    organisation too where ``choices`` says so (``REPORT_GROUPINGS``)."""
    return _option(
        "--by",
        "by",
        aliases=(alias,) if alias else (),
        default="theme",
        show_default=True,
        type=click.Choice(list(choices)),
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


def excel_option(f: F) -> F:
    """``--excel``: CSV for a spreadsheet (semicolons, byte-order mark, decimal comma in French)."""
    return click.option(
        "--excel",
        is_flag=True,
        help="CSV for a spreadsheet: semicolons, UTF-8 byte-order mark, decimal comma in French.",
    )(f)


def lang_option(f: F) -> F:
    """``--lang``: the language of what people read (texts, numbers, dates); machine keys stay English.

    The command runs inside ``graphs.i18n.using_language(lang)`` and never sees the option:
    every text it produces, its library's included, follows it.
    """

    @wraps(f)
    def speaking(*args: Any, **kwargs: Any) -> Any:
        from graphs.i18n import using_language

        with using_language(kwargs.pop("lang")):
            return f(*args, **kwargs)

    return click.option(
        "--lang",
        "lang",
        default=DEFAULT_LANGUAGE,
        show_default=True,
        type=click.Choice(list(LANGUAGES)),
        help="Language of the texts, numbers and dates (codes and JSON keys stay English).",
    )(speaking)  # type: ignore[return-value]


def web_size_options(f: F) -> F:
    """``--sites`` and ``--pages`` of a generated demo web."""
    sites = click.option("--sites", default=24, show_default=True, type=click.IntRange(6), help="Seed sites.")
    pages = click.option(
        "--pages", default=20, show_default=True, type=click.IntRange(5), help="Pages per site."
    )
    return sites(pages(f))


def finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
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


def dns_server(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
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


def header_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A header value with no control characters (they would split the request)."""
    if value is not None and (not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value)):
        raise click.BadParameter("must be non-empty printable text")
    return value


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
