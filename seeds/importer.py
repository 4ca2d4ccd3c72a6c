"""``govlinks seeds import``: build or refresh a seed list from a public list of State domains.

:func:`import_seeds` merges a plain list of hosts (or a CSV with a ``url`` or
``host`` column) into a curated seed file without losing its annotations and
without silently deleting anything: sites gone from the source are reported as
vanished and kept unless asked. Staging and test hosts are filtered out on the way
(:func:`is_staging_host`, also used by ``seeds/build_sites.py``). The result is an
:class:`ImportResult`; the CLI prints it or writes it with
:func:`crawler.fileio.write_text_atomic`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.errors import SeedError
from crawler.seeds import COLUMNS, load_seeds
from crawler.urls import site_host, site_id
from seeds.check import Problem

__all__ = [
    "ImportResult",
    "SourceEntry",
    "SourceList",
    "import_seeds",
    "is_staging_host",
    "matches_suffix",
    "read_source",
]

# A host is a staging or test instance when one of its labels (the top-level domain
# aside) is one of these words, optionally followed by digits (``dev``, ``test2``,
# ``int``, ``bas`` = bac à sable), or starts or ends with an unambiguous one joined by
# a hyphen (``integration-pof``, ``monsite-preprod``). ``bas-rhin`` or ``demonstrateur``
# do not match: only whole words count.
_STAGING_LABEL = re.compile(
    r"^(?:staging|stg|test|tests|testing|recette|rec|preprod|pre-prod|preproduction|ppd|dev|"
    r"demo|sandbox|bas|qualif|qualification|integration|int|uat|review|preview)\d*$"
)
_STAGING_AFFIX = re.compile(
    r"^(?:staging|recette|preprod|pre-prod|qualif|qualification|integration|sandbox)-"
    r"|-(?:staging|recette|preprod|qualif|integration|sandbox|dev|test)$"
)


# "mailto:", "tel:", "javascript:"… but not "host:8080".
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")


def is_staging_host(host: str) -> bool:
    """True for staging, test, acceptance and development hosts.

    >>> [is_staging_host(h) for h in ("preprod.impots.gouv.fr", "integration-pof.interieur.gouv.fr")]
    [True, True]
    >>> [is_staging_host(h) for h in ("bas-rhin.gouv.fr", "demonstrateur.api.gouv.fr", "wmo.int")]
    [False, False, False]
    """
    labels = host.lower().split(":", 1)[0].split(".")[:-1]
    return any(_STAGING_LABEL.match(label) or _STAGING_AFFIX.search(label) for label in labels)


def matches_suffix(host: str, suffixes: Iterable[str]) -> bool:
    """True when ``host`` is one of ``suffixes`` or under it (label boundary); no suffix keeps all.

    >>> matches_suffix("impots.gouv.fr", ["gouv.fr"]), matches_suffix("legouv.fr", [".gouv.fr"])
    (True, False)
    """
    host = host.lower().split(":", 1)[0]
    wanted = [s.lower().strip(".") for s in suffixes]
    return not wanted or any(host == s or host.endswith("." + s) for s in wanted)


@dataclass(frozen=True)
class SourceEntry:
    """One usable URL of a source list."""

    line: int
    url: str
    site: str


@dataclass
class SourceList:
    """The usable entries of a source list and what was left out, by reason."""

    path: Path
    entries: list[SourceEntry]
    skipped: Counter[str] = field(default_factory=Counter)
    malformed: list[Problem] = field(default_factory=list)


def _source_values(path: Path) -> Iterable[tuple[int, str]]:
    """``(line, value)`` of a plain list (one URL or host a line) or a CSV with url/host."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SeedError(f"{path}: source file not found") from None
    except OSError as err:
        raise SeedError(f"{path}: cannot read source ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise SeedError(f"{path}: not UTF-8 (byte {err.start})") from None
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    delimiter = next((d for d in ",;\t" if d in first), None)
    one_column = first.strip().lower() in ("url", "host")
    if (delimiter is None and not one_column) or "://" in first:
        for number, line in enumerate(lines, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                yield number, line.strip()
        return
    reader = csv.DictReader(lines, delimiter=delimiter or ",")
    header = {h.strip().lower(): h for h in reader.fieldnames or []}
    column = header.get("url") or header.get("host")
    if column is None:
        raise SeedError(f"{path}:1: no 'url' or 'host' column in header {first.strip()!r}")
    for row in reader:
        value = (row.get(column) or "").strip()
        if value:
            yield reader.line_num, value


def _source_url(value: str) -> tuple[str | None, str]:
    """``(url, "")`` for a usable value, else ``(None, reason)``: a bare host becomes https."""
    if any(c.isspace() for c in value):
        return None, "malformed"
    if "://" not in value and not _SCHEME.match(value):
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None, "malformed"
    if parts.scheme.lower() not in ("http", "https"):
        return None, "not http(s)"
    if not host or "." not in host:
        return None, "malformed"
    try:
        host = host.encode("idna").decode("ascii")  # one spelling for IDN hosts
    except UnicodeError:
        return None, "malformed"
    if is_staging_host(host):
        return None, "staging/test host"
    netloc = host + (f":{port}" if port else "")
    return f"{parts.scheme.lower()}://{netloc}{parts.path}", ""


def read_source(path: str | Path, suffixes: Sequence[str] = ()) -> SourceList:
    """Read a list of URLs or hosts: fold, filter and dedupe it by site id.

    Non-http(s) URLs, staging/test hosts and hosts outside ``suffixes`` are counted
    in ``skipped``; unreadable entries are listed in ``malformed`` with file:line.
    Of two URLs of one site (``http``/``https``, ``www.`` or not) the https one wins.
    """
    path = Path(path)
    result = SourceList(path, [])
    index: dict[str, int] = {}
    for line, value in _source_values(path):
        url, reason = _source_url(value)
        sid = site_id(url) if url else None
        if url is None or sid is None:
            result.skipped[reason or "malformed"] += 1
            if reason in ("malformed", ""):
                result.malformed.append(Problem("warning", str(path), line, f"skipped {value!r} (not a URL)"))
            continue
        if not matches_suffix(site_host(sid), suffixes):
            result.skipped["outside --suffix"] += 1
            continue
        entry = SourceEntry(line, url, sid)
        if sid not in index:
            index[sid] = len(result.entries)
            result.entries.append(entry)
        elif url.startswith("https:") and result.entries[index[sid]].url.startswith("http:"):
            result.entries[index[sid]] = entry
    return result


@dataclass
class ImportResult:
    """The merged seed rows and what changed."""

    header: list[str]
    rows: list[dict[str, str]]
    added: list[str]
    vanished: list[tuple[str, int]]  # (site, line in the --into file)
    kept: int
    dropped: bool
    source: SourceList

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, self.header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()

    def report_lines(self) -> list[str]:
        vanished = f"vanished {len(self.vanished)}" + (" (dropped)" if self.dropped and self.vanished else "")
        lines = [f"added {len(self.added)}, {vanished}, kept {self.kept}"]
        lines += [f"added: {site}" for site in self.added]
        action = "dropped" if self.dropped else "kept, --drop-vanished removes it"
        lines += [f"vanished: {site} (line {line}, {action})" for site, line in self.vanished]
        if self.source.skipped:
            parts = ", ".join(f"{n} {reason}" for reason, n in sorted(self.source.skipped.items()))
            lines.append(f"skipped: {parts}")
        lines += [str(problem) for problem in self.source.malformed]
        return lines


def _existing_rows(path: Path) -> tuple[list[str], list[tuple[str, int, dict[str, str]]]]:
    seeds = load_seeds(path)  # validates, with file:line errors
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    by_line = {seed.line: seed.site for seed in seeds}
    rows = [(by_line[reader.line_num], reader.line_num, row) for row in reader if reader.line_num in by_line]
    return header, rows


def import_seeds(
    source: str | Path,
    *,
    into: str | Path | None = None,
    suffixes: Sequence[str] = (),
    drop_vanished: bool = False,
) -> ImportResult:
    """Build a seed list from ``source``, or merge it into the seed file ``into``.

    Rows of ``into`` keep their URL and annotations. A row is *vanished* when its
    host is within ``suffixes`` but no longer in the source; it stays in the file
    unless ``drop_vanished``. New sites are appended, sorted, with empty annotations.
    """
    src = read_source(source, suffixes)
    if not src.entries:
        raise SeedError(f"{source}: no usable URL in source (after filters)")
    header: list[str] = list(COLUMNS)
    existing: list[tuple[str, int, dict[str, str]]] = []
    if into is not None and Path(into).exists():
        header, existing = _existing_rows(Path(into))
        header += [column for column in COLUMNS if column not in header]
    in_source = {e.site for e in src.entries} | {site_host(e.site) for e in src.entries}
    rows: list[dict[str, str]] = []
    vanished: list[tuple[str, int]] = []
    kept = 0
    for site, line, row in existing:
        host = site_host(site)
        if site in in_source or host in in_source or not matches_suffix(host, suffixes):
            kept += 1
        else:
            vanished.append((site, line))
            if drop_vanished:
                continue
        rows.append(row)
    known = {site for site, _, _ in existing}
    new = sorted((e for e in src.entries if e.site not in known), key=lambda e: e.site)
    rows += [{"url": e.url} for e in new]
    return ImportResult(header, rows, [e.site for e in new], vanished, kept, drop_vanished, src)
