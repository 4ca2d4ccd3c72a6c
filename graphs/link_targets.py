"""The pages of other sites each site links to from its content, encoded for fast lookups.

A link recommendation (:mod:`graphs.recommend`) names the page of the target most
linked by the source's peers: the deep URL to add, not just a homepage. That needs,
for every (source site, target URL), how many pages of the source link it from
their content: ``store.reads.link_targets``, one pass over a crawl's links (over a
million on the 650-site benchmark). :class:`LinkTargets` keeps those rows as
integer arrays grouped by target, so that a recommendation's page is one lookup
over the target's rows, whatever the peers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = ["LinkTargets", "load_link_targets"]


@dataclass(frozen=True)
class LinkTargets:
    """Content links of a crawl per (source site, target URL), encoded for fast lookups.

    ``source``, ``target``, ``norm``: integer arrays (site positions in ``sites``,
    URL positions in ``norms``); ``pages``: source pages linking that URL from their
    content; ``urls[j]``: a URL written for ``norms[j]`` (the smallest);
    ``broken[j]``: whether it is broken. ``by_target[v]``: the rows of target ``v``.
    """

    sites: tuple[str, ...]
    source: np.ndarray
    target: np.ndarray
    norm: np.ndarray
    pages: np.ndarray
    norms: tuple[str, ...]
    urls: tuple[str, ...]
    broken: np.ndarray
    by_target: dict[int, np.ndarray]

    @classmethod
    def from_frames(cls, frames: pd.DataFrame | Iterable[pd.DataFrame], sites: Sequence[str]) -> LinkTargets:
        """Encode the rows of ``store.reads.link_targets`` (one frame or chunks of it).

        Rows naming a site outside ``sites`` are dropped.

        >>> rows = pd.DataFrame({"source": ["a", "c"], "target": ["b", "b"],
        ...     "target_norm": ["b/x", "b/x"], "target_url": ["https://b/x", "http://b/x"],
        ...     "pages": [3, 1], "broken": [0, 0]})
        >>> t = LinkTargets.from_frames(rows, ["a", "b", "c"])
        >>> t.norms, t.urls, t.pages.tolist(), t.by_target[1].tolist()
        (('b/x',), ('http://b/x',), [3, 1], [0, 1])
        """
        if isinstance(frames, pd.DataFrame):
            frames = [frames]
        categories = pd.Index(list(sites))
        rows: list[tuple[np.ndarray, ...]] = []  # per chunk: source, target, chunk-wide URL code, pages
        found: list[pd.DataFrame] = []  # per chunk: its distinct norms, their URL and broken flag
        offset = 0
        for frame in frames:
            src = categories.get_indexer(frame["source"].astype(str))
            tgt = categories.get_indexer(frame["target"].astype(str))
            keep = (src >= 0) & (tgt >= 0)
            local, uniques = pd.factorize(frame["target_norm"].astype(str))
            per = frame.groupby(local).agg(url=("target_url", "min"), broken=("broken", "max"))
            found.append(pd.DataFrame({"norm": uniques, "url": per["url"].to_numpy(),
                                       "broken": per["broken"].to_numpy()}))  # fmt: skip
            pages = frame["pages"].to_numpy(dtype=np.int64)
            rows.append((src[keep], tgt[keep], (local + offset)[keep], pages[keep]))
            offset += len(uniques)
        if found:
            allnorms = pd.concat(found, ignore_index=True)
            to_global, norms = pd.factorize(allnorms["norm"])
            per = allnorms.groupby(to_global).agg(url=("url", "min"), broken=("broken", "max"))
            source, target, chunk_norm, pages = (np.concatenate(p) for p in zip(*rows, strict=True))
            norm = to_global[chunk_norm].astype(np.int64)
            urls, broken = (
                tuple(per["url"].to_numpy(dtype=object).tolist()),
                per["broken"].to_numpy().astype(bool),
            )
        else:
            source = target = norm = pages = np.empty(0, dtype=np.int64)
            norms, urls, broken = pd.Index([]), (), np.empty(0, dtype=bool)
        source, target = source.astype(np.int64), target.astype(np.int64)
        order = np.argsort(target, kind="stable")
        bounds = np.flatnonzero(np.diff(target[order])) + 1
        by_target = {int(target[chunk[0]]): chunk for chunk in np.split(order, bounds) if len(chunk)}
        return cls(
            sites=tuple(sites),
            source=source,
            target=target,
            norm=norm,
            pages=pages,
            norms=tuple(pd.Index(norms).to_numpy(dtype=object).tolist()),
            urls=urls,
            broken=broken,
            by_target=by_target,
        )

    def best_page(self, target: int, sources: Iterable[int]) -> tuple[str, int, int] | None:
        """(URL, linking sources, pages) of the page of ``target`` most linked by ``sources``.

        Most sources first, then most pages, then the smallest URL; broken pages
        are never chosen. None when none of ``sources`` links ``target`` from content.
        """
        rows = self.by_target.get(target)
        if rows is None:
            return None
        rows = rows[np.isin(self.source[rows], np.fromiter(sources, dtype=np.int64))]
        rows = rows[~self.broken[self.norm[rows]]] if len(rows) else rows
        if not len(rows):
            return None
        norms, inverse = np.unique(self.norm[rows], return_inverse=True)
        peers = np.bincount(inverse)  # rows are unique per (source, norm): one per source
        pages = np.bincount(inverse, weights=self.pages[rows]).astype(np.int64)
        most = np.where(peers == peers.max(), pages, -1)
        tied = np.flatnonzero(most == most.max())
        best = min(tied, key=lambda j: self.urls[norms[j]])
        return self.urls[norms[best]], int(peers[best]), int(pages[best])


def load_link_targets(store: Store, crawl_id: int, sites: Sequence[str]) -> LinkTargets:
    """The content-link page counts of one crawl (``store.reads.link_targets``), encoded."""
    return LinkTargets.from_frames(store.reads.link_targets(crawl_id, chunksize=100_000), sites)
