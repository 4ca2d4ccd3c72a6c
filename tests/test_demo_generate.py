"""The generated demo web: determinism, sizes, planted codes, truth invariants, routing,
and one crawl through the demo server whose site graph must equal the truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner

from cli import main
from crawler.errors import GovlinksError
from crawler.links import extract_links
from crawler.store import Store
from crawler.urls import SiteIndex, normalize_url
from demo.generate import PLANTED, build_spec, generate
from demo.pages import INTERNAL, OUTSIDE, WebSpec, page_links, render_page, tree_depths
from demo.plant_journeys import check_journey_gaps, recommendation_recall
from demo.protocol import Request
from demo.server import serve
from demo.truth import CODES, derive_codes
from demo.web import GeneratedWeb, load_web

EDGE_COLUMNS = ["weight", "links", "targets", "deep", "template_pages", "content_pages", "broken"]


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-web")
    generate(folder)
    return folder


@pytest.fixture(scope="module")
def truth(web_dir: Path) -> dict[str, Any]:
    return json.loads((web_dir / "truth.json").read_text())


@pytest.fixture(scope="module")
def web(web_dir: Path) -> GeneratedWeb:
    return load_web(web_dir)


def by_role(truth: dict[str, Any], role: str) -> str:
    (site,) = [s for s, d in truth["sites"].items() if d["role"] == role]
    return site


def test_same_seed_same_bytes_other_seed_other_web(tmp_path: Path, web_dir: Path) -> None:
    generate(tmp_path / "again")
    for name in ("web.json", "seeds.csv", "truth.json"):
        assert (tmp_path / "again" / name).read_bytes() == (web_dir / name).read_bytes(), name
    generate(tmp_path / "other", seed=2)
    assert (tmp_path / "other" / "web.json").read_bytes() != (web_dir / "web.json").read_bytes()
    spec = WebSpec.load(web_dir / "web.json")
    site = spec.sites[3]
    assert render_page(spec, site, 5) == render_page(WebSpec.load(web_dir / "web.json"), site, 5)


def test_files_and_seed_list(web_dir: Path, truth: dict[str, Any]) -> None:
    assert (web_dir / "web.json").stat().st_size < 40_000  # a spec, not pages
    lines = (web_dir / "seeds.csv").read_text().splitlines()
    assert lines[0] == "url,name,organisation,themes,life_events"
    assert len(lines) == 1 + 24 == 1 + len(truth["sites"])
    assert truth["crawl_options"] == {"max_pages_per_site": 20, "max_depth": 4, "check_links": True}
    assert truth["hub"] == "service-public-exemple.gouv.fr"
    hosts = [normalize_url(line.split(",", 1)[0]) or "" for line in lines[1:]]
    assert all("-exemple." in h for h in hosts)
    # several with www. and without, http and https, two sites under path prefixes of one host
    urls = [line.split(",", 1)[0] for line in lines[1:]]
    assert sum("://www." in u for u in urls) >= 3 and sum("://www." not in u for u in urls) >= 3
    assert sum(u.startswith("https:") for u in urls) >= 3 and sum(u.startswith("http:") for u in urls) >= 3
    prefixed = [s for s in truth["sites"] if s.startswith("ministere-exemple.gouv.fr")]
    assert len(prefixed) == 3  # the ministry's portal and two sites under its path prefixes


def test_every_reason_code_is_planted(truth: dict[str, Any]) -> None:
    sites = truth["sites"]
    planted = {d["role"]: d["codes"] for d in sites.values() if d["role"] in PLANTED}
    assert planted == {role: list(codes) for role, codes in PLANTED.items()}
    assert {c for d in sites.values() for c in d["codes"]} == set(CODES)
    ordinary = [d for d in sites.values() if d["role"] not in PLANTED]
    assert len(ordinary) == 9 and all(d["codes"] == [] and d["status"] == "ok" for d in ordinary)
    statuses = {d["role"]: d["status"] for d in sites.values() if "uncrawled" in d["codes"]}
    assert statuses == {
        "unreachable": "unreachable",
        "robots": "robots",
        "error": "homepage_error",
        "no_html": "no_html",
    }
    assert derive_codes(truth) == {s: d["codes"] for s, d in sites.items()}


def test_no_planted_web_has_no_codes(tmp_path: Path) -> None:
    truth = generate(tmp_path, sites=30, pages_per_site=8, page_kb=4, links=30, planted=False)
    assert len(truth["sites"]) == 30
    assert all(d["codes"] == [] and d["status"] == "ok" for d in truth["sites"].values())
    assert not [x for x in truth["external"] if x["retired"]]
    assert not [e for e in truth["edges"] if e["broken"]]


def test_truth_edge_invariants(truth: dict[str, Any]) -> None:
    sites = truth["sites"]
    keys = [(e["source"], e["target"]) for e in truth["edges"]]
    assert keys == sorted(set(keys))
    for e in truth["edges"]:
        assert e["source"] != e["target"] and sites[e["source"]]["status"] == "ok"
        assert 1 <= e["weight"] <= e["links"] and e["targets"] <= e["links"]
        assert e["deep"] <= e["targets"] and e["broken"] <= e["targets"]
        assert max(e["template_pages"], e["content_pages"]) <= e["weight"]
        assert e["template_pages"] + e["content_pages"] >= e["weight"]
    hub = truth["hub"]
    into_hub = [e for e in truth["edges"] if e["target"] == hub]
    footers = [
        s for s, d in sites.items() if d["status"] == "ok" and d["role"] not in ("isolated", "dead_end")
    ]
    assert len(into_hub) == len(footers) - 1  # every page's footer, but the hub's own
    assert all(e["template_pages"] == sites[e["source"]]["pages"] for e in into_hub)
    broken = {e["source"] for e in truth["edges"] if e["broken"]}
    assert broken == {by_role(truth, "broken_outlinks")}
    retired = sorted((x["source"], x["outcome"]) for x in truth["external"] if x["retired"])
    source = by_role(truth, "links_to_retired")
    assert retired == [(source, "moved"), (source, "unreachable")]


def test_page_size_links_and_depth(web: GeneratedWeb) -> None:
    spec = web.spec
    for site in spec.sites[:3]:
        for i in range(site.pages):
            body = render_page(spec, site, i)
            assert 25 * 1024 <= len(body) <= 30 * 1024
            assert len(page_links(spec, site, i)) == 60
    assert max(tree_depths(20)) == 3 and max(tree_depths(100)) == 4 and max(tree_depths(5000)) == 4


def test_rendered_html_matches_the_link_model(web: GeneratedWeb) -> None:
    """What the crawler extracts is exactly page_links: URLs, order, template flags, sites."""
    spec = web.spec
    index = SiteIndex(s.id for s in spec.sites)
    for site in spec.sites:
        if site.fail:
            continue
        for i in (0, 1, site.pages - 2):
            base = f"{site.scheme}://{site.host}{spec.paths(site)[i]}"
            root = lxml.html.fromstring(render_page(spec, site, i))
            got = [(raw.url, raw.template) for raw in extract_links(root, base)]
            model = page_links(spec, site, i)
            assert got == [(link.url, link.template) for link in model], (site.id, i)
            for link in model:
                owner = index.attribute(normalize_url(link.url) or "")[0]
                expected = {INTERNAL: site.id, OUTSIDE: None}.get(link.target)
                assert owner == (expected if link.target < 0 else spec.sites[link.target].id)


def test_every_page_reachable_at_its_tree_depth(web: GeneratedWeb) -> None:
    spec = web.spec
    for site in spec.sites[:6]:
        paths = spec.paths(site)
        index = {p: i for i, p in enumerate(paths)}
        depth = {0: 0}
        queue = deque([0])
        while queue:
            i = queue.popleft()
            if site.private and i == site.pages - 1:
                continue
            for link in page_links(spec, site, i):
                j = index.get(link.href) if link.target == INTERNAL else None
                if j is not None and j not in depth:
                    depth[j] = depth[i] + 1
                    queue.append(j)
        expected = tree_depths(site.pages)
        if site.private:  # its link in every footer: met at depth 1, and never fetched
            expected[-1] = 1
        assert [depth[i] for i in range(site.pages)] == expected


def test_routing_redirects_robots_and_failures(web: GeneratedWeb, truth: dict[str, Any]) -> None:
    spec = web.spec
    https = next(s for s in spec.sites if s.role == "ordinary" and s.scheme == "https" and not s.prefix)
    alias = https.host[4:] if https.host.startswith("www.") else "www." + https.host
    path = spec.paths(https)[3]
    answer = web.respond(Request("GET", "http", https.host, path))
    assert answer is not None and (answer.status, dict(answer.headers)["Location"]) == (
        301,
        f"https://{https.host}{path}",
    )
    answer = web.respond(Request("GET", "https", alias, path))
    assert answer is not None and dict(answer.headers)["Location"] == f"https://{https.host}{path}"
    page = web.respond(Request("GET", "https", https.host, path))
    assert page is not None and page.status == 200 and b"<h1>" in page.body
    missing = web.respond(Request("GET", "https", https.host, "/nulle-part"))
    assert missing is not None and missing.status == 404
    private = next(s for s in spec.sites if s.private and not s.prefix)
    robots = web.respond(Request("GET", "http", private.host, "/robots.txt"))
    assert robots is not None and robots.body == b"User-agent: *\nDisallow: /espace-agent/\n"
    moved = next(s for s in spec.sites if s.moved)
    old = web.respond(Request("GET", moved.scheme, moved.host, spec.paths(moved)[-2]))
    assert old is not None and old.status == 301 and "/nouvelle-adresse/" in dict(old.headers)["Location"]
    roles = {s.role: s for s in spec.sites}
    assert web.respond(Request("GET", "https", roles["unreachable"].host, "/")) is None
    assert not web.has_host(roles["unreachable"].host)
    error = roles["error"]
    answer = web.respond(Request("GET", error.scheme, error.host, "/"))
    assert answer is not None and answer.status == 500
    pdf = roles["no_html"]
    answer = web.respond(Request("GET", pdf.scheme, pdf.host, "/"))
    assert answer is not None and dict(answer.headers)["Content-Type"] == "application/pdf"
    blocked = roles["robots"]
    answer = web.respond(Request("GET", "https", blocked.host, "/robots.txt"))
    assert answer is not None and answer.body.endswith(b"Disallow: /\n")
    portal = roles["portal"]
    prefixed = next(s for s in spec.sites if s.prefix and s.host == portal.host)
    answer = web.respond(Request("GET", portal.scheme, portal.host, prefixed.prefix + "/"))
    assert answer is not None and dict(answer.headers)["Location"].endswith(prefixed.prefix)


def test_bad_sizes_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "generate", str(tmp_path / "w"), "--sites", "12"])
    assert result.exit_code == 2
    assert result.output == "Error: --sites 12: need at least 21 sites with planted cases (or --no-planted)\n"
    with pytest.raises(GovlinksError, match="--pages 3"):
        build_spec(pages=3)
    result = runner.invoke(main, ["demo", "serve", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no generated web here" in result.output


def test_cli_generate_and_bare_group(tmp_path: Path) -> None:
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):  # the bare demo writes ./govlinks-demo
        result = runner.invoke(main, ["demo", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0 and "generate" in result.output and "serve" in result.output
    folder = tmp_path / "web"
    result = runner.invoke(main, ["demo", "generate", str(folder), "--pages", "6", "--page-kb", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{folder}: 24 sites (15 planted with reason codes), ")
    assert sorted(p.name for p in folder.iterdir()) == ["seeds.csv", "truth.json", "web.json"]


@pytest.mark.e2e
def test_crawl_of_generated_web_equals_truth(web_dir: Path, truth: dict[str, Any], tmp_path: Path) -> None:
    opts = truth["crawl_options"]
    db = tmp_path / "demo.db"
    with serve(load_web(web_dir)) as srv:
        cmd = [
            sys.executable,
            "-m",
            "cli",
            "crawl",
            "--seeds",
            str(web_dir / "seeds.csv"),
            "--db",
            str(db),
            "--delay",
            "0",
            "--max-pages-per-site",
            str(opts["max_pages_per_site"]),
            "--max-depth",
            str(opts["max_depth"]),
            "--check-links",
            "-q",
        ]
        done = subprocess.run(
            cmd, env={**os.environ, **srv.proxy_env}, capture_output=True, text=True, timeout=300
        )
        requested = {(e.host, e.path) for e in srv.log.entries()}
    assert done.returncode == 0, done.stderr[-3000:]
    with Store.open(db) as store:
        edges = store.reads.site_edges(1)
        sites = store.reads.site_table(1)
        external = store.reads.external_checks(1)
    got = {(r["source"], r["target"]): [int(r[c]) for c in EDGE_COLUMNS] for r in edges.to_dict("records")}
    want = {(e["source"], e["target"]): [e[c] for c in EDGE_COLUMNS] for e in truth["edges"]}
    assert got == want
    got_sites = {r["site"]: (r["status"], r["pages"], r["robots_blocked"]) for r in sites.to_dict("records")}
    assert got_sites == {s: (d["status"], d["pages"], d["robots_blocked"]) for s, d in truth["sites"].items()}
    outside = {(r["source"], r["target_norm"]): int(r["pages"]) for r in external.to_dict("records")}
    assert outside == {(x["source"], x["target_norm"]): x["pages"] for x in truth["external"]}
    moved = external[external["redirect_status"] == 301]
    assert sorted(moved["target_norm"].unique()) == ["ancien-portail-exemple.fr/demarches"]
    unanswered = external[external["status"].isna()]
    assert sorted(unanswered["target_norm"].unique()) == ["site-ferme-exemple.fr/"]
    # pages that robots.txt forbids were never requested
    spec = load_web(web_dir).spec
    for site in spec.sites:
        if site.private:
            assert (site.host, spec.paths(site)[-1]) not in requested


# -- planted journey gaps ----------------------------------------------------------------


def test_journey_gaps_are_planted(truth: dict[str, Any]) -> None:
    assert check_journey_gaps(truth) == []
    (gap,) = truth["journey_gaps"]  # the default web has one cluster that can host a gap
    sites, edges = truth["sites"], {(e["source"], e["target"]): e for e in truth["edges"]}
    u, k = gap["member"], gap["key"]
    assert (gap["by"], sites[u]["role"], sites[k]["role"]) == ("theme", "ordinary", "ordinary")
    assert gap["group"] in sites[u]["themes"] and gap["group"] in sites[k]["themes"]
    assert (u, k) not in edges and (k, u) not in edges
    ordinary = [s for s, d in sites.items() if gap["group"] in d["themes"] and d["role"] == "ordinary"]
    assert len(ordinary) >= 4
    for s in ordinary:
        if s not in (u, k):
            assert edges[(s, k)]["content_pages"] == sites[s]["pages"]  # every page links the key page
            assert (u, s) in edges  # the member links every other member but the key site
    assert normalize_url(gap["key_url"]).startswith(k + "/")


def truth_graph(truth: dict[str, Any]) -> Any:
    import pandas as pd

    from graphs.build import site_graph

    rows = [{"site": s, **{c: d[c] for c in ("status", "pages", "themes", "life_events", "url")}}
            for s, d in truth["sites"].items()]  # fmt: skip
    return site_graph(pd.DataFrame(rows), pd.DataFrame(truth["edges"]))


@pytest.mark.parametrize(("sites", "seed"), [(24, 2), (40, 1), (60, 3), (120, 2)])
def test_recommendations_find_the_planted_gaps(tmp_path: Path, sites: int, seed: int) -> None:
    """On the truth of webs of several sizes: recall@5 = 1, recall@1 >= 0.9, nothing linked or uncrawled."""
    from graphs.analysis import analyse

    truth = generate(tmp_path, sites=sites, seed=seed)
    G = truth_graph(truth)
    analysis = analyse(G, hub=truth["hub"])
    recs = analysis.recommendations
    gaps = truth["journey_gaps"]
    assert len(gaps) >= {24: 1, 40: 3, 60: 5, 120: 10}[sites]
    recall = recommendation_recall(recs, gaps)
    assert recall[5] == 1.0 and recall[1] >= 0.9, recall
    # the key site is the better-evidenced end: each journey lists its gap as "member should link key"
    listed = {(g["source"], g["target"]) for j in analysis.journeys for g in j.gaps}
    assert {(g["member"], g["key"]) for g in gaps} <= listed
    for source, target in recs[["source", "target"]].itertuples(index=False):
        assert not G.has_edge(source, target) and source != target
        assert truth["sites"][target]["status"] == "ok" and truth["sites"][source]["status"] == "ok"
