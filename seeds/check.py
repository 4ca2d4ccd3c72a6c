"""``govlinks seeds check``: every problem of a seed list, with ``file:line``.

A seed list drifts: sites merge, move and close, and a theme id typed by hand can
be wrong. :func:`check_seeds` reports every problem at once, so that an analyst
fixes a 700-row spreadsheet in one pass, and counts the sites per theme, life event
and organisation. It returns a :class:`CheckResult`; the CLI only prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crawler.seeds import Seed, SeedList, read_seeds
from crawler.urls import site_host
from seeds.evidence import load_renames, renamed_operator_hosts, small_groups
from seeds.vocabulary import Vocabulary, load_vocabulary

__all__ = ["CheckResult", "Problem", "check_seeds"]


@dataclass(frozen=True)
class Problem:
    """One finding of a check, printed as ``file:line: message`` (``seeds import`` uses it
    too, for the entries of a source it skips).

    >>> print(Problem("warning", "sites.csv", 4, "site 'a.gouv.fr/x/y' is nested in site 'a.gouv.fr/x'"))
    sites.csv:4: warning: site 'a.gouv.fr/x/y' is nested in site 'a.gouv.fr/x'
    """

    level: str  # "error" or "warning"
    path: str  # "" when the message already names file and line
    line: int
    message: str

    def __str__(self) -> str:
        text = f"warning: {self.message}" if self.level == "warning" else self.message
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {text}" if where else text


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


def _line(message: str) -> int:
    """The line a ``file:line: message`` names (0 when none)."""
    parts = message.split(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0


def _after_line(message: str) -> str:
    """The message of a ``file:line: message``, without its place (the Problem prints it)."""
    return message.split(":", 2)[2].strip() if _line(message) else message


def check_seeds(path: str | Path, vocabulary: Vocabulary | None = None) -> CheckResult:
    """Check a seed file: structure, vocabulary ids, nested prefixes: every problem in one run.

    A file that cannot be read as a seed list at all (missing, not UTF-8, no
    ``url`` column) has that one problem; otherwise every bad row (URL, extra
    fields, duplicate site) is listed with the vocabulary and prefix problems,
    and the valid rows are checked and counted.
    """
    path = Path(path)
    vocabulary = vocabulary or load_vocabulary()
    seeds, structural = read_seeds(path)
    rows = [Problem("error", "", 0, message) for message in structural]
    if seeds is None:
        return CheckResult(path, vocabulary, None, rows)
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
    problems += [Problem("error", str(path), _line(p.message), _after_line(p.message)) for p in rows]
    problems.sort(key=lambda p: p.line)
    return CheckResult(
        path,
        vocabulary,
        None if rows else seeds,  # no summary of a file with broken rows: its counts would mislead
        problems,
        by_theme=dict(themes),
        by_life_event=dict(life_events),
        by_organisation=dict(sorted(organisations.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
