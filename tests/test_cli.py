"""The command line: bad input of every kind gives one line, exit 2, and loses nothing;
every command has help with an example and a README entry."""

from __future__ import annotations

import inspect
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import crawler.store.core as store_module  # the module that opens and migrates stores
from cli import main
from crawler.errors import StoreError
from crawler.items import Link, Page
from crawler.seeds import Seed
from crawler.store import SCHEMA_VERSION, Store

README = Path(__file__).resolve().parents[1] / "README.md"


def make_store(path: Path) -> Path:
    """A store with one finished crawl of two sites, written through the library."""
    with Store.open(path, create=True) as store:
        seeds = [Seed("a-demo.gouv.fr", "https://a-demo.gouv.fr/", 2, "A"),
                 Seed("b-demo.gouv.fr", "https://b-demo.gouv.fr/", 3, "B")]  # fmt: skip
        crawl_id = store.start_crawl(seeds_path="seeds.csv", seeds_sha256="0" * 64, settings={}, sites=seeds)
        home = "https://a-demo.gouv.fr/"
        link = Link("https://b-demo.gouv.fr/", "https://b-demo.gouv.fr/", "b-demo.gouv.fr/", "b-demo.gouv.fr",
                "B", "", 0, 0)  # fmt: skip
        store.write_batch(crawl_id, [Page(
            kind="page", site="a-demo.gouv.fr", url=home, norm="a-demo.gouv.fr/",
            final_url=home, final_norm="a-demo.gouv.fr/", status=200, content_type="text/html",
            size=10, title="A", depth=0, fetched_at="2026-01-01T00:00:00+00:00", error=None,
            internal_links=0, external_links=1, links=[link],
        )])  # fmt: skip
        store.finish_crawl(crawl_id, status="finished")
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder of good and bad inputs."""
    make_store(tmp_path / "g.db")
    (tmp_path / "junk.db").write_bytes(b"not a database at all\n" * 50)
    (tmp_path / "empty.db").write_bytes(b"")
    conn = sqlite3.connect(tmp_path / "other.db")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    make_store(tmp_path / "newer.db")
    conn = sqlite3.connect(tmp_path / "newer.db")
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    (tmp_path / "folder").mkdir()
    (tmp_path / "ok.csv").write_text("url,name\nhttps://a-demo.gouv.fr/,A\nhttps://b-demo.gouv.fr/,B\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "nourl.csv").write_text("name,themes\nA,N1\n")
    (tmp_path / "badurl.csv").write_text("url\nhttps://a-demo.gouv.fr/\njavascript:alert(1)\n")
    (tmp_path / "ftp.csv").write_text("url\nftp://a-demo.gouv.fr/\n")
    (tmp_path / "dup.csv").write_text("url\nhttps://a-demo.gouv.fr/\nhttp://www.A-demo.gouv.fr\n")
    (tmp_path / "fields.csv").write_text("url,name\nhttps://a-demo.gouv.fr/,A,extra\n")
    (tmp_path / "latin1.csv").write_bytes("url,name\nhttps://a-demo.gouv.fr/,Préfecture\n".encode("latin-1"))
    (tmp_path / "noseeds.csv").write_text("url,name\n\n")
    return tmp_path


def stores(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.db")}


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, catch_exceptions=False)


def assert_one_line_error(result: Result, *expected: str) -> None:
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for text in expected:
        assert text in lines[0]


CRAWL = ["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/g.db"]

BAD_INPUT = {
    # stores
    "crawl-store-not-sqlite": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/junk.db"],
                               ["junk.db: not a govlinks store (file is not a database)"]),
    "crawl-store-other-sqlite": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/other.db"],
                                 ["other.db: not a govlinks store (an SQLite file with other tables)"]),
    "crawl-store-newer": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/newer.db"],
                          [f"newer.db: store schema version {SCHEMA_VERSION + 1} is newer"]),
    "crawl-store-folder": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/folder"],
                           ["'--db'", "is a directory"]),
    "crawl-store-no-folder": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/nope/g.db"],
                              ["nope/g.db: folder", "does not exist"]),
    "crawl-resume-nothing": ([*CRAWL, "--resume"], ["g.db: no interrupted crawl to resume"]),
    "crawl-resume-no-store": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/new.db", "--resume"],
                              ["new.db: no such store"]),
    "crawl-resume-empty-file": (["crawl", "--seeds", "{d}/ok.csv", "--db", "{d}/empty.db", "--resume"],
                                ["empty.db: empty store (no crawl yet)"]),
    "report-missing": (["report", "--db", "{d}/missing.db"], ["missing.db: no such store"]),
    "report-folder": (["report", "--db", "{d}/folder"], ["'--db'", "is a directory"]),
    "report-not-sqlite": (["report", "--db", "{d}/junk.db"], ["junk.db: not a govlinks store"]),
    "report-empty-file": (["report", "--db", "{d}/empty.db"], ["empty.db: empty store (no crawl yet)"]),
    "report-newer": (["report", "--db", "{d}/newer.db"], ["is newer than this govlinks supports"]),
    "report-unknown-crawl": (["report", "--db", "{d}/g.db", "--crawl", "7"], ["g.db: no crawl 7 (known: 1)"]),
    "report-crawl-not-int": (["report", "--db", "{d}/g.db", "--crawl", "last"], ["'--crawl'", "'last'"]),
    "report-fail-on": (["report", "--db", "{d}/g.db", "--fail-on", "orphan,nope"],
                       ["unknown reason code 'nope'"]),
    "report-format": (["report", "--db", "{d}/g.db", "--format", "pdf"], ["'--format'", "'pdf'"]),
    "report-share": (["report", "--db", "{d}/g.db", "--broken-share", "0"], ["'--broken-share'"]),
    "report-top": (["report", "--db", "{d}/g.db", "--top", "-1"], ["'--top'"]),
    "export-missing": (["export", "--db", "{d}/missing.db", "--format", "gexf", "-o", "{d}/x.gexf"],
                       ["missing.db: no such store"]),
    "export-unknown-crawl": (["export", "--db", "{d}/g.db", "--crawl", "3", "--format", "gexf",
                              "-o", "{d}/x.gexf"], ["no crawl 3 (known: 1)"]),
    "export-newer": (["export", "--db", "{d}/newer.db", "--format", "csv", "-o", "{d}/out"], ["is newer"]),
    "export-no-format": (["export", "--db", "{d}/g.db", "-o", "{d}/x.gexf"], ["Missing option '--format'"]),
    "export-no-output": (["export", "--db", "{d}/g.db", "--format", "gexf"], ["Missing option '-o'"]),
    "report-output-dir-json": (["report", "--db", "{d}/g.db", "--format", "json", "--output-dir", "{d}/t"],
                               ["--output-dir writes the CSV tables: use it with --format csv, without -o"]),
    "report-output-dir-file": (["report", "--db", "{d}/g.db", "--format", "csv",
                                "--output-dir", "{d}/ok.csv"], ["'--output-dir'", "is a file"]),
    "journeys-missing": (["journeys", "--db", "{d}/missing.db"], ["missing.db: no such store"]),
    "journeys-unknown-crawl": (["journeys", "--db", "{d}/g.db", "--crawl", "4"],
                               ["g.db: no crawl 4 (known: 1)"]),
    "journeys-zero-hops": (["journeys", "--db", "{d}/g.db", "--max-hops", "0"], ["'--max-hops'"]),
    "journeys-unknown-group": (["journeys", "--db", "{d}/g.db", "--group", "Je déménage"],
                               ["--group 'Je déménage': no theme or life event with at least 2 assessed"]),
    "recommend-missing": (["recommend", "--db", "{d}/missing.db"], ["missing.db: no such store"]),
    "recommend-zero-top": (["recommend", "--db", "{d}/g.db", "--top", "0"], ["'--top'"]),
    "recommend-unknown-site": (["recommend", "--db", "{d}/g.db", "--site", "c-demo.gouv.fr"],
                               ["--site 'c-demo.gouv.fr': not a seed site of this crawl"]),
    # seed files
    "seeds-missing": (["crawl", "--seeds", "{d}/missing.csv", "--db", "{d}/g.db"],
                      ["missing.csv: seed file not found"]),
    "seeds-folder": (["crawl", "--seeds", "{d}/folder", "--db", "{d}/g.db"], ["'--seeds'", "is a directory"]),
    "seeds-empty": (["crawl", "--seeds", "{d}/empty.csv", "--db", "{d}/g.db"],
                    ["empty.csv:1: empty seed file"]),
    "seeds-no-url-column": (["crawl", "--seeds", "{d}/nourl.csv", "--db", "{d}/g.db"],
                            ["nourl.csv:1: no 'url' column"]),
    "seeds-bad-url": (["crawl", "--seeds", "{d}/badurl.csv", "--db", "{d}/g.db"],
                      ["badurl.csv:3: bad URL 'javascript:alert(1)'"]),
    "seeds-ftp-url": (["crawl", "--seeds", "{d}/ftp.csv", "--db", "{d}/g.db"],
                      ["ftp.csv:2: bad URL 'ftp://a-demo.gouv.fr/' (need an absolute http or https URL)"]),
    "seeds-duplicate": (["crawl", "--seeds", "{d}/dup.csv", "--db", "{d}/g.db"],
                        ["dup.csv:3: duplicate site 'a-demo.gouv.fr' (already defined on line 2)"]),
    "seeds-extra-field": (["crawl", "--seeds", "{d}/fields.csv", "--db", "{d}/g.db"],
                          ["fields.csv:2: more fields than the header has"]),
    "seeds-not-utf8": (["crawl", "--seeds", "{d}/latin1.csv", "--db", "{d}/g.db"], ["latin1.csv: not UTF-8"]),
    "seeds-no-site": (["crawl", "--seeds", "{d}/noseeds.csv", "--db", "{d}/g.db"], ["noseeds.csv: no sites"]),
    "seeds-import-missing": (["seeds", "import", "{d}/missing.txt"], ["missing.txt: source file not found"]),
    # crawl options
    "crawl-unknown-site": ([*CRAWL, "--site", "c-demo.gouv.fr"],
                           ["no site 'c-demo.gouv.fr' in this seed list"]),
    "crawl-site-as-url": ([*CRAWL, "--site", "https://a-demo.gouv.fr/"], ["no site 'https://a-demo.gouv.fr/'"]),
    "crawl-negative-depth": ([*CRAWL, "--max-depth", "-1"], ["'--max-depth'", "-1 is not in the range x>=0"]),
    "crawl-zero-budget": ([*CRAWL, "--max-pages-per-site", "0"], ["'--max-pages-per-site'"]),
    "crawl-negative-delay": ([*CRAWL, "--delay", "-0.5"], ["'--delay'"]),
    "crawl-nan-delay": ([*CRAWL, "--delay", "nan"], ["'--delay'", "not a finite number"]),
    "crawl-inf-timeout": ([*CRAWL, "--timeout", "inf"], ["'--timeout'", "not a finite number"]),
    "crawl-zero-timeout": ([*CRAWL, "--timeout", "0"], ["'--timeout'"]),
    "crawl-word-timeout": ([*CRAWL, "--timeout", "soon"], ["'--timeout'", "'soon' is not a valid float"]),
    "crawl-negative-concurrency": ([*CRAWL, "--concurrency", "-2"], ["'--concurrency'"]),
    "crawl-zero-per-site": ([*CRAWL, "--per-site-concurrency", "0"], ["'--per-site-concurrency'"]),
    "crawl-tiny-page-bytes": ([*CRAWL, "--max-page-bytes", "10"], ["'--max-page-bytes'"]),
    "crawl-dns-server-name": ([*CRAWL, "--dns-server", "dns.example:53"],
                              ["'--dns-server'", "'dns.example:53' is not an IP address"]),
    "crawl-dns-server-port": ([*CRAWL, "--dns-server", "127.0.0.1:99999"], ["'--dns-server'", "port"]),
    "crawl-zero-dns-timeout": ([*CRAWL, "--dns-timeout", "0"], ["'--dns-timeout'", "shorter than 0.1s"]),
    "crawl-word-max-time": ([*CRAWL, "--max-time", "soon"], ["'--max-time'", "'soon' is not a duration"]),
    "crawl-nan-max-time": ([*CRAWL, "--max-time", "nan"], ["'--max-time'", "not a duration"]),
    "crawl-word-progress": ([*CRAWL, "--progress-every", "often"], ["'--progress-every'"]),
    "crawl-empty-user-agent": ([*CRAWL, "--user-agent", " "], ["'--user-agent'"]),
    "crawl-header-injection": ([*CRAWL, "--user-agent", "govlinks\r\nX-Evil: 1"], ["'--user-agent'"]),
    "crawl-log-file-folder": ([*CRAWL, "--log-file", "{d}/folder"], ["'--log-file'", "is a directory"]),
    "crawl-log-file-no-folder": ([*CRAWL, "--log-file", "{d}/nope/crawl.log"],
                                 ["nope/crawl.log: cannot open log file"]),
    "crawl-unknown-option": ([*CRAWL, "--max-page", "3"],
                             ["No such option '--max-page'", "'--max-pages-per-site'"]),
    "unknown-command": (["crawll"], ["No such command 'crawll'"]),
    # demo
    "demo-generate-file": (["demo", "generate", "{d}/ok.csv"], ["'FOLDER'", "is a file"]),
    "demo-generate-few-sites": (["demo", "generate", "{d}/web", "--sites", "2"], ["'--sites'"]),
    "demo-serve-nothing": (["demo", "serve", "{d}/folder"], ["no generated web here"]),
    "demo-serve-port": (["demo", "serve", "{d}/folder", "--port", "70000"], ["'--port'"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_loses_nothing(files: Path, case: str) -> None:
    args, expected = BAD_INPUT[case]
    before = stores(files)
    result = run([a.replace("{d}", str(files)) for a in args])
    assert_one_line_error(result, *expected)
    assert stores(files) == before
    assert not (files / "new.db").exists()


def test_unreadable_store(files: Path) -> None:
    """As root every file is readable: run the command as an unprivileged user (a user namespace)."""
    (files / "g.db").chmod(0)
    try:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            if subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode != 0:
                pytest.skip("running as root and 'unshare --user' (util-linux) is not permitted here")
            proc = subprocess.run(
                ["unshare", "--user", sys.executable, "-m", "cli", "report", "--db", str(files / "g.db")],
                capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1],
            )  # fmt: skip
            assert "unshare failed" not in proc.stderr, proc.stderr
            result: Any = SimpleNamespace(exit_code=proc.returncode, output=proc.stdout + proc.stderr,
                                          stderr=proc.stderr)  # fmt: skip
        else:
            result = run(["report", "--db", str(files / "g.db")])
    finally:
        (files / "g.db").chmod(0o644)
    assert_one_line_error(result, "g.db: cannot read store (permission denied)")


def test_seeds_check_lists_problems_and_exits_2(files: Path) -> None:
    result = run(["seeds", "check", str(files / "badurl.csv")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{files / 'badurl.csv'}:3: bad URL 'javascript:alert(1)'" in result.stdout


def test_no_command_shows_help() -> None:
    result = run([])
    assert "Usage:" in result.output and "crawl" in result.output


# -- the store's schema ---------------------------------------------------------------------


def test_schema_is_migrated_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_store(tmp_path / "g.db")
    migrations = {**store_module.MIGRATIONS, SCHEMA_VERSION + 1: "ALTER TABLE pages ADD COLUMN lang TEXT;"}
    monkeypatch.setattr(store_module, "MIGRATIONS", migrations)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION + 1
        assert store.reads.page_count(1) == 1
    columns = [r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(pages)")]
    assert columns[-1] == "lang"


def test_failed_migration_leaves_the_store_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_store(tmp_path / "g.db")
    before = path.read_bytes()
    migrations = {**store_module.MIGRATIONS, SCHEMA_VERSION + 1: "ALTER TABLE pages ADD COLUMN x; BOGUS;"}
    monkeypatch.setattr(store_module, "MIGRATIONS", migrations)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match=f"cannot migrate the store from schema version {SCHEMA_VERSION} to"):
        Store.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert "x" not in [r[1] for r in conn.execute("PRAGMA table_info(pages)")]
    conn.close()
    assert len(path.read_bytes()) == len(before)


# -- help and documentation -------------------------------------------------------------------


def commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    for name, cmd in sorted(group.commands.items()):
        yield " ".join((*prefix, name)), cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*prefix, name))


COMMANDS = dict(commands())


def test_every_command_is_listed() -> None:
    assert set(COMMANDS) == {"crawl", "export", "report", "seeds", "seeds check", "seeds import", "demo",
                             "demo generate", "demo serve", "crawls", "diff", "journeys",
                             "recommend", "copy-store"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_a_readme_entry(name: str) -> None:
    cmd = COMMANDS[name]
    summary, _, rest = inspect.cleandoc(cmd.help or "").partition("\n")
    assert summary.strip(), f"{name}: no one-line summary"
    assert "\b\nExample:\n" in rest, f"{name}: no Example block"
    assert f"govlinks {name}" in rest.split("Example:", 1)[1], f"{name}: the example does not run it"
    readme = README.read_text(encoding="utf-8")
    assert f"govlinks {name}" in readme, f"{name}: not in README.md"
    for param in cmd.params:
        if isinstance(param, click.Option) and param.name not in ("help", "version"):
            assert param.help, f"{name} {param.opts[0]}: no help text"
            mentioned = [o for o in param.opts if re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", readme)]
            assert mentioned, f"{name} {param.opts[0]}: not in README.md"
    result = run([*name.split(), "-h"])
    assert result.exit_code == 0 and "Example:" in result.stdout


def test_float_options_refuse_non_finite_values() -> None:
    floats = [(name, p) for name, c in commands() for p in c.params
              if isinstance(p.type, click.types.FloatParamType)]  # fmt: skip
    assert len(floats) == 3
    for name, param in floats:
        result = run([*name.split(), param.opts[0], "nan"])
        assert_one_line_error(result, f"'{param.opts[0]}'", "nan is not a finite number")


# -- shared options: one spelling per idea, old spellings still accepted ----------------------


def shown(param: click.Parameter) -> list[str]:
    """The spellings of an option that help and error messages show (not its hidden aliases)."""
    return [o for o in param.opts if o not in getattr(param, "aliases", ())]


def test_one_spelling_per_idea() -> None:
    spellings: dict[str, set[tuple[str, ...]]] = {}
    for name, cmd in commands():
        for param in cmd.params:
            if name == "crawl" and param.name == "sites":
                continue  # crawl --site ID (which sites), not demo --sites N (how many)
            if isinstance(param, click.Option) and param.name not in ("help", "version"):
                spellings.setdefault(str(param.name), set()).add(tuple(shown(param)))
    assert {name: s for name, s in spellings.items() if len(s) > 1} == {}
    assert spellings["output"] == {("-o", "--output")} and spellings["by"] == {("--by",)}
    assert spellings["db"] == {("--db",)} and spellings["crawl_id"] == {("--crawl",)}
    assert spellings["fmt"] == {("--format",)} and spellings["hubs"] == {("--hub",)}


def test_old_spellings_still_work_but_are_not_shown() -> None:
    demo = COMMANDS["demo"]
    for args in (["--out", "x"], ["--output", "x"], ["-o", "x"]):
        assert demo.make_context("demo", [*args, "--sites", "7"]).params["output"] == "x"
    export = COMMANDS["export"]
    for spelling in ("--group", "--by"):
        ctx = export.make_context("export", ["--format", "gexf", "-o", "g.gexf", spelling, "life-event"])
        assert ctx.params["by"] == "life-event"
    for name, alias in (("demo", "--out"), ("export", "--group")):
        help_text = run([*name.split(), "-h"]).stdout
        assert "-o, --output" in help_text and not re.search(rf"{alias}(?![\w-])", help_text)
    assert "--by [theme|life-event]" in run(["export", "-h"]).stdout
    result = run(["export", "--db", "g.db", "--format", "gexf"])  # error hints name the shown spellings
    assert result.stderr == "Error: Missing option '-o' / '--output'. (try 'main export -h')\n"


def test_choices_come_from_the_library() -> None:
    import graphs.export
    import graphs.groups
    import graphs.report

    formats = {name: tuple(p.type.choices) for name, c in commands() for p in c.params if p.name == "fmt"}
    assert formats["report"] == graphs.report.FORMATS == ("table", "json", "csv", "html")
    assert formats["export"] == graphs.export.FORMATS == ("gexf", "graphml", "csv", "parquet")
    by = {name: list(p.type.choices) for name, c in commands() for p in c.params if p.name == "by"}
    # issue 14: report --by organisation (a scorecard per ministry); export keeps theme and life event
    assert by["export"] == list(graphs.groups.GROUPINGS) == ["theme", "life-event"]
    assert by["report"] == list(graphs.groups.REPORT_GROUPINGS) == ["theme", "life-event", "organisation"]


@pytest.mark.parametrize("args", [["--help"], ["report", "--help"], ["export", "--help"], ["demo", "-h"]])
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    """--help stays instant: no pandas, networkx, Scrapy or library module beyond graphs.choices."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = "import sys, cli; cli.main(sys.argv[1:], standalone_mode=False); print(*sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split("\n")[-2].split())
    assert "cli_common" in loaded and "graphs.choices" in loaded
    heavy = {"pandas", "networkx", "numpy", "scrapy", "graphs.findings", "graphs.report", "graphs.export"}
    assert loaded & heavy == set()


def test_demo_serve_prints_the_demo_crawl_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import demo.server
    from demo.generate import generate

    web = tmp_path / "web"
    generate(web, sites=21, pages_per_site=5, page_kb=1, links=5)

    def serve_forever(web: Any, port: int, *, log_path: str | None, ready: Any) -> None:
        ready(type("Server", (), {"proxy_url": "http://127.0.0.1:9"})())

    monkeypatch.setattr(demo.server, "serve_forever", serve_forever)
    result = run(["demo", "serve", str(web)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "  export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9",
        f"  govlinks crawl --seeds {web}/seeds.csv --db {web}/demo.db --delay 0 --max-pages-per-site 5 "
        "--max-depth 4 --check-links",
    ]
