from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.errors import SeedError
from crawler.seeds import load_seeds


def write(tmp_path: Path, text: str, name: str = "seeds.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_sites_and_annotations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "url,name,organisation,themes,life_events\n"
        "https://www.impots.gouv.fr/,Impots,Ministère des Finances,N19803,F14128|F16225\n"
        "https://www.economie.gouv.fr/dgccrf/,DGCCRF,Ministère des Finances,,\n"
        "\n"
        "http://Service-Public.fr,Service Public,Premier ministre, N19803 | N19810 ,\n",
    )
    seeds = load_seeds(path)
    assert [s.site for s in seeds] == ["impots.gouv.fr", "economie.gouv.fr/dgccrf", "service-public.fr"]
    impots = seeds.by_site()["impots.gouv.fr"]
    assert impots.life_events == ("F14128", "F16225")
    assert impots.line == 2
    assert seeds.by_site()["service-public.fr"].themes == ("N19803", "N19810")
    assert seeds.by_site()["service-public.fr"].line == 5
    assert len(seeds.sha256) == 64


def test_url_only_header_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes("\ufeffurl\nhttps://a.gouv.fr\n".encode())
    assert [s.site for s in load_seeds(path)] == ["a.gouv.fr"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.csv:1: empty seed file"),
        ("name,organisation\nA,B\n", "s.csv:1: no 'url' column"),
        ("url,name\n,Nameless\n", "s.csv:2: missing url"),
        ("url\nhttps://a.gouv.fr\nimpots.gouv.fr\n", "s.csv:3: bad URL 'impots.gouv.fr'"),
        ("url\nftp://a.gouv.fr\n", "s.csv:2: bad URL 'ftp://a.gouv.fr'"),
        ("url\nhttps://a.gouv.fr/x y\n", "s.csv:2: bad URL"),
        ("url\nhttp://a.gouv.fr:99999/\n", "s.csv:2: bad URL"),
        (
            "url\nhttps://www.a.gouv.fr/\nhttp://A.gouv.fr\n",
            "s.csv:3: duplicate site 'a.gouv.fr' (already defined on line 2)",
        ),
        ("url,name\nhttps://a.gouv.fr,A,extra\n", "s.csv:2: more fields than the header has"),
        ("url\n\n\n", "s.csv: no sites in seed file"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text, "s.csv")
    with pytest.raises(SeedError) as err:
        load_seeds(path)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))
    assert "\n" not in str(err.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="seed file not found"):
        load_seeds(tmp_path / "nope.csv")
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"url\n\xff\xfe\x00")
    with pytest.raises(SeedError, match="not UTF-8"):
        load_seeds(bad)


def test_idn_hosts_may_be_written_in_unicode_or_punycode(tmp_path: Path) -> None:
    path = write(tmp_path, "url\nhttps://Égalité-Handicap.gouv.fr/\nhttps://xn--sant-demo-e4a.gouv.fr/x/\n")
    seeds = load_seeds(path)
    assert [s.site for s in seeds] == ["xn--galit-handicap-9jbf.gouv.fr", "xn--sant-demo-e4a.gouv.fr/x"]
    assert seeds.seeds[0].url == "https://Égalité-Handicap.gouv.fr/"  # as written
    # one site, whichever way it is written
    twice = write(
        tmp_path, "url\nhttps://égalité-handicap.gouv.fr\nhttps://www.xn--galit-handicap-9jbf.gouv.fr/\n"
    )
    with pytest.raises(
        SeedError, match=re.escape("seeds.csv:3: duplicate site 'xn--galit-handicap-9jbf.gouv.fr'")
    ):
        load_seeds(twice)
