"""Redirects that are not followed twice: loops cut short, known pages not asked again.

Scrapy's RedirectMiddleware follows a redirect until ``REDIRECT_MAX_TIMES``, even
round a loop (``/a`` → ``/b`` → ``/a``: eleven requests for two URLs), and follows
it onto a page the crawl fetches anyway (a moved page whose new address is linked
too, a retired host that redirects to a seed homepage): the same request twice.
These subclasses of its two middlewares (HTTP redirects and ``<meta http-equiv=
refresh>``) build the next request as Scrapy does, then:

- stop with ``redirect loop: back to a URL already visited`` when the next URL is one
  of the chain's own (without cookies, the answer would be the same again);
- ask the spider whether to follow (``GovlinksSpider.follow_redirect``): when not,
  the 3xx response goes to the callback with the request it would have sent in
  ``meta['gl_stopped']``, and the fetch takes the answer of the page it landed on.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares import redirect
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.slots import hop_slot

__all__ = ["LOOP", "MetaRefreshMiddleware", "RedirectMiddleware"]

LOOP = "redirect loop: back to a URL already visited"


class _NotTwice:
    crawler: Any

    def _decide(self, request: Request, response: Response, result: Request | Response) -> Request | Response:
        if not isinstance(result, Request):
            return result
        chain = {u.split("#", 1)[0] for u in (*request.meta.get("redirect_urls", ()), request.url)}
        if result.url.split("#", 1)[0] in chain:
            self.crawler.stats.inc_value("govlinks/dedup/redirect_loops")
            raise IgnoreRequest(LOOP)
        hop_slot(result.meta)  # followed at once, not a delay later (crawler/slots.py)
        spider = self.crawler.spider
        if (
            result.meta.get("gl_kind")
            and not result.meta.get("gl_nostop")
            and not spider.follow_redirect(result)
        ):
            request.meta["gl_stopped"] = result
            return response
        return result


class RedirectMiddleware(_NotTwice, redirect.RedirectMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        return self._decide(request, response, super().process_response(request, response))


class MetaRefreshMiddleware(_NotTwice, redirect.MetaRefreshMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        return self._decide(request, response, super().process_response(request, response))
