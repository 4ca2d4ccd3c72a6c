"""The language of what people read: reports, evidence, diff and journey texts.

Every human-readable text of govlinks is written in English in the code and wrapped
in :func:`_` (or :func:`ngettext` for plurals), so that it is extracted into gettext
catalogs (``python -m graphs.catalogs update``, see the README's "Translating") and
shown in the reader's language; machine keys (reason codes, JSON keys, column names
of open data) are never wrapped. The French catalog is
``graphs/locale/fr/LC_MESSAGES/govlinks.po``, compiled to the ``.mo`` beside it, which
is committed so that a checkout runs without a build step (a test fails when a
wrapped text lacks its French translation or the ``.mo`` is older than the ``.po``).

The language is a context, not an argument threaded through every function: the
command that renders sets it once (``with using_language("fr"): ...``) and every
text produced inside follows it, the numbers and dates too (:func:`format_number`,
:func:`format_time`: French digit grouping and decimal comma, Europe/Paris local
time). The library speaks English, its source language, unless told otherwise; the
commands speak French unless ``--lang en`` is given.

>>> with using_language("fr"):
...     _("sites flagged"), format_number(1234.5, ",.1f"), format_number(0.25, ".0%")
('sites signalés', '1\\u202f234,5', '25\\xa0%')
>>> _("sites flagged"), format_number(1234.5, ",.1f")
('sites flagged', '1,234.5')
"""

from __future__ import annotations

import gettext
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from graphs.choices import DEFAULT_LANGUAGE, LANGUAGES

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "current_language",
    "format_number",
    "format_time",
    "ngettext",
    "using_language",
]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "govlinks"
SOURCE_LANGUAGE = "en"  # the language the texts are written in: no catalog
TIME_ZONE = "Europe/Paris"
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
_MISSING = "–"

_language: ContextVar[str] = ContextVar("govlinks_language", default=SOURCE_LANGUAGE)


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


@cache
def _translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (none for the source language)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as f:
        return gettext.GNUTranslations(f)


def _(message: str) -> str:
    """The text ``message`` (written in English) in the current language."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` for ``n``, in the current language (French: 0 and 1 are singular)."""
    return _translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (it is translated where shown)."""
    return message


# -- numbers and dates ------------------------------------------------------------------

_SPEC = re.compile(r"^(?P<group>,)?(?:\.(?P<digits>\d+))?(?P<kind>[fg%d]?)$")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: Any, spec: str = ",") -> str:
    """``value`` formatted with the ``format()`` ``spec`` in the current language; "–" when missing.

    English keeps Python's formats (``1,234.5``, ``25%``); French groups digits with a
    narrow no-break space, uses a decimal comma, and writes ``25 %``.

    >>> format_number(0.256, ".0%"), format_number(None), format_number(float("nan"), ".2f")
    ('26%', '–', '–')
    >>> with using_language("fr"):
    ...     format_number(1204270), format_number(0.4567, ".2f"), format_number(3, "g")
    ('1\\u202f204\\u202f270', '0,46', '3')
    """
    if _missing(value):
        return _MISSING
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    language = current_language()
    match = _SPEC.match(spec)
    if language == SOURCE_LANGUAGE or match is None or isinstance(value, bool):
        return format(value, spec)
    from babel.numbers import format_decimal, format_percent

    locale = _LOCALES[language]
    digits, kind = match["digits"], match["kind"]
    decimals = "." + "0" * int(digits) if digits and int(digits) else ""
    if kind == "%":
        return format_percent(value, f"#,##0{decimals}\u00a0%", locale=locale)
    if digits is None and kind in ("", "g", "d"):
        return format_decimal(value, locale=locale)
    return format_decimal(value, f"#,##0{decimals}", locale=locale)


def format_time(value: str | None, *, missing: str = "") -> str:
    """An ISO 8601 time as the reader expects it: as stored in English, local to Paris in French.

    A time without offset is taken as UTC (the store writes UTC). ``missing`` is
    returned for None or "".

    >>> format_time("2026-11-23T09:05:00+00:00")
    '2026-11-23T09:05:00+00:00'
    >>> with using_language("fr"):
    ...     format_time("2026-11-23T09:05:00+00:00"), format_time("2026-07-14T21:30:00Z")
    ('23 novembre 2026 à 10:05', '14 juillet 2026 à 23:30')
    """
    if not value:
        return missing
    language = current_language()
    if language == SOURCE_LANGUAGE:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # not a time: show it as it is
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    zone = ZoneInfo(TIME_ZONE)
    return format_datetime(moment.astimezone(zone), _("d MMMM y 'at' HH:mm"), tzinfo=zone,
                           locale=_LOCALES[language])  # fmt: skip
