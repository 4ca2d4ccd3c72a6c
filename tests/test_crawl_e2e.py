"""End-to-end crawls: `govlinks crawl` in a subprocess, through http(s)_proxy, against
a multi-site local web served on 127.0.0.1 with real-looking host names."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import pytest

from crawler.store import Store
from demo.server import DemoServer, Response, StaticWeb, serve
from tests.conftest import govlinks, popen_govlinks, rows, snapshot, wait_for
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
    result, db = crawl(web_server, tmp_path, "--check-links", "--max-depth", "4")
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
    args = ["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--delay", "0.03"]
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
