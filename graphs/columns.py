"""What a person reads for each column of a site's row: labels, and CSV for spreadsheets.

Column *names* (``in_sites``, ``homepage_status``) are machine keys: the JSON, the
plain CSV and the open-data tables keep them, in English, whatever the language.
A person reading a spreadsheet (``--excel``) or a site page reads *labels*,
translated. ``--excel`` also writes the dialect spreadsheets open without an
import dialog: semicolons, a UTF-8 byte-order mark, and a decimal comma in French.
Every cell from a crawled page goes through :func:`crawler.text.csv_cell` there too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from crawler.text import csv_cell
from graphs.i18n import N_, _, current_language

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMN_LABELS",
    "EXCEL_DELIMITER",
    "column_label",
    "csv_options",
    "defused",
    "excel_package",
    "excel_value",
]

EXCEL_DELIMITER = ";"
COLUMN_LABELS = {
    "rank": N_("rank"),
    "site": N_("site"),
    "host_unicode": N_("host (Unicode)"),
    "name": N_("name"),
    "organisation": N_("organisation"),
    "url": N_("URL"),
    "title": N_("homepage title"),
    "status": N_("crawl status"),
    "themes": N_("themes"),
    "life_events": N_("life events"),
    "score": N_("integration score"),
    "flags": N_("reason codes"),
    "pages": N_("pages fetched"),
    "html_pages": N_("HTML pages"),
    "errors": N_("pages in error"),
    "robots_blocked": N_("pages blocked by robots.txt"),
    "homepage_status": N_("homepage HTTP status"),
    "in_sites": N_("sites linking to it"),
    "out_sites": N_("sites it links to"),
    "in_weight": N_("pages linking to it"),
    "out_weight": N_("its pages linking out"),
    "in_links": N_("links to it"),
    "out_links": N_("links from it"),
    "pagerank": N_("PageRank"),
    "in_peer_sites": N_("peers linking to it"),
    "in_other_sites": N_("other sites linking to it"),
    "out_peer_sites": N_("peers it links to"),
    "out_other_sites": N_("other sites it links to"),
    "in_peer_weight": N_("pages of peers linking to it"),
    "in_other_weight": N_("pages of other sites linking to it"),
    "out_peer_weight": N_("its pages linking to peers"),
    "out_other_weight": N_("its pages linking to other sites"),
    "in_targets": N_("its URLs linked to"),
    "in_deep": N_("its deep URLs linked to"),
    "in_deep_share": N_("share of deep inbound links"),
    "in_content_pages": N_("pages linking to it from their content"),
    "in_template_share": N_("share of inbound links only in menus and footers"),
    "reciprocity": N_("reciprocity"),
    "hub_hops": N_("hops from the hub"),
    "out_targets": N_("URLs it links to in other sites"),
    "out_broken": N_("broken URLs it links to"),
    "out_broken_share": N_("share of broken URLs it links to"),
    "evidence": N_("evidence"),
    "uncertain": N_("uncertain findings"),
}


def column_label(name: str) -> str:
    """The label of a column in the current language (the name itself when it has none)."""
    return _(COLUMN_LABELS[name]) if name in COLUMN_LABELS else name


def excel_value(value: Any) -> Any:
    """A cell for a spreadsheet in the current language: text defused, a decimal comma in French.

    >>> excel_value(0.25), excel_value("=1+1"), excel_value(3)
    (0.25, "'=1+1", 3)
    >>> from graphs.i18n import using_language
    >>> with using_language("fr"):
    ...     excel_value(0.25), excel_value(float("nan"))
    ('0,25', '')
    """
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value).replace(".", ",") if current_language() == "fr" else value
    return csv_cell(value)


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with every cell a spreadsheet would run as a formula defused (:func:`csv_cell`)."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: csv_cell(v) if isinstance(v, str) else v)
    return frame


def csv_options(excel: bool) -> dict[str, Any]:
    """pandas ``to_csv`` options: plain CSV, or a spreadsheet's (``;``, BOM, decimal comma in French)."""
    if not excel:
        return {"encoding": "utf-8", "lineterminator": "\n"}

    decimal = "," if current_language() == "fr" else "."
    return {"encoding": "utf-8-sig", "lineterminator": "\n", "sep": ";", "decimal": decimal}


def excel_package(package: dict[str, Any]) -> None:
    """Declare the spreadsheet dialect of ``--excel`` tables in their data package."""
    options = csv_options(True)
    for resource in package["resources"]:
        resource["encoding"] = options["encoding"]
        resource["dialect"] = {"delimiter": options["sep"]}
        for field in resource["schema"]["fields"]:
            if field["type"] == "number" and options["decimal"] != ".":
                field["decimalChar"] = options["decimal"]
