"""Several worker processes share one crawl (``crawl --workers N``): what they store equals
what one worker stores, table by table; per-site politeness holds; a worker killed mid-crawl
loses nothing; SIGTERM stops them all within seconds; --resume after killing everything ends
as an uninterrupted crawl."""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from demo.generate import generate
from demo.server import StaticWeb, serve
from demo.web import load_web
from tests.conftest import assert_no_duplicate_requests, govlinks, popen_govlinks, rows, snapshot, wait_for
from tests.test_crawl_e2e import chain_web, html, retired_web

pytestmark = pytest.mark.e2e

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")


def tables(db: Path) -> dict[str, Any]:
    """Every table a crawl fills, without ids, times or the workers' own bookkeeping."""
    found = snapshot(db)
    found["site_links"] = sorted(rows(db, "SELECT * FROM site_links"))
    found["sites"] = sorted(rows(db, "SELECT site, status, pages, html_pages, errors, robots_blocked, "
                                     "homepage_status FROM sites"))  # fmt: skip
    found["page_texts"] = sorted(
        rows(db, "SELECT p.norm, t.profile FROM page_texts t JOIN pages p ON p.id = t.page_id")
    )
    found["link_contexts"] = sorted(rows(db, "SELECT p.norm, l.target_norm, l.anchor, "
                                             "COALESCE(l.context, '') FROM links l "
                                             "JOIN pages p ON p.id = l.page_id"))  # fmt: skip
    return found


def holders(db: Path) -> set[str]:
    return {r[0] for r in rows(db, "SELECT DISTINCT worker FROM work_units WHERE kind='site'")}


def worker_pids(db: Path) -> list[int]:
    return [r[0] for r in rows(db, "SELECT pid FROM workers WHERE state <> 'gone' ORDER BY worker")]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def demo_web(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("workers")
    truth = generate(folder / "web", sites=24, pages_per_site=20, seed=1)
    opts = truth["crawl_options"]
    args = ["crawl", "--seeds", str(folder / "web" / "seeds.csv"), "--delay", "0", "--quiet", "--check-links",
            "--max-pages-per-site", str(opts["max_pages_per_site"]),
            "--max-depth", str(opts["max_depth"])]  # fmt: skip
    with serve(load_web(folder / "web")) as server:
        yield folder, args, server


def test_several_workers_store_what_one_stores(demo_web: Any) -> None:
    folder, args, server = demo_web
    stores = {}
    for n in (1, 2):
        db = folder / f"w{n}.db"
        mark = len(server.log)
        result = govlinks([*args, "--db", str(db), "--workers", str(n)], env=server.proxy_env, timeout=300)
        assert result.returncode == 0, result.stderr
        assert_no_duplicate_requests(server.log.entries()[mark:])
        assert holders(db) == {f"w{i + 1}" for i in range(n)}  # each worker crawled sites of its own
        stores[n] = db
    one, two = tables(stores[1]), tables(stores[2])
    assert one["pages"] and one["checks"] and one["site_links"]
    for table in one:
        assert two[table] == one[table], table
    # reports and exports read the same
    for cmd, out in ((["report", "--format", "json"], "report.json"), (["export", "--format", "csv"], "csv")):
        texts = []
        for n, db in stores.items():
            target = folder / f"{n}-{out}"
            result = govlinks([*cmd, "--db", str(db), "-o", str(target)])
            assert result.returncode == 0, result.stderr
            files = sorted(target.iterdir()) if target.is_dir() else [target]
            text = {
                f.name.replace(f"{n}-", ""): f.read_text(encoding="utf-8").replace(str(db), "DB")
                for f in files
            }
            texts.append(
                {name: _TIME.sub("TIME", t) for name, t in text.items() if name != "datapackage.json"}
            )
        assert texts[0] == texts[1]


def polite_web() -> tuple[StaticWeb, str]:
    """Six sites of eight pages, each page linking to a missing page of the next site (link targets).

    Plain http: the server's clock then sees a request when the crawler sends it (a TLS
    handshake through the proxy, slow on a loaded machine, would shift one arrival)."""
    web = StaticWeb()
    lines = ["url,name"]
    for s in range(6):
        host, other = f"poli{s}-demo.gouv.fr", f"poli{(s + 1) % 6}-demo.gouv.fr"
        lines.append(f"http://{host}/,Poli {s}")
        for p in range(8):
            body = "".join(f'<a href="/p{q}">p</a>' for q in range(1, 8) if p == 0)
            body += f'<a href="http://{other}/absent-{p}">a</a>'
            web.page(f"{host}/" if p == 0 else f"{host}/p{p}", html(f"P{s}-{p}", body, footer=""))
    return web, "\n".join(lines) + "\n"


def test_per_site_politeness_holds_with_several_workers(tmp_path: Path) -> None:
    web, seeds = polite_web()
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    delay, db = 0.4, tmp_path / "g.db"
    with serve(web) as srv:
        result = govlinks(["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--db", str(db), "--delay",
                           str(delay), "--workers", "2"], env=srv.proxy_env)  # fmt: skip
        entries = [e for e in srv.log.entries() if e.method != "CONNECT" and e.path != "/robots.txt"]
    assert result.returncode == 0, result.stderr
    assert len(holders(db)) == 2
    assert rows(db, "SELECT COUNT(*), SUM(status = 404) FROM pages WHERE kind='target'") == [(48, 48)]
    by_site: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for e in entries:
        by_site[e.host].append((e.time, e.path))
    assert len(by_site) == 6 and all(len(asked) == 16 for asked in by_site.values())
    assert_no_duplicate_requests(entries)
    # pages and link targets of a site, whichever worker fetched them, one delay apart at least
    # (less the few milliseconds a request takes from the crawler's slot to the server)
    gaps = sorted(
        (b[0] - a[0], host, a[1], b[1])
        for host, asked in by_site.items()
        for a, b in itertools.pairwise(sorted(asked))
    )
    assert gaps[0][0] >= delay - 0.05, gaps[:3]


def crawl_args(tmp_path: Path, seeds: str, *extra: str) -> list[str]:
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    return ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--max-depth", "40", *extra]


def test_a_worker_killed_mid_crawl_loses_nothing(tmp_path: Path) -> None:
    web, seeds = chain_web(sites=4, pages=30)
    args = crawl_args(tmp_path, seeds, "--delay", "0.1", "--check-links")
    with serve(web) as srv:
        full = govlinks([*args, "--db", str(tmp_path / "full.db"), "--workers", "1"], env=srv.proxy_env)
        assert full.returncode == 0, full.stderr
        db = tmp_path / "g.db"
        proc = popen_govlinks([*args, "--db", str(db), "--workers", "2"], env=srv.proxy_env)
        wait_for(db, "SELECT COUNT(*) >= 30 FROM pages", proc)
        victim = worker_pids(db)[0]
        os.kill(victim, signal.SIGKILL)
        stored = {r[0] for r in rows(db, "SELECT url FROM pages")}
        mark = len(srv.log)
        out, err = proc.communicate(timeout=120)
        after = [f"{e.scheme}://{e.host}{e.path}" for e in srv.log.entries()[mark:] if e.method == "GET"]
    assert proc.returncode == 0, err
    assert "crawl 1 finished" in out
    assert re.search(rf"worker w1 \(pid {victim}\) died \(signal SIGKILL\): the other workers take over", err)
    assert holders(db) == {"w2"}  # every site of w1 was taken over
    # what w1 had stored is not fetched again; the crawl ends as an uninterrupted one
    assert not stored & set(after)
    assert tables(db) == tables(tmp_path / "full.db")


def test_sigterm_stops_every_worker_within_seconds(tmp_path: Path) -> None:
    web, seeds = chain_web(sites=4, pages=40)
    args = crawl_args(tmp_path, seeds, "--delay", "0.3")
    db = tmp_path / "g.db"
    with serve(web) as srv:
        proc = popen_govlinks([*args, "--db", str(db), "--workers", "2"], env=srv.proxy_env)
        wait_for(db, "SELECT COUNT(*) >= 10 FROM pages", proc)
        pids = worker_pids(db)
        assert len(pids) == 2 and all(alive(p) for p in pids)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        seconds = time.monotonic() - started
    assert seconds < 10, seconds
    assert proc.returncode == 130, err
    assert err.count("received SIGTERM: stopping") == 1 and "Traceback" not in err
    assert err.splitlines()[-1] == "crawl 1 interrupted: continue with --resume"
    assert not [p for p in pids if alive(p)]
    assert rows(db, "SELECT status, pid FROM crawls") == [("interrupted", None)]
    assert rows(db, "SELECT COUNT(*) FROM work_units WHERE worker IS NOT NULL") == [(0,)]


def test_resume_after_killing_everything_equals_an_uninterrupted_crawl(tmp_path: Path) -> None:
    web, seeds = chain_web(sites=4, pages=30)
    args = crawl_args(tmp_path, seeds, "--delay", "0.15", "--check-links")
    with serve(web) as srv:
        full = govlinks([*args, "--db", str(tmp_path / "full.db"), "--workers", "2"], env=srv.proxy_env)
        assert full.returncode == 0, full.stderr
        db = tmp_path / "cut.db"
        proc = popen_govlinks([*args, "--db", str(db), "--workers", "2"], env=srv.proxy_env)
        wait_for(db, "SELECT COUNT(*) >= 40 FROM pages", proc)
        pids = worker_pids(db)
        for pid in [proc.pid, *pids]:
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        for pid in pids:  # not our children: wait until the kernel has them gone
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        stored = {r[0] for r in rows(db, "SELECT url FROM pages WHERE kind='page'")}
        assert 40 <= len(stored) < 4 * 30
        mark = len(srv.log)
        again = govlinks([*args, "--db", str(db), "--resume", "--workers", "2"], env=srv.proxy_env)
        after = [f"{e.scheme}://{e.host}{e.path}" for e in srv.log.entries()[mark:]
                 if e.method == "GET" and e.path != "/robots.txt"]  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "crawl 1 finished" in again.stdout
    assert not stored & set(after)
    assert len(after) == len(set(after))
    assert tables(db) == tables(tmp_path / "full.db")
    assert rows(db, "SELECT runs FROM crawls") == [(2,)]


def crossing_web() -> tuple[StaticWeb, str]:
    """retired_web (outside hosts redirecting to seed pages and to each other), and a page of
    one seed site moved to a page of the other that nothing links to."""
    web, seeds = retired_web()
    web.page("https://emploi-demo.gouv.fr/", html("Emploi", """
        <a href="http://retraite2-demo.fr/">r</a><a href="/ancien-demenage">déménage</a>
        <a href="https://nouveau-demo.fr/x">n</a>"""))  # fmt: skip
    web.redirect("https://emploi-demo.gouv.fr/ancien-demenage", "https://www.portail-demo.gouv.fr/demenage")
    web.page(
        "https://www.portail-demo.gouv.fr/demenage", html("Déménage", '<a href="/aides">a</a>', footer="")
    )
    return web, seeds


@pytest.mark.parametrize("workers", [2, 3])
def test_redirects_across_workers_end_as_in_one_process(tmp_path: Path, workers: int) -> None:
    web, seeds = crossing_web()
    args = crawl_args(tmp_path, seeds, "--delay", "0", "--check-links")
    with serve(web) as srv:
        stores = []
        for n in (1, workers):
            db = tmp_path / f"w{n}.db"
            result = govlinks([*args, "--db", str(db), "--workers", str(n)], env=srv.proxy_env)
            assert result.returncode == 0, result.stderr
            stores.append(db)
    one, many = tables(stores[0]), tables(stores[1])
    # the moved page of emploi is answered by portail's page, which emploi's worker fetched once
    # portail's own crawl was done (it never reached /demenage itself)
    moved = "emploi-demo.gouv.fr/ancien-demenage"
    assert next(p for p in many["pages"] if p[2] == moved)[3] == 200
    for table in one:
        assert many[table] == one[table], table
    assert rows(stores[1], "SELECT norm, resolved_from FROM checks WHERE resolved_from IS NOT NULL "
                           "ORDER BY norm")[:1] == [("ancien-demo.fr/", "portail-demo.gouv.fr/")]  # fmt: skip


def test_the_default_is_one_worker_per_core_at_most_four_and_one_per_25_sites() -> None:
    from crawler.settings import CrawlOptions
    from crawler.workers import default_workers, sites_at_once

    opts = CrawlOptions(seeds="s.csv", db="g.db")
    cores = len(os.sched_getaffinity(0))
    assert default_workers(opts, 24) == 1
    assert default_workers(opts, 650) == min(cores, 4)
    assert default_workers(CrawlOptions(seeds="s.csv", db="g.db", workers=3), 10) == 3
    assert default_workers(CrawlOptions(seeds="s.csv", db="g.db", archive_url="http://a/"), 650) == 1
    # with a delay every site starts at once; at --delay 0 a worker holds a quarter of its share
    assert sites_at_once(opts, 650, 2) == 325
    assert sites_at_once(CrawlOptions(seeds="s.csv", db="g.db", delay=0), 650, 2) == 82
    assert sites_at_once(CrawlOptions(seeds="s.csv", db="g.db", delay=0), 100, 2) == 16
    assert sites_at_once(CrawlOptions(seeds="s.csv", db="g.db", delay=0), 100, 1) == 100


def test_workers_is_refused_below_one(tmp_path: Path) -> None:
    bad = govlinks(["crawl", "--seeds", str(tmp_path / "s.csv"), "--workers", "0"])
    assert bad.returncode == 2 and "'--workers'" in bad.stderr


def test_a_joined_machine_stops_its_workers_only_when_the_crawl_is_stopped(monkeypatch: Any) -> None:
    """crawl --join looks at the crawl every RUNNING_EVERY seconds. Interrupted (its own machine
    stopped it, or died): the workers here stop. Finished (closed complete, a race with the
    workers here, which see the end at their next poll): they are left KILL_AFTER seconds first,
    else a worker ending as it should was stopped and its row read 'gone' (a CI failure)."""
    from crawler import workers as pool_module
    from crawler.settings import CrawlOptions

    clock = [1000.0]
    monkeypatch.setattr(pool_module.time, "monotonic", lambda: clock[0])
    states = iter(["running", "finished", "finished", "finished"])
    opts = CrawlOptions(seeds="s.csv", db="g.db")
    pool = pool_module.WorkerPool(opts, crawl_id=1, sites=[], selected=[], workers=1, lock_fd=-1,
                                  max_time=0, joined="b:1/", state=lambda: next(states))  # fmt: skip
    seen = []
    for step in (0.0, pool_module.RUNNING_EVERY, 1.0, pool_module.KILL_AFTER):
        clock[0] += step
        pool._check_state()
        seen.append(pool.stopping)
    assert seen == [None, None, None, 1000.0 + pool_module.RUNNING_EVERY + 1.0 + pool_module.KILL_AFTER]
    stopped = pool_module.WorkerPool(opts, crawl_id=1, sites=[], selected=[], workers=1, lock_fd=-1,
                                     max_time=0, joined="b:1/", state=lambda: "interrupted")  # fmt: skip
    stopped._check_state()
    assert stopped.stopping == clock[0]
