"""Outputs on the demo store equal a golden copy: refactors keep every output identical.

The demo web (``demo generate``, seed 1) is crawled once; the terminal, JSON, CSV
and HTML reports and the GEXF, GraphML, CSV and page-level exports are compared
with the files under ``tests/golden/demo/``, which were written before the code
they check was reorganised. Only what changes from run to run is masked: times,
the temporary folder, and the order of page-level rows (the crawl's order).

A change that *means* to alter an output regenerates the copy with
``GOVLINKS_REGEN_GOLDEN=1 python3 -m pytest tests/test_golden.py`` and shows the
diff in its commit.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from demo.generate import generate
from demo.server import serve
from demo.web import load_web
from tests.conftest import govlinks

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).resolve().parent / "golden" / "demo"
REGEN = os.environ.get("GOVLINKS_REGEN_GOLDEN") == "1"

_TIME = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z)?)?")
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_FRENCH_TIME = re.compile(rf"\d{{1,2}} (?:{_MONTHS}) \d{{4}} à \d\d:\d\d")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("golden")
    web_dir = folder / "web"
    truth = generate(web_dir, sites=24, pages_per_site=20, seed=1)
    db = folder / "demo.db"
    opts = truth["crawl_options"]
    with serve(load_web(web_dir)) as server:
        proc = govlinks(
            ["crawl", "--seeds", str(web_dir / "seeds.csv"), "--db", str(db), "--delay", "0", "--quiet",
             "--max-pages-per-site", str(opts["max_pages_per_site"]),
             "--max-depth", str(opts["max_depth"]), "--check-links"],
            env=server.proxy_env,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    yield db, truth["hub"]


def _mask(text: str, folder: Path) -> str:
    text = text.replace(str(folder.resolve()), "<tmp>").replace(str(folder), "<tmp>")
    return _FRENCH_TIME.sub("<time>", _TIME.sub("<time>", text))


def _html_text(page: str) -> str:
    """The visible text of an HTML page, white space collapsed: what a reader sees."""
    root = lxml_html.fromstring(page.encode("utf-8"))
    for node in root.xpath("//style | //script"):
        node.drop_tree()
    return " ".join(root.text_content().split()) + "\n"


def _compare(name: str, got: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    want = path.read_text(encoding="utf-8")
    assert got == want, f"{name} differs from its golden copy (tests/golden/demo/{name})"


OUTPUTS = {
    # golden file: (command, output file or folder, file inside the folder)
    "report.txt": (["report", "--top", "0"], None, None),
    "report.json": (["report", "--format", "json"], "r.json", None),
    "report-life-event.json": (["report", "--format", "json", "--by", "life-event"], "rl.json", None),
    "report.csv": (["report", "--format", "csv"], "r.csv", None),
    "graph.gexf": (["export", "--format", "gexf"], "g.gexf", None),
    "bipartite.gexf": (
        ["export", "--format", "gexf", "--bipartite", "--group", "life-event"],
        "b.gexf",
        None,
    ),
    "history.gexf": (["export", "--format", "gexf", "--history"], "h.gexf", None),
    "graph.graphml": (["export", "--format", "graphml"], "g.graphml", None),
    "nodes.csv": (["export", "--format", "csv"], "tables", "nodes.csv"),
    "edges.csv": (["export", "--format", "csv"], "tables", "edges.csv"),
    "findings.csv": (["export", "--format", "csv"], "tables", "findings.csv"),
    "datapackage.json": (["export", "--format", "csv"], "tables", "datapackage.json"),
    "recommendations.csv": (["export", "--format", "csv"], "tables", "recommendations.csv"),
    "journeys.txt": (["journeys"], None, None),
    "journey-N19804.txt": (["journeys", "--group", "N19804", "--gaps", "0"], None, None),
    "recommend.txt": (["recommend"], None, None),
}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_output_equals_golden_copy(demo_store: tuple[Path, str], name: str) -> None:
    db, hub = demo_store
    folder = db.parent
    args, out, inner = OUTPUTS[name]
    hub_args = ["--hub", hub] if args[0] != "recommend" else []  # recommendations start from no hub
    hub_args += ["--lang", "en"]
    if out is None:
        proc = govlinks([*args, "--db", str(db), *hub_args])
        assert proc.returncode == 0, proc.stderr
        got = proc.stdout
    else:
        target = folder / f"{name}.out" / out
        target.parent.mkdir(exist_ok=True)
        proc = govlinks([*args, "--db", str(db), *hub_args, "-o", str(target)])
        assert proc.returncode == 0, proc.stderr
        got = (target / inner if inner else target).read_text(encoding="utf-8")
    _compare(name, _mask(got, folder))


def test_page_links_equal_golden_copy(demo_store: tuple[Path, str]) -> None:
    db, _ = demo_store
    out = db.parent / "page-links"
    args = ["export", "--format", "csv", "--level", "page", "--lang", "en"]
    proc = govlinks([*args, "--db", str(db), "-o", str(out)])
    assert proc.returncode == 0, proc.stderr
    header, *lines = (out / "page_links.csv").read_text(encoding="utf-8").splitlines()
    _compare("page_links.csv", "\n".join([header, *sorted(lines)]) + "\n")


def test_html_report_reads_the_same(demo_store: tuple[Path, str]) -> None:
    """The HTML report shows the same text (charts aside: they are pictures)."""
    db, hub = demo_store
    out = db.parent / "report.html"
    args = ["report", "--format", "html", "--lang", "en"]
    proc = govlinks([*args, "--db", str(db), "--hub", hub, "-o", str(out)])
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count("data:image/svg+xml;base64,") == 7
    _compare("report.html.txt", _mask(_html_text(page), db.parent))


# The human outputs in French (the default language): the same figures, French words, numbers and dates.
FRENCH = {
    "fr/report.txt": (["report", "--top", "0"], None),
    "fr/report.json": (["report", "--format", "json"], "r.fr.json"),
    "fr/report.csv": (["report", "--format", "csv"], "r.fr.csv"),
}


@pytest.mark.parametrize("name", sorted(FRENCH))
def test_french_output_equals_golden_copy(demo_store: tuple[Path, str], name: str) -> None:
    db, hub = demo_store
    args, out = FRENCH[name]
    target = db.parent / "fr" / out if out else None
    if target:
        target.parent.mkdir(exist_ok=True)
    proc = govlinks([*args, "--db", str(db), "--hub", hub, *(["-o", str(target)] if target else [])])
    assert proc.returncode == 0, proc.stderr
    _compare(name, _mask(target.read_text(encoding="utf-8") if target else proc.stdout, db.parent))


def test_french_html_report_reads_the_same(demo_store: tuple[Path, str]) -> None:
    db, hub = demo_store
    out = db.parent / "report.fr.html"
    proc = govlinks(["report", "--format", "html", "--db", str(db), "--hub", hub, "-o", str(out)])
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    _compare("fr/report.html.txt", _mask(_html_text(page), db.parent))


def _machine_part(report: Any) -> Any:
    """A JSON report without its human texts (notes, rule texts, every ``evidence``): what programs read."""
    if isinstance(report, list):
        return [_machine_part(v) for v in report]
    if not isinstance(report, dict):
        return report
    out = {k: _machine_part(v) for k, v in report.items() if k not in ("notes", "evidence", "generated_at")}
    if "codes" in report and "schema_version" in report:
        out["codes"] = list(report["codes"])  # the codes, not their rule texts
    return out


def test_json_is_the_same_in_both_languages_but_for_its_texts(demo_store: tuple[Path, str]) -> None:
    """JSON is machine output: keys, codes, figures and labels from the seed list do not depend on --lang."""
    db, hub = demo_store
    reports = {}
    for lang in ("en", "fr"):
        proc = govlinks(["report", "--format", "json", "--db", str(db), "--hub", hub, "--lang", lang])
        assert proc.returncode == 0, proc.stderr
        reports[lang] = json.loads(proc.stdout)
    assert _machine_part(reports["en"]) == _machine_part(reports["fr"])
    en, fr = reports["en"], reports["fr"]
    assert list(en["codes"]) == list(fr["codes"]) and en["codes"] != fr["codes"]
    assert en["notes"] != fr["notes"] and len(en["notes"]) == len(fr["notes"])
