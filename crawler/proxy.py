"""A proxy that refuses the crawl is one problem, not 750 failed sites.

Ministries reach the web through a proxy: ``https_proxy`` (CONNECT), credentials
in its URL (``http://user:password@proxy:3128``), ``no_proxy`` for the hosts
reached directly (names and suffixes: ``intranet.gouv.fr,.interieur.gouv.fr``).
Scrapy's ``HttpProxyMiddleware`` does all of it, sends the credentials in
``Proxy-Authorization`` (inside the CONNECT for https) and never logs them.

When the proxy refuses the crawl, every request would fail the same way and every
site be stored as unreachable. This middleware, before ``RetryMiddleware``,
recognises the refusal: ``407 Proxy Authentication Required`` (missing or wrong
credentials), or ``403`` to CONNECT for ``REFUSED_HOSTS`` hosts before any request
through the proxy succeeded (this machine is not let out). The refused requests
are not recorded (their pages stay in the frontier) and the crawl stops once
(``crawl_stop``, reason ``proxy``); ``run_crawl`` then reports one error, and
``--resume`` continues once the proxy lets the crawl through.

A 403 to CONNECT once other requests went through is the proxy's policy for that
host (a blocked category): that page's failure, stored as
``connection: TunnelError: proxy … answered 403 Forbidden to CONNECT``. The 403s
that came before the first success are asked again then, to be recorded as such.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.failures import tunnel_refusal
from crawler.signals import crawl_stop

__all__ = ["REFUSED", "REFUSED_HOSTS", "ProxyRefusals"]

logger = logging.getLogger(__name__)

REFUSED = "gl_proxy_refused"  # request.meta key: refused by the proxy, not the page's failure
REFUSED_HOSTS = 3


class ProxyRefusals:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.succeeded = False  # some request went through the proxy
        self.held: list[Request] = []  # 403s before the first success
        self.refused_hosts: set[str] = set()
        self.stopped = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProxyRefusals:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_idle, signal=signals.spider_idle)
        return mw

    @staticmethod
    def _variable(request: Request) -> str:
        return "https_proxy" if request.url.startswith("https:") else "http_proxy"

    def _refuse(self, request: Request, status: int, reason: str) -> None:
        request.meta[REFUSED] = True
        request.meta["dont_retry"] = True
        self.crawler.stats.inc_value("govlinks/proxy/refused")
        if self.stopped:
            return
        proxy, variable = request.meta.get("proxy") or "?", self._variable(request)
        if status == 407 and b"Proxy-Authorization" not in request.headers:
            advice = f"put the credentials in {variable} (http://user:password@host:port)"
        elif status == 407:
            advice = f"check the credentials in {variable}"
        else:
            advice = "check that the proxy lets this machine out, or list the sites in no_proxy"
        self.stop(f"proxy {proxy} refused the crawl ({status} {reason}): {advice}")

    def stop(self, message: str) -> None:
        self.stopped = True
        self.crawler.stats.set_value("govlinks/proxy/message", message)
        logger.error("%s", message)
        self.crawler.signals.send_catch_log(crawl_stop, reason="proxy")

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("proxy"):
            return response
        if response.status == 407:
            self._refuse(request, 407, "Proxy Authentication Required")
            raise IgnoreRequest("refused by the proxy")
        if not self.succeeded:
            self.succeeded = True
            self._ask_again()
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        refusal = tunnel_refusal(exception)
        if refusal is None:
            return None
        _, status, reason = refusal
        if status in (403, 407):
            request.meta["dont_retry"] = True  # the proxy's answer will not change
        if status == 407:
            self._refuse(request, status, reason)
        elif status == 403 and not self.succeeded:
            request.meta[REFUSED] = True
            self.held.append(request)
            self.refused_hosts.add(request.url.split("/")[2])
            if len(self.refused_hosts) >= REFUSED_HOSTS:
                self._refuse(request, status, f"{reason} to CONNECT")
        return None

    def _ask_again(self) -> None:
        """The proxy lets the crawl out: the 403s so far were about their hosts."""
        held, self.held = self.held, []
        for request in held:
            meta = {k: v for k, v in request.meta.items() if k not in (REFUSED, "dont_retry")}
            self.crawler.engine.crawl(request.replace(meta=meta))

    def spider_idle(self, spider: Any) -> None:
        """Nothing but refusals: fewer hosts than REFUSED_HOSTS, all refused."""
        if self.held and not self.succeeded and not self.stopped:
            request = self.held[-1]
            self._refuse(request, 403, "Forbidden to CONNECT")
