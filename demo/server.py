"""A local web server for offline crawls: an HTTP forward proxy that answers itself.

Why a proxy: crawlers honour ``http_proxy``/``https_proxy``, so pointing them at
this server makes ``https://logement-exemple.gouv.fr/aides`` reach it unchanged.
The URLs, hosts, site ids and redirects a crawl stores are then exactly those of
a real crawl, with no DNS or ``/etc/hosts`` trick and no real site contacted.

How requests are routed:

- absolute form, ``GET http://host/path HTTP/1.1`` (what clients send to a proxy
  for http URLs): by the URL's host;
- origin form, ``GET /path`` with a ``Host`` header: by that header (scheme http,
  or https inside a tunnel);
- ``CONNECT host:443`` (what clients send for https URLs): ``200``, then TLS inside
  the tunnel with a self-signed certificate made at runtime (clients must not
  verify it; Scrapy does not), then origin-form requests with scheme https.

Like a ministry's proxy, it can ask for credentials (``proxy_auth=(user, password)``:
``407 Proxy Authentication Required`` to a CONNECT or an absolute-form request
without the right ``Proxy-Authorization``) and refuse some or all tunnels
(``deny={"host"}`` or ``{"*"}``: ``403`` to CONNECT). Requests made straight to it
(origin form, as a client does after resolving a name to 127.0.0.1) need neither.

Unknown hosts look unreachable, as a DNS failure would: ``CONNECT`` gets ``502``
with ``X-Demo-Unknown-Host: 1`` (Scrapy raises TunnelError) and a plain http
request has its connection closed without an answer (Scrapy: ResponseNeverReceived).
Both are errors without a status, so the crawl records such a site as
``unreachable`` and links to it as broken.

Content comes from a ``Web`` object (``demo.protocol``); ``StaticWeb`` is a
dict-based one for tests, ``demo.web.load_web`` serves a generated web. Both are
re-exported here with the message types, so tests need one import. Every
request is logged in memory (``RequestLog``), and optionally as JSON lines to a
file, so tests can assert what a crawler fetched and when.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any

from demo.loop_thread import LoopThread
from demo.protocol import LogEntry, Request, RequestLog, Response, Web, host_key, iter_log_file
from demo.static import StaticWeb
from demo.tls import tls_context

__all__ = [
    "DemoServer",
    "LogEntry",
    "Request",
    "RequestLog",
    "Response",
    "ServerProcess",
    "StaticWeb",
    "Web",
    "host_key",
    "iter_log_file",
    "serve",
    "serve_forever",
    "serve_subprocess",
    "tls_context",
]

logger = logging.getLogger(__name__)

_MAX_HEAD = 64 * 1024
_REASONS = {s.value: s.phrase for s in HTTPStatus}


def _head(status: int, headers: Sequence[tuple[str, str]], length: int | None, keep: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Server: govlinks-demo"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    lines.append("Connection: keep-alive" if keep else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _BadRequest(Exception):
    pass


def _refusal(
    headers: dict[str, str], proxy_auth: tuple[str, str] | None, deny: Collection[str], host: str | None
) -> int:
    """407 or 403 when the proxy refuses this request (``host``: the CONNECT's), else 0."""
    if proxy_auth is not None:
        expected = base64.b64encode(f"{proxy_auth[0]}:{proxy_auth[1]}".encode()).decode()
        scheme, _, credentials = headers.get("proxy-authorization", "").partition(" ")
        if scheme.lower() != "basic" or credentials.strip() != expected:
            return 407
    if host is not None and ("*" in deny or host in deny):
        return 403
    return 0


class _Connection:
    """One client connection: a keep-alive loop, possibly upgraded to a TLS tunnel."""

    def __init__(
        self, web: Web, log: RequestLog, proxy_auth: tuple[str, str] | None = None, deny: Collection[str] = ()
    ) -> None:
        self.web = web
        self.log = log
        self.proxy_auth = proxy_auth
        self.deny = deny

    async def run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        scheme, tunnel_host = "http", ""
        web, log = self.web, self.log
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ssl.SSLError):
                return
            arrived = time.monotonic()
            try:
                method, target, version, headers = _parse_head(head)
                length = int(headers.get("content-length") or 0)
                if "transfer-encoding" in headers:
                    raise _BadRequest
                if length:
                    await reader.readexactly(length)
            except (_BadRequest, ValueError, asyncio.IncompleteReadError):
                writer.write(_head(400, [], 0, False))
                return
            connection = (headers.get("connection") or headers.get("proxy-connection") or "").lower()
            keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            if method == "CONNECT" or (not tunnel_host and "://" in target):  # a request to the proxy
                tunnel = host_key(target, "https") if method == "CONNECT" else None
                refused = _refusal(headers, self.proxy_auth, self.deny, tunnel)
                if refused:
                    where = tunnel or target
                    log.append(LogEntry(method, scheme, where, "", arrived, refused))
                    extra = [("Proxy-Authenticate", 'Basic realm="demo"')] if refused == 407 else []
                    writer.write(_head(refused, extra, 0, False))
                    return
            if method == "CONNECT":
                host = host_key(target, "https")
                known = not tunnel_host and web.has_host(host)
                log.append(LogEntry(method, scheme, host, "", arrived, 200 if known else 502))
                if not known:
                    writer.write(_head(502, [("X-Demo-Unknown-Host", "1")], 0, False))
                    return
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                try:
                    await writer.start_tls(tls_context())
                except (ssl.SSLError, ConnectionError, OSError):
                    return
                scheme, tunnel_host = "https", host
                continue
            if target.startswith("/"):
                req_scheme, host, path = scheme, headers.get("host") or tunnel_host, target
            elif "://" in target and not tunnel_host:
                req_scheme, rest = target.split("://", 1)
                req_scheme = req_scheme.lower()
                host, _slash, path = rest.partition("/")
                path = "/" + path
            else:
                writer.write(_head(400, [], 0, False))
                return
            request = Request(method, req_scheme, host_key(host, req_scheme), path, headers)
            try:
                response = web.respond(request)
            except Exception:  # a bug of the web, not of the client: say so, answer 500
                logger.exception("demo web failed on %s %s", method, request.url)
                response = Response.text("demo web error\n", 500)
                response.close = True
            status = response.status if response is not None else 0
            seconds = response.seconds(method == "HEAD") if response is not None else 0.0
            log.append(LogEntry(method, req_scheme, request.host, path, arrived, status or None, seconds))
            if response is None or not status:
                return
            if response.delay:
                await asyncio.sleep(response.delay)
            keep = keep and not response.close
            await _send(writer, response, method == "HEAD", keep)
            if not keep:
                return


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise _BadRequest
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, colon, value = line.partition(":")
            if not colon:
                raise _BadRequest
            headers[name.strip().lower()] = value.strip()
    return parts[0].upper(), parts[1], parts[2].upper(), headers


async def _send(writer: asyncio.StreamWriter, response: Response, head_only: bool, keep: bool) -> None:
    if response.chunks is None:
        body = response.body
        writer.write(_head(response.status, response.headers, len(body), keep))
        if not head_only and body:
            writer.write(body)
        if writer.transport.get_write_buffer_size() > 256 * 1024:
            await writer.drain()
        return
    writer.write(_head(response.status, response.headers, None, keep))
    if head_only:
        return
    for chunk in response.chunks:
        if chunk:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        if response.chunk_delay:
            await asyncio.sleep(response.chunk_delay)
    writer.write(b"0\r\n\r\n")


class DemoServer:
    """The proxy endpoint, run in a background thread with its own event loop.

    >>> web = StaticWeb(); web.page("a.fr/", "<p>hello</p>")
    >>> with serve(web) as srv:
    ...     srv.proxy_url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(
        self,
        web: Web,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: str | Path | None = None,
        proxy_auth: tuple[str, str] | None = None,
        deny: Collection[str] = (),
    ) -> None:
        self.web = web
        self.host = host
        self.port = port
        self.log = RequestLog(log_path)
        self.proxy_auth = proxy_auth
        self.deny = frozenset(deny)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner = LoopThread("govlinks-demo-server", self.start_async, self.stop_async)

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def proxy_env(self) -> dict[str, str]:
        """Environment variables that send a client's http and https through this server."""
        return {"http_proxy": self.proxy_url, "https_proxy": self.proxy_url, "no_proxy": ""}

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await _Connection(self.web, self.log, self.proxy_auth, self.deny).run(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def start_async(self) -> None:
        """Start listening on the running loop (for callers that own a loop)."""
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, limit=_MAX_HEAD, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop_async(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.log.close()

    def start(self) -> DemoServer:
        """Serve from a daemon thread; returns once the port is bound."""
        self._runner.start()
        return self

    def stop(self) -> None:
        self._runner.stop()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    web: Web,
    *,
    port: int = 0,
    log_path: str | Path | None = None,
    proxy_auth: tuple[str, str] | None = None,
    deny: Collection[str] = (),
) -> DemoServer:
    """Start a server for ``web`` in a background thread (use it as a context manager)."""
    return DemoServer(web, port=port, log_path=log_path, proxy_auth=proxy_auth, deny=deny).start()


def serve_forever(
    web: Web,
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    log_path: str | Path | None = None,
    ready: Callable[[DemoServer], None] | None = None,
) -> None:
    """Serve in this thread until interrupted; ``ready`` is called once the port is bound."""
    server = DemoServer(web, host=host, port=port, log_path=log_path)

    async def main() -> None:
        await server.start_async()
        if ready is not None:
            ready(server)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop_async()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


class ServerProcess:
    """A generated web served by another process, so that it has a core of its own."""

    def __init__(self, proc: subprocess.Popen[str], proxy_url: str) -> None:
        self.proc = proc
        self.proxy_url = proxy_url

    @property
    def proxy_env(self) -> dict[str, str]:
        return {"http_proxy": self.proxy_url, "https_proxy": self.proxy_url, "no_proxy": ""}

    def stop(self) -> None:
        stop_process(self.proc)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Stop a server's process: SIGTERM, then SIGKILL if it has not exited after ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve_subprocess(
    web_dir: str | Path, *, log_path: str | Path | None = None, preload: bool = False
) -> ServerProcess:
    """Serve a generated web folder from a child process (``python -m demo.server``); with
    ``preload``, every page is rendered before it answers (``GeneratedWeb.preload``)."""
    cmd = [sys.executable, "-m", "demo.server", str(web_dir), "--port", "0"]
    if log_path:
        cmd += ["--log", str(log_path)]
    if preload:
        cmd.append("--preload")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("http://"):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"demo server did not start (exit {proc.poll()}): {line!r}")
    return ServerProcess(proc, line)


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from demo.web import load_web

    parser = argparse.ArgumentParser(description="Serve a generated demo web (prints the proxy URL).")
    parser.add_argument("dir")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", default=None)
    parser.add_argument("--preload", action="store_true", help="render every page before answering")
    args = parser.parse_args(argv)

    def ready(server: DemoServer) -> None:
        print(server.proxy_url, flush=True)

    serve_forever(load_web(args.dir, preload=args.preload), args.port, log_path=args.log, ready=ready)


if __name__ == "__main__":
    _main()
