"""The HTTP download handler, without Twisted's silent second try.

Twisted's connection pool asks again, once, for any GET or HEAD that got no answer
on a reused keep-alive connection, below Scrapy's RetryMiddleware, which then retries
it ``RETRY_TIMES`` more: a host that drops connections got five requests for a
robots.txt with ``--retries 2``. Here every retry is Scrapy's, counted and bounded by
``--retries``.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

__all__ = ["HTTPDownloadHandler"]


class HTTPDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool.retryAutomatically = False
