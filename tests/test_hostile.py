"""A hostile web: sites that misbehave on purpose, crawled end to end by `govlinks crawl`.

One crawl covers most scenarios at once (each misbehaving site is a seed of the
same crawl), so that the suite stays fast; the tests then read its store, its log
file and the server's request log. Cron behaviour, link checks and crashes get
small crawls of their own.
"""

from __future__ import annotations

import itertools
import json
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demo.server import DemoServer, Request, Response, StaticWeb, serve
from tests.conftest import (
    assert_no_duplicate_requests,
    govlinks,
    govlinks_with_rss,
    html,
    popen_govlinks,
    rows,
    snapshot,
    wait_for,
)

pytestmark = pytest.mark.e2e

TITLE_FR = "Démarches été"
MAX_PAGE_BYTES = 1024 * 1024
BUDGET = 8


def links(*paths: str) -> str:
    return "".join(f'<a href="{p}">{p}</a>' for p in paths)


class HostileWeb(StaticWeb):
    """A StaticWeb with handlers computed per request (endless calendars, counters)."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[tuple[str, str, Callable[[Request], Response]]] = []
        self.lock = threading.Lock()

    def handle(self, host: str, prefix: str, handler: Callable[[Request], Response]) -> None:
        self.add_host(host)
        self.handlers.append((host, prefix, handler))

    def respond(self, request: Request) -> Response | None:
        for host, prefix, handler in self.handlers:
            if request.host == host and request.path.startswith(prefix):
                with self.lock:
                    return handler(request)
        return super().respond(request)


def calendar(request: Request) -> Response:
    """Each month links to the next and the previous one, forever."""
    match = re.search(r"mois=(\d+)-(\d+)", request.path)
    year, month = (int(match.group(1)), int(match.group(2))) if match else (2024, 1)
    n = year * 12 + month - 1
    nxt, prev = divmod(n + 1, 12), divmod(n - 1, 12)
    body = links(f"/agenda?mois={nxt[0]}-{nxt[1] + 1:02d}", f"/agenda?mois={prev[0]}-{prev[1] + 1:02d}")
    return Response.html(html(f"Agenda {year}-{month:02d}", body))


_session_ids = (f"{i:032x}" for i in itertools.count(0xA5A5))


def sessions(request: Request) -> Response:
    """Every answer links with fresh session ids, in the query and as a path parameter."""
    sid = next(_session_ids)
    body = links(
        *(f"/rubrique/{n}?sid={sid}&amp;page=1" for n in (1, 2, 3)),
        f"/accueil;jsessionid={sid}",
        f"/aide?PHPSESSID={sid}",
    )
    return Response.html(html("Session", body))


def counter_handler(answers: list[Response]) -> Callable[[Request], Response]:
    """Answer the listed responses in turn, then repeat the last one."""
    calls = Counter[str]()

    def respond(request: Request) -> Response:
        calls[request.path] += 1
        return answers[min(calls[request.path], len(answers)) - 1]

    return respond


def retry_after(status: int, seconds: int) -> Response:
    return Response(status, [("Retry-After", str(seconds)), ("Content-Type", "text/html")], b"busy")


def typed(ctype: str, body: bytes) -> Response:
    return Response(200, [("Content-Type", ctype)], body)


def latin1(ctype: str, head: str = "") -> Response:
    page = f"<html><head>{head}<title>{TITLE_FR}</title></head><body><p>é</p></body></html>"
    return typed(ctype, page.encode("latin-1"))


MALFORMED = (
    "<html><head><title>Mal <formé</title><body><table><tr><td><a href='/a'>a<td>"
    "<a href=/b>b<a href=\"/c\">c</a></a><p><div></span><a href='/d'\x00>d</a>"
    "<<<>>><a href='/e' <a href='/f'>f</a><!-- <a href='/commentaire'>x</a>"
)

CONTROL_TITLE = "Aide <b>logement</b>\x07\x0b\x1b &amp; co"
CONTROL_ANCHOR = '<a href="https://liens-demo.gouv.fr/">Lien <i>vers</i>\x01 le\x1f  portail\x7f</a>'


def build_hostile_web(tmp_path: Path) -> HostileWeb:
    web = HostileWeb()
    # An endless calendar: only the page budget stops it.
    web.page("calendrier-demo.gouv.fr/", html("Calendrier", links("/agenda?mois=2024-01")))
    web.handle("calendrier-demo.gouv.fr", "/agenda", calendar)
    # Session ids in every URL.
    web.handle("sessions-demo.gouv.fr", "/", sessions)
    # Pages of tens of MB: chunked without a length, and a declared length.
    web.page("gros-demo.gouv.fr/", html("Gros", links("/enorme", "/declare", "/petit")))
    mega = b"<p>" + b"x" * (1024 * 1024 - 3)
    web.add("gros-demo.gouv.fr/enorme", Response(200, [("Content-Type", "text/html")], chunks=[mega] * 40))
    web.add("gros-demo.gouv.fr/declare", Response.html(b"<p>" + b"y" * (2 * 1024 * 1024)))
    web.page("gros-demo.gouv.fr/petit", html("Petit", ""))
    # A homepage slower than --timeout.
    web.add("lent-demo.gouv.fr/", Response.html(html("Lent", ""), delay=3))
    # Redirect loops.
    web.page("boucle-demo.gouv.fr/", html("Boucle", links("/a", "/soi", "/fin")))
    web.redirect("boucle-demo.gouv.fr/a", "/b", 302)
    web.redirect("boucle-demo.gouv.fr/b", "/a", 302)
    web.redirect("boucle-demo.gouv.fr/soi", "/soi", 302)
    web.page("boucle-demo.gouv.fr/fin", html("Fin", ""))
    # 4xx and 5xx.
    web.page("erreurs-demo.gouv.fr/", html("Erreurs", links("/absent", "/interdit", "/disparu", "/panne")))
    web.page("erreurs-demo.gouv.fr/interdit", html("Interdit", ""), 403)
    web.page("erreurs-demo.gouv.fr/disparu", html("Disparu", ""), 410)
    web.page("erreurs-demo.gouv.fr/panne", html("Panne", ""), 500)
    # 429 and 503 with Retry-After.
    web.page("surcharge-demo.gouv.fr/", html("Surcharge", links("/occupe", "/toujours", "/trop-long")))
    web.handle("surcharge-demo.gouv.fr", "/occupe",
               counter_handler([retry_after(429, 1), Response.html(html("Enfin", ""))]))  # fmt: skip
    web.handle("surcharge-demo.gouv.fr", "/toujours", counter_handler([retry_after(503, 1)]))
    web.handle("surcharge-demo.gouv.fr", "/trop-long", counter_handler([retry_after(429, 3600)]))
    # Charsets: right, declared in <meta> only, none at all, wrong in the header.
    web.page("charset-demo.gouv.fr/", html(TITLE_FR, links("/meta", "/sans", "/sans-utf8", "/faux-utf8",
                                                           "/faux-latin1")))  # fmt: skip
    web.add("charset-demo.gouv.fr/meta", latin1("text/html", '<meta charset="iso-8859-1">'))
    web.add("charset-demo.gouv.fr/sans", latin1("text/html"))
    web.add("charset-demo.gouv.fr/sans-utf8", typed("text/html", html(TITLE_FR, "<p>é</p>").encode()))
    web.add("charset-demo.gouv.fr/faux-utf8", latin1("text/html; charset=utf-8"))
    web.add("charset-demo.gouv.fr/faux-latin1",
            typed("text/html; charset=iso-8859-1", html(TITLE_FR, "<p>é</p>").encode()))  # fmt: skip
    # Malformed HTML.
    web.add("mal-demo.gouv.fr/", typed("text/html", MALFORMED.encode()))
    # Not HTML: a slow PDF (whose links must not be read) and an image.
    pdf_chunks = [b"%PDF-1.4 <a href='/dans-le-pdf'>x</a>" + b"0" * 65536] * 20
    web.page("fichiers-demo.gouv.fr/", html("Fichiers", links("/doc.pdf", "/logo.png")))
    slow_pdf = Response(200, [("Content-Type", "application/pdf")], chunks=pdf_chunks, chunk_delay=0.25)
    web.add("fichiers-demo.gouv.fr/doc.pdf", slow_pdf)
    web.add("fichiers-demo.gouv.fr/logo.png", typed("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000))
    # One page with 20 000 links, to a site outside the seeds.
    many = "".join(f'<a href="https://ailleurs-demo.fr/p{i}">p{i}</a>' for i in range(20_000))
    web.page("liens-demo.gouv.fr/", html("Liens", many))
    web.page("ailleurs-demo.fr/p1", html("Ailleurs", links("/p2")))
    # Markup and XML-illegal control characters in titles and anchors.
    web.page("titres-demo.gouv.fr/", html(CONTROL_TITLE, CONTROL_ANCHOR))
    # Other schemes and a redirect to a local file.
    secret = tmp_path / "secret.html"
    secret.write_text(html("SECRET", '<a href="https://fuite-demo.gouv.fr/">fuite</a>'), encoding="utf-8")
    web.page("securite-demo.gouv.fr/", html("Sécurité", (
        f'<a href="file://{secret}">file</a><a href="ftp://securite-demo.gouv.fr/f">ftp</a>'
        '<a href="data:text/html,<a href=/data>x</a>">data</a><a href="javascript:fetch(1)">js</a>'
        '<a href="gopher://securite-demo.gouv.fr/">gopher</a>'
        + links("/vers-fichier", "/vers-ftp", "/base"))))  # fmt: skip
    web.redirect("securite-demo.gouv.fr/vers-fichier", f"file://{secret}", 302)
    web.redirect("securite-demo.gouv.fr/vers-ftp", "ftp://securite-demo.gouv.fr/f", 302)
    web.page("securite-demo.gouv.fr/base", f'<html><head><base href="file://{tmp_path}/"></head>'
             '<body><a href="secret.html">s</a></body></html>')  # fmt: skip
    web.page("fuite-demo.gouv.fr/", html("Fuite", ""))
    return web


HOSTILE_SEEDS = [
    "calendrier-demo.gouv.fr", "sessions-demo.gouv.fr", "gros-demo.gouv.fr", "lent-demo.gouv.fr",
    "boucle-demo.gouv.fr", "erreurs-demo.gouv.fr", "surcharge-demo.gouv.fr", "charset-demo.gouv.fr",
    "mal-demo.gouv.fr", "fichiers-demo.gouv.fr", "liens-demo.gouv.fr", "titres-demo.gouv.fr",
    "securite-demo.gouv.fr", "injoignable-demo.gouv.fr",
]  # fmt: skip


def seeds_csv(hosts: list[str]) -> str:
    return "url,name\n" + "".join(f"https://{h}/,{h.split('-')[0].title()}\n" for h in hosts)


def crawl_args(seeds: Path, db: Path, *extra: str) -> list[str]:
    return ["crawl", "--seeds", str(seeds), "--db", str(db), "--delay", "0", *extra]


def pages_of(db: Path, site: str) -> dict[str, dict[str, Any]]:
    cols = ("url", "status", "content_type", "size", "title", "error", "internal_links", "external_links")
    got = rows(db, f"SELECT norm, {', '.join(cols)} FROM pages WHERE site=? AND kind='page'", site)
    return {r[0].split("/", 1)[1]: dict(zip(cols, r[1:], strict=True)) for r in got}


class Crawl:
    """One finished crawl: its process result, store, log file and the server's log."""

    def __init__(self, result: Any, db: Path, log: Path, entries: list[Any], seconds: float) -> None:
        self.result = result
        self.db = db
        self.log = log.read_text(encoding="utf-8") if log.exists() else ""
        self.entries = entries
        self.seconds = seconds
        self.max_rss_mb = 0.0  # peak RSS of the crawl command with its workers

    def requests(self, host: str, path: str | None = None) -> list[Any]:
        return [e for e in self.entries if e.host == host and e.method != "CONNECT"
                and (path is None or e.path == path)]  # fmt: skip


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    tmp = tmp_path_factory.mktemp("hostile")
    seeds = tmp / "seeds.csv"
    seeds.write_text(seeds_csv(HOSTILE_SEEDS), encoding="utf-8")
    db, log = tmp / "h.db", tmp / "crawl.log"
    with serve(build_hostile_web(tmp)) as srv:
        started = time.monotonic()
        result, max_rss_mb = govlinks_with_rss(
            crawl_args(seeds, db, "--timeout", "1", "--max-page-bytes", str(MAX_PAGE_BYTES),
                       "--max-pages-per-site", str(BUDGET), "--max-depth", "20", "--log-file", str(log)),
            env=srv.proxy_env)  # fmt: skip
        seconds = time.monotonic() - started
        entries = srv.log.entries()
    assert result.returncode == 0, result.stderr[-3000:]
    crawl = Crawl(result, db, log, entries, seconds)
    crawl.max_rss_mb = max_rss_mb
    return crawl


def test_hostile_web_crawl_finishes_and_sums_up_its_problems(hostile: Crawl) -> None:
    assert hostile.seconds < 40
    lines = hostile.result.stdout.splitlines()
    assert lines == [
        "crawl 1 finished: 54 pages, 10,001 cross-site links, 17 page errors; sites: ok 12, unreachable 2",
        "errors: http 4xx 9, http 5xx 2, redirect loop 2, too large 2, connection 1, timeout 1",
        "links: 1 page(s) with more than 10,000 links, the rest ignored",
        "failed sites (2): injoignable-demo.gouv.fr (unreachable), lent-demo.gouv.fr (unreachable)",
    ]
    # the same summary ends the log file
    assert "\n".join(lines) in hostile.log
    assert rows(hostile.db, "SELECT status, errors FROM crawls") == [("finished", 17)]
    # each problem is counted against its own site
    errors = dict(rows(hostile.db, "SELECT site, errors FROM sites WHERE errors > 0"))
    assert errors == {
        "boucle-demo.gouv.fr": 2, "erreurs-demo.gouv.fr": 4, "gros-demo.gouv.fr": 2,
        "injoignable-demo.gouv.fr": 1, "lent-demo.gouv.fr": 1, "mal-demo.gouv.fr": 5,
        "surcharge-demo.gouv.fr": 2,
    }  # fmt: skip


def test_redirected_output_has_no_traceback_and_no_scrapy_line(hostile: Crawl) -> None:
    # stdout and stderr are pipes here, as under cron: the start line, the summary, nothing else
    assert hostile.result.stderr == f"crawl 1 started: 14 sites, store {hostile.db}\n"
    output = hostile.result.stdout + hostile.result.stderr
    assert "Traceback" not in output and "[scrapy" not in output and "Failure" not in output
    # the log file has Scrapy's lines; its network failures say what happened, without a traceback
    assert "[scrapy.core.engine] INFO: Spider closed (finished)" in hostile.log
    assert "Traceback" not in hostile.log
    robots = [
        line for line in hostile.log.splitlines() if "Error downloading <GET https://injoignable" in line
    ]
    assert len(robots) == 1 and robots[0].endswith("answered 502 Bad Gateway to CONNECT)")
    # every stored reason is a kind and a few words, never a repr
    assert rows(
        hostile.db, "SELECT COUNT(*) FROM pages WHERE error LIKE '%<%' OR error LIKE '%Failure%'"
    ) == [(0,)]


def test_no_request_is_asked_twice(hostile: Crawl) -> None:
    # only the retries the crawl owes: /panne (500) and /toujours (503) twice each, /occupe
    # (429) once, the slow homepage twice (its timeouts)
    assert assert_no_duplicate_requests(hostile.entries, timeout=1, crawl_log=hostile.log) == 7


def test_infinite_url_spaces_end_at_the_page_budget(hostile: Crawl) -> None:
    calendar_pages = pages_of(hostile.db, "calendrier-demo.gouv.fr")
    assert len(calendar_pages) == BUDGET
    assert rows(hostile.db, "SELECT COUNT(*) FROM frontier WHERE site='calendrier-demo.gouv.fr'") == [
        (BUDGET,)
    ]
    assert len(hostile.requests("calendrier-demo.gouv.fr")) == BUDGET + 1  # and robots.txt
    # session ids are not part of a page's identity: six pages, each fetched once
    assert sorted(pages_of(hostile.db, "sessions-demo.gouv.fr")) == [
        "", "accueil", "aide", "rubrique/1?page=1", "rubrique/2?page=1", "rubrique/3?page=1",
    ]  # fmt: skip
    paths = [re.sub(r"[;?&](jsessionid|sid|PHPSESSID)=[0-9a-f]+", "", e.path)
             for e in hostile.requests("sessions-demo.gouv.fr")]  # fmt: skip
    assert sorted(paths) == ["/", "/accueil", "/aide", "/robots.txt", "/rubrique/1&page=1",
                             "/rubrique/2&page=1", "/rubrique/3&page=1"]  # fmt: skip


def test_pages_too_large_are_cut_and_recorded(hostile: Crawl) -> None:
    pages = pages_of(hostile.db, "gros-demo.gouv.fr")
    too_large = f"too large: more than {MAX_PAGE_BYTES} bytes"
    assert (pages["enorme"]["status"], pages["enorme"]["error"]) == (None, too_large)
    assert (pages["declare"]["status"], pages["declare"]["error"]) == (None, too_large)
    assert pages["petit"]["title"] == "Petit"  # the site goes on


def test_memory_stays_bounded(hostile: Crawl) -> None:
    # the 40 MB page, the 20 000 links and the endless spaces did not blow the crawl's memory
    # (the crawl and its worker, measured on that command alone)
    assert 50 < hostile.max_rss_mb < 400


def test_slow_site_times_out_with_growing_back_off(hostile: Crawl) -> None:
    (home,) = pages_of(hostile.db, "lent-demo.gouv.fr").values()
    assert (home["status"], home["error"]) == (None, "timeout: no answer within 1s")
    times = [e.time for e in hostile.requests("lent-demo.gouv.fr", "/")]
    assert len(times) == 3  # the first try and two retries
    # each timeout widens the site's delay: 1 s, then 2 s
    assert times[1] - times[0] >= 0.8 and times[2] - times[1] >= 1.7


def test_redirect_loops_are_recorded(hostile: Crawl) -> None:
    pages = pages_of(hostile.db, "boucle-demo.gouv.fr")
    loop = "redirect loop: back to a URL already visited"
    assert (pages["a"]["error"], pages["soi"]["error"], pages["fin"]["status"]) == (loop, loop, 200)
    # cut short at the first URL seen again, not after 10 redirects (issue 11: never the
    # same request twice): /soi -> /soi is one request, /a -> /b -> /a two
    assert len(hostile.requests("boucle-demo.gouv.fr", "/soi")) == 1
    assert [e.path for e in hostile.requests("boucle-demo.gouv.fr") if e.path in ("/a", "/b")] == ["/a", "/b"]


def test_http_errors_are_recorded_with_their_status(hostile: Crawl) -> None:
    pages = pages_of(hostile.db, "erreurs-demo.gouv.fr")
    statuses = {path: page["status"] for path, page in pages.items()}
    assert statuses == {"": 200, "absent": 404, "interdit": 403, "disparu": 410, "panne": 500}
    assert len(hostile.requests("erreurs-demo.gouv.fr", "/panne")) == 3  # 5xx are retried twice
    assert len(hostile.requests("erreurs-demo.gouv.fr", "/absent")) == 1


def test_retry_after_is_obeyed_then_recorded(hostile: Crawl) -> None:
    pages = pages_of(hostile.db, "surcharge-demo.gouv.fr")
    # 429 with Retry-After: 1, then 200: asked again after about a second
    busy = hostile.requests("surcharge-demo.gouv.fr", "/occupe")
    assert [e.status for e in busy] == [429, 200]
    assert 0.7 <= busy[1].time - busy[0].time < 3
    assert (pages["occupe"]["status"], pages["occupe"]["title"]) == (200, "Enfin")
    # 503 every time: tried three times, a second apart, then recorded
    always = hostile.requests("surcharge-demo.gouv.fr", "/toujours")
    assert [e.status for e in always] == [503, 503, 503]
    assert all(b.time - a.time >= 0.7 for a, b in itertools.pairwise(always))
    assert pages["toujours"]["status"] == 503
    # Retry-After beyond GOVLINKS_MAX_BACKOFF: recorded at once, not asked again
    assert len(hostile.requests("surcharge-demo.gouv.fr", "/trop-long")) == 1
    assert pages["trop-long"]["status"] == 429


def test_wrong_and_missing_charsets_give_the_right_titles(hostile: Crawl) -> None:
    titles = {path: page["title"] for path, page in pages_of(hostile.db, "charset-demo.gouv.fr").items()}
    assert titles == dict.fromkeys(["", "meta", "sans", "sans-utf8", "faux-utf8", "faux-latin1"], TITLE_FR)


def test_malformed_html_is_parsed_as_browsers_do(hostile: Crawl) -> None:
    home = pages_of(hostile.db, "mal-demo.gouv.fr")[""]
    assert (home["title"], home["internal_links"], home["error"]) == ("Mal <formé", 5, None)
    assert sorted(e.path for e in hostile.requests("mal-demo.gouv.fr")) == [
        "/", "/a", "/b", "/c", "/d", "/e", "/robots.txt"]  # fmt: skip


def test_non_html_is_recorded_not_parsed(hostile: Crawl) -> None:
    pages = pages_of(hostile.db, "fichiers-demo.gouv.fr")
    pdf, png = pages["doc.pdf"], pages["logo.png"]
    assert (pdf["status"], pdf["content_type"], pdf["error"], pdf["internal_links"]) == (
        200, "application/pdf", None, 0)  # fmt: skip
    assert (png["content_type"], png["size"]) == ("image/png", 4008)
    # the 1.3 MB PDF, sent over 5 s, was not downloaded, and its "links" not followed
    assert pdf["size"] < 65536
    assert "'govlinks/bodies_skipped': 2" in hostile.log
    assert not hostile.requests("fichiers-demo.gouv.fr", "/dans-le-pdf")
    assert rows(hostile.db, "SELECT site, status FROM sites WHERE site='fichiers-demo.gouv.fr'") == [
        ("fichiers-demo.gouv.fr", "ok")]  # fmt: skip


def test_page_with_20000_links_is_bounded(hostile: Crawl) -> None:
    home = pages_of(hostile.db, "liens-demo.gouv.fr")[""]
    assert (home["title"], home["external_links"]) == ("Liens", 10_000)
    stored = rows(
        hostile.db, "SELECT COUNT(*), MIN(target_url) FROM links WHERE source_site='liens-demo.gouv.fr'"
    )
    assert stored == [(10_000, "https://ailleurs-demo.fr/p0")]
    assert "'govlinks/links_truncated': 1" in hostile.log


def test_markup_and_control_characters_are_cleaned(hostile: Crawl) -> None:
    home = pages_of(hostile.db, "titres-demo.gouv.fr")[""]
    # <title> is raw text: its markup stays, as text; control characters go
    assert home["title"] == "Aide <b>logement</b> & co"
    assert rows(hostile.db, "SELECT anchor FROM links WHERE source_site='titres-demo.gouv.fr'") == [
        ("Lien vers le portail",)]  # fmt: skip
    illegal = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    texts = rows(hostile.db, "SELECT title FROM pages UNION ALL SELECT anchor FROM links")
    assert not [t for (t,) in texts if t and illegal.search(t)]


def test_only_http_of_seed_sites_is_fetched(hostile: Crawl) -> None:
    seeds = set(HOSTILE_SEEDS)
    assert {e.host for e in hostile.entries} <= seeds
    assert {e.scheme for e in hostile.entries if e.method != "CONNECT"} == {"https"}
    # file:, ftp:, data:, javascript: and gopher: links, a file: <base> and redirects
    # to file: and ftp: reach nothing: the local file's title and link never show up
    assert rows(hostile.db, "SELECT COUNT(*) FROM pages WHERE title LIKE '%SECRET%'") == [(0,)]
    assert rows(hostile.db, "SELECT COUNT(*) FROM links WHERE target_url NOT LIKE 'http%'") == [(0,)]
    assert rows(hostile.db, "SELECT COUNT(*) FROM links WHERE target_url LIKE '%fuite%'") == [(0,)]
    pages = pages_of(hostile.db, "securite-demo.gouv.fr")
    assert sorted(pages) == ["", "base", "vers-fichier", "vers-ftp"]
    assert pages[""]["internal_links"] == 3 and pages[""]["external_links"] == 0
    assert (pages["vers-fichier"]["status"], pages["vers-fichier"]["title"]) == (302, "")


def test_outputs_escape_crawled_text(hostile: Crawl, tmp_path: Path) -> None:
    from lxml import etree

    report = govlinks(["report", "--db", str(hostile.db), "--format", "html", "-o", str(tmp_path / "r.html")])
    export = govlinks(["export", "--db", str(hostile.db), "--format", "gexf", "-o", str(tmp_path / "g.gexf")])
    assert report.returncode == 0 and export.returncode == 0, report.stderr + export.stderr
    for name in ("r.html", "g.gexf"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "Aide &lt;b&gt;logement&lt;/b&gt; &amp; co" in text
        assert "<b>logement" not in text
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    gexf = etree.parse(str(tmp_path / "g.gexf"))
    titles = gexf.xpath("//*[local-name()='attvalue'][@for='title']/@value")
    assert "Aide <b>logement</b> & co" in titles


def test_crawled_data_never_reaches_a_shell() -> None:
    root = Path(__file__).resolve().parents[1]
    sources = [*root.glob("crawler/*.py"), *root.glob("graphs/*.py"), root / "cli.py"]
    shell = re.compile(r"\b(subprocess|os\.system|os\.popen|os\.exec\w*|pty\.spawn|shell\s*=\s*True)\b")
    found = [(p.name, m.group()) for p in sources for m in shell.finditer(p.read_text(encoding="utf-8"))]
    # The one process the crawl starts: a worker, this interpreter with a fixed program,
    # its job pickled on stdin; no shell, no argument from the crawl.
    assert found == [("workers.py", "subprocess")] * 4
    workers = (root / "crawler" / "workers.py").read_text(encoding="utf-8")
    started = re.findall(r"subprocess\.Popen\(\s*(\[[^\]]*\])", workers)
    assert started == ['[sys.executable, "-c", _WORKER_CODE]']
    assert '_WORKER_CODE = "from crawler.worker import serve; serve()"' in workers


def test_scrapy_has_no_handler_for_other_schemes() -> None:
    from crawler.settings import CrawlOptions, scrapy_settings

    handlers = scrapy_settings(CrawlOptions(seeds="s.csv", db="g.db"), crawl_id=1, n_sites=1)[
        "DOWNLOAD_HANDLERS"
    ]
    assert handlers == {"file": None, "data": None, "ftp": None, "s3": None}


# -- cron: quiet runs, log files, failing sites, link checks ---------------------------


def small_web() -> HostileWeb:
    web = HostileWeb()
    outside = ('<a href="https://externe-demo.fr/x">x</a><a href="https://sans-head-demo.fr/y">y</a>'
               '<a href="https://deux-demo.gouv.fr/b">deux</a>')  # fmt: skip
    web.page("un-demo.gouv.fr/", html("Un", links("/a") + outside))
    web.page("un-demo.gouv.fr/a", html("A", ""))
    web.page("deux-demo.gouv.fr/", html("Deux", links("/b")))
    web.page("deux-demo.gouv.fr/b", html("B", ""))
    # outside the seeds: checked, never crawled
    web.page("externe-demo.fr/x", html("X", '<a href="/z">z</a><a href="https://autre-demo.fr/">a</a>'))
    web.page("autre-demo.fr/", html("Autre", ""))
    web.handle(
        "sans-head-demo.fr", "/y", lambda r: Response.html(html("Y", ""), 405 if r.method == "HEAD" else 200)
    )
    return web


SMALL_SEEDS = "url,name\nhttps://un-demo.gouv.fr/,Un\nhttps://deux-demo.gouv.fr/,Deux\n"
FAILING_SEEDS = SMALL_SEEDS + "https://injoignable-demo.gouv.fr/,Injoignable\n"


@pytest.fixture(scope="module")
def small_server() -> Any:
    with serve(small_web()) as srv:
        yield srv


def test_quiet_crawl_prints_nothing_and_logs_everything(small_server: DemoServer, tmp_path: Path) -> None:
    seeds, log = tmp_path / "seeds.csv", tmp_path / "cron.log"
    seeds.write_text(SMALL_SEEDS, encoding="utf-8")
    small_server.log.clear()
    args = crawl_args(seeds, tmp_path / "g.db", "--quiet", "--log-file", str(log), "--check-links")
    result = govlinks(args, env={**small_server.proxy_env, "PYTHONWARNINGS": "default"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    text = log.read_text(encoding="utf-8")
    assert "crawl 1 finished: 4 pages, 3 cross-site links, 0 page errors; sites: ok 2" in text
    assert "Dumping Scrapy stats" in text
    # --check-links: one HEAD per outside URL (GET when HEAD is refused), nothing followed
    outside = [(e.method, e.host, e.path) for e in small_server.log.entries()
               if e.host not in ("un-demo.gouv.fr", "deux-demo.gouv.fr") and e.path != "/robots.txt"
               and e.method != "CONNECT"]  # fmt: skip
    assert sorted(outside) == [("GET", "sans-head-demo.fr", "/y"), ("HEAD", "externe-demo.fr", "/x"),
                               ("HEAD", "sans-head-demo.fr", "/y")]  # fmt: skip
    assert rows(tmp_path / "g.db", "SELECT norm, method, status FROM checks ORDER BY norm") == [
        ("externe-demo.fr/x", "HEAD", 200), ("sans-head-demo.fr/y", "GET", 200)]  # fmt: skip


def test_failing_sites_are_named_and_exit_0(small_server: DemoServer, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(FAILING_SEEDS, encoding="utf-8")
    result = govlinks(crawl_args(seeds, tmp_path / "g.db"), env=small_server.proxy_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "errors: connection 1",
        "failed sites (1): injoignable-demo.gouv.fr (unreachable)",
    ]


def test_fail_on_site_errors_exits_1_with_one_line(small_server: DemoServer, tmp_path: Path) -> None:
    seeds, log = tmp_path / "seeds.csv", tmp_path / "cron.log"
    seeds.write_text(FAILING_SEEDS, encoding="utf-8")
    args = crawl_args(seeds, tmp_path / "g.db", "-q", "--fail-on-site-errors", "--log-file", str(log))
    result = govlinks(args, env=small_server.proxy_env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "crawl 1: failed sites (1): injoignable-demo.gouv.fr (unreachable) (--fail-on-site-errors)\n"
    )
    assert "failed sites (1): injoignable-demo.gouv.fr (unreachable)" in log.read_text(encoding="utf-8")


# -- crashes: kill -9 in the late phases, report on unfinished crawls ------------------


def phased_web(sites: int = 3, pages: int = 40) -> tuple[HostileWeb, str]:
    """Sites whose pages link to missing pages of the next site (phase 2, link targets)
    and to pages outside the seeds (phase 3, link checks)."""
    web = HostileWeb()
    lines = ["url,name"]
    for s in range(sites):
        host, other = f"phase{s}-demo.gouv.fr", f"phase{(s + 1) % sites}-demo.gouv.fr"
        lines.append(f"https://{host}/,Phase {s}")
        for p in range(pages):
            body = (links(f"/p{p + 1}") if p + 1 < pages else "") + "".join(
                f'<a href="https://{other}/absent{p}{suffix}">a</a>' for suffix in ("", "b")
            )
            body += f'<a href="https://externe-demo.fr/e{s}-{p}">e</a>'
            web.page(f"{host}/" if p == 0 else f"{host}/p{p}", html(f"P{s}-{p}", body))
            web.page(f"externe-demo.fr/e{s}-{p}", html("E", ""))
    return web, "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def phased(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("phased")
    web, seeds = phased_web()
    (tmp / "seeds.csv").write_text(seeds, encoding="utf-8")
    args = [
        "crawl",
        "--seeds",
        str(tmp / "seeds.csv"),
        "--delay",
        "0.03",
        "--check-links",
        "--max-depth",
        "99",
    ]
    with serve(web) as srv:
        result = govlinks([*args, "--db", str(tmp / "full.db")], env=srv.proxy_env)
        assert result.returncode == 0, result.stderr
        yield srv, args, snapshot(tmp / "full.db")


@pytest.mark.parametrize(
    "sql",
    ["SELECT COUNT(*) FROM pages WHERE kind='target'", "SELECT COUNT(*) FROM checks"],
    ids=["link-targets", "link-checks"],
)
def test_kill_9_in_late_phases_then_resume_equals_uninterrupted_crawl(
    phased: Any, tmp_path: Path, sql: str
) -> None:
    srv, args, full = phased
    db = tmp_path / "cut.db"
    proc = popen_govlinks([*args, "--db", str(db)], env=srv.proxy_env)
    wait_for(db, sql, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    stored = {r[0] for r in rows(db, "SELECT url FROM pages")}
    checked = {r[0] for r in rows(db, "SELECT url FROM checks")}
    assert stored and len(stored) + len(checked) < len(full["pages"]) + len(full["checks"])
    report = govlinks(["report", "--db", str(db), "--lang", "en"])
    assert report.returncode == 0, report.stderr
    assert "crawl 1 (interrupted" in report.stdout and "Crawl 1 is interrupted" in report.stdout
    mark = len(srv.log)

    again = govlinks([*args, "--db", str(db), "--resume"], env=srv.proxy_env)
    assert again.returncode == 0, again.stderr
    after = [(e.method, f"{e.scheme}://{e.host}{e.path}") for e in srv.log.entries()[mark:]
             if e.method != "CONNECT" and e.path != "/robots.txt"]  # fmt: skip
    # nothing stored before the kill is fetched again, nothing is fetched twice
    assert not (stored | checked) & {url for _, url in after}
    assert len(after) == len(set(after))
    assert snapshot(db) == full
    assert rows(db, "SELECT runs FROM crawls") == [(2,)]


def test_report_on_a_running_crawl_says_so(tmp_path: Path) -> None:
    web, seeds = phased_web(sites=2, pages=40)
    (tmp_path / "seeds.csv").write_text(seeds, encoding="utf-8")
    db = tmp_path / "g.db"
    with serve(web) as srv:
        proc = popen_govlinks(["crawl", "--seeds", str(tmp_path / "seeds.csv"), "--db", str(db),
                               "--delay", "0.3"], env=srv.proxy_env)  # fmt: skip
        try:
            wait_for(db, "SELECT COUNT(*) FROM pages", proc)
            report = govlinks(["report", "--db", str(db), "--format", "json", "--lang", "en"])
        finally:
            proc.kill()
            proc.communicate()
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["crawl"]["status"] == "running"
    assert "Crawl 1 is running: the figures cover only the pages stored so far." in data["notes"]
