"""govlinks command line: a thin Click layer over the crawler and graphs packages.

Each command parses its options, makes one library call and prints. Library
failures are GovlinksError and become a one-line message with the exit code
documented in the README; Scrapy is imported only inside ``crawl`` so that
``--help`` stays instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from crawler.errors import GovlinksError

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Exit codes (README, "Exit codes").
EXIT_OK = 0
EXIT_FINDINGS = 1  # report --fail-on matched, crawl --fail-on-site-errors matched
EXIT_USAGE = 2  # bad option, bad input file, bad store
EXIT_LOCKED = 3  # another crawl holds the store
EXIT_INTERRUPTED = 130  # crawl stopped by Ctrl-C or a signal; resume with --resume


def handle_errors(func: F) -> F:
    """Turn library errors into a one-line message and their exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GovlinksError as err:
            click.echo(f"Error: {err}", err=True)
            sys.exit(err.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="govlinks")
def main() -> None:
    """Crawl French State websites and analyse the hyperlinks between them.

    \b
    Example:
      govlinks demo
      govlinks crawl --seeds seeds/sites.csv --db govlinks.db
      govlinks report --db govlinks.db --format html -o report.html
    """


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--seeds",
    "seeds",
    type=click.Path(dir_okay=False),
    default=None,
    help="Seed list CSV (default: the bundled seeds/sites.csv).",
)
@click.option(
    "--db",
    default="govlinks.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Store file (SQLite), created if missing.",
)
@click.option(
    "--max-pages-per-site",
    default=500,
    show_default=True,
    type=click.IntRange(1),
    help="Page budget of each site.",
)
@click.option(
    "--max-depth",
    default=10,
    show_default=True,
    type=click.IntRange(0),
    help="Links followed from the seed page.",
)
@click.option(
    "--delay",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between two requests to one site.",
)
@click.option(
    "--concurrency",
    default=0,
    type=click.IntRange(0),
    help="Requests in flight over all sites (default: one per site, at most 1000).",
)
@click.option(
    "--per-site-concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Requests in flight to one site.",
)
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this site id (repeatable).")
@click.option("--user-agent", default=None, help="User-Agent header (default names govlinks).")
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (only for your own sites).")
@click.option(
    "--check-links", is_flag=True, help="Also check link targets outside the seed sites (HEAD, then GET)."
)
@click.option("--keep-internal", is_flag=True, help="Store internal links too, not only counts.")
@click.option("--resume", is_flag=True, help="Continue the last interrupted crawl of --db.")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds before a request times out.",
)
@click.option(
    "--max-page-bytes",
    default=10 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(1024),
    help="Larger pages are not downloaded (recorded as errors).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (for cron).")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Append the full log, with the end summary, to this file.",
)
@click.option("--fail-on-site-errors", is_flag=True, help="Exit 1 when some sites could not be crawled.")
@handle_errors
def crawl(**kw: Any) -> None:
    """Crawl the seed sites and store their pages and cross-site links.

    All sites progress in parallel, each within its own delay; links to other
    hosts are recorded, not followed. Ctrl-C stops cleanly (exit 130), and
    `--resume` continues where the crawl stopped, even after kill -9.

    \b
    Example:
      govlinks crawl --seeds seeds/sites.csv --db govlinks.db
      govlinks crawl --db govlinks.db --resume
      govlinks crawl --site impots.gouv.fr --max-pages-per-site 50 --delay 0.5
    """
    from crawler.run import run_crawl
    from crawler.settings import DEFAULT_USER_AGENT, CrawlOptions

    fail_on_site_errors = kw.pop("fail_on_site_errors")
    resume = kw.pop("resume")
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
        timeout=kw["timeout"],
        max_page_bytes=kw["max_page_bytes"],
        quiet=kw["quiet"],
        progress=sys.stderr.isatty() and not kw["quiet"],
        log_file=kw["log_file"],
    )
    result = run_crawl(opts, resume=resume)
    if not opts.quiet:
        click.echo(result.summary())
    if result.crawl.state != "finished":
        click.echo(f"crawl {result.crawl.id} interrupted: continue with --resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if fail_on_site_errors and result.failed_sites:
        sys.exit(EXIT_FINDINGS)


def default_seeds() -> str:
    """The seed list shipped with govlinks."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "seeds" / "sites.csv")


if __name__ == "__main__":
    main()
