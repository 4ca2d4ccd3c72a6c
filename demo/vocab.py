"""Words of the demo web: host names, section titles and filler text, per theme of the
seed vocabulary.

The theme and life-event ids come from the vocabularies shipped with govlinks, read
by :func:`seeds.vocabulary.load_vocabulary`, so that a generated seed list uses the
same ids as the real one and the report labels them the same way. Everything else
is invented: every host name ends in ``-exemple`` so that nobody mistakes demo
output for a survey of real sites.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["DEEP_WORDS", "HOST_WORDS", "QUALIFIERS", "host_words", "sentences", "slugify"]

# Words for host names and section titles, per theme id of the seed vocabulary.
HOST_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "N19803": (
        ("budget", "finances-publiques", "consommation", "epargne", "surendettement", "douane"),
        ("Impôts", "Banque", "Consommation", "Crédit", "Épargne", "Assurance", "Douane"),
    ),
    "N19804": (
        ("etrangers", "visas", "francais-etranger", "naturalisation", "europe"),
        ("Titres de séjour", "Visas", "Naturalisation", "Français à l'étranger", "Europe"),
    ),
    "N19805": (
        ("famille", "enfance", "scolarite", "etudiant", "parentalite", "succession"),
        ("Couple", "Enfant", "Scolarité", "Études supérieures", "Protection", "Décès"),
    ),
    "N19806": (
        ("emploi", "travail", "formation-pro", "apprentissage", "metiers", "retraite"),
        ("Recrutement", "Rémunération", "Contrats", "Congés", "Formation", "Retraite"),
    ),
    "N19807": (
        ("justice", "droit", "victimes", "mediation", "tribunaux"),
        ("Procédures", "Infractions", "Sanctions", "Préjudice", "Mineurs", "Médiation"),
    ),
    "N19808": (
        ("logement", "habitat", "renovation", "copropriete", "urbanisme", "hlm"),
        ("Achat", "Aides financières", "Location", "Copropriété", "Urbanisme", "Travaux"),
    ),
    "N19809": (
        ("sports", "culture", "vacances", "patrimoine", "loisirs", "chasse-peche"),
        ("Sport", "Culture", "Vacances", "Patrimoine", "Chasse et pêche", "Animaux"),
    ),
    "N19810": (
        ("papiers", "etat-civil", "elections", "citoyennete", "identite"),
        ("État civil", "Identité", "Élections", "Citoyenneté", "Vie privée", "Démarches"),
    ),
    "N19811": (
        ("sante", "solidarites", "handicap", "prevention", "social", "assurance-maladie"),
        ("Aides sociales", "Chômage", "Sécurité sociale", "Santé", "Handicap", "Hébergement"),
    ),
    "N19812": (
        ("transports", "mobilite", "permis", "securite-routiere", "vehicules"),
        ("Permis", "Véhicules", "Sécurité routière", "Transports", "Vélo", "Stationnement"),
    ),
}
GENERIC_WORDS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("portail", "services", "information", "demarches", "observatoire", "agence"),
    ("Actualités", "Démarches", "Publications", "Contact", "Missions", "Données"),
)
QUALIFIERS = (
    "", "info", "paris", "normandie", "bretagne", "occitanie", "grand-est", "hauts-de-france",
    "auvergne", "provence", "aquitaine", "centre", "bourgogne", "pays-de-la-loire", "corse",
    "guyane", "reunion", "martinique", "jeunes", "seniors", "pro", "particuliers", "agents",
    "numerique", "national", "regional", "territoires", "outre-mer",
)  # fmt: skip
DEEP_WORDS = (
    "demarches", "conditions", "formulaire", "simulateur", "questions-frequentes", "montant",
    "beneficiaires", "pieces-justificatives", "delais", "recours", "calendrier", "contacts",
    "guide", "fiche-pratique", "textes-de-reference", "publications", "statistiques", "faq",
)  # fmt: skip

_SUBJECTS = (
    "Le demandeur", "Votre dossier", "La démarche", "Cette aide", "Le service", "L'administration",
    "Chaque bénéficiaire", "Votre conseiller", "Le formulaire", "La plateforme en ligne",
)  # fmt: skip
_VERBS = (
    "doit être complété avant", "peut être consulté après", "est instruit dans un délai fixé par",
    "ouvre des droits selon", "dépend notamment de", "reste accessible pendant",
    "est transmis automatiquement à", "peut faire l'objet d'un recours auprès de",
)  # fmt: skip
_OBJECTS = (
    "la date de dépôt de la demande", "la situation familiale du foyer", "l'organisme compétent",
    "la commune de résidence", "les ressources de l'année précédente", "le service instructeur",
    "la caisse dont vous relevez", "la préfecture du département", "la durée prévue par les textes",
)  # fmt: skip
_TAILS = (
    "", " Les pièces justificatives sont listées ci-dessous.", " Un accusé de réception vous est adressé.",
    " Le délai court à compter de la réception du dossier complet.", " Aucune démarche n'est à refaire.",
)  # fmt: skip


def host_words(theme: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(host name words, section titles) for a theme id; generic ones for others."""
    return HOST_WORDS.get(theme or "", GENERIC_WORDS)


def sentences(n: int, seed: int) -> list[str]:
    """``n`` deterministic sentences of administrative French, for page text."""
    out = []
    for i in range(n):
        k = seed + i * 7919
        out.append(
            f"{_SUBJECTS[k % len(_SUBJECTS)]} {_VERBS[(k // 3) % len(_VERBS)]} "
            f"{_OBJECTS[(k // 11) % len(_OBJECTS)]}.{_TAILS[(k // 5) % len(_TAILS)]}"
        )
    return out


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """ASCII slug of a title, for paths.

    >>> slugify("Études supérieures & Santé")
    'etudes-superieures-sante'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
