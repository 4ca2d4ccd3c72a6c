from __future__ import annotations

import pytest

from crawler.urls import SiteIndex, host_key, normalize_url, site_host, site_id


@pytest.mark.parametrize(
    ("url", "norm"),
    [
        ("https://www.impots.gouv.fr/portail/", "impots.gouv.fr/portail/"),
        ("http://IMPOTS.gouv.fr", "impots.gouv.fr/"),
        ("HTTPS://Www.Impots.Gouv.Fr:443/a?b=1#frag", "impots.gouv.fr/a?b=1"),
        ("http://impots.gouv.fr:80/a", "impots.gouv.fr/a"),
        ("http://impots.gouv.fr:8080/a", "impots.gouv.fr:8080/a"),
        ("https://impots.gouv.fr:80/a", "impots.gouv.fr:80/a"),
        ("http://impots.gouv.fr./a", "impots.gouv.fr/a"),
        ("  https://x.gouv.fr/a b  ", "x.gouv.fr/a b"),
        ("https://x.gouv.fr/démarches/été?q=à", "x.gouv.fr/d%C3%A9marches/%C3%A9t%C3%A9?q=%C3%A0"),
        ("https://www.préfecture.gouv.fr/", "xn--prfecture-c4a.gouv.fr/"),
        ("mailto:contact@x.gouv.fr", None),
        ("tel:+33100000000", None),
        ("javascript:void(0)", None),
        ("ftp://x.gouv.fr/file", None),
        ("/relative/path", None),
        ("http://", None),
        ("http://x.gouv.fr:99999/", None),
        ("http://[::1/", None),
    ],
)
def test_normalize_url(url: str, norm: str | None) -> None:
    assert normalize_url(url) == norm


def test_variants_share_one_norm() -> None:
    variants = [
        "http://x.gouv.fr/a",
        "https://x.gouv.fr/a",
        "https://www.x.gouv.fr/a",
        "HTTP://WWW.X.GOUV.FR/a#top",
        "https://x.gouv.fr:443/a",
    ]
    assert {normalize_url(v) for v in variants} == {"x.gouv.fr/a"}


def test_path_case_and_query_are_kept() -> None:
    assert normalize_url("https://x.gouv.fr/A") != normalize_url("https://x.gouv.fr/a")
    assert normalize_url("https://x.gouv.fr/a?p=2") != normalize_url("https://x.gouv.fr/a?p=1")


@pytest.mark.parametrize(
    ("url", "sid"),
    [
        ("https://www.economie.gouv.fr/dgccrf/", "economie.gouv.fr/dgccrf"),
        ("https://www.economie.gouv.fr/", "economie.gouv.fr"),
        ("http://Service-Public.fr", "service-public.fr"),
        ("http://127.0.0.1:8080/site", "127.0.0.1:8080/site"),
        ("https://x.gouv.fr/a/b?q=1", "x.gouv.fr/a/b"),
        ("not a url", None),
    ],
)
def test_site_id(url: str, sid: str | None) -> None:
    assert site_id(url) == sid


def test_host_key_and_slot() -> None:
    assert host_key("WWW.Example.gouv.fr.", 443, "https") == "example.gouv.fr"
    assert host_key("example.gouv.fr", 8443, "https") == "example.gouv.fr:8443"
    assert site_host("economie.gouv.fr/dgccrf") == "economie.gouv.fr"


@pytest.fixture
def index() -> SiteIndex:
    return SiteIndex(
        [
            "impots.gouv.fr",
            "aide.impots.gouv.fr",
            "economie.gouv.fr",
            "economie.gouv.fr/dgccrf",
            "economie.gouv.fr/dgccrf/pages",
            "ministere.gouv.fr/emploi",
            "service-public.fr",
            "127.0.0.1:8080",
        ]
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # same host, longest path prefix
        ("https://www.economie.gouv.fr/dgccrf/pages/x", ("economie.gouv.fr/dgccrf/pages", True)),
        ("https://economie.gouv.fr/dgccrf/x", ("economie.gouv.fr/dgccrf", True)),
        ("https://economie.gouv.fr/dgccrf", ("economie.gouv.fr/dgccrf", True)),
        ("https://economie.gouv.fr/dgccrf?x=1", ("economie.gouv.fr/dgccrf", True)),
        # a prefix matches whole path segments only
        ("https://economie.gouv.fr/dgccrfx", ("economie.gouv.fr", True)),
        ("https://economie.gouv.fr/", ("economie.gouv.fr", True)),
        # same host but outside every prefix, no whole-host seed: attributed, not crawled
        ("https://ministere.gouv.fr/logement", ("ministere.gouv.fr/emploi", False)),
        ("https://ministere.gouv.fr/emploi/offres", ("ministere.gouv.fr/emploi", True)),
        # registered-domain fallback (gouv.fr is a public suffix)
        ("https://mobile.aide.impots.gouv.fr/x", ("aide.impots.gouv.fr", True)),
        ("https://cfspart.impots.gouv.fr/LoginMDP", ("impots.gouv.fr", True)),
        ("https://www.aide.impots.gouv.fr/", ("aide.impots.gouv.fr", True)),
        ("https://annuaire.service-public.fr/", ("service-public.fr", True)),
        # a prefix-only host is not a parent
        ("https://sub.ministere.gouv.fr/", (None, False)),
        # other registered domains
        ("https://legifrance.gouv.fr/", (None, False)),
        ("https://gouv.fr/", (None, False)),
        ("https://impots.fr/", (None, False)),
        # ports are part of the host
        ("http://127.0.0.1:8080/a", ("127.0.0.1:8080", True)),
        ("http://127.0.0.1:9090/a", (None, False)),
    ],
)
def test_attribution(index: SiteIndex, url: str, expected: tuple[str | None, bool]) -> None:
    norm = normalize_url(url)
    assert norm is not None
    assert index.attribute(norm) == expected


def test_attribution_is_stable_across_variants(index: SiteIndex) -> None:
    urls = [
        "http://aide.impots.gouv.fr/x",
        "https://WWW.AIDE.impots.gouv.fr/x",
        "https://aide.impots.gouv.fr:443/x",
    ]
    assert {index.attribute(normalize_url(u) or "") for u in urls} == {("aide.impots.gouv.fr", True)}


def test_contains(index: SiteIndex) -> None:
    assert "economie.gouv.fr/dgccrf" in index
    assert "economie.gouv.fr/other" not in index


def test_non_ascii_url_loses_its_trailing_space_before_query_and_fragment() -> None:
    """Found by the property test: escaped, the space became a %20 that no ASCII norm has."""
    norms = {
        normalize_url(u)
        for u in (
            "http://impots.gouv.fr/à ",
            "http://impots.gouv.fr/à ;jsessionid=F00D",
            "http://impots.gouv.fr/à ?sid=123abc",
            "HTTP://IMPOTS.GOUV.FR/à #top",
        )
    }
    assert norms == {"impots.gouv.fr/%C3%A0"}
