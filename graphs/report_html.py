"""The HTML report: one self-contained file for readers who are not developers.

One file, no external resource (CSS inline, charts as base64 PNG), so that it
can be mailed or archived and opened offline. A Content-Security-Policy
forbids scripts and remote loads outright, as a second line of defence behind
escaping: every value shown goes through :func:`crawler.text.escape_html`
(control characters removed, then ``html.escape``), because titles and URLs
come from crawled pages.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from crawler.text import escape_html as esc
from crawler.text import generator, safe_text
from graphs.analysis import Analysis
from graphs.findings import CODES
from graphs.groups import GROUPINGS, group_members

__all__ = ["render_html"]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1b1b;
 margin:0;background:#f6f6f6}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:1.7em;margin:.2em 0 .1em;color:#000091}h2{margin-top:2em;border-bottom:2px solid #000091;
 padding-bottom:.2em;color:#000091}h3{margin-top:1.5em}
.meta{color:#555}.warn{background:#fff4e5;border-left:5px solid #e67e00;padding:.6em 1em;margin:1em 0}
.note{background:#eef3ff;border-left:5px solid #6a6af4;padding:.4em 1em;margin:.5em 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}
.card{flex:1 1 150px;border:1px solid #ddd;border-radius:6px;padding:.6em .9em;background:#fafafa}
.card b{display:block;font-size:1.6em;color:#000091}
table{border-collapse:collapse;width:100%;margin:.6em 0;font-size:.92em}
th,td{border-bottom:1px solid #e2e2e2;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f7}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f0f0f0;padding:0 .25em;border-radius:3px;font-size:.92em}
.flag{display:inline-block;background:#ffe9e6;color:#a30000;border-radius:3px;padding:0 .35em;margin:1px;
 font-size:.85em;font-family:monospace}
ul.ev{margin:0;padding-left:1.1em}.small{font-size:.85em;color:#555}
.score{font-weight:bold}.bar{display:inline-block;height:.6em;background:#000091;vertical-align:middle}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}.url{word-break:break-all}
details summary{cursor:pointer;font-weight:bold;margin:.5em 0}
"""


def _num(value: Any, spec: str = ",") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return esc(format(value, spec))


def _img(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def _site_cell(site: str, row: Mapping[str, Any]) -> str:
    name = safe_text(row.get("name")) or safe_text(row.get("title"))
    url = safe_text(row.get("url"))
    out = f"<b>{esc(name)}</b><br>" if name else ""
    if url.lower().startswith(("http://", "https://")):
        out += f'<a class="url" href="{esc(url)}" rel="noopener noreferrer">{esc(site)}</a>'
    else:
        out += f'<span class="url">{esc(site)}</span>'
    title = safe_text(row.get("title"))
    if title and title != name:
        out += f'<br><span class="small">homepage title: {esc(title)}</span>'
    return out


def _groups_cell(row: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    parts = [esc(labels.get(g) or g) for g in (*(row.get("themes") or ()), *(row.get("life_events") or ()))]
    return "<br>".join(parts) if parts else '<span class="small">none</span>'


def _table(head: Iterable[tuple[str, bool]], rows: Iterable[Iterable[str]]) -> str:
    ths = "".join(f'<th class="n">{esc(h)}</th>' if n else f"<th>{esc(h)}</th>" for h, n in head)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _td(text: str, numeric: bool = False) -> str:
    return f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>"


def _summary(a: Analysis) -> str:
    s = a.summary()
    cards = [
        ("sites in the seed list", _num(s["sites"])),
        ("sites assessed", _num(s["assessed"])),
        ("linked pairs of sites", _num(s["site_links"])),
        ("links between sites", _num(s["links"])),
        ("sites flagged", _num(s["flagged"])),
        ("median integration score", _num(s["median_score"], ".0f")),
    ]
    out = '<div class="cards">' + "".join(f'<div class="card"><b>{v}</b>{esc(k)}</div>' for k, v in cards)
    out += "</div>"
    rows = []
    for code, n in s["flags"].items():
        shown = "not checked" if code == "links_to_retired" and not a.external_checked else _num(n)
        rows.append([_td(f"<code>{esc(code)}</code>"), _td(esc(CODES[code])), _td(shown, True)])
    out += "<h3>Reason codes</h3>" + _table([("code", False), ("rule", False), ("sites", True)], rows)
    return out


def _findings(a: Analysis) -> str:
    evidence: dict[str, list[tuple[str, str]]] = {}
    for row in a.findings.itertuples(index=False):
        evidence.setdefault(row.site, []).append((row.code, row.evidence))
    assessed = a.sites[a.assessed]
    flagged = assessed[assessed["flags"].map(bool)]
    if not len(flagged):
        return "<p>No assessed site is flagged.</p>"
    rows = []
    for site, row in flagged.iterrows():
        score = row["score"]
        width = max(1, int(score * 0.6)) if score == score else 0
        bar = f'<span class="bar" style="width:{width}px"></span>' if width else ""
        items = "".join(
            f'<li><span class="flag">{esc(code)}</span> {esc(text)}</li>' for code, text in evidence[site]
        )
        rows.append(
            [
                _td(_num(row["rank"]), True),
                _td(_site_cell(site, row)),
                _td(_groups_cell(row, a.labels)),
                _td(f'<span class="score">{_num(score, ".0f")}</span><br>{bar}', True),
                _td(_num(row["in_sites"]), True),
                _td(_num(row["out_sites"]), True),
                _td(f'<ul class="ev">{items}</ul>'),
            ]
        )
    head = [
        ("rank", True), ("site", False), ("themes and life events", False), ("score", True),
        ("sites linking in", True), ("sites linked to", True), ("findings and evidence", False),
    ]  # fmt: skip
    return _table(head, rows)


def _uncrawled(a: Analysis) -> str:
    evidence = {r.site: r.evidence for r in a.findings.itertuples(index=False) if r.code == "uncrawled"}
    rows = [
        [_td(_site_cell(site, row)), _td(esc(row["status"])), _td(esc(evidence.get(site, "")))]
        for site, row in a.sites[~a.assessed].iterrows()
    ]
    if not rows:
        return "<p>Every site could be assessed.</p>"
    return _table([("site", False), ("status", False), ("why", False)], rows)


def _label_cell(r: Mapping[str, Any]) -> str:
    label = esc(r["label"])
    if r["label"] != r["group"]:
        label += f' <span class="small">{esc(r["group"])}</span>'
    return label


def _grouping(a: Analysis, by: str, images: bool) -> str:
    table, matrix = a.groupings[by]
    title = "theme" if by == "theme" else "life event"
    out = f"<h2>By {esc(title)}</h2>"
    if not len(table):
        return out + f"<p>No site has a {esc(title)} in the seed list.</p>"
    rows = [
        [
            _td(_label_cell(r)),
            _td(_num(r["sites"]), True),
            _td(_num(r["crawled"]), True),
            _td(_num(r["internal_links"]), True),
            _td(_num(r["density"], ".2f"), True),
            _td(_num(r["links_in"]), True),
            _td(_num(r["links_out"]), True),
            _td(_num(r["isolated_share"], ".0%"), True),
            _td(_num(r["flagged"]), True),
            _td(_num(r["mean_score"], ".0f"), True),
        ]
        for r in table.to_dict("records")
    ]  # fmt: skip
    head = [(title, False), ("sites", True), ("assessed", True), ("links inside", True),
            ("density inside", True), ("links from outside", True), ("links to outside", True),
            ("isolated inside", True), ("flagged", True), ("mean score", True)]  # fmt: skip
    out += _table(head, rows)
    out += (
        '<p class="small">Links count linked pairs of sites. Density: links inside over the possible '
        "pairs of member sites. Isolated: members linking to and linked from no other member.</p>"
    )
    if images:
        from graphs import plots

        out += _img(
            plots.to_png(plots.plot_group_integration(table, title=f"Integration per {title}")),
            f"bar chart of integration per {title}",
            f"Integration per {title}: mean score, link density inside, share of members linked inside.",
        )
        out += _img(
            plots.to_png(plots.plot_group_matrix(matrix, labels=a.labels, title=f"Links between {title}s")),
            f"heatmap of links between {title}s",
            f"Each cell counts the sites of the row {title} linking to sites of the column {title}.",
        )
        members = group_members(a.graph, by)
        degrees = plots.plot_group_degrees(
            a.sites, members, labels=a.labels, title=f"Sites linking in, per {title}"
        )
        out += _img(
            plots.to_png(degrees),
            f"box plot of inbound links per {title}",
            f"How many other sites link to the sites of each {title}.",
        )
    return out


def _all_sites(a: Analysis) -> str:
    rows = [
        [
            _td(_num(row["rank"]), True),
            _td(f'<span class="url">{esc(site)}</span>'),
            _td(esc(row["name"])),
            _td(esc(row["status"])),
            _td(_num(row["score"], ".0f"), True),
            _td(_num(row["in_sites"]), True),
            _td(_num(row["out_sites"]), True),
            _td(_num(row["in_peer_sites"]), True),
            _td(_num(row["out_peer_sites"]), True),
            _td(_num(row["in_deep_share"], ".0%"), True),
            _td(_num(row["in_template_share"], ".0%"), True),
            _td(_num(row["pagerank"], ".4f"), True),
            _td(_num(row["hub_hops"], ".0f"), True),
            _td(_num(row["out_broken"]), True),
            _td(" ".join(f'<span class="flag">{esc(c)}</span>' for c in row["flags"])),
        ]
        for site, row in a.sites.iterrows()
    ]
    head = [("rank", True), ("site", False), ("name", False), ("status", False), ("score", True),
            ("in", True), ("out", True), ("peers in", True), ("peers out", True), ("deep in", True),
            ("template in", True), ("PageRank", True), ("hops from hub", True),
            ("broken out", True), ("flags", False)]  # fmt: skip
    return (
        f"<details><summary>All {len(rows)} sites and their metrics</summary>"
        + _table(head, rows)
        + '<p class="small">in/out: other seed sites linking to it / it links to; peers: sites sharing '
        "a theme or life event; deep in: share of inbound URLs that are not the homepage; template in: "
        "share of linking pages where the link sits only in header, menu or footer.</p></details>"
    )


def render_html(a: Analysis, *, generated_at: str | None = None, images: bool = True) -> str:
    """The whole report as one HTML document (``images=False`` leaves the charts out)."""
    crawl = a.crawl
    state = crawl.state if crawl else None
    stamp = generated_at or datetime.now(UTC).isoformat(timespec="seconds")
    title = f"govlinks report — crawl {crawl.id if crawl else '?'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>",
        "<h1>How well do public websites link to each other?</h1>",
        f'<p class="meta">{esc(title)}: {esc(state or "?")}; started '
        f"{esc((crawl.started_at if crawl else None) or '?')}, "
        f"finished {esc((crawl.finished_at if crawl else None) or 'not yet')}; "
        f"{_num(crawl.pages if crawl else None)} pages. Hub: {esc(', '.join(a.hubs) or 'none')}.</p>",
    ]
    if state and state != "finished":
        parts.append(
            f'<div class="warn"><b>This crawl is {esc(state)}.</b> The figures cover only the pages '
            "stored so far and will change when it completes.</div>"
        )
    parts.extend(f'<div class="note">{esc(n)}</div>' for n in a.notes if not n.startswith("Crawl "))
    parts.append("<h2>Summary</h2>")
    parts.append(_summary(a))
    parts.append(
        "<h3>The integration score</h3><p>From 0 (isolated) to 100. It compares each site with its "
        "peers, the sites sharing one of its themes or life events: how many sites link to it and how "
        "many it links to, how many of its peers link to it and it links to (each relative to the "
        "peers' median, capped at 1), the share of inbound links that go deeper than its homepage and "
        "the share of linking pages where the link sits in the content rather than in a menu or "
        f"footer. Weights: {esc(', '.join(f'{k} {v:g}' for k, v in a.config.weights.items()))}. "
        f"Penalties: {esc(', '.join(f'{k} −{v:g}' for k, v in a.config.penalties.items()))}.</p>"
    )
    parts.append("<h2>Sites that do not carry users along, worst first</h2>")
    parts.append(_findings(a))
    parts.append("<h2>Sites that could not be assessed</h2>")
    parts.append(_uncrawled(a))
    for by in sorted(GROUPINGS, key=lambda g: g != a.by):
        parts.append(_grouping(a, by, images))
    parts.append("<h2>The network</h2>")
    if images:
        from graphs import plots

        parts.append(
            _img(
                plots.to_png(plots.plot_degree_distribution(a.sites[a.assessed])),
                "histograms of sites linking in and linked to",
                "How many other seed sites each site links to, and is linked from.",
            )
        )
        parts.append(
            _img(
                plots.to_png(plots.plot_network(a.graph, by=a.by, labels=a.labels), dpi=90),
                "picture of the site network",
                "Each dot is a site, coloured by its first group and sized by the sites linking to it; "
                "hollow dots could not be assessed; lines are the strongest links.",
            )
        )
    parts.append(_all_sites(a))
    parts.append(
        f'<p class="small">Generated by {esc(generator())} on {esc(stamp)}; grouping: {esc(a.by)}. '
        "Machine-readable form: <code>govlinks report --format json</code>.</p>"
    )
    parts.append("</main></body></html>\n")
    return "\n".join(parts)
