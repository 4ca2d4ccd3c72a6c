"""Name resolution of many hosts against a slow or silent DNS: Scrapy's resolver vs govlinks'.

    python bench/dns.py [--hosts 750] [--timeout 5] [--glibc-timeout 2 --glibc-attempts 2]

A local DNS server (``demo/dns.py``) answers ``NXDOMAIN`` after ``--slow`` seconds
(a slow DNS) or never (a filtering one: hosts that do not resolve). Each contender
resolves ``--hosts`` names at once in a fresh process with its own reactor, as a
crawl does, and the script prints when the last lookup failed and how long the
reactor then took to stop (a crawl cannot exit, nor act on a signal, before that):

- ``scrapy default``: ``CachingThreadedResolver``, ``REACTOR_THREADPOOL_MAXSIZE`` 10,
  ``DNS_TIMEOUT`` 60 (Scrapy's defaults);
- ``scrapy 100 threads``: the same with 100 threads and ``DNS_TIMEOUT`` = ``--timeout``;
- ``govlinks``: ``crawler.resolver.GovlinksResolver`` with ``--dns-timeout`` = ``--timeout``.

The threaded resolvers call ``socket.gethostbyname`` in threads; since the system's
resolver cannot be pointed at a test server, it is replaced by a blocking query to
the local server with glibc's behaviour (``options timeout:N attempts:M``: each
attempt waits N seconds; glibc's defaults are 5 and 2).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from datetime import date

from common import ROOT, machine

CONTENDERS = ("scrapy default", "scrapy 100 threads", "govlinks")


def _glibc_like(server: tuple[str, int], timeout: float, attempts: int):  # type: ignore[no-untyped-def]
    from twisted.names import dns

    def gethostbyname(name: str) -> str:
        query = dns.Message(id=1, recDes=True)
        query.addQuery(name.encode(), dns.A)
        data = query.toStr()
        for _ in range(attempts):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.sendto(data, server)
                try:
                    reply = sock.recv(4096)
                except TimeoutError:
                    continue
            message = dns.Message()
            message.fromStr(reply)
            for rr in message.answers:
                if rr.type == dns.A:
                    return str(rr.payload.dottedQuad())
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    return gethostbyname


def one(args: argparse.Namespace) -> None:
    """Run one contender in this process; print a JSON line."""
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
    from scrapy.resolver import CachingThreadedResolver
    from twisted.internet import defer, reactor

    from crawler.resolver import GovlinksResolver

    server = ("127.0.0.1", args.port)
    if args.contender == "govlinks":
        resolver = GovlinksResolver(reactor, servers=[server], timeout=args.timeout)
        reactor.installResolver(resolver)
    else:
        socket.gethostbyname = _glibc_like(server, args.glibc_timeout, args.glibc_attempts)
        threads, timeout = (10, 60.0) if args.contender == "scrapy default" else (100, args.timeout)
        reactor.installResolver(CachingThreadedResolver(reactor, 10000, timeout))
        reactor.getThreadPool().adjustPoolsize(maxthreads=threads)
    names = [f"site{i}-bench.invalid" for i in range(args.hosts)]
    result: dict[str, float] = {}

    def done(_: object, t0: float) -> None:
        result["resolved"] = time.monotonic() - t0
        result["stop_called"] = time.monotonic()
        reactor.stop()

    def start() -> None:
        t0 = time.monotonic()
        lookups = [reactor.resolve(name) for name in names]
        for d in lookups:
            d.addErrback(lambda f: None)
        defer.DeferredList(lookups).addCallback(done, t0)

    reactor.callWhenRunning(start)
    reactor.run()
    result["stopped"] = time.monotonic() - result.pop("stop_called")
    print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=750)
    parser.add_argument("--timeout", type=float, default=5.0, help="--dns-timeout / DNS_TIMEOUT")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds before the slow DNS answers")
    parser.add_argument("--glibc-timeout", type=float, default=2.0)
    parser.add_argument("--glibc-attempts", type=int, default=2)
    parser.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        one(args)
        return
    sys.path.insert(0, str(ROOT))
    from demo.dns import DnsServer

    print(f"{date.today()} on {machine()}: {args.hosts} hosts, timeout {args.timeout:g} s, glibc "
          f"timeout:{args.glibc_timeout:g} attempts:{args.glibc_attempts}", flush=True)  # fmt: skip
    print("| DNS | resolver | last lookup failed | reactor stopped after | total |")
    print("|---|---|---|---|---|")
    for label, kw in (
        (f"answers after {args.slow:g} s", {"delay": args.slow}),
        ("never answers", {"silent": True}),
    ):
        with DnsServer(**kw) as dns_server:  # type: ignore[arg-type]
            for contender in CONTENDERS:
                cmd = [sys.executable, __file__, "--contender", contender, "--port", str(dns_server.port),
                       "--hosts", str(args.hosts), "--timeout", str(args.timeout),
                       "--glibc-timeout", str(args.glibc_timeout),
                       "--glibc-attempts", str(args.glibc_attempts)]  # fmt: skip
                t0 = time.monotonic()
                run = subprocess.run(cmd, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
                wall = time.monotonic() - t0
                if run.returncode:
                    print(f"{contender}: exit {run.returncode}\n{run.stderr[-2000:]}", file=sys.stderr)
                    continue
                got = json.loads(run.stdout.strip().splitlines()[-1])
                print(f"| {label} | {contender} | {got['resolved']:.1f} s | {got['stopped']:.1f} s "
                      f"| {wall:.1f} s |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
