"""govlinks command line: a thin Click layer over the crawler and graphs packages.

Each command parses its options, makes one library call and prints. Library
failures are GovlinksError and become a one-line message with the exit code
documented in the README; Scrapy is imported only inside ``crawl`` so that
``--help`` stays instant.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from cli_common import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_LOW_COVERAGE,
    EXIT_TIME_LIMIT,
    EXIT_USAGE,
    OneLineGroup,
    analyse_store,
    db_option,
    format_option,
    handle_errors,
    lang_option,
    output_option,
    web_size_options,
)
from cli_options import (
    copy_store_options,
    crawl_command_options,
    crawl_options_from,
    demo_generate_options,
    demo_serve_options,
    diff_command_options,
    export_options,
    journeys_options,
    recommend_options,
    report_command_options,
    seeds_check_options,
    seeds_import_options,
)
from crawler.errors import GovlinksError
from graphs.choices import CRAWLS_FORMATS
from seeds import default_seeds


@click.group(cls=OneLineGroup)
@click.version_option(package_name="govlinks")
def main() -> None:
    """Crawl French State websites and analyse the hyperlinks between them.

    \b
    Example:
      govlinks demo
      govlinks crawl --seeds seeds/sites.csv --db govlinks.db
      govlinks report --db govlinks.db --format html -o report.html
    """


@main.command()
@crawl_command_options
@handle_errors
def crawl(**kw: Any) -> None:
    """Crawl the seed sites and store their pages and cross-site links.

    All sites progress in parallel, each within its own delay; links to other
    hosts are recorded, not followed. Ctrl-C or SIGTERM stops within seconds
    (exit 130), --max-time after a time budget (exit 124), and `--resume`
    continues where the crawl stopped, even after kill -9.
    With `--archive --at DATE` it crawls the sites as a web archive captured them around that date.

    \b
    Example:
      govlinks crawl --seeds seeds/sites.csv --db govlinks.db
      govlinks crawl --db govlinks.db --resume
      govlinks crawl --site impots.gouv.fr --max-pages-per-site 50 --delay 0.5
      govlinks crawl --db govlinks.db --max-time 6h --log-file crawl.log
      govlinks crawl --db postgresql://crawler@db.example/govlinks --join
      govlinks crawl --db govlinks.db --workers 2
      govlinks crawl --archive --at 2015-06-01 --db govlinks-2015.db
    """
    from crawler.run import run_crawl

    opts, resume, fail_on_site_errors = crawl_options_from(kw)
    result = run_crawl(opts, resume=resume)
    if not opts.quiet:
        click.echo(result.summary())
    if result.crawl.state != "finished":
        click.echo(result.stop_line(), err=True)
        sys.exit(EXIT_TIME_LIMIT if result.stop_reason == "max_time" else EXIT_INTERRUPTED)
    if result.failed and fail_on_site_errors:
        click.echo(f"crawl {result.crawl.id}: {result.failed_line()} (--fail-on-site-errors)", err=True)
        sys.exit(EXIT_FINDINGS)


@main.command()
@export_options
@handle_errors
def export(**kw: Any) -> None:
    """Export the site graph for Gephi (GEXF), other graph tools (GraphML) or as open data.

    GEXF 1.3 validates against the official schema; nodes are coloured by main
    theme and sized by sites linking in. CSV and Parquet come with a
    Frictionless datapackage.json describing every column.

    \b
    Example:
      govlinks export --format gexf -o govlinks.gexf
      govlinks export --format gexf --history -o history.gexf
      govlinks export --format gexf --only N19803 -o argent.gexf
      govlinks export --format graphml --bipartite --by life-event -o events.graphml
      govlinks export --format csv -o opendata/
      govlinks export --format parquet --level page -o links/
    """
    from crawler.store import Store
    from graphs.export import export_crawl

    with Store.open(kw.pop("db")) as store:
        message = export_crawl(store, kw.pop("output"), hub=list(kw.pop("hubs")) or None, **kw)
    click.echo(message)


@main.command()
@report_command_options
@handle_errors
def report(**kw: Any) -> None:
    """Report how well the sites link to each other, and flag the poorly integrated ones.

    Each site gets reason codes with their evidence and an integration score
    (0-100) relative to the sites sharing its themes or life events; figures
    per theme or life event follow. The JSON form has a stable schema.

    \b
    Example:
      govlinks report --db govlinks.db
      govlinks report --format html -o report.html
      govlinks report --by life-event --format json -o report.json
      govlinks report --format csv --fail-on orphan,dead_end -o sites.csv
      govlinks report --format csv --output-dir tables/
      govlinks report --format html --output-dir report/
      govlinks report --site impots.gouv.fr
    """
    from crawler.fileio import write_text_atomic
    from graphs.report_command import fail_on_verdict, make_report

    analysis, text = make_report(**kw)
    if kw["output_dir"]:
        click.echo(text, err=True)
    elif kw["output"]:
        write_text_atomic(kw["output"], text, what="report")
    else:
        click.echo(text, nl=False)
    verdict = fail_on_verdict(analysis, kw["fail_on"])
    if verdict:
        click.echo(verdict.line, err=True)
        sys.exit(EXIT_LOW_COVERAGE if verdict.low_coverage else EXIT_FINDINGS)


@main.command("copy-store")
@copy_store_options
@handle_errors
def copy_store(db: str, target: str) -> None:
    """Copy every crawl of a store into a new one: from SQLite to PostgreSQL, or back.

    Ids and order are kept, so reports and exports of the copy are the same, byte for byte.

    \b
    Example:
      govlinks copy-store --db govlinks.db --to postgresql://crawler@db.example/govlinks
    """
    from crawler.store.copy import copy_store as copy

    click.echo(copy(db, target).summary())


@main.command("crawls")
@db_option()
@format_option(CRAWLS_FORMATS, "table for a terminal, json or csv for programs.", default="table",
               show_default=True)  # fmt: skip
@handle_errors
def crawls_command(db: str, fmt: str) -> None:
    """List the crawls of a store: state, times, source, seed list, pages, links, sites, options.

    \b
    Example:
      govlinks crawls --db govlinks.db
      govlinks crawls --db govlinks.db --format json
    """
    from crawler.store import Store
    from graphs.crawls import crawl_listing, render_crawls

    with Store.open(db) as store:
        click.echo(render_crawls(crawl_listing(store), fmt), nl=False)


@main.command("diff")
@diff_command_options
@handle_errors
def diff_command(**kw: Any) -> None:
    """Compare two crawls: links gained and lost, reason codes, scores, themes and life events.

    Defaults to the last two finished crawls of --db (--from-db: the last of
    another store first). Crawls of different seed lists are compared on the
    sites both have. --fail-on-new makes cron alert on new findings.

    \b
    Example:
      govlinks diff --db govlinks.db
      govlinks diff --db govlinks.db --from 3 --to 5 --format html -o diff.html
      govlinks diff --db govlinks.db --fail-on-new orphan,dead_end -o diff.json --format json
    """
    from graphs.diff import diff_stores
    from graphs.diff_report import fail_on_new_line, write_diff
    from graphs.findings import parse_fail_on

    codes = parse_fail_on(kw["fail_on_new"], option="--fail-on-new")
    d = diff_stores(kw["db"], from_db=kw["from_db"], to_id=kw["to_id"], from_id=kw["from_id"],
                    min_change=kw["min_change"])  # fmt: skip
    click.echo(write_diff(d, kw["fmt"], kw["output"], top=kw["top"]), nl=False)
    alerts = d.new_codes(codes)
    if alerts:
        click.echo(fail_on_new_line(alerts), err=True)
        sys.exit(EXIT_FINDINGS)


@main.command()
@journeys_options
@handle_errors
def journeys(**kw: Any) -> None:
    """Show how each life event and theme is connected: from the hub, within itself, and its gaps.

    Per journey: members within --max-hops content clicks of the hub, connected
    parts, density, and gaps (member pairs with no link either way) by evidence.

    \b
    Example:
      govlinks journeys --db govlinks.db
      govlinks journeys --db govlinks.db --group "Je déménage"
    """
    from graphs.config import JourneyConfig
    from graphs.report_journeys import render_journeys

    config = JourneyConfig(max_hops=kw["max_hops"], max_gaps=kw["gaps"])
    analysis = analyse_store(kw, journey_config=config, link_pages=False)  # gaps name no page
    click.echo(render_journeys(analysis, group=kw["group"]), nl=False)


@main.command()
@recommend_options
@handle_errors
def recommend(**kw: Any) -> None:
    """Recommend the links each site should add, best first, with evidence an analyst can check.

    Evidence: peers linking to the target, sites linking to both, a shared
    journey, a link back; each names the page to link. --to: who should link to a site.

    \b
    Example:
      govlinks recommend --db govlinks.db --site impots.gouv.fr
      govlinks recommend --db govlinks.db --to caf.fr --top 3
    """
    from graphs.config import JourneyConfig
    from graphs.report_journeys import render_recommendations

    analysis = analyse_store(kw, journey_config=JourneyConfig(top=kw["top"]))
    click.echo(render_recommendations(analysis, site=kw["site"], to=kw["to"]), nl=False)


@main.group()
def seeds() -> None:
    """Check a seed list, or build and refresh one from public lists of domains.

    \b
    Example:
      govlinks seeds check
      govlinks seeds import urls.txt --suffix gouv.fr --into seeds/sites.csv
    """


@seeds.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@seeds_check_options
@handle_errors
def seeds_check(path: str | None, themes: str | None, life_events: str | None, strict: bool) -> None:
    """Check a seed list and summarise it per theme, life event and organisation.

    Problems are printed one a line as FILE:LINE: message. Bad columns, URLs,
    duplicate sites and unknown theme or life-event ids are errors (exit 2);
    a path-prefix site nested in another one, a theme or life event with fewer
    than 5 sites and a site on a renamed operator's former host are warnings.

    \b
    Example:
      govlinks seeds check
      govlinks seeds check my-sites.csv --strict
    """
    from seeds.check import check_seeds
    from seeds.vocabulary import load_vocabulary

    result = check_seeds(path or default_seeds(), load_vocabulary(themes, life_events))
    for problem in result.problems:
        click.echo(str(problem))
    for line in result.summary_lines():
        click.echo(line)
    if result.errors or (strict and result.warnings):
        sys.exit(EXIT_USAGE)


@seeds.command("import")
@click.argument("source", type=click.Path(dir_okay=False))
@seeds_import_options
@handle_errors
def seeds_import(source: str, suffixes: tuple[str, ...], into: str | None, drop_vanished: bool) -> None:
    """Build or update a seed list from a list of URLs or hosts, or a CSV with a url or host column.

    Hosts are lower-cased and www. folded; non-http(s) URLs and staging or test
    hosts are dropped. Rows already in --into keep their annotations; sites that
    left SOURCE are reported as vanished, not deleted.

    \b
    Example:
      govlinks seeds import urls-2026-01.txt --suffix gouv.fr --into seeds/sites.csv
      govlinks seeds import domains.csv --suffix gouv.fr > new-sites.csv
    """
    from crawler.fileio import write_text_atomic
    from seeds.importer import import_seeds

    result = import_seeds(source, into=into, suffixes=suffixes, drop_vanished=drop_vanished)
    if into:
        write_text_atomic(into, result.to_csv(), what="seed file")
    else:
        click.echo(result.to_csv(), nl=False)
    for line in result.report_lines():
        click.echo(line, err=into is None)


@main.group(invoke_without_command=True)
@output_option(
    "Folder for the web, the store, the report and the graph.",
    alias="--out",
    default="govlinks-demo",
    show_default=True,
    type=click.Path(file_okay=False),
)
@web_size_options
@lang_option
@click.pass_context
@handle_errors
def demo(ctx: click.Context, output: str, sites: int, pages: int) -> None:
    """Run the whole chain offline: generate, serve, crawl, report, export.

    Without a subcommand, builds a synthetic web of State sites (with planted
    integration problems), serves it on 127.0.0.1, crawls it, writes the
    report and the Gephi graph, and checks the findings against the planted
    truth. The subcommands do each step by hand.

    \b
    Example:
      govlinks demo
      govlinks demo -o /tmp/demo --sites 40
      govlinks demo generate demo-web
      govlinks demo serve demo-web
    """
    if ctx.invoked_subcommand is not None:
        return
    from demo.chain import run_demo

    result = run_demo(output, sites=sites, pages=pages, echo=click.echo)
    click.echo()
    click.echo(result.table)
    for line in result.lines():
        click.echo(line)


@demo.command("generate")
@click.argument("folder", type=click.Path(file_okay=False))
@demo_generate_options
@handle_errors
def demo_generate(folder: str, sites: int, pages: int, evolve: bool, no_planted: bool, **kw: int) -> None:
    """Write a synthetic web to FOLDER: web.json, seeds.csv and its ground truth truth.json.

    Sites have invented host names (www. or not, http or https, some sharing
    a host under path prefixes), robots.txt rules, redirects, template and
    content links, and planted sites for every reason code of the report.
    --evolve adds its second version and the diff it must give (v2/).

    \b
    Example:
      govlinks demo generate demo-web
      govlinks demo generate demo-web --evolve
      govlinks demo generate bench-web --sites 650 --pages 100 --no-planted
    """
    from demo.generate import generate

    truth = generate(folder, sites=sites, pages_per_site=pages, planted=not no_planted, evolve=evolve, **kw)
    planted = sum(1 for s in truth["sites"].values() if s["codes"])
    click.echo(
        f"{folder}: {len(truth['sites'])} sites ({planted} planted with reason codes), "
        f"{sum(s['pages'] for s in truth['sites'].values()):,} pages, "
        f"{len(truth['edges']):,} site-to-site links; serve it with: govlinks demo serve {folder}"
    )
    if evolve:
        click.echo(f"{folder}/v2: the same web later, with planted changes (v2/expected_diff.json)")


@demo.command("serve")
@click.argument("folder", type=click.Path(file_okay=False))
@demo_serve_options
@handle_errors
def demo_serve(folder: str, port: int, log_path: str | None) -> None:
    """Serve a generated web on 127.0.0.1 as an HTTP proxy, until Ctrl-C.

    Point http_proxy and https_proxy at it and real-looking URLs of the demo
    sites reach it (https through CONNECT, with a self-signed certificate);
    other hosts look unreachable.

    \b
    Example:
      govlinks demo serve demo-web --port 8080
    """
    import shlex

    from demo.chain import crawl_args
    from demo.server import serve_forever
    from demo.web import load_web

    web = load_web(folder)
    command = shlex.join(crawl_args(folder))

    def ready(server: Any) -> None:
        url = server.proxy_url
        click.echo(f"Serving {folder} on {url} (Ctrl-C to stop). In another shell:")
        click.echo(f"  export http_proxy={url} https_proxy={url}")
        click.echo(f"  govlinks {command}")

    try:
        serve_forever(web, port, log_path=log_path, ready=ready)
    except OSError as err:
        raise GovlinksError(f"127.0.0.1:{port}: cannot serve ({err.strerror or err})") from None


if __name__ == "__main__":
    main(prog_name="govlinks")
