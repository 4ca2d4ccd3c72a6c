"""Outside links that are retired: moved to another host for good, or dead.

``govlinks crawl --check-links`` records, for each distinct URL outside the seed
sites, its status, first redirect and final URL (``store.reads.external_checks``).
This module reads that table: whether the links were checked at all, and which
targets are retired, the input of the ``links_to_retired`` rule
(:mod:`graphs.findings`). Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from crawler.failures import error_kind
from crawler.urls import normalize_url
from graphs.i18n import N_, _

__all__ = ["external_checked", "failure_reason", "retired_links"]

_PERMANENT = (301, 308)
# The kinds of failure the crawl summary counts (crawler.failures), as a reader sees them.
_KINDS = {
    "timeout": N_("timeout"),
    "dns": N_("dns"),
    "connection": N_("connection"),
    "too large": N_("too large"),
    "redirect loop": N_("redirect loop"),
    "robots": N_("robots.txt"),
    "scheme": N_("unsupported scheme"),
    "ignored": N_("ignored"),
}


def failure_reason(error: Any, status: Any = None) -> str:
    """Why a URL failed, in the short words of the crawl summary: ``HTTP 404``, ``timeout``, ``dns``…

    Never the library's own message (a Twisted ``Failure`` repr, an exception's
    text): the report shows the kind, the store keeps the details. Errors stored
    by older crawls as ``ClassName: text`` are classified by their class name.

    >>> failure_reason(None, 404), failure_reason("timeout: no answer within 30s")
    ('HTTP 404', 'timeout')
    >>> failure_reason("connection: DownloadFailedError: [<twisted.python.failure.Failure ...>]")
    'connection'
    >>> failure_reason("DNSLookupError: y.fr"), failure_reason(None)
    ('dns', 'no answer')
    """
    status = _present(status)
    if status:
        return f"HTTP {int(status)}"
    text = error if isinstance(error, str) and error else None
    if text is None:
        return _("no answer")
    kind = error_kind(text) or ""
    if kind not in _KINDS:  # an older store: "DNSLookupError: …", "TCPTimedOutError: …"
        name = kind.lower()
        kind = "dns" if "dns" in name else "timeout" if "time" in name else "connection"
    return _(_KINDS[kind])


def _host(url: Any) -> str | None:
    norm = normalize_url(str(url)) if isinstance(url, str) and url else None
    return norm.split("/", 1)[0] if norm else None


def _present(value: Any) -> Any:
    """The value, or None for None, NaN and pandas NA."""
    return None if value is None or pd.isna(value) else value


def retired_links(external: pd.DataFrame) -> pd.DataFrame:
    """Outside link targets that are retired, with the reason, from ``store.reads.external_checks``.

    Retired: the first redirect is permanent (301 or 308) and the final URL
    is on another host (``www.`` and default ports ignored), or the check got
    no HTTP answer at all (status NULL with an error: DNS, refused, timeout).

    Examples
    --------
    >>> ext = pd.DataFrame({
    ...     "source": ["a", "a", "b"], "target_norm": ["old.fr/", "x.fr/", "y.fr/"],
    ...     "target_url": ["http://old.fr/", "http://x.fr/", "http://y.fr/"], "pages": [2, 1, 1],
    ...     "status": [200, 200, None], "final_url": ["https://new.fr/", "https://www.x.fr/", None],
    ...     "redirect_status": [301, 301, None], "error": [None, None, "DNSLookupError: y.fr"]})
    >>> for row in retired_links(ext)[["source", "target_url", "reason"]].values.tolist():
    ...     print(row)
    ['a', 'http://old.fr/', 'moved for good to https://new.fr/']
    ['b', 'http://y.fr/', 'no answer: dns']
    """
    columns = ["source", "target_url", "target_norm", "pages", "reason"]
    if external is None or not len(external):
        return pd.DataFrame(columns=columns)
    rows = []
    for r in external.itertuples(index=False):
        status, redirect = _present(r.status), _present(r.redirect_status)
        error = r.error if isinstance(r.error, str) and r.error else None
        reason = None
        if redirect is not None and int(redirect) in _PERMANENT:
            final = _host(r.final_url)
            if final is not None and final != _host(r.target_url):
                reason = _("moved for good to {url}").format(url=r.final_url)
        elif status is None and error is not None:
            reason = _("no answer: {kind}").format(kind=failure_reason(error))
        if reason:
            rows.append((str(r.source), r.target_url, r.target_norm, int(r.pages), reason))
    return pd.DataFrame(rows, columns=columns)


def external_checked(external: pd.DataFrame | None, settings: Mapping[str, Any] | None = None) -> bool:
    """Whether outside links were checked: the crawl used ``--check-links``, or some
    outside link has a check result."""
    if settings and settings.get("check_links"):
        return True
    if external is None or not len(external):
        return False
    return bool(external["status"].notna().any() or external["error"].notna().any())
