"""The HTML report: one self-contained file for readers who are not developers.

One file, no external resource (CSS inline, charts as base64 SVG, the network
explorer's script inline: :mod:`graphs.explorer`), so that it
can be mailed or archived and opened offline. Jinja2 templates lay the page
out (``graphs/templates/``: ``base.html`` the document and its
Content-Security-Policy, ``report.html`` the page, ``report/<section>.html``
one file per section, ``_macros.html`` the tables, cells and figures they
share); this module prepares plain values for them (numbers, strings, lists,
charts as ``data:`` URIs) and decides nothing about markup.

Escaping is the default, not a habit: titles and URLs come from crawled pages,
so the environment's ``finalize`` passes every ``{{ value }}`` through
:func:`crawler.text.escape_html` (control characters removed, then
``html.escape``), and autoescape stays on behind it for what templates compute
themselves. No template marks a value ``|safe``. The CSP forbids remote loads
and every script but the explorer's, allowed by its SHA-256 (``script_hashes``),
as a second line of defence.
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
from graphs.explorer import explorer_context
from graphs.findings import CODES
from graphs.groups import GROUPINGS, group_members
from graphs.relevance import relevance_line

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from crawler.store import CrawlInfo

__all__ = ["environment", "render_html"]

# Columns of the "all sites" table, besides the site id.
_ALL_SITES = (
    "rank", "name", "status", "score", "in_sites", "out_sites", "in_peer_sites", "out_peer_sites",
    "in_deep_share", "in_template_share", "pagerank", "hub_hops", "out_broken", "out_relevant_share",
    "in_relevant_share", "flags",
)  # fmt: skip
_RELEVANCE_SHOWN = 20  # sites in the relevance table, least relevant first


def _finalize(value: Any) -> Markup:
    """What ``{{ value }}`` writes: escaped text, or a macro's markup (control characters removed)."""
    if isinstance(value, Markup):  # a macro's output, or a filter's that escaped with markupsafe
        return Markup(safe_text(value))
    return Markup(escape_html(value))


def _num(value: Any, spec: str = ",") -> str:
    """The ``num`` filter: a number formatted with ``spec``, or "–" when missing."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return format(value, spec)


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of govlinks' HTML pages (templates in ``graphs/templates/``).

    ``trim_blocks`` and ``lstrip_blocks``: a line holding only a ``{% tag %}``
    writes nothing, so that templates can be laid out without adding white
    space (which would show between two cells); ``keep_trailing_newline``: a
    section file ends its line of the page. ``StrictUndefined``: a misspelt
    value fails the render instead of showing nothing.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("graphs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    return env


def _svg(figure: Figure) -> str:
    from graphs import plots

    svg = plots.to_svg(figure).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _crawl(info: CrawlInfo | None) -> dict[str, Any]:
    if info is None:  # a graph analysed by hand
        return {"id": "?", "status": "?", "started_at": "?", "finished_at": "not yet", "pages": None,
                "unfinished": False}  # fmt: skip
    state = info.state
    return {
        "id": info.id,
        "status": state,
        "started_at": info.started_at or "?",
        "finished_at": info.finished_at or "not yet",
        "pages": info.pages,
        "unfinished": state != "finished",
    }


def _site(site: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The site cell: its name (else its homepage title), a link when the URL is http(s)."""
    name = safe_text(row.get("name")) or safe_text(row.get("title"))
    url = safe_text(row.get("url"))
    title = safe_text(row.get("title"))
    return {
        "id": display_site(site),
        "name": name,
        "href": url if url.lower().startswith(("http://", "https://")) else None,
        "title": title if title != name else "",
    }


def _codes(a: Analysis, flags: Mapping[str, int]) -> list[dict[str, Any]]:
    missing = a.not_assessed()
    return [
        {"code": c, "rule": CODES[c], "sites": n, "checked": c not in missing, "missing": missing.get(c, "")}
        for c, n in flags.items()
    ]


def _relevance(a: Analysis) -> dict[str, Any]:
    """The relevance section: one sentence, and the sites whose links are least relevant."""
    rows = []
    if a.relevance is not None:
        scored = a.sites[a.assessed & (a.sites["out_scored"] > 0)]
        order = scored.sort_values(["out_relevant_share", "out_scored"], ascending=[True, False])
        examples = a.relevance.sites["examples"]
        for site, row in order.head(_RELEVANCE_SHOWN).iterrows():
            rows.append(
                {
                    "site": _site(site, row),
                    "out_scored": row["out_scored"],
                    "out_share": row["out_relevant_share"],
                    "in_scored": row["in_scored"],
                    "in_share": row["in_relevant_share"],
                    "examples": list(examples.get(site, [])),
                }
            )
    return {"line": relevance_line(a.relevance), "rows": rows, "shown": _RELEVANCE_SHOWN,
            "threshold": a.config.relevance_threshold}  # fmt: skip


def _flagged(a: Analysis) -> list[dict[str, Any]]:
    """Assessed sites with at least one reason code, worst first, with their evidence."""
    evidence: dict[str, list[tuple[str, str]]] = {}
    for row in a.findings.itertuples(index=False):
        evidence.setdefault(row.site, []).append((row.code, row.evidence))
    assessed = a.sites[a.assessed]
    rows = []
    for site, row in assessed[assessed["flags"].map(bool)].iterrows():
        score = row["score"]
        groups = (*(row["themes"] or ()), *(row["life_events"] or ()))
        rows.append(
            {
                "rank": row["rank"],
                "site": _site(site, row),
                "groups": [a.labels.get(g) or g for g in groups],
                "score": score,
                "bar": max(1, int(score * 0.6)) if score == score else 0,  # px
                "in_sites": row["in_sites"],
                "out_sites": row["out_sites"],
                "evidence": evidence[site],
            }
        )
    return rows


def _uncrawled(a: Analysis) -> list[dict[str, Any]]:
    why = {r.site: r.evidence for r in a.findings.itertuples(index=False) if r.code == "uncrawled"}
    return [
        {"site": _site(site, row), "status": row["status"], "why": why.get(site, "")}
        for site, row in a.sites[~a.assessed].iterrows()
    ]


def _grouping(a: Analysis, by: str, images: bool) -> dict[str, Any]:
    table, matrix = a.groupings[by]
    title = "theme" if by == "theme" else "life event"
    charts = None
    if images and len(table):
        from graphs import plots

        members = group_members(a.graph, by)
        inbound = f"Sites linking in, per {title}"
        charts = {
            "integration": _svg(plots.plot_group_integration(table, title=f"Integration per {title}")),
            "matrix": _svg(plots.plot_group_matrix(matrix, labels=a.labels, title=f"Links between {title}s")),
            "degrees": _svg(plots.plot_group_degrees(a.sites, members, labels=a.labels, title=inbound)),
        }
    return {"title": title, "rows": table.to_dict("records"), "charts": charts}


def _network(a: Analysis) -> dict[str, str]:
    from graphs import plots

    return {"degrees": _svg(plots.plot_degree_distribution(a.sites[a.assessed]))}


def render_html(a: Analysis, *, generated_at: str | None = None, images: bool = True) -> str:
    """The whole report as one HTML document (``images=False`` leaves the charts out)."""
    summary = a.summary()
    explorer = explorer_context(a)
    page = {
        "crawl": _crawl(a.crawl),
        "hubs": ", ".join(a.hubs) or "none",
        "notes": [n for n in a.notes if not n.startswith("Crawl ")],  # the crawl's state has its own box
        "summary": summary,
        "codes": _codes(a, summary["flags"]),
        "weights": a.config.weights,
        "penalties": a.config.penalties,
        "flagged": _flagged(a),
        "uncrawled": _uncrawled(a),
        "relevance": _relevance(a),
        "groupings": [_grouping(a, by, images) for by in sorted(GROUPINGS, key=lambda g: g != a.by)],
        "network": _network(a) if images else None,
        "explorer": explorer,
        "script_hashes": [explorer["hash"]],
        "history": a.history.html(images=images, labels=a.labels, by=a.by) if a.history is not None else None,
        "sites": [
            {"site": site, "display": display_site(site), **{c: row[c] for c in _ALL_SITES}}
            for site, row in a.sites.iterrows()
        ],
        "generator": generator(),
        "generated_at": generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "by": a.by,
    }
    return environment().get_template("report.html").render(page)
