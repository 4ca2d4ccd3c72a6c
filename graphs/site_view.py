"""One site seen from the report: its figures, who links to it and from where, where it links.

A site owner asks "who links to my site, from which pages?". :func:`site_view`
answers with plain values that both the site's page of the report site
(``graphs/templates/site.html``) and ``govlinks report --site ID`` (:func:`render_site`)
show: its score and findings, the sites linking to it with example source pages
and anchors (deep or homepage, content or template), the sites it links to, its
broken and retired links. The examples come from the store in one query for every
site (:func:`load_details`); the rest from the :class:`~graphs.analysis.Analysis`.
Optional sections (history, recommendations, journey gaps) are filled by the
analyses that compute them, and shown when present.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from crawler.errors import GovlinksError
from crawler.text import safe_text
from graphs.analysis import Analysis
from graphs.columns import column_label
from graphs.i18n import _, ngettext
from graphs.report_html import Links, evidence_by_site
from graphs.retired import failure_reason

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = ["EXAMPLES", "SiteDetails", "SitePages", "load_details", "render_site", "site_view"]

EXAMPLES = 3  # example source pages shown per linking site
_FIGURES = (
    ("in_sites", ","), ("out_sites", ","), ("in_peer_sites", ","), ("out_peer_sites", ","),
    ("in_weight", ","), ("in_deep_share", ".0%"), ("in_template_share", ".0%"), ("pagerank", ".4f"),
    ("hub_hops", ".0f"), ("out_targets", ","), ("out_broken", ","),
)  # fmt: skip


@dataclass
class SiteDetails:
    """What a site page shows beyond the analysis, read from the store once for every site.

    ``inbound``: :meth:`Reads.inbound_examples` (example links per linked pair of sites);
    ``broken``: :meth:`Reads.broken_links` (broken targets per linking site).
    """

    inbound: pd.DataFrame
    broken: pd.DataFrame

    @classmethod
    def empty(cls) -> SiteDetails:
        inbound = ["source", "target", "page_id", "source_url", "target_url", "anchor", "template", "deep"]
        broken = ["source", "target", "target_url", "source_url", "pages", "status", "error", "total"]
        return cls(pd.DataFrame(columns=inbound), pd.DataFrame(columns=broken))


def load_details(store: Store, crawl_id: int, *, site: str | None = None) -> SiteDetails:
    """The examples behind every site page of a crawl (or of one ``site``), two queries in all."""
    per_pair = EXAMPLES + 1  # a page may link twice: one more row than pages shown
    inbound = store.reads.inbound_examples(crawl_id, target=site, per_pair=per_pair)
    broken = store.reads.broken_links(crawl_id, source=site)
    return SiteDetails(inbound, broken)


def _edge_figures(d: Mapping[str, Any]) -> dict[str, int]:
    """The figures of a linked pair of sites (an edge of the site graph), as whole numbers."""
    names = {"pages": "weight", "links": "links", "targets": "targets", "deep": "deep", "broken": "broken",
             "content_pages": "content_pages", "template_pages": "template_pages"}  # fmt: skip
    return {key: int(d.get(attr, 0)) for key, attr in names.items()}


@dataclass
class _Prepared:
    """What every site page reads, taken out of the DataFrames once (a report site has 750 pages)."""

    rows: dict[str, dict[str, Any]]
    assessed: dict[str, bool]
    evidence: dict[str, list[tuple[str, str, bool]]]
    examples: dict[tuple[str, str], list[dict[str, Any]]]
    broken: dict[str, list[dict[str, Any]]]
    broken_total: dict[str, int]
    retired: dict[str, list[dict[str, Any]]]


def _prepare(a: Analysis, details: SiteDetails) -> _Prepared:
    examples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    pages: dict[tuple[str, str], set[Any]] = {}
    for r in details.inbound.itertuples(index=False):  # content links first, then by page (SQL order)
        pair = (str(r.source), str(r.target))
        seen = pages.setdefault(pair, set())
        shown = examples.setdefault(pair, [])
        if r.page_id in seen or len(shown) == EXAMPLES:
            continue  # one example per source page
        seen.add(r.page_id)
        shown.append({
            "source_url": safe_text(r.source_url), "target_url": safe_text(r.target_url),
            "anchor": safe_text(r.anchor), "deep": bool(r.deep), "template": bool(r.template),
        })  # fmt: skip
    broken: dict[str, list[dict[str, Any]]] = {}
    total: dict[str, int] = {}
    for r in details.broken.itertuples(index=False):
        why = failure_reason(r.error, r.status)
        broken.setdefault(str(r.source), []).append(
            {
                "target_url": safe_text(r.target_url),
                "source_url": safe_text(r.source_url),
                "pages": int(r.pages),
                "why": why,
            }
        )
        total[str(r.source)] = int(r.total)
    retired: dict[str, list[dict[str, Any]]] = {}
    for r in a.retired.itertuples(index=False) if a.retired is not None else ():
        retired.setdefault(str(r.source), []).append(
            {"target_url": safe_text(r.target_url), "pages": int(r.pages), "reason": safe_text(r.reason)}
        )
    return _Prepared(
        rows=a.sites.to_dict("index"),
        assessed=a.assessed.to_dict(),
        evidence=evidence_by_site(a),
        examples=examples,
        broken=broken,
        broken_total=total,
        retired=retired,
    )


class SitePages:
    """The views of every site of one analysis, prepared once: ``SitePages(a, details).view(site)``."""

    def __init__(self, a: Analysis, details: SiteDetails) -> None:
        self.a = a
        self.p = _prepare(a, details)

    def _name(self, site: str) -> str:
        row = self.p.rows.get(site)
        return safe_text(row["name"]) if row else ""

    def view(
        self, site: str, links: Links | None = None, extras: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Everything the page of ``site`` shows, as plain values (:mod:`graphs.i18n` for the words).

        ``extras``: optional sections by name (``history``, ``recommendations``,
        ``journey_gaps``), shown when present.
        """
        a, p = self.a, self.p
        if site not in p.rows:
            known = ", ".join(list(a.sites.index[:10])) + (" …" if len(a.sites) > 10 else "")
            raise GovlinksError(f"--site: no site {site!r} in this crawl (known: {known})")
        links = links or Links()
        row = p.rows[site]
        G = a.graph
        linking = []
        for source, _target, d in sorted(
            G.in_edges(site, data=True), key=lambda e: (-e[2].get("weight", 0), e[0])
        ):
            examples = p.examples.get((source, site), [])
            figures = _edge_figures(d)
            more = max(0, figures["pages"] - len(examples))
            linking.append(
                {
                    "site": source,
                    "name": self._name(source),
                    "page": links.site(source),
                    **figures,
                    "examples": examples,
                    "more": more,
                }
            )
        out_edges = sorted(G.out_edges(site, data=True), key=lambda e: (-e[2].get("weight", 0), e[1]))
        linked = [
            {"site": target, "name": self._name(target), "page": links.site(target), **_edge_figures(d)}
            for _source, target, d in out_edges
        ]
        groups = [*(row["themes"] or ()), *(row["life_events"] or ())]
        url = safe_text(row["url"])
        return {
            "id": site,
            "name": safe_text(row["name"]) or site,
            "url": url if url.lower().startswith(("http://", "https://")) else None,
            "title": safe_text(row["title"]),
            "organisation": safe_text(row["organisation"]),
            "organisation_page": links.organisation(row["organisation"]) if row["organisation"] else None,
            "groups": [{"id": g, "label": a.labels.get(g) or g, "page": links.group(g)} for g in groups],
            "status": row["status"],
            "assessed": bool(p.assessed[site]),
            "crawl": {
                c: row[c] for c in ("pages", "html_pages", "errors", "robots_blocked", "homepage_status")
            },
            "score": row["score"],
            "rank": int(row["rank"]),
            "sites": len(p.rows),
            "figures": [(column_label(c), row[c], spec) for c, spec in _FIGURES],
            "findings": p.evidence.get(site, []),
            "inbound": linking,
            "outbound": linked,
            "broken": p.broken.get(site, []),
            "broken_total": p.broken_total.get(site, 0),
            "retired": p.retired.get(site, []),
            "retired_checked": a.external_checked,
            "history": None,
            "recommendations": None,
            "journey_gaps": None,
            **(extras or {}),
        }


def site_view(a: Analysis, site: str, details: SiteDetails, links: Links | None = None) -> dict[str, Any]:
    """The page of one site (:meth:`SitePages.view`; a report site prepares every page at once)."""
    return SitePages(a, details).view(site, links)


def render_site(view: Mapping[str, Any], *, width: int = 100) -> str:
    """``govlinks report --site ID``: the site's page as terminal text."""
    from rich.table import Table
    from rich.text import Text

    from graphs.report_table import console, number

    buf = io.StringIO()
    out = console(buf, width)
    out.print(Text(f"{view['name']} — {view['id']}"))
    facts = [view["url"] or "", view["organisation"], ", ".join(g["label"] for g in view["groups"])]
    out.print(Text(" · ".join(f for f in facts if f)))
    if view["assessed"]:
        out.print(Text(_("integration score {score} (rank {rank} of {n}, worst first)").format(
            score=number(view["score"], ".0f"), rank=view["rank"], n=view["sites"])))  # fmt: skip
    else:
        out.print(Text(_("not assessed (crawl status {status})").format(status=view["status"])))
    out.print(Text("; ".join(f"{label} {number(value, spec)}" for label, value, spec in view["figures"])))
    out.print()
    for code, text, doubtful in view["findings"]:
        mark = _(" (uncertain)") if doubtful else ""
        out.print(Text(f"{code}{mark}: {safe_text(text)}"))
    if view["findings"]:
        out.print()
    table = Table(title=_("Sites linking to it, with example pages"), title_justify="left", box=None,
                  pad_edge=False)  # fmt: skip
    for name, justify in ((_("site"), "left"), (_("pages"), "right"), (_("deep"), "right"),
                          (_("content"), "right"), (_("example source pages"), "left")):  # fmt: skip
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for s in view["inbound"]:
        examples = []
        for e in s["examples"]:
            where = _("deep") if e["deep"] else _("homepage")
            how = _("menu") if e["template"] else _("content")
            examples.append(f"{e['source_url']} → {e['target_url']} ({where}, {how})")
        if s["more"]:
            examples.append(
                ngettext("… and {n} more page", "… and {n} more pages", s["more"]).format(n=s["more"])
            )
        table.add_row(Text(s["site"]), Text(number(s["pages"])), Text(number(s["deep"])),
                      Text(number(s["content_pages"])), Text("\n".join(examples)))  # fmt: skip
    out.print(table if view["inbound"] else Text(_("No other seed site links to it.")))
    out.print()
    outbound = Table(title=_("Sites it links to"), title_justify="left", box=None, pad_edge=False)
    for name in (_("site"), _("pages"), _("URLs"), _("broken")):
        outbound.add_column(name, justify="left" if name == _("site") else "right", overflow="fold")
    for s in view["outbound"]:
        outbound.add_row(Text(s["site"]), Text(number(s["pages"])), Text(number(s["targets"])),
                         Text(number(s["broken"])))  # fmt: skip
    out.print(outbound if view["outbound"] else Text(_("It links to no other seed site.")))
    for b in view["broken"]:
        out.print(Text(_("broken: {target} ({why}), from {source}").format(
            target=b["target_url"], why=b["why"], source=b["source_url"])))  # fmt: skip
    for r in view["retired"]:
        out.print(Text(_("retired: {target} ({reason})").format(target=r["target_url"], reason=r["reason"])))
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
