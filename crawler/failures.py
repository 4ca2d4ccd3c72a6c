"""Short, classifiable messages for pages that could not be fetched.

A crawl of a few hundred sites meets thousands of failures; the end summary and
the report count them by kind, so each message stored in ``pages.error`` starts
with its kind and a colon (``timeout: no answer within 30s``, ``dns: x.fr not
found``), and leaves out the URL (the row already has it) so that equal failures
read alike.
``robots.txt`` is kept as the whole message: the store's queries match it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ROBOTS", "describe_failure", "error_kind", "is_network_error", "tunnel_refusal"]

ROBOTS = "robots.txt"
MAX_MESSAGE = 200

# Exception class names, so that this module imports neither Scrapy nor Twisted
# (the summary reads kinds without them) and works across their versions.
_TIMEOUT = {"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"}
_DNS = {"CannotResolveHostError", "DNSLookupError", "NoAddressError"}
_CANCELLED = {"DownloadCancelledError", "CancelledError"}
_SCHEME = {"UnsupportedURLSchemeError", "NotSupported", "SchemeNotSupported"}
_CONNECTION = {
    "ConnectionRefusedError", "DownloadConnectionRefusedError", "ConnectError", "ConnectionLost",
    "ConnectionDone", "ConnectionAborted", "ConnectingCancelledError", "NoRouteError",
    "ResponseFailed", "ResponseNeverReceived", "RequestTransmissionFailed", "DownloadFailedError",
    "ResponseDataLossError", "PotentialDataLoss", "TunnelError", "ConnectionResetError",
}  # fmt: skip
_FAILURE_REPR = re.compile(r"\[?<twisted\.python\.failure\.Failure (?:[\w.]+\.)?(\w+): ?(.*?)>\]?")
_TUNNEL = re.compile(r"CONNECT tunnel with proxy (\S+) \[\{'status': (\d{3}), 'reason': b?'([^']*)'")


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _root(exc: BaseException) -> BaseException:
    """The exception under Scrapy's wrappers (``raise X(str(e)) from e``) and Twisted's
    (``ResponseFailed.reasons``, a list of Failures)."""
    for _ in range(8):
        reasons = getattr(exc, "reasons", None)
        if reasons and isinstance(reasons, list):
            inner = getattr(reasons[0], "value", reasons[0])
            if isinstance(inner, BaseException):
                exc = inner
                continue
        if exc.__cause__ is not None:
            exc = exc.__cause__
            continue
        break
    return exc


def _text(exc: BaseException) -> str:
    """One line of an exception's message, Failure reprs reduced to ``Class: message``."""
    return _FAILURE_REPR.sub(r"\1: \2", " ".join(str(exc).split()))


def tunnel_refusal(exc: BaseException) -> tuple[str, int, str] | None:
    """``(proxy host:port, status, reason)`` when a proxy refused a CONNECT tunnel.

    >>> class TunnelError(Exception): pass
    >>> tunnel_refusal(TunnelError("Could not open CONNECT tunnel with proxy 127.0.0.1:3128 "
    ...                            "[{'status': 407, 'reason': b'Proxy Authentication Required'}]"))
    ('127.0.0.1:3128', 407, 'Proxy Authentication Required')
    """
    root = _root(exc)
    if "TunnelError" not in _names(exc) | _names(root):
        return None
    match = _TUNNEL.search(str(root))
    if match is None:
        return None
    return match.group(1), int(match.group(2)), match.group(3)


def _tls(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("OpenSSL", "ssl")) or "SSLError" in _names(exc)


def describe_failure(exc: BaseException, *, timeout: float, max_bytes: int, max_redirects: int) -> str:
    """The ``pages.error`` text for a request that ended with ``exc``.

    ``timeout``, ``max_bytes`` and ``max_redirects`` are the crawl's limits, named
    in the message because Scrapy's own does not always say which was reached.
    The reason is a kind and a few words, never a traceback nor a Failure's repr;
    DNS failures of ``crawler.resolver`` carry their own (``dns: <host> not found``).

    >>> describe_failure(TimeoutError(), timeout=30, max_bytes=1, max_redirects=10)
    'timeout: no answer within 30s'
    >>> describe_failure(ConnectionRefusedError("refused"), timeout=1, max_bytes=1, max_redirects=1)
    'connection: ConnectionRefusedError: refused'
    >>> class ArchiveError(Exception): ...
    >>> describe_failure(ArchiveError("archive: no capture within 6 months of 2015-06-01"),
    ...                  timeout=1, max_bytes=1, max_redirects=1)
    'archive: no capture within 6 months of 2015-06-01'
    """
    root = _root(exc)
    names = _names(exc) | _names(root)
    text = _text(exc)
    if "ArchiveError" in names:  # crawler/archive.py: its message is the whole story
        return text[:MAX_MESSAGE]
    if "IgnoreRequest" in names:
        if "robots" in text.lower():
            return ROBOTS
        if text.startswith("redirect loop:"):  # crawler/redirects.py: a URL of its own chain
            return text
        if "redirection" in text.lower():
            return f"redirect loop: more than {max_redirects} redirects"
        return f"ignored: {text}"[:MAX_MESSAGE]
    own = getattr(exc, "reason", None) or getattr(root, "reason", None)
    if names & _DNS and isinstance(own, str) and own.startswith("dns: "):
        return own[:MAX_MESSAGE]
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
    refusal = tunnel_refusal(exc)
    if refusal is not None:
        proxy, status, reason = refusal
        return f"connection: TunnelError: proxy {proxy} answered {status} {reason} to CONNECT"[:MAX_MESSAGE]
    if _tls(root):
        return f"tls: {type(root).__name__}: {_text(root) or 'handshake failed'}"[:MAX_MESSAGE]
    return f"connection: {type(root).__name__}: {_text(root) or 'no detail'}"[:MAX_MESSAGE]


def is_network_error(exc: BaseException) -> bool:
    """True for the failures of a network (timeouts, DNS, refused or lost connections, TLS):
    routine in a crawl, told by their reason, never by a traceback.

    >>> is_network_error(TimeoutError()), is_network_error(KeyError("x"))
    (True, False)
    """
    root = _root(exc)
    names = _names(exc) | _names(root)
    return (
        bool(names & (_TIMEOUT | _DNS | _CANCELLED | _CONNECTION))
        or _tls(root)
        or (type(root).__module__ == "twisted.internet.error")
    )


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
