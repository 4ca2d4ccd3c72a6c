"""What changed between two crawls: linked pairs gained and lost, codes, scores, groups.

From the second crawl on, an analyst asks what changed since the last one:
links gained and lost between sites, sites that became orphans or dead ends (or
stopped being), new broken links, links to sites that were retired, scores that
moved, and the same per theme and life event. :func:`diff` answers from two
:class:`~graphs.history.Snapshot` (site-level aggregates, never the page links:
a 1.2 M-link store diffs in seconds) and is pure; :func:`diff_crawls` is the one
function that reads the stores.

Two crawls with different seed lists are compared on the sites both have, each
analysed on those sites alone, so that a site removed from the list does not make
the sites it linked to look like new orphans; the diff says so in its notes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from graphs.analysis import DEFAULT_HUB, Analysis
from graphs.config import FindingsConfig
from graphs.groups import GROUPINGS
from graphs.history import Snapshot, load_snapshot, pick_crawls
from graphs.i18n import _
from graphs.retired import retired_links

if TYPE_CHECKING:
    from crawler.store import CrawlInfo, Store

__all__ = [
    "BROKEN_COLUMNS",
    "EDGE_COLUMNS",
    "GROUP_FIGURES",
    "RETIRED_COLUMNS",
    "SITE_COLUMNS",
    "CrawlDiff",
    "Side",
    "diff",
    "diff_crawls",
    "diff_stores",
]

EDGE_COLUMNS = ("change", "source", "target", "weight_from", "weight_to")
SITE_COLUMNS = (
    "site", "name", "status_from", "status_to", "score_from", "score_to", "codes_added", "codes_resolved",
)  # fmt: skip
# Figures of a group (graphs.groups.group_table + the analysis' score figures) compared from/to.
GROUP_FIGURES = ("sites", "crawled", "internal_links", "density", "isolated_share", "mean_score", "flagged")
BROKEN_COLUMNS = ("target_url", "target_site", "status", "error", "sources", "pages", "example_source")
RETIRED_COLUMNS = ("source", "target_url", "reason", "pages")


@dataclass(frozen=True)
class Side:
    """One end of a diff: the crawl and its store."""

    crawl: CrawlInfo
    store: str

    def as_dict(self) -> dict[str, Any]:
        c = self.crawl
        return {
            "id": c.id,
            "store": self.store,
            "started_at": c.started_at,
            "finished_at": c.finished_at,
            "as_of": c.as_of,
            "source": c.source_label,
            "seeds_sha256": c.seeds_sha256,
            "sites": c.sites,
        }


@dataclass
class CrawlDiff:
    """The changes from crawl ``frm`` to crawl ``to``.

    ``edges``: one row per linked pair that appeared, disappeared or changed
    weight (columns :data:`EDGE_COLUMNS`; ``change`` is added, removed or
    changed; weights are distinct linking pages, 0 where the pair is not
    linked). ``sites``: the sites both crawls have whose codes, crawl status or
    score changed, worst regression first (columns :data:`SITE_COLUMNS`, codes
    as lists, scores NaN when not assessed). ``groups``: per grouping and group,
    each of :data:`GROUP_FIGURES` from and to. ``broken_added``: broken URLs of
    seed sites linked in ``to`` and not broken (or not linked) in ``frm``;
    ``retired_added``: retired outside URLs a site links to in ``to`` and did not
    in ``frm`` (empty unless both crawls checked outside links). ``hidden``:
    changed pairs and sites left out by ``min_change``.
    """

    frm: Side
    to: Side
    common: list[str]
    sites_added: list[str]
    sites_removed: list[str]
    settings_changed: dict[str, tuple[Any, Any]]
    edges: pd.DataFrame
    sites: pd.DataFrame
    groups: pd.DataFrame
    broken_added: pd.DataFrame
    retired_added: pd.DataFrame
    min_change: int = 1
    retired_compared: bool = True
    notes: list[str] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)

    @property
    def same_seeds(self) -> bool:
        return not self.sites_added and not self.sites_removed

    def edges_of(self, change: str) -> pd.DataFrame:
        """The rows of ``edges`` of one change (added, removed, changed)."""
        return self.edges[self.edges["change"] == change]

    def summary(self) -> dict[str, int]:
        """How many of each change."""
        added = sum(len(c) for c in self.sites["codes_added"])
        resolved = sum(len(c) for c in self.sites["codes_resolved"])
        return {
            "edges_added": len(self.edges_of("added")),
            "edges_removed": len(self.edges_of("removed")),
            "edges_changed": len(self.edges_of("changed")),
            "sites_changed": len(self.sites),
            "codes_added": added,
            "codes_resolved": resolved,
            "sites_added": len(self.sites_added),
            "sites_removed": len(self.sites_removed),
            "broken_added": len(self.broken_added),
            "retired_added": len(self.retired_added),
        }

    def new_codes(self, codes: Collection[str]) -> dict[str, list[str]]:
        """The sites that gained one of ``codes``, with those codes (``--fail-on-new``)."""
        out = {}
        for site, added in zip(self.sites["site"], self.sites["codes_added"], strict=True):
            hits = [c for c in added if c in codes]
            if hits:
                out[str(site)] = hits
        return dict(sorted(out.items()))


# -- the comparison, pure --------------------------------------------------------------------


def _edge_changes(a: Analysis, b: Analysis, sites: set[str], min_change: int) -> tuple[pd.DataFrame, int]:
    def weights(x: Analysis) -> dict[tuple[str, str], int]:
        return {
            (u, v): int(d.get("weight", 1))
            for u, v, d in x.graph.edges(data=True)
            if u in sites and v in sites
        }

    wa, wb = weights(a), weights(b)
    rows, hidden = [], 0
    for pair in sorted(wa.keys() | wb.keys()):
        before, after = wa.get(pair, 0), wb.get(pair, 0)
        if pair not in wb:
            rows.append(("removed", *pair, before, 0))
        elif pair not in wa:
            rows.append(("added", *pair, 0, after))
        elif before != after:
            if abs(after - before) >= min_change:
                rows.append(("changed", *pair, before, after))
            else:
                hidden += 1
    frame = pd.DataFrame(rows, columns=list(EDGE_COLUMNS))
    return frame.astype({"weight_from": "int64", "weight_to": "int64"}), hidden


def _score(value: Any) -> float:
    return math.nan if value is None or pd.isna(value) else round(float(value), 2)


def _site_changes(
    a: Analysis, b: Analysis, sites: Iterable[str], min_change: int
) -> tuple[pd.DataFrame, int]:
    rows, hidden = [], 0
    for site in sites:
        ra, rb = a.sites.loc[site], b.sites.loc[site]
        fa, fb = list(ra["flags"]), list(rb["flags"])
        added = [c for c in fb if c not in fa]
        resolved = [c for c in fa if c not in fb]
        sa, sb = _score(ra["score"]), _score(rb["score"])
        same_score = (math.isnan(sa) and math.isnan(sb)) or sa == sb
        moved = not same_score and (math.isnan(sa) or math.isnan(sb) or abs(sb - sa) >= min_change)
        if added or resolved or ra["status"] != rb["status"] or moved:
            name = rb["name"] or ra["name"]
            rows.append((site, name, ra["status"], rb["status"], sa, sb, added, resolved))
        elif not same_score:
            hidden += 1

    def worst_first(row: tuple[Any, ...]) -> tuple[float, int, str]:
        before = 0.0 if math.isnan(row[4]) else row[4]
        after = 0.0 if math.isnan(row[5]) else row[5]
        return after - before, -len(row[6]), row[0]

    rows.sort(key=worst_first)
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS)), hidden


def _group_changes(a: Analysis, b: Analysis) -> pd.DataFrame:
    frames = []
    for by in GROUPINGS:
        ta, tb = a.groupings[by][0], b.groupings[by][0]
        left = ta.set_index("group")[["label", *GROUP_FIGURES]]
        right = tb.set_index("group")[["label", *GROUP_FIGURES]]
        both = left.merge(right, how="outer", left_index=True, right_index=True, suffixes=("_from", "_to"))
        both["label"] = both["label_to"].fillna(both["label_from"])
        both = both.drop(columns=["label_from", "label_to"]).reset_index()
        both.insert(0, "by", by)
        frames.append(both)
    columns = ["by", "group", "label", *(f"{f}_{e}" for f in GROUP_FIGURES for e in ("from", "to"))]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out[columns]


def _broken_added(a: Snapshot, b: Snapshot, sites: set[str]) -> pd.DataFrame:
    if b.broken is None or not len(b.broken):
        return pd.DataFrame(columns=list(BROKEN_COLUMNS))
    before = set(a.broken["target_norm"]) if a.broken is not None else set()
    now = b.broken[b.broken["target_site"].isin(sites) & ~b.broken["target_norm"].isin(before)]
    return now[list(BROKEN_COLUMNS)].reset_index(drop=True)


def _retired_added(a: Snapshot, b: Snapshot, sites: set[str]) -> pd.DataFrame:
    if a.retired is None or b.retired is None:
        return pd.DataFrame(columns=list(RETIRED_COLUMNS))
    before = retired_links(a.retired)
    known = set(zip(before["source"], before["target_norm"], strict=True))
    now = retired_links(b.retired)
    keep = [
        s in sites and (s, n) not in known for s, n in zip(now["source"], now["target_norm"], strict=True)
    ]
    return now[pd.Series(keep, index=now.index, dtype=bool)][list(RETIRED_COLUMNS)].reset_index(drop=True)


def _notes(d: CrawlDiff, a: Snapshot, b: Snapshot) -> list[str]:
    notes = []
    if not d.same_seeds:
        notes.append(
            _(
                "The seed lists differ: the crawls are compared on the {common} sites both have "
                "({added} added, {removed} removed)."
            ).format(common=len(d.common), added=len(d.sites_added), removed=len(d.sites_removed))
        )
    elif a.crawl.seeds_sha256 != b.crawl.seeds_sha256:
        notes.append(_("The seed lists differ, with the same {n} sites.").format(n=len(d.common)))
    if d.settings_changed:
        changed = ", ".join(f"{k} {va!r} → {vb!r}" for k, (va, vb) in d.settings_changed.items())
        notes.append(
            _("The crawls used different settings ({changed}): some changes may come from them.").format(
                changed=changed
            )
        )
    if not d.retired_compared:
        notes.append(
            _(
                "Outside links were not checked in both crawls (--check-links): "
                "newly retired URLs are not compared."
            )
        )
    hidden_edges, hidden_sites = d.hidden.get("edges", 0), d.hidden.get("sites", 0)
    if hidden_edges or hidden_sites:
        notes.append(
            _(
                "--min-change {n}: {edges} linked pairs and {sites} sites that moved less are not shown."
            ).format(n=d.min_change, edges=hidden_edges, sites=hidden_sites)
        )
    return notes


def _settings_changed(a: CrawlInfo, b: CrawlInfo) -> dict[str, tuple[Any, Any]]:
    from crawler.settings import CrawlOptions

    sa, sb = CrawlOptions.stored_options(a.settings), CrawlOptions.stored_options(b.settings)
    keys = [k for k in CrawlOptions.CRAWL_KEYS if k in sa or k in sb]
    return {k: (sa.get(k), sb.get(k)) for k in keys if sa.get(k) != sb.get(k)}


def diff(
    a: Snapshot,
    b: Snapshot,
    *,
    min_change: int = 1,
    config: FindingsConfig | None = None,
    hub: str | Sequence[str] | None = DEFAULT_HUB,
    analyses: tuple[Analysis, Analysis] | None = None,
) -> CrawlDiff:
    """Compare crawl ``a`` (before) with crawl ``b`` (after), on the sites both have.

    ``min_change``: pairs whose weight moved by fewer pages, and sites whose score
    moved by fewer points without a change of code or status, are left out (and
    counted in ``hidden``). ``analyses``: the analyses of ``a`` and ``b`` when the
    caller has them (used when both crawls have the same sites).
    """
    sites_a, sites_b = set(a.graph), set(b.graph)
    common = sorted(sites_a & sites_b)
    if analyses is not None and sites_a == sites_b:
        an_a, an_b = analyses
    else:
        only = None if sites_a == sites_b else common
        an_a = a.analyse(only, config=config, hub=hub)
        an_b = b.analyse(only, config=config, hub=hub)
    keep = set(common)
    edges, hidden_edges = _edge_changes(an_a, an_b, keep, min_change)
    sites, hidden_sites = _site_changes(an_a, an_b, common, min_change)
    d = CrawlDiff(
        frm=Side(a.crawl, a.store),
        to=Side(b.crawl, b.store),
        common=common,
        sites_added=sorted(sites_b - sites_a),
        sites_removed=sorted(sites_a - sites_b),
        settings_changed=_settings_changed(a.crawl, b.crawl),
        edges=edges,
        sites=sites,
        groups=_group_changes(an_a, an_b),
        broken_added=_broken_added(a, b, keep),
        retired_added=_retired_added(a, b, keep),
        min_change=min_change,
        retired_compared=a.checked and b.checked,
        hidden={"edges": hidden_edges, "sites": hidden_sites},
    )
    d.notes = _notes(d, a, b)
    return d


def diff_crawls(
    store: Store,
    *,
    to_id: int | None = None,
    from_id: int | None = None,
    from_store: Store | None = None,
    min_change: int = 1,
    config: FindingsConfig | None = None,
) -> CrawlDiff:
    """Compare two finished crawls of ``store`` (or one of ``from_store`` with one of ``store``).

    Defaults: the last two finished crawls, or the last of each store
    (:func:`graphs.history.pick_crawls`). GovlinksError names the store and crawl
    when a crawl is unknown, still running or interrupted.
    """
    other = from_store or store
    frm, to = pick_crawls(
        store.crawls(),
        to_id=to_id,
        from_id=from_id,
        from_crawls=from_store.crawls() if from_store is not None else None,
        to_where=str(store.path),
        from_where=str(other.path),
    )
    a = load_snapshot(other, frm.id)
    b = load_snapshot(store, to.id)
    return diff(a, b, min_change=min_change, config=config)


def diff_stores(
    db: str,
    *,
    from_db: str | None = None,
    to_id: int | None = None,
    from_id: int | None = None,
    min_change: int = 1,
    config: FindingsConfig | None = None,
) -> CrawlDiff:
    """Open the store(s) and :func:`diff_crawls`: ``from_db`` holds the ``from`` crawl, if given."""
    from pathlib import Path

    from crawler.store import Store

    with Store.open(db) as store:
        if from_db is None or Path(from_db).resolve() == Path(db).resolve():
            return diff_crawls(store, to_id=to_id, from_id=from_id, min_change=min_change, config=config)
        with Store.open(from_db) as other:
            return diff_crawls(
                store, to_id=to_id, from_id=from_id, from_store=other, min_change=min_change, config=config
            )
