"""Options shared by the govlinks commands: one declaration, one spelling per idea.

The sqlite-utils habit: an option that several commands take (``--db``,
``--crawl``, ``-o/--output``, ``--by``, ``--format``, ``--hub``) is declared
once here, so that it reads, defaults and validates the same everywhere, and
its choices come from the library (:mod:`graphs.choices`, which imports
nothing: ``--help`` stays instant). An old spelling (``demo --out``, ``export
--group``) is kept as a hidden alias so that no script breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from graphs.choices import GROUPINGS

__all__ = [
    "by_option",
    "crawl_option",
    "db_option",
    "format_option",
    "hub_option",
    "output_option",
    "web_size_options",
]

F = TypeVar("F", bound=Callable[..., Any])


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
        type=click.Path(dir_okay=False),
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
