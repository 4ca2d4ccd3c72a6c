"""The bundled seed list against service-public.fr's own evidence (issue 16).

The acceptance figures are computed from the tables shipped in seeds/ (evidence.csv,
renamed_hosts.csv, exclusions.csv), so they run on a fresh clone. Only the
byte-for-byte rebuild needs the raw export: it looks for ../shared/data beside the
repository, or the folder named by GOVLINKS_DATA, and skips without either.
"""

from __future__ import annotations

import csv
import doctest
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import tldextract
from click.testing import CliRunner

import seeds.build_evidence
import seeds.evidence
from cli import main
from crawler.seeds import load_seeds
from seeds.check import check_seeds
from seeds.evidence import (
    EvidenceRow,
    Renames,
    coverage,
    excluded_by,
    group_evidence,
    load_evidence,
    load_exclusions,
    load_renames,
    renamed_operator_hosts,
    small_groups,
)
from seeds.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def read(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def domain(host: str) -> str:
    return EXTRACT(host).top_domain_under_public_suffix or host


def independent_evidence() -> dict[str, dict[str, set[str]]]:
    """Life event -> kept domain -> fiches, straight from the shipped CSV files, without
    seeds.evidence: renames (host, or host and subdomains), exclusions, >= 2 fiches."""
    renamed = {r["old"]: (r["new"], r["subdomains"] == "yes") for r in read("renamed_hosts.csv")}
    excluded = {r["domain"] for r in read("exclusions.csv")}

    def current(host: str) -> str:
        for old, (new, subdomains) in renamed.items():
            if host == old or (subdomains and host.endswith("." + old)):
                return new
        return host

    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in read("evidence.csv"):
        if row["kind"] != "life_event":
            continue
        host = current(row["host"])
        labels = host.split(".")
        if any(".".join(labels[i:]) in excluded for i in range(len(labels))):
            continue
        found[row["group"]][domain(host)] |= set(row["fiches"].split("|"))
    return {g: {d: f for d, f in doms.items() if len(f) >= 2} for g, doms in found.items()}


# -- the acceptance figures of issue 16


def test_every_life_event_covers_its_evidence_and_has_five_sites() -> None:
    seeds = load_seeds(SEEDS / "sites.csv")
    events = [r["id"] for r in read("life_events.csv")]
    evidence = independent_evidence()
    assert sum(len(d) for d in evidence.values()) == 90  # domains named, all life events together
    for event in events:
        members = [s for s in seeds if event in s.life_events]
        held = {domain(s.site.split("/")[0]) for s in members}
        named = set(evidence.get(event, {}))
        covered = named & held
        assert len(members) >= 5, (event, len(members))
        assert len(covered) >= 0.95 * len(named), (event, sorted(named - held))


def test_the_module_agrees_with_the_independent_reading() -> None:
    ours = group_evidence(load_evidence(), load_renames(), load_exclusions())
    theirs = independent_evidence()
    for event, domains in theirs.items():
        assert {d: set(e.fiches) for d, e in ours["life_event", event].items()} == domains
    vocab = load_vocabulary()
    result = coverage(load_seeds(SEEDS / "sites.csv"), ours, "life_event", vocab.life_events)
    assert [c.group for c in result] == list(vocab.life_events)
    assert all(c.share >= 0.95 for c in result)
    themes = coverage(load_seeds(SEEDS / "sites.csv"), ours, "theme", vocab.themes)
    assert all(c.sites >= 5 for c in themes)
    assert sum(len(c.domains) for c in themes) > 250


def test_the_journeys_the_issue_named_are_now_covered() -> None:
    ev = group_evidence(load_evidence(), load_renames(), load_exclusions())
    childcare = ev["life_event", "F601"]
    assert {"francetravail.fr", "urssaf.fr"} <= set(childcare)
    assert "pole-emploi.fr" not in childcare  # counted under the current name only
    assert len(childcare["francetravail.fr"].fiches) == 5
    assert "reseau-canope.fr" in ev["life_event", "F24610"]
    assert "ecologie.gouv.fr" in ev["life_event", "F15913"]  # the former cohesion-territoires pages
    everything = {d for domains in ev.values() for d in domains}
    for left_out in (
        "service-public.fr",
        "legifrance.gouv.fr",
        "europa.eu",
        "assemblee-nationale.fr",
        "paris.fr",
    ):
        assert left_out not in everything
    sites = load_seeds(SEEDS / "sites.csv").by_site()
    assert sites["francetravail.fr"].organisation == "Ministère du Travail"
    assert {"F601", "F17556", "F2485"} <= set(sites["francetravail.fr"].life_events)
    assert "F601" in sites["pajemploi.urssaf.fr"].life_events
    assert "csa.fr" not in sites and "arcom.fr" in sites


# -- provenance


def test_tags_csv_has_one_row_per_tag_with_its_source() -> None:
    seeds = load_seeds(SEEDS / "sites.csv")
    expected = {(s.site, "theme", t) for s in seeds for t in s.themes}
    expected |= {(s.site, "life_event", e) for s in seeds for e in s.life_events}
    tags = read("tags.csv")
    assert {(t["site"], t["kind"], t["group"]) for t in tags} == expected
    assert len(tags) == len(expected)
    assert {t["source"] for t in tags} == {"curated", "evidence", "curated+evidence"}
    linked: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in read("evidence.csv"):
        linked[row["kind"], row["group"]] |= set(row["fiches"].split("|"))
    for t in tags:
        examples = [f for f in t["examples"].split("|") if f]
        assert len(examples) == min(3, int(t["fiches"]))
        assert set(examples) <= linked[t["kind"], t["group"]]
    francetravail = {(t["kind"], t["group"]): t for t in tags if t["site"] == "francetravail.fr"}
    assert francetravail["life_event", "F601"]["source"] == "evidence"
    assert francetravail["life_event", "F601"]["fiches"] == "5"
    assert francetravail["life_event", "F17556"]["source"] == "curated+evidence"  # also the keyword rule


# -- the pure functions


def test_renames_hosts_and_whole_domains() -> None:
    renames = load_renames()
    assert renames.current("candidat.pole-emploi.fr") == "francetravail.fr"
    assert renames.current("www.solidarites-sante.gouv.fr") == "sante.gouv.fr"
    assert renames.current("drees.solidarites-sante.gouv.fr") == "drees.solidarites-sante.gouv.fr"
    assert renames.current("teleservices.ac-rouen.fr") == "ac-normandie.fr"
    assert renames.former("francetravail.fr") is None


def test_exclusions_cover_hosts_under_an_entry_but_not_siblings() -> None:
    exclusions = load_exclusions()
    assert excluded_by("formulaires.service-public.fr", exclusions) == "service-public.fr"
    assert excluded_by("eur-lex.europa.eu", exclusions) == "europa.eu"
    assert excluded_by("impots.gouv.fr", exclusions) is None
    assert excluded_by("www.drieat.ile-de-france.developpement-durable.gouv.fr", exclusions) is None


def test_group_evidence_counts_a_fiche_once_per_domain() -> None:
    rows = [
        EvidenceRow("life_event", "F1", "a.x.fr", frozenset({"F10"})),
        EvidenceRow("life_event", "F1", "b.x.fr", frozenset({"F10"})),
        EvidenceRow("life_event", "F1", "old.fr", frozenset({"F10"})),
        EvidenceRow("life_event", "F1", "y.fr", frozenset({"F11"})),
        EvidenceRow("theme", "N1", "z.x.fr", frozenset({"F12"})),
    ]
    found = group_evidence(rows, Renames(domains={"old.fr": "c.x.fr"}), {}, minimum=2)
    assert found["life_event", "F1"] == {}  # x.fr: one fiche through three hosts
    found = group_evidence(rows, Renames(domains={"old.fr": "c.x.fr"}), {}, minimum=1)
    x = found["life_event", "F1"]["x.fr"]
    assert set(x.hosts) == {"a.x.fr", "b.x.fr", "c.x.fr"} and x.fiches == {"F10"}
    assert set(found["theme", "N1"]) == {"x.fr"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "url,name,organisation,themes,life_events\n"
THEMES = "id,label\nN1,Argent\nN2,Logement\n"
EVENTS = "id,label\nF1,Je déménage\nF2,J'attends un enfant\n"


def test_small_groups_names_the_lines_of_thin_groups(tmp_path: Path) -> None:
    vocab = load_vocabulary(write(tmp_path, "t.csv", THEMES), write(tmp_path, "e.csv", EVENTS))
    rows = "".join(f"https://s{i}.gouv.fr,S,O,N1,{'F1' if i < 2 else ''}\n" for i in range(6))
    seeds = load_seeds(write(tmp_path, "s.csv", HEADER + rows))
    assert small_groups(seeds, vocab) == [
        (0, "theme N2 (Logement) has 0 sites, fewer than 5"),
        (0, "life event F1 (Je déménage) has 2 sites (lines 2, 3), fewer than 5"),
        (0, "life event F2 (J'attends un enfant) has 0 sites, fewer than 5"),
    ]
    assert small_groups(seeds, vocab, minimum=2) == [
        (0, "theme N2 (Logement) has 0 sites, fewer than 2"),
        (0, "life event F2 (J'attends un enfant) has 0 sites, fewer than 2"),
    ]
    # a list shorter than the minimum, or a kind no site carries, makes no claim
    assert small_groups(list(seeds)[:4], vocab) == []
    bare = load_seeds(
        write(tmp_path, "b.csv", "url\n" + "".join(f"https://s{i}.gouv.fr\n" for i in range(6)))
    )
    assert small_groups(bare, vocab) == []


def test_renamed_operator_hosts_name_the_line(tmp_path: Path) -> None:
    seeds = load_seeds(
        write(tmp_path, "s.csv", "url\nhttps://www.impots.gouv.fr\nhttps://candidat.pole-emploi.fr/offres\n")
    )
    assert renamed_operator_hosts(seeds, load_renames()) == [
        (3, "site 'candidat.pole-emploi.fr/offres' is a former name: the operator is now 'francetravail.fr'")
    ]


def test_check_warns_with_file_and_line(tmp_path: Path) -> None:
    vocab = load_vocabulary(write(tmp_path, "t.csv", THEMES), write(tmp_path, "e.csv", EVENTS))
    rows = "".join(f"https://s{i}.gouv.fr,S,O,N1|N2,F1|F2\n" for i in range(5))
    path = write(tmp_path, "s.csv", HEADER + rows + "https://www.csa.fr,CSA,O,N1,\n")
    result = check_seeds(path, vocab)
    assert result.errors == []
    assert [str(p) for p in result.warnings] == [
        f"{path}:7: warning: site 'csa.fr' is a former name: the operator is now 'arcom.fr'"
    ]
    thin_rows = "".join(f"https://s{i}.gouv.fr,S,O,N1|N2,{'F1|F2' if i == 0 else 'F1'}\n" for i in range(5))
    thin = write(tmp_path, "thin.csv", HEADER + thin_rows)
    result = check_seeds(thin, vocab)
    assert [str(p) for p in result.warnings] == [
        f"{thin}: warning: life event F2 (J'attends un enfant) has 1 site (line 2), fewer than 5"
    ]
    vocab_options = ["--themes", str(tmp_path / "t.csv"), "--life-events", str(tmp_path / "e.csv")]
    out = CliRunner().invoke(
        main, ["seeds", "check", str(thin), *vocab_options, "--strict"], catch_exceptions=False
    )
    assert out.exit_code == 2
    assert out.stdout.splitlines()[0].startswith(f"{thin}: warning: life event F2")


def test_bundled_list_checks_clean_on_the_command_line() -> None:
    result = CliRunner().invoke(main, ["seeds", "check", str(SEEDS / "sites.csv"), "--strict"])
    assert result.exit_code == 0
    assert "warning:" not in result.stdout
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings"


def test_docstring_examples() -> None:
    for module in (seeds.evidence, seeds.build_evidence):
        failed, tried = doctest.testmod(module)
        assert tried > 0 and failed == 0, module.__name__


# -- the rebuild, when the raw export is at hand


def raw_data() -> Path:
    for candidate in (os.environ.get("GOVLINKS_DATA"), ROOT.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "service-public").is_dir():
            return Path(candidate)
    pytest.skip("the raw export is not beside the repository (../shared/data) nor in GOVLINKS_DATA")


GENERATED = ("sites.csv", "themes.csv", "life_events.csv", "tags.csv", "evidence.csv", "README.md")


def test_build_sites_reproduces_the_shipped_files(tmp_path: Path) -> None:
    data = raw_data()
    readme = (SEEDS / "README.md").read_text(encoding="utf-8")  # its generated section emptied
    start, end = "<!-- coverage: generated by build_sites.py -->", "<!-- end of coverage -->"
    emptied = readme[: readme.index(start) + len(start)] + "\n" + readme[readme.index(end) :]
    (tmp_path / "README.md").write_text(emptied, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SEEDS / "build_sites.py"), "--data", str(data), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("772 sites (28 added from the evidence)")
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name
