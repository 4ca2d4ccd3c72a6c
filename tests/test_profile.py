"""Text profiles of pages and the words around links (crawler/profile.py), on built and real markup."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from crawler.links import anchor_text, extract_links, page_title
from crawler.profile import MAX_CONTEXT, MAX_PROFILE, link_context, page_profile

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real-html"


def parse(html: str | bytes) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html)


PAGE = """<html><head><title>Aides au logement</title>
<meta name="description" content="Tout sur les aides au logement."></head><body>
<header role="banner"><h2>Ministère</h2><a href="/">Accueil</a></header>
<div role="navigation"><h3>Menu</h3>Emploi Famille</div>
<main><h1>Les aides</h1><!-- a comment --><p>Le montant dépend <b>du loyer</b> et des ressources.</p>
<script>var x = "pas du texte";</script><style>p{}</style><nav>Plan du site</nav>
<h2>Qui peut en bénéficier ?</h2><p>Les locataires.</p><button>Imprimer</button></main>
<footer><h2>Liens</h2>Mentions légales</footer></body></html>"""


def test_profile_lines_leave_out_templates_scripts_and_controls() -> None:
    root = parse(PAGE)
    assert page_profile(root, page_title(root)).split("\n") == [
        "Aides au logement",
        "Tout sur les aides au logement.",
        "Les aides · Qui peut en bénéficier ?",
        "Les aides Le montant dépend du loyer et des ressources. Qui peut en bénéficier ? Les locataires.",
    ]


def test_profile_without_main_takes_the_body_and_is_bounded() -> None:
    words = " ".join(f"mot{i}" for i in range(2000))
    root = parse(f"<html><body><nav>menu</nav><div><p>{words}</p></div><footer>pied</footer></body></html>")
    profile = page_profile(root)
    assert len(profile) == MAX_PROFILE
    # One line per field, empty ones kept: relevance weighs the title and headings lines.
    assert profile.startswith("\n\n\nmot0 mot1 ") and "menu" not in profile and "pied" not in profile
    assert page_profile(parse("<html><body><p>court</p></body></html>"), limit=5) == "\n\n\nco"
    assert page_profile(parse("<html><body><nav>menu</nav></body></html>")) == ""
    assert page_profile(parse("<p>x</p>"), "T") == "T\n\n\nx"  # a fragment: lxml adds the body


def test_role_main_and_og_description() -> None:
    root = parse(
        '<html><head><meta property="og:description" content="Résumé"></head><body>'
        '<div role="main"><h3>Titre</h3>texte</div><p>hors du contenu</p></body></html>'
    )
    assert page_profile(root, "") == "\nRésumé\nTitre\nTitre texte"


def test_link_context_is_the_block_around_the_link_without_it() -> None:
    root = parse(
        "<div><p>Pour déménager, consultez <a href='https://a/'>le guide</a> en ligne.</p>"
        "<ul><li><a href='https://b/'>Seul dans son item</a></li></ul>"
        "<table><tr><td>Formulaire : <a href='https://c/'><img alt='cerfa'></a></td></tr></table>"
        "<a href='https://d/'>hors bloc</a></div>"
    )
    links = root.findall(".//a")
    got = [link_context(a, anchor_text(a)) for a in links]
    assert got == ["Pour déménager, consultez … en ligne.", None, "Formulaire :", None]
    long = "mot " * 200
    el = parse(f"<p>{long}<a href='x'>ici</a>{long}</p>").find(".//a")
    context = link_context(el, "ici") or ""
    assert context.startswith("mot ") and " … mot" in context and len(context) <= MAX_CONTEXT
    assert not context.endswith(" ")


def test_real_page_profile_and_contexts() -> None:
    root = parse((FIXTURES / "la-demission.html").read_bytes())
    title = page_title(root)
    profile = page_profile(root, title)
    lines = profile.split("\n")
    assert lines[0] == "La démission | Travail-emploi.gouv.fr | Ministère du Travail et de l’Emploi"
    assert lines[1].startswith("La démission permet au salarié de rompre son contrat de travail")
    assert lines[2].startswith("La démission · À savoir ! · Quelles sont les conditions de validité")
    assert len(profile) == MAX_PROFILE
    # The mega-menu (in <nav>) and the footer are not the page's text.
    for menu in ("Actualités et brèves", "Dialogue social", "Mentions légales", "Plan du site"):
        assert menu not in profile
    content = [
        link
        for link in extract_links(root, "https://travail-emploi.gouv.fr/la-demission")
        if not link.template and "travail-emploi" not in link.url
    ]
    assert len(content) == 12
    first = content[0]
    assert first.url == "https://www.legifrance.gouv.fr/juri/id/JURITEXT000043005063"
    context = link_context(first.element, anchor_text(first.element)) or ""
    assert "salarié « protégé »" in context and "Si la demande est rejetée" in context


def test_real_page_with_headings_in_lists() -> None:
    root = parse((FIXTURES / "h2-in-list.html").read_bytes())
    lines = page_profile(root, page_title(root)).split("\n")
    assert lines[1] == ""  # no meta description
    assert lines[2].startswith("La prévention des chutes de hauteur · Données générales")
    assert "La chute de hauteur se caractérise" in lines[3]
