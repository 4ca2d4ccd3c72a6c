from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import default_seeds, main
from crawler.errors import SeedError
from crawler.seedtools import (
    check_seeds,
    import_seeds,
    is_staging_host,
    load_vocabulary,
    matches_suffix,
    read_source,
)

THEMES = "id,label,label_2020\nN19803,Argent - Impôts - Consommation,Argent\nN19808,Logement,Logement\n"
EVENTS = "id,label\nF14128,Je déménage\nF16225,J'attends un enfant\n"
HEADER = "url,name,organisation,themes,life_events\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def vocab(tmp_path: Path):
    return load_vocabulary(write(tmp_path, "themes.csv", THEMES), write(tmp_path, "events.csv", EVENTS))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- check


def test_check_good_file_counts_per_group(tmp_path: Path, vocab) -> None:
    path = write(
        tmp_path,
        "s.csv",
        HEADER + "https://www.impots.gouv.fr,Impôts,Économie,N19803,F14128\n"
        "https://www.anah.gouv.fr,Anah,Territoires,N19803|N19808,F14128|F16225\n"
        "https://www.economie.gouv.fr/dgccrf/,DGCCRF,Économie,,\n",
    )
    result = check_seeds(path, vocab)
    assert result.problems == []
    assert (result.sites, result.count("themes"), result.count("life_events")) == (3, 2, 2)
    assert result.by_theme == {"N19803": 2, "N19808": 1}
    assert result.by_organisation == {"Économie": 2, "Territoires": 1}
    lines = result.summary_lines()
    assert lines[0] == (
        f"{path}: 3 sites, 3 with an organisation, 2 with a theme (66.7%), 2 with a life event"
    )
    assert "themes: 2 of 2 used" in lines
    assert "  N19808      1  Logement" in lines
    assert "life events: 2 of 2 used" in lines
    assert "organisations: 2" in lines
    assert "     2  Économie" in lines
    assert lines[-1] == "0 errors, 0 warnings"


def test_check_reports_every_unknown_id_with_its_line(tmp_path: Path, vocab) -> None:
    path = write(
        tmp_path,
        "s.csv",
        HEADER + "https://a.gouv.fr,A,X,N19803,\n"
        "https://b.gouv.fr,B,X,Logement|N1,\n"
        "https://c.gouv.fr,C,X,,F14128|F999\n",
    )
    result = check_seeds(path, vocab)
    assert [str(p) for p in result.errors] == [
        f"{path}:3: unknown theme 'Logement' (did you mean N19808?)",
        f"{path}:3: unknown theme 'N1'",
        f"{path}:4: unknown life event 'F999'",
    ]
    # a theme label is no life-event id: no misleading hint across vocabularies
    bad = write(tmp_path, "t.csv", "url,life_events\nhttps://a.gouv.fr,Logement\n")
    assert [str(p) for p in check_seeds(bad, vocab).errors] == [f"{bad}:2: unknown life event 'Logement'"]


def test_check_warns_on_nested_path_prefixes_only(tmp_path: Path, vocab) -> None:
    path = write(
        tmp_path,
        "s.csv",
        "url\nhttps://a.gouv.fr\nhttps://a.gouv.fr/x\nhttps://a.gouv.fr/x/y\nhttps://a.gouv.fr/xy\n",
    )
    result = check_seeds(path, vocab)
    assert result.errors == []
    assert [str(p) for p in result.warnings] == [
        f"{path}:4: warning: site 'a.gouv.fr/x/y' is nested in site 'a.gouv.fr/x' (line 3): "
        "its pages count for the inner site only"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.csv:1: empty seed file"),
        ("name,themes\nA,N19803\n", "s.csv:1: no 'url' column"),
        ("url\nimpots.gouv.fr\n", "s.csv:2: bad URL 'impots.gouv.fr'"),
        ("url\nhttps://www.a.gouv.fr\nhttp://A.gouv.fr/\n", "s.csv:3: duplicate site 'a.gouv.fr'"),
        ("url,name\nhttps://a.gouv.fr,A,extra\n", "s.csv:2: more fields than the header has"),
    ],
)
def test_check_structural_errors_name_file_and_line(tmp_path: Path, vocab, text: str, message: str) -> None:
    path = write(tmp_path, "s.csv", text)
    result = check_seeds(path, vocab)
    assert result.seeds is None
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(f"{tmp_path}/{message}")
    assert result.summary_lines() == ["1 error, 0 warnings"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,name\nN1,x\n", "v.csv:1: vocabulary needs 'id' and 'label' columns"),
        ("id,label\nN1,a\nN1,b\n", "v.csv:3: duplicate id 'N1'"),
        ("id,label\n,a\n", "v.csv:2: missing id"),
    ],
)
def test_bad_vocabulary_is_a_seed_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "v.csv", text)
    with pytest.raises(SeedError, match=message):
        load_vocabulary(path, path)
    with pytest.raises(SeedError, match=r"nowhere\.csv: vocabulary file not found"):
        load_vocabulary(tmp_path / "nowhere.csv")


def test_cli_check_exit_codes_and_output(tmp_path: Path) -> None:
    themes, events = write(tmp_path, "t.csv", THEMES), write(tmp_path, "e.csv", EVENTS)
    vocab = ["--themes", str(themes), "--life-events", str(events)]
    good = write(tmp_path, "good.csv", "url,themes\nhttps://a.gouv.fr,N19803\nhttps://a.gouv.fr/x\n")
    result = invoke("seeds", "check", str(good), *vocab)
    assert result.exit_code == 0
    first = f"{good}: 2 sites, 0 with an organisation, 1 with a theme (50.0%), 0 with a life event"
    assert result.stdout.splitlines()[0] == first
    assert "  N19808      0  Logement" in result.stdout.splitlines()
    assert "     2  (none)" in result.stdout.splitlines()

    nested = write(tmp_path, "nested.csv", "url\nhttps://a.gouv.fr/x\nhttps://a.gouv.fr/x/y\n")
    assert invoke("seeds", "check", str(nested), *vocab).exit_code == 0
    strict = invoke("seeds", "check", str(nested), *vocab, "--strict")
    assert strict.exit_code == 2
    assert strict.stdout.splitlines()[0].startswith(f"{nested}:3: warning: site 'a.gouv.fr/x/y' is nested")

    bad = write(tmp_path, "bad.csv", "url,themes\nhttps://a.gouv.fr,N19803\nhttps://b.gouv.fr,N2|N3\n")
    result = invoke("seeds", "check", str(bad), *vocab)
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"{bad}:3: unknown theme 'N2'", f"{bad}:3: unknown theme 'N3'"]
    assert lines[-1] == "2 errors, 0 warnings"

    missing = invoke("seeds", "check", str(tmp_path / "none.csv"), *vocab)
    assert missing.exit_code == 2
    assert missing.stdout.splitlines()[0] == f"{tmp_path / 'none.csv'}: seed file not found"

    result = invoke("seeds", "check", str(good), "--themes", str(tmp_path / "x.csv"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'x.csv'}: vocabulary file not found\n"


def test_bundled_seed_list_meets_the_acceptance_figures() -> None:
    result = check_seeds(default_seeds())
    assert result.problems == []
    assert result.sites >= 600
    assert result.count("organisation") == result.sites
    assert result.count("themes") >= 0.8 * result.sites
    vocab = load_vocabulary()
    assert len(vocab.themes) == 11 and len(vocab.life_events) == 17
    assert all(result.by_theme.get(t) for t in vocab.themes)
    assert all(result.by_life_event.get(e) for e in vocab.life_events)
    hub = result.seeds.by_site()["service-public.fr"]  # the default hub, one row only
    assert hub.url == "https://www.service-public.fr" and hub.organisation == "Premier ministre"
    assert "service-public.gouv.fr" not in result.seeds.by_site()
    assert vocab.themes["N19803"] == "Argent - Impôts - Consommation"
    assert vocab.life_events["F14128"] == "Je déménage"


def test_cli_check_defaults_to_the_bundled_list() -> None:
    result = invoke("seeds", "check")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(f"{default_seeds()}: ")
    assert "themes: 11 of 11 used" in result.stdout.splitlines()
    assert "life events: 17 of 17 used" in result.stdout.splitlines()


# -- import


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
