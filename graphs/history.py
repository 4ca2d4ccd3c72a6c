"""Crawls over time: in which order, which of them compare, and what is read of each.

Analysts crawl every week or month into one store; from the second crawl on
they ask what changed. This module answers the questions every view across
crawls shares: their order in time (a crawl of a web archive counts at its
archive date, not when it ran), which crawls compare (finished ones: an
interrupted crawl's missing pages would look like links lost), which two a diff
compares by default, and the light :class:`Snapshot` of one crawl that diffs and
trends analyse. The list of crawls itself (``govlinks crawls``) is in
:mod:`graphs.crawls`.

Pure functions over :class:`~crawler.store.CrawlInfo` lists, except
:func:`load_snapshot`, the one that reads a store.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from crawler.errors import GovlinksError
from graphs.analysis import DEFAULT_HUB, Analysis, analyse
from graphs.build import load_site_graph
from graphs.config import FindingsConfig
from graphs.i18n import _
from seeds.vocabulary import labels_near

if TYPE_CHECKING:
    from crawler.store import CrawlInfo, Store

__all__ = ["Snapshot", "crawl_label", "finished_crawls", "load_snapshot", "pick_crawls"]


def _order_key(info: CrawlInfo) -> tuple[str, int]:
    """Sort key in time: ``CrawlInfo.as_of`` as a UTC instant (naive times read as UTC), then id."""
    when = info.as_of
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when, info.id
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(), info.id


def finished_crawls(crawls: Sequence[CrawlInfo]) -> list[CrawlInfo]:
    """The crawls that compare, oldest first: finished ones, in the order of ``CrawlInfo.as_of``.

    Interrupted and running crawls are left out: their missing pages would look
    like links disappearing. ``govlinks diff``, the report's trends and ``export
    --history`` all take their crawls from here.
    """
    done = [c for c in crawls if c.state == "finished"]
    return sorted(done, key=_order_key)


def _refuse_unfinished(info: CrawlInfo, where: str) -> None:
    state = info.state
    if state == "running":
        raise GovlinksError(
            f"{where}: crawl {info.id} is still running (pid {info.pid}); wait for it to finish"
        )
    if state != "finished":
        raise GovlinksError(
            f"{where}: crawl {info.id} is {state}; finish it with 'govlinks crawl --resume' "
            "or compare finished crawls"
        )


def pick_crawls(
    to_crawls: Sequence[CrawlInfo],
    *,
    to_id: int | None = None,
    from_id: int | None = None,
    from_crawls: Sequence[CrawlInfo] | None = None,
    to_where: str = "store",
    from_where: str | None = None,
) -> tuple[CrawlInfo, CrawlInfo]:
    """The two crawls a diff compares, (from, to); GovlinksError naming the store otherwise.

    By default the last two finished crawls of one store (``to_crawls``); with
    ``from_crawls`` (another store) the last finished crawl of each. ``to_id`` or
    ``from_id`` name a crawl; the other defaults to the finished crawl just before
    (or, for ``to``, the latest one). A named crawl must exist and be finished.
    """
    two_stores = from_crawls is not None
    from_list = from_crawls if from_crawls is not None else to_crawls
    from_where = from_where or to_where

    def named(crawls: Sequence[CrawlInfo], crawl_id: int, where: str) -> CrawlInfo:
        found = [c for c in crawls if c.id == crawl_id]
        if not found:
            ids = ", ".join(str(c.id) for c in crawls)
            known = f"known: {ids}" if ids else "the store has none"
            raise GovlinksError(f"{where}: no crawl {crawl_id} ({known})")
        _refuse_unfinished(found[0], where)
        return found[0]

    to_done = finished_crawls(to_crawls)
    from_done = finished_crawls(from_list)
    if to_id is not None:
        to = named(to_crawls, to_id, to_where)
    elif to_done:
        to = to_done[-1]
    else:
        raise GovlinksError(f"{to_where}: no finished crawl to compare")
    if from_id is not None:
        frm = named(from_list, from_id, from_where)
    elif two_stores:
        if not from_done:
            raise GovlinksError(f"{from_where}: no finished crawl to compare")
        frm = from_done[-1]
    else:
        before = [c for c in to_done if _order_key(c) < _order_key(to)]
        if not before:
            ids = ", ".join(str(c.id) for c in to_done)
            raise GovlinksError(
                f"{to_where}: no finished crawl before crawl {to.id} to compare it with "
                f"(finished: {ids}); crawl again, or name two crawls with --from and --to"
            )
        frm = before[-1]
    if not two_stores and frm.id == to.id:
        raise GovlinksError(f"{to_where}: --from and --to name the same crawl ({to.id})")
    return frm, to


# -- snapshots: what diffs and trends read of a crawl ---------------------------------------


@dataclass
class Snapshot:
    """What comparing a crawl with another needs, read once from its store.

    ``graph``: the site graph (:func:`graphs.build.load_site_graph`); ``retired``:
    the outside links whose check may mean retired (``Reads.retired_candidates``),
    None when the crawl did not check outside links; ``broken``: the broken URLs
    of seed sites other sites link to (``Reads.broken_targets``), None when not read.
    """

    crawl: CrawlInfo
    store: str
    graph: nx.DiGraph
    retired: pd.DataFrame | None
    broken: pd.DataFrame | None
    labels: dict[str, str]

    @property
    def checked(self) -> bool:
        """Whether the crawl checked outside links (``--check-links``)."""
        return self.retired is not None

    def analyse(
        self,
        sites: Collection[str] | None = None,
        *,
        config: FindingsConfig | None = None,
        hub: str | Sequence[str] | None = DEFAULT_HUB,
        journeys: bool = False,
    ) -> Analysis:
        """The analysis of the crawl, or of its ``sites`` only (the sites two crawls share).

        Reason codes and scores are those of ``govlinks report`` on the same graph;
        evidence carries no broken-link examples (not read). Journeys and link
        recommendations only with ``journeys``: neither a diff nor a history
        shows them, and they cost more than the rest of the analysis.
        """
        G = self.graph
        retired = self.retired
        if sites is not None and set(sites) != set(G):
            G = G.subgraph(sites).copy()
            if retired is not None:
                retired = retired[retired["source"].isin(set(sites))]
        return analyse(
            G, hub=hub, config=config, external=retired, labels=self.labels, crawl=self.crawl,
            checked=self.checked, journeys=journeys,
        )  # fmt: skip


def load_snapshot(store: Store, crawl_id: int, *, broken: bool = True) -> Snapshot:
    """Read the :class:`Snapshot` of a finished crawl (``broken``: its broken targets too)."""
    info = store.crawl(crawl_id)
    _refuse_unfinished(info, str(store.path))
    checked = bool(info.settings.get("check_links", True))
    retired = store.reads.retired_candidates(info.id) if checked else None
    if retired is not None and not info.settings.get("check_links") and not len(retired):
        retired = None  # a crawl whose settings do not say, and with no check result
    return Snapshot(
        crawl=info,
        store=str(store.path),
        graph=load_site_graph(store, info.id),
        retired=retired,
        broken=store.reads.broken_targets(info.id) if broken else None,
        labels=labels_near(info.seeds_path),
    )


def crawl_label(info: CrawlInfo) -> str:
    """How a crawl is named to a reader: ``crawl 3 (2026-03-01, live)``, the date it shows the web at.

    >>> from types import SimpleNamespace
    >>> crawl_label(SimpleNamespace(id=3, as_of="2026-03-01T02:00:00+00:00", source_label="live"))
    'crawl 3 (2026-03-01, live)'
    >>> crawl_label(SimpleNamespace(id=4, as_of="2015-06-01T00:00:00+00:00",
    ...                             source_label="archive 2015-06-01"))
    'crawl 4 (2015-06-01, archive 2015-06-01)'
    """
    date = info.as_of[:10]
    return _("crawl {id} ({date}, {source})").format(id=info.id, date=date, source=info.source_label)
