"""Short, classifiable messages for pages that could not be fetched.

A crawl of a few hundred sites meets thousands of failures; the end summary and
the report count them by kind, so each message stored in ``pages.error`` starts
with its kind and a colon (``timeout: no answer within 30s``), and leaves out
the URL (the row already has it) so that equal failures read alike.
``robots.txt`` is kept as the whole message: the store's queries match it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ROBOTS", "describe_failure", "error_kind"]

ROBOTS = "robots.txt"
MAX_MESSAGE = 200

# Exception class names, so that this module imports neither Scrapy nor Twisted
# (the summary reads kinds without them) and works across their versions.
_TIMEOUT = {"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"}
_DNS = {"CannotResolveHostError", "DNSLookupError", "NoAddressError"}
_CANCELLED = {"DownloadCancelledError", "CancelledError"}
_SCHEME = {"UnsupportedURLSchemeError", "NotSupported", "SchemeNotSupported"}


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def describe_failure(exc: BaseException, *, timeout: float, max_bytes: int, max_redirects: int) -> str:
    """The ``pages.error`` text for a request that ended with ``exc``.

    ``timeout``, ``max_bytes`` and ``max_redirects`` are the crawl's limits, named
    in the message because Scrapy's own does not always say which was reached.

    >>> describe_failure(TimeoutError(), timeout=30, max_bytes=1, max_redirects=10)
    'timeout: no answer within 30s'
    >>> describe_failure(ConnectionRefusedError("refused"), timeout=1, max_bytes=1, max_redirects=1)
    'connection: ConnectionRefusedError: refused'
    """
    names = _names(exc)
    text = " ".join(str(exc).split())
    if "IgnoreRequest" in names:
        if "robots" in text.lower():
            return ROBOTS
        if text.startswith("redirect loop:"):  # crawler/redirects.py: a URL of its own chain
            return text
        if "redirection" in text.lower():
            return f"redirect loop: more than {max_redirects} redirects"
        return f"ignored: {text}"[:MAX_MESSAGE]
    if names & _TIMEOUT:
        return f"timeout: no answer within {timeout:g}s"
    if names & _CANCELLED:
        # Scrapy cancels a download only when it passes DOWNLOAD_MAXSIZE (its message
        # says so for a declared length, and is empty for a chunked body).
        return f"too large: more than {max_bytes} bytes"
    if names & _DNS:
        return "dns: host name not found"
    if names & _SCHEME:
        return f"scheme: {text}"[:MAX_MESSAGE]
    return f"connection: {type(exc).__name__}: {text or 'no detail'}"[:MAX_MESSAGE]


def error_kind(error: str | None, status: Any = None) -> str | None:
    """Kind of a stored failure: the text before the colon, or the HTTP status class.

    >>> error_kind("timeout: no answer within 30s"), error_kind(None, 404), error_kind("robots.txt")
    ('timeout', 'http 4xx', 'robots')
    >>> error_kind(None, 200) is None
    True
    """
    if error:
        if error == ROBOTS:
            return "robots"
        return error.split(":", 1)[0].strip()
    if status is not None and status >= 400:
        return f"http {int(status) // 100}xx"
    return None
