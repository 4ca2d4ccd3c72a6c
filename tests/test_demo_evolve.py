"""demo generate --evolve: the web's later version changes exactly what is planted, and its
expected diff follows from the two truths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.errors import GovlinksError
from demo.evolve import evolve
from demo.generate import build_spec, generate
from demo.pages import INTERNAL, WebSpec, page_links, site_url
from demo.truth import compute_truth


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evolve") / "web"
    generate(folder, sites=24, pages_per_site=20, seed=1, evolve=True)
    return folder


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_first_version_is_the_plain_web(web: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    generate(plain, sites=24, pages_per_site=20, seed=1)
    for name in ("web.json", "seeds.csv", "truth.json"):
        assert (web / name).read_bytes() == (plain / name).read_bytes(), name
    assert (web / "v2" / "seeds.csv").read_bytes() == (web / "seeds.csv").read_bytes()
    assert sorted(p.name for p in (web / "v2").iterdir()) == ["expected_diff.json", "seeds.csv", "truth.json",
                                                              "web.json"]  # fmt: skip


def test_the_planted_changes(web: Path) -> None:
    truth, truth2 = load(web / "truth.json"), load(web / "v2" / "truth.json")
    expected = load(web / "v2" / "expected_diff.json")
    p = expected["planted"]
    assert set(p) == {"newly_orphaned", "links_moved_to", "fixed", "homepage_fails", "link_from", "link_to"}
    assert (
        truth["sites"][p["fixed"]]["role"] == "dead_end"
        and truth["sites"][p["homepage_fails"]]["role"] == "orphan"
    )
    assert truth["sites"][p["newly_orphaned"]]["role"] == "ordinary"
    codes = {s["site"]: (s["codes_added"], s["codes_resolved"]) for s in expected["sites"]}
    assert codes == {
        p["newly_orphaned"]: (["orphan", "no_group_inbound"], []),
        p["fixed"]: ([], ["dead_end"]),
        p["homepage_fails"]: (["uncrawled"], ["orphan"]),
    }
    assert truth2["sites"][p["homepage_fails"]]["status"] == "homepage_error"
    inbound = [e for e in truth2["edges"] if e["target"] == p["newly_orphaned"]]
    assert inbound == [] and [e for e in truth["edges"] if e["target"] == p["newly_orphaned"]]
    assert not [e for e in truth2["edges"] if e["source"] == p["homepage_fails"]]

    removed = {(e["source"], e["target"]) for e in expected["edges_removed"]}
    lost = [
        e for e in truth["edges"] if p["newly_orphaned"] == e["target"] or p["homepage_fails"] == e["source"]
    ]
    assert removed == {(e["source"], e["target"]) for e in lost}
    added = {(e["source"], e["target"]): e["weight_to"] for e in expected["edges_added"]}
    pages = truth2["sites"][p["link_from"]]["pages"]
    assert added[(p["link_from"], p["link_to"])] == pages and added[(p["fixed"], p["link_from"])] == 20
    # every other pair added or changed gained the links the orphaned site lost
    heir = p["links_moved_to"]
    others = {k for k in added if k not in ((p["link_from"], p["link_to"]), (p["fixed"], p["link_from"]))}
    assert {t for _, t in others} <= {heir}
    assert {e["target"] for e in expected["edges_changed"]} == {heir}
    assert all(e["weight_to"] > e["weight_from"] for e in expected["edges_changed"])


def test_no_link_changes_but_the_planted_ones(web: Path) -> None:
    """Page by page, v2's links to other sites are v1's with the orphaned site's moved to its
    heir, plus the added links: no other random draw changed (a page with an added link has
    one internal filler link less, which no site graph sees)."""
    v1, v2 = WebSpec.load(web / "web.json"), WebSpec.load(web / "v2" / "web.json")
    p = load(web / "v2" / "expected_diff.json")["planted"]
    index = {s.id: s.index for s in v1.sites}
    orphan, heir = index[p["newly_orphaned"]], index[p["links_moved_to"]]
    for s1, s2 in zip(v1.sites, v2.sites, strict=True):
        if s2.fail:
            continue
        added = {site_url(v2.sites[t], path) for t, path in s2.fixed if [t, path] not in s1.fixed}
        assert len(added) == (s1.id in (p["fixed"], p["link_from"]))
        for i in range(s1.pages):
            before = [(heir if x.target == orphan else x.target, x.region)
                      for x in page_links(v1, s1, i) if x.target != INTERNAL]  # fmt: skip
            after = [(x.target, x.region) for x in page_links(v2, s2, i)
                     if x.target != INTERNAL and x.url not in added]  # fmt: skip
            assert after == before, (s1.id, i)


def test_evolve_needs_the_planted_sites(tmp_path: Path) -> None:
    spec = build_spec(sites=24, pages=5, planted=False)
    with pytest.raises(GovlinksError, match="drop --no-planted"):
        evolve(spec, compute_truth(spec))
    result = CliRunner().invoke(main, ["demo", "generate", str(tmp_path / "w"), "--no-planted", "--evolve"])
    assert result.exit_code == 2 and "--evolve plants its changes on the planted sites" in result.stderr


def test_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "generate", str(tmp_path / "w"), "--pages", "5", "--evolve"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        f"{tmp_path / 'w'}/v2: the same web later, with planted changes (v2/expected_diff.json)"
    )
    assert load(tmp_path / "w" / "v2" / "expected_diff.json")["sites"]


@pytest.mark.parametrize(("sites", "seed"), [(24, 2), (24, 3), (24, 4), (24, 5), (31, 1), (45, 4), (60, 2)])
def test_every_web_from_the_minimum_carries_the_changes(tmp_path: Path, sites: int, seed: int) -> None:
    """The three planted changes, and nothing else, whatever the draws of the other plants
    (off-topic links, journey gaps): the codes that change are exactly the planted ones."""
    generate(tmp_path, sites=sites, pages_per_site=20, page_kb=2, seed=seed, evolve=True)
    truth, truth2 = load(tmp_path / "truth.json"), load(tmp_path / "v2" / "truth.json")
    expected = load(tmp_path / "v2" / "expected_diff.json")
    p = expected["planted"]
    codes = {s["site"]: (s["codes_added"], s["codes_resolved"]) for s in expected["sites"]}
    assert codes == {
        p["newly_orphaned"]: (["orphan", "no_group_inbound"], []),
        p["fixed"]: ([], ["dead_end"]),
        p["homepage_fails"]: (["uncrawled"], ["orphan"]),
    }
    assert truth2["journey_gaps"] == truth["journey_gaps"] and truth2["relevance"]["off_topic"]
    off_topic = {s for s, d in truth["sites"].items() if "off_topic_links" in d["codes"]}
    assert off_topic == {s for s, d in truth2["sites"].items() if "off_topic_links" in d["codes"]}
    assert len(off_topic) == 1


def test_too_small_a_web_is_one_line_and_no_file(tmp_path: Path) -> None:
    """Below 24 sites every ordinary site links every other one: no link can be added."""
    with pytest.raises(GovlinksError, match=r"^--evolve: need at least 24 sites \(--sites 23\)$"):
        generate(tmp_path / "w", sites=23, pages_per_site=5, evolve=True)
    assert not (tmp_path / "w").exists()
    result = CliRunner().invoke(main, ["demo", "generate", str(tmp_path / "w"), "--sites", "23", "--evolve"])
    assert (result.exit_code, result.stderr) == (2, "Error: --evolve: need at least 24 sites (--sites 23)\n")
