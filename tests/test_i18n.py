"""Texts in French and English: catalogs complete and compiled, evidence of every reason code, formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from graphs.analysis import analyse
from graphs.catalogs import check, compile_catalogs
from graphs.findings import CODES
from graphs.i18n import LOCALE_DIR, _, format_number, format_time, ngettext, using_language
from graphs.relevance import Relevance
from tests.test_cli import make_store


def test_catalogs_translate_every_text_and_are_compiled() -> None:
    """Fails when a wrapped text has no French translation, or the .mo is older than the .po:
    run ``python -m graphs.catalogs update``, translate, then ``python -m graphs.catalogs compile``."""
    assert check() == []


def test_the_check_fails_on_a_missing_translation_and_on_a_stale_mo(tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    po = locale / "fr" / "LC_MESSAGES" / "govlinks.po"
    text = po.read_text(encoding="utf-8")
    changed = text.replace('msgstr "aucun autre site de la liste ne pointe vers lui"', 'msgstr ""')
    assert changed != text
    po.write_text(changed, encoding="utf-8")
    problems = check(locale)
    assert f"{po}: no translation of 'no other seed site links to it'" in problems
    assert f"{po.with_suffix('.mo')}: older than govlinks.po (python -m graphs.catalogs compile)" in problems
    compile_catalogs(locale)
    assert check(locale) == [f"{po}: no translation of 'no other seed site links to it'"]
    po.write_text(text.replace("ne pointe vers lui", "ne pointe vers {lui}", 1), encoding="utf-8")
    compile_catalogs(locale)
    assert any("has other placeholders" in p for p in check(locale))


def test_the_language_is_a_context() -> None:
    assert _("sites flagged") == "sites flagged"
    with using_language("fr"):
        assert _("sites flagged") == "sites signalés"
        assert ngettext("{n} page", "{n} pages", 0) == "{n} page"  # French: 0 is singular
        with using_language("en"):
            assert _("sites flagged") == "sites flagged"
        assert CODES["orphan"] == "aucun autre site de la liste ne pointe vers lui"
    assert CODES["orphan"] == "no other seed site links to it"
    with pytest.raises(ValueError, match="unknown language 'de'"), using_language("de"):
        pass


def test_numbers_and_dates_follow_the_language() -> None:
    assert [format_number(v, s) for v, s in ((1204270, ","), (0.374, ".0%"), (75.94, ".1f"))] == [
        "1,204,270", "37%", "75.9"]  # fmt: skip
    assert format_time("2026-01-15T23:30:00+00:00") == "2026-01-15T23:30:00+00:00"
    with using_language("fr"):
        assert [format_number(v, s) for v, s in ((1204270, ","), (0.374, ".0%"), (75.94, ".1f"))] == [
            "1\u202f204\u202f270", "37\xa0%", "75,9"]  # fmt: skip
        # Europe/Paris: UTC+1 in winter, UTC+2 in summer
        assert format_time("2026-01-15T23:30:00+00:00") == "16 janvier 2026 à 00:30"
        assert format_time("2026-07-15T08:00:00") == "15 juillet 2026 à 10:00"
        assert format_number(None) == "–" and format_time(None, missing="?") == "?"


def _graph() -> nx.DiGraph:
    """One site or more for every reason code (and every kind of uncrawled site)."""
    G = nx.DiGraph()
    G.add_node("a.fr", themes=("T1",), status="ok", html_pages=4)
    G.add_node("b.fr", themes=("T1",), status="ok", html_pages=3)
    G.add_node("c.fr", themes=("T1", "T2"), life_events=("E1",), status="ok", html_pages=1)
    G.add_node("d.fr", status="ok", html_pages=2)
    G.add_node("e.fr", status="ok", html_pages=5)
    G.add_node("u1.fr", status="unreachable")
    G.add_node("u2.fr", status="robots")
    G.add_node("u3.fr", status="homepage_error", homepage_status=500)
    G.add_node("u4.fr", status="no_html", pages=1)
    G.add_node("u5.fr", status="not_crawled")
    e = {
        "weight": 2,
        "links": 3,
        "targets": 2,
        "deep": 0,
        "template_pages": 2,
        "content_pages": 0,
        "broken": 0,
    }
    G.add_edge("a.fr", "b.fr", **e)  # b: homepage_only, template_only
    G.add_edge("d.fr", "a.fr", **{**e, "deep": 1, "content_pages": 1, "broken": 1})
    G.add_edge("e.fr", "a.fr", **{**e, "deep": 2, "content_pages": 2})
    G.add_edge("b.fr", "d.fr", **{**e, "deep": 1, "content_pages": 1})
    return G


EXTERNAL = pd.DataFrame({
    "source": ["a.fr", "a.fr"], "target_norm": ["old.fr/", "dead.fr/"],
    "target_url": ["http://old.fr/", "http://dead.fr/"], "pages": [2, 1], "status": [200, None],
    "final_url": ["https://new.fr/", None], "redirect_status": [301, None],
    "error": [None, "connection: DownloadFailedError: [<twisted.python.failure.Failure "
                    "twisted.internet.error.ConnectionDone>]"],
})  # fmt: skip


def _relevance() -> Relevance:
    """e.fr: 5 of its 6 scored content links are about another topic than their target."""
    figures = {"out_scored": 6, "out_relevant": 1, "out_relevant_share": 1 / 6,
               "in_scored": 0, "in_relevant": 0,
               "in_relevant_share": float("nan"), "examples": [["https://a.fr/ (impôts)"]]}  # fmt: skip

    sites = pd.DataFrame(figures, index=pd.Index(["e.fr"], name="site"))
    return Relevance(links=pd.DataFrame(), edges=pd.DataFrame(), sites=sites, threshold=0.1)


BROKEN = pd.DataFrame({"source": ["d.fr"], "target_url": ["https://a.fr/gone"], "status": [None],
                       "error": ["timeout: no answer within 30s"]})  # fmt: skip

EVIDENCE = {
    "en": {
        ("a.fr", "no_group_inbound"): (
            "none of its 2 crawled peers (sites sharing Travail) links to it; 2 other sites link to it"
        ),
        ("a.fr", "links_to_retired"): (
            "links to 2 retired URLs: http://old.fr/ (moved for good to https://new.fr/); "
            "http://dead.fr/ (no answer: connection)"
        ),
        ("b.fr", "no_group_outbound"): (
            "links to none of its 2 peers (sites sharing Travail); it links to 1 other site"
        ),
        ("b.fr", "homepage_only"): "1 site links to it (2 pages), all to its homepage: no deep link",
        ("b.fr", "template_only"): (
            "1 site links to it (2 pages), always from headers, menus or footers, never from content"
        ),
        ("c.fr", "orphan"): "none of the 4 other crawled sites links to it",
        ("c.fr", "dead_end"): "none of its 1 crawled HTML page links to another seed site",
        ("c.fr", "no_group_inbound"): (
            "none of its 2 crawled peers (sites sharing Travail, T2, E1) links to it; nor does any other site"
        ),
        ("c.fr", "no_group_outbound"): (
            "links to none of its 2 peers (sites sharing Travail, T2, E1); nor to any other site"
        ),
        ("d.fr", "broken_outlinks"): (
            "1 of the 2 URLs it links to in other seed sites are broken (50%), e.g. "
            "https://a.fr/gone (timeout)"
        ),
        ("e.fr", "orphan"): "none of the 4 other crawled sites links to it",
        ("e.fr", "off_topic_links"): (
            "5 of its 6 content links to other seed sites (83%) are about other topics than the pages they "
            "point to, e.g. https://a.fr/ (impôts)"
        ),
        ("u1.fr", "uncrawled"): "the homepage did not answer",
        ("u2.fr", "uncrawled"): "robots.txt forbids crawling the homepage",
        ("u3.fr", "uncrawled"): "the homepage answered HTTP 500",
        ("u4.fr", "uncrawled"): "no HTML page among its 1 page",
        ("u5.fr", "uncrawled"): "not crawled in this run (not selected with --site)",
    },
    "fr": {
        ("a.fr", "no_group_inbound"): (
            "aucun de ses 2 pairs explorés (sites partageant Travail) ne pointe vers lui ; 2 "
            "autres sites pointent vers lui"
        ),
        ("a.fr", "links_to_retired"): (
            "pointe vers 2 URL retirées : http://old.fr/ (déménagée définitivement vers "
            "https://new.fr/); http://dead.fr/ (pas de réponse : connexion interrompue)"
        ),
        ("b.fr", "no_group_outbound"): (
            "ne pointe vers aucun de ses 2 pairs (sites partageant Travail) ; il pointe vers 1 autre site"
        ),
        ("b.fr", "homepage_only"): (
            "1 site pointe vers lui (2 pages), tous vers sa page d'accueil : aucun lien profond"
        ),
        ("b.fr", "template_only"): (
            "1 site pointe vers lui (2 pages), toujours depuis des en-têtes, menus ou pieds "
            "de page, jamais depuis le contenu"
        ),
        ("c.fr", "orphan"): "aucun des 4 autres sites explorés ne pointe vers lui",
        ("c.fr", "dead_end"): "sa 1 page HTML explorée ne pointe vers aucun autre site de la liste",
        ("c.fr", "no_group_inbound"): (
            "aucun de ses 2 pairs explorés (sites partageant Travail, T2, E1) ne pointe vers "
            "lui ; aucun autre site non plus"
        ),
        ("c.fr", "no_group_outbound"): (
            "ne pointe vers aucun de ses 2 pairs (sites partageant Travail, T2, E1) ; ni "
            "vers aucun autre site"
        ),
        ("d.fr", "broken_outlinks"): (
            "URL cassées : 1 sur les 2 qu'il cite dans d'autres sites de la liste (50\xa0%), "
            "par exemple https://a.fr/gone (délai dépassé)"
        ),
        ("e.fr", "orphan"): "aucun des 4 autres sites explorés ne pointe vers lui",
        ("e.fr", "off_topic_links"): (
            "5 de ses 6 liens de contenu vers d'autres sites de la liste (83%) portent sur d'autres sujets "
            "que les pages visées, par exemple https://a.fr/ (impôts)"
        ),
        ("u1.fr", "uncrawled"): "la page d'accueil n'a pas répondu",
        ("u2.fr", "uncrawled"): "robots.txt interdit d'explorer la page d'accueil",
        ("u3.fr", "uncrawled"): "la page d'accueil a répondu HTTP 500",
        ("u4.fr", "uncrawled"): "aucune page HTML parmi sa 1 page",
        ("u5.fr", "uncrawled"): "non exploré lors de ce crawl (non choisi avec --site)",
    },
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_evidence_of_every_reason_code(lang: str) -> None:
    with using_language(lang):
        a = analyse(_graph(), hub="a.fr", external=EXTERNAL, broken_examples=BROKEN, labels={"T1": "Travail"},
                    checked=True, relevance=_relevance())  # fmt: skip
    got = {(r.site, r.code): r.evidence for r in a.findings.itertuples()}
    assert got == EVIDENCE[lang]
    assert {code for _, code in got} == set(CODES)  # every reason code is shown
    assert not any("Failure" in text or "twisted" in text for text in got.values())


def test_commands_speak_french_unless_asked(tmp_path: Path) -> None:
    db = make_store(tmp_path / "g.db")
    runner = CliRunner()
    fr = runner.invoke(main, ["report", "--db", str(db)], catch_exceptions=False)
    en = runner.invoke(main, ["report", "--db", str(db), "--lang", "en"], catch_exceptions=False)
    assert fr.exit_code == en.exit_code == 0
    assert fr.output.startswith("rapport govlinks — crawl 1 (terminé, fin le ")
    assert "Sites signalés, les moins bien intégrés d'abord" in fr.output
    assert en.output.startswith("govlinks report — crawl 1 (finished, finished 2026-")
    bad = runner.invoke(main, ["report", "--db", str(db), "--lang", "de"])
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: Invalid value for '--lang'")
    html = tmp_path / "r.html"
    assert (
        runner.invoke(main, ["report", "--db", str(db), "--format", "html", "-o", str(html)]).exit_code == 0
    )
    page = html.read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Les sites publics se citent-ils" in page
