"""The report as a static site: an index, a page per site, per organisation, per theme and life event.

``govlinks report --format html --output-dir DIR`` writes a folder an analyst can
publish, mail as a zip or open from a USB stick: relative links only, no
external resource, the same Content-Security-Policy on every page (no script,
nothing remote), every page in the language of ``--lang``::

    DIR/index.html                  the report (the single-file report, with links)
    DIR/sites/<site>.html           one per site: who links to it and from where
    DIR/organisations/<name>.html   one per ministry or organisation: a scorecard of its sites
    DIR/groups/<id>.html            one per theme and life event: its members and how they link

File names are safe on every file system (:func:`page_names`): lower-case ASCII
letters, digits, dots and hyphens, so that a site id with slashes, an IDN host or
an organisation with accents still makes one file, and two names that would
meet on a case-insensitive disk get a short hash each.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from crawler.errors import GovlinksError
from crawler.fileio import output_folder, write_text_atomic
from graphs.analysis import Analysis
from graphs.coverage import coverage_notes
from graphs.groups import group_members
from graphs.i18n import _, current_language, ngettext, using_language
from graphs.report_html import Links, environment, grouping_texts, report_context, site_cell
from graphs.site_view import SiteDetails, SitePages

__all__ = ["SiteLinks", "page_names", "write_site"]

_UNSAFE = re.compile(r"[^a-z0-9.-]+")
_MAX_NAME = 80


_DOTS = re.compile(r"\.{2,}")
# Names Windows keeps for devices, even with an extension (CON.html, aux.gouv.fr.html)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _DOTS.sub(".", _UNSAFE.sub("_", plain)).strip("._-")
    slug = slug[:_MAX_NAME].rstrip("._-") or "page"
    return f"page-{slug}" if slug.split(".")[0] in _RESERVED else slug


def page_names(names: Iterable[str]) -> dict[str, str]:
    """A safe, distinct file name (without ``.html``) for each name.

    Names that stay as they are (but for upper case) keep their look; any that
    changed, or that another one meets once made safe (``a.fr/X`` and ``a.fr/x`` on
    a case-insensitive disk), gets a hash of the original, so that no two names
    share a file, whatever the order they come in.

    >>> names = page_names(["impots.gouv.fr", "economie.gouv.fr/dgccrf", "Ministère de l'Intérieur"])
    >>> names["impots.gouv.fr"], names["economie.gouv.fr/dgccrf"][:24], names["Ministère de l'Intérieur"][:22]
    ('impots.gouv.fr', 'economie.gouv.fr_dgccrf-', 'ministere_de_l_interie')
    >>> page_names(["N19803"])["N19803"]
    'n19803'
    >>> a = page_names(["a.fr/X", "a.fr/x"])
    >>> a["a.fr/X"] != a["a.fr/x"]
    True
    """
    names = list(dict.fromkeys(names))
    slugs = {n: _slug(n) for n in names}
    count: dict[str, int] = {}
    for slug in slugs.values():
        count[slug] = count.get(slug, 0) + 1
    out = {}
    for name, slug in slugs.items():
        if slug != name.lower() or count[slug] > 1:
            slug = f"{slug}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"
        out[name] = slug
    return out


class SiteLinks(Links):
    """Relative links between the pages of a report site, from a page ``depth`` folders down."""

    pages = True

    def __init__(self, sites: Mapping[str, str], groups: Mapping[str, str], organisations: Mapping[str, str],
                 depth: int = 0) -> None:  # fmt: skip
        self.sites, self.groups, self.organisations = sites, groups, organisations
        self.up = "../" * depth

    def site(self, site: str) -> str | None:
        name = self.sites.get(site)
        return f"{self.up}sites/{name}.html" if name else None

    def group(self, group: str) -> str | None:
        name = self.groups.get(group)
        return f"{self.up}groups/{name}.html" if name else None

    def organisation(self, name: str) -> str | None:
        page = self.organisations.get(name)
        return f"{self.up}organisations/{page}.html" if page else None

    def index(self) -> str:
        return f"{self.up}index.html"

    def down(self) -> SiteLinks:
        return SiteLinks(self.sites, self.groups, self.organisations, depth=1)


def _section(
    title: str, intro: str, columns: list[tuple[str, bool]], rows: list[list[Any]]
) -> dict[str, Any]:
    return {"title": title, "intro": intro, "columns": columns, "rows": rows}


def recommendation_sections(a: Analysis) -> dict[str, dict[str, Any]]:
    """The links each site should add (:mod:`graphs.recommend`), as its page's optional section."""
    rows: dict[str, list[list[Any]]] = {}
    recommendations = getattr(a, "recommendations", None)
    for r in recommendations.itertuples(index=False) if recommendations is not None else ():
        rows.setdefault(str(r.source), []).append([int(r.rank), r.target, r.target_url or "", r.evidence])
    columns = [
        (_("rank"), True),
        (_("site to link to"), False),
        (_("page to link"), False),
        (_("evidence"), False),
    ]
    intro = _("Links this site should add, best first, with the evidence an analyst can check.")
    return {site: _section(_("Recommended links"), intro, columns, r) for site, r in rows.items()}


def gap_sections(a: Analysis) -> dict[str, dict[str, Any]]:
    """The journey gaps of each theme and life event (:mod:`graphs.journeys`), for its page."""
    out = {}
    columns = [(_("site"), False), (_("should link to"), False), (_("evidence"), False)]
    for journey in getattr(a, "journeys", None) or ():
        if journey.gaps:
            rows = [[g["source"], g["target"], g["evidence"]] for g in journey.gaps]
            intro = ngettext("{n} pair of members with no link either way; the best evidenced:",
                             "{n} pairs of members with no link either way; the best evidenced:",
                             journey.gap_count).format(n=journey.gap_count)  # fmt: skip
            out[journey.group] = _section(_("Journey gaps"), intro, columns, rows)
    return out


def _members(a: Analysis, site_ids: Iterable[str], links: SiteLinks) -> list[dict[str, Any]]:
    rows = []
    for site in site_ids:
        row = a.sites.loc[site]
        figures = (
            "rank",
            "score",
            "status",
            "in_sites",
            "out_sites",
            "in_peer_sites",
            "out_peer_sites",
            "flags",
        )
        rows.append({"site": site_cell(site, row, links), **{c: row[c] for c in figures}})
    return sorted(rows, key=lambda r: r["rank"])


def _group_pages(
    a: Analysis, by: str, names: Mapping[str, str], links: SiteLinks, extras: Mapping[str, Mapping[str, Any]]
) -> Iterable[tuple[str, dict[str, Any]]]:
    """(file name, context) of each group page of one grouping."""
    table, _matrix = a.groupings[by]
    members = group_members(a.graph, by)
    text = grouping_texts(by)
    for row in table.to_dict("records"):
        group = row["group"]
        inside = set(members.get(group, []))
        pairs = [
            {"source": site_cell(u, a.sites.loc[u], links), "target": site_cell(v, a.sites.loc[v], links),
             "pages": int(d.get("weight", 0))}
            for u, v, d in a.graph.subgraph(inside).edges(data=True)
        ]  # fmt: skip
        yield (
            names[group],
            {
                "kind": by,
                "text": text,
                "group": row,
                "members": _members(a, inside, links),
                "pairs": sorted(pairs, key=lambda p: -p["pages"]),
                "history": None,
                "journey_gaps": None,
                **{key: (extra.get(group) if extra else None) for key, extra in extras.items()},
            },
        )


# Pages to write, set before the worker processes fork: (path, template, context). Module state only
# for the length of write_site, so that the forked workers read it without pickling.
_WORK: list[tuple[Path, str, dict[str, Any]]] = []
_PARALLEL_FROM = 200  # pages: fewer are written in this process (a fork costs more than it saves)


def _write_pages(bounds: tuple[int, int, str]) -> int:
    """Render and write ``_WORK[start:stop]`` in ``language`` (in a forked worker, or here)."""
    start, stop, language = bounds
    env = environment()
    with using_language(language):
        for path, template, context in _WORK[start:stop]:
            path.write_text(env.get_template(template).render(context), encoding="utf-8")
    return stop - start


def _start_workers(work: list[tuple[Path, str, dict[str, Any]]], workers: int) -> tuple[Any, list[Any]]:
    """Start writing ``work`` in ``workers`` forked processes; (pool, futures), or (None, []) to write here.

    Rendering 750 pages is CPU-bound Jinja2 work (5 s of one core on the benchmark store):
    on the analyst's cores it runs beside the index, whose charts take as long.
    """
    global _WORK
    if workers < 2 or len(work) < _PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return None, []
    from concurrent.futures import ProcessPoolExecutor

    _WORK = work
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    step = -(-len(work) // (workers * 4))
    futures = [pool.submit(_write_pages, (i, min(i + step, len(work)), current_language()))
               for i in range(0, len(work), step)]  # fmt: skip
    return pool, futures


def write_site(
    a: Analysis,
    details: SiteDetails,
    out_dir: str | Path,
    *,
    generated_at: str | None = None,
    images: bool = True,
    site_extras: Mapping[str, Mapping[str, Any]] | None = None,
    group_extras: Mapping[str, Mapping[str, Any]] | None = None,
    workers: int | None = None,
) -> dict[str, int]:
    """Write the report site of ``a`` into ``out_dir``; return the pages written per kind.

    ``details``: :func:`graphs.site_view.load_details` of the crawl. ``site_extras``
    and ``group_extras``: optional sections by name (``history``, ``recommendations``,
    ``journey_gaps``), each a mapping from site id (or group id) to what its page shows.
    ``workers``: processes that write the pages (default: one per core, on systems
    that fork; 1 writes everything in this process).
    """
    global _WORK
    out = output_folder(out_dir, "sites", "groups", "organisations")
    env = environment()
    sites = page_names(a.sites.index)
    groups = page_names(g for by in ("theme", "life-event") for g in a.groupings[by][0]["group"])
    organisations = page_names(a.groupings["organisation"][0]["group"])
    top = SiteLinks(sites, groups, organisations)
    below = top.down()
    common = {"index": below.index(), "warnings": coverage_notes(a)}

    work: list[tuple[Path, str, dict[str, Any]]] = []
    pages = SitePages(a, details)
    extras = {"recommendations": recommendation_sections(a), **(site_extras or {})}
    group_extras = {"journey_gaps": gap_sections(a), **(group_extras or {})}
    for site, name in sites.items():
        view = pages.view(site, below, {key: extra.get(site) for key, extra in extras.items()})
        work.append((out / "sites" / f"{name}.html", "site.html", {**common, "site": view}))
    written = {"index": 1, "sites": len(sites), "groups": 0, "organisations": 0}
    for by, names, folder in (("theme", groups, "groups"), ("life-event", groups, "groups"),
                              ("organisation", organisations, "organisations")):  # fmt: skip
        for name, page in _group_pages(a, by, names, below, group_extras):
            work.append((out / folder / f"{name}.html", "group.html", {**common, **page}))
            written[folder] += 1

    pool, futures = _start_workers(work, workers if workers is not None else os.cpu_count() or 1)
    try:
        index = report_context(a, generated_at=generated_at, images=images, links=top)
        index["site_pages"] = True
        write_text_atomic(out / "index.html", env.get_template("report.html").render(index), what="report")
        if pool is None:
            _WORK = work
            _write_pages((0, len(work), current_language()))
        elif sum(f.result() for f in futures) != len(work):
            raise GovlinksError(f"{out}: some pages of the report site were not written")
    finally:
        _WORK = []
        if pool is not None:
            pool.shutdown()
    return written
