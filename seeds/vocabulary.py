"""Theme and life-event vocabularies: one reader, two strictnesses, one lookup.

A vocabulary is a CSV with an ``id`` and a ``label`` column (service-public.fr ids
such as ``N19803``), maybe former labels (``label_2020``) and, for life events, the
``themes`` they belong to. Two callers want different things from the same file:

- ``govlinks seeds check`` and the demo generator need the file to be right, so
  :func:`read_vocabulary` with ``strict=True`` stops at the first problem with
  ``file:line``;
- a report only needs labels to show, so ``strict=False`` never fails: a missing,
  unreadable or label-less file gives no labels and the ids are shown instead.

Which files apply to a crawl is decided once, by :func:`labels_near` and
:func:`theme_order`: the ``themes.csv`` and ``life_events.csv`` next to the crawl's
seed list win over the bundled ones, so that a custom seed list can bring its own
vocabulary.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import SeedError
from seeds import BUNDLED_DIR, LIFE_EVENTS_CSV, THEMES_CSV

__all__ = [
    "Term",
    "Vocabulary",
    "labels_near",
    "load_vocabulary",
    "read_labels",
    "read_vocabulary",
    "theme_order",
]

# Label columns accepted when reading leniently, in order of preference (label files
# made elsewhere say "title" or "name"); a strict read wants "label".
_LENIENT_LABELS = ("label", "title", "name")


@dataclass(frozen=True)
class Term:
    """One row of a vocabulary."""

    id: str
    label: str  # "" when the row has none
    line: int  # line of the row in its file, for messages
    other_labels: tuple[str, ...] = ()  # non-empty values of the other label* columns (label_2020…)
    themes: tuple[str, ...] = ()  # a life event's theme ids (the "themes" column, "|"-separated)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every non-empty label of the term, current one first: what a user may type for it."""
        return tuple(text for text in (self.label, *self.other_labels) if text)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def read_vocabulary(path: str | Path, *, strict: bool) -> dict[str, Term]:
    """The terms of a vocabulary file by id, in file order.

    Strict: a missing or unreadable file, a header without ``id`` and ``label``, a
    row without id or a duplicate id raise :class:`SeedError` naming ``file:line``.
    Lenient: any of those gives no terms (rows without id are skipped, a duplicate
    id takes the last row's label), and ``title`` or ``name`` stand in for a
    missing ``label`` column.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "themes.csv"
    >>> _ = path.write_text("id,label,label_2020\\nN19806,Travail - Formation,Travail\\n", encoding="utf-8")
    >>> read_vocabulary(path, strict=True)["N19806"].labels
    ('Travail - Formation', 'Travail')
    >>> read_vocabulary(path.with_name("nowhere.csv"), strict=False)
    {}
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if strict:
            raise SeedError(f"{path}: vocabulary file not found") from None
        return {}
    except (OSError, UnicodeDecodeError) as err:
        if strict:
            raise SeedError(f"{path}: cannot read vocabulary ({err})") from None
        return {}
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    label = "label" if strict else next((c for c in _LENIENT_LABELS if c in header), None)
    if "id" not in header or label is None or label not in header:
        if strict:
            raise SeedError(f"{path}:1: vocabulary needs 'id' and 'label' columns")
        return {}
    others = [c for c in header if c.startswith("label") and c != label]
    terms: dict[str, Term] = {}
    for row in reader:
        ident = (row.get("id") or "").strip()
        if not ident:
            if strict:
                raise SeedError(f"{path}:{reader.line_num}: missing id")
            continue
        if strict and ident in terms:
            raise SeedError(f"{path}:{reader.line_num}: duplicate id {ident!r}")
        terms[ident] = Term(
            id=ident,
            label=(row.get(label) or "").strip(),
            line=reader.line_num,
            other_labels=tuple(v for v in ((row.get(c) or "").strip() for c in others) if v),
            themes=_split(row.get("themes") or ""),
        )
    return terms


def read_labels(path: str | Path) -> dict[str, str]:
    """Labels by id of a vocabulary file, read leniently (no file: no labels).

    >>> read_labels("nowhere.csv")
    {}
    """
    return {ident: term.label for ident, term in read_vocabulary(path, strict=False).items()}


@dataclass(frozen=True)
class Vocabulary:
    """Theme and life-event ids with their current labels (service-public.fr)."""

    themes: dict[str, str]
    life_events: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)  # lower-case label (current or former) -> id
    life_event_themes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # life event -> theme ids

    def suggest(self, value: str) -> str | None:
        """The id whose label (current or former) is ``value``, for a 'did you mean'."""
        return self.aliases.get(value.strip().lower())


def load_vocabulary(themes: str | Path | None = None, life_events: str | Path | None = None) -> Vocabulary:
    """Read themes.csv and life_events.csv strictly (default: the bundled ones).

    >>> vocab = load_vocabulary()
    >>> vocab.themes["N19806"], vocab.suggest("travail"), vocab.life_event_themes["F17649"]
    ('Travail - Formation', 'N19806', ('N19805',))
    """
    theme_terms = read_vocabulary(themes or THEMES_CSV, strict=True)
    event_terms = read_vocabulary(life_events or LIFE_EVENTS_CSV, strict=True)
    aliases: dict[str, str] = {}
    for term in (*theme_terms.values(), *event_terms.values()):
        for text in term.labels:
            aliases.setdefault(text.lower(), term.id)
    return Vocabulary(
        themes={ident: term.label for ident, term in theme_terms.items()},
        life_events={ident: term.label for ident, term in event_terms.items()},
        aliases=aliases,
        life_event_themes={ident: term.themes for ident, term in event_terms.items()},
    )


# -- the vocabulary of a crawl


def _folders(seeds_path: str | Path | None) -> list[Path]:
    """Where a crawl's vocabularies are looked for, first match first: beside its seed
    list, then the bundled folder."""
    folders = [Path(seeds_path).parent] if seeds_path else []
    return [*folders, BUNDLED_DIR]


def labels_near(seeds_path: str | Path | None = None) -> dict[str, str]:
    """Labels of themes and life events for a crawl of ``seeds_path``.

    ``themes.csv`` and ``life_events.csv`` next to the seed list win, id by id, over
    the bundled ones; files are read leniently, so ids without a label stay
    unlabelled (reports show the id).

    >>> labels = labels_near()
    >>> labels["N19803"], labels["F14128"]
    ('Argent - Impôts - Consommation', 'Je déménage')
    """
    labels: dict[str, str] = {}
    for folder in reversed(_folders(seeds_path)):  # the seed list's own labels last, so they win
        for name in (THEMES_CSV.name, LIFE_EVENTS_CSV.name):
            labels.update(read_labels(folder / name))
    return labels


def theme_order(seeds_path: str | Path | None = None) -> list[str]:
    """Theme ids in the order of the first ``themes.csv`` with labels: next to the seed
    list, else the bundled one. That order fixes each theme's colour in the graph
    exports, so it comes from one file, not a merge.

    >>> theme_order()[:2]
    ['N19803', 'N19804']
    """
    for folder in _folders(seeds_path):
        order = list(read_labels(folder / THEMES_CSV.name))
        if order:
            return order
    return []
