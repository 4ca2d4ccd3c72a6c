"""``govlinks seeds import`` (seeds/importer.py): fold, filter and merge lists of hosts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.errors import SeedError
from seeds.importer import import_seeds, is_staging_host, matches_suffix, read_source

HEADER = "url,name,organisation,themes,life_events\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("host", "staging"),
    [
        ("preprod.impots.gouv.fr", True),
        ("api-preprod.x.gouv.fr", True),
        ("staging3.demarches.gouv.fr", True),
        ("integration-pof.interieur.gouv.fr", True),
        ("portail.bas.hubee.numerique.gouv.fr", True),
        ("bas-rhin.gouv.fr", False),
        ("label-bas-carbone.ecologie.gouv.fr", False),
        ("demonstrateur.api.gouv.fr", False),
        ("developpement-durable.gouv.fr", False),
        ("wmo.int", False),
    ],
)
def test_staging_hosts(host: str, staging: bool) -> None:
    assert is_staging_host(host) is staging


def test_suffix_matches_on_label_boundaries() -> None:
    assert matches_suffix("a.gouv.fr", ["gouv.fr"]) and matches_suffix("gouv.fr", [".gouv.fr"])
    assert not matches_suffix("legouv.fr", ["gouv.fr"])
    assert matches_suffix("x.fr", []) and matches_suffix("ameli.fr", ["gouv.fr", "ameli.fr"])


def test_read_plain_list_folds_filters_and_dedupes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "urls.txt",
        "# live State hosts\n"
        "http://www.Impots.gouv.fr\n"  # 2
        "https://impots.gouv.fr/\n"  # 3: same site, https wins
        "anah.gouv.fr\n"  # 4: bare host
        "\n"
        "ftp://files.gouv.fr\n"  # 6
        "mailto:contact@a.gouv.fr\n"  # 7
        "https://preprod.anah.gouv.fr\n"  # 8
        "https://www.ameli.fr\n"  # 9
        "not a url\n"  # 10
        "https://égalité-handicap.gouv.fr/x/\n"  # 11
        "http://[bad\n",  # 12
    )
    src = read_source(path, ["gouv.fr"])
    assert [(e.line, e.url, e.site) for e in src.entries] == [
        (3, "https://impots.gouv.fr/", "impots.gouv.fr"),
        (4, "https://anah.gouv.fr", "anah.gouv.fr"),
        (11, "https://xn--galit-handicap-9jbf.gouv.fr/x/", "xn--galit-handicap-9jbf.gouv.fr/x"),
    ]
    assert dict(src.skipped) == {
        "not http(s)": 2,
        "staging/test host": 1,
        "outside --suffix": 1,
        "malformed": 2,
    }
    assert [str(p) for p in src.malformed] == [
        f"{path}:10: warning: skipped 'not a url' (not a URL)",
        f"{path}:12: warning: skipped 'http://[bad' (not a URL)",
    ]


def test_read_csv_source_by_host_or_url_column(tmp_path: Path) -> None:
    hosts = write(tmp_path, "c.csv", "host,ministry\nwww.anah.gouv.fr,Logement\nameli.fr,\n,\n")
    assert [(e.line, e.site) for e in read_source(hosts).entries] == [(2, "anah.gouv.fr"), (3, "ameli.fr")]
    both = write(tmp_path, "d.csv", "Host;URL\na.gouv.fr;https://a.gouv.fr/b/\n")  # url wins, ; works
    assert [e.site for e in read_source(both).entries] == ["a.gouv.fr/b"]
    bad = write(tmp_path, "e.csv", "name,domain\nA,a.gouv.fr\n")
    with pytest.raises(SeedError, match=r"e.csv:1: no 'url' or 'host' column in header 'name,domain'"):
        read_source(bad)
    with pytest.raises(SeedError, match=r"nowhere\.txt: source file not found"):
        read_source(tmp_path / "nowhere.txt")


def test_import_builds_a_sorted_seed_file(tmp_path: Path) -> None:
    src = write(tmp_path, "urls.txt", "https://www.b.gouv.fr\nhttps://a.gouv.fr\nhttps://x.fr\n")
    result = import_seeds(src, suffixes=["gouv.fr"])
    assert (result.added, result.vanished, result.kept) == (["a.gouv.fr", "b.gouv.fr"], [], 0)
    assert result.to_csv() == HEADER + "https://a.gouv.fr,,,,\nhttps://www.b.gouv.fr,,,,\n"
    assert result.report_lines() == [
        "added 2, vanished 0, kept 0",
        "added: a.gouv.fr",
        "added: b.gouv.fr",
        "skipped: 1 outside --suffix",
    ]
    with pytest.raises(SeedError, match=r"urls\.txt: no usable URL in source"):
        import_seeds(src, suffixes=["ameli.fr.example"])


def test_import_into_keeps_annotations_and_reports_vanished(tmp_path: Path) -> None:
    seeds = write(
        tmp_path,
        "sites.csv",
        "url,name,organisation,themes,life_events,note\n"
        "https://www.a.gouv.fr,A,Min A,N19803,F14128,keep me\n"
        "https://gone.gouv.fr,Gone,Min G,,,\n"
        "https://www.economie.gouv.fr/dgccrf/,DGCCRF,Min E,N19803,,\n"
        "https://www.ameli.fr,Ameli,Santé,N19811,,\n",
    )
    src = write(tmp_path, "urls.txt", "http://a.gouv.fr\nhttps://economie.gouv.fr\nhttps://new.gouv.fr\n")
    result = import_seeds(src, into=seeds, suffixes=["gouv.fr"])
    assert result.added == ["economie.gouv.fr", "new.gouv.fr"]  # a whole host beside its /dgccrf site
    assert result.vanished == [("gone.gouv.fr", 3)]
    assert result.kept == 3  # a, the dgccrf path on a listed host, ameli (outside --suffix)
    assert result.to_csv() == (
        "url,name,organisation,themes,life_events,note\n"
        "https://www.a.gouv.fr,A,Min A,N19803,F14128,keep me\n"
        "https://gone.gouv.fr,Gone,Min G,,,\n"
        "https://www.economie.gouv.fr/dgccrf/,DGCCRF,Min E,N19803,,\n"
        "https://www.ameli.fr,Ameli,Santé,N19811,,\n"
        "https://economie.gouv.fr,,,,,\n"
        "https://new.gouv.fr,,,,,\n"
    )
    assert result.report_lines() == [
        "added 2, vanished 1, kept 3",
        "added: economie.gouv.fr",
        "added: new.gouv.fr",
        "vanished: gone.gouv.fr (line 3, kept, --drop-vanished removes it)",
    ]
    dropped = import_seeds(src, into=seeds, suffixes=["gouv.fr"], drop_vanished=True)
    assert "gone.gouv.fr" not in dropped.to_csv()
    assert dropped.report_lines()[0] == "added 2, vanished 1 (dropped), kept 3"


def test_import_into_a_malformed_seed_file_fails_with_its_line(tmp_path: Path) -> None:
    seeds = write(tmp_path, "sites.csv", "url\nhttps://a.gouv.fr\nnot-a-url\n")
    src = write(tmp_path, "urls.txt", "https://a.gouv.fr\n")
    with pytest.raises(SeedError, match=r"sites.csv:3: bad URL 'not-a-url'"):
        import_seeds(src, into=seeds)


def test_cli_import_to_stdout_and_into_a_file(tmp_path: Path) -> None:
    src = write(tmp_path, "hosts.csv", "host\nwww.a.gouv.fr\nstaging.a.gouv.fr\nb.fr\n")
    result = invoke("seeds", "import", str(src), "--suffix", "gouv.fr")
    assert result.exit_code == 0
    assert result.stdout == HEADER + "https://www.a.gouv.fr,,,,\n"  # URL as listed; the site id folds www.
    assert result.stderr.splitlines() == [
        "added 1, vanished 0, kept 0",
        "added: a.gouv.fr",
        "skipped: 1 outside --suffix, 1 staging/test host",
    ]

    into = tmp_path / "sites.csv"
    assert invoke("seeds", "import", str(src), "--into", str(into)).exit_code == 0
    assert [row["url"] for row in csv.DictReader(into.open(encoding="utf-8"))] == [
        "https://www.a.gouv.fr",
        "https://b.fr",
    ]
    into.write_text(into.read_text().replace("https://b.fr,,", "https://b.fr,B,Min B"), encoding="utf-8")
    src.write_text("host\nc.gouv.fr\nwww.a.gouv.fr\n", encoding="utf-8")
    result = invoke("seeds", "import", str(src), "--into", str(into))
    assert result.stdout.splitlines() == [
        "added 1, vanished 1, kept 1",
        "added: c.gouv.fr",
        "vanished: b.fr (line 3, kept, --drop-vanished removes it)",
    ]
    assert "https://b.fr,B,Min B,," in into.read_text(encoding="utf-8")
    assert invoke("seeds", "check", str(into)).exit_code == 0

    bad = invoke("seeds", "import", str(tmp_path / "nowhere.txt"))
    assert bad.exit_code == 2
    assert bad.stderr == f"Error: {tmp_path / 'nowhere.txt'}: source file not found\n"


def test_seeds_commands_have_help_with_an_example() -> None:
    for command in (["seeds"], ["seeds", "check"], ["seeds", "import"]):
        result = invoke(*command, "-h")
        assert result.exit_code == 0
        assert "Example:" in result.stdout


def test_cli_import_into_a_missing_folder_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    src = write(tmp_path, "hosts.txt", "a.gouv.fr\n")
    into = tmp_path / "nope" / "sites.csv"
    result = invoke("seeds", "import", str(src), "--into", str(into))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {into}: cannot write seed file (No such file or directory)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hosts.txt"]
