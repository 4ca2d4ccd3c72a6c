"""The one exception family of govlinks, so that the CLI can turn any user-facing
failure into a one-line message and a documented exit code."""

from __future__ import annotations

__all__ = [
    "CrawlCrashed",
    "CrawlInterrupted",
    "GovlinksError",
    "LockError",
    "ProxyError",
    "SeedError",
    "StoreError",
]


class GovlinksError(Exception):
    """A failure the user can act on; ``str(err)`` is the whole message."""

    exit_code = 2


class SeedError(GovlinksError):
    """A seed file is missing, unreadable or malformed (message names file:line)."""


class StoreError(GovlinksError):
    """The store is missing, not a govlinks store, too new, or lacks a crawl."""


class LockError(GovlinksError):
    """Another crawl holds the store."""

    exit_code = 3


class ProxyError(GovlinksError):
    """The proxy refused the crawl (407, or 403 to every CONNECT): one message, not a failure per site."""


class CrawlInterrupted(GovlinksError):
    """A signal arrived before the crawl ran or after it stopped."""

    exit_code = 130


class CrawlCrashed(GovlinksError):
    """A bug of govlinks: the message names the file that holds the traceback."""

    exit_code = 70
