"""The language of what people read: reports, evidence, diff and journey texts.

Every human-readable text of govlinks is written in English in the code and wrapped
in :func:`_` (or :func:`ngettext` for plurals), so that it can be extracted into
gettext catalogs (``pybabel extract``) and shown in the reader's language; machine
keys (reason codes, JSON keys, column names of open data) are never wrapped.

The language is a context, not an argument threaded through every function: the
command that renders sets it once (``with using_language("fr"): ...``) and every
text produced inside follows it.

>>> with using_language("en"):
...     current_language()
'en'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["LANGUAGES", "_", "current_language", "ngettext", "using_language"]

LANGUAGES = ("fr", "en")

_language: ContextVar[str] = ContextVar("govlinks_language", default="en")


def current_language() -> str:
    """The language texts are produced in now."""
    return _language.get()


@contextmanager
def using_language(language: str) -> Iterator[None]:
    """Produce texts in ``language`` (one of :data:`LANGUAGES`) inside the block."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (use one of {', '.join(LANGUAGES)})")
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """The text ``message`` (written in English) in the current language."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` for ``n``, in the current language."""
    return singular if n == 1 else plural
