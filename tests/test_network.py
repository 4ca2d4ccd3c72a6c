"""Real networks, end to end: slow or silent DNS, proxies that ask for credentials or
refuse, certificates, internationalised host names.

The crawl resolves names with a DNS server the test starts (``demo/dns.py``,
``--dns-server``), never with the machine's; host names are under the reserved
``.invalid`` top-level domain. Proxy tests go through the demo server
(``demo/server.py``) with ``proxy_auth`` and ``deny``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from demo.dns import DnsServer
from demo.server import StaticWeb, serve
from tests.conftest import govlinks, html, rows, snapshot

pytestmark = pytest.mark.e2e

# No proxy at all: every host is resolved by the crawl itself.
DIRECT = {"http_proxy": "", "https_proxy": "", "no_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": ""}


def write_seeds(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "seeds.csv"
    path.write_text("url,name\n" + "".join(f"{u},{u.split('/')[2]}\n" for u in urls), encoding="utf-8")
    return path


def crawl(seeds: Path, db: Path, *extra: str, env: dict[str, str]) -> Any:
    return govlinks(["crawl", "--seeds", str(seeds), "--db", str(db), "--delay", "0", *extra], env=env)


# -- DNS ------------------------------------------------------------------------------------


def test_hosts_that_do_not_resolve_fail_fast_with_dns_reasons(tmp_path: Path) -> None:
    seeds = write_seeds(
        tmp_path, ["https://absent.invalid/", "https://muet.invalid/", "http://lent.invalid/"]
    )
    log = tmp_path / "crawl.log"
    # absent.invalid: NXDOMAIN; muet.invalid: no answer ever; lent.invalid: NXDOMAIN after 0.5 s
    with DnsServer(silent={"muet.invalid"}, delay=0.5) as dns:
        started = time.monotonic()
        result = crawl(seeds, tmp_path / "g.db", "--dns-server", dns.address, "--dns-timeout", "2",
                       "--log-file", str(log), env=DIRECT)  # fmt: skip
        seconds = time.monotonic() - started
        queries = [q.name for q in dns.queries()]
    assert result.returncode == 0, result.stderr
    assert seconds < 2 * 2 + 8  # 2 x --dns-timeout, plus the start and end of a crawl
    errors = dict(rows(tmp_path / "g.db", "SELECT site, error FROM pages"))
    assert errors == {
        "absent.invalid": "dns: absent.invalid not found",
        "muet.invalid": "dns: muet.invalid no answer within 2s",
        "lent.invalid": "dns: lent.invalid not found",
    }
    assert result.stdout.splitlines()[:2] == [
        "crawl 1 finished: 3 pages, 0 cross-site links, 3 page errors; sites: unreachable 3",
        "errors: dns 3",
    ]
    # a name that does not exist is asked once (robots.txt, page and its retries share
    # the answer); one that does not answer gets a second chance, each of two tries
    assert queries.count("absent.invalid") == 1 and queries.count("lent.invalid") == 1
    assert queries.count("muet.invalid") == 4
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_no_proxy_names_and_suffixes_go_direct_and_proxied_hosts_are_not_looked_up(tmp_path: Path) -> None:
    web = StaticWeb()
    direct = ("interne.invalid", "www.outils.invalid")
    with serve(web) as srv, DnsServer(dict.fromkeys(direct, "127.0.0.1")) as dns:
        port = srv.port
        # sites reached by name on 127.0.0.1 (the DNS answers, no proxy), one through the proxy
        for host in direct:
            web.page(
                f"{host}:{port}/", html(host, '<a href="/a">a</a><a href="https://proxy-demo.gouv.fr/">p</a>')
            )
            web.page(f"{host}:{port}/a", html("A", ""))
        web.page("proxy-demo.gouv.fr/", html("Par le proxy", '<a href="/b">b</a>'))
        web.page("proxy-demo.gouv.fr/b", html("B", ""))
        seeds = write_seeds(
            tmp_path, [f"http://{host}:{port}/" for host in direct] + ["https://proxy-demo.gouv.fr/"]
        )
        # a name, and a suffix with its leading dot, as ministries write them
        env = {**srv.proxy_env, "no_proxy": "interne.invalid,.outils.invalid"}
        result = crawl(seeds, tmp_path / "g.db", "--dns-server", dns.address, env=env)
        queries = sorted({q.name for q in dns.queries()})
        entries = srv.log.entries()
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path / "g.db", "SELECT site, status FROM sites ORDER BY site") == [
        (f"interne.invalid:{port}", "ok"),
        (f"outils.invalid:{port}", "ok"),
        ("proxy-demo.gouv.fr", "ok"),
    ]
    assert rows(tmp_path / "g.db", "SELECT COUNT(*) FROM pages WHERE error IS NULL AND status = 200") == [
        (6,)
    ]
    # the direct sites were resolved by the crawl; the proxied one was not: the proxy resolves it
    assert queries == ["interne.invalid", "www.outils.invalid"]
    assert {e.host for e in entries if e.method == "CONNECT"} == {"proxy-demo.gouv.fr"}
    fetched = {(e.host, e.path) for e in entries if e.method == "GET"}
    assert {(f"{host}:{port}", "/a") for host in direct} <= fetched


# -- proxies ------------------------------------------------------------------------------


def proxied_web() -> StaticWeb:
    web = StaticWeb()
    for name in ("un", "deux"):
        other = "deux" if name == "un" else "un"
        web.page(
            f"{name}-demo.gouv.fr/",
            html(name, f'<a href="/p">p</a><a href="https://{other}-demo.gouv.fr/p">o</a>'),
        )
        web.page(f"{name}-demo.gouv.fr/p", html(f"{name} p", '<a href="https://externe-demo.fr/x">x</a>'))
    web.page("externe-demo.fr/x", html("X", ""))
    return web


PROXIED_SEEDS = ["https://un-demo.gouv.fr/", "https://deux-demo.gouv.fr/"]
SECRET = "s3cr3t-Pa55"


def proxy_env(port: int, credentials: str = "") -> dict[str, str]:
    url = f"http://{credentials}@127.0.0.1:{port}" if credentials else f"http://127.0.0.1:{port}"
    return {"http_proxy": url, "https_proxy": url, "no_proxy": ""}


@pytest.fixture(scope="module")
def full_proxied(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same web crawled through a proxy that asks for nothing."""
    tmp = tmp_path_factory.mktemp("proxied")
    seeds = write_seeds(tmp, PROXIED_SEEDS)
    with serve(proxied_web()) as srv:
        result = crawl(seeds, tmp / "full.db", "--check-links", env=srv.proxy_env)
    assert result.returncode == 0, result.stderr
    return snapshot(tmp / "full.db")


def test_proxy_with_credentials_lets_the_crawl_through_and_never_shows_them(
    tmp_path: Path, full_proxied: dict[str, Any]
) -> None:
    seeds, log = write_seeds(tmp_path, PROXIED_SEEDS), tmp_path / "crawl.log"
    with serve(proxied_web(), proxy_auth=("agent", SECRET)) as srv:
        result = crawl(seeds, tmp_path / "g.db", "--check-links", "--log-file", str(log),
                       env=proxy_env(srv.port, f"agent:{SECRET}"))  # fmt: skip
        connects = [(e.host, e.status) for e in srv.log.entries() if e.method == "CONNECT"]
    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path / "g.db") == full_proxied
    # CONNECT carried the credentials, for the seed sites and the outside link alike
    assert sorted(set(connects)) == [("deux-demo.gouv.fr", 200), ("externe-demo.fr", 200),
                                     ("un-demo.gouv.fr", 200)]  # fmt: skip
    seen = result.stdout + result.stderr + log.read_text(encoding="utf-8")
    assert SECRET not in seen and SECRET.encode() not in (tmp_path / "g.db").read_bytes()


def test_proxy_refusing_the_credentials_is_one_error_and_the_crawl_resumes(
    tmp_path: Path, full_proxied: dict[str, Any]
) -> None:
    seeds, log = write_seeds(tmp_path, PROXIED_SEEDS), tmp_path / "crawl.log"
    db = tmp_path / "g.db"
    with serve(proxied_web(), proxy_auth=("agent", SECRET)) as srv:
        refused = crawl(seeds, db, "--check-links", "--log-file", str(log),
                        env=proxy_env(srv.port, "agent:wrong"))  # fmt: skip
        proxy = f"http://127.0.0.1:{srv.port}"
        assert refused.returncode == 2
        assert refused.stdout == ""
        assert refused.stderr.splitlines() == [
            f"crawl 1 started: 2 sites, store {db}",
            f"Error: proxy {proxy} refused the crawl (407 Proxy Authentication Required): check the "
            "credentials in https_proxy; crawl 1 is interrupted, continue it with --resume once the "
            "proxy lets it through",
        ]
        # no site marked failed, no page stored: the crawl is owed in full
        assert rows(db, "SELECT status FROM crawls") == [("interrupted",)]
        assert rows(db, "SELECT DISTINCT status FROM sites") == [("not_crawled",)]
        assert rows(db, "SELECT COUNT(*) FROM pages") == [(0,)]
        assert "wrong" not in refused.stderr + log.read_text(encoding="utf-8")
        # without credentials at all, the message says where they go
        bare = crawl(seeds, tmp_path / "bare.db", env=proxy_env(srv.port))
        assert bare.returncode == 2
        assert f"Error: proxy {proxy} refused the crawl (407 Proxy Authentication Required): put the " \
               "credentials in https_proxy (http://user:password@host:port);" in bare.stderr  # fmt: skip
        resumed = crawl(seeds, db, "--resume", env=proxy_env(srv.port, f"agent:{SECRET}"))
    assert resumed.returncode == 0, resumed.stderr
    assert "crawl 1 finished" in resumed.stdout
    assert snapshot(db) == full_proxied


def test_proxy_refusing_every_tunnel_stops_and_one_refused_host_is_that_page_failure(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, PROXIED_SEEDS)
    with serve(proxied_web(), deny={"*"}) as srv:
        every = crawl(seeds, tmp_path / "every.db", env=srv.proxy_env)
        proxy = srv.proxy_url
    assert every.returncode == 2
    assert every.stderr.splitlines()[-1].startswith(
        f"Error: proxy {proxy} refused the crawl (403 Forbidden to CONNECT): check that the proxy lets "
        "this machine out, or list the sites in no_proxy; crawl 1 is interrupted"
    )
    assert rows(tmp_path / "every.db", "SELECT COUNT(*) FROM pages") == [(0,)]
    # the proxy's policy blocks one outside host: that check fails, the crawl goes on
    with serve(proxied_web(), deny={"externe-demo.fr"}) as srv:
        one = crawl(seeds, tmp_path / "one.db", "--check-links", env=srv.proxy_env)
        proxy = srv.proxy_url
    assert one.returncode == 0, one.stderr
    assert rows(tmp_path / "one.db", "SELECT norm, status, error FROM checks") == [
        ("externe-demo.fr/x", None,
         f"connection: TunnelError: proxy {proxy[7:]} answered 403 Forbidden to CONNECT")]  # fmt: skip
    assert rows(tmp_path / "one.db", "SELECT DISTINCT status FROM sites") == [("ok",)]


# -- certificates and internationalised names ---------------------------------------------


def test_invalid_certificates_are_counted_not_printed(tmp_path: Path) -> None:
    # the demo certificate is valid for *.gouv.fr: not for www.x.gouv.fr nor x.fr
    web = StaticWeb()
    web.page("https://www.portail-demo.gouv.fr/", html("Portail", '<a href="/a">a</a>'))
    web.page("https://www.portail-demo.gouv.fr/a", html("A", ""))
    web.page("https://autre-demo.fr/", html("Autre", ""))
    web.page("https://ok-demo.gouv.fr/", html("OK", ""))
    seeds = write_seeds(tmp_path, ["https://www.portail-demo.gouv.fr/", "https://autre-demo.fr/",
                                   "https://ok-demo.gouv.fr/"])  # fmt: skip
    log = tmp_path / "crawl.log"
    with serve(web) as srv:
        result = crawl(seeds, tmp_path / "g.db", "--log-file", str(log), env=srv.proxy_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "certificates: 2 host(s) with a certificate not valid for their name "
        "(not verified by the crawl; hosts in the log file)"
    ]
    assert result.stderr.splitlines() == [f"crawl 1 started: 3 sites, store {tmp_path / 'g.db'}"]
    warned = {line.split('"')[1] for line in log.read_text(encoding="utf-8").splitlines()
              if "Remote certificate is not valid" in line}  # fmt: skip
    assert warned == {"www.portail-demo.gouv.fr", "autre-demo.fr"}


IDN = "xn--galit-demo-96af.gouv.fr"  # égalité-demo.gouv.fr


def test_idn_sites_keep_an_ascii_id_and_are_shown_in_unicode(tmp_path: Path) -> None:
    from lxml import etree

    assert "égalité-demo.gouv.fr".encode("idna").decode() == IDN
    web = StaticWeb()
    web.page(f"{IDN}/", html("Égalité", '<a href="https://xn--sant-demo-e4a.gouv.fr/">santé</a>'))
    web.page("xn--sant-demo-e4a.gouv.fr/", html("Santé", '<a href="https://égalité-demo.gouv.fr/">é</a>'))
    # one seed written in Unicode, the other in punycode
    seeds = write_seeds(tmp_path, ["https://égalité-demo.gouv.fr/", "https://xn--sant-demo-e4a.gouv.fr/"])
    db = tmp_path / "g.db"
    with serve(web) as srv:
        result = crawl(seeds, db, env=srv.proxy_env)
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT site, status FROM sites ORDER BY site") == [
        ("xn--galit-demo-96af.gouv.fr", "ok"), ("xn--sant-demo-e4a.gouv.fr", "ok")]  # fmt: skip
    assert rows(db, "SELECT COUNT(*) FROM links WHERE target_site IS NOT NULL") == [(2,)]
    report = json.loads(govlinks(["report", "--db", str(db), "--format", "json"]).stdout)
    shown = {s["site"]: s["host_unicode"] for s in report["sites"]}
    assert shown == {IDN: "égalité-demo.gouv.fr", "xn--sant-demo-e4a.gouv.fr": "santé-demo.gouv.fr"}
    csv_out = govlinks(["report", "--db", str(db), "--format", "csv"]).stdout.splitlines()
    assert csv_out[0].startswith("rank,site,host_unicode,")
    assert any(f",{IDN},égalité-demo.gouv.fr," in line for line in csv_out[1:])
    html_file, gexf = tmp_path / "r.html", tmp_path / "g.gexf"
    assert govlinks(["report", "--db", str(db), "--format", "html", "-o", str(html_file)]).returncode == 0
    assert "égalité-demo.gouv.fr" in html_file.read_text(encoding="utf-8")
    assert govlinks(["export", "--db", str(db), "--format", "gexf", "-o", str(gexf)]).returncode == 0
    values = etree.parse(str(gexf)).xpath("//*[local-name()='attvalue'][@for='host_unicode']/@value")
    assert sorted(values) == ["santé-demo.gouv.fr", "égalité-demo.gouv.fr"]
