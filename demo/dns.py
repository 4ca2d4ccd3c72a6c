"""A local DNS server for offline tests and benchmarks: slow, silent or lying on demand.

The crawl is pointed at it with ``--dns-server 127.0.0.1:PORT``, so that tests never
depend on the machine's ``/etc/resolv.conf``. It answers A queries from a dict,
``NXDOMAIN`` for other names, after ``delay`` seconds, and never for the names in
``silent`` (``silent=True``: never for any name), which is how a filtering or
overloaded DNS behaves. Every query is logged with its arrival time.

>>> with DnsServer({"site.invalid": "127.0.0.1"}) as srv:
...     srv.address.startswith("127.0.0.1:")
True
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Collection
from typing import Any, NamedTuple

from twisted.names import dns

from demo.loop_thread import LoopThread

__all__ = ["DnsQuery", "DnsServer"]


class DnsQuery(NamedTuple):
    name: str
    type: int
    time: float  # time.monotonic() on arrival


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        message = dns.Message()
        try:
            message.fromStr(data)
        except Exception:
            return
        if not message.queries:
            return
        query = message.queries[0]
        name = str(query.name).lower().rstrip(".")
        self.server.log(DnsQuery(name, query.type, time.monotonic()))
        if self.server.is_silent(name):
            return
        reply = self.server.answer(message, name, query.type)
        loop = asyncio.get_running_loop()
        loop.call_later(self.server.delay, self._send, reply, addr)

    def _send(self, reply: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(reply, addr)


class DnsServer:
    """A DNS server on 127.0.0.1 (UDP), run in a background thread with its own event loop."""

    def __init__(
        self,
        records: dict[str, str] | None = None,
        *,
        delay: float = 0.0,
        silent: bool | Collection[str] = (),
    ) -> None:
        self.records = {k.lower().rstrip("."): v for k, v in (records or {}).items()}
        self.delay = delay
        self.silent = silent
        self.port = 0
        self._queries: list[DnsQuery] = []
        self._lock = threading.Lock()
        self._transport: asyncio.DatagramTransport | None = None
        self._runner = LoopThread("govlinks-demo-dns", self._bind, self._close)

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, the value of ``--dns-server``."""
        return f"127.0.0.1:{self.port}"

    def is_silent(self, name: str) -> bool:
        return self.silent is True or (not isinstance(self.silent, bool) and name in self.silent)

    def answer(self, query: dns.Message, name: str, qtype: int) -> bytes:
        reply = dns.Message(id=query.id, answer=True, opCode=query.opCode, recDes=query.recDes, recAv=True)
        reply.queries = query.queries
        address = self.records.get(name)
        if address is None:
            reply.rCode = dns.ENAME
        elif qtype in (dns.A, dns.ALL_RECORDS):
            record: Any = dns.Record_A(address, 60)
            reply.answers.append(dns.RRHeader(name, dns.A, dns.IN, 60, record))
        return bytes(reply.toStr())

    def log(self, entry: DnsQuery) -> None:
        with self._lock:
            self._queries.append(entry)

    def queries(self) -> list[DnsQuery]:
        with self._lock:
            return list(self._queries)

    def start(self) -> DnsServer:
        """Serve from a daemon thread; returns once the port is bound."""
        self._runner.start()
        return self

    async def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=("127.0.0.1", self.port)
        )
        self.port = self._transport.get_extra_info("sockname")[1]

    async def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def stop(self) -> None:
        self._runner.stop()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
