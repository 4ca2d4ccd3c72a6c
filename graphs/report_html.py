"""The HTML report: one self-contained file, or the index of a report site, for readers.

One file, no external resource (CSS inline, charts as base64 SVG, the network
explorer's script inline: :mod:`graphs.explorer`), so that it
can be mailed or archived and opened offline. Jinja2 templates lay the page
out (``graphs/templates/``: ``base.html`` the document and its
Content-Security-Policy, ``report.html`` the page, ``report/<section>.html``
one file per section, ``_macros.html`` the tables, cells and figures they
share); this module prepares plain values for them (numbers, strings, lists,
charts as ``data:`` URIs) and decides nothing about markup. The report site
(:mod:`graphs.report_site`) renders the same page as its index, with links to a
page per site, per organisation and per group (:class:`Links`).

Escaping is the default, not a habit: titles and URLs come from crawled pages,
so the environment's ``finalize`` passes every ``{{ value }}`` through
:func:`crawler.text.escape_html` (control characters removed, then
``html.escape``), and autoescape stays on behind it for what templates compute
themselves. No template marks a value ``|safe``. The CSP forbids remote loads
and every script but the explorer's, allowed by its SHA-256 (``script_hashes``),
as a second line of defence.

Texts are translated in the templates (``{% trans %}``, ``_()``: Jinja2's i18n
extension bound to :mod:`graphs.i18n`) and numbers and dates formatted by the
``num`` and ``when`` filters in the current language.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from crawler.text import escape_html, generator, safe_text
from crawler.urls import display_site
from graphs.analysis import Analysis
from graphs.coverage import uncertain
from graphs.explorer import explorer_context
from graphs.findings import CODES
from graphs.groups import group_members
from graphs.i18n import N_, _, current_language, format_number, format_time, ngettext
from graphs.relevance import relevance_line
from graphs.report_table import STATES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from crawler.store import CrawlInfo

__all__ = ["Links", "environment", "render_html", "report_context"]

# Columns of the "all sites" table, besides the site id.
_ALL_SITES = (
    "rank", "name", "status", "score", "in_sites", "out_sites", "in_peer_sites", "out_peer_sites",
    "in_deep_share", "in_template_share", "pagerank", "hub_hops", "out_broken", "out_relevant_share",
    "in_relevant_share", "flags",
)  # fmt: skip
_RELEVANCE_SHOWN = 20  # sites in the relevance table, least relevant first

# How each grouping is named in whole sentences (translated where shown).
_GROUPING_TEXT = {
    "theme": {
        "heading": N_("By theme"),
        "column": N_("theme"),
        "empty": N_("No site has a theme in the seed list."),
        "integration": N_(
            "Integration per theme: mean score, link density inside, share of members linked inside."
        ),
        "integration_alt": N_("bar chart of integration per theme"),
        "matrix": N_(
            "Each cell counts linked pairs of sites: a site of the row theme that links to a site of the "
            "column theme (a site in two themes counts in both). The colours follow a logarithmic scale."
        ),
        "matrix_alt": N_("heatmap of links between themes"),
        "degrees": N_("How many other sites link to the sites of each theme."),
        "degrees_alt": N_("box plot of inbound links per theme"),
        "chart_integration": N_("Integration per theme"),
        "chart_matrix": N_("Links between themes"),
        "chart_degrees": N_("Sites linking in, per theme"),
    },
    "life-event": {
        "heading": N_("By life event"),
        "column": N_("life event"),
        "empty": N_("No site has a life event in the seed list."),
        "integration": N_(
            "Integration per life event: mean score, link density inside, share of members linked inside."
        ),
        "integration_alt": N_("bar chart of integration per life event"),
        "matrix": N_(
            "Each cell counts linked pairs of sites: a site of the row life event that links to a site of "
            "the column life event (a site in two life events counts in both). The colours follow a "
            "logarithmic scale."
        ),
        "matrix_alt": N_("heatmap of links between life events"),
        "degrees": N_("How many other sites link to the sites of each life event."),
        "degrees_alt": N_("box plot of inbound links per life event"),
        "chart_integration": N_("Integration per life event"),
        "chart_matrix": N_("Links between life events"),
        "chart_degrees": N_("Sites linking in, per life event"),
    },
    "organisation": {
        "heading": N_("By organisation"),
        "column": N_("organisation"),
        "empty": N_("No site has an organisation in the seed list."),
    },
}


class Links:
    """Where the pages of a report site are, relative to the page being written; None: no such page.

    The single-file report has no other page: every method answers None, and
    sites link to their own URL (and the explorer to their row of the page) only.
    """

    pages = False  # whether there are pages to link to

    def site(self, site: str) -> str | None:
        return None

    def group(self, group: str) -> str | None:
        return None

    def organisation(self, name: str) -> str | None:
        return None


def _finalize(value: Any) -> Markup:
    """What ``{{ value }}`` writes: escaped text, or a macro's markup (control characters removed)."""
    if isinstance(value, Markup):  # a macro's output, or a filter's that escaped with markupsafe
        return Markup(safe_text(value))
    return Markup(escape_html(value))


def _breakable(value: Any) -> Markup:
    """The ``breakable`` filter: escaped text that may wrap after each dot and slash (a site id, a URL).

    HTML escaping writes no dot or slash (``&amp;``, ``&#x27;``), so the breaks go in after it.

    >>> str(_breakable("a.gouv.fr/x<y"))
    'a.<wbr>gouv.<wbr>fr/<wbr>x&lt;y'
    """
    return Markup(escape_html(value).replace(".", ".<wbr>").replace("/", "/<wbr>"))


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of govlinks' HTML pages (templates in ``graphs/templates/``).

    ``trim_blocks`` and ``lstrip_blocks``: a line holding only a ``{% tag %}``
    writes nothing, so that templates can be laid out without adding white
    space (which would show between two cells); ``keep_trailing_newline``: a
    section file ends its line of the page. ``StrictUndefined``: a misspelt
    value fails the render instead of showing nothing. The i18n extension calls
    :mod:`graphs.i18n` at render time, so one environment serves every language.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("graphs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = format_number
    env.filters["when"] = format_time
    env.filters["breakable"] = _breakable
    env.globals["current_language"] = current_language  # <html lang>, whatever the page
    return env


def _svg(figure: Figure) -> str:
    from graphs import plots

    svg = plots.to_svg(figure).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _crawl(info: CrawlInfo | None) -> dict[str, Any]:
    if info is None:  # a graph analysed by hand
        return {"id": "?", "status": "?", "started_at": "?", "finished_at": _("not yet"), "pages": None,
                "unfinished": False}  # fmt: skip
    state = info.state
    return {
        "id": info.id,
        "status": _(STATES.get(state, state)),
        "started_at": format_time(info.started_at, missing="?"),
        "finished_at": format_time(info.finished_at, missing=_("not yet")),
        "pages": info.pages,
        "unfinished": state != "finished",
    }


def site_cell(site: str, row: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """The site cell: its name (else its homepage title), a link when the URL is http(s), its page."""
    name = safe_text(row.get("name")) or safe_text(row.get("title"))
    url = safe_text(row.get("url"))
    title = safe_text(row.get("title"))
    return {
        "id": display_site(site),
        "name": name or (display_site(site) if links.site(site) else ""),
        "href": url if url.lower().startswith(("http://", "https://")) else None,
        "title": title if title != name else "",
        "page": links.site(site),
    }


def _codes(a: Analysis, flags: Mapping[str, int]) -> list[dict[str, Any]]:
    missing = a.not_assessed()
    return [
        {"code": c, "rule": CODES[c], "sites": n, "checked": c not in missing, "missing": missing.get(c, "")}
        for c, n in flags.items()
    ]


def _relevance(a: Analysis, links: Links) -> dict[str, Any]:
    """The relevance section: one sentence, and the sites whose links are least relevant."""
    rows = []
    if a.relevance is not None:
        scored = a.sites[a.assessed & (a.sites["out_scored"] > 0)]
        order = scored.sort_values(["out_relevant_share", "out_scored"], ascending=[True, False])
        examples = a.relevance.sites["examples"]
        for site, row in order.head(_RELEVANCE_SHOWN).iterrows():
            rows.append(
                {
                    "site": site_cell(site, row, links),
                    "out_scored": row["out_scored"],
                    "out_share": row["out_relevant_share"],
                    "in_scored": row["in_scored"],
                    "in_share": row["in_relevant_share"],
                    "examples": list(examples.get(site, [])),
                }
            )
    return {"line": relevance_line(a.relevance), "rows": rows, "shown": _RELEVANCE_SHOWN,
            "threshold": a.config.relevance_threshold}  # fmt: skip


def evidence_by_site(a: Analysis) -> dict[str, list[tuple[str, str, bool]]]:
    """(code, evidence, uncertain) of each flagged site, in report order."""
    doubtful = uncertain(a)
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for row in a.findings.itertuples(index=False):
        out.setdefault(row.site, []).append((row.code, row.evidence, (row.site, row.code) in doubtful))
    return out


def _flagged(a: Analysis, links: Links) -> list[dict[str, Any]]:
    """Assessed sites with at least one reason code, worst first, with their evidence."""
    evidence = evidence_by_site(a)
    assessed = a.sites[a.assessed]
    rows = []
    for site, row in assessed[assessed["flags"].map(bool)].iterrows():
        score = row["score"]
        groups = (*(row["themes"] or ()), *(row["life_events"] or ()))
        rows.append(
            {
                "rank": row["rank"],
                "site": site_cell(site, row, links),
                "groups": [a.labels.get(g) or g for g in groups],
                "score": score,
                "bar": max(1, int(score * 0.6)) if score == score else 0,  # px
                "in_sites": row["in_sites"],
                "out_sites": row["out_sites"],
                "evidence": evidence[site],
            }
        )
    return rows


def _uncrawled(a: Analysis, links: Links) -> list[dict[str, Any]]:
    why = {r.site: r.evidence for r in a.findings.itertuples(index=False) if r.code == "uncrawled"}
    return [
        {"site": site_cell(site, row, links), "status": row["status"], "why": why.get(site, "")}
        for site, row in a.sites[~a.assessed].iterrows()
    ]


def grouping_texts(by: str) -> dict[str, str]:
    """The sentences that name a grouping, in the current language."""
    return {key: _(text) for key, text in _GROUPING_TEXT[by].items()}


def _grouping(a: Analysis, by: str, images: bool, links: Links) -> dict[str, Any]:
    table, matrix = a.groupings[by]
    text = grouping_texts(by)
    charts = None
    if images and len(table) and by != "organisation":
        from graphs import plots

        members = group_members(a.graph, by)
        charts = {
            "integration": _svg(plots.plot_group_integration(table, title=text["chart_integration"])),
            "matrix": _svg(plots.plot_group_matrix(matrix, labels=a.labels, title=text["chart_matrix"])),
            "degrees": _svg(
                plots.plot_group_degrees(a.sites, members, labels=a.labels, title=text["chart_degrees"])
            ),
        }
    page = links.organisation if by == "organisation" else links.group
    rows = [{**row, "href": page(row["group"])} for row in table.to_dict("records")]
    return {"by": by, "text": text, "rows": rows, "charts": charts}


def _network(a: Analysis) -> dict[str, str]:
    from graphs import plots

    return {"degrees": _svg(plots.plot_degree_distribution(a.sites[a.assessed]))}


def _order(a: Analysis) -> list[str]:
    """Groupings shown: the report's own first, then themes, life events, organisations."""
    shown = ["theme", "life-event", "organisation"]
    return [a.by, *(g for g in shown if g != a.by and g in a.groupings)]


def report_context(
    a: Analysis, *, generated_at: str | None = None, images: bool = True, links: Links | None = None
) -> dict[str, Any]:
    """Everything ``report.html`` shows, as plain values (the index of a report site too)."""
    from graphs.coverage import coverage_notes

    links = links or Links()
    summary = a.summary()
    unfinished = a.crawl is not None and a.crawl.state != "finished"
    if links.pages:  # each node of the explorer opens its site's page
        explorer = explorer_context(a, site_url=lambda site: links.site(site) or "")
    else:
        explorer = explorer_context(a)
    return {
        "crawl": _crawl(a.crawl),
        "hubs": ", ".join(a.hubs) or _("none"),
        "warnings": coverage_notes(a),
        "notes": a.notes[1:] if unfinished else list(a.notes),  # the crawl's state has its own box
        "summary": summary,
        "codes": _codes(a, summary["flags"]),
        "weights": a.config.weights,
        "penalties": a.config.penalties,
        "flagged": _flagged(a, links),
        "uncrawled": _uncrawled(a, links),
        "relevance": _relevance(a, links),
        "groupings": [_grouping(a, by, images, links) for by in _order(a)],
        "network": _network(a) if images else None,
        "explorer": explorer,
        "script_hashes": [explorer["hash"]],
        "history": a.history.html(images=images, labels=a.labels, by=a.by) if a.history is not None else None,
        "sites": [
            {
                "site": site,
                "display": display_site(site),
                "href": links.site(site),
                **{c: row[c] for c in _ALL_SITES},
            }
            for site, row in a.sites.iterrows()
        ],
        "generator": generator(),
        "generated_at": format_time(generated_at or datetime.now(UTC).isoformat(timespec="seconds")),
        "by": a.by,
        "site_pages": False,
    }


def render_html(a: Analysis, *, generated_at: str | None = None, images: bool = True) -> str:
    """The whole report as one HTML document (``images=False`` leaves the charts out)."""
    page = report_context(a, generated_at=generated_at, images=images)
    return environment().get_template("report.html").render(page)


def render_number(value: Any, spec: str = ",") -> str:
    """A figure as the pages show it (for callers outside templates)."""
    return format_number(value, spec)
