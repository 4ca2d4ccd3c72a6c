"""``govlinks demo``: the whole chain, offline, in one command.

generate a web and its later version → serve each on 127.0.0.1 and crawl it
through the proxy, into one store → report (terminal and HTML, with what changed
since the first crawl) → export GEXF → diff the two crawls, then compare with the
planted truth: the reason codes exactly, the diff exactly, and the link
recommendations against the planted journey gaps (recall@1 and recall@5). A newcomer sees every output of
govlinks in about a minute without touching a real site.

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
from graphs.i18n import _, format_number, ngettext

__all__ = ["DemoResult", "compare_codes", "compare_diff", "crawl_args", "relevance_words", "run_demo"]


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
    diff_mismatches: list[str] = field(default_factory=list)  # compare_diff() of the two crawls
    diff_planted: dict[str, int] = field(default_factory=dict)  # changes of the expected diff, by kind
    hub: str = ""  # the demo web's hub: the report command it suggests names it, for the same findings
    report_site: Path | None = None  # the report site's folder (index.html and a page per site)
    gaps: int = 0  # planted journey gaps
    recall: dict[int, float] = field(default_factory=dict)  # k -> share of gaps in the top k
    relevance: dict[str, float] | None = None  # demo.offtopic.relevance_check; None: not assessed

    @property
    def exact(self) -> bool:
        return not self.missed and not self.unexpected

    @property
    def diff_exact(self) -> bool:
        return not self.diff_mismatches

    def lines(self) -> list[str]:
        """What ``govlinks demo`` prints after the report: the check, then where things are."""
        out = [""]
        if self.exact:
            found = _("The report found exactly the {n} problems built into the demo web, and no other.")
            out.append(found.format(n=self.planted))
        else:
            missed = _("built into the demo web but not found: {site}: {codes}")
            unexpected = _("found but not built into the demo web: {site}: {codes}")
            for text, codes in ((missed, self.missed), (unexpected, self.unexpected)):
                out += [text.format(site=s, codes=", ".join(sorted(c))) for s, c in sorted(codes.items())]
        n = self.diff_planted
        if self.diff_exact:
            out.append(
                _(
                    "govlinks diff found exactly the planted changes: {added} linked pairs added, {removed} "
                    "removed, {changed} changed weight, {sites} sites with reason codes added or resolved."
                ).format(
                    added=n.get("edges_added", 0),
                    removed=n.get("edges_removed", 0),
                    changed=n.get("edges_changed", 0),
                    sites=n.get("sites", 0),
                )
            )
        else:
            out += [f"diff: {line}" for line in self.diff_mismatches]
        if self.gaps:
            found = ", ".join(f"recall@{k} {format_number(r, '.2f')}" for k, r in sorted(self.recall.items()))
            text = ngettext(
                "Recommendations against the {n} planted journey gap: {found}.",
                "Recommendations against the {n} planted journey gaps: {found}.",
                self.gaps,
            )
            out.append(text.format(n=self.gaps, found=found))
        if self.relevance is not None:
            out.append(relevance_words(self.relevance))
        web = self.folder / "web"
        hub = f" --hub {self.hub}" if self.hub else ""
        commands = f"govlinks report --db {self.db}{hub}; govlinks diff --db {self.db}"
        return [
            *out,
            _("Done in {seconds} s. Outputs in {folder}:").format(
                seconds=format_number(self.seconds, ".0f"), folder=self.folder
            ),
            _("  report   {path}").format(path=self.report_html),
            *(_("  site     {path}").format(path=p / "index.html") for p in (self.report_site,) if p),
            _("  graph    {path}").format(path=self.gexf),
            _("  store    {path}   ({command})").format(path=self.db, command=commands),
            _("  web      {path}   ({command})").format(path=web, command=f"govlinks demo serve {web}"),
            _("  later    {path}   (the same web with planted changes)").format(path=web / "v2"),
        ]


def relevance_words(check: dict[str, float]) -> str:
    """What the demo says of the relevance of links against the planted off-topic ones.

    >>> relevance_words({"planted": 279, "found": 283, "hits": 272, "precision": 0.961, "recall": 0.975})
    'Off-topic links: 272 of the 279 planted found (recall 97.5%), 283 flagged (precision 96.1%).'
    """
    return _(
        "Off-topic links: {hits} of the {planted} planted found (recall {recall}), "
        "{found} flagged (precision {precision})."
    ).format(
        hits=format_number(check["hits"]),
        planted=format_number(check["planted"]),
        found=format_number(check["found"]),
        recall=format_number(check["recall"], ".1%"),
        precision=format_number(check["precision"], ".1%"),
    )


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


def _diff_keys(doc: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    out: dict[str, set[tuple[Any, ...]]] = {
        kind: {(e["source"], e["target"], e["weight_from"], e["weight_to"]) for e in doc[kind]}
        for kind in ("edges_added", "edges_removed", "edges_changed")
    }
    out["sites"] = {
        (s["site"], tuple(sorted(s["codes_added"])), tuple(sorted(s["codes_resolved"])))
        for s in doc["sites"]
        if s["codes_added"] or s["codes_resolved"]
    }
    return out


def compare_diff(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """What ``govlinks diff`` (its JSON form) missed and found beyond the expected diff.

    Linked pairs added, removed and changed, with their weights, and per site the
    reason codes added and resolved (sites whose codes did not change are ignored).

    >>> e = {"edges_added": [{"source": "a", "target": "b", "weight_from": 0, "weight_to": 2}],
    ...      "edges_removed": [], "edges_changed": [], "sites": []}
    >>> compare_diff(e, e)
    []
    >>> compare_diff(e, {**e, "edges_added": [], "sites": [
    ...     {"site": "b", "codes_added": ["orphan"], "codes_resolved": []}]})
    ['missed edges_added: a → b (0 → 2)', "not planted sites: b: added ['orphan'], resolved []"]
    """
    want, got = _diff_keys(expected), _diff_keys(found)
    lines = []
    for verdict, a, b in (("missed", want, got), ("not planted", got, want)):
        for kind in ("edges_added", "edges_removed", "edges_changed", "sites"):
            for item in sorted(a[kind] - b[kind]):
                if kind == "sites":
                    text = f"{item[0]}: added {list(item[1])}, resolved {list(item[2])}"
                else:
                    text = f"{item[0]} → {item[1]} ({item[2]} → {item[3]})"
                lines.append(f"{verdict} {kind}: {text}")
    return lines


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
    """Run generate → serve and crawl both versions → report → export → diff in ``out``."""
    from crawler.store import Store
    from demo.generate import generate
    from demo.offtopic import relevance_check
    from demo.plant_journeys import recommendation_recall
    from demo.server import serve
    from demo.web import load_web
    from graphs.analysis import analyse_crawl
    from graphs.diff import diff_crawls
    from graphs.diff_report import diff_dict
    from graphs.export import export_crawl
    from graphs.report import render
    from graphs.report_site import write_site
    from graphs.site_view import load_details
    from graphs.trends import analyse_with_history

    started = time.monotonic()
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise GovlinksError(f"{folder}: exists and is not a folder")
    web_dir = folder / "web"
    later = web_dir / "v2"
    db = folder / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    truth = generate(web_dir, sites=sites, pages_per_site=pages, seed=seed, evolve=True)
    expected = json.loads((later / "expected_diff.json").read_text(encoding="utf-8"))
    n_pages = sum(s["pages"] for s in truth["sites"].values())
    echo(_("1/6 generated {sites} sites, {pages} pages in {folder}, and a later version").format(
        sites=len(truth["sites"]), pages=format_number(n_pages), folder=web_dir))  # fmt: skip

    steps = (
        (
            web_dir,
            _("2/6 serving them on {url} (an HTTP proxy: nothing leaves) and crawling with govlinks crawl …"),
        ),
        (later, _("3/6 serving their later version on {url} and crawling with govlinks crawl …")),
    )
    for web, text in steps:
        with serve(load_web(web)) as server:
            echo(text.format(url=server.proxy_url))
            _crawl(web, db, server.proxy_env, truth["crawl_options"])

    with Store.open(db) as store:
        first = analyse_crawl(store, 1, hub=truth["hub"])
        analysis = analyse_with_history(store, hub=truth["hub"])
        table = render(analysis, "table")
        report_html = folder / "report.html"
        report_html.write_text(render(analysis, "html"), encoding="utf-8")
        site = folder / "report"
        assert analysis.crawl is not None
        write_site(analysis, load_details(store, analysis.crawl.id), site)
        echo(_("4/6 report written to {path} and {site} (the later crawl, and what changed since the first)")
             .format(path=report_html, site=site))  # fmt: skip
        gexf = folder / "demo.gexf"
        export_crawl(store, gexf, fmt="gexf", hub=truth["hub"])
        echo(_("5/6 graph exported to {path} (open it in Gephi)").format(path=gexf))
        found_diff = diff_dict(diff_crawls(store))
        echo(_("6/6 compared the two crawls with govlinks diff"))

    found = {site: set(flags) for site, flags in first.sites["flags"].items()}
    planted = {site: set(info["codes"]) for site, info in truth["sites"].items()}
    missed, unexpected = compare_codes(planted, found)
    kinds = ("edges_added", "edges_removed", "edges_changed", "sites")
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
        diff_mismatches=compare_diff(expected, found_diff),
        diff_planted={kind: len(expected[kind]) for kind in kinds},
        hub=truth["hub"],
        report_site=site,
        gaps=len(truth["journey_gaps"]),
        recall=recommendation_recall(first.recommendations, truth["journey_gaps"]),
        relevance=relevance_check(truth, first.relevance.links) if first.relevance else None,
    )
