"""Name resolution that scales to hundreds of hosts and fails fast.

Scrapy's default resolver (``CachingThreadedResolver``) calls the system's
``getaddrinfo`` in Twisted's thread pool: 10 threads, ``DNS_TIMEOUT`` 60 s, no
cache for failures. With 750 hosts and a slow or filtering DNS, lookups queue
behind those threads, a lookup that gives up leaves its thread blocked, and the
reactor waits for every queued lookup before it stops: ``bench/dns.py`` measured
a 241 s silent tail after the last of 750 lookups had failed, deaf to signals.

This resolver asks the DNS servers itself, over UDP with ``twisted.names``, with
no thread: every lookup runs at once, over a few shared sockets (one per lookup,
as ``twisted.names.client`` does, would take 750 file descriptors), each bounded
by ``--dns-timeout``, and the crawl can stop at any moment. It reads
``/etc/hosts`` first, then asks the servers of ``GOVLINKS_DNS_SERVERS``
(``--dns-server``) or of ``/etc/resolv.conf``. Answers and failures are cached for
the crawl: a host that does not exist is asked once, a host whose DNS does not
answer is given a second chance, then failed at once (Scrapy retries a page whose
lookup failed; those retries cost nothing).

Twisted's connection code reports every failed lookup as ``DNSLookupError: no
results for hostname lookup``; :class:`DnsReasons`, a downloader middleware, puts
back on the exception the reason this resolver recorded, which
:func:`crawler.failures.describe_failure` stores: ``dns: <host> not found`` or
``dns: <host> no answer within 5s``. It also copies the resolver's counters into
the crawl's stats (``dns/lookups``, ``dns/cache_hits``, ``dns/not_found``,
``dns/timeouts``).

Requests sent through a proxy are not resolved here: the proxy resolves them.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.http import Request
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.names import dns
from twisted.names import error as dns_error
from twisted.python.failure import Failure
from zope.interface import implementer

__all__ = [
    "DEFAULT_DNS_TIMEOUT",
    "DnsFailure",
    "DnsReasons",
    "GovlinksResolver",
    "parse_server",
    "read_hosts",
    "read_resolv_conf",
]

logger = logging.getLogger(__name__)

DEFAULT_DNS_TIMEOUT = 5.0
# UDP sockets shared by the lookups, each on a random port; a query is matched to
# its answer by a random id and the server's address.
SOCKETS = 8
# A host whose servers did not answer is asked this many times, then failed at once.
MAX_TIMEOUTS = 2
MAX_CNAMES = 8


class DnsFailure(DNSLookupError):
    """A lookup that failed; ``reason`` is what the crawl stores (``dns: <host> …``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = False  # asked again at the next lookup of the host


def parse_server(text: str) -> tuple[str, int]:
    """``HOST[:PORT]`` of a DNS server (an IP address, port 53 by default).

    >>> parse_server("127.0.0.1:5353"), parse_server("9.9.9.9"), parse_server("[::1]:53")
    (('127.0.0.1', 5353), ('9.9.9.9', 53), ('::1', 53))
    """
    text = text.strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address with an optional :PORT") from None
    if not 0 < number < 65536:
        raise ValueError(f"{text!r}: port out of range")
    return host, number


def read_resolv_conf(path: str | Path = "/etc/resolv.conf") -> list[tuple[str, int]]:
    """The ``nameserver`` lines of a resolv.conf (127.0.0.1 when there are none, as glibc does)."""
    servers = []
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            try:
                servers.append(parse_server(parts[1].split("%", 1)[0]))
            except ValueError:
                continue
    return servers or [("127.0.0.1", 53)]


def read_hosts(path: str | Path = "/etc/hosts") -> dict[str, str]:
    """IPv4 addresses of the names of a hosts file (the first line that names a host wins)."""
    found: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        try:
            if ipaddress.ip_address(parts[0]).version != 4:
                continue
        except ValueError:
            continue
        for name in parts[1:]:
            found.setdefault(name.lower().rstrip("."), parts[0])
    return found


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _address(name: str, answers: Sequence[Any]) -> str | None:
    """The IPv4 address of ``name`` in an answer section, following CNAMEs."""
    wanted = name.lower().rstrip(".")
    for _ in range(MAX_CNAMES):
        alias = None
        for rr in answers:
            if str(rr.name).lower().rstrip(".") != wanted:
                continue
            if rr.type == dns.A:
                return str(rr.payload.dottedQuad())
            if rr.type == dns.CNAME:
                alias = str(rr.payload.name).lower().rstrip(".")
        if alias is None:
            return None
        wanted = alias
    return None


@implementer(IResolverSimple)
class GovlinksResolver:
    """An ``IResolverSimple`` for Scrapy's ``TWISTED_DNS_RESOLVER`` (IPv4, as Scrapy's default).

    ``lookups``, ``cache_hits``, ``not_found`` and ``timeouts`` count what it did
    (the crawl's stats ``dns/*``).
    """

    def __init__(
        self,
        reactor: Any,
        *,
        servers: Sequence[tuple[str, int]],
        timeout: float = DEFAULT_DNS_TIMEOUT,
        hosts: dict[str, str] | None = None,
    ) -> None:
        self.reactor = reactor
        self.servers = list(servers) or [("127.0.0.1", 53)]
        self.timeout = timeout
        self.hosts = dict(hosts or {})
        # Two tries of each server, in turn, share the budget: a DNS slow to recurse
        # is not asked again too soon, and a dead one does not take it all.
        self._each = max(0.1, timeout / (2 * len(self.servers)))
        self._sockets: dict[str, list[dns.DNSDatagramProtocol]] = {}
        self._turn = 0
        self._cache: dict[str, str | DnsFailure] = {}
        self._inflight: dict[str, list[defer.Deferred[str]]] = {}
        self._timeouts: dict[str, int] = {}
        self._reasons: dict[str, str] = {}  # the last failure of each host
        self.lookups = self.cache_hits = self.not_found = self.timeouts = 0

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GovlinksResolver:
        """Scrapy passes its CrawlerProcess here: only its settings are read."""
        settings = crawler.settings
        configured = settings.getlist("GOVLINKS_DNS_SERVERS")
        servers = [parse_server(s) for s in configured] if configured else read_resolv_conf()
        return cls(
            reactor,
            servers=servers,
            timeout=settings.getfloat("GOVLINKS_DNS_TIMEOUT", DEFAULT_DNS_TIMEOUT),
            hosts=read_hosts(),
        )

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def stats(self) -> dict[str, int]:
        return {
            "dns/lookups": self.lookups,
            "dns/cache_hits": self.cache_hits,
            "dns/not_found": self.not_found,
            "dns/timeouts": self.timeouts,
        }

    def getHostByName(self, name: str, timeout: Iterable[int] = ()) -> defer.Deferred[str]:
        """The IPv4 address of ``name``; fails with :class:`DnsFailure` (``timeout`` is ignored)."""
        host = name.lower().rstrip(".")
        if _is_ip(host):
            return defer.succeed(host)
        cached = self._cache.get(host)
        if cached is not None:
            self.cache_hits += 1
            return defer.fail(cached) if isinstance(cached, DnsFailure) else defer.succeed(cached)
        if host in self.hosts:
            return defer.succeed(self.hosts[host])
        waiter: defer.Deferred[str] = defer.Deferred()
        waiting = self._inflight.get(host)
        if waiting is not None:  # one lookup per host at a time, shared by its callers
            waiting.append(waiter)
            return waiter
        self._inflight[host] = [waiter]
        self._lookup(host)
        return waiter

    def _socket(self, server: tuple[str, int]) -> dns.DNSDatagramProtocol:
        family = "::" if ":" in server[0] else ""
        pool = self._sockets.setdefault(family, [])
        self._turn += 1
        if len(pool) < SOCKETS:
            protocol = dns.DNSDatagramProtocol(controller=self, reactor=self.reactor)
            self.reactor.listenUDP(0, protocol, interface=family)
            pool.append(protocol)
            return protocol
        return pool[self._turn % len(pool)]

    def messageReceived(self, message: Any, protocol: Any, address: Any = None) -> None:
        """An answer that came after its query gave up: nothing to do (twisted.names' controller API)."""

    def _lookup(self, host: str) -> None:
        self.lookups += 1
        d = defer.ensureDeferred(self._ask(host))
        d.addCallbacks(lambda address: self._settle(host, address), lambda f: self._failed(host, f))

    async def _ask(self, host: str) -> str:
        """Ask each server in turn, twice; raise DnsFailure."""
        query = [dns.Query(host, dns.A, dns.IN)]
        refusal: DnsFailure | None = None
        for _ in range(2):
            for server in self.servers:
                try:
                    message = await self._socket(server).query(server, query, timeout=self._each)
                except dns_error.DNSQueryTimeoutError:
                    continue
                if message.rCode == dns.ENAME:
                    self.not_found += 1
                    raise DnsFailure(f"dns: {host} not found")
                if message.rCode != dns.OK:  # server failure, refused: the next server may know
                    what = "refused by the server" if message.rCode == dns.EREFUSED else "server failure"
                    refusal = DnsFailure(f"dns: {host} {what}")
                    continue
                address = _address(host, message.answers)
                if address is None:
                    self.not_found += 1
                    raise DnsFailure(f"dns: {host} not found")
                return address
        raise self._transient(host, refusal) if refusal else self._timed_out(host)

    def _failed(self, host: str, failure: Failure) -> None:
        if isinstance(failure.value, DnsFailure):
            self._settle(host, failure.value)
            return
        detail = " ".join(str(failure.value).split()) or type(failure.value).__name__
        self._settle(host, self._transient(host, DnsFailure(f"dns: {host} lookup failed ({detail})"[:200])))

    def _timed_out(self, host: str) -> DnsFailure:
        self.timeouts += 1
        return self._transient(host, DnsFailure(f"dns: {host} no answer within {self.timeout:g}s"))

    def _transient(self, host: str, failure: DnsFailure) -> DnsFailure:
        """A failure that may pass: asked again once, then cached like a definite one."""
        self._timeouts[host] = self._timeouts.get(host, 0) + 1
        failure.transient = self._timeouts[host] < MAX_TIMEOUTS
        return failure

    def reason(self, host: str) -> str | None:
        """Why the last lookup of ``host`` failed (``dns: <host> …``), if it did."""
        return self._reasons.get(host.lower().rstrip("."))

    def _settle(self, host: str, result: str | DnsFailure) -> None:
        if isinstance(result, DnsFailure):
            self._reasons[host] = result.reason
        if not (isinstance(result, DnsFailure) and result.transient):
            self._cache[host] = result
        for waiter in self._inflight.pop(host, []):
            if isinstance(result, DnsFailure):
                waiter.errback(Failure(result))
            else:
                waiter.callback(result)


class DnsReasons:
    """Downloader middleware: a failed lookup's exception gets the resolver's reason back."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> DnsReasons:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    @staticmethod
    def _resolver() -> GovlinksResolver | None:
        from twisted.internet import reactor

        resolver = getattr(reactor, "resolver", None)
        return resolver if isinstance(resolver, GovlinksResolver) else None

    def process_exception(self, request: Request, exception: Exception) -> None:
        resolver = self._resolver()
        if resolver is None or not isinstance(exception.__cause__ or exception, DNSLookupError):
            return None
        host = request.url.split("/", 3)[2].rsplit("@", 1)[-1]
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        reason = resolver.reason(host)
        if reason is not None:
            exception.reason = reason  # type: ignore[attr-defined]
        return None

    def spider_closed(self, spider: Any) -> None:
        resolver = self._resolver()
        if resolver is not None:
            for key, value in resolver.stats().items():
                self.crawler.stats.set_value(key, value)
