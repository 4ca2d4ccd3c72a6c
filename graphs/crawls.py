"""``govlinks crawls``: one line per crawl of a store, for analysts and for cron.

Which crawls a store holds, in what state, from when (local time), from which
source (the live web, or a web archive at a date), with which seed list and
options, and how much each found. :func:`crawl_table` is pure;
:func:`crawl_listing` is the one function that reads a store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from graphs.i18n import _

if TYPE_CHECKING:
    from crawler.store import CrawlInfo, Store

__all__ = [
    "CRAWL_COLUMNS",
    "changed_options",
    "crawl_listing",
    "crawl_table",
    "local_time",
    "options_text",
    "render_crawls",
]

# Columns of crawl_table, in order (govlinks crawls: JSON keys and CSV columns).
CRAWL_COLUMNS = (
    "id", "state", "started_at", "finished_at", "source", "seeds_sha256", "pages", "links",
    "sites_ok", "sites_failed", "options",
)  # fmt: skip

# Crawl statuses of sites that failed (not_crawled: left out with --site, not a failure).
_FAILED = ("unreachable", "robots", "homepage_error", "no_html")


def local_time(value: str | None) -> str | None:
    """A store time (UTC ISO-8601) in the machine's time zone, ISO-8601 with its offset.

    >>> shown = local_time("2026-01-15T09:30:00+00:00")
    >>> datetime.fromisoformat(shown) == datetime.fromisoformat("2026-01-15T09:30:00+00:00"), local_time(None)
    (True, None)
    """
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone().isoformat(timespec="seconds")
    except ValueError:
        return value


def _defaults() -> dict[str, Any]:
    from crawler.settings import CrawlOptions

    out: dict[str, Any] = {}
    for f in dataclasses.fields(CrawlOptions):
        if f.name in CrawlOptions.CRAWL_KEYS:
            out[f.name] = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return out


def changed_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The crawl options of ``settings`` that differ from ``govlinks crawl``'s defaults.

    >>> changed_options({"max_depth": 4, "delay": 1.0, "check_links": True, "sites": []})
    {'max_depth': 4, 'check_links': True}
    """
    defaults = _defaults()
    return {k: settings[k] for k in defaults if k in settings and settings[k] != defaults[k]}


# Options shown as the command-line flag that sets them.
_FLAGS = {
    "obey_robots": "--ignore-robots",
    "check_links": "--check-links",
    "keep_internal": "--keep-internal",
}
# Options whose flag is not their name with dashes.
_RENAMED = {"archive_url": "--archive", "archive_at": "--at", "archive_window": "--window"}
# Options with no command-line flag, shown as name=value.
_INTERNAL = ("retries", "max_targets_per_site", "max_links_per_page")


def options_text(options: Mapping[str, Any]) -> str:
    """Changed options as ``govlinks crawl`` flags (internal ones as ``name=value``).

    >>> options_text({"max_depth": 4, "delay": 0.0, "check_links": True, "obey_robots": False,
    ...               "sites": ["a.fr", "b.fr"], "retries": 5})
    '--max-depth 4 --delay 0 --check-links --ignore-robots --site a.fr --site b.fr retries=5'
    >>> options_text({"archive_url": "http://127.0.0.1:8080/web/", "archive_at": "2015-06-01",
    ...               "archive_window": "1y", "archive_rate": 20.0})
    '--archive http://127.0.0.1:8080/web/ --at 2015-06-01 --window 1y --archive-rate 20'
    """
    from crawler.settings import CrawlOptions

    parts = []
    for key, value in options.items():
        if key in _FLAGS:
            parts.append(_FLAGS[key])
        elif key == "sites":
            parts.extend(f"--site {s}" for s in value)
        elif key in _INTERNAL or key not in CrawlOptions.CRAWL_KEYS:
            parts.append(f"{key}={value}")
        else:
            shown = format(value, "g") if isinstance(value, float) else value
            parts.append(f"{_RENAMED.get(key) or '--' + key.replace('_', '-')} {shown}")
    return " ".join(parts)


def crawl_table(
    crawls: Sequence[CrawlInfo],
    *,
    site_counts: Mapping[int, Mapping[str, int]] | None = None,
    live_totals: Mapping[int, tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """One row per crawl, oldest first: the columns of :data:`CRAWL_COLUMNS`.

    Times are local (:func:`local_time`); ``source`` is ``CrawlInfo.source_label``
    (``live``, or ``archive 2015-06-01``); ``sites_ok`` / ``sites_failed`` count the
    sites by crawl status (None until the crawl closes); ``options`` holds the options
    that differ from the defaults (:func:`changed_options`). ``live_totals`` gives
    (pages, links) of crawls not closed yet, whose stored totals are still 0.
    """
    rows = []
    for c in crawls:
        counts = (site_counts or {}).get(c.id, {})
        closed = c.status != "running"
        pages, links = (live_totals or {}).get(c.id, (c.pages, c.links))
        rows.append(
            {
                "id": c.id,
                "state": c.state,
                "started_at": local_time(c.started_at),
                "finished_at": local_time(c.finished_at),
                "source": c.source_label,
                "seeds_sha256": c.seeds_sha256 or "",
                "pages": pages,
                "links": links,
                "sites_ok": counts.get("ok", 0) if closed else None,
                "sites_failed": sum(counts.get(s, 0) for s in _FAILED) if closed else None,
                "options": changed_options(c.settings),
            }
        )
    return pd.DataFrame(rows, columns=list(CRAWL_COLUMNS))


def crawl_listing(store: Store) -> pd.DataFrame:
    """:func:`crawl_table` of every crawl of ``store`` (the one function that reads it)."""
    crawls = store.crawls()
    live = {c.id: (store.reads.page_count(c.id), store.reads.link_count(c.id))
            for c in crawls if c.status == "running"}  # fmt: skip
    return crawl_table(
        crawls,
        site_counts=store.reads.site_status_counts_by_crawl(),
        live_totals=live,
    )


def _present(value: Any) -> Any:
    """The value, or None for None and NaN (a frame's missing cells)."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def render_crawls(table: pd.DataFrame, fmt: str, *, width: int = 160) -> str:
    """:func:`crawl_table` as a terminal table, JSON (``{"crawls": [...]}``) or CSV.

    JSON keeps the changed options as an object and the full seed-list checksum;
    CSV writes the options as a JSON object too (a cell starting with ``--`` would be
    defused as a formula); the table writes them as ``govlinks crawl`` flags
    (:func:`options_text`) and shortens the checksum to 12 characters.
    """
    import csv
    import io
    import json

    from crawler.text import csv_cell, generator, safe_text

    records = [{k: _present(v) for k, v in r.items()} for r in table.to_dict("records")]
    for r in records:
        for key in ("pages", "links", "sites_ok", "sites_failed"):
            r[key] = None if r[key] is None else int(r[key])
    if fmt == "json":
        doc = {"generator": generator(), "crawls": records}
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CRAWL_COLUMNS)
        for r in records:
            r = {**r, "options": json.dumps(r["options"], ensure_ascii=False)}
            writer.writerow([csv_cell("" if r[c] is None else r[c]) for c in CRAWL_COLUMNS])
        return buf.getvalue()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r} (use table, json or csv)")
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False, soft_wrap=False)  # fmt: skip
    if not records:
        console.print(Text(_("No crawl in this store yet.")))
    out = Table(box=None, pad_edge=False)
    head = [("id", "right"), (_("state"), "left"), (_("started"), "left"), (_("finished"), "left"),
            (_("source"), "left"), (_("seed list"), "left"), (_("pages"), "right"),
            (_("links"), "right"), (_("sites ok"), "right"), (_("failed"), "right"),
            (_("options"), "left")]  # fmt: skip
    for name, justify in head:
        out.add_column(name, justify=justify, overflow="fold", no_wrap=name != _("options"))  # type: ignore[arg-type]

    def when(value: str | None) -> str:
        return value[:16].replace("T", " ") if value else "–"

    def count(value: int | None) -> str:
        return "–" if value is None else f"{value:,}"

    for r in records:
        out.add_row(*(Text(safe_text(v)) for v in (
            r["id"], r["state"], when(r["started_at"]), when(r["finished_at"]), r["source"],
            (r["seeds_sha256"] or "")[:12], count(r["pages"]), count(r["links"]), count(r["sites_ok"]),
            count(r["sites_failed"]), options_text(r["options"]),
        )))  # fmt: skip
    if records:
        console.print(out)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
