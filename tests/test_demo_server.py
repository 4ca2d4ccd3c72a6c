"""The demo web server: a forward proxy on 127.0.0.1 that answers by host name."""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.store import Store
from demo.generate import generate
from demo.server import DemoServer, Request, Response, StaticWeb, iter_log_file, serve, serve_subprocess

PAGE_A = """<!DOCTYPE html><html><head><title>Accueil A</title></head><body>
<header><a href="https://b-exemple.gouv.fr/">Site B</a></header>
<main><a href="/demarches">Démarches</a> <a href="https://b-exemple.gouv.fr/aides/logement">Aides</a>
<a href="/prive/x">privé</a></main>
<footer><a href="http://hub-exemple.gouv.fr/">Hub</a></footer></body></html>"""


def make_web() -> StaticWeb:
    web = StaticWeb()
    web.redirect("http://a-exemple.gouv.fr/", "https://a-exemple.gouv.fr/")
    web.page("https://a-exemple.gouv.fr/", PAGE_A)
    web.page("https://a-exemple.gouv.fr/demarches", "<p><a href='https://b-exemple.gouv.fr/'>B</a></p>")
    web.page("https://a-exemple.gouv.fr/prive/x", "<a href='https://b-exemple.gouv.fr/secret'>s</a>")
    web.robots("a-exemple.gouv.fr", "User-agent: *\nDisallow: /prive/\n")
    web.redirect("b-exemple.gouv.fr/", "http://www.b-exemple.gouv.fr/")
    web.page(
        "http://www.b-exemple.gouv.fr/", "<main><a href='https://a-exemple.gouv.fr/demarches'>A</a></main>"
    )
    web.redirect("b-exemple.gouv.fr/aides/logement", "http://www.b-exemple.gouv.fr/aides/logement")
    web.page("www.b-exemple.gouv.fr/aides/logement", "<p>Aides au logement</p>")
    web.page("hub-exemple.gouv.fr/", "<p>hub</p>")
    return web


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with serve(make_web()) as srv:
        yield srv


def opener(srv: DemoServer) -> urllib.request.OpenerDirector:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the demo certificate is self-signed
    proxies = urllib.request.ProxyHandler({"http": srv.proxy_url, "https": srv.proxy_url})
    return urllib.request.build_opener(proxies, urllib.request.HTTPSHandler(context=ctx))


def test_http_and_https_through_the_proxy(server: DemoServer) -> None:
    resp = opener(server).open("http://a-exemple.gouv.fr/", timeout=5)
    assert resp.url == "https://a-exemple.gouv.fr/"  # followed the http -> https redirect
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Accueil A</title>" in resp.read().decode()
    log = [(e.method, e.scheme, e.host, e.path, e.status) for e in server.log.entries()]
    assert log == [
        ("GET", "http", "a-exemple.gouv.fr", "/", 301),
        ("CONNECT", "http", "a-exemple.gouv.fr", "", 200),
        ("GET", "https", "a-exemple.gouv.fr", "/", 200),
    ]


def test_www_redirect_and_404(server: DemoServer) -> None:
    resp = opener(server).open("https://B-Exemple.gouv.fr/aides/logement", timeout=5)
    assert resp.url == "http://www.b-exemple.gouv.fr/aides/logement"
    assert resp.read() == b"<p>Aides au logement</p>"
    with pytest.raises(urllib.error.HTTPError) as err:
        opener(server).open("https://a-exemple.gouv.fr/nulle-part", timeout=5)
    assert err.value.code == 404


def test_robots_txt(server: DemoServer) -> None:
    body = opener(server).open("https://a-exemple.gouv.fr/robots.txt", timeout=5).read()
    assert body == b"User-agent: *\nDisallow: /prive/\n"
    with pytest.raises(urllib.error.HTTPError) as err:
        opener(server).open("http://hub-exemple.gouv.fr/robots.txt", timeout=5)
    assert err.value.code == 404


def test_unknown_host_looks_unreachable(server: DemoServer) -> None:
    with pytest.raises(http.client.RemoteDisconnected):
        opener(server).open("http://inconnu.gouv.fr/", timeout=5)
    with pytest.raises(urllib.error.URLError, match="502"):
        opener(server).open("https://inconnu.gouv.fr/", timeout=5)
    log = [(e.method, e.host, e.status) for e in server.log.entries()]
    assert log == [("GET", "inconnu.gouv.fr", None), ("CONNECT", "inconnu.gouv.fr", 502)]


def test_connect_reply_marks_unknown_host(server: DemoServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"CONNECT inconnu.gouv.fr:443 HTTP/1.1\r\nHost: inconnu.gouv.fr:443\r\n\r\n")
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
    assert b"X-Demo-Unknown-Host: 1\r\n" in reply


def test_keep_alive_and_origin_form(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "http://hub-exemple.gouv.fr/")
    assert conn.getresponse().read() == b"<p>hub</p>"
    sock = conn.sock
    conn.request("GET", "/", headers={"Host": "www.b-exemple.gouv.fr"})  # origin form: by Host
    assert b"a-exemple.gouv.fr/demarches" in conn.getresponse().read()
    conn.request("HEAD", "http://hub-exemple.gouv.fr/")
    head = conn.getresponse()
    assert (head.status, head.getheader("Content-Length"), head.read()) == (200, "10", b"")
    assert conn.sock is sock  # one TCP connection for the three requests
    conn.close()


def test_https_keep_alive_in_tunnel(server: DemoServer) -> None:
    ctx = ssl._create_unverified_context()
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=5)
    conn.set_tunnel("a-exemple.gouv.fr", 443)
    for path in ("/", "/demarches", "/robots.txt"):
        conn.request("GET", path)
        assert conn.getresponse().read()
    conn.close()
    log = [(e.method, e.scheme, e.path) for e in server.log.entries()]
    assert log == [
        ("CONNECT", "http", ""),
        ("GET", "https", "/"),
        ("GET", "https", "/demarches"),
        ("GET", "https", "/robots.txt"),
    ]


def test_request_log_file_and_timing(tmp_path: Path) -> None:
    web = StaticWeb()
    web.add("slow-exemple.gouv.fr/", Response.html("<p>lent</p>", delay=0.2))
    log_path = tmp_path / "requests.jsonl"
    with serve(web, log_path=log_path) as srv:
        start = time.monotonic()
        assert opener(srv).open("http://slow-exemple.gouv.fr/", timeout=5).read() == b"<p>lent</p>"
        assert time.monotonic() - start >= 0.2
        entries = srv.log.entries()
    assert len(entries) == 1 and start <= entries[0].time < start + 0.2
    lines = log_path.read_text().splitlines()
    assert json.loads(lines[0])["host"] == "slow-exemple.gouv.fr"
    assert list(iter_log_file(log_path)) == entries


def test_chunked_drop_and_close(server: DemoServer) -> None:
    web = StaticWeb()
    web.add("x-exemple.gouv.fr/chunks", Response(200, [("Content-Type", "text/html")], chunks=[b"ab", b"cd"]))
    web.add("x-exemple.gouv.fr/drop", Response.drop())
    web.add("x-exemple.gouv.fr/close", Response.html("bye", close=True))
    with serve(web) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "http://x-exemple.gouv.fr/chunks")
        resp = conn.getresponse()
        assert (resp.getheader("Transfer-Encoding"), resp.read()) == ("chunked", b"abcd")
        conn.request("GET", "http://x-exemple.gouv.fr/close")
        resp = conn.getresponse()
        assert (resp.getheader("Connection"), resp.read()) == ("close", b"bye")
        with pytest.raises(http.client.RemoteDisconnected):
            opener(srv).open("http://x-exemple.gouv.fr/drop", timeout=5)


def test_generated_web_in_a_subprocess(tmp_path: Path) -> None:
    generate(tmp_path / "web", pages_per_site=5, page_kb=1, links=20)
    log_path = tmp_path / "requests.jsonl"
    with serve_subprocess(tmp_path / "web", log_path=log_path) as srv:
        proxies = urllib.request.ProxyHandler({"http": srv.proxy_url, "https": srv.proxy_url})
        ctx = ssl._create_unverified_context()
        opener = urllib.request.build_opener(proxies, urllib.request.HTTPSHandler(context=ctx))
        # the hub's canonical form is https://www.service-public-exemple.gouv.fr/
        body = opener.open("http://service-public-exemple.gouv.fr/", timeout=10).read()
    assert b'<header role="banner"' in body and b"Service-Public (exemple)" in body
    log = [(e.method, e.scheme, e.host, e.status) for e in iter_log_file(log_path)]
    assert log == [
        ("GET", "http", "service-public-exemple.gouv.fr", 301),
        ("CONNECT", "http", "www.service-public-exemple.gouv.fr", 200),
        ("GET", "https", "www.service-public-exemple.gouv.fr", 200),
    ]
    assert srv.proc.poll() is not None  # stopped on leaving the block


def test_a_failing_web_answers_500(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(StaticWeb):
        def respond(self, request: Request) -> Response | None:
            raise ValueError("boom")

    web = Broken()
    web.add_host("casse-exemple.gouv.fr")
    with serve(web) as srv, pytest.raises(urllib.error.HTTPError) as err:
        opener(srv).open("http://casse-exemple.gouv.fr/", timeout=5)
    assert err.value.code == 500
    assert "demo web failed on GET http://casse-exemple.gouv.fr/" in caplog.text


def test_bad_request_line(server: DemoServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 Bad Request\r\n")


@pytest.mark.e2e
def test_govlinks_crawl_through_the_proxy(server: DemoServer, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(
        "url,name\nhttp://a-exemple.gouv.fr/,A\nhttps://b-exemple.gouv.fr/,B\nhttp://hub-exemple.gouv.fr/,Hub\n"
    )
    db = tmp_path / "crawl.db"
    env = {**os.environ, **server.proxy_env}
    cmd = [sys.executable, "-m", "cli", "crawl", "--seeds", str(seeds), "--db", str(db), "--delay", "0", "-q"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with Store.open(db) as store:
        pages = store.reads.pages_table(1)
        edges = store.reads.site_edges(1)
    pages = pages[pages["kind"] == "page"]
    blocked = pages[pages["error"] == "robots.txt"]
    assert list(blocked["url"]) == ["https://a-exemple.gouv.fr/prive/x"]
    assert sorted(pages.loc[pages["error"].isna(), "final_url"]) == [
        "http://hub-exemple.gouv.fr/",
        "http://www.b-exemple.gouv.fr/",
        "https://a-exemple.gouv.fr/",
        "https://a-exemple.gouv.fr/demarches",
    ]
    rows = {(r.source, r.target): tuple(r)[2:] for r in edges.itertuples(index=False)}
    # (weight, links, targets, deep, template_pages, content_pages, broken)
    assert rows == {
        ("a-exemple.gouv.fr", "b-exemple.gouv.fr"): (2, 3, 2, 1, 1, 2, 0),
        ("a-exemple.gouv.fr", "hub-exemple.gouv.fr"): (1, 1, 1, 0, 1, 0, 0),
        ("b-exemple.gouv.fr", "a-exemple.gouv.fr"): (1, 1, 1, 1, 0, 1, 0),
    }
    # robots.txt kept the crawler out of /prive/: its link to b/secret does not count.
    assert "/prive/x" not in {e.path for e in server.log.entries()}


def test_a_taken_port_is_an_error_at_start_for_both_servers() -> None:
    """Both demo servers run on demo.loop_thread.LoopThread: a port already bound raises at
    start (the DNS server's start used to wait forever), and a stopped server frees its port."""
    from demo.dns import DnsServer

    web = StaticWeb()
    with serve(web) as first, pytest.raises(OSError):
        DemoServer(web, port=first.port).start()
    with serve(web, port=first.port) as again:  # freed by the stop
        assert again.port == first.port
    with DnsServer({"a-exemple.gouv.fr": "127.0.0.1"}) as dns_server:
        taken = DnsServer()
        taken.port = dns_server.port
        with pytest.raises(OSError):
            taken.start()
