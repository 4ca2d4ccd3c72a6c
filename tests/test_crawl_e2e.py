"""End-to-end crawls: `govlinks crawl` in a subprocess, through http(s)_proxy, against
a multi-site local web served on 127.0.0.1 with real-looking host names."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.store import Store
from demo.server import DemoServer, Response, StaticWeb, serve
from tests.conftest import assert_no_duplicate_requests, govlinks, popen_govlinks, rows, snapshot, wait_for
from tests.conftest import html as page

pytestmark = pytest.mark.e2e

FOOT = '<footer><a href="https://www.portail-demo.gouv.fr/">Portail</a></footer>'


def html(title: str, body: str, footer: str = FOOT) -> str:
    return page(title, body, footer)


def build_web() -> StaticWeb:
    web = StaticWeb()
    # portail-demo.gouv.fr: https only, www. form; http redirects to https
    web.redirect("http://www.portail-demo.gouv.fr/", "https://www.portail-demo.gouv.fr/")
    web.page(
        "https://www.portail-demo.gouv.fr/",
        html(
            "Portail",
            """
        <nav><a href="/aides">Aides</a></nav>
        <main><a href="http://emploi-demo.gouv.fr/offres/1">offre</a>
              <a href="https://ministere-demo.gouv.fr/logement/">logement</a>
              <a href="https://ministere-demo.gouv.fr/logement/absent">absent</a>
              <a href="https://injoignable-demo.gouv.fr/">injoignable</a>
              <a href="https://ailleurs-demo.fr/page">externe</a>
              <a href="mailto:contact@portail-demo.gouv.fr">mail</a></main>""",
            footer="",
        ),
    )
    web.page(
        "https://www.portail-demo.gouv.fr/aides",
        html(
            "Aides",
            """
        <a href="/aides/logement">logement</a><a href="/ancienne">ancienne</a>""",
            footer="",
        ),
    )
    web.page(
        "https://www.portail-demo.gouv.fr/aides/logement",
        html(
            "Aides logement",
            """
        <a href="https://ministere-demo.gouv.fr/logement/aides">aides</a>""",
            footer="",
        ),
    )
    web.redirect("https://www.portail-demo.gouv.fr/ancienne", "https://www.portail-demo.gouv.fr/nouvelle")
    web.page("https://www.portail-demo.gouv.fr/nouvelle", html("Nouvelle", "<p>n</p>", footer=""))
    # emploi-demo.gouv.fr: http; robots.txt disallows /prive; a depth chain
    web.robots("emploi-demo.gouv.fr", "User-agent: *\nDisallow: /prive\n")
    web.page(
        "emploi-demo.gouv.fr/",
        html(
            "Emploi",
            """
        <a href="/offres/1">o1</a><a href="/prive/secret">secret</a>
        <a href="https://WWW.Portail-Demo.gouv.fr/aides#x">aides</a>""",
        ),
    )
    for i in range(1, 6):
        web.page(f"emploi-demo.gouv.fr/offres/{i}", html(f"Offre {i}", f'<a href="/offres/{i + 1}">next</a>'))
    web.page("emploi-demo.gouv.fr/prive/secret", html("Secret", '<a href="https://ailleurs-demo.fr/x">x</a>'))
    # two path-prefix sites sharing one host
    web.page(
        "ministere-demo.gouv.fr/logement/",
        html(
            "Logement",
            """
        <a href="/logement/aides">aides</a><a href="/emploi/">emploi</a><a href="/contact">contact</a>""",
        ),
    )
    web.page("ministere-demo.gouv.fr/logement/aides", html("Aides au logement", "<p>a</p>"))
    web.redirect("ministere-demo.gouv.fr/emploi", "https://ministere-demo.gouv.fr/emploi/")
    web.page(
        "ministere-demo.gouv.fr/emploi/",
        html(
            "Emploi (ministère)",
            """
        <a href="/logement/">logement</a>""",
        ),
    )
    web.page("ministere-demo.gouv.fr/contact", html("Contact", "<p>c</p>"))
    # robots-blocked site
    web.robots("ferme-demo.gouv.fr", "User-agent: *\nDisallow: /\n")
    web.page("ferme-demo.gouv.fr/", html("Fermé", "<p>f</p>"))
    # a site whose homepage is a PDF
    pdf = Response(200, [("Content-Type", "application/pdf")], b"%PDF-1.4" + b"x" * 5000)
    web.add("pdf-demo.gouv.fr/", pdf)
    # external site: one permanent redirect to another host, one 200
    web.redirect("https://ailleurs-demo.fr/page", "https://nouveau-demo.fr/page", 301)
    web.page("https://nouveau-demo.fr/page", html("Nouveau", ""))
    web.page("https://ailleurs-demo.fr/x", html("x", ""))
    return web


SEEDS = """url,name,organisation,themes,life_events
http://www.portail-demo.gouv.fr,Portail,Premier ministre,N19803,F14128
http://emploi-demo.gouv.fr/,Emploi,Travail,N19806,
https://ministere-demo.gouv.fr/logement/,Logement,Ministère,N19808,F14128
https://ministere-demo.gouv.fr/emploi,Emploi ministère,Ministère,N19806,
https://injoignable-demo.gouv.fr/,Injoignable,Ministère,,
https://ferme-demo.gouv.fr/,Fermé,Ministère,,
http://pdf-demo.gouv.fr/,PDF,Ministère,,
"""


@pytest.fixture
def web_server() -> Any:
    with serve(build_web()) as srv:
        yield srv


def seeds_file(tmp_path: Path, text: str = SEEDS) -> Path:
    path = tmp_path / "seeds.csv"
    path.write_text(text, encoding="utf-8")
    return path


def crawl(srv: DemoServer, tmp_path: Path, *extra: str, db: str = "g.db") -> tuple[Any, Path]:
    path = tmp_path / db
    result = govlinks(["crawl", "--seeds", str(seeds_file(tmp_path)), "--db", str(path),
                       "--delay", "0", *extra], env=srv.proxy_env)  # fmt: skip
    return result, path


def test_multi_site_crawl_through_proxy(web_server: DemoServer, tmp_path: Path) -> None:
    log = tmp_path / "crawl.log"
    result, db = crawl(web_server, tmp_path, "--check-links", "--max-depth", "4", "--log-file", str(log))
    assert result.returncode == 0, result.stderr
    assert "crawl 1 finished" in result.stdout
    cols = ("site", "kind", "status", "depth", "error", "final_url")
    pages = {r[0]: dict(zip(cols, r[1:], strict=True))
             for r in rows(db, f"SELECT norm, {', '.join(cols)} FROM pages")}  # fmt: skip
    # http -> https redirect of the seed, recorded with its final URL
    assert pages["portail-demo.gouv.fr/"] == {"site": "portail-demo.gouv.fr", "kind": "page", "status": 200,
                                              "depth": 0, "error": None,
                                              "final_url": "https://www.portail-demo.gouv.fr/"}  # fmt: skip
    # an internal redirect: recorded under the URL linked, with the final URL
    moved = pages["portail-demo.gouv.fr/ancienne"]
    assert (moved["status"], moved["depth"], moved["final_url"]) == (
        200, 2, "https://www.portail-demo.gouv.fr/nouvelle")  # fmt: skip
    # depth cap: offres/1 at depth 1 ... offres/4 at depth 4, offres/5 is not fetched
    fourth = pages["emploi-demo.gouv.fr/offres/4"]
    assert (fourth["status"], fourth["depth"]) == (200, 4)
    assert "emploi-demo.gouv.fr/offres/5" not in pages
    # robots.txt: the disallowed page is recorded and never requested
    assert pages["emploi-demo.gouv.fr/prive/secret"]["error"] == "robots.txt"
    assert not [e for e in web_server.log.entries() if "/prive" in e.path]
    # path-prefix sites: /contact is under no prefix: it belongs to a site of the same
    # host (the shortest prefix) as a link target, and is fetched only as such
    assert pages["ministere-demo.gouv.fr/logement/aides"]["site"] == "ministere-demo.gouv.fr/logement"
    contact = pages["ministere-demo.gouv.fr/contact"]
    assert (contact["site"], contact["kind"]) == ("ministere-demo.gouv.fr/emploi", "target")
    # link targets inside seed sites all end with a status
    absent = pages["ministere-demo.gouv.fr/logement/absent"]
    assert (absent["kind"], absent["status"]) == ("target", 404)
    down = pages["injoignable-demo.gouv.fr/"]
    assert down["status"] is None and "TunnelError" in down["error"]
    unknown = rows(db, "SELECT DISTINCT target_norm FROM links WHERE target_site IS NOT NULL "
                       "AND target_norm NOT IN (SELECT norm FROM pages) AND target_norm NOT IN "
                       "(SELECT final_norm FROM pages WHERE final_norm IS NOT NULL)")  # fmt: skip
    assert unknown == []
    # external checks: permanent redirect to another host
    checks = {r[0]: r[1:] for r in rows(db, "SELECT norm, status, redirect_status, final_url FROM checks")}
    assert checks["ailleurs-demo.fr/page"] == (200, 301, "https://nouveau-demo.fr/page")
    # the link to ailleurs-demo.fr/x sits on a robots-blocked page: never seen, never checked
    assert set(checks) == {"ailleurs-demo.fr/page"}
    # site statuses
    with Store.open(db) as store:
        sites = store.reads.site_table(1).set_index("site")["status"].to_dict()
        edges = store.reads.site_edges(1).set_index(["source", "target"])
    assert sites == {
        "emploi-demo.gouv.fr": "ok",
        "ferme-demo.gouv.fr": "robots",
        "injoignable-demo.gouv.fr": "unreachable",
        "ministere-demo.gouv.fr/emploi": "ok",
        "ministere-demo.gouv.fr/logement": "ok",
        "pdf-demo.gouv.fr": "no_html",
        "portail-demo.gouv.fr": "ok",
    }
    # emploi -> portail: 7 pages carry the footer (template), one links to /aides in content
    ep = edges.loc[("emploi-demo.gouv.fr", "portail-demo.gouv.fr")].to_dict()
    assert ep == {"weight": 5, "links": 6, "targets": 2, "deep": 1, "template_pages": 5,
                  "content_pages": 1, "broken": 0}  # fmt: skip
    pl = edges.loc[("portail-demo.gouv.fr", "ministere-demo.gouv.fr/logement")].to_dict()
    assert pl == {"weight": 2, "links": 3, "targets": 3, "deep": 2, "template_pages": 0,
                  "content_pages": 2, "broken": 1}  # fmt: skip
    assert ("ministere-demo.gouv.fr/logement", "ministere-demo.gouv.fr/emploi") in edges.index
    assert edges.loc[("portail-demo.gouv.fr", "injoignable-demo.gouv.fr"), "broken"] == 1
    # the User-Agent names govlinks and a URL; robots.txt fetched once per host
    robots = [e for e in web_server.log.entries() if e.path == "/robots.txt"]
    assert len(robots) == len({(e.scheme, e.host) for e in robots})
    # no request asked twice, link checks included; a request asked again is one the crawl's
    # log says it retried (a connection lost under load), never a second plan of one page
    assert assert_no_duplicate_requests(web_server.log.entries(), crawl_log=log.read_text()) == 0


def test_page_budget(web_server: DemoServer, tmp_path: Path) -> None:
    result, db = crawl(web_server, tmp_path, "--max-pages-per-site", "3", "--site", "emploi-demo.gouv.fr")
    assert result.returncode == 0, result.stderr
    got = rows(db, "SELECT COUNT(*) FROM pages WHERE site='emploi-demo.gouv.fr' AND kind='page'")
    assert got == [(3,)]
    assert rows(db, "SELECT COUNT(*) FROM pages WHERE site='portail-demo.gouv.fr' AND kind='page'") == [(0,)]


def test_bad_seed_file_leaves_store_untouched(web_server: DemoServer, tmp_path: Path) -> None:
    _, db = crawl(web_server, tmp_path, "--site", "pdf-demo.gouv.fr")
    before = db.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("url\nhttps://ok-demo.gouv.fr\nnot-a-url\n", encoding="utf-8")
    result = govlinks(["crawl", "--seeds", str(bad), "--db", str(db)])
    assert result.returncode == 2
    message = f"Error: {bad}:3: bad URL 'not-a-url' (need an absolute http or https URL)"
    assert result.stderr.strip() == message
    assert db.read_bytes() == before


def chain_web(sites: int, pages: int) -> tuple[StaticWeb, str]:
    """Sites whose pages form a chain and a fan of cross-site links."""
    web = StaticWeb()
    lines = ["url,name"]
    for s in range(sites):
        host = f"site{s}-demo.gouv.fr"
        lines.append(f"https://{host}/,Site {s}")
        for p in range(pages):
            nxt = f'<a href="/p{p + 1}">next</a>' if p + 1 < pages else ""
            other = f"site{(s + 1) % sites}-demo.gouv.fr"
            body = (f'{nxt}<a href="https://{other}/p{p}">other</a>'
                    f'<a href="https://{other}/missing{p % 3}">gone</a><footer><a href="https://{other}/">'
                    f"home</a></footer><p>{'texte ' * 200}</p>")  # fmt: skip
            web.page(f"{host}/" if p == 0 else f"{host}/p{p}", html(f"S{s} p{p}", body, footer=""))
    return web, "\n".join(lines) + "\n"


@pytest.mark.parametrize("how", ["kill9", "sigint"])
def test_resume_after_interruption_equals_uninterrupted_crawl(tmp_path: Path, how: str) -> None:
    web, seeds = chain_web(sites=4, pages=30)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    # every page of the chains (depth 29), a page per 0.15 s per site: the crawl lasts ~5 s,
    # and link targets and checks run alongside, so it is interrupted in the middle
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--delay", "0.15", "--max-depth", "40"]
    with serve(web) as srv:
        full = tmp_path / "full.db"
        result = govlinks([*args, "--db", str(full)], env=srv.proxy_env)
        assert result.returncode == 0, result.stderr
        srv.log.clear()

        db = tmp_path / "cut.db"
        proc = popen_govlinks([*args, "--db", str(db)], env=srv.proxy_env)
        wait_for(db, "SELECT COUNT(*) >= 40 FROM pages", proc)
        proc.send_signal(signal.SIGKILL if how == "kill9" else signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if how == "sigint":
            assert proc.returncode == 130, err
            assert "interrupted: continue with --resume" in err
        else:
            assert proc.returncode == -9
        stored = {r[0] for r in rows(db, "SELECT url FROM pages WHERE kind='page'")}
        assert 40 <= len(stored) < 4 * 30
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        mark = len(srv.log)

        again = govlinks([*args, "--db", str(db), "--resume"], env=srv.proxy_env)
        assert again.returncode == 0, again.stderr
        assert "crawl 1 finished" in again.stdout
        after = [f"{e.scheme}://{e.host}{e.path}" for e in srv.log.entries()[mark:]
                 if e.method == "GET" and e.path != "/robots.txt"]  # fmt: skip
    # nothing stored before the interruption was fetched again
    assert not stored & set(after)
    assert len(after) == len(set(after))
    assert snapshot(db) == snapshot(full)
    assert rows(db, "SELECT runs FROM crawls") == [(2,)]


def test_second_crawl_on_same_store_is_refused(tmp_path: Path) -> None:
    web, seeds = chain_web(sites=2, pages=30)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--db", str(tmp_path / "g.db")]
    with serve(web) as srv:
        proc = popen_govlinks([*args, "--delay", "0.2"], env=srv.proxy_env)
        try:
            wait_for(tmp_path / "g.db", "SELECT COUNT(*) FROM pages", proc)
            second = govlinks(args, env=srv.proxy_env)
        finally:
            proc.kill()
            proc.communicate()
    assert second.returncode == 3
    assert "another crawl is writing this store" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1


def test_text_profiles_and_no_text(web_server: DemoServer, tmp_path: Path) -> None:
    """Every HTML page fetched keeps its profile (link targets too); --no-text keeps none."""
    result, db = crawl(web_server, tmp_path, "--max-depth", "4")
    assert result.returncode == 0, result.stderr
    html_pages = "FROM pages WHERE status < 300 AND content_type = 'text/html' AND error IS NULL"
    html = set(rows(db, f"SELECT id, kind {html_pages}"))
    unredirected = set(rows(db, f"SELECT id, kind {html_pages} AND final_norm = norm"))
    profiled = set(rows(db, "SELECT p.id, p.kind FROM page_texts t JOIN pages p ON p.id = t.page_id"))
    assert unredirected <= profiled <= html  # redirected pages are parsed when their URL is new
    assert {kind for _, kind in profiled} == {"page", "target"}
    assert rows(db, "SELECT profile FROM page_texts t JOIN pages p ON p.id = t.page_id "
                    "WHERE p.norm = 'ferme-demo.gouv.fr/'") == []  # robots: never fetched  # fmt: skip
    report = govlinks(["report", "--db", str(db), "--lang", "en"])
    assert re.search(r"^Relevance of links: \d+ content links between seed sites scored", report.stdout,
                     re.MULTILINE), report.stdout  # fmt: skip
    assert re.search(r"^off_topic_links +0 ", report.stdout, re.MULTILINE), report.stdout

    result, bare = crawl(web_server, tmp_path, "--max-depth", "4", "--no-text", db="bare.db")
    assert result.returncode == 0, result.stderr
    assert rows(bare, "SELECT COUNT(*) FROM page_texts") == [(0,)]
    assert rows(bare, "SELECT COUNT(*) FROM links WHERE context IS NOT NULL") == [(0,)]
    assert rows(bare, "SELECT COUNT(*) FROM links") == rows(db, "SELECT COUNT(*) FROM links")
    report = govlinks(["report", "--db", str(bare), "--lang", "en"])
    assert "Relevance of links: not assessed (the crawl kept no page text)." in report.stdout
    assert re.search(r"^off_topic_links +not assessed ", report.stdout, re.MULTILINE), report.stdout


# -- one slow site: it delays only itself ------------------------------------------------

FAST, FAST_PAGES, SLOW_SECONDS = 3, 8, 16


def slow_web() -> tuple[StaticWeb, str]:
    """Three fast sites whose pages link to missing pages of the next one (link targets) and to
    one outside host (link checks), and a site whose homepage comes at 1 KB/s, with links
    into a fast site and outside that only its last bytes reveal."""
    web = StaticWeb()
    lines = ["url,name"]
    for s in range(FAST):
        host, other = f"rapide{s}-demo.gouv.fr", f"rapide{(s + 1) % FAST}-demo.gouv.fr"
        lines.append(f"https://{host}/,Rapide {s}")
        for p in range(FAST_PAGES):
            body = "".join(f'<a href="/p{q}">p</a>' for q in range(1, FAST_PAGES) if p == 0)
            body += (f'<a href="https://{other}/absent-{s}-{p}">a</a>'
                     f'<a href="https://externe-demo.fr/e{s}-{p}">e</a>'
                     '<a href="https://lent-demo.gouv.fr/absent">l</a>')  # fmt: skip
            web.page(f"{host}/" if p == 0 else f"{host}/p{p}", html(f"R{s}-{p}", body, footer=""))
            web.page(f"externe-demo.fr/e{s}-{p}", html("E", ""))
    lines.append("https://lent-demo.gouv.fr/,Lent")
    head = html("Lent", "<p>lent</p>", footer="").split("</body>")[0].encode()
    tail = (b'<a href="https://rapide0-demo.gouv.fr/absent-lent">a</a>'
            b'<a href="https://externe-demo.fr/lent">e</a></body></html>')  # fmt: skip
    chunks = [head] + [b"<!--" + b"." * 1017 + b"-->"] * (SLOW_SECONDS - 2) + [tail]
    web.add("lent-demo.gouv.fr/", Response(200, [("Content-Type", "text/html")], chunks=chunks,
                                           chunk_delay=1.0))  # fmt: skip
    web.page("externe-demo.fr/lent", html("E", ""))
    return web, "\n".join(lines) + "\n"


def test_a_slow_site_delays_only_itself(tmp_path: Path) -> None:
    web, seeds = slow_web()
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    db = tmp_path / "g.db"
    with serve(web) as srv:
        started = time.monotonic()
        result = govlinks(["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--db", str(db),
                           "--delay", "0.5", "--check-links"], env=srv.proxy_env)  # fmt: skip
        wall = time.monotonic() - started
        entries = [e for e in srv.log.entries() if e.method != "CONNECT"]
    assert result.returncode == 0, result.stderr
    slow = [e for e in entries if e.host == "lent-demo.gouv.fr"]
    done = max(e.time + e.seconds for e in slow if e.path == "/")  # its homepage's last byte
    own = done - min(e.time for e in slow)
    assert own >= SLOW_SECONDS - 1
    # the wall time is the slow site's own time plus seconds, not plus the other phases
    assert wall <= own + 10, (wall, own)
    # every link target and check is done: 8 targets per fast site, the slow site's own
    # (fetched once it was done), one found late on the slow page; 25 outside URLs checked
    targets = rows(db, "SELECT site, COUNT(*), SUM(status = 404) FROM pages WHERE kind='target' "
                       "GROUP BY site ORDER BY site")  # fmt: skip
    assert targets == [("lent-demo.gouv.fr", 1, 1), ("rapide0-demo.gouv.fr", 9, 9),
                       ("rapide1-demo.gouv.fr", 8, 8), ("rapide2-demo.gouv.fr", 8, 8)]  # fmt: skip
    assert rows(db, "SELECT COUNT(*), SUM(status = 200) FROM checks") == [(FAST * FAST_PAGES + 1,) * 2]
    # the fast sites' targets and checks ran while the slow page was coming, not after it
    others = [e for e in entries if e.host != "lent-demo.gouv.fr" and "lent" not in e.path]
    assert max(e.time for e in others) < done
    late = [e for e in entries if e.path in ("/absent-lent", "/lent")]
    assert len(late) == 2 and min(e.time for e in late) >= done - 1
    assert (slow[-1].path, slow[-1].status) == ("/absent", 404)
    assert assert_no_duplicate_requests(entries) == 0


# -- link checks that land on pages the crawl fetches anyway -----------------------------


def retired_web() -> tuple[StaticWeb, str]:
    """Retired outside hosts redirecting to seed pages and to outside pages also linked."""
    web = StaticWeb()
    web.redirect("http://www.portail-demo.gouv.fr/", "https://www.portail-demo.gouv.fr/")
    web.page("https://www.portail-demo.gouv.fr/", html("Portail", """
        <a href="/aides">aides</a>
        <a href="http://ancien-demo.fr/">ancien portail</a>
        <a href="https://www.ancien-demo.fr/">ancien portail, https</a>
        <a href="http://ancien-demo.fr/aides">anciennes aides</a>
        <a href="http://vieux-demo.fr/x">vieux</a><a href="https://nouveau-demo.fr/x">nouveau</a>
        <a href="http://retraite-demo.fr/">retraite</a>""", footer=""))  # fmt: skip
    web.page("https://www.portail-demo.gouv.fr/aides", html("Aides", "", footer=""))
    web.page("https://emploi-demo.gouv.fr/", html("Emploi", '<a href="http://retraite2-demo.fr/">r</a>'))
    for host, target in [
        ("ancien-demo.fr/", "https://www.portail-demo.gouv.fr/"),
        ("www.ancien-demo.fr/", "https://www.portail-demo.gouv.fr/"),
        ("ancien-demo.fr/aides", "https://www.portail-demo.gouv.fr/aides"),
        ("vieux-demo.fr/x", "https://nouveau-demo.fr/x"),
        ("retraite-demo.fr/", "https://emploi-demo.gouv.fr/ferme"),
        ("retraite2-demo.fr/", "https://emploi-demo.gouv.fr/ferme"),
    ]:
        web.redirect(host, target)
    web.page("https://nouveau-demo.fr/x", html("Nouveau", ""))
    seeds = "url,name\nhttp://www.portail-demo.gouv.fr,Portail\nhttps://emploi-demo.gouv.fr/,Emploi\n"
    return web, seeds


def test_link_checks_landing_on_known_pages_are_not_asked_again(tmp_path: Path) -> None:
    web, seeds = retired_web()
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    db, log = tmp_path / "g.db", tmp_path / "crawl.log"
    with serve(web) as srv:
        result = govlinks(["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--db", str(db), "--delay",
                           "0", "--check-links", "--log-file", str(log)], env=srv.proxy_env)  # fmt: skip
        entries = srv.log.entries()
    assert result.returncode == 0, result.stderr
    checks = {r[0]: r[1:] for r in rows(db, "SELECT norm, method, status, redirect_status, final_url, "
                                            "resolved_from FROM checks")}  # fmt: skip
    # the seed pages the retired hosts redirect to were fetched by the crawl: their answer
    portail = "https://www.portail-demo.gouv.fr/"
    assert checks["ancien-demo.fr/"] == ("GET", 200, 301, portail, "portail-demo.gouv.fr/")
    aides = ("GET", 200, 301, portail + "aides", "portail-demo.gouv.fr/aides")
    assert checks["ancien-demo.fr/aides"] == aides
    # an outside page linked too is asked once, by its own check
    assert checks["nouveau-demo.fr/x"] == ("HEAD", 200, None, "https://nouveau-demo.fr/x", None)
    assert checks["vieux-demo.fr/x"] == ("HEAD", 200, 301, "https://nouveau-demo.fr/x", "nouveau-demo.fr/x")
    # a seed page nobody links: asked once (HEAD), after its site's crawl, for both checks
    closed = {checks[n][1:4] for n in ("retraite-demo.fr/", "retraite2-demo.fr/")}
    assert closed == {(404, 301, "https://emploi-demo.gouv.fr/ferme")}
    asked = [(e.method, e.host, e.path) for e in entries if e.method != "CONNECT"]
    assert ("HEAD", "www.portail-demo.gouv.fr", "/") not in asked
    assert asked.count(("HEAD", "emploi-demo.gouv.fr", "/ferme")) == 1
    assert asked.count(("HEAD", "nouveau-demo.fr", "/x")) == 1
    assert not [a for a in asked if a[1] == "www.ancien-demo.fr"]  # one norm, one check
    assert assert_no_duplicate_requests(entries) == 0
    assert "requests not sent twice: 4 (link checks answered by another fetch 4)" in log.read_text()


def test_checks_redirecting_to_each_other_end_as_loops(tmp_path: Path) -> None:
    # two outside URLs, both linked, each redirecting to the other: each check waits for the
    # other's answer; when nothing else is left, both are followed as they are, and loop
    web = StaticWeb()
    links = '<a href="https://x-demo.fr/a">x</a><a href="https://y-demo.fr/b">y</a>'
    web.page("https://un-demo.gouv.fr/", html("Un", links, footer=""))
    web.redirect("https://x-demo.fr/a", "https://y-demo.fr/b", 302)
    web.redirect("https://y-demo.fr/b", "https://x-demo.fr/a", 302)
    (tmp_path / "seeds.csv").write_text("url,name\nhttps://un-demo.gouv.fr/,Un\n", encoding="utf-8")
    db, log = tmp_path / "g.db", tmp_path / "crawl.log"
    with serve(web) as srv:
        result = govlinks(["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--db", str(db), "--delay",
                           "0", "--check-links", "--log-file", str(log)], env=srv.proxy_env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    loop = "redirect loop: back to a URL already visited"
    assert rows(db, "SELECT norm, status, error FROM checks ORDER BY norm") == [
        ("x-demo.fr/a", None, loop), ("y-demo.fr/b", None, loop)]  # fmt: skip
    assert "2 fetches waited on each other: sent as they are" in log.read_text()
