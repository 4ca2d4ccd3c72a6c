"""The network explorer's data: one analysis as the JSON the report's explorer reads.

The explorer draws the site graph in the reader's browser with sigma.js and
graphology (``graphs/static/explorer.min.js``; versions, licences and how to
rebuild it in ``graphs/static/README.md``): search a site, click it to see who
links to it and where it links, filter by theme, life event or ministry, colour
by score or group. This module decides what it is given and does no drawing:

- one entry per site: name, organisation, groups, score, rank, status, reason
  codes, sites linking in and linked to, and its position;
- every linked pair of sites, with its linking pages, as indices into the sites
  (no pair is dropped: the neighbours the explorer lists are the graph's);
- the groups with their labels and colours, and the interface's texts in the
  current language (:mod:`graphs.i18n`), so the script holds no human text.

Positions are computed here rather than in the browser: a ForceAtlas2 layout
(``networkx.forceatlas2_layout``, seeded) on the linked pairs, so that the same
crawl always gives the same picture and the page opens laid out. 650 sites and
19,247 pairs take about 2 s here once per report; graphology's ForceAtlas2 takes
0.5-0.7 s in Chromium on the same machine, but at every opening, on every
reader's machine, and moves the picture between openings (bench/RESULTS.md).

:func:`explorer_data` is pure (analysis in, plain values out);
:func:`explorer_json` makes them safe inside ``<script type="application/json">``;
:func:`bundle` and :func:`script_hash` give the script and the
Content-Security-Policy source that allows it, and :func:`explorer_context`
what the ``explorer.html`` partial needs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import networkx as nx
from markupsafe import Markup

from crawler.text import safe_text
from graphs.export import NO_THEME_COLOR, PALETTE
from graphs.i18n import _
from graphs.status import is_assessed

if TYPE_CHECKING:
    from graphs.analysis import Analysis

__all__ = [
    "BUNDLE",
    "GROUP_KINDS",
    "SITE_ANCHOR",
    "SiteUrl",
    "bundle",
    "explorer_context",
    "explorer_data",
    "explorer_json",
    "layout",
    "script_hash",
]

BUNDLE = "explorer.min.js"  # in graphs/static/
# Where a site's own view is, when the report has no page per site: its row of the "all sites" table.
SITE_ANCHOR = "#site-{id}"
SiteUrl = str | Callable[[str], str]  # a pattern where {id} stands for the site id, or a function of it
# The groupings a reader filters and colours by: explorer key -> node attribute.
GROUP_KINDS = {"theme": "themes", "life_event": "life_events", "organisation": "organisation"}
# The graph exports' palette first (a theme keeps its Gephi colour: ids sorted, as export.style_graph
# without a theme list), then eight more (Tableau 20's light tones), so the 17 life events differ too.
COLOURS = (
    *PALETTE, "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63", "#86bcb6", "#ff9d9a", "#d4a6c8", "#d7b5a6",
)  # fmt: skip


def layout(G: nx.Graph, *, seed: int = 1, iterations: int = 100) -> dict[str, tuple[float, float]]:
    """Positions of the sites, in [-1, 1] on the longer axis: ForceAtlas2 on the linked pairs.

    Each linked pair pulls once, whatever its number of linking pages: a link
    in a footer repeated on 5,000 pages is one link between two sites for the
    reader too, and weights would let template links draw the whole picture.
    Seeded, so that the same graph always gets the same positions.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c")]); G.add_node("d")
    >>> pos = layout(G)
    >>> sorted(pos), max(abs(v) for p in pos.values() for v in p)
    (['a', 'b', 'c', 'd'], 1.0)
    >>> pos == layout(G)
    True
    """
    if len(G) == 0:
        return {}
    H = nx.Graph()
    H.add_nodes_from(sorted(G))
    H.add_edges_from((u, v) for u, v in G.edges() if u != v)
    if len(H) == 1:
        return {next(iter(H)): (0.0, 0.0)}
    raw = nx.forceatlas2_layout(H, max_iter=iterations, seed=seed, weight=None)
    cx = sum(float(p[0]) for p in raw.values()) / len(raw)
    cy = sum(float(p[1]) for p in raw.values()) / len(raw)
    scale = max(max(abs(float(p[0]) - cx), abs(float(p[1]) - cy)) for p in raw.values()) or 1.0
    return {
        n: (round((float(p[0]) - cx) / scale, 4), round((float(p[1]) - cy) / scale, 4))
        for n, p in raw.items()
    }


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else round(x, 1)


def _groups(a: Analysis, kind: str, members: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """The groups of one kind: id, label, member count and colour (grey past the palette)."""
    counts: dict[str, int] = {}
    for values in members.values():
        for g in values:
            counts[g] = counts.get(g, 0) + 1
    # Themes and life events in id order (their colours then match the graph exports); ministries
    # largest first, so that the palette goes to the ones that hold most sites.
    order = sorted(counts) if kind != "organisation" else sorted(counts, key=lambda g: (-counts[g], g))
    return [
        {
            "id": g,
            "label": safe_text(a.labels.get(g) or g),
            "sites": counts[g],
            "color": COLOURS[i] if i < len(COLOURS) else NO_THEME_COLOR,
        }
        for i, g in enumerate(order)
    ]


def _texts() -> dict[str, str]:
    """What the script writes itself, in the current language ({n}: a number it fills in)."""
    return {
        "title": _("Explore the network"),
        "caption": _(
            "Each dot is a site, sized by the number of sites linking to it; a line joins two sites when "
            "one links to the other. Click a site, or search it, to see its neighbours."
        ),
        "search": _("Search a site"),
        "placeholder": _("name or address, e.g. impots.gouv.fr"),
        "theme": _("Theme"),
        "life_event": _("Life event"),
        "organisation": _("Ministry or organisation"),
        "all": _("all"),
        "colour": _("Colour by"),
        "by_score": _("integration score"),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "reset": _("Whole network"),
        "clear": _("Clear the selection"),
        "legend_in": _("links to the selected site"),
        "legend_out": _("linked from the selected site"),
        "noscript": _("The network explorer needs JavaScript; the tables below hold the same figures."),
        "no_match": _("No site matches."),
        "hint": _(
            "Search a site or click a dot: the sites linking to it and the sites it links to light up."
        ),
        "linked_from": _("Sites linking to it: {n}"),
        "links_to": _("Sites it links to: {n}"),
        "pages": _("{n} linking pages"),
        "open": _("Open its page"),
        "score": _("Integration score: {n}/100"),
        "rank": _("Rank {n}"),
        "not_assessed": _("Could not be assessed: {n}"),
        "shown": _("{n} sites shown"),
        "none": _("none"),
        "no_webgl": _(
            "This browser cannot draw the network (WebGL is off); "
            "searching a site still lists its neighbours."
        ),
        "score_low": _("score 0"),
        "score_high": _("score 100"),
        "unscored": _("not assessed"),
        "other": _("other or none"),
    }


def _href(site_url: SiteUrl, site: str) -> str:
    """Where the explorer links a site: ``site_url(site)``, or the pattern with the id URL-quoted.

    >>> _href("sites/{id}.html", "a.gouv.fr"), _href(SITE_ANCHOR, "m.gouv.fr/famille")
    ('sites/a.gouv.fr.html', '#site-m.gouv.fr%2Ffamille')
    """
    if callable(site_url):
        return site_url(site)
    return site_url.replace("{id}", quote(site, safe=""))


def explorer_data(a: Analysis, *, site_url: SiteUrl = SITE_ANCHOR, seed: int = 1) -> dict[str, Any]:
    """What the explorer shows of an analysis, as plain JSON-ready values (pure).

    Parameters
    ----------
    a : Analysis
        Sites, graph and labels come from it; nothing is recomputed but the layout.
    site_url : str or callable
        Where each site's own view is: its row of the single-file report
        (default) or its page in the report site. A pattern where ``{id}``
        stands for the site id, URL-quoted (``"sites/{id}.html"``; a site id
        can hold a ``/``, e.g. ``ministere.gouv.fr/famille``, quoted ``%2F``),
        or a function from the site id to the URL, for a site whose file
        names are made otherwise. The script links each site there.
    seed : int
        Seed of the layout.

    Returns
    -------
    dict
        ``nodes`` (list of dicts: ``id``, ``name``, ``org``, ``themes``, ``events``,
        ``score``, ``rank``, ``in``, ``out``, ``status``, ``assessed``, ``flags``,
        ``href``, ``x``, ``y``), ``edges`` (``[source index, target index, linking
        pages]``), ``groups`` (per kind of :data:`GROUP_KINDS`: ``id``, ``label``,
        ``sites``, ``color``), ``texts``.
    """
    G = a.graph
    pos = layout(G, seed=seed)
    sites = a.sites
    ids = [str(s) for s in sites.index]
    index = {s: i for i, s in enumerate(ids)}
    nodes: list[dict[str, Any]] = []
    for site, row in sites.iterrows():
        x, y = pos.get(str(site), (0.0, 0.0))
        nodes.append(
            {
                "id": safe_text(site),
                "name": safe_text(row.get("name")) or safe_text(row.get("title")),
                "org": safe_text(row.get("organisation")),
                "themes": [safe_text(t) for t in row.get("themes") or ()],
                "events": [safe_text(e) for e in row.get("life_events") or ()],
                "score": _number(row.get("score")),
                "rank": int(row["rank"]),
                "in": int(row.get("in_sites") or 0),
                "out": int(row.get("out_sites") or 0),
                "status": safe_text(row.get("status")),
                "assessed": bool(is_assessed(row.get("status") or "ok")),
                "flags": [safe_text(f) for f in row.get("flags") or ()],
                "href": _href(site_url, str(site)),
                "x": x,
                "y": y,
            }
        )
    edges = sorted(
        [index[str(u)], index[str(v)], int(d.get("weight", 1))]
        for u, v, d in G.edges(data=True)
        if str(u) in index and str(v) in index and u != v
    )
    members: dict[str, dict[str, list[str]]] = {
        "theme": {n["id"]: n["themes"] for n in nodes},
        "life_event": {n["id"]: n["events"] for n in nodes},
        "organisation": {n["id"]: [n["org"]] if n["org"] else [] for n in nodes},
    }
    return {
        "nodes": nodes,
        "edges": edges,
        "groups": {kind: _groups(a, kind, members[kind]) for kind in GROUP_KINDS},
        "texts": _texts(),
    }


def explorer_json(data: Any) -> Markup:
    """``data`` as JSON that can sit inside ``<script type="application/json">`` as it is.

    ``<``, ``>`` and ``&`` are written ``\\u003c``, ``\\u003e``, ``\\u0026`` (still
    the same JSON), so no value can close the element or open a comment; U+2028
    and U+2029 likewise, for readers that take the text as JavaScript.

    >>> str(explorer_json({"t": "</script><b>&"}))
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(safe_text(text))


@cache
def bundle() -> str:
    """The explorer's script (sigma.js, graphology and govlinks' code, minified), as shipped.

    It is written into the page as it is, so it must not hold what would end
    its ``<script>`` element early, nor a character the report's output filter
    removes (the CSP hash is computed over the exact text).
    """
    text = (resources.files("graphs") / "static" / BUNDLE).read_text(encoding="utf-8").rstrip("\n")
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered or safe_text(text) != text:
        raise ValueError(f"graphs/static/{BUNDLE} cannot be inlined in a <script> element")
    return text


def script_hash(script: str) -> str:
    """The CSP source allowing an inline script: ``sha256-`` and the base64 of its SHA-256.

    >>> script_hash("alert(1)")
    'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='
    """
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def explorer_context(a: Analysis, *, site_url: SiteUrl = SITE_ANCHOR) -> dict[str, Any]:
    """What ``templates/explorer.html`` needs: the data, the script, its CSP hash, the filters.

    The page that includes the partial puts ``hash`` in its ``script_hashes``
    (``base.html`` writes them into its ``script-src``). ``site_url``: see
    :func:`explorer_data` (a report site passes its own pages' URL).
    """
    data = explorer_data(a, site_url=site_url)
    script = bundle()
    return {
        "data": explorer_json(data),
        "script": Markup(script),
        "hash": script_hash(script),
        "groups": data["groups"],
        "texts": data["texts"],
        "sites": len(data["nodes"]),
        "pairs": len(data["edges"]),
    }
