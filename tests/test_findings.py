"""Every reason code, and the integration score, on small hand-built graphs."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from crawler.errors import GovlinksError
from graphs.config import FindingsConfig
from graphs.findings import CODES, RULES, RuleContext, fail_on_match, find, parse_fail_on, rule
from graphs.metrics import site_metrics
from graphs.retired import external_checked, retired_links
from graphs.score import integration_score

# An edge from a content region to a deep page, the healthy kind.
GOOD = dict(weight=1, links=1, targets=1, deep=1, template_pages=0, content_pages=1, broken=0)


def graph(nodes: dict[str, dict[str, Any]], edges: list[tuple[str, str, dict[str, Any]]]) -> nx.DiGraph:
    G = nx.DiGraph()
    for n, attrs in nodes.items():
        G.add_node(n, **{"status": "ok", "themes": (), "life_events": (), "html_pages": 3, **attrs})
    for u, v, d in edges:
        G.add_edge(u, v, **{**GOOD, **d})
    return G


def codes(G: nx.DiGraph, **kw: Any) -> set[tuple[str, str]]:
    found = find(G, site_metrics(G), **kw)
    return set(zip(found["site"], found["code"], strict=True))


def test_planted_graph_gets_exactly_its_codes() -> None:
    G = graph(
        {
            "hub": {"themes": ("T",), "life_events": ("E",)},
            "good": {"themes": ("T",)},
            "orph": {"themes": ("T",)},
            "dead": {"life_events": ("E",)},
            "home": {},
            "tmpl": {},
            "broke": {},
            "down": {"status": "unreachable", "themes": ("T",)},
        },
        [
            ("hub", "good", {}),
            ("good", "hub", {}),
            ("orph", "hub", {}),
            ("hub", "dead", {}),
            ("hub", "home", {"deep": 0}),
            ("home", "hub", {}),
            ("hub", "tmpl", {"template_pages": 1, "content_pages": 0}),
            ("tmpl", "hub", {}),
            ("good", "broke", {}),
            ("broke", "good", {"targets": 5, "broken": 1}),
            ("hub", "down", {}),
        ],
    )
    assert codes(G) == {
        ("orph", "orphan"),
        ("orph", "no_group_inbound"),
        ("dead", "dead_end"),
        ("dead", "no_group_outbound"),
        ("home", "homepage_only"),
        ("tmpl", "template_only"),
        ("broke", "broken_outlinks"),
        ("down", "uncrawled"),
    }


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("unreachable", "did not answer"),
        ("robots", "robots.txt"),
        ("homepage_error", "HTTP 500"),
        ("no_html", "no HTML page among its 4 pages"),
        ("not_crawled", "not crawled in this run"),
    ],
)
def test_uncrawled_never_gets_other_codes(status: str, text: str) -> None:
    G = graph({"x": {"status": status, "homepage_status": 500, "pages": 4, "themes": ("T",)}, "y": {}}, [])
    found = find(G, site_metrics(G))
    x = found[found["site"] == "x"]
    assert x["code"].tolist() == ["uncrawled"]
    assert text in x["evidence"].iloc[0]
    assert x["details"].iloc[0]["status"] == status


def test_orphan_and_dead_end() -> None:
    G = graph({"a": {}, "b": {}, "c": {}}, [("a", "b", {})])
    assert codes(G) == {("a", "orphan"), ("b", "dead_end"), ("c", "orphan"), ("c", "dead_end")}
    found = find(G, site_metrics(G)).set_index(["site", "code"])
    assert found.loc[("a", "orphan"), "evidence"] == "none of the 2 other crawled sites links to it"
    assert found.loc[("b", "dead_end"), "evidence"] == (
        "none of its 3 crawled HTML pages links to another seed site"
    )


def test_links_from_an_uncrawled_site_do_not_exist() -> None:
    # x is not crawled, so it has no outbound links: y is an orphan, x not a dead end.
    G = graph({"x": {"status": "robots"}, "y": {}, "z": {}}, [("y", "z", {}), ("z", "y", {})])
    assert codes(G) == {("x", "uncrawled")}


def test_no_group_inbound() -> None:
    G = graph(
        {"a": {"themes": ("T",)}, "b": {"themes": ("T",)}, "c": {"life_events": ("E",)}, "o": {}},
        [("a", "b", {}), ("b", "a", {}), ("o", "c", {}), ("c", "o", {})],
    )
    # c has a life event but no peer: nothing is expected of it.
    assert codes(G) == set()
    G.add_node("d", status="ok", themes=("T",), life_events=(), html_pages=1)
    G.add_edge("o", "d", **GOOD)
    G.add_edge("d", "a", **GOOD)
    assert codes(G) == {("d", "no_group_inbound")}
    evidence = find(G, site_metrics(G), labels={"T": "Travail"}).iloc[0]["evidence"]
    assert evidence == (
        "none of its 2 crawled peers (sites sharing Travail) links to it; 1 other site links to it"
    )
    # A peer linking in clears it.
    G.add_edge("b", "d", **GOOD)
    assert codes(G) == set()


def test_no_group_inbound_needs_a_crawled_peer() -> None:
    G = graph(
        {"a": {"themes": ("T",)}, "p": {"themes": ("T",), "status": "unreachable"}, "o": {}},
        [("o", "a", {}), ("a", "o", {})],
    )
    # Nobody crawled could have linked to a; a could still have linked to p.
    assert codes(G) == {("p", "uncrawled"), ("a", "no_group_outbound")}


def test_no_group_outbound_counts_peers_by_life_event_too() -> None:
    G = graph(
        {"a": {"life_events": ("E",)}, "b": {"life_events": ("E",)}, "o": {}},
        [("a", "o", {}), ("o", "a", {}), ("b", "a", {}), ("o", "b", {})],
    )
    assert codes(G) == {("a", "no_group_outbound"), ("b", "no_group_inbound")}
    G.add_edge("a", "b", **GOOD)
    assert codes(G) == set()


def test_homepage_only_and_template_only() -> None:
    G = graph(
        {"a": {}, "b": {}, "c": {}},
        [
            ("a", "b", {"deep": 0, "weight": 4}),
            ("c", "b", {"deep": 0, "template_pages": 2, "content_pages": 1}),
            ("b", "a", {"template_pages": 3, "content_pages": 0}),
            ("c", "a", {"template_pages": 1, "content_pages": 0}),
            ("a", "c", {}),
        ],
    )
    assert codes(G) == {("b", "homepage_only"), ("a", "template_only")}
    found = find(G, site_metrics(G)).set_index("code")
    assert found.loc["homepage_only", "evidence"] == (
        "2 sites link to it (5 pages), all to its homepage: no deep link"
    )
    assert found.loc["template_only", "details"] == {"in_sites": 2, "in_weight": 2, "in_content_pages": 0}


def test_broken_outlinks_threshold() -> None:
    def G(broken: int, targets: int) -> nx.DiGraph:
        return graph({"a": {}, "b": {}}, [("a", "b", {"targets": targets, "broken": broken}), ("b", "a", {})])

    assert ("a", "broken_outlinks") in codes(G(1, 10))  # exactly 10%: flagged
    assert codes(G(1, 11)) == set()  # 9%: not
    assert codes(G(1, 11), config=FindingsConfig(broken_share=0.05)) == {("a", "broken_outlinks")}
    examples = pd.DataFrame(
        {"source": ["a"], "target_url": ["https://b/gone"], "status": [404], "error": ["HTTP 404"]}
    )
    row = find(G(2, 10), site_metrics(G(2, 10)), broken_examples=examples).iloc[0]
    assert row["evidence"] == (
        "2 of the 10 URLs it links to in other seed sites are broken (20%), e.g. https://b/gone (HTTP 404)"
    )
    assert row["details"] == {"out_targets": 10, "out_broken": 2, "out_broken_share": 0.2}


def external(*rows: tuple[Any, ...]) -> pd.DataFrame:
    columns = [
        "source",
        "target_norm",
        "target_url",
        "pages",
        "status",
        "final_url",
        "redirect_status",
        "error",
    ]
    return pd.DataFrame(list(rows), columns=columns)


EXT = external(
    ("a", "old.fr/", "http://old.fr/", 2, 200, "https://new.fr/", 301, None),  # moved: retired
    ("a", "x.fr/", "http://x.fr/", 1, 200, "https://www.x.fr/", 301, None),  # same host: not
    ("a", "t.fr/", "http://t.fr/", 1, 200, "https://other.fr/", 302, None),  # temporary: not
    ("b", "gone.fr/", "http://gone.fr/", 3, None, None, None, "DNSLookupError: gone.fr"),  # no answer
    ("b", "nf.fr/", "http://nf.fr/", 1, 404, None, None, "HTTP 404"),  # answers 404: not
    ("b", "perm.fr/", "http://perm.fr/", 1, 200, "https://perm.gouv.fr/", 308, None),  # 308: retired
    ("c", "ok.fr/", "http://ok.fr/", 1, 200, "http://ok.fr/", None, None),
)


def test_retired_links() -> None:
    r = retired_links(EXT)
    assert r[["source", "target_url"]].values.tolist() == [
        ["a", "http://old.fr/"],
        ["b", "http://gone.fr/"],
        ["b", "http://perm.fr/"],
    ]
    assert r["reason"].tolist()[1] == "no answer: dns"  # the kind, never the library's message
    assert len(retired_links(external())) == 0


def test_links_to_retired() -> None:
    G = graph({"a": {}, "b": {}, "c": {}}, [("a", "b", {}), ("b", "c", {}), ("c", "a", {})])
    retired = retired_links(EXT)
    assert codes(G, retired=retired) == {("a", "links_to_retired"), ("b", "links_to_retired")}
    assert codes(G, retired=retired, config=FindingsConfig(retired_min=2)) == {("b", "links_to_retired")}
    assert codes(G, retired=None) == set()  # not checked: not assessed
    row = find(G, site_metrics(G), retired=retired).iloc[0]
    assert row["evidence"] == "links to 1 retired URL: http://old.fr/ (moved for good to https://new.fr/)"
    assert row["details"] == {"retired_urls": 1, "pages": 2}


def test_external_checked() -> None:
    assert external_checked(EXT)
    unchecked = external(("a", "x.fr/", "http://x.fr/", 1, None, None, None, None))
    assert not external_checked(unchecked)
    assert external_checked(unchecked, {"check_links": True})
    assert not external_checked(None) and not external_checked(external())


def test_findings_frame_order_and_columns() -> None:
    G = graph({"b": {}, "a": {"status": "no_html"}, "c": {}}, [])
    found = find(G, site_metrics(G))
    assert list(found.columns) == ["site", "code", "evidence", "details"]
    assert found[["site", "code"]].values.tolist() == [
        ["a", "uncrawled"], ["b", "orphan"], ["b", "dead_end"], ["c", "orphan"], ["c", "dead_end"],
    ]  # fmt: skip
    assert set(found["code"]) <= set(CODES)


# -- the registry: one function per reason code ------------------------------------------


@pytest.fixture
def registry() -> Iterator[None]:
    """Whatever a test registers is gone after it."""
    before = dict(RULES)
    yield
    RULES.clear()
    RULES.update(before)


@pytest.fixture
def no_title(registry: None) -> str:
    """A reason code added for one test, as a contributor would add one."""

    @rule("no_title", "its homepage has no title")
    def no_title(G: nx.DiGraph, metrics: pd.DataFrame, ctx: RuleContext) -> Iterator[Any]:
        for n, d in G.nodes(data=True):
            if not d.get("title"):
                yield n, "the homepage has no <title>", {"title": ""}

    return "no_title"


def test_the_registry_lists_the_codes_in_report_order() -> None:
    assert list(CODES) == list(RULES) == [
        "uncrawled", "orphan", "dead_end", "no_group_inbound", "no_group_outbound", "homepage_only",
        "template_only", "broken_outlinks", "links_to_retired", "off_topic_links",
    ]  # fmt: skip
    assert CODES["orphan"] == "no other seed site links to it" == RULES["orphan"].text
    assert dict(CODES)["dead_end"] == "it links to no other seed site"


def test_one_registered_function_is_a_reason_code_everywhere(no_title: str) -> None:
    G = graph({"a": {"title": "A"}, "b": {}}, [("a", "b", {}), ("b", "a", {})])
    found = find(G, site_metrics(G))
    assert found.values.tolist() == [["b", "no_title", "the homepage has no <title>", {"title": ""}]]
    assert list(CODES)[-1] == "no_title" and CODES["no_title"] == "its homepage has no title"
    assert parse_fail_on(["any"]) == set(CODES) and parse_fail_on(["no_title"]) == {"no_title"}
    assert fail_on_match(found, {"no_title"}) == (1, ("no_title",))
    # report order is registration order: the new code comes after every other code of a site
    G.add_node("c")
    found = find(G, site_metrics(G))
    assert found[["site", "code"]].values.tolist() == [
        ["b", "no_title"], ["c", "orphan"], ["c", "dead_end"], ["c", "no_title"],
    ]  # fmt: skip


def test_a_code_is_registered_once(registry: None) -> None:
    with pytest.raises(ValueError, match="reason code 'orphan' is registered twice"):
        rule("orphan", "again")(lambda G, metrics, ctx: [])
    assert RULES["orphan"].text == "no other seed site links to it"


def test_fail_on_policy() -> None:
    assert parse_fail_on(["orphan,dead_end", " orphan ,", "dead_end"]) == {"orphan", "dead_end"}
    assert parse_fail_on([]) == frozenset() and parse_fail_on([","]) == frozenset()
    assert parse_fail_on(["any,orphan"]) == set(RULES)
    with pytest.raises(GovlinksError) as err:
        parse_fail_on(["orphan,Orphan"])
    assert str(err.value) == (
        "--fail-on: unknown reason code 'Orphan' (known: uncrawled, orphan, dead_end, no_group_inbound, "
        "no_group_outbound, homepage_only, template_only, broken_outlinks, links_to_retired, "
        "off_topic_links, any)"
    )
    codes = ["orphan", "orphan", "dead_end", "uncrawled"]
    found = pd.DataFrame({"site": ["b", "a", "a", "c"], "code": codes})
    assert fail_on_match(found, {"orphan", "dead_end"}) == (2, ("dead_end", "orphan"))
    assert fail_on_match(found, {"uncrawled", "template_only"}) == (1, ("uncrawled",))
    assert fail_on_match(found, {"template_only"}) is None and fail_on_match(found, set()) is None


def test_readme_reason_code_table_is_the_registry() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("**Reason codes.**", 1)[1].split("\n\n", 2)[1]
    assert table.startswith("| code | rule |")
    assert re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE) == list(CODES)


def score(G: nx.DiGraph, **kw: Any) -> pd.Series:
    m = site_metrics(G)
    return integration_score(G, m, find(G, m, **kw), **kw)


def test_score_of_a_perfectly_linked_pair_is_100() -> None:
    G = graph({"a": {"themes": ("T",)}, "b": {"themes": ("T",)}}, [("a", "b", {}), ("b", "a", {})])
    assert score(G).to_dict() == {"a": 100.0, "b": 100.0}


def test_score_components() -> None:
    # Three peers; p links to q and r deep from content; q and r link back to p from templates only.
    G = graph(
        {"p": {"themes": ("T",)}, "q": {"themes": ("T",)}, "r": {"themes": ("T",)}},
        [
            ("p", "q", {}),
            ("p", "r", {}),
            ("q", "p", {"deep": 0, "template_pages": 1, "content_pages": 0}),
            ("r", "p", {"deep": 0, "template_pages": 1, "content_pages": 0}),
        ],
    )
    s = score(G)
    # p: in 2 vs peers' median 1 -> 1; out 2 -> 1; peer in/out 1, 1; deep 0; content 0 -> 80
    assert s["p"] == pytest.approx(80.0)
    # q: in 1 vs median of p (2) and r (1) = 1.5 -> 2/3; out 1 vs 1.5 -> 2/3; same for peers;
    # deep 1, content 1 -> 100 * (0.8 * 2/3 + 0.2) = 73.33
    assert s["q"] == pytest.approx(73.33, abs=0.01)


def test_score_penalties_and_uncrawled() -> None:
    G = graph(
        {"a": {}, "b": {}, "x": {"status": "robots"}},
        [("a", "b", {"targets": 2, "deep": 2, "broken": 1}), ("b", "a", {})],
    )
    s = score(G)
    assert s["a"] == pytest.approx(90.0)  # broken_outlinks: -10
    assert s["b"] == pytest.approx(100.0)
    assert math.isnan(s["x"])
    s2 = score(G, config=FindingsConfig(penalties={"broken_outlinks": 50}))
    assert s2["a"] == pytest.approx(50.0)


def test_score_of_an_isolated_site_is_0() -> None:
    G = graph({"a": {}, "b": {}, "c": {}}, [("a", "b", {}), ("b", "a", {})])
    assert score(G)["c"] == 0.0
