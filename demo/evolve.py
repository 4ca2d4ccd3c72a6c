"""A second version of a generated web, with planted changes, and the diff it must give.

``govlinks demo generate --evolve`` writes, beside the web, the same web some
weeks later (``v2/``: ``web.json``, the same ``seeds.csv``, its ``truth.json``)
and ``v2/expected_diff.json``: exactly what ``govlinks diff`` must find between a
crawl of the first version and a crawl of the second. The planted changes:

- **a site newly orphaned**: every link other sites had to an ordinary site now
  goes to another site of its theme (its *heir*), so it gains ``orphan`` and
  ``no_group_inbound`` (linked pairs removed, others gain weight or appear);
- **a site fixed**: the planted ``dead_end`` site now links, from every page, to
  the member site that also gains the added link: ``dead_end`` is resolved (a
  linked pair added);
- **a site whose homepage now fails**: the planted ``orphan`` site answers 500,
  so it is ``uncrawled`` instead of ``orphan`` (its linked pairs removed);
- **a link added**: an ordinary site links, from every page, to a site it did
  not link to (a linked pair added).

A moved link keeps its place and its mode (a site whose links to the orphan were
planted off-topic has its links to the heir off-topic), and a page draws as many
random numbers for a link whatever site it points to (``demo.pages``), so no link
changes but those planted.

The expected diff is computed from the two truths (``demo.truth``, from the specs
alone). The first version carries other plants, and the second must keep them
all: every site's codes are exactly the planted ones, off-topic links included
(``truth["relevance"]``), and every planted journey gap still holds, which
:func:`evolve` checks on each candidate plan (``demo.truth.truth_problems``),
keeping the first that passes. Webs of ``EVOLVE_MIN_SITES`` sites or more have
one: below that, the ordinary sites of the generator link every other one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.errors import GovlinksError
from demo.pages import SiteSpec, WebSpec, site_paths
from demo.truth import CODES, compute_truth, truth_problems

__all__ = ["EVOLVE_MIN_SITES", "Plan", "evolve", "evolve_spec", "expected_diff"]

# Fewer sites: every ordinary site links every other one, so no link can be added
# (measured: --sites 21 to 60, seeds 1 to 5, and --sites 24, seeds 1 to 40, all carry the changes).
EVOLVE_MIN_SITES = 24

Plan = dict[str, int]  # role of a site in the changes -> its index


def _copy(spec: WebSpec) -> WebSpec:
    return WebSpec.from_dict(json.loads(spec.to_json()))


def _referenced(spec: WebSpec, index: int) -> bool:
    """Whether a site is linked from a header, footer or fixed link of another site (not moved)."""
    for s in spec.sites:
        if index in s.template or index in s.nav or any(t == index for t, _ in s.fixed):
            return True
    return False


def _candidates(spec: WebSpec, truth: dict[str, Any]) -> Iterator[Plan]:
    """Sites to plant the changes on, in a fixed order (the first that works is kept).

    The newly orphaned site and its heir are ordinary sites of one theme, each on a
    host of its own; no link on every page (``fixed``, footer, header) may point to
    the orphan, as those are not moved. The added link joins two other ordinary sites
    that are not linked (whole hosts first), never a journey gap's member and key.
    """
    by_role = {s.role: s for s in spec.sites if s.role not in ("ordinary", "portal", "hub")}
    if "dead_end" not in by_role or "orphan" not in by_role:
        raise GovlinksError("--evolve plants its changes on the planted sites: drop --no-planted")
    if len(spec.sites) < EVOLVE_MIN_SITES:
        raise GovlinksError(f"--evolve: need at least {EVOLVE_MIN_SITES} sites (--sites {len(spec.sites)})")
    members = sorted((s for s in spec.sites if s.role == "ordinary"), key=lambda s: bool(s.prefix))
    ordinary = [s for s in members if not s.prefix]
    edges = {(e["source"], e["target"]) for e in truth["edges"]}
    gaps = {frozenset((g["member"], g["key"])) for g in spec.journey_gaps}
    for orphan in ordinary:
        if _referenced(spec, orphan.index):
            continue
        for heir in ordinary:
            if heir is orphan or (heir.themes, heir.pages) != (orphan.themes, orphan.pages):
                continue
            others = [s for s in members if s.index not in (orphan.index, heir.index)]
            pairs = (
                (a, b)
                for a in others
                for b in others
                if a is not b and (a.id, b.id) not in edges and frozenset((a.id, b.id)) not in gaps
            )
            source, target = next(pairs, (None, None))
            if source is None or target is None:
                continue
            yield {
                "newly_orphaned": orphan.index,
                "links_moved_to": heir.index,
                "fixed": by_role["dead_end"].index,
                "homepage_fails": by_role["orphan"].index,
                "link_from": source.index,
                "link_to": target.index,
            }


def _deep(site: SiteSpec) -> list[Any]:
    """A ``fixed`` link to a deep page of ``site`` (its first section)."""
    return [site.index, site_paths(site)[1]]


def evolve_spec(spec: WebSpec, plan: Plan) -> WebSpec:
    """The second version of ``spec`` with the changes of ``plan`` (see the module docstring)."""
    v2 = _copy(spec)
    sites = v2.sites
    orphan, heir = plan["newly_orphaned"], plan["links_moved_to"]
    for s in sites:
        if s.index == orphan:
            continue
        s.required = [[heir if t == orphan else t, mode] for t, mode in s.required]
        s.partners = [[heir if t == orphan else t, mode] for t, mode in s.partners]
        s.off_topic = sorted({heir if t == orphan else t for t in s.off_topic})
    sites[plan["fixed"]].fixed.append(_deep(sites[plan["link_from"]]))
    sites[plan["homepage_fails"]].fail = "error"
    sites[plan["link_from"]].fixed.append(_deep(sites[plan["link_to"]]))
    planted = {
        orphan: ["orphan", "no_group_inbound"],
        plan["fixed"]: [],
        plan["homepage_fails"]: ["uncrawled"],
    }
    for index, codes in planted.items():
        sites[index].codes = [c for c in CODES if c in codes]
    return v2


def expected_diff(truth: dict[str, Any], truth2: dict[str, Any]) -> dict[str, Any]:
    """What ``govlinks diff`` finds from a complete crawl of one truth to one of the other.

    The keys of its JSON form that follow from the truths alone: the linked pairs
    added, removed and changed (with their weights) and, per site, the reason
    codes added and resolved (sites whose codes did not change are left out).
    """
    before = {(e["source"], e["target"]): e["weight"] for e in truth["edges"]}
    after = {(e["source"], e["target"]): e["weight"] for e in truth2["edges"]}
    edges: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    for pair in sorted(before.keys() | after.keys()):
        a, b = before.get(pair, 0), after.get(pair, 0)
        change = "added" if pair not in before else "removed" if pair not in after else "changed"
        if a != b or change != "changed":
            edges[change].append({"source": pair[0], "target": pair[1], "weight_from": a, "weight_to": b})
    sites = []
    for site in sorted(truth["sites"]):
        a, b = truth["sites"][site]["codes"], truth2["sites"][site]["codes"]
        added, resolved = [c for c in b if c not in a], [c for c in a if c not in b]
        if added or resolved:
            sites.append({"site": site, "codes_added": added, "codes_resolved": resolved})
    return {
        "edges_added": edges["added"],
        "edges_removed": edges["removed"],
        "edges_changed": edges["changed"],
        "sites": sites,
    }


def evolve(spec: WebSpec, truth: dict[str, Any]) -> tuple[WebSpec, dict[str, Any], dict[str, Any]]:
    """The second version of a planted web, its truth and the expected diff.

    Tries the candidate sites in order and keeps the first plan whose truth has no
    problem: its only code changes are the planted ones (derived by the report's rules
    from the truth, off-topic links included) and the planted journey gaps still hold.
    """
    for plan in _candidates(spec, truth):
        v2 = evolve_spec(spec, plan)
        truth2 = compute_truth(v2)
        if not truth_problems(truth2):
            expected = expected_diff(truth, truth2)
            expected["planted"] = {role: v2.sites[i].id for role, i in plan.items()}
            return v2, truth2, expected
    raise GovlinksError("--evolve: no site of this web can carry the planted changes; use more --sites")
