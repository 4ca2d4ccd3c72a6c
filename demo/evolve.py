"""A second version of a generated web, with planted changes, and the diff it must give.

``govlinks demo generate --evolve`` writes, beside the web, the same web some
weeks later (``v2/``: ``web.json``, the same ``seeds.csv``, its ``truth.json``)
and ``v2/expected_diff.json``: exactly what ``govlinks diff`` must find between a
crawl of the first version and a crawl of the second. The planted changes:

- **a site newly orphaned**: every link other sites had to an ordinary site now
  goes to another site of its theme, so it gains ``orphan`` and
  ``no_group_inbound`` (linked pairs removed, others gain weight or appear);
- **a site fixed**: the planted ``dead_end`` site now links, from every page, to
  a member site: ``dead_end`` is resolved (a linked pair added);
- **a site whose homepage now fails**: the planted ``orphan`` site answers 500,
  so it is ``uncrawled`` instead of ``orphan`` (its linked pairs removed);
- **a link added**: an ordinary site links, from every page, to a site it did
  not link to (a linked pair added).

Links are moved to a site of the same theme with the same robots and redirect
quirks, so that each page draws the same random numbers as before: no link
changes but those planted. The expected diff is computed from the two truths
(``demo.truth``, from the specs alone); the sites are picked so that the only
reason codes that change are the planted ones, which :func:`evolve` checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.errors import GovlinksError
from demo.pages import SiteSpec, WebSpec, site_paths
from demo.truth import CODES, compute_truth, derive_codes

__all__ = ["Plan", "evolve", "evolve_spec", "expected_diff"]

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
    """Sites to plant the changes on, in a fixed order (the first that works is kept)."""
    by_role = {s.role: s for s in spec.sites if s.role not in ("ordinary", "portal", "hub")}
    if "dead_end" not in by_role or "orphan" not in by_role:
        raise GovlinksError("--evolve plants its changes on the planted sites: drop --no-planted")
    ordinary = [s for s in spec.sites if s.role == "ordinary" and not s.prefix]
    edges = {(e["source"], e["target"]) for e in truth["edges"]}
    for orphan in ordinary:
        if _referenced(spec, orphan.index):
            continue
        quirks = (orphan.themes, orphan.private, orphan.moved, orphan.pages)
        twins = [s for s in ordinary if s is not orphan and (s.themes, s.private, s.moved, s.pages) == quirks]
        for heir in twins:
            others = [s for s in ordinary if s.index not in (orphan.index, heir.index)]
            pairs = ((a, b) for a in others for b in others if a is not b and (a.id, b.id) not in edges)
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
    fixed = sites[plan["fixed"]]
    member = next(s for s in sites if s.role == "ordinary" and not s.prefix and s.index != orphan)
    fixed.fixed.append(_deep(member))
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

    Tries the candidate sites in order and keeps the first plan whose only code
    changes are the planted ones (derived by the report's rules from the truth).
    """
    for plan in _candidates(spec, truth):
        v2 = evolve_spec(spec, plan)
        truth2 = compute_truth(v2)
        derived = derive_codes(truth2)
        if all(derived[s] == d["codes"] for s, d in truth2["sites"].items()):
            expected = expected_diff(truth, truth2)
            expected["planted"] = {role: v2.sites[i].id for role, i in plan.items()}
            return v2, truth2, expected
    raise GovlinksError("--evolve: no site of this web can carry the planted changes; use more --sites")
