"""Back off from a site that says it is overloaded.

Scrapy's RetryMiddleware retries 429 and 503 at once, ignoring ``Retry-After``,
and keeps the site's pace when it fails: the opposite of polite. This
middleware, placed before it, widens the site's download-slot delay to the
``Retry-After`` the server asked for (or doubles it, when none was given, on 429,
503, timeouts and refused connections), retries through Scrapy's own ``get_retry_request``,
and halves the delay again on each success until it is back to
``DOWNLOAD_DELAY``. A timeout once the answer had begun (a body trickling in, a page
cut at ``--max-page-bytes``) is not retried: the same slow answer would come again.
Retries are bounded by ``--retries`` (``RETRY_TIMES``).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import scrapy.exceptions
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.misc import load_object
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

__all__ = ["OVERLOAD_EXCEPTIONS", "TIMEOUT_EXCEPTIONS", "BackoffMiddleware", "retry_after_seconds"]

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = (429, 503)
# Signs of an overloaded server; not DNS failures, robots.txt refusals and the like.
# Scrapy >= 2.14 wraps Twisted's timeouts and refusals in exceptions of its own.
TIMEOUT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    TimeoutError,
    TCPTimedOutError,
    *(getattr(scrapy.exceptions, n) for n in ("DownloadTimeoutError",) if hasattr(scrapy.exceptions, n)),
)
OVERLOAD_EXCEPTIONS: tuple[type[BaseException], ...] = (
    *TIMEOUT_EXCEPTIONS,
    ConnectionRefusedError,
    *(
        getattr(scrapy.exceptions, name)
        for name in ("DownloadConnectionRefusedError",)
        if hasattr(scrapy.exceptions, name)
    ),
)


def _why(exception: Exception) -> str:
    """A request's failure in the words of the log's "asking again" lines."""
    if isinstance(exception, TIMEOUT_EXCEPTIONS):
        return "no answer in time"
    if isinstance(exception, OVERLOAD_EXCEPTIONS):
        return "connection refused"
    if isinstance(exception, DNSLookupError) or type(exception).__name__ == "CannotResolveHostError":
        return "host name not found"
    return "connection lost"


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    >>> retry_after_seconds(b"120")
    120.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT",
    ...                     now=datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC))
    10.0
    >>> retry_after_seconds(b"soon") is None
    True
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffMiddleware:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.max_delay = settings.getfloat("GOVLINKS_MAX_BACKOFF", 120.0)
        self.widened: dict[int, float] = {}  # id(slot) -> time.time() it was last widened
        self.max_retries = settings.getint("RETRY_TIMES")
        # The failures Scrapy's RetryMiddleware asks again for (connections lost through a
        # proxy, data loss...): each retry is named in the log, not only the overload ones.
        self.retried = tuple(load_object(name) if isinstance(name, str) else name
                             for name in settings.getlist("RETRY_EXCEPTIONS"))  # fmt: skip

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffMiddleware:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def _slot(self, request: Request) -> Any:
        downloader = self.crawler.engine.downloader
        return downloader.slots.get(downloader.get_slot_key(request))

    def _widen(self, request: Request, wait: float | None) -> float:
        slot = self._slot(request)
        if slot is None:
            return 0.0
        wanted = wait if wait is not None else max(1.0, slot.delay * 2)
        slot.delay = min(self.max_delay, max(slot.delay, wanted))
        self.widened[id(slot)] = time.time()
        self.crawler.stats.inc_value("govlinks/backoff/widened")
        self.crawler.stats.max_value("govlinks/backoff/max_delay", slot.delay)
        return slot.delay

    def process_response(self, request: Request, response: Response) -> Request | Response:
        request.meta.pop("gl_partial", None)  # answered in full: a retry starts afresh
        if response.status in BACKOFF_STATUSES and not request.meta.get("dont_retry"):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait is not None and wait > self.max_delay:
                self.crawler.stats.inc_value("govlinks/backoff/retry_after_too_long")
                # Recorded as is: waiting that long would stall the site, and
                # RetryMiddleware must not ask again at once either.
                request.meta["dont_retry"] = True
                return response
            delay = self._widen(request, wait)
            retry = get_retry_request(
                request,
                spider=self.crawler.spider,
                reason=f"HTTP {response.status}",
                stats_base_key="govlinks/backoff",
            )
            if retry is not None:
                logger.info("%s answered %d: waiting %.1fs before retrying", request.url,
                            response.status, delay)  # fmt: skip
                return retry
            request.meta["dont_retry"] = True  # retries spent: RetryMiddleware would only log it again
            return response
        if response.status < 400:
            slot = self._slot(request)
            if slot is not None and slot.delay > self.base_delay and self._sent_since_widened(slot, request):
                slot.delay = max(self.base_delay, slot.delay / 2)
        return response

    def _sent_since_widened(self, slot: Any, request: Request) -> bool:
        """Whether ``request`` left after the slot was last widened: only its success says
        the wider pace suits the server. A slot with several requests in flight (the archive
        of ``crawl --archive``) would otherwise relax at once on the answer to one sent before."""
        sent = time.time() - float(request.meta.get("download_latency") or 0.0)
        return sent >= self.widened.get(id(slot), 0.0)

    def process_exception(self, request: Request, exception: Exception) -> None:
        meta = request.meta
        if isinstance(exception, TIMEOUT_EXCEPTIONS) and meta.pop("gl_partial", False):
            # The answer had begun: asking again would only download it slowly once more.
            meta["dont_retry"] = True
            self.crawler.stats.inc_value("govlinks/retries_refused_partial")
        if isinstance(exception, OVERLOAD_EXCEPTIONS):
            self._widen(request, None)
        if isinstance(exception, self.retried):
            tries = meta.get("retry_times", 0)
            if not meta.get("dont_retry") and tries < meta.get("max_retry_times", self.max_retries):
                # Named, so that a request asked twice can be told from one asked again.
                logger.info("%s %s: %s, asking again", request.method, request.url, _why(exception))
        return None  # RetryMiddleware decides whether to retry
