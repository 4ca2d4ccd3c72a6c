"""Vocabularies (seeds/vocabulary.py): one reader, strict or lenient, and the labels of a crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.errors import SeedError
from seeds import BUNDLED_DIR, LIFE_EVENTS_CSV, SITES_CSV, THEMES_CSV, default_seeds
from seeds.vocabulary import labels_near, load_vocabulary, read_labels, read_vocabulary, theme_order


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the bundled data


def test_bundled_paths_are_the_seeds_package_folder() -> None:
    assert Path(__file__).resolve().parent.parent / "seeds" == BUNDLED_DIR
    assert (SITES_CSV, THEMES_CSV, LIFE_EVENTS_CSV) == (
        BUNDLED_DIR / "sites.csv",
        BUNDLED_DIR / "themes.csv",
        BUNDLED_DIR / "life_events.csv",
    )
    assert default_seeds() == str(SITES_CSV) and SITES_CSV.is_file()


def test_bundled_vocabulary_has_former_labels_and_life_event_themes() -> None:
    vocab = load_vocabulary()
    assert list(vocab.themes)[:2] == ["N19803", "N19804"]
    assert vocab.suggest(" ARGENT ") == "N19803"  # the 2020 label
    assert vocab.suggest("Je déménage") == "F14128"
    assert vocab.suggest("Argentine") is None
    assert vocab.life_event_themes["F15913"] == ("N19803", "N19808")
    assert set(vocab.life_event_themes) == set(vocab.life_events)


# -- one reader, two strictnesses


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


def test_strict_read_gives_terms_with_their_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "life_events.csv",
        "\ufeffid , label,label_2020,themes\nF1, Je déménage ,,N1|N2\nF2,,Naissance, N3 \n",
    )
    terms = read_vocabulary(path, strict=True)
    assert list(terms) == ["F1", "F2"]
    f1, f2 = terms["F1"], terms["F2"]
    assert (f1.label, f1.line, f1.other_labels, f1.themes, f1.labels) == (
        "Je déménage",
        2,
        (),
        ("N1", "N2"),
        ("Je déménage",),
    )
    assert (f2.label, f2.line, f2.other_labels, f2.themes, f2.labels) == (
        "",
        3,
        ("Naissance",),
        ("N3",),
        ("Naissance",),
    )
    assert read_vocabulary(path, strict=False) == terms


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("id,name\nN1,x\n", 1, "vocabulary needs 'id' and 'label' columns"),
        ("id,label\nN1,a\nN2,b\nN1,c\n", 4, "duplicate id 'N1'"),
        ("id,label\nN1,a\n ,b\n", 3, "missing id"),
    ],
)
def test_strict_read_stops_at_the_first_problem_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, "v.csv", text)
    with pytest.raises(SeedError) as err:
        read_vocabulary(path, strict=True)
    assert str(err.value) == f"{path}:{line}: {message}"


def test_strict_read_of_a_missing_or_undecodable_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError) as err:
        read_vocabulary(tmp_path / "nowhere.csv", strict=True)
    assert str(err.value) == f"{tmp_path / 'nowhere.csv'}: vocabulary file not found"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("id,label\nN1,Étranger\n".encode("latin-1"))
    with pytest.raises(SeedError, match=r"latin1\.csv: cannot read vocabulary \('utf-8' codec"):
        read_vocabulary(latin1, strict=True)


def test_lenient_read_never_fails(tmp_path: Path) -> None:
    cases = {
        "no-label.csv": ("id,code\nN1,x\n", {}),
        "no-id.csv": ("code,label\nx,y\n", {}),
        "title.csv": ("id,title\nN1,Argent\n", {"N1": "Argent"}),
        "name.csv": ("id,name,title\nN1,Nom,Titre\n", {"N1": "Titre"}),
        "dup.csv": ("id,label\nN1,a\nN2,b\nN1,c\n", {"N1": "c", "N2": "b"}),
        "blank-id.csv": ("id,label\n,a\nN2,\n", {"N2": ""}),
        "empty.csv": ("", {}),
    }
    for name, (text, labels) in cases.items():
        assert read_labels(write(tmp_path, name, text)) == labels, name
    (tmp_path / "latin1.csv").write_bytes("id,label\nN1,Étranger\n".encode("latin-1"))
    assert read_vocabulary(tmp_path / "latin1.csv", strict=False) == {}
    assert read_vocabulary(tmp_path / "missing.csv", strict=False) == {}
    assert read_vocabulary(tmp_path, strict=False) == {}  # a folder


def test_read_labels(tmp_path: Path) -> None:
    themes = tmp_path / "themes.csv"
    themes.write_text("\ufeffid,label,parent\nN19803,Argent,\n N19806 , Travail - Formation ,\n,orphan,\n")
    assert read_labels(themes) == {"N19803": "Argent", "N19806": "Travail - Formation"}
    events = tmp_path / "life_events.csv"
    events.write_text("id,title\nF14128,Je déménage\n")
    assert read_labels(events) == {"F14128": "Je déménage"}
    assert read_labels(tmp_path / "missing.csv") == {}
    (tmp_path / "bad.csv").write_text("code,label\nx,y\n")
    assert read_labels(tmp_path / "bad.csv") == {}


# -- the labels of a crawl


def test_labels_next_to_the_seed_list_win_over_the_bundled_ones(tmp_path: Path) -> None:
    seeds = write(tmp_path, "sites.csv", "url,themes\nhttps://a.gouv.fr,N19803|T9\n")
    bundled = labels_near(None)
    assert bundled == {**read_labels(THEMES_CSV), **read_labels(LIFE_EVENTS_CSV)}
    assert labels_near(seeds) == bundled  # nothing next to the list: the bundled labels
    write(tmp_path, "themes.csv", "id,label\nN19803,Argent\nT9,Neuf\n")
    write(tmp_path, "life_events.csv", "id,label\nF14128,Je change d'adresse\n")
    labels = labels_near(seeds)
    assert (labels["N19803"], labels["T9"], labels["F14128"]) == ("Argent", "Neuf", "Je change d'adresse")
    assert labels["N19806"] == "Travail - Formation"  # not redefined: the bundled label
    assert list(labels) == [*bundled, "T9"]
    assert labels_near(str(seeds)) == labels


def test_ids_without_a_label_are_shown_as_ids(tmp_path: Path) -> None:
    from graphs.groups import labels_for

    seeds = write(tmp_path, "sites.csv", "url\nhttps://a.gouv.fr\n")
    write(tmp_path, "themes.csv", "id,label\nX1,\n")
    write(tmp_path, "life_events.csv", "not,a,vocabulary\n")  # unreadable: ignored
    labels = labels_near(seeds)
    assert labels_for(["X1", "X2", "N19803"], labels) == ["X1", "X2", "Argent - Impôts - Consommation"]


def test_theme_order_takes_one_file_first_next_to_the_seed_list(tmp_path: Path) -> None:
    bundled = list(read_labels(THEMES_CSV))
    assert len(bundled) == 11 and theme_order() == theme_order(None) == bundled
    seeds = write(tmp_path, "sites.csv", "url\nhttps://a.gouv.fr\n")
    assert theme_order(seeds) == bundled
    write(tmp_path, "themes.csv", "id,code\nT9,x\n")  # no labels: the bundled order
    assert theme_order(seeds) == bundled
    write(tmp_path, "themes.csv", "id,label\nT9,Neuf\nN19806,Travail\n")
    assert theme_order(seeds) == ["T9", "N19806"]  # not merged with the bundled ids
