"""Keep a seed list healthy: check it against the service-public vocabularies, and
build or refresh it from the public lists of State domains.

A seed list drifts: sites merge, move and close, and a theme id typed by hand can
be wrong. ``check_seeds`` reports every problem with ``file:line``, so that an
analyst fixes a 700-row spreadsheet in one pass; ``import_seeds`` merges a plain
list of hosts into a curated file without losing its annotations and without
silently deleting anything. Both return result objects; the CLI only prints.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.errors import SeedError
from crawler.seeds import COLUMNS, Seed, SeedList, load_seeds
from crawler.urls import site_host, site_id
from seeds.evidence import load_renames, renamed_operator_hosts, small_groups

__all__ = [
    "BUNDLED_DIR",
    "CheckResult",
    "ImportResult",
    "Problem",
    "SourceEntry",
    "SourceList",
    "Vocabulary",
    "check_seeds",
    "import_seeds",
    "is_staging_host",
    "load_vocabulary",
    "matches_suffix",
    "read_source",
    "write_seed_file",
]

# seeds/ (themes.csv, life_events.csv, sites.csv) sits next to crawler/, installed or not.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "seeds"

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
class Problem:
    """One finding of a check, printed as ``file:line: message``."""

    level: str  # "error" or "warning"
    path: str  # "" when the message already names file and line
    line: int
    message: str

    def __str__(self) -> str:
        text = f"warning: {self.message}" if self.level == "warning" else self.message
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {text}" if where else text


# -- vocabularies


@dataclass(frozen=True)
class Vocabulary:
    """Theme and life-event ids with their current labels (service-public.fr)."""

    themes: dict[str, str]
    life_events: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)  # lower-case label -> id

    def suggest(self, value: str) -> str | None:
        """The id whose label (current or former) is ``value``, for a 'did you mean'."""
        return self.aliases.get(value.strip().lower())


def _read_vocabulary(path: Path, aliases: dict[str, str]) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SeedError(f"{path}: vocabulary file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SeedError(f"{path}: cannot read vocabulary ({err})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    if "id" not in header or "label" not in header:
        raise SeedError(f"{path}:1: vocabulary needs 'id' and 'label' columns")
    labels: dict[str, str] = {}
    for row in reader:
        ident = (row.get("id") or "").strip()
        if not ident:
            raise SeedError(f"{path}:{reader.line_num}: missing id")
        if ident in labels:
            raise SeedError(f"{path}:{reader.line_num}: duplicate id {ident!r}")
        labels[ident] = (row.get("label") or "").strip()
        for column in header:
            if column.startswith("label") and (row.get(column) or "").strip():
                aliases.setdefault(row[column].strip().lower(), ident)
    return labels


def load_vocabulary(themes: str | Path | None = None, life_events: str | Path | None = None) -> Vocabulary:
    """Read themes.csv and life_events.csv (default: the bundled ones)."""
    aliases: dict[str, str] = {}
    return Vocabulary(
        themes=_read_vocabulary(Path(themes or BUNDLED_DIR / "themes.csv"), aliases),
        life_events=_read_vocabulary(Path(life_events or BUNDLED_DIR / "life_events.csv"), aliases),
        aliases=aliases,
    )


# -- check


@dataclass
class CheckResult:
    """Problems and per-group counts of one seed file."""

    path: Path
    vocabulary: Vocabulary
    seeds: SeedList | None
    problems: list[Problem]
    by_theme: dict[str, int] = field(default_factory=dict)
    by_life_event: dict[str, int] = field(default_factory=dict)
    by_organisation: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def sites(self) -> int:
        return len(self.seeds) if self.seeds is not None else 0

    def count(self, attribute: str) -> int:
        """Sites with a non-empty ``organisation``, ``themes``, ``life_events``…"""
        return sum(1 for seed in self.seeds or () if getattr(seed, attribute))

    def summary_lines(self) -> list[str]:
        """The per-theme, per-life-event and per-organisation summary, for printing."""
        lines: list[str] = []
        if self.seeds is not None:
            n = self.sites
            themed = self.count("themes")
            lines.append(
                f"{self.path}: {n} sites, {self.count('organisation')} with an organisation, "
                f"{themed} with a theme ({100 * themed / n:.1f}%), "
                f"{self.count('life_events')} with a life event"
            )
            for title, counts, labels in (
                ("themes", self.by_theme, self.vocabulary.themes),
                ("life events", self.by_life_event, self.vocabulary.life_events),
            ):
                used = sum(1 for ident in labels if counts.get(ident))
                lines.append(f"{title}: {used} of {len(labels)} used")
                lines += [f"  {ident:<8} {counts.get(ident, 0):>4}  {labels[ident]}" for ident in labels]
            lines.append(f"organisations: {len(self.by_organisation)}")
            lines += [f"  {count:>4}  {name}" for name, count in self.by_organisation.items()]
        errors, warnings = len(self.errors), len(self.warnings)
        lines.append(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
        return lines


def _overlaps(seeds: SeedList, path: str) -> list[Problem]:
    """Path-prefix sites nested in another path-prefix site of the same host.

    Attribution stays well defined (the longest prefix wins), so this is a warning:
    the outer site's crawl and figures silently lose the inner site's pages.
    """
    prefixed: dict[str, list[Seed]] = {}
    for seed in seeds:
        if "/" in seed.site:
            prefixed.setdefault(site_host(seed.site), []).append(seed)
    problems = []
    for group in prefixed.values():
        for inner in group:
            for outer in group:
                if inner.site.startswith(outer.site + "/"):
                    problems.append(
                        Problem(
                            "warning",
                            path,
                            inner.line,
                            f"site {inner.site!r} is nested in site {outer.site!r} (line {outer.line}): "
                            "its pages count for the inner site only",
                        )
                    )
    return problems


def _unknown(kind: str, value: str, known: dict[str, str], vocabulary: Vocabulary) -> str:
    hint = vocabulary.suggest(value)
    tip = f" (did you mean {hint}?)" if hint in known else ""
    return f"unknown {kind} {value!r}{tip}"


def check_seeds(path: str | Path, vocabulary: Vocabulary | None = None) -> CheckResult:
    """Check a seed file: structure (via load_seeds), vocabulary ids, nested prefixes.

    Structural problems (columns, URLs, duplicate sites) stop at the first, as they
    do for a crawl; vocabulary and prefix problems are all reported.
    """
    path = Path(path)
    vocabulary = vocabulary or load_vocabulary()
    try:
        seeds = load_seeds(path)
    except SeedError as err:
        return CheckResult(path, vocabulary, None, [Problem("error", "", 0, str(err))])
    problems: list[Problem] = []
    themes: Counter[str] = Counter()
    life_events: Counter[str] = Counter()
    organisations: Counter[str] = Counter()
    for seed in seeds:
        for kind, values, known in (
            ("theme", seed.themes, vocabulary.themes),
            ("life event", seed.life_events, vocabulary.life_events),
        ):
            problems += [
                Problem("error", str(path), seed.line, _unknown(kind, value, known, vocabulary))
                for value in values
                if value not in known
            ]
        themes.update(set(seed.themes))
        life_events.update(set(seed.life_events))
        organisations[seed.organisation or "(none)"] += 1
    problems += _overlaps(seeds, str(path))
    for line, message in small_groups(seeds, vocabulary) + renamed_operator_hosts(seeds, load_renames()):
        problems.append(Problem("warning", str(path), line, message))
    problems.sort(key=lambda p: p.line)
    return CheckResult(
        path,
        vocabulary,
        seeds,
        problems,
        by_theme=dict(themes),
        by_life_event=dict(life_events),
        by_organisation=dict(sorted(organisations.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


# -- import


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


def write_seed_file(path: str | Path, text: str) -> None:
    """Replace ``path`` atomically, so that an interrupted import leaves the old file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise SeedError(f"{path}: cannot write seed file ({err.strerror})") from None
