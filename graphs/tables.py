"""Open-data tables of an analysis: CSV or Parquet with a Frictionless data package.

The commitment asks for open, comparable, reusable data: ``nodes``, ``edges``,
``findings`` and ``recommendations`` (the links each site should add, with their
evidence; and, for ``--level page``, every page-level cross-site link)
as plain tables whose ``datapackage.json`` says what each column means, its
type, and how the tables join. Values are sanitised like the graph exports
(lists ``|``-joined, XML-illegal control characters removed, one type per
column), so a table opens the same in pandas, R, a spreadsheet or Gephi's
spreadsheet import (``id``/``label``, ``source``/``target``/``weight``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from crawler.errors import GovlinksError
from crawler.fileio import output_folder
from crawler.text import xml_text
from graphs.columns import csv_options, defused, excel_package
from graphs.gexf import is_missing, sanitize_value, value_type

if TYPE_CHECKING:
    from crawler.store import CrawlInfo, Store
    from graphs.analysis import Analysis

__all__ = [
    "FIELD_DESCRIPTIONS",
    "datapackage",
    "edges_table",
    "findings_table",
    "nodes_table",
    "recommendations_table",
    "write_page_links",
    "write_tables",
]

# What every exported column means (datapackage.json repeats it for each field).
FIELD_DESCRIPTIONS: dict[str, str] = {
    "id": "Site id: the seed URL's host without www., followed by its path when not /",
    "label": "Display label: the site's name, else its id",
    "host_unicode": "The site's host as people write it (internationalised names in Unicode; the id keeps "
    "the ASCII form)",
    "name": "Site name from the seed list",
    "organisation": "Organisation running the site, from the seed list",
    "url": "Seed URL of the site",
    "title": "Title of the site's homepage as crawled",
    "themes": "Theme ids of the site, |-separated (seeds/themes.csv)",
    "life_events": "Life-event ids of the site, |-separated (seeds/life_events.csv)",
    "main_theme": "First theme of the site (the node colour in GEXF)",
    "status": "Crawl status: ok, unreachable, robots, homepage_error, no_html or not_crawled",
    "pages": "Pages fetched without error",
    "html_pages": "HTML pages fetched with a status below 400",
    "errors": "Pages answering 400 or more, or failing",
    "robots_blocked": "Pages robots.txt forbade",
    "homepage_status": "HTTP status of the seed page (empty when it did not answer)",
    "in_sites": "Seed sites linking to this site",
    "out_sites": "Seed sites this site links to",
    "in_weight": "Pages of other seed sites linking to this site",
    "out_weight": "Pages of this site linking to other seed sites",
    "in_links": "Links from other seed sites to this site",
    "out_links": "Links from this site to other seed sites",
    "pagerank": "PageRank in the site graph, edges weighted by linking pages",
    "in_peer_sites": "Sites sharing a theme or life event that link to this site",
    "in_other_sites": "Other sites linking to this site",
    "out_peer_sites": "Sites sharing a theme or life event this site links to",
    "out_other_sites": "Other sites this site links to",
    "in_peer_weight": "Linking pages of sites sharing a theme or life event",
    "in_other_weight": "Linking pages of other sites",
    "out_peer_weight": "Pages of this site linking to sites sharing a theme or life event",
    "out_other_weight": "Pages of this site linking to other sites",
    "in_targets": "Distinct (linking site, URL of this site) pairs",
    "in_deep": "Of in_targets, those not pointing at the homepage",
    "in_deep_share": "in_deep / in_targets (empty without inbound links)",
    "in_content_pages": "Linking pages with a link in their content (not only in templates)",
    "in_template_share": "Share of linking pages whose links sit only in header, menu or footer",
    "reciprocity": "Share of linked sites (in and out) that link both ways",
    "hub_hops": "Fewest links from a hub site to this site (empty when unreachable)",
    "out_targets": "Distinct URLs this site links to inside other seed sites",
    "out_broken": "Of out_targets, those answering 400 or more or not answering",
    "out_scored": "Content links to other seed sites whose relevance was scored (empty without page text)",
    "out_relevant": "Of out_scored, those about the page they point to (graphs/relevance.py)",
    "out_relevant_share": "out_relevant / out_scored",
    "in_scored": "Content links from other seed sites to this site whose relevance was scored",
    "in_relevant": "Of in_scored, those about the page they point to",
    "in_relevant_share": "in_relevant / in_scored",
    "out_broken_share": "out_broken / out_targets",
    "flags": "Reason codes of the findings, |-separated (see findings.csv)",
    "score": "Integration score, 0-100 against the peers of the site's groups (empty: not assessed)",
    "rank": "Rank by score, worst first",
    "source": "Site id of the linking site",
    "target": "Site id of the linked site",
    "weight": "Distinct pages of the source site linking to the target site",
    "links": "Link occurrences from the source site to the target site",
    "targets": "Distinct URLs of the target site linked to",
    "deep": "Of targets, those other than the target site's homepage",
    "template_pages": "Linking pages with a link in header, menu or footer",
    "content_pages": "Linking pages with a link in their content",
    "broken": "Of targets, those answering 400 or more or not answering",
    "site": "Site id",
    "code": "Reason code (see the README: govlinks report)",
    "evidence": "One sentence an analyst can check",
    "details": "The figures behind the finding, as JSON",
    "source_site": "Site id of the linking page's site",
    "source_url": "URL of the linking page",
    "target_site": "Site id of the linked URL (empty outside the seed sites)",
    "target_url": "Linked URL, absolute, without fragment",
    "href": "The href as written in the page",
    "anchor": "Anchor text of the link",
    "rel": "rel attribute of the link",
    "template": "1 when the link sits in header, navigation or footer, 0 in content",
}


# Columns whose meaning in one table differs from FIELD_DESCRIPTIONS (table -> column -> text).
TABLE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "recommendations": {
        "source": "Site id of the site that should add the link",
        "target": "Site id of the site it should link to",
        "rank": "Rank among the source's recommendations, 1 = best",
        "score": "Recommendation score, 0-1: weighted evidence (see the README: govlinks recommend)",
        "target_url": "The page to link: the target's page most linked from content by the peers below",
        "group": "Theme or life-event id of the source where most peers link the target (empty: none)",
        "peers": "Other assessed sites of that group, the target not counted",
        "peers_linking": "Of those, the sites linking to the target",
        "peer_share": "peers_linking / (peers + prior)",
        "linkers": "Assessed sites linking to the source, the target not counted",
        "cocited": "Of those, the sites also linking to the target",
        "cocitation": "cocited / (linkers + prior)",
        "shared_group": "A theme or life event source and target share (empty: none)",
        "links_back": "1 when the target already links to the source",
        "url_peers": "Peers linking target_url from their content (0: the target's homepage, no peer page)",
        "url_pages": "Their pages linking target_url from content",
        "evidence": "The evidence in words an analyst can check",
    }
}

_PANDAS = {"integer": "Int64", "long": "Int64", "double": "float64", "boolean": "boolean"}


def _typed_frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with one sanitised type per column (nullable ints and booleans)."""
    data = {}
    for col in columns:
        values = [sanitize_value(r.get(col)) for r in rows]
        kind = value_type(values)
        if kind == "string":
            data[col] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
        elif kind == "double":
            data[col] = pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
        else:
            data[col] = pd.Series(values, dtype=_PANDAS[kind])
    return pd.DataFrame(data, columns=list(columns))


def nodes_table(G: nx.Graph, sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per node: ``id``, ``label``, then every node attribute (no ``viz``),
    then the columns of ``sites`` (indexed by site id) the graph lacks."""
    extra = [c for c in (sites.columns if sites is not None else []) if c not in ("id", "label")]
    rows = []
    for n, data in G.nodes(data=True):
        row = {k: v for k, v in data.items() if k != "viz"}
        row["id"] = n
        row["label"] = row.get("label") or row.get("name") or n
        if "main_theme" not in row:
            themes = sanitize_value(row.get("themes")) or ""
            row["main_theme"] = themes.split("|")[0] if isinstance(themes, str) else ""
        if sites is not None and n in sites.index:
            for c in extra:
                row.setdefault(c, sites.at[n, c])
        rows.append(row)
    columns = ["id", "label", *dict.fromkeys(k for r in rows for k in r if k not in ("id", "label"))]
    if "life_events" in columns:  # main_theme next to the groups it comes from
        columns.remove("main_theme")
        columns.insert(columns.index("life_events") + 1, "main_theme")
    frame = _typed_frame(rows, columns)
    frame["label"] = frame["label"].str.split().str.join(" ")
    return frame


def edges_table(G: nx.Graph) -> pd.DataFrame:
    """One row per edge: ``source``, ``target``, ``weight``, then the other attributes."""
    rows = [{"source": u, "target": v, "weight": d.get("weight", 1), **d} for u, v, d in G.edges(data=True)]
    columns = ["source", "target", "weight", *dict.fromkeys(k for r in rows for k in r)]
    return _typed_frame(rows, list(dict.fromkeys(columns)))


def findings_table(findings: pd.DataFrame, sites: Iterable[str] | None = None) -> pd.DataFrame:
    """``site``, ``code``, ``evidence`` (+ ``details`` as JSON), for ``sites`` only if given."""
    frame = findings
    if sites is not None:
        keep = set(sites)
        frame = frame[frame["site"].isin(keep)]
    rows = []
    for record in frame.to_dict("records"):
        row = {k: record.get(k) for k in ("site", "code", "evidence")}
        for key, value in record.items():
            if key not in row:
                row[key] = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
        rows.append(row)
    columns = ["site", "code", "evidence", *dict.fromkeys(k for r in rows for k in r)]
    return _typed_frame(rows, list(dict.fromkeys(columns)))


def recommendations_table(recommendations: pd.DataFrame, sites: Iterable[str] | None = None) -> pd.DataFrame:
    """The links each site should add (:func:`graphs.recommend.recommend`); between ``sites`` if given."""
    frame = recommendations
    if sites is not None:
        keep = set(sites)
        frame = frame[frame["source"].isin(keep) & frame["target"].isin(keep)]
    rows = frame.to_dict("records")
    return _typed_frame(rows, list(recommendations.columns))


def _schema(frame: pd.DataFrame, table: str) -> dict[str, Any]:
    fields = []
    for col in frame.columns:
        dtype = str(frame[col].dtype)
        kind = (
            "integer"
            if dtype == "Int64"
            else "number"
            if dtype == "float64"
            else "boolean"
            if dtype == "boolean"
            else "string"
        )
        desc = TABLE_DESCRIPTIONS.get(table, {}).get(str(col)) or FIELD_DESCRIPTIONS.get(
            str(col), f"{col} of each {table} row (see the README)"
        )
        fields.append({"name": str(col), "type": kind, "description": desc})
    return {"fields": fields, "missingValues": [""]}


# Columns of each table that reference nodes.id.
_REFERENCES = {"edges": ("source", "target"), "findings": ("site",), "recommendations": ("source", "target")}


def datapackage(
    tables: Mapping[str, pd.DataFrame], fmt: str, *, crawl: CrawlInfo | None = None
) -> dict[str, Any]:
    """A Frictionless Data Package descriptor for tables written as ``<name>.<fmt>``.

    Keys: ``nodes.id`` is the primary key, ``edges`` (source, target), and
    ``edges.source``/``target`` and ``findings.site`` reference ``nodes.id``
    when all their values are node ids. ``crawl`` (None for a graph built by
    hand) names the package and dates it.
    """
    ids = set(tables["nodes"]["id"]) if "nodes" in tables else set()
    resources = []
    for name, frame in tables.items():
        schema = _schema(frame, name)
        if name == "nodes":
            schema["primaryKey"] = ["id"]
        elif name in ("edges", "recommendations"):
            schema["primaryKey"] = ["source", "target"]
        refs = _REFERENCES.get(name, ())
        foreign = [
            {"fields": col, "reference": {"resource": "nodes", "fields": "id"}}
            for col in refs
            if "nodes" in tables and set(frame[col]) <= ids
        ]
        if foreign:
            schema["foreignKeys"] = foreign
        resource: dict[str, Any] = {
            "name": name,
            "path": f"{name}.{fmt}",
            "format": fmt,
            "schema": schema,
        }
        if fmt == "csv":
            resource.update(mediatype="text/csv", encoding="utf-8")
        else:
            resource["mediatype"] = "application/vnd.apache.parquet"
        resources.append(resource)
    cid = crawl.id if crawl else None
    created = (crawl.finished_at or crawl.started_at) if crawl else None
    return {
        "name": f"govlinks-crawl-{cid}" if cid is not None else "govlinks",
        "title": f"govlinks: hyperlinks between State websites (crawl {cid})",
        "description": (
            "Sites of the seed list (nodes), links between them aggregated per pair of sites "
            "(edges), the findings that flag poorly integrated sites and the links each site "
            "should add (recommendations). "
            f"Crawl started {crawl.started_at if crawl else '?'}, status {crawl.state if crawl else '?'}."
        ),
        "created": created or datetime.now().isoformat(),
        "resources": resources,
    }


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str, *, excel: bool = False) -> None:
    if fmt == "csv":
        defused(frame).to_csv(path, index=False, **csv_options(excel))
    else:
        frame.to_parquet(path, index=False)


def write_tables(
    analysis: Analysis,
    out_dir: str | Path,
    fmt: str = "csv",
    *,
    graph: nx.Graph | None = None,
    excel: bool = False,
) -> dict[str, int]:
    """Write nodes, edges, findings and recommendations as CSV or Parquet, with ``datapackage.json``.

    ``graph`` restricts the export to a subgraph (``--only``); its nodes' rows of
    ``analysis.sites`` and findings are kept. ``excel`` (CSV): semicolons, a UTF-8
    byte-order mark and, in French, decimal commas, declared in the data package.
    Returns the rows per table.
    """
    if fmt not in ("csv", "parquet"):
        raise GovlinksError(f"unknown table format {fmt!r} (use csv or parquet)")
    out = output_folder(out_dir)
    G = graph if graph is not None else analysis.graph
    tables = {
        "nodes": nodes_table(G, analysis.sites),
        "edges": edges_table(G),
        "findings": findings_table(analysis.findings, G.nodes),
        "recommendations": recommendations_table(analysis.recommendations, G.nodes),
    }
    for name, frame in tables.items():
        _write_frame(frame, out / f"{name}.{fmt}", fmt, excel=excel)
    package = datapackage(tables, fmt, crawl=analysis.crawl)
    if excel and fmt == "csv":
        excel_package(package)
    (out / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
    return {name: len(frame) for name, frame in tables.items()}


_PAGE_COLUMNS = (
    "source_site", "source_url", "target_site", "target_url", "href", "anchor", "rel", "template",
)  # fmt: skip


def write_page_links(
    store: Store,
    crawl_id: int,
    out_dir: str | Path,
    fmt: str = "csv",
    *,
    chunksize: int = 100_000,
    excel: bool = False,
) -> int:
    """Stream the page-level cross-site link table to ``page_links.<fmt>``.

    Read and written in chunks of ``chunksize`` rows, so that millions of links
    never sit in memory at once. Writes ``datapackage.json`` too; returns the rows.
    """
    if fmt not in ("csv", "parquet"):
        raise GovlinksError("--level page exports tables only: use --format csv or parquet")
    out = output_folder(out_dir)
    path = out / f"page_links.{fmt}"
    rows = 0
    writer = None
    import pyarrow as pa

    schema = pa.schema([(c, pa.int64() if c == "template" else pa.string()) for c in _PAGE_COLUMNS])
    try:
        for i, chunk in enumerate(store.reads.page_links(crawl_id, chunksize=chunksize)):
            chunk = chunk[list(_PAGE_COLUMNS)]
            for col in _PAGE_COLUMNS[:-1]:
                chunk[col] = chunk[col].map(lambda v: None if is_missing(v) else xml_text(v))
            chunk["template"] = chunk["template"].astype("int64")
            rows += len(chunk)
            if fmt == "csv":
                options = csv_options(excel)
                if i:  # one byte-order mark, at the start of the file
                    options["encoding"] = "utf-8"
                mode = "w" if i == 0 else "a"
                defused(chunk).to_csv(path, mode=mode, header=i == 0, index=False, **options)
                continue
            import pyarrow.parquet as pq

            if writer is None:
                writer = pq.ParquetWriter(path, schema)
            writer.write_table(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))
        if rows == 0:  # no link at all: still a readable, typed, empty table
            empty = pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "template" else object) for c in _PAGE_COLUMNS}
            )
            _write_frame(empty, path, fmt, excel=excel)
    finally:
        if writer is not None:
            writer.close()
    fields = [
        {
            "name": c,
            "type": "integer" if c == "template" else "string",
            "description": FIELD_DESCRIPTIONS[c],
        }
        for c in _PAGE_COLUMNS
    ]
    crawl = store.crawl(crawl_id)
    package = {
        "name": f"govlinks-crawl-{crawl_id}-page-links",
        "title": f"govlinks: page-level cross-site links (crawl {crawl_id})",
        "description": (
            f"Every link from a page of a seed site to another host. Crawl started {crawl.started_at}."
        ),
        "created": crawl.finished_at or crawl.started_at,
        "resources": [
            {
                "name": "page_links",
                "path": path.name,
                "format": fmt,
                **({"mediatype": "text/csv", "encoding": "utf-8"} if fmt == "csv" else {}),
                "schema": {"fields": fields, "missingValues": [""]},
            }
        ],
    }
    if excel and fmt == "csv":
        excel_package(package)
    (out / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
    return rows
