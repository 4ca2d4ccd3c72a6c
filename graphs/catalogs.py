"""Maintain the translation catalogs of :mod:`graphs.i18n`: extract, update, compile, check.

    python -m graphs.catalogs update    # texts of the code and templates -> each .po (kept translations)
    python -m graphs.catalogs compile   # each .po -> its .mo (what govlinks reads)
    python -m graphs.catalogs check     # exit 1 when a text lacks a translation or a .mo is stale

The same as ``pybabel extract -F babel.cfg -k rule:2 -k N_ . | pybabel update`` and
``pybabel compile``, with the keywords in one place (:data:`KEYWORDS`) so that the
test (``tests/test_i18n.py``) extracts exactly what a translator sees. Babel is used
here only at maintenance time; govlinks reads the ``.mo`` with the standard library.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from graphs.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

__all__ = ["KEYWORDS", "check", "compile_catalogs", "extract", "update"]

ROOT = LOCALE_DIR.parents[1]
MAPPING = ROOT / "babel.cfg"
# gettext keywords, and the rule registry: @rule(code, text) registers a text shown translated.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "rule": (2,)}
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}|%\((\w+)\)s")


def extract(root: Path = ROOT):  # type: ignore[no-untyped-def]
    """The catalog of every wrapped text of the code and templates (a babel Catalog)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog(domain=DOMAIN, project="govlinks", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po(language: str, locale_dir: Path) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _languages() -> Iterable[str]:
    return [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]


def update(locale_dir: Path = LOCALE_DIR) -> None:
    """Merge the extracted texts into each language's .po: new ones empty, gone ones dropped."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = extract()
    for language in _languages():
        path = _po(language, locale_dir)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=language, domain=DOMAIN)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="govlinks")
        template.creation_date = catalog.creation_date  # no date churn when nothing changed
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        catalog.copyright_holder = "the govlinks authors"
        catalog.msgid_bugs_address = "https://github.com/govlinks/govlinks/issues"
        catalog.last_translator = catalog.language_team = "govlinks"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:  # no line numbers: an edit elsewhere in a file changes no .po line
            write_po(f, catalog, width=100, sort_output=False, include_lineno=False)


def _compiled(po: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> None:
    """Write each language's .mo from its .po."""
    for language in _languages():
        po = _po(language, locale_dir)
        po.with_suffix(".mo").write_bytes(_compiled(po))


def _messages(catalog) -> dict[object, object]:  # type: ignore[no-untyped-def]
    def key(value: object) -> object:
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {key(m.id): key(m.string) for m in catalog if m.id}


def check(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """What is wrong with the catalogs: untranslated, fuzzy, obsolete or mis-placeheld texts, stale .mo."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    wanted = {m.id for m in extract() if m.id}
    problems: list[str] = []
    for language in _languages():
        po = _po(language, locale_dir)
        if not po.exists():
            problems.append(f"{po}: missing (python -m graphs.catalogs update)")
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(wanted, key=str):
            message = have.get(msgid)
            first = msgid[0] if isinstance(msgid, tuple) else msgid
            raw = message.string if message else None
            strings: tuple[object, ...] = tuple(raw) if isinstance(raw, (tuple, list)) else (raw,)
            if message is None or not all(strings):
                problems.append(f"{po}: no translation of {first!r}")
            elif message.fuzzy:
                problems.append(f"{po}: fuzzy translation of {first!r}")
            elif any(_names(first) != _names(s) for s in strings):
                problems.append(f"{po}: the translation of {first!r} has other placeholders")
        problems += [f"{po}: obsolete text {_first(i)!r}" for i in have if i not in wanted]
        mo = po.with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{mo}: missing (python -m graphs.catalogs compile)")
            continue
        with mo.open("rb") as f:
            compiled = _messages(read_mo(f))
        if compiled != {k: v for k, v in _messages(catalog).items() if v and v != ("", "")}:
            problems.append(f"{mo}: older than {po.name} (python -m graphs.catalogs compile)")
    return problems


def _first(msgid: object) -> object:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _names(text: object) -> list[str]:
    return sorted(a or b for a, b in _PLACEHOLDER.findall(str(text)))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_catalogs()
    elif command == "check":
        problems = check()
        print(*problems, sep="\n") if problems else print("catalogs: every text translated, .mo up to date")
        return 1 if problems else 0
    else:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
