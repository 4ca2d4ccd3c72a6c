"""``govlinks demo``: the whole chain, offline, in one command.

generate a web → serve it on 127.0.0.1 → crawl it through the proxy → report
(terminal and HTML) → export GEXF, then compare the findings with the planted
truth. A newcomer sees every output of govlinks in about a minute without
touching a real site.

The crawl runs in a child process (``python -m cli crawl``), exactly as a user
would run it, because Scrapy's reactor cannot run twice in one process and the
demo must leave the caller's process usable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import GovlinksError
from graphs.i18n import _, format_number

__all__ = ["DemoResult", "compare_codes", "crawl_args", "run_demo"]


@dataclass
class DemoResult:
    folder: Path
    db: Path
    report_html: Path
    gexf: Path
    table: str
    seconds: float
    missed: dict[str, set[str]] = field(default_factory=dict)  # planted codes not found
    unexpected: dict[str, set[str]] = field(default_factory=dict)  # codes found, not planted
    planted: int = 0
    hub: str = ""  # the demo web's hub: the report command it suggests names it
    report_site: Path | None = None  # the report site's folder (index.html and a page per site)

    @property
    def exact(self) -> bool:
        return not self.missed and not self.unexpected

    def lines(self) -> list[str]:
        """What ``govlinks demo`` prints after the report: the check, then where things are."""
        out = [""]
        if self.exact:
            out.append(
                _("The report found exactly the {n} problems built into the demo web, and no other.").format(
                    n=self.planted
                )
            )
        else:
            missed = _("built into the demo web but not found: {site}: {codes}")
            unexpected = _("found but not built into the demo web: {site}: {codes}")
            for text, found in ((missed, self.missed), (unexpected, self.unexpected)):
                out += [text.format(site=s, codes=", ".join(sorted(c))) for s, c in sorted(found.items())]
        web = self.folder / "web"
        report = f"govlinks report --db {self.db}" + (f" --hub {self.hub}" if self.hub else "")
        return [
            *out,
            _("Done in {seconds} s. Outputs in {folder}:").format(
                seconds=format_number(self.seconds, ".0f"), folder=self.folder
            ),
            _("  report   {path}").format(path=self.report_html),
            *(_("  site     {path}").format(path=p / "index.html") for p in (self.report_site,) if p),
            _("  graph    {path}").format(path=self.gexf),
            _("  store    {path}   ({command})").format(path=self.db, command=report),
            _("  web      {path}   ({command})").format(path=web, command=f"govlinks demo serve {web}"),
        ]


def compare_codes(
    truth: dict[str, set[str]], found: dict[str, set[str]]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Planted codes missed and codes found that were not planted, per site.

    >>> compare_codes({"a": {"orphan"}, "b": set()}, {"a": {"orphan"}, "b": {"dead_end"}})
    ({}, {'b': {'dead_end'}})
    """
    missed = {s: codes - found.get(s, set()) for s, codes in truth.items()}
    unexpected = {s: codes - truth.get(s, set()) for s, codes in found.items()}
    return {s: c for s, c in missed.items() if c}, {s: c for s, c in unexpected.items() if c}


def crawl_args(
    folder: str | Path, db: str | Path | None = None, options: Mapping[str, Any] | None = None
) -> list[str]:
    """The ``govlinks crawl`` arguments that crawl the generated web in ``folder`` completely.

    ``options`` are the truth's ``crawl_options`` (page budget, depth, outside
    link checks), read from ``folder/truth.json`` when not given; without a
    truth, only the seed list, the store and no delay. ``db`` defaults to
    ``folder/demo.db``. ``govlinks demo`` runs these arguments, and ``govlinks
    demo serve`` prints them for a crawl by hand: one command line for both.

    >>> " ".join(crawl_args("web", options={"max_pages_per_site": 20, "max_depth": 4}))
    'crawl --seeds web/seeds.csv --db web/demo.db --delay 0 --max-pages-per-site 20 --max-depth 4'
    """
    folder = Path(folder)
    if options is None:
        truth = folder / "truth.json"
        options = json.loads(truth.read_text(encoding="utf-8"))["crawl_options"] if truth.exists() else {}
    db = db or folder / "demo.db"
    args = ["crawl", "--seeds", str(folder / "seeds.csv"), "--db", str(db), "--delay", "0"]
    if options:
        args += ["--max-pages-per-site", str(options["max_pages_per_site"])]
        args += ["--max-depth", str(options["max_depth"])]
        if options.get("check_links"):
            args.append("--check-links")
    return args


def _crawl(folder: Path, db: Path, proxy_env: dict[str, str], options: Mapping[str, Any]) -> None:
    cmd = [sys.executable, "-m", "cli", *crawl_args(folder, db, options)]
    if not sys.stderr.isatty():
        cmd.append("--quiet")  # no live progress to show: keep Scrapy's log out of the way
    proc = subprocess.run(cmd, env={**os.environ, **proxy_env}, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise GovlinksError(f"demo crawl failed (exit {proc.returncode}); see the messages above")


def run_demo(
    out: str | Path,
    *,
    sites: int = 24,
    pages: int = 20,
    seed: int = 1,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Run generate → serve → crawl → report → export in ``out``; return where things are."""
    from crawler.store import Store
    from demo.generate import generate
    from demo.server import serve
    from demo.web import load_web
    from graphs.analysis import analyse_crawl
    from graphs.export import export_crawl
    from graphs.report import render
    from graphs.report_site import write_site
    from graphs.site_view import load_details

    started = time.monotonic()
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise GovlinksError(f"{folder}: exists and is not a folder")
    web_dir = folder / "web"
    db = folder / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    truth = generate(web_dir, sites=sites, pages_per_site=pages, seed=seed)
    n_pages = sum(s["pages"] for s in truth["sites"].values())
    echo(
        _("1/5 generated {sites} sites, {pages} pages in {folder}").format(
            sites=len(truth["sites"]), pages=format_number(n_pages), folder=web_dir
        )
    )

    with serve(load_web(web_dir)) as server:
        echo(
            _("2/5 serving them on {url} (an HTTP proxy: real-looking URLs, nothing leaves)").format(
                url=server.proxy_url
            )
        )
        echo(_("3/5 crawling them with govlinks crawl …"))
        _crawl(web_dir, db, server.proxy_env, truth["crawl_options"])

    with Store.open(db) as store:
        analysis = analyse_crawl(store, hub=truth["hub"])
        table = render(analysis, "table")
        report_html = folder / "report.html"
        report_html.write_text(render(analysis, "html"), encoding="utf-8")
        site = folder / "report"
        assert analysis.crawl is not None
        write_site(analysis, load_details(store, analysis.crawl.id), site)
        echo(_("4/5 report written to {path} and {site}").format(path=report_html, site=site))
        gexf = folder / "demo.gexf"
        export_crawl(store, gexf, fmt="gexf", hub=truth["hub"])
        echo(_("5/5 graph exported to {path} (open it in Gephi)").format(path=gexf))

    found = {site: set(flags) for site, flags in analysis.sites["flags"].items()}
    planted = {site: set(info["codes"]) for site, info in truth["sites"].items()}
    missed, unexpected = compare_codes(planted, found)
    return DemoResult(
        folder=folder,
        db=db,
        report_html=report_html,
        gexf=gexf,
        table=table,
        seconds=time.monotonic() - started,
        missed=missed,
        unexpected=unexpected,
        planted=sum(len(c) for c in planted.values()),
        hub=truth["hub"],
        report_site=site,
    )
