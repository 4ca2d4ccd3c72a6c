"""Read and validate a seed list: one CSV row per site.

Errors name ``file:line`` so that an analyst editing a 650-row spreadsheet finds
the culprit at once. A crawl stops at the first error (:func:`load_seeds`)
because a crawl on a half-valid list would silently skip sites; ``govlinks seeds
check`` reads on and lists every problem of the file in one run
(:func:`read_seeds`). A list saved by a spreadsheet with semicolons (or tabs)
between cells is read as such: the separator is the one that yields a ``url``
column in the header.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import SeedError
from crawler.urls import site_id

__all__ = ["COLUMNS", "Seed", "SeedList", "load_seeds", "read_seeds", "split_values"]

COLUMNS = ("url", "name", "organisation", "themes", "life_events")


def split_values(cell: str | None) -> tuple[str, ...]:
    """Split a ``|``-separated cell into trimmed, non-empty values.

    >>> split_values(" N19803 | N19808 ||")
    ('N19803', 'N19808')
    """
    if not cell:
        return ()
    return tuple(v.strip() for v in cell.split("|") if v.strip())


@dataclass(frozen=True)
class Seed:
    """One site of the seed list."""

    site: str
    url: str
    line: int
    name: str = ""
    organisation: str = ""
    themes: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()


@dataclass
class SeedList:
    """The parsed seed file, with the checksum recorded in each crawl."""

    path: Path
    seeds: list[Seed]
    sha256: str
    extra_columns: list[str] = field(default_factory=list)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.seeds)

    def __len__(self) -> int:
        return len(self.seeds)

    def by_site(self) -> dict[str, Seed]:
        return {seed.site: seed for seed in self.seeds}


def _check_url(url: str, where: str) -> str:
    if not url:
        raise SeedError(f"{where}: missing url")
    if any(c.isspace() for c in url):
        raise SeedError(f"{where}: bad URL {url!r} (contains white space)")
    sid = site_id(url)
    if sid is None or not url.lower().startswith(("http://", "https://")):
        raise SeedError(f"{where}: bad URL {url!r} (need an absolute http or https URL)")
    return sid


def load_seeds(path: str | Path) -> SeedList:
    """Parse a seed CSV; raise SeedError naming file:line on the first problem."""
    seeds, problems = read_seeds(path)
    if problems:
        raise SeedError(problems[0])
    assert seeds is not None  # no problem: a seed list
    return seeds


def _delimiter(header: str) -> str:
    """The separator of a seed file: the first of ``,``, ``;`` and tab that gives a ``url`` column.

    >>> _delimiter("url,name"), _delimiter("url;name;themes"), _delimiter("name\\turl")
    (',', ';', '\\t')
    """
    for delimiter in (",", ";", "\t"):
        if "url" in (h.strip() for h in next(csv.reader([header], delimiter=delimiter))):
            return delimiter
    return ","


def read_seeds(path: str | Path) -> tuple[SeedList | None, list[str]]:
    """Parse a seed CSV and list every problem (``file:line: message``), in line order.

    The seed list is None when the file cannot be read as one (no file, not UTF-8,
    no ``url`` column, no site); otherwise it holds the valid rows.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [f"{path}: seed file not found"]
    except OSError as err:
        return None, [f"{path}: cannot read seed file ({err.strerror})"]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return None, [f"{path}: not UTF-8 (byte {err.start})"]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return None, [f"{path}:1: empty seed file (need a header with a 'url' column)"]
    delimiter = _delimiter(lines[0])
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if "url" not in header:
        hint = ""
        if ";" in lines[0] or "\t" in lines[0]:
            hint = " (separators tried: comma, semicolon, tab; the header needs a column named exactly 'url')"
        return None, [f"{path}:1: no 'url' column in header {delimiter.join(header)!r}{hint}"]
    seeds: list[Seed] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        where = f"{path}:{line}"
        if None in row:
            problems.append(f"{where}: more fields than the header has")
            continue
        if not any((v or "").strip() for v in row.values()):
            continue  # blank line
        url = (row.get("url") or "").strip()
        try:
            sid = _check_url(url, where)
        except SeedError as err:
            problems.append(str(err))
            continue
        if sid in first_line:
            problems.append(f"{where}: duplicate site {sid!r} (already defined on line {first_line[sid]})")
            continue
        first_line[sid] = line
        seeds.append(
            Seed(
                site=sid,
                url=url,
                line=line,
                name=(row.get("name") or "").strip(),
                organisation=(row.get("organisation") or "").strip(),
                themes=split_values(row.get("themes")),
                life_events=split_values(row.get("life_events")),
            )
        )
    if not seeds and not problems:
        return None, [f"{path}: no sites in seed file"]
    extra = [h for h in header if h not in COLUMNS]
    return SeedList(path, seeds, hashlib.sha256(raw).hexdigest(), extra), problems
