"""``govlinks seeds check`` (seeds/check.py): problems with file:line, counts per group."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from seeds import default_seeds
from seeds.check import check_seeds
from seeds.vocabulary import load_vocabulary

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
