"""A crawl stops when told, within seconds, whatever it is doing, and resumes exactly.

Each test sends SIGTERM (what cron's ``timeout``, systemd and a reboot send) to a
crawl in a given state of its store: while site pages are fetched with a slow
download in flight, while outside links are checked, while DNS lookups hang; or
stops it with ``--max-time``. The crawl must exit within 10 s with its documented
code, leave a consistent store with the crawl interrupted, and ``--resume`` must
then store exactly what an uninterrupted crawl stores.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demo.dns import DnsServer
from demo.server import Request, Response, serve
from tests.conftest import govlinks, popen_govlinks, rows, snapshot
from tests.test_crawl_e2e import chain_web
from tests.test_hostile import HostileWeb, phased_web

pytestmark = pytest.mark.e2e

DIRECT = {"http_proxy": "", "https_proxy": "", "no_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": ""}


def wait_until(proc: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before it could be stopped"
        try:
            if ready():
                return
        except sqlite3.OperationalError:
            pass  # the store is not created yet
        time.sleep(0.02)
    proc.kill()
    raise AssertionError(f"crawl too slow: {proc.communicate()[1][-2000:]}")


def count(db: Path, sql: str) -> int:
    return int(rows(db, sql)[0][0])


def terminate(proc: subprocess.Popen[str], signals: int = 1) -> tuple[float, str]:
    """SIGTERM (twice: a second one 0.5 s later); seconds until the process exited, its stderr."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    if signals == 2:
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return time.monotonic() - started, err


def assert_interrupted(db: Path, err: str, returncode: int, seconds: float) -> None:
    assert seconds < 10, f"stopped after {seconds:.1f}s"
    assert returncode == 130, err
    assert err.splitlines()[-1] == "crawl 1 interrupted: continue with --resume"
    assert "received SIGTERM: stopping" in err and "Traceback" not in err
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT status, pid FROM crawls") == [("interrupted", None)]


def slow_web(slow: threading.Event) -> tuple[HostileWeb, str]:
    """Three chained sites, and one whose page /gros trickles in over 30 s while ``slow`` is set."""
    chain, seeds = chain_web(sites=3, pages=40)
    web = HostileWeb()
    web.routes.update(chain.routes)
    web.hosts.update(chain.hosts)
    web.page("lent-demo.gouv.fr/", "<html><title>Lent</title><a href='/gros'>gros</a></html>")

    def gros(request: Request) -> Response:
        if slow.is_set():
            return Response(200, [("Content-Type", "text/html")], chunks=[b"<p>x</p>"] * 30, chunk_delay=1)
        return Response.html("<html><title>Gros</title><p>x</p></html>")

    web.handle("lent-demo.gouv.fr", "/gros", gros)
    return web, seeds + "https://lent-demo.gouv.fr/,Lent\n"


@pytest.mark.parametrize("signals", [1, 2], ids=["sigterm", "sigterm-twice"])
def test_sigterm_while_site_pages_are_fetched(tmp_path: Path, signals: int) -> None:
    slow = threading.Event()
    web, seeds = slow_web(slow)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--delay", "0.05", "--max-depth", "99"]
    db = tmp_path / "cut.db"
    with serve(web) as srv:
        full = govlinks([*args, "--db", str(tmp_path / "full.db")], env=srv.proxy_env)
        assert full.returncode == 0, full.stderr
        slow.set()
        mark = len(srv.log)
        proc = popen_govlinks([*args, "--db", str(db)], env=srv.proxy_env)
        wait_until(proc, lambda: any(e.path == "/gros" for e in srv.log.entries()[mark:])
                   and count(db, "SELECT COUNT(*) FROM pages") >= 20)  # fmt: skip
        stored = count(db, "SELECT COUNT(*) FROM pages")
        seconds, err = terminate(proc, signals)
        assert_interrupted(db, err, proc.returncode, seconds)
        if signals == 2:
            assert "stopping now: requests in flight are dropped, --resume fetches them" in err
        # committed pages stay; the slow page, in flight, is owed to the resumed crawl
        assert count(db, "SELECT COUNT(*) FROM pages") >= stored
        assert rows(db, "SELECT COUNT(*) FROM pages WHERE norm='lent-demo.gouv.fr/gros'") == [(0,)]
        before = {r[0] for r in rows(db, "SELECT url FROM pages")}
        slow.clear()
        mark = len(srv.log)
        again = govlinks([*args, "--db", str(db), "--resume"], env=srv.proxy_env)
        after = [f"{e.scheme}://{e.host}{e.path}" for e in srv.log.entries()[mark:]
                 if e.method == "GET" and e.path != "/robots.txt"]  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert not before & set(after)
    assert snapshot(db) == snapshot(tmp_path / "full.db")


def test_sigterm_while_outside_links_are_checked(tmp_path: Path) -> None:
    web, seeds = phased_web(sites=3, pages=40)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--delay", "0.03", "--check-links",
            "--max-depth", "99"]  # fmt: skip
    db = tmp_path / "cut.db"
    with serve(web) as srv:
        full = govlinks([*args, "--db", str(tmp_path / "full.db")], env=srv.proxy_env)
        assert full.returncode == 0, full.stderr
        proc = popen_govlinks([*args, "--db", str(db)], env=srv.proxy_env)
        wait_until(proc, lambda: count(db, "SELECT COUNT(*) FROM checks") >= 1)
        seconds, err = terminate(proc)
        assert_interrupted(db, err, proc.returncode, seconds)
        assert count(db, "SELECT COUNT(*) FROM checks") < len(snapshot(tmp_path / "full.db")["checks"])
        again = govlinks([*args, "--db", str(db), "--resume"], env=srv.proxy_env)
    assert again.returncode == 0, again.stderr
    assert snapshot(db) == snapshot(tmp_path / "full.db")


def test_sigterm_while_dns_lookups_hang(tmp_path: Path) -> None:
    web = HostileWeb()
    with serve(web) as srv:
        port = srv.port
        for p in range(10):
            nxt = f'<a href="/p{p + 1}">next</a>' if p < 9 else ""
            web.page(
                f"ici.invalid:{port}/" + (f"p{p}" if p else ""), f"<html><title>P{p}</title>{nxt}</html>"
            )
        seeds = tmp_path / "seeds.csv"
        seeds.write_text(f"url,name\nhttp://ici.invalid:{port}/,Ici\nhttps://muet.invalid/,Muet\n")
        args = ["crawl", "--seeds", str(seeds), "--delay", "0.3", "--dns-timeout", "30"]
        db = tmp_path / "cut.db"
        # the network once fixed: muet.invalid does not exist; while cut: its DNS never answers
        with DnsServer({"ici.invalid": "127.0.0.1"}) as fixed:
            full = govlinks([*args, "--db", str(tmp_path / "full.db"), "--dns-server", fixed.address],
                            env=DIRECT)  # fmt: skip
            assert full.returncode == 0, full.stderr
            with DnsServer({"ici.invalid": "127.0.0.1"}, silent={"muet.invalid"}) as hanging:
                proc = popen_govlinks([*args, "--db", str(db), "--dns-server", hanging.address], env=DIRECT)
                wait_until(proc, lambda: any(q.name == "muet.invalid" for q in hanging.queries())
                           and count(db, "SELECT COUNT(*) FROM pages") >= 2)  # fmt: skip
                seconds, err = terminate(proc)
            assert_interrupted(db, err, proc.returncode, seconds)
            assert rows(db, "SELECT COUNT(*) FROM pages WHERE site='muet.invalid'") == [(0,)]
            again = govlinks([*args, "--db", str(db), "--resume", "--dns-server", fixed.address], env=DIRECT)
    assert again.returncode == 0, again.stderr
    assert rows(db, "SELECT error FROM pages WHERE site='muet.invalid'") == [("dns: muet.invalid not found",)]
    assert snapshot(db) == snapshot(tmp_path / "full.db")


def test_max_time_stops_cleanly_and_resumes(tmp_path: Path) -> None:
    web, seeds = chain_web(sites=3, pages=40)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--delay", "0.1", "--max-depth", "99"]
    db = tmp_path / "cut.db"
    with serve(web) as srv:
        full = govlinks([*args, "--db", str(tmp_path / "full.db")], env=srv.proxy_env)
        assert full.returncode == 0, full.stderr
        started = time.monotonic()
        cut = govlinks([*args, "--db", str(db), "--max-time", "3s"], env=srv.proxy_env)
        seconds = time.monotonic() - started
        assert cut.returncode == 124, cut.stderr
        assert seconds < 3 + 10
        assert cut.stderr.splitlines()[-1] == "crawl 1 stopped after --max-time 3s: continue with --resume"
        assert cut.stdout.startswith("crawl 1 interrupted: ")
        assert rows(db, "SELECT status FROM crawls") == [("interrupted",)]
        assert 0 < count(db, "SELECT COUNT(*) FROM pages") < len(snapshot(tmp_path / "full.db")["pages"])
        again = govlinks([*args, "--db", str(db), "--resume", "--max-time", "10m"], env=srv.proxy_env)
    assert again.returncode == 0, again.stderr
    assert snapshot(db) == snapshot(tmp_path / "full.db")
    assert rows(db, "SELECT runs FROM crawls") == [(2,)]


def test_max_time_is_not_a_crawl_setting(tmp_path: Path) -> None:
    """--max-time is this run's budget: the crawl's stored settings do not keep it."""
    web, seeds = chain_web(sites=2, pages=3)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    with serve(web) as srv:
        args = [
            "crawl",
            "--seeds",
            str(tmp_path / "seeds.csv"),
            "--db",
            str(tmp_path / "g.db"),
            "--delay",
            "0",
        ]
        result = govlinks([*args, "--max-time", "1h", "--dns-timeout", "3s"], env=srv.proxy_env)
    assert result.returncode == 0, result.stderr
    settings: Any = rows(tmp_path / "g.db", "SELECT settings FROM crawls")[0][0]
    assert '"dns_timeout": 3.0' in settings and "max_time" not in settings
