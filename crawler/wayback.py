"""Web archives that speak the Wayback CDX API: where to ask, what they answer, which capture.

Pure functions and small value types, no Scrapy and no I/O: the downloader
middleware of ``crawler/archive.py`` makes the requests, this module says what
to ask and reads the answers. One archive is a *replay* base, where
``{replay}{timestamp}id_/{url}`` serves a capture as it was archived (``id_``:
the raw page, links not rewritten), and a *CDX* endpoint that lists captures.

Two dialects of the same API are read: the Internet Archive's (``output=json``
is one JSON array whose first row names the fields: ``original``,
``statuscode``, ``mimetype``…) and pywb's (newline-delimited JSON objects with
``url``, ``status``, ``mime``…), which covers the Wayback Machine, pywb
collections and the archives built on them (Arquivo.pt, OpenWayback's CDX server).

Which capture stands for a page at a date: the closest to the date within the
window among the captures that answered (2xx, 3xx, and revisits of an earlier
answer), else the closest error capture (4xx, 5xx: the page was broken then),
else none. Identical captures (same digest) cannot change that choice, so the
CDX server is not asked to ``collapse=digest``: the Wayback Machine collapses
adjacent rows across URLs, which would drop the redirects of different URLs
whose bodies are alike (typically empty).
"""

from __future__ import annotations

import calendar
import gzip
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import urlencode, urljoin

from crawler.urls import normalize_url

__all__ = [
    "DEFAULT_ARCHIVE",
    "Archive",
    "Capture",
    "CaptureIndex",
    "capture_key",
    "iso_from_http_date",
    "iso_from_timestamp",
    "link_original",
    "parse_at",
    "parse_cdx",
    "parse_page_count",
    "parse_rate",
    "parse_window",
]

DEFAULT_ARCHIVE = "https://web.archive.org/web/"
_IA_HOSTS = ("web.archive.org", "wayback.archive.org")
_IA_CDX = "https://web.archive.org/cdx/search/cdx"

# {replay}20150601123456id_/http://... : a timestamp of 1 to 14 digits, an optional modifier.
_REPLAY_TAIL = re.compile(r"(\d{1,14})(?:[a-z]{2}_)?/(.+)", re.S)
_WINDOW = re.compile(r"\s*(\d+)\s*([dwmy])\s*", re.I)
_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(s|sec|second|min|minute|h|hour))?\s*", re.I)
_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
_PER = {None: 1.0, "s": 1.0, "sec": 1.0, "second": 1.0, "min": 60.0, "minute": 60.0, "h": 3600.0,
        "hour": 3600.0}  # fmt: skip
_LINK_ORIGINAL = re.compile(r'<([^>]+)>\s*;[^,<]*\brel\s*=\s*"?[^",]*\boriginal\b', re.I)
# Field names of both dialects -> ours.
_FIELDS = {"original": "url", "url": "url", "timestamp": "timestamp", "statuscode": "status",
           "status": "status", "mimetype": "mime", "mime": "mime", "digest": "digest"}  # fmt: skip


def parse_at(text: str) -> date:
    """The ``--at`` date, ``YYYY-MM-DD``.

    >>> parse_at("2015-06-01")
    datetime.date(2015, 6, 1)
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_window(text: str) -> tuple[int, str]:
    """``--window``: ``(count, unit)`` from ``6m``, ``1y``, ``90d`` or ``2w``.

    >>> parse_window("6m"), parse_window("1Y")
    ((6, 'm'), (1, 'y'))
    """
    match = _WINDOW.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a time span (like 6m, 1y, 90d or 2w)")
    return int(match.group(1)), match.group(2).lower()


def parse_rate(text: str) -> float:
    """``--archive-rate``: requests per second from ``1/s``, ``30/min``, ``0.5``, ``100/h``.

    >>> parse_rate("1/s"), parse_rate("30/min"), parse_rate("2")
    (1.0, 0.5, 2.0)
    """
    match = _RATE.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a rate (like 1/s, 30/min or 0.5)")
    return float(match.group(1)) / _PER[match.group(2) and match.group(2).lower()]


def _shift(day: date, count: int, unit: str) -> date:
    """``day`` moved by ``count`` units (negative: back); months and years clamp the day."""
    if unit in "dw":
        return day + timedelta(days=count * (7 if unit == "w" else 1))
    months = count * (12 if unit == "y" else 1)
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def iso_from_timestamp(ts: str) -> str:
    """A 14-digit CDX timestamp as the store's time format.

    >>> iso_from_timestamp("20150601103000")
    '2015-06-01T10:30:00+00:00'
    """
    ts = ts.ljust(14, "0")
    return datetime.strptime(ts[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()


def iso_from_http_date(text: str) -> str | None:
    """A ``Memento-Datetime`` header as the store's time format, or None.

    >>> iso_from_http_date("Mon, 01 Jun 2015 10:00:05 GMT")
    '2015-06-01T10:00:05+00:00'
    """
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds")


def link_original(header: str) -> str | None:
    """The ``rel="original"`` URL of a Memento ``Link`` header: what the capture was of.

    >>> link_original('<https://x.fr/>; rel="original", <http://a/x/>; rel="timegate"')
    'https://x.fr/'
    """
    match = _LINK_ORIGINAL.search(header)
    return match.group(1) if match else None


def capture_key(url: str) -> str | None:
    """The key a page and its captures are matched on: the govlinks norm, lower-cased,
    query parameters sorted (as the archives' own SURT keys ignore their order and case).

    >>> capture_key("https://www.X.gouv.fr/A?b=2&a=1") == capture_key("http://x.gouv.fr/a?a=1&b=2")
    True
    """
    norm = normalize_url(url)
    if norm is None:
        return None
    path, question, query = norm.lower().partition("?")
    return path + (question + "&".join(sorted(query.split("&"))) if question else "")


class Capture(NamedTuple):
    """One row of a CDX answer."""

    timestamp: str  # 14 digits, UTC
    url: str  # the original URL, as captured
    status: int | None  # None for a revisit record ('-' in the Wayback Machine's CDX)
    mime: str
    digest: str

    @property
    def answered(self) -> bool:
        """2xx, 3xx or a revisit (of an earlier answer): the page answered then."""
        return self.status is None or 200 <= self.status < 400

    @property
    def content(self) -> bool:
        """A page body (2xx or revisit), not a redirect."""
        return self.status is None or 200 <= self.status < 300


def _capture(row: dict[str, Any]) -> Capture | None:
    fields = {_FIELDS[k]: str(v) for k, v in row.items() if k in _FIELDS}
    timestamp, url = fields.get("timestamp", ""), fields.get("url", "")
    if not timestamp.isdigit() or not url:
        return None
    status_text = fields.get("status", "-")
    status = int(status_text) if status_text.isdigit() else None
    if status is None and "revisit" not in fields.get("mime", ""):
        return None  # no status and no revisit: nothing to say about the page
    return Capture(
        timestamp.ljust(14, "0")[:14], url, status, fields.get("mime", ""), fields.get("digest", "")
    )


def _body_text(body: bytes) -> str:
    if body[:2] == b"\x1f\x8b":  # the Wayback Machine gzips its CDX unless asked not to
        body = gzip.decompress(body)
    return body.decode("utf-8", "replace").strip()


def parse_cdx(body: bytes) -> list[Capture]:
    """Captures of a CDX ``output=json`` answer, in either dialect.

    >>> parse_cdx(b'[["urlkey","timestamp","original","mimetype","statuscode","digest"],'
    ...           b'["fr,x)/","20150601000000","http://x.fr/","text/html","200","D"]]')
    [Capture(timestamp='20150601000000', url='http://x.fr/', status=200, mime='text/html', digest='D')]
    >>> parse_cdx(b'{"timestamp": "2015", "url": "http://x.fr/", "status": "301", "mime": "text/html"}\\n')
    [Capture(timestamp='20150000000000', url='http://x.fr/', status=301, mime='text/html', digest='')]
    """
    text = _body_text(body)
    if not text:
        return []
    rows: list[dict[str, Any]] = []
    if text.startswith("["):
        table = json.loads(text)
        if table and isinstance(table[0], list):
            header = [str(h) for h in table[0]]
            # A resume key may follow an empty row: it has no timestamp, so it is dropped below.
            rows = [dict(zip(header, r, strict=False)) for r in table[1:] if isinstance(r, list) and r]
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if any(not line.startswith("{") for line in lines):
            raise ValueError("not a CDX answer in JSON")
        rows = [json.loads(line) for line in lines]
    captures = [_capture(r) for r in rows if isinstance(r, dict)]
    return [c for c in captures if c is not None]


def parse_page_count(body: bytes) -> int | None:
    """Pages of a paged query (``showNumPages=true``), or None when the server does not page.

    The Wayback Machine answers a bare number, pywb's paged (ZipNum) indexes an object
    with ``pages``; a pywb collection of plain CDXJ files answers its index lines instead.

    >>> parse_page_count(b"3\\n"), parse_page_count(b'{"blocks": 4, "pages": 2, "pageSize": 5}')
    (3, 2)
    >>> parse_page_count(b'fr,x)/ 2015 {"url": "http://x.fr/"}') is None
    True
    """
    text = _body_text(body)
    if text.isdigit():
        return int(text)
    if text.startswith("{") and "\n" not in text:
        try:
            pages = json.loads(text).get("pages")
        except (ValueError, AttributeError):
            return None
        return int(pages) if isinstance(pages, int) else None
    return None


@dataclass(frozen=True)
class Archive:
    """Where one archive answers and which window of time a crawl asks it for."""

    replay: str  # replay base, ending with '/'
    cdx: str  # CDX endpoint
    at: date
    window: tuple[int, str] = (6, "m")

    @classmethod
    def from_url(cls, url: str, at: date, window: tuple[int, str] = (6, "m")) -> Archive:
        """The Wayback Machine for its own URL; else ``URL`` + ``cdx`` (pywb, Arquivo.pt).

        >>> Archive.from_url("https://web.archive.org/web/", date(2015, 6, 1)).cdx
        'https://web.archive.org/cdx/search/cdx'
        >>> Archive.from_url("http://127.0.0.1:8080/my-web", date(2015, 6, 1)).cdx
        'http://127.0.0.1:8080/my-web/cdx'
        """
        replay = url if url.endswith("/") else url + "/"
        host = replay.split("//", 1)[-1].split("/", 1)[0].lower()
        return cls(replay, _IA_CDX if host in _IA_HOSTS else replay + "cdx", at, window)

    @property
    def start(self) -> str:
        """First timestamp of the window (``from=``)."""
        return _shift(self.at, -self.window[0], self.window[1]).strftime("%Y%m%d") + "000000"

    @property
    def end(self) -> str:
        """Last timestamp of the window (``to=``)."""
        return _shift(self.at, self.window[0], self.window[1]).strftime("%Y%m%d") + "235959"

    @property
    def target(self) -> str:
        """The date as a timestamp: captures are ranked by their distance to it."""
        return self.at.strftime("%Y%m%d") + "000000"

    def describe(self) -> str:
        """``6 months of 2015-06-01``: the window, as error messages say it."""
        count, unit = self.window
        return f"{count} {_UNITS[unit]}{'s' if count > 1 else ''} of {self.at.isoformat()}"

    def query(self, url: str, *, prefix: bool, page: int | None = None, count: bool = False) -> str:
        """A CDX query for the captures of ``url`` (or of every URL under it) in the window.

        >>> a = Archive.from_url("http://a/c/", date(2015, 6, 1), (1, "y"))
        >>> a.query("x.fr/", prefix=True, page=2)
        'http://a/c/cdx?url=x.fr%2F&matchType=prefix&from=20140601000000&to=20160601235959&output=json&page=2'
        """
        params: dict[str, str | int] = {"url": url, "matchType": "prefix" if prefix else "exact"}
        if count:
            params["showNumPages"] = "true"
        else:
            params.update({"from": self.start, "to": self.end, "output": "json"})
            if page is not None:
                params["page"] = page
        return f"{self.cdx}?{urlencode(params)}"

    def replay_url(self, capture: Capture) -> str:
        """Where the raw capture is served (``id_``: as archived, links not rewritten)."""
        return f"{self.replay}{capture.timestamp}id_/{capture.url}"

    def owns(self, url: str) -> bool:
        """Whether ``url`` is the archive's own (a replay or a CDX URL), never to be mapped."""
        return url.startswith(self.replay) or url.startswith(self.cdx)

    def original(self, url: str) -> str:
        """The original URL behind a replay URL (any modifier), or ``url`` itself.

        >>> a = Archive.from_url("https://web.archive.org/web/", date(2015, 6, 1))
        >>> a.original("https://web.archive.org/web/20150602000000id_/https://x.fr/new")
        'https://x.fr/new'
        >>> a.original("https://x.fr/new")
        'https://x.fr/new'
        """
        if not url.startswith(self.replay):
            return url
        match = _REPLAY_TAIL.fullmatch(url[len(self.replay) :])
        return match.group(2) if match else url

    def location(self, base: str, location: str) -> str:
        """An archived redirect's ``Location``, absolute and back in the original URL space."""
        return self.original(urljoin(base, location.strip()))


class CaptureIndex:
    """The best captures of each page key for one date: kept small, three captures a key.

    For each key it keeps the closest capture that answered, the closest with content
    (to step over a redirect to the page itself: ``http://x`` → ``https://x``), and the
    closest error. Ties go to the earlier capture.

    >>> index = CaptureIndex("20150601000000")
    >>> index.add([Capture("20150101000000", "http://x.fr/a", 200, "text/html", "A"),
    ...            Capture("20150530000000", "http://x.fr/a", 301, "text/html", "R"),
    ...            Capture("20150602000000", "http://x.fr/a", 503, "text/html", "E")])
    >>> index.best("x.fr/a").status, index.best("x.fr/a", content=True).status
    (301, 200)
    >>> index.best("x.fr/b") is None
    True
    """

    def __init__(self, target: str) -> None:
        self._target = datetime.strptime(target, "%Y%m%d%H%M%S")
        self._best: dict[str, list[Capture | None]] = {}  # key -> [answered, content, error]

    def __len__(self) -> int:
        return len(self._best)

    def _distance(self, capture: Capture) -> tuple[float, str]:
        when = datetime.strptime(capture.timestamp, "%Y%m%d%H%M%S")
        return abs((when - self._target).total_seconds()), capture.timestamp

    def add(self, captures: list[Capture]) -> None:
        for capture in captures:
            key = capture_key(capture.url)
            if key is None:
                continue
            slots = self._best.setdefault(key, [None, None, None])
            wanted = (capture.answered, capture.content, not capture.answered)
            for i, fits in enumerate(wanted):
                current = slots[i]
                if fits and (current is None or self._distance(capture) < self._distance(current)):
                    slots[i] = capture

    def best(self, key: str, *, content: bool = False) -> Capture | None:
        """The capture that stands for ``key`` (``content``: a page body, never a redirect)."""
        slots = self._best.get(key)
        if slots is None:
            return None
        if content:
            return slots[1]
        return slots[0] or slots[2]
