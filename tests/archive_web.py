"""A web archive of the demo web, for the tests of ``govlinks crawl --archive``.

The demo web (``demo/generate.py``) is written as WARC files with warcio, as an
archive's crawler would have captured it at a date: every page, redirect, error
and robots.txt a complete crawl meets, each captured a few days around the date.
A real pywb serves the collection on 127.0.0.1 (:class:`Pywb`), with its CDX
server and its replay, and logs every request it gets.

pywb runs from its own virtualenv (``.pywb-venv``, made by ``.ci/run``; or the
Python named by ``GOVLINKS_PYWB_PYTHON``), not from govlinks' environment: its
wheel installs a top-level ``tests`` package that would shadow this folder, and it
pins Werkzeug, pyOpenSSL and cryptography to versions of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from demo.pages import OUTSIDE, WebSpec, moved_path, page_links
from demo.protocol import Request, Response, host_key
from demo.server import stop_process
from demo.web import GeneratedWeb

COLLECTION = "my-web"
ROOT = Path(__file__).resolve().parents[1]


def pywb_python() -> str:
    """The Python that runs pywb: ``GOVLINKS_PYWB_PYTHON``, else ``.pywb-venv``, made on first use.

    pywb lives in a virtualenv of its own: its wheel installs a top-level ``tests``
    package that would shadow ours, and it pins Werkzeug, pyOpenSSL and cryptography;
    setuptools<81 keeps the ``pkg_resources`` its command line imports.
    """
    named = os.environ.get("GOVLINKS_PYWB_PYTHON")
    if named:
        return named
    venv = ROOT / ".pywb-venv"
    python = venv / "bin" / "python"
    if (
        subprocess.run([str(python), "-c", "import pywb"], capture_output=True).returncode
        if python.exists()
        else True
    ):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", "pywb>=2.8", "setuptools<81"],
                                 capture_output=True, text=True, timeout=900)  # fmt: skip
        assert install.returncode == 0, f"cannot install pywb into {venv}: {install.stderr[-2000:]}"
    return str(python)


def crawl_urls(web: GeneratedWeb) -> list[str]:
    """Every URL of the seed sites that a complete crawl of ``web`` asks for, and more:
    pages (robots-forbidden ones too), seed URLs, link targets, robots.txt, redirect targets."""
    spec = web.spec
    urls: list[str] = []
    for site in spec.sites:
        base = f"{site.scheme}://{site.host}"
        urls += [site.url, base + "/robots.txt", *(base + path for path in spec.paths(site))]
        if site.moved:
            urls.append(base + moved_path(site))
        if site.fail:
            continue
        for i in range(site.pages):
            urls += [link.url for link in page_links(spec, site, i) if link.target != OUTSIDE]
    return list(dict.fromkeys(urls))


def answer(web: GeneratedWeb, url: str) -> Response | None:
    """What ``web`` answers to a GET of ``url`` (None: no such host)."""
    scheme, rest = url.split("://", 1)
    authority, _, path = rest.partition("/")
    return web.respond(Request("GET", scheme, host_key(authority, scheme), "/" + path))


def captures(
    web: GeneratedWeb, around: date, spread_days: int = 20
) -> Iterator[tuple[str, datetime, Response]]:
    """(url, when, answer) of each URL of :func:`crawl_urls` and of the redirects' targets,
    captured within ``spread_days`` of ``around`` (a fixed time per URL)."""
    queue = crawl_urls(web)
    seen = set(queue)
    start = datetime(around.year, around.month, around.day, tzinfo=UTC)
    while queue:
        url = queue.pop(0)
        response = answer(web, url)
        if response is None or response.status == 0:
            continue  # a host that does not answer leaves nothing in an archive
        location = dict(response.headers).get("Location")
        if location and location not in seen:
            seen.add(location)
            queue.append(location)
        crc = zlib.crc32(url.encode())
        when = start + timedelta(days=crc % (2 * spread_days + 1) - spread_days, seconds=crc % 86400)
        yield url, when, response


def write_warc(path: Path, records: Iterable[tuple[str, datetime, Response]]) -> int:
    """Write ``records`` as WARC response records (gzipped); return how many."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    n = 0
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, when, response in records:
            http = StatusAndHeaders(f"{response.status} X", list(response.headers), protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(response.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)
            n += 1
    return n


def spec_copy(spec: WebSpec) -> WebSpec:
    """An independent copy of a web's spec, to change into another version of the web."""
    import json

    return WebSpec.from_dict(json.loads(spec.to_json()))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_PYWB = "import sys; from pywb.apps.cli import wayback; sys.exit(wayback())"
_MANAGER = "import sys; from pywb.manager.manager import main; sys.exit(main())"


class Pywb:
    """A pywb ``wayback`` server in a child process, serving the WARC files of ``root``."""

    def __init__(self, root: Path, warcs: Iterable[Path], python: str) -> None:
        self.root = root
        self.port = _free_port()
        self.log_path = root / "pywb.log"
        root.mkdir(parents=True, exist_ok=True)
        manager = [python, "-c", _MANAGER]
        subprocess.run([*manager, "init", COLLECTION], cwd=root, check=True, capture_output=True)
        subprocess.run([*manager, "add", COLLECTION, *map(str, warcs)], cwd=root, check=True,
                       capture_output=True)  # fmt: skip
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [python, "-c", _PYWB, "-p", str(self.port), "-b", "127.0.0.1"],
            cwd=root, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait()

    @property
    def url(self) -> str:
        """The collection's replay URL: what ``crawl --archive`` takes."""
        return f"http://127.0.0.1:{self.port}/{COLLECTION}/"

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pywb exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}cdx?url=none.invalid/", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("pywb did not start")

    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request pywb logged, oldest first."""
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            head, quote, rest = line.partition('"')
            if quote and head.startswith("127.0.0.1 "):
                parts = rest.split(" ")
                if len(parts) >= 2:
                    out.append((parts[0], parts[1]))
        return out

    def settled(self, quiet: float = 0.3, timeout: float = 10) -> list[tuple[str, str]]:
        """:meth:`requests`, once pywb has written its last access line (it logs after answering)."""
        deadline = time.monotonic() + timeout
        seen = self.requests()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.requests()
            if now == seen:
                break
            seen = now
        return seen

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()

    def __enter__(self) -> Pywb:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
