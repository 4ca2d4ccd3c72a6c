"""`govlinks crawl --archive` against the Wayback Machine's dialect of the API.

pywb (tests/test_archive_e2e.py) answers CDX queries in newline-delimited JSON and
does not page plain indexes. The Wayback Machine answers JSON arrays whose first row
names the fields, pages prefix queries (``showNumPages``, ``page=``), gzips its
answers, writes ``-`` as the status of a revisit, rewrites an archived redirect's
``Location`` into its own URL space, and answers 429 when asked too fast. This
small archive speaks that dialect, on 127.0.0.1, for a two-site web.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.urls import normalize_url
from demo.server import DemoServer, Request, Response, StaticWeb, serve
from tests.conftest import govlinks, html, rows

pytestmark = pytest.mark.e2e

A = "https://a-exemple.gouv.fr"
B = "https://www.b-exemple.gouv.fr"
_REPLAY = re.compile(r"/web/(\d{14})id_/(.+)")
FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def page(body: str) -> Response:
    return Response.html(html("p", body))


# (url, timestamp, answer, CDX status): the archive's holdings
HOLDINGS: list[tuple[str, str, Response, str]] = [
    (
        f"{A}/",
        "20150520000000",
        page(
            f'<a href="/p1">1</a><a href="/p2">2</a><a href="/old">o</a>'
            f'<a href="{B}/x">x</a><a href="{B}/secret">s</a>'
        ),
        "200",
    ),
    (f"{A}/", "20140101000000", page(f'<a href="{B}/ancien">old</a>'), "200"),  # outside the window
    (f"{A}/p1", "20150603000005", page(f'<a href="{B}/">b</a>'), "200"),
    (f"{A}/old", "20150604000000", Response.redirect(f"{A}/new"), "301"),
    (f"{A}/new", "20150604000001", page("<p>new</p>"), "200"),
    (f"{A}/p3", "20150605000000", page("<p>3</p>"), "200"),
    (f"{B}/robots.txt", "20150601000000", Response.text("User-agent: *\nDisallow: /secret\n"), "200"),
    (f"{B}/", "20150601000000", page(f'<a href="{A}/p1">p1</a><a href="/x">x</a>'), "200"),
    (f"{B}/x", "20150602000000", page(f'<a href="{A}/">a</a>'), "-"),  # a revisit
    (f"{B}/secret", "20150602000000", page(f'<a href="{A}/p3">p3</a>'), "200"),
]


# Listed by the CDX, replayed by a redirect to the nearest capture, as the Wayback Machine does.
INDEX_ONLY = [(f"{A}/p1", "20150603000000", "200")]


def key(url: str) -> str:
    return (normalize_url(url) or url).lower()


class Wayback:
    """A small archive in the Wayback Machine's dialect (``demo.server.Web``)."""

    def __init__(self, page_size: int = 2, throttle: int = 1) -> None:
        self.page_size = page_size
        self.throttle = throttle  # CDX queries answered 429 before any is served
        self.base = ""  # http://127.0.0.1:PORT, once serving

    def has_host(self, host: str) -> bool:
        return True

    def respond(self, request: Request) -> Response | None:
        if request.path.startswith("/web/cdx?"):
            if self.throttle:
                self.throttle -= 1
                return Response(429, [("Retry-After", "1")], b"slow down")
            return self.cdx({k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()})
        match = _REPLAY.fullmatch(request.path)
        if match is None:
            return Response.not_found()
        for url, ts, _ in INDEX_ONLY:
            if (ts, url) == match.groups():
                nearest = min((h[1] for h in HOLDINGS if h[0] == url), key=lambda t: abs(int(t) - int(ts)))
                return Response(302, [("Location", f"{self.base}/web/{nearest}id_/{url}")], b"")
        for url, ts, answer, _ in HOLDINGS:
            if ts == match.group(1) and url == match.group(2):
                when = format_datetime(datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC), usegmt=True)
                headers = [
                    (n, f"{self.base}/web/{ts}id_/{v}" if n == "Location" else v) for n, v in answer.headers
                ]
                return Response(answer.status, [*headers, ("Memento-Datetime", when)], answer.body)
        return Response.not_found()

    def cdx(self, q: dict[str, str]) -> Response:
        wanted = key(q["url"])
        found = [
            [key(url), ts, url, "warc/revisit" if status == "-" else "text/html", status, "D", "1"]
            for url, ts, status in sorted(
                [(h[0], h[1], h[3]) for h in HOLDINGS] + INDEX_ONLY, key=lambda h: (key(h[0]), h[1])
            )
            if (key(url).startswith(wanted) if q.get("matchType") == "prefix" else key(url) == wanted)
            and q.get("from", "0") <= ts <= q.get("to", "9")
        ]
        pages = math.ceil(len(found) / self.page_size)
        if q.get("showNumPages") == "true":
            return Response.text(f"{pages}\n")
        if "page" in q:
            n = int(q["page"])
            found = found[n * self.page_size : (n + 1) * self.page_size]
        body = json.dumps([FIELDS, *found]).encode()
        return Response(200, [("Content-Type", "text/plain")], gzip.compress(body))  # gzipped, unsaid


@pytest.fixture
def archive() -> Iterator[tuple[Wayback, DemoServer]]:
    wayback = Wayback()
    with serve(wayback) as server:
        wayback.base = server.proxy_url
        yield wayback, server


def test_wayback_dialect_paging_429_and_rewritten_redirects(
    archive: tuple[Wayback, DemoServer], tmp_path: Path
) -> None:
    wayback, server = archive
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(f"url\n{A}/\n{B}/\n", encoding="utf-8")
    db = tmp_path / "g.db"
    with serve(StaticWeb()) as live:  # a proxy that would log any request to the live web
        archive = ["--archive", f"{wayback.base}/web/", "--at", "2015-06-01", "--window", "3m"]
        args = ["crawl", "--seeds", str(seeds), "--db", str(db), *archive, "--archive-rate", "50/s"]
        result = govlinks(args, env={**live.proxy_env, "no_proxy": "127.0.0.1"})
        assert live.log.entries() == []
    assert result.returncode == 0, result.stderr
    pages = {
        r[0]: r[1:] for r in rows(db, "SELECT norm, kind, status, final_url, error, captured_at FROM pages")
    }
    assert pages == {
        "a-exemple.gouv.fr/": ("page", 200, f"{A}/", None, "2015-05-20T00:00:00+00:00"),
        # listed at 00:00:00, replayed through the archive's redirect to its capture at 00:00:05
        "a-exemple.gouv.fr/p1": ("page", 200, f"{A}/p1", None, "2015-06-03T00:00:05+00:00"),
        "a-exemple.gouv.fr/p2": (
            "page",
            None,
            None,
            "archive: no capture within 3 months of 2015-06-01",
            None,
        ),
        # the archived 301 points into the archive; followed as the original target, then replayed
        "a-exemple.gouv.fr/old": ("page", 200, f"{A}/new", None, "2015-06-04T00:00:01+00:00"),
        "b-exemple.gouv.fr/": ("page", 200, f"{B}/", None, "2015-06-01T00:00:00+00:00"),
        "b-exemple.gouv.fr/x": ("page", 200, f"{B}/x", None, "2015-06-02T00:00:00+00:00"),  # the revisit
        # forbidden by b's robots.txt as archived: in the archive, never asked for
        "b-exemple.gouv.fr/secret": ("target", None, None, "robots.txt", None),
    }
    links = rows(db, "SELECT source_site, target_norm FROM links ORDER BY 1, 2")
    assert links == [
        ("a-exemple.gouv.fr", "b-exemple.gouv.fr/"),
        ("a-exemple.gouv.fr", "b-exemple.gouv.fr/secret"),
        ("a-exemple.gouv.fr", "b-exemple.gouv.fr/x"),
        ("b-exemple.gouv.fr", "a-exemple.gouv.fr/"),
        ("b-exemple.gouv.fr", "a-exemple.gouv.fr/p1"),
    ]
    log = server.log.entries()
    cdx = [e for e in log if e.path.startswith("/web/cdx?")]
    # 429 first: asked again after its Retry-After, not at once
    throttled = cdx[0]
    again = next(e for e in cdx[1:] if e.path == throttled.path)
    assert throttled.status == 429 and again.status == 200 and again.time - throttled.time >= 0.9
    prefix = [e.path for e in cdx if e.status == 200 and "matchType=prefix" in e.path]
    counts = [p for p in prefix if "showNumPages=true" in p]
    # pages count captures whatever their date (a: 7 in 4 pages, b: 4 in 2); from/to filter each page
    assert len(counts) == 2 and len(prefix) == 2 + 4 + 2
    replays = [e.path for e in log if "id_/" in e.path]
    assert f"/web/20150604000000id_/{A}/old" in replays and f"/web/20150604000001id_/{A}/new" in replays
    assert (
        replays.count(f"/web/20150603000000id_/{A}/p1")
        == replays.count(f"/web/20150603000005id_/{A}/p1")
        == 1
    )
    assert not [p for p in replays if "/secret" in p or p.startswith("/web/2014")]
