"""What the demo server and the webs it serves exchange: requests, responses, the log.

Kept apart from ``demo.server`` so that a web (``StaticWeb``, the generated web)
does not import the server, and the server does not import any particular web.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

__all__ = ["LogEntry", "Request", "RequestLog", "Response", "Web", "host_key", "iter_log_file"]

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def host_key(authority: str, scheme: str) -> str:
    """Host as routed: lower case, no trailing dot, port only when not the default.

    >>> host_key("WWW.Exemple.gouv.fr:443", "https"), host_key("a.fr:8080", "http")
    ('www.exemple.gouv.fr', 'a.fr:8080')
    """
    host = authority.strip().lower()
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit() and port == _DEFAULT_PORTS.get(scheme):
        host = name
    return host.rstrip(".") if ":" not in host else host


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the web sees it; ``path`` includes the query string."""

    method: str
    scheme: str
    host: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}"


@dataclass(slots=True)
class Response:
    """What to answer. ``status`` 0 drops the connection without an answer.

    ``delay`` sleeps before answering (timeouts); ``chunks`` sends the body with
    chunked encoding, ``chunk_delay`` seconds apart (slow or endless pages);
    ``close`` closes the connection after the answer.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0
    chunks: Sequence[bytes] | None = None
    chunk_delay: float = 0.0
    close: bool = False

    def seconds(self, head_only: bool = False) -> float:
        """The least time this answer takes to send: its delay, and its chunks' delays."""
        chunks = 0 if head_only or self.chunks is None else len(self.chunks)
        return self.delay + self.chunk_delay * chunks

    @classmethod
    def html(cls, body: str | bytes, status: int = 200, **kw: Any) -> Response:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return cls(status, [("Content-Type", "text/html; charset=utf-8")], data, **kw)

    @classmethod
    def text(cls, body: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return cls(status, [("Content-Type", f"{content_type}; charset=utf-8")], body.encode("utf-8"))

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Response:
        return cls(status, [("Location", location), ("Content-Type", "text/html")], b"")

    @classmethod
    def not_found(cls) -> Response:
        return cls.html("<!DOCTYPE html><title>Page introuvable</title><h1>404</h1>", 404)

    @classmethod
    def drop(cls) -> Response:
        """Close the connection without answering (a host that does not answer)."""
        return cls(status=0, close=True)


class Web(Protocol):
    """Content of the served web. ``respond`` returns None for an unknown host."""

    def has_host(self, host: str) -> bool: ...

    def respond(self, request: Request) -> Response | None: ...


class LogEntry(NamedTuple):
    """One request received; ``status`` None when the connection was dropped.

    ``seconds`` is the least time the answer takes to send (its ``delay``, plus
    ``chunk_delay`` per chunk of a body): with the client's timeout, it tells a
    request asked again after a timeout from one asked twice.
    """

    method: str
    scheme: str
    host: str
    path: str
    time: float  # time.monotonic() on arrival
    status: int | None
    seconds: float = 0.0


class RequestLog:
    """Thread-safe log of every request, optionally mirrored as JSON lines."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []
        self._file: IO[str] | None = open(path, "a", encoding="utf-8", buffering=1) if path else None  # noqa: SIM115

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)
        if self._file is not None:
            self._file.write(json.dumps(entry._asdict(), separators=(",", ":")) + "\n")

    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def urls(self, method: str | None = None) -> list[str]:
        return [f"{e.scheme}://{e.host}{e.path}" for e in self.entries() if method in (None, e.method)]

    def for_host(self, host: str) -> list[LogEntry]:
        return [e for e in self.entries() if e.host == host]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def iter_log_file(path: str | Path) -> Iterator[LogEntry]:
    """Read back a JSON-lines request log written by another process."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield LogEntry(**json.loads(line))
