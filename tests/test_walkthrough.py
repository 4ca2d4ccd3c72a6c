"""Fixes found by walking through govlinks as a new analyst would (issue 14, item 5): spreadsheet
CSV, formula cells defused in every CSV, whole-number statuses, seeds check listing every
problem, semicolon seed files, group labels for export --only."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cli
from crawler.errors import SeedError
from crawler.seeds import load_seeds
from seeds.check import check_seeds
from tests.test_report import page, seed, write_store

FORMULA = '=HYPERLINK("http://evil.example/","clic")'
SEEDS = [
    seed("a.gouv.fr", ("T1",), name="+A"),
    seed("b.gouv.fr", ("T1",), name="@B"),
    seed("c.gouv.fr", ("T2",)),
]
PAGES = [
    page("https://a.gouv.fr/", depth=0, title=FORMULA, links=(("https://b.gouv.fr/x", False),)),
    page("https://b.gouv.fr/", depth=0, title="-1+2", links=(("https://a.gouv.fr/", True),)),
    page("https://c.gouv.fr/", depth=0, title="\tC", links=(("https://a.gouv.fr/y", False),)),
    page("https://b.gouv.fr/x", depth=None, kind="target"),
    page("https://a.gouv.fr/y", depth=None, kind="target"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("walk") / "w.db"
    write_store(path, SEEDS, PAGES)
    (path.parent / "themes.csv").write_text(
        "id,label\nT1,Travail - Formation\nT2,Logement\n", encoding="utf-8"
    )
    return path


def run(*args: str) -> object:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_excel_csv_reads_back_in_pandas_with_semicolons_and_decimal_commas(db: Path, tmp_path: Path) -> None:
    plain = pd.read_csv(io.StringIO(run("report", "--db", str(db), "--format", "csv").output))  # type: ignore[attr-defined]
    out = tmp_path / "sites.csv"
    assert run("report", "--db", str(db), "--format", "csv", "--excel", "-o", str(out)).exit_code == 0  # type: ignore[attr-defined]
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark spreadsheets need for UTF-8
    excel = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert list(excel.columns[:2]) == ["rang", "site"] and {"nom", "organisation", "hôte (Unicode)"} <= set(
        excel.columns
    )
    assert excel.shape == plain.shape
    assert excel["score d'intégration"].tolist() == pytest.approx(plain["score"].tolist())
    assert excel["PageRank"].tolist() == pytest.approx(plain["pagerank"].tolist())
    assert ";0,5;" in raw.decode("utf-8-sig")  # decimal commas in French
    english = tmp_path / "en.csv"
    assert (
        run(
            "report", "--db", str(db), "--format", "csv", "--excel", "--lang", "en", "-o", str(english)
        ).exit_code
        == 0
    )  # type: ignore[attr-defined]
    en = pd.read_csv(english, sep=";", encoding="utf-8-sig")
    assert en["integration score"].tolist() == pytest.approx(plain["score"].tolist())


def test_statuses_are_whole_numbers(db: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("report", "--db", str(db), "--format", "csv").output)))  # type: ignore[attr-defined]
    assert {r["homepage_status"] for r in rows} == {"200"}
    data = json.loads(run("report", "--db", str(db), "--format", "json").output)  # type: ignore[attr-defined]
    assert {s["crawl"]["homepage_status"] for s in data["sites"]} == {200}


def test_formula_cells_are_defused_in_every_csv(db: Path, tmp_path: Path) -> None:
    """OWASP CSV injection: a title starting with = + - @ or a tab never reaches a spreadsheet live."""
    report = {r["site"]: r for r in csv.DictReader(io.StringIO(run("report", "--db", str(db), "--format",
                                                                   "csv").output))}  # type: ignore[attr-defined]  # fmt: skip
    assert report["a.gouv.fr"]["title"] == "'" + FORMULA and report["a.gouv.fr"]["name"] == "'+A"
    assert run("export", "--db", str(db), "--format", "csv", "-o", str(tmp_path / "t")).exit_code == 0  # type: ignore[attr-defined]
    nodes = {r["id"]: r for r in csv.DictReader((tmp_path / "t" / "nodes.csv").open(encoding="utf-8"))}
    assert nodes["a.gouv.fr"]["title"] == "'" + FORMULA
    assert nodes["b.gouv.fr"]["title"] == "'-1+2" and nodes["b.gouv.fr"]["label"] == "'@B"
    assert nodes["c.gouv.fr"]["title"] == "'C" or nodes["c.gouv.fr"]["title"].startswith("'")
    assert (
        run(
            "export", "--db", str(db), "--format", "csv", "--level", "page", "-o", str(tmp_path / "p")
        ).exit_code
        == 0
    )  # type: ignore[attr-defined]
    cells = [c for row in csv.reader((tmp_path / "p" / "page_links.csv").open(encoding="utf-8")) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    excel = tmp_path / "x"
    assert run("export", "--db", str(db), "--format", "csv", "--excel", "-o", str(excel)).exit_code == 0  # type: ignore[attr-defined]
    table = pd.read_csv(excel / "nodes.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert table["pagerank"].sum() == pytest.approx(1.0)
    package = json.loads((excel / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["dialect"]["delimiter"] for r in package["resources"]} == {";"}


def test_export_only_takes_a_label(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.gexf"
    for value in ("T1", "Travail - Formation", "travail - formation"):
        result = run("export", "--db", str(db), "--format", "gexf", "--only", value, "-o", str(out))
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        assert "2 nodes" in result.output  # type: ignore[attr-defined]


def test_seeds_check_lists_every_problem_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "url,name,themes\n"
        "https://a.gouv.fr/,A,N19803\n"
        "impots.gouv.fr,B,\n"  # 3: bad URL
        "https://www.a.gouv.fr,A again,\n"  # 4: duplicate
        "https://c.gouv.fr/,C,N19803,extra\n"  # 5: too many fields
        "https://d.gouv.fr/,D,Argent\n",  # 6: a label instead of an id
        encoding="utf-8",
    )
    result = check_seeds(path)
    lines = [p.line for p in result.errors]
    assert lines == [3, 4, 5, 6], [str(p) for p in result.problems]
    messages = "\n".join(map(str, result.errors))
    assert (
        f"{path}:3: bad URL 'impots.gouv.fr'" in messages
        and f"{path}:4: duplicate site 'a.gouv.fr'" in messages
    )
    assert (
        f"{path}:5: more fields than the header has" in messages
        and f"{path}:6: unknown theme 'Argent'" in messages
    )
    with pytest.raises(SeedError, match=":3: bad URL"):  # a crawl still stops at the first
        load_seeds(path)


def test_semicolon_seed_files_are_read_or_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("url;name;themes\nhttps://a.gouv.fr/;Impôts, douanes;N19803|N19808\n", encoding="utf-8")
    seeds = load_seeds(path)
    assert [(s.site, s.name, s.themes) for s in seeds] == [
        ("a.gouv.fr", "Impôts, douanes", ("N19803", "N19808"))
    ]
    assert check_seeds(path).errors == []
    bad = tmp_path / "b.csv"
    bad.write_text("adresse;nom\nhttps://a.gouv.fr/;A\n", encoding="utf-8")
    with pytest.raises(
        SeedError, match="separators tried: comma, semicolon, tab; the header needs a column named"
    ):
        load_seeds(bad)
