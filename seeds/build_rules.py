"""The rules of seeds/build_sites.py, as data: which hosts are State sites, which
ministry each belongs to, and which themes and life events it serves.

Edit these tables, not the script, when a site moves, merges or is misplaced;
then rerun ``python seeds/build_sites.py`` (see seeds/README.md).
"""

from __future__ import annotations

import re

HUB = "service-public.fr"  # the default hub of reports; now redirects to service-public.gouv.fr
HUB_ALIASES = {"service-public.gouv.fr"}  # folded into the hub: one row, not two sites

ECO = "Ministère de l'Économie et des Finances"
INT = "Ministère de l'Intérieur"
ECOLO = "Ministère de la Transition écologique"
TERR = "Ministère de la Cohésion des territoires"
TRAV = "Ministère du Travail"
SANTE = "Ministère de la Santé et des Solidarités"
EDUC = "Ministère de l'Éducation nationale"
ESR = "Ministère de l'Enseignement supérieur et de la Recherche"
JUST = "Ministère de la Justice"
ARM = "Ministère des Armées"
MEAE = "Ministère de l'Europe et des Affaires étrangères"
CULT = "Ministère de la Culture"
AGRI = "Ministère de l'Agriculture"
SPORT = "Ministère des Sports"
OM = "Ministère des Outre-mer"
PM = "Premier ministre"
PR = "Présidence de la République"
AAI = "Autorités et juridictions indépendantes"
FP = "Ministère de la Fonction publique"

# 2019 ministries of the Kumu map -> stable portfolio names (the 2019 titles are gone).
MINISTRY_2019 = {
    "Ministère de la Transition écologique et solidaire": ECOLO,
    "Ministère de l'Action et des Comptes publics": ECO,
    "Ministère de l'Intérieur": INT,
    "Premier ministre": PM,
    "Ministère des Armées": ARM,
    "Ministère de la Culture": CULT,
    "Ministère de l'Agriculture et de l'Alimentation": AGRI,
    "Ministère de l'Économie et des Finances": ECO,
    "Ministère des Solidarités et de la Santé": SANTE,
    "Ministère de la Justice": JUST,
    "Ministère de la Cohésion des territoires et des Relations avec les collectivités territoriales": TERR,
    "Ministère du Travail": TRAV,
    "Ministère de l'Europe et des Affaires étrangères": MEAE,
    "Ministère des Sports": SPORT,
    "Ministère de l'Éducation nationale et de la Jeunesse": EDUC,
    "Ministère de l'Enseignement supérieur, de la Recherche et de l'Innovation": ESR,
    "Président de la République française": PR,
    "Ministère des Outre-mer": OM,
}
# 2019 parent bodies that answer to someone else than their 2019 ministry.
PARENT_2019 = {
    "Préfecture": INT,
    "Préfecture maritime": ARM,
    "Etalab": PM,  # DINUM, under the Prime Minister's authority since 2019
    "Direction interministérielle du numérique et du système d'information et de communication "
    "de l'État (DINSIC)": PM,
    "Direction interministérielle de la transformation publique (DITP)": PM,
}

# Organisations of hosts the lists do not place; suffix match (host or its parents).
# fmt: off
ORG_HOSTS = {
    HUB: PM, "legifrance.gouv.fr": PM, "vie-publique.fr": PM, "gouvernement.fr": PM, "info.gouv.fr": PM,
    "bodacc.fr": PM, "boamp.fr": PM, "elysee.fr": PR, "ameli.fr": SANTE, "caf.fr": SANTE, "msa.fr": SANTE,
    "lassuranceretraite.fr": SANTE, "cleiss.fr": SANTE, "securite-sociale.fr": SANTE, "cnsa.fr": SANTE,
    "rafp.fr": ECO, "fondsdegarantie.fr": JUST, "inc-conso.fr": ECO, "insee.fr": ECO, "ugap.fr": ECO,
    "caissedesdepots.fr": ECO, "cades.fr": ECO, "iedom.fr": ECO, "inpi.fr": ECO, "francetravail.fr": TRAV,
    "afpa.fr": TRAV, "agefiph.fr": TRAV, "francecompetences.fr": TRAV, "epide.fr": TRAV, "anact.fr": TRAV,
    "inrs.fr": TRAV, "centre-inffo.fr": TRAV, "campusfrance.org": MEAE, "afd.fr": MEAE,
    "expertisefrance.fr": MEAE, "ambafrance.org": MEAE, "legiondhonneur.fr": PR, "onac-vg.fr": ARM,
    "ecpad.fr": ARM, "le-sma.com": OM, "devenir-aviateur.fr": ARM, "ihedn.fr": PM, "anil.org": TERR,
    "cnil.fr": AAI, "arcep.fr": AAI, "acnusa.fr": AAI, "cnccfp.fr": AAI, "cncdh.fr": AAI, "csa.fr": AAI,
    "arcom.fr": AAI, "hadopi.fr": AAI, "has-sante.fr": AAI, "autorite-statistique-publique.fr": AAI,
    "cada.fr": AAI, "defenseurdesdroits.fr": AAI, "cglpl.fr": AAI, "hautconseilclimat.fr": PM,
    "conseil-etat.fr": AAI, "ccomptes.fr": AAI, "cnda.fr": AAI, "courdecassation.fr": JUST,
    "justice.fr": JUST, "telerecours.fr": AAI, "civen.fr": ARM, "fiva.fr": SANTE, "oniam.fr": SANTE,
    "agence-adoption.fr": SANTE, "dondorganes.fr": SANTE, "drogues-info-service.fr": SANTE,
    "tabac-info-service.fr": SANTE, "alcool-info-service.fr": SANTE, "joueurs-info-service.fr": SANTE,
    "vaccination-info-service.fr": SANTE, "santepubliquefrance.fr": SANTE, "pourbienvieillir.fr": SANTE,
    "mangerbouger.fr": SANTE, "1000-premiers-jours.fr": SANTE, "cor-retraites.fr": PM, "hcfea.fr": PM,
    "cnis.fr": ECO, "cae-eco.fr": PM, "ancv.com": ECO, "atout-france.fr": ECO, "clauses-abusives.fr": ECO,
    "alerte-sante-environnement-deontologie.fr": ECOLO, "meteofrance.fr": ECOLO, "meteofrance.com": ECOLO,
    "ademe.fr": ECOLO, "brgm.fr": ESR, "cerema.fr": ECOLO, "ineris.fr": ECOLO, "ign.fr": ECOLO,
    "shom.fr": ARM, "vnf.fr": ECOLO, "onf.fr": AGRI, "educagri.fr": AGRI, "inrae.fr": ESR, "eaurmc.fr": ECOLO,
    "eau-loire-bretagne.fr": ECOLO, "conservatoire-du-littoral.fr": ECOLO, "enim.eu": ECOLO,
    "parcsnationaux.fr": ECOLO, "forets-parcnational.fr": ECOLO, "cnc.fr": CULT, "bnf.fr": CULT,
    "inrap.fr": CULT, "culture.fr": CULT, "monuments-nationaux.fr": CULT, "quaibranly.fr": CULT,
    "francearchives.fr": CULT, "mnhn.fr": ESR, "agencedusport.fr": SPORT, "insep.fr": SPORT, "afld.fr": AAI,
    "injep.fr": EDUC, "onisep.fr": EDUC, "cned.fr": EDUC, "education.fr": EDUC, "abes.fr": ESR,
    "cnrs.fr": ESR, "inserm.fr": ESR, "inria.fr": ESR, "cea.fr": ESR, "cnes.fr": ESR, "ird.fr": ESR,
    "ifremer.fr": ESR, "ifpenergiesnouvelles.fr": ECOLO, "ihest.fr": ESR, "dri.fr": INT,
    "demarches-simplifiees.fr": PM, "republique-numerique.fr": PM, "urbamet.com": ECOLO,
    "ansm.sante.fr": SANTE, "sante.fr": SANTE, "enm.justice.fr": JUST, "cours-appel.justice.fr": JUST,
    "lagendarmerierecrute.fr": INT, "gendinfo.fr": INT, "sengager.fr": ARM, "angdm.gouv.fr": ECOLO,
    "anses.fr": SANTE, "asp.gouv.fr": AGRI, "boss.gouv.fr": SANTE, "bougezautrement.gouv.fr": ECOLO,
    "declaration-manifestations.gouv.fr": INT, "retourvolontaire.fr": INT, "dreets.gouv.fr": TRAV,
    "fonction-publique.gouv.fr": FP, "place-emploi-public.gouv.fr": FP, "sidep.gouv.fr": SANTE,
    "dilcrah.gouv.fr": PM, "ensap.gouv.fr": ECO, "midi-pyrenees.gouv.fr": INT, "datara.gouv.fr": ECOLO,
    "anc.gouv.fr": ECO, "piste.gouv.fr": ECO, "cte.gouv.fr": ECOLO, "miqcp.gouv.fr": TERR,
    "cartes.gouv.fr": ECOLO, "hci.gouv.fr": PM, "info-financiere.gouv.fr": PM,
    "europe-en-france.gouv.fr": TERR, "horizon-europe.gouv.fr": ESR, "harkis.gouv.fr": ARM,
    "vigipirate.gouv.fr": PM, "japprendslamer.gouv.fr": ECOLO, "pass-jeux.gouv.fr": SPORT,
    "servicesalapersonne.gouv.fr": ECO, "internet-signalement.gouv.fr": INT, "grippe-aviaire.gouv.fr": AGRI,
    "qualite-tourisme.gouv.fr": ECO, "lesentreprises-sengagent.gouv.fr": TRAV,
    "prefectures-regions.gouv.fr": INT,
    # added by the evidence of the service-public fiches (seeds/build_evidence.py)
    "urssaf.fr": SANTE, "agirc-arrco.fr": SANTE, "aphp.fr": SANTE, "monespacesante.fr": SANTE,
    "notaires.fr": JUST, "tribunal-administratif.fr": AAI, "ofii.fr": INT, "reseau-canope.fr": EDUC,
    "cidj.com": EDUC, "orientation-pour-tous.fr": TRAV, "ifce.fr": AGRI, "chasseurdefrance.com": ECOLO,
}
# fmt: on

# Ministry by words of the host, for the gouv.fr hosts that no list places; first match wins.
ORG_RULES: list[tuple[str, str]] = [
    (
        r"prefecture|interieur|gendarmerie|police|securite-routiere|antai|ants\b|fr-alert|vigipirate|"
        r"immigration|maprocuration|jevote|elections|france-identite|premar",
        INT,
    ),
    (
        r"impots|finances|economie|douane|budget|dgccrf|tresor|payfip|amendes|achats|entreprises|"
        r"immobilier-etat|portailpro|lafrenchtech|peren|transparence-aide|tourisme",
        ECO,
    ),
    (
        r"diplomatie|diplo\b|consulat|francaisdeletranger|voteraletranger|aefe|europe|francophonie|"
        r"france-visas|conseilculturel",
        MEAE,
    ),
    (
        r"justice|victime|penitentiaire|anticorruption|derives-sectes|internet-signalement|"
        r"arretonslesviolences",
        JUST,
    ),
    (r"defense|armee|marine|garde-nationale|dgse|bmpm|imagesdefense|smv", ARM),
    (
        r"education|eduscol|ecole|jeunes|devenirenseignant|ih2ef|snu|associations|service-civique|"
        r"jeveuxaider|japprendslamer|pass-jeux|\bac-[a-z-]+\.fr$",
        EDUC,
    ),
    (r"enseignementsup|etudiant|parcoursup|monmaster|recherche|horizon-europe|sup-n", ESR),
    (
        r"travail|emploi|alternance|inclusion|embauche|competences|moncompteformation|demission|"
        r"nouvelles-chances|contrat|1jeune1solution|mentor|metiers|lesemploisdavenir",
        TRAV,
    ),
    (
        r"sante|solidarit|social|drd?jscs|medicament|handicap|autonomie|retraite|enfance|famille|personnes-agees|drogues|"
        r"grippe|ebola|segur|snds|autisme|egalite|jeprotegemonenfant|allo119|complementaire|"
        r"travail-sante|egalitedeschances",
        SANTE,
    ),
    (
        r"logement|habitat|renov|anah|territoires|cohesion|ville|urbanisme|copropri|ptz|anct|"
        r"conseiller-numerique|france-services|societenumerique|solutionsdelus|citoyennete-ville|"
        r"portail-immo",
        TERR,
    ),
    (
        r"ecologi|developpement-?durable|environnement|biodiversite|climat|energie|energetique|mer\b|"
        r"littoral|dechets|ressources|vigieau|feu-foret|forages|nitrate|respire|ofb|cetu|cnig|"
        r"aviation-civile|transport|jardiner|punaises|longuevieauxobjets|chaudieres|epargnonsnosressources",
        ECOLO,
    ),
    (r"agriculture|alimentation|agri|grippe-?aviaire|foret", AGRI),
    (r"culture|patrimoine|archives|musee|monument|livre|cinema", CULT),
    (r"sport", SPORT),
    (
        r"outre-?mer|wallis|caledonie|polynesie|guyane|mayotte|guadeloupe|martinique|reunion|"
        r"saint-pierre|saint-barth",
        OM,
    ),
    (
        r"fonction-publique|choisirleservicepublic|place-emploi-public|\binsp\b|\bira-|diese|"
        r"conventionmanageriale",
        FP,
    ),
    (
        r"numerique|data|api|beta|etalab|modernisation|transformation|etatplateforme|agentconnect|"
        r"proconnect|tchap|code\.gouv|systeme-de-design|demarches|agora|premierministre|plan\b|strategie|"
        r"sgpi|sgae|cyber|ssi|cfssi|documentation|abonnement-presse|lettre-services|participation-citoyenne|"
        r"voeux|gouvernement|info\.gouv|service-public|legifrance|concertation|francestrategie",
        PM,
    ),
]

# Regional directorates for the environment, planning and housing (DREAL, DEAL).
DREAL = (
    r"^(?:www\.)?(?:auvergne-rhone-alpes|bourgogne-franche-comte|bretagne|centre-val-de-loire|corse|"
    r"grand-est|guadeloupe|guyane|hauts-de-france|ile-de-france|martinique|mayotte|normandie|"
    r"nouvelle-aquitaine|occitanie|paca|pays-de-la-loire|reunion)\.developpement-durable\.gouv\.fr"
)
# Themes (service-public ids) by words of the host or name.
THEME_RULES: dict[str, str] = {
    "N19803": r"impot|fiscal|finances|economie|douane|budget|consomm|dgccrf|tresor|payfip|amendes|banque|"
    r"credit|\bepargne\b|surendettement|\bcades\b|mesquestionsdargent|\bancv\b|carburant|tarifs",
    "N19804": r"diplomatie|ambafrance|consul|etranger|europe|\bvisas?\b|immigration|ofpra|ofii|"
    r"campusfrance|accueil-etrangers|aefe|brexit|cleiss|francophonie",
    "N19805": r"famille|hcfea|enfan|\bparent|education|\becole|eduscol|scolar|onisep|cned|\bac-|etudiant|"
    r"parcoursup|monmaster|crous|adoption|naissance|1000-premiers|allo119|deces|succession|enseignementsup",
    "N19806": r"travail|emploi|alternance|apprenti|\bformation|compteformation|competences|metier|recrut|"
    r"fonction-publique|choisirleservicepublic|chomage|francetravail|afpa|epide|\bira-|\binsp|retraite|"
    r"ensap|sengager|devenirenseignant|1jeune1solution|embauche|demission",
    "N19807": r"justice|victime|tribunal|juridiction|courdecassation|cours-appel|cassation|conseil-etat|"
    r"penitentiaire|prison|internet-signalement|pre-plainte|arretonslesviolences|derives-sectes|dilcrah|"
    r"telerecours|anticorruption|fondsdegarantie|cybermalveillance|17cyber|\bcivs\b|\bcncdh\b",
    "N19808": r"logement|habitat|renov|anah|\banil\b|urbanisme|copropri|portail-immo|dalo|\bptz|cadastre|"
    r"dechets|georisques|chaudieres|punaises|forages|\bville|chequeenergie|\bhclpd\b|vigicrues|vigieau|"
    r"feu-foret|" + DREAL,
    "N19809": r"sport|(?<!agri)culture|musee|patrimoine|monument|tourisme|vacances|chasse|\bpeche|animal|"
    r"\bbnf\b|archives|cinema|\bcnc\b|\blivre|jeux|olymp|loisir|jeunes|parcnational|parcsnationaux|"
    r"japprendslamer|\bofb\b",
    "N19810": r"interieur|prefecture|\bants\b|identite|passeport|etat-civil|election|\bvote|procuration|"
    r"citoyen|recensement|service-national|\bsnu\b|legiondhonneur|onac|anciens-combattants|\bcnil\b|"
    r"defenseurdesdroits|harkis|memoire|\bcada\b|vigipirate|fr-alert|gouvernement|vie-publique|"
    r"franceconnect|\bcnccfp\b",
    "N19811": r"sante|social|solidarit|handicap|autonomie|ameli|\bcaf\b|\bmsa\b|securite-sociale|medic|"
    r"vaccin|drogue|tabac|alcool|addict|hopital|soins|organes|\befs\b|\bars\b|mdph|cnsa|personnes-agees|"
    r"bienvieillir|complementaire|urssaf|mesdroitssociaux|inclusion|covid|grippe|autisme|oniam|fiva|"
    r"info-service|mangerbouger|jeprotegemonenfant|\bivg\b|mes-aides|\bcnle\b|radiofrequences|respire",
    "N19812": r"transport|mobilit|\broute|routiere|permis|immatriculation|\bvelo|covoiturage|aviation|"
    r"aerien|ferroviaire|bateau|navigation|maritime|antai|bougezautrement|certificat-air|\bvnf\b|"
    r"\bdir\.|premar|aeroport|bison-fute|voiture|stationnement|acnusa|strmtg|bea-tt|setra|viabilite|"
    r"\bcetu\b",
    "N31931": r"\bassociations?\b|\basso\b|benevol|jeveuxaider|civique|fonjep|fdva|fondation",
}
# Fallback theme of a ministry, for sites that no link and no word places.
ORG_THEMES = {
    INT: ("N19810",),
    ECO: ("N19803",),
    MEAE: ("N19804",),
    JUST: ("N19807",),
    CULT: ("N19809",),
    SPORT: ("N19809",),
    TRAV: ("N19806",),
    SANTE: ("N19811",),
    EDUC: ("N19805",),
    ESR: ("N19805",),
    ARM: ("N19810",),
    TERR: ("N19808",),
    PR: ("N19810",),
    FP: ("N19806",),
}
PREFECTURE_THEMES = ("N19810", "N19804", "N31931")  # titres, étrangers, greffe des associations

# Life events (service-public ids) by words of the host or name, besides the links of their fiches.
LIFE_EVENT_RULES: dict[str, str] = {
    "F14128": r"demenag|changement-adresse",
    "F16225": r"1000-premiers|naissance|perinat|jeprotegemonenfant",
    "F601": r"mon-enfant|pajemploi|creche|servicesalapersonne",
    "F17649": r"succession|notaire|ciclade",
    "F16507": r"deces|obseques|ciclade|dondorganes",
    "F33362": r"pension-alimentaire|separation|divorce",
    "F34635": r"etudiant|crous|visale|action-?logement",
    "F2485": r"francaisdeletranger|consul|ambafrance|voteraletranger|aefe|cleiss",
    "F32823": r"retourenfrance|francaisdeletranger|cleiss",
    "F17904": r"retraite|agirc|ircantec|cnracl|\brafp\b|ensap",
    "F17556": r"emploi|francetravail|recrut|1jeune1solution|sengager|\bapec\b|devenirenseignant",
    "F1700": r"fonction-publique|choisirleservicepublic|concours|recrut|\binsp|\bira-|devenirenseignant|"
    r"sengager",
    "F31029": r"handicap|mdph|autonomie|cnsa|agefiph",
    "F24610": r"handicap|autisme|mdph",
    "F15913": r"\bptz|portail-immo|\banil\b|cadastre|georisques|renov|anah",
    "F16123": r"\bptz|credit|\banil\b|surendettement",
    "F33959": r"victime|fondsdegarantie|terroris",
}
# Service-public elements that say "go there": legal references (Legifrance, BOFiP) do not.
EVIDENCE_ELEMENTS = {"ServiceEnLigne", "PourEnSavoirPlus", "LienExterne", "LienWeb", "Partenaire"}
MIN_THEME_SHARE = 0.05  # a theme needs ≥ 5% of a site's service-public links (and ≥ 1 link)

# Not State administrations, though on Etalab's public-sector list: Parliament, the
# Constitutional Council, the Banque de France, consular chambers, universities and schools.
EXCLUDED = {
    "assemblee-nationale.fr",
    "senat.fr",
    "conseil-constitutionnel.fr",
    "banque-france.fr",
    "acpr.banque-france.fr",
    "cci.fr",
    "chambres-agriculture.fr",
    "sciencespo.fr",
    "sorbonne.fr",
    "sorbonne-nouvelle.fr",
    "univ-grenoble-alpes.fr",
    "inalco.fr",
    "cnam.fr",
    "fondation-alliancefr.org",
    # owner not established from the sources: left out rather than guessed
    "collecte-pro.gouv.fr",
    "france-sesame.gouv.fr",
    "arpe.gouv.fr",
    "montsaintmichel.gouv.fr",
    "mont-saint-michel.gouv.fr",
}
KUMU_LIVE_TYPES = {"Site web", "Service web", "Sous-domaine", "Consultation web"}
# Back-office hosts (sign-in, file stores, survey and map servers), not sites people browse.
TOOL_LABEL = re.compile(
    r"^(?:authentification|auth|login|sso|extranet|intranet|webmail|files|static|cdn|ogc|wms|geoserver|"
    r"enqueteur|gestion|datacollecte|invite|webcams-.*|melanissimo.*|webissimo.*)$"
)
STATE_CATEGORIES = {"prefectures", "academies", "nongouvfr-divers", "sante-fr"}
# Etalab categories whose ministry is plain: prefectures, rectorats, embassies.
CATEGORY_ORGS = {"prefectures": INT, "academies": EDUC, "ambassades": MEAE}

# fmt: off
NAMES = {
    HUB: "Service-Public.fr", "legifrance.gouv.fr": "Légifrance", "impots.gouv.fr": "impots.gouv.fr (DGFiP)",
    "ants.gouv.fr": "Agence nationale des titres sécurisés", "ameli.fr": "Assurance maladie (ameli)",
    "caf.fr": "Caisses d'allocations familiales", "francetravail.fr": "France Travail",
    "lassuranceretraite.fr": "L'Assurance retraite", "msa.fr": "Mutualité sociale agricole",
    "insee.fr": "Insee", "data.gouv.fr": "data.gouv.fr", "elysee.fr": "Élysée",
    "gouvernement.fr": "Gouvernement", "info.gouv.fr": "info.gouv.fr", "vie-publique.fr": "Vie publique",
    "interieur.gouv.fr": "Ministère de l'Intérieur",
    "economie.gouv.fr": "Ministère de l'Économie et des Finances", "diplomatie.gouv.fr": "France Diplomatie",
    "education.gouv.fr": "Ministère de l'Éducation nationale", "justice.gouv.fr": "Ministère de la Justice",
    "defense.gouv.fr": "Ministère des Armées", "culture.gouv.fr": "Ministère de la Culture",
    "agriculture.gouv.fr": "Ministère de l'Agriculture", "travail-emploi.gouv.fr": "Ministère du Travail",
    "sante.gouv.fr": "Ministère de la Santé", "ecologie.gouv.fr": "Ministère de la Transition écologique",
    "sports.gouv.fr": "Ministère des Sports",
    "enseignementsup-recherche.gouv.fr": "Ministère de l'Enseignement supérieur et de la Recherche",
    "outre-mer.gouv.fr": "Ministère des Outre-mer", "douane.gouv.fr": "Douane",
    "securite-routiere.gouv.fr": "Sécurité routière",
    "antai.gouv.fr": "Agence nationale de traitement automatisé des infractions", "ofpra.gouv.fr": "Ofpra",
    "france-visas.gouv.fr": "France-Visas", "mesdroitssociaux.gouv.fr": "Mes droits sociaux",
    "parcoursup.gouv.fr": "Parcoursup", "etudiant.gouv.fr": "etudiant.gouv.fr", "onisep.fr": "Onisep",
    "anah.gouv.fr": "Agence nationale de l'habitat",
    "anil.org": "Agence nationale pour l'information sur le logement",
    "france-renov.gouv.fr": "France Rénov'", "maprimerenov.gouv.fr": "MaPrimeRénov'", "cnil.fr": "CNIL",
    "defenseurdesdroits.fr": "Défenseur des droits", "conseil-etat.fr": "Conseil d'État",
    "ccomptes.fr": "Cour des comptes", "service-civique.gouv.fr": "Service civique",
    "associations.gouv.fr": "associations.gouv.fr", "jeveuxaider.gouv.fr": "JeVeuxAider.gouv.fr",
    "1jeune1solution.gouv.fr": "1jeune1solution", "moncompteformation.gouv.fr": "Mon compte formation",
    "inc-conso.fr": "Institut national de la consommation", "ademe.fr": "Ademe",
    "meteofrance.com": "Météo-France", "bnf.fr": "Bibliothèque nationale de France",
    "legiondhonneur.fr": "Grande chancellerie de la Légion d'honneur", "cleiss.fr": "Cleiss",
    "campusfrance.org": "Campus France",
    "pour-les-personnes-agees.gouv.fr": "Portail national pour les personnes âgées",
    "urssaf.fr": "Urssaf", "pajemploi.urssaf.fr": "Pajemploi", "cesu.urssaf.fr": "Cesu",
    "agirc-arrco.fr": "Agirc-Arrco", "reseau-canope.fr": "Réseau Canopé", "notaires.fr": "Notaires de France",
    "notaviz.notaires.fr": "Notaviz", "ofii.fr": "Office français de l'immigration et de l'intégration",
    "telerecours.fr": "Télérecours", "citoyens.telerecours.fr": "Télérecours citoyens",
    "monespacesante.fr": "Mon espace santé", "aphp.fr": "AP-HP", "arcom.fr": "Arcom",
    "cidj.com": "Centre d'information et de documentation jeunesse",
    "ifce.fr": "Institut français du cheval et de l'équitation",
}
# fmt: on
# Accents and apostrophes of département and académie names derived from hosts.
# fmt: off
PLACE_NAMES = {
    "ardeche": "Ardèche", "ariege": "Ariège", "correze": "Corrèze", "cote-dor": "Côte-d'Or",
    "cotes-darmor": "Côtes-d'Armor", "deux-sevres": "Deux-Sèvres", "drome": "Drôme", "finistere": "Finistère",
    "haute-saone": "Haute-Saône", "hautes-pyrenees": "Hautes-Pyrénées", "herault": "Hérault",
    "isere": "Isère", "lozere": "Lozère", "nievre": "Nièvre", "puy-de-dome": "Puy-de-Dôme",
    "reunion": "La Réunion", "pyrenees-atlantiques": "Pyrénées-Atlantiques",
    "pyrenees-orientales": "Pyrénées-Orientales", "saone-et-loire": "Saône-et-Loire",
    "val-doise": "Val-d'Oise", "vendee": "Vendée", "rhone": "Rhône", "bouches-du-rhone": "Bouches-du-Rhône",
    "besancon": "Besançon", "clermont": "Clermont-Ferrand", "creteil": "Créteil",
    "orleans-tours": "Orléans-Tours", "spm": "Saint-Pierre-et-Miquelon", "wf": "Wallis-et-Futuna",
    "polynesie": "Polynésie française", "noumea": "Nouvelle-Calédonie",
    "nouvelle-caledonie": "Nouvelle-Calédonie",
    "saint-barth-saint-martin": "Saint-Barthélemy et Saint-Martin",
}
# fmt: on
