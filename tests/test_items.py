"""The contract from spider to store: items, the store's columns, the pipeline's dispatch."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crawler.items import (
    CHECK_FIELDS,
    FRONTIER_FIELDS,
    LINK_FIELDS,
    PAGE_FIELDS,
    FrontierRow,
    Link,
    LinkCheck,
    Page,
)
from crawler.pipelines import StorePipeline
from crawler.seeds import Seed
from crawler.store import Store
from crawler.store.lifecycle import CHECK_COLUMNS, FRONTIER_COLUMNS, LINK_COLUMNS, PAGE_COLUMNS


def _table_columns(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("table", "inserted", "added_by_store", "fields"),
    [
        ("pages", PAGE_COLUMNS, ("id", "crawl_id"), PAGE_FIELDS),
        ("links", LINK_COLUMNS, ("crawl_id", "page_id", "source_site"), LINK_FIELDS),
        ("frontier", FRONTIER_COLUMNS, ("crawl_id",), FRONTIER_FIELDS),
        ("checks", CHECK_COLUMNS, ("crawl_id",), CHECK_FIELDS),
    ],
)
def test_every_column_comes_from_an_item_field(
    tmp_path: Path,
    table: str,
    inserted: tuple[str, ...],
    added_by_store: tuple[str, ...],
    fields: tuple[str, ...],
) -> None:
    """The schema and the items agree: a field without a column (or the reverse) fails here."""
    Store.open(tmp_path / "s.db", create=True).close()
    assert sorted(_table_columns(tmp_path / "s.db", table)) == sorted([*added_by_store, *fields])
    assert inserted == (*(c for c in added_by_store if c != "id"), *fields)


def test_page_fields_in_column_order_without_links_and_frontier() -> None:
    assert PAGE_FIELDS == (
        "kind", "site", "url", "norm", "final_url", "final_norm", "status", "content_type", "size",
        "title", "depth", "fetched_at", "error", "internal_links", "external_links", "captured_at",
    )  # fmt: skip
    assert LINK_FIELDS == ("href", "target_url", "target_norm", "target_site", "anchor", "rel", "template",
                           "internal", "context")  # fmt: skip
    assert FRONTIER_FIELDS == ("norm", "url", "site", "depth")


def test_items_refuse_missing_and_unknown_fields() -> None:
    with pytest.raises(TypeError, match="fetched_at"):
        Page(kind="page", site="a.gouv.fr", url="https://a.gouv.fr/", norm="a.gouv.fr/", depth=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="titel"):
        Page(kind="page", site="a.gouv.fr", url="u", norm="n", depth=0, fetched_at="t", titel="x")  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        LinkCheck(norm="n", url="u", method="HEAD", checked_at="t").stauts = 404  # type: ignore[attr-defined]
    page = Page(kind="target", site="a.gouv.fr", url="u", norm="n", depth=None, fetched_at="t")
    assert (page.title, page.status, page.links, page.frontier) == ("", None, [], [])
    assert Link("h", "u", "n", None, "", "", 0, 0) == ("h", "u", "n", None, "", "", 0, 0, None)
    assert FrontierRow("n", "u", "s", 1).depth == 1


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


def test_pipeline_dispatches_on_item_type(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store.open(path, create=True) as store:
        crawl_id = store.start_crawl(seeds_path="s.csv", seeds_sha256="0" * 64, settings={},
                                     sites=[Seed("a.gouv.fr", "https://a.gouv.fr/", 2)])  # fmt: skip
    stats = _Stats()
    pipe = StorePipeline(Store.open(path), crawl_id, batch_size=100, interval=3600, stats=stats)
    page = Page(kind="page", site="a.gouv.fr", url="https://a.gouv.fr/", norm="a.gouv.fr/", depth=0,
                fetched_at="t", status=200, external_links=1,
                links=[Link("https://x.org/", "https://x.org/", "x.org/", None, "x", "", 0, 0)],
                frontier=[FrontierRow("a.gouv.fr/p", "https://a.gouv.fr/p", "a.gouv.fr", 1)])  # fmt: skip
    check = LinkCheck(norm="x.org/", url="https://x.org/", method="HEAD", status=200, checked_at="t")
    assert pipe.process_item(page) is page and pipe.process_item(check) is check
    assert (pipe.pages, pipe.checks) == ([page], [check])
    item: Any = {"kind": "page"}
    with pytest.raises(TypeError, match="not a govlinks item: dict"):
        pipe.process_item(item)
    pipe.close_spider()
    assert stats.values == {"govlinks/store/batches": 1, "govlinks/store/pages": 1,
                            "govlinks/store/links": 1, "govlinks/store/checks": 1}  # fmt: skip
    with Store.open(path) as store:
        assert store.pending_frontier(crawl_id) == [
            FrontierRow("a.gouv.fr/p", "https://a.gouv.fr/p", "a.gouv.fr", 1)
        ]
        assert store.unchecked_external(crawl_id) == []  # the check is stored
        assert store.reads.page_links(crawl_id)["target_url"].tolist() == ["https://x.org/"]
