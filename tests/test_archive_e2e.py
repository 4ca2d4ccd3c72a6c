"""`govlinks crawl --archive` against a real pywb serving the demo web as archived at two dates.

The archive holds two versions of a generated web: version A captured around
2015-06-01 and version B around 2019-06-01. B differs from A in its links (a new
deep link, footer partners removed), in its pages (a site grew: pages captured only
at B; a site is gone: its pages captured only at A), and the collection holds
decoys: a page of each version captured within the other's window but farther from
its date, and the gone site's homepage captured just outside B's window. A crawl
of the archive at each date must find exactly the truth of that version, computed
from its spec by ``demo.truth`` as for a live crawl.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from crawler.store import Store
from crawler.urls import normalize_url
from demo.generate import build_spec
from demo.pages import WebSpec
from demo.server import DemoServer, StaticWeb, serve
from demo.truth import compute_truth
from demo.web import GeneratedWeb
from tests.archive_web import COLLECTION, Pywb, answer, captures, pywb_python, spec_copy, write_warc
from tests.conftest import govlinks, popen_govlinks, rows, snapshot, wait_for

pytestmark = pytest.mark.e2e

AT = {"A": date(2015, 6, 1), "B": date(2019, 6, 1)}
SPREAD = 20  # days around its date within which each page of a version was captured
EDGE_COLUMNS = ("weight", "links", "targets", "deep", "template_pages", "content_pages", "broken")


@dataclass
class Past:
    root: Path
    seeds: Path
    specs: dict[str, WebSpec]
    truth: dict[str, dict[str, Any]]
    roles: dict[str, str]  # X gains a link to Y at B, Z grows at B, W is gone at B
    pywb: Pywb
    proxy: DemoServer  # catches any request that would leave for the live web
    dbs: dict[str, Path] = field(default_factory=dict)
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)  # pywb log slice of each crawl

    def crawl(self, name: str, db: Path, *extra: str) -> list[str]:
        options = ["--at", AT[name].isoformat(), "--max-depth", "4", "--max-pages-per-site", "20"]
        return [
            "crawl",
            "--seeds",
            str(self.seeds),
            "--db",
            str(db),
            "--archive",
            self.pywb.url,
            *options,
            *extra,
        ]

    @property
    def env(self) -> dict[str, str]:
        return {**self.proxy.proxy_env, "no_proxy": "127.0.0.1"}


def _versions() -> tuple[WebSpec, WebSpec, dict[str, Any]]:
    a = build_spec(sites=24, pages=6, page_kb=3, links=20, seed=5)
    edges_a = {(e["source"], e["target"]) for e in compute_truth(a)["edges"]}
    ordinary = [s for s in a.sites if s.role == "ordinary" and not s.prefix]
    x = ordinary[0]
    y = next(s for s in ordinary[1:] if (x.id, s.id) not in edges_a)
    w = next(s for s in ordinary if s not in (x, y) and any(t == s.id for _, t in edges_a))
    z = next(s for s in ordinary if s not in (x, y, w))
    b = spec_copy(a)
    b.sites[x.index].required.append([y.index, "deep"])  # a new deep link X -> Y
    for site in b.sites:
        site.template = []  # footer partners removed: template_only's inbound links go
    b.sites[z.index].pages += 3  # new pages, captured only at B
    b.sites[w.index].fail = "unreachable"  # gone: its pages were captured only at A
    return a, b, {"X": x, "Y": y, "Z": z, "W": w}


@pytest.fixture(scope="module")
def past(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Past]:
    python = pywb_python()
    root = tmp_path_factory.mktemp("past")
    a, b, sites = _versions()
    web = {"A": GeneratedWeb(a), "B": GeneratedWeb(b)}
    warcs = [root / "a.warc.gz", root / "b.warc.gz", root / "decoys.warc.gz"]
    write_warc(warcs[0], captures(web["A"], AT["A"], SPREAD))
    write_warc(warcs[1], captures(web["B"], AT["B"], SPREAD))
    x, w = sites["X"], sites["W"]

    def at(day: date, days: int) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=days)

    decoys = [
        (x.url, at(AT["A"], -150), answer(web["B"], x.url)),  # in A's window, farther than A's own
        (x.url, at(AT["B"], 170), answer(web["A"], x.url)),  # in B's window, farther than B's own
        (w.url, at(AT["B"], -200), answer(web["A"], w.url)),  # just outside B's window (6 months)
    ]
    write_warc(warcs[2], [(u, t, r) for u, t, r in decoys if r is not None])
    seeds = root / "seeds.csv"
    seeds.write_text("url,name\n" + "".join(f"{s.url},{s.name}\n" for s in a.sites), encoding="utf-8")
    with Pywb(root / "pywb", warcs, python) as pywb, serve(StaticWeb()) as proxy:
        yield Past(root, seeds, {"A": a, "B": b}, {"A": compute_truth(a), "B": compute_truth(b)},
                   {k: s.id for k, s in sites.items()}, pywb, proxy)  # fmt: skip


@pytest.fixture(scope="module")
def crawled(past: Past) -> Past:
    """The store of an archive crawl at each date (rate: as fast as pywb answers)."""
    for name in ("A", "B"):
        db = past.root / f"{name}.db"
        start = len(past.pywb.settled())
        log = str(past.root / f"{name}.log")
        result = govlinks(past.crawl(name, db, "--archive-rate", "1000/s", "--log-file", log), env=past.env)
        assert result.returncode == 0, result.stderr
        assert f"crawl 1 finished (archive of {AT[name]}): " in result.stdout
        past.dbs[name] = db
        past.marks[name] = (start, len(past.pywb.settled()))
    return past


def _edges(db: Path) -> dict[tuple[str, str], tuple[int, ...]]:
    with Store.open(db) as store:
        edges = store.reads.site_edges(1)
    return {(r.source, r.target): tuple(getattr(r, c) for c in EDGE_COLUMNS) for r in edges.itertuples()}


def _truth_edges(truth: dict[str, Any]) -> dict[tuple[str, str], tuple[int, ...]]:
    return {(e["source"], e["target"]): tuple(e[c] for c in EDGE_COLUMNS) for e in truth["edges"]}


@pytest.mark.parametrize("name", ["A", "B"])
def test_the_archive_at_each_date_gives_the_truth_of_that_version(crawled: Past, name: str) -> None:
    db, truth = crawled.dbs[name], crawled.truth[name]
    assert _edges(db) == _truth_edges(truth)  # edge for edge, weights and broken targets included
    with Store.open(db) as store:
        sites = store.reads.site_table(1).set_index("site")
        crawl = store.crawl(1)
    assert {s: (r.status, r.pages) for s, r in sites.iterrows()} == {
        s: (d["status"], d["pages"]) for s, d in truth["sites"].items()
    }
    assert (crawl.source, crawl.archive_url, crawl.archive_at) == ("archive", crawled.pywb.url, str(AT[name]))
    assert crawl.as_of == f"{AT[name]}T00:00:00+00:00"
    assert crawl.settings["archive_window"] == "6m"


def test_the_two_dates_differ_as_the_versions_do(crawled: Past) -> None:
    a, b = _edges(crawled.dbs["A"]), _edges(crawled.dbs["B"])
    x, y, w = crawled.roles["X"], crawled.roles["Y"], crawled.roles["W"]
    assert (x, y) in b and (x, y) not in a
    assert any(t == w for _, t in a) and all(v[6] == v[2] for (_, t), v in b.items() if t == w)
    z = crawled.roles["Z"]
    count = "SELECT COUNT(*) FROM pages WHERE site=? AND kind='page' AND error IS NULL"
    assert rows(crawled.dbs["A"], count, z) == [(6,)] and rows(crawled.dbs["B"], count, z) == [(9,)]


def test_pages_keep_their_urls_and_the_time_of_their_capture(crawled: Past) -> None:
    for name, db in crawled.dbs.items():
        day = datetime(AT[name].year, AT[name].month, AT[name].day, tzinfo=UTC)
        pages = rows(db, "SELECT norm, url, final_url, status, error, captured_at FROM pages")
        archived = [p for p in pages if p[3] is not None]
        assert archived and all(p[5] is not None for p in archived)
        for norm, url, final_url, _status, _error, captured in archived:
            assert abs(datetime.fromisoformat(captured) - day) <= timedelta(days=SPREAD + 1), (norm, captured)
            assert normalize_url(url) == norm and not url.startswith(crawled.pywb.url)
            assert not final_url.startswith(crawled.pywb.url)
        # no capture in the window: recorded as such, no time, no status
        missing = [p for p in pages if p[4] and p[4].startswith("archive:")]
        assert all(p[3] is None and p[5] is None for p in missing)
    home = normalize_url(next(s.url for s in crawled.specs["A"].sites if s.id == crawled.roles["W"]))
    assert rows(crawled.dbs["B"], "SELECT status, error, captured_at FROM pages WHERE norm=?", home) == [
        (None, "archive: no capture within 6 months of 2019-06-01", None)
    ]
    # redirects captured as 3xx were followed through the archive, to the capture of the target
    moved = rows(
        crawled.dbs["A"],
        "SELECT norm, final_norm, status, captured_at FROM pages "
        "WHERE final_norm <> norm AND final_norm LIKE '%/nouvelle-adresse/%'",
    )
    assert moved and all(status == 200 and captured for _, _, status, captured in moved)


def test_nothing_is_requested_outside_the_archive(crawled: Past) -> None:
    assert crawled.proxy.log.entries() == []  # no request left for the live web
    start, end = crawled.marks["A"][0], crawled.marks["B"][1]
    requests = crawled.pywb.requests()[start:end]
    assert requests and all(path.startswith(f"/{COLLECTION}/") for _, path in requests)
    replayed = [unquote(path.split("id_/", 1)[1]) for _, path in requests if "id_/" in path]
    # robots.txt as archived is obeyed: forbidden pages are in the archive, never asked for
    forbidden = [s for s in crawled.specs["A"].sites if s.private or s.fail == "robots"]
    assert forbidden and not [u for u in replayed if "/espace-agent/" in u]
    robots_site = next(s for s in forbidden if s.fail == "robots")
    robots_url = f"{robots_site.scheme}://{robots_site.host}/robots.txt"
    assert {u for u in replayed if robots_site.host in u} == {robots_url}
    # CDX queries batched per site: one page count and one query per seed site and crawl
    cdx = [path for _, path in requests if path.startswith(f"/{COLLECTION}/cdx?")]
    prefix = [p for p in cdx if "matchType=prefix" in p]
    for name in ("A", "B"):
        first, last = crawled.marks[name]
        asked = [p for _, p in crawled.pywb.requests()[first:last] if p in prefix]
        assert len(set(asked)) == 2 * len(crawled.specs["A"].sites)
        # each asked once, but for a connection pywb closed under the request (the crawl's log says)
        log = (crawled.root / f"{name}.log").read_text(encoding="utf-8")
        again = re.findall(r"GET \S+/cdx\?\S+matchType=prefix\S*: .*, asking again", log)
        assert len(asked) == len(set(asked)) + len(again)
    assert [p for p in cdx if p not in prefix] == []  # no page was looked up on its own
    pages = sum(
        rows(db, "SELECT COUNT(*) FROM pages WHERE status IS NOT NULL")[0][0] for db in crawled.dbs.values()
    )
    assert len(replayed) >= pages > 2 * len(cdx)


def test_kill9_and_resume_of_an_archive_crawl_equals_an_uninterrupted_one(crawled: Past) -> None:
    db = crawled.root / "cut.db"
    proc = popen_govlinks(crawled.crawl("A", db, "--archive-rate", "25/s"), env=crawled.env)
    wait_for(db, "SELECT COUNT(*) >= 30 FROM pages", proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -9
    stored = rows(db, "SELECT norm, final_norm FROM pages")
    full = rows(crawled.dbs["A"], "SELECT COUNT(*) FROM pages")[0][0]
    assert 30 <= len(stored) < full
    mark = len(crawled.pywb.settled())

    again = govlinks(["crawl", "--db", str(db), "--seeds", str(crawled.seeds), "--resume"], env=crawled.env)
    assert again.returncode == 0, again.stderr
    assert "crawl 1 finished (archive of 2015-06-01): " in again.stdout
    assert snapshot(db) == snapshot(crawled.dbs["A"])
    captured = "SELECT norm, captured_at FROM pages ORDER BY norm"
    assert rows(db, captured) == rows(crawled.dbs["A"], captured)
    assert rows(db, "SELECT runs, source, archive_at FROM crawls") == [(2, "archive", "2015-06-01")]
    # no page stored before the kill was asked of the archive again (robots.txt is, per run)
    before = {n for pair in stored for n in pair if n}
    after = [normalize_url(unquote(path.split("id_/", 1)[1])) for _, path in crawled.pywb.settled()[mark:]
             if "id_/" in path and not path.endswith("/robots.txt")]  # fmt: skip
    assert after and not before & set(after)
    assert crawled.proxy.log.entries() == []
