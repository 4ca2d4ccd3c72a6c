"""The coverage guard on a real crawl where most seed sites are unreachable: the report says so
first, in words, marks the findings that depend on the unread sites uncertain, and --fail-on
exits 4 instead of judging."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from demo.server import StaticWeb, serve
from tests.conftest import govlinks, html

pytestmark = pytest.mark.e2e

UP = ["accueil-demo.gouv.fr", "aides-demo.gouv.fr"]
DOWN = [f"panne{i}-demo.gouv.fr" for i in range(8)]  # not served: unreachable


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("coverage")
    web = StaticWeb()
    # accueil links to aides and to every site that is down; nobody links to accueil
    links = "".join(f'<a href="https://{h}/">{h}</a>' for h in (UP[1], *DOWN))
    web.page(f"https://{UP[0]}/", html("Accueil", links))
    web.page(f"https://{UP[1]}/", html("Aides", "<p>rien</p>"))
    seeds = folder / "seeds.csv"
    seeds.write_text(
        "url,themes\n" + "".join(f"https://{h}/,N19803\n" for h in (*UP, *DOWN)), encoding="utf-8"
    )
    store = folder / "g.db"
    with serve(web) as server:
        proc = govlinks(["crawl", "--seeds", str(seeds), "--db", str(store), "--delay", "0", "--quiet",
                         "--timeout", "5"], env=server.proxy_env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return store


def test_the_report_says_first_that_its_findings_are_not_reliable(db: Path) -> None:
    en = govlinks(["report", "--db", str(db), "--lang", "en"])
    assert en.returncode == 0, en.stderr
    lines = en.stdout.splitlines()
    assert lines[1].startswith("note: Only 2 of 10 sites could be assessed (20%, under the 80% asked by")
    assert "the findings below are not reliable." in " ".join(lines[1:3])
    assert lines.index(next(line for line in lines if line.startswith("10 sites (2 assessed)"))) > 1
    fr = govlinks(["report", "--db", str(db)])
    assert "note : Seuls 2 des 10 sites ont pu être explorés (20" in fr.stdout.splitlines()[1]
    assert "les constats ci-dessous ne sont pas fiables." in fr.stdout


def test_findings_that_depend_on_unread_sites_are_uncertain(db: Path) -> None:
    report = json.loads(govlinks(["report", "--db", str(db), "--format", "json", "--lang", "en"]).stdout)
    assert report["coverage"] == {
        "sites": 10,
        "assessed": 2,
        "share": 0.2,
        "min_share": 0.8,
        "reliable": False,
    }
    assert report["notes"][0].startswith("Only 2 of 10 sites could be assessed")
    findings = {(s["site"], f["code"]): f["uncertain"] for s in report["sites"] for f in s["findings"]}
    assert findings[(UP[0], "orphan")] is True  # nobody links to it: maybe one of the sites that was down
    assert findings[(UP[0], "no_group_inbound")] is True
    assert findings[(UP[1], "dead_end")] is False  # its own pages were read: certain
    assert findings[(UP[1], "homepage_only")] is True
    assert findings[(DOWN[0], "uncrawled")] is False
    rows = {r["site"]: r for r in csv.DictReader(io.StringIO(govlinks(["report", "--db", str(db), "--format",
                                                                      "csv"]).stdout))}  # fmt: skip
    assert (
        rows[UP[0]]["uncertain"] == "orphan|no_group_inbound" and rows[UP[1]]["uncertain"] == "homepage_only"
    )
    assert rows[DOWN[0]]["uncertain"] == ""
    out = db.parent / "r.html"
    assert (
        govlinks(["report", "--db", str(db), "--format", "html", "-o", str(out), "--lang", "en"]).returncode
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert page.count('<span class="uncertain"') == 3  # orphan, no_group_inbound, homepage_only
    assert page.index("Only 2 of 10 sites could be assessed") < page.index("<h2>Summary</h2>")


def test_fail_on_exits_4_under_the_minimum_coverage(db: Path) -> None:
    low = govlinks(["report", "--db", str(db), "--fail-on", "orphan", "--format", "json"])
    assert low.returncode == 4
    assert low.stderr == (
        "report: only 2 of 10 sites could be assessed (20%, under --min-coverage 80%): "
        "findings not judged (--fail-on)\n"
    )
    assert json.loads(low.stdout)["schema_version"] == 1  # the report is still written
    assert (
        govlinks(["report", "--db", str(db), "--fail-on", "orphan", "--min-coverage", "20"]).returncode == 1
    )
    assert govlinks(["report", "--db", str(db)]).returncode == 0  # without --fail-on: a report, exit 0
    reliable = govlinks(["report", "--db", str(db), "--format", "json", "--min-coverage", "20"])
    assert json.loads(reliable.stdout)["coverage"]["reliable"] is True
    assert "uncertain" not in reliable.stdout.replace('"uncertain": false', "")
