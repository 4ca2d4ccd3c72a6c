"""The whole chain on a PostgreSQL store, against a real server the tests start (tests/pgserver.py).

The demo web (``demo generate``, seed 1, as tests/test_golden.py) is crawled once
into PostgreSQL by 2 workers and once into SQLite by one. Every report and export of
the PostgreSQL crawl equals the golden copy of the SQLite one; a copy of the SQLite store into
PostgreSQL (``govlinks copy-store``) gives the same outputs byte for byte and the
same frame from every read of ``store.reads``; the crawl lock, the running state,
``kill -9`` and ``--resume`` hold on PostgreSQL as on SQLite; a second "machine" (a
second ``govlinks crawl --join`` process) joins a running crawl, which ends as one
process would have crawled it, with the same reports, exports and diff as SQLite's.
"""

from __future__ import annotations

import inspect
import itertools
import json
import os
import re
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from crawler.store import Reads, Store
from demo.generate import generate
from demo.server import serve
from demo.web import load_web
from tests.conftest import govlinks, popen_govlinks, rows, snapshot, wait_for
from tests.test_golden import GOLDEN, OUTPUTS, _mask

pytestmark = pytest.mark.e2e

_names = itertools.count()


@dataclass
class Demo:
    folder: Path
    web: Path
    sqlite: Path
    pg: str
    hub: str
    crawl_args: list[str]
    proxy_env: dict[str, str]
    new_database: Any  # () -> URL of a new empty database


def crawl(db: str | Path, demo: Demo, *more: str) -> None:
    proc = govlinks(["crawl", "--db", str(db), *demo.crawl_args, *more], env=demo.proxy_env)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def demo(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("pgdemo")
    truth = generate(folder / "web", sites=24, pages_per_site=20, seed=1)
    opts = truth["crawl_options"]
    args = ["--seeds", str(folder / "web" / "seeds.csv"), "--delay", "0", "--quiet",
            "--max-pages-per-site", str(opts["max_pages_per_site"]),
            "--max-depth", str(opts["max_depth"]), "--check-links"]  # fmt: skip

    def new_database() -> str:
        name = f"demo_{next(_names)}"
        pg_server.sql(f"CREATE DATABASE {name}")
        return str(pg_server.url(name))

    with serve(load_web(folder / "web")) as server:
        d = Demo(folder, folder / "web", folder / "demo.db", new_database(), truth["hub"], args,
                 server.proxy_env, new_database)  # fmt: skip
        crawl(d.pg, d, "--workers", "2")
        crawl(d.sqlite, d, "--workers", "1")
        yield d


def cli(*args: str) -> str:
    """Run a report or an export in this process (no crawl: no reactor to restart)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_outputs_of_a_postgresql_crawl_equal_the_golden_copies(demo: Demo, name: str) -> None:
    args, out, inner = OUTPUTS[name]
    common = ["--db", demo.pg, *(["--hub", demo.hub] if args[0] != "recommend" else []), "--lang", "en"]
    if out is None:
        got = cli(*args, *common)
    else:
        target = demo.folder / f"pg-{name}.out" / out
        target.parent.mkdir(exist_ok=True)
        cli(*args, *common, "-o", str(target))
        got = (target / inner if inner else target).read_text(encoding="utf-8")
    assert _mask(got, demo.folder) == (GOLDEN / name).read_text(encoding="utf-8"), name


def test_both_backends_store_the_same_crawl(demo: Demo) -> None:
    assert snapshot(demo.pg) == snapshot(demo.sqlite)
    [(host, beat, pid)] = rows(demo.pg, "SELECT host, heartbeat_at, pid FROM crawls")
    assert host == os.uname().nodename and beat > 0 and pid is None  # closed: no writer left


def _outputs(db: str | Path, out: Path) -> dict[str, bytes]:
    """Every kind of output of the latest crawl, as bytes: reports, site and page exports."""
    out.mkdir()
    common = ["--db", str(db), "--hub", "hub"]
    for fmt in ("json", "csv", "html"):
        cli("report", "--format", fmt, *common, "-o", str(out / f"report.{fmt}"))
    (out / "report.txt").write_text(cli("report", "--top", "0", *common))
    for fmt in ("gexf", "graphml"):
        cli("export", "--format", fmt, *common, "-o", str(out / f"graph.{fmt}"))
    cli("export", "--format", "gexf", "--history", *common, "-o", str(out / "history.gexf"))
    cli("export", "--format", "csv", *common, "-o", str(out / "tables"))
    cli("export", "--format", "csv", "--level", "page", *common, "-o", str(out / "pages"))
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_copy_in_postgresql_gives_the_same_outputs_byte_for_byte(demo: Demo) -> None:
    copy = demo.new_database()
    proc = govlinks(["copy-store", "--db", str(demo.sqlite), "--to", copy])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("copied 1 crawl(s), ") and proc.stdout.endswith(f"to {copy}\n")
    from_sqlite = _outputs(demo.sqlite, demo.folder / "out-sqlite")
    from_pg = _outputs(copy, demo.folder / "out-pg")
    assert sorted(from_pg) == sorted(from_sqlite) and len(from_pg) >= 12
    # What differs from run to run: the time of the report (in the French HTML: "Produit par
    # govlinks 0.1.0 le 2 décembre 2026 à 10:39 ;").
    generated = rb'"generated_at": "[^"]*"|[Gg]enerated [^<]* on [0-9T:+-]+|Produit par govlinks [^;<]*'
    for name, data in from_sqlite.items():
        assert re.sub(generated, b"<now>", from_pg[name]) == re.sub(generated, b"<now>", data), name


def _read_all(reads: Reads, crawl_id: int) -> dict[str, Any]:
    """Call every public read of ``store.reads`` that needs at most a crawl id: new reads are covered too."""
    out: dict[str, Any] = {}
    for name, method in inspect.getmembers(reads, inspect.ismethod):
        if name.startswith("_"):
            continue
        params = [p for p in inspect.signature(method).parameters.values()
                  if p.default is inspect.Parameter.empty]  # fmt: skip
        if [p.name for p in params] not in ([], ["crawl_id"]):
            continue
        value = method(crawl_id) if params else method()
        if inspect.isgenerator(value) or isinstance(value, Iterator):
            value = pd.concat(list(value), ignore_index=True)
        out[name] = value
    return out


def test_every_read_gives_the_same_answer_on_both_backends(demo: Demo) -> None:
    copy = demo.new_database()
    assert govlinks(["copy-store", "--db", str(demo.sqlite), "--to", copy]).returncode == 0
    with Store.open(demo.sqlite) as lite, Store.open(copy) as pg:
        crawl_id = lite.crawl().id
        a, b = _read_all(lite.reads, crawl_id), _read_all(pg.reads, crawl_id)
    assert sorted(a) == sorted(b) and len(a) >= 10
    for name in a:
        if isinstance(a[name], pd.DataFrame):
            assert len(a[name]) > 0 or name in ("broken_examples",), name
            pd.testing.assert_frame_equal(b[name], a[name], check_exact=True, obj=name)
        else:
            assert b[name] == a[name], name


def test_copy_refuses_a_target_that_holds_crawls(demo: Demo) -> None:
    proc = govlinks(["copy-store", "--db", str(demo.sqlite), "--to", demo.pg])
    assert proc.returncode == 2
    assert proc.stderr == f"Error: {demo.pg}: already holds crawls; copy into a new or empty store\n"


def test_lock_kill_and_resume_on_postgresql(demo: Demo) -> None:
    """A second crawl is refused while one runs; kill -9 frees the store; --resume ends complete."""
    db = demo.new_database()
    first = popen_govlinks(["crawl", "--db", db, *demo.crawl_args, "--delay", "0.3"], env=demo.proxy_env)
    try:
        wait_for(db, "SELECT COUNT(*) >= 40 FROM pages", first)
        second = govlinks(["crawl", "--db", db, *demo.crawl_args], env=demo.proxy_env)
        assert second.returncode == 3
        assert second.stderr.startswith(f"Error: {db}: another crawl is writing this store (")
        assert second.stderr == (
            f"Error: {db}: another crawl is writing this store (pid {first.pid} on {socket.gethostname()}); "
            "wait for it to finish\n"
        )
        report = json.loads(cli("report", "--format", "json", "--db", db, "--hub", demo.hub))
        assert report["crawl"]["status"] == "running"  # a report reads a crawl as it runs
        assert rows(db, "SELECT status, pid FROM crawls") == [("running", first.pid)]
        os.kill(first.pid, signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    resumed = govlinks(["crawl", "--db", db, *demo.crawl_args, "--resume"], env=demo.proxy_env)
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(db)["pages"] == snapshot(demo.pg)["pages"]
    assert snapshot(db)["links"] == snapshot(demo.pg)["links"]
    assert rows(db, "SELECT status, runs FROM crawls") == [("finished", 2)]


def test_errors_are_one_line_and_hide_the_password(pg_server: Any, pg_url: str) -> None:
    refused = govlinks(["report", "--db", f"postgresql://crawler:s3cret@127.0.0.1:{pg_server.port + 1}/x"])
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(
        f"Error: postgresql://crawler:***@127.0.0.1:{pg_server.port + 1}/x: cannot connect to PostgreSQL ("
    )
    assert "s3cret" not in refused.stderr
    empty = govlinks(["report", "--db", pg_url])
    assert (empty.returncode, empty.stderr) == (2, f"Error: {pg_url}: empty store (no crawl yet)\n")
    pg_server.sql("CREATE TABLE t (x int)", database=pg_url.rsplit("/", 1)[1])
    other = govlinks(["report", "--db", pg_url])
    assert other.stderr == (
        f"Error: {pg_url}: not a govlinks store (a PostgreSQL schema with other tables)\n"
    )


def test_crawls_and_diff_are_the_same_on_both_backends(pg_url: str, tmp_path: Path) -> None:
    """Two crawls written through the store's API into each backend: crawls, diff and history agree."""
    from tests.crawlstore import make_store
    from tests.test_diff import AFTER, BEFORE

    lite = make_store(tmp_path / "two.db", [BEFORE, AFTER])
    make_store(pg_url, [BEFORE, AFTER])  # type: ignore[arg-type]  # a URL where a path goes: the same API
    times = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\+00:00)?)?")
    for args in (["crawls"], ["crawls", "--format", "json"], ["crawls", "--format", "csv"],
                 ["diff"], ["diff", "--format", "json"], ["diff", "--format", "html"]):  # fmt: skip
        want = times.sub("<time>", cli(*args, "--db", str(lite)).replace(str(lite), "<db>"))
        got = times.sub("<time>", cli(*args, "--db", pg_url).replace(pg_url, "<db>"))
        assert got == want, args
    out = tmp_path / "history"
    cli("export", "--format", "gexf", "--history", "--db", pg_url, "-o", str(out))
    assert out.read_text(encoding="utf-8").count("<spell ") >= 2


def test_a_postgresql_store_copied_back_into_sqlite_reads_the_same(demo: Demo) -> None:
    back = demo.folder / "back.db"
    proc = govlinks(["copy-store", "--db", demo.pg, "--to", str(back)])
    assert proc.returncode == 0, proc.stderr
    for db, out in ((demo.pg, demo.folder / "from-pg"), (back, demo.folder / "from-back")):
        out.mkdir()
        cli("report", "--format", "json", "--db", str(db), "--hub", demo.hub, "-o", str(out / "r.json"))
        cli("export", "--format", "csv", "--level", "page", "--db", str(db), "-o", str(out / "pages"))
    for name in ("r.json", "pages/page_links.csv"):
        a = (demo.folder / "from-pg" / name).read_text(encoding="utf-8")
        b = (demo.folder / "from-back" / name).read_text(encoding="utf-8")
        assert re.sub('"generated_at": "[^"]*"', "", a) == re.sub('"generated_at": "[^"]*"', "", b), name
    assert snapshot(back) == snapshot(demo.pg)


JOIN_NEEDS = (
    "--join adds workers from other machines to a crawl of a PostgreSQL store (--db postgresql://…); "
    "on one machine: --workers"
)


def test_a_second_machine_joins_a_running_crawl(demo: Demo, tmp_path: Path) -> None:
    web = tmp_path / "web"
    opts = generate(web, sites=48, pages_per_site=20, seed=2)["crawl_options"]
    args = ["--seeds", str(web / "seeds.csv"), "--max-pages-per-site", str(opts["max_pages_per_site"]),
            "--max-depth", str(opts["max_depth"]), "--check-links", "--delay", "0.01"]  # fmt: skip
    db, ref = demo.new_database(), tmp_path / "ref.db"
    other = tmp_path / "other.csv"
    other.write_text("".join((web / "seeds.csv").read_text(encoding="utf-8").splitlines(True)[:-1]))
    with serve(load_web(web)) as server:
        env = server.proxy_env
        lite = govlinks(["crawl", "--db", str(ref), *args, "--join"], env=env)
        assert (lite.returncode, lite.stderr) == (2, f"Error: {ref}: {JOIN_NEEDS}\n")
        # one worker holds 4 sites at a time (400 pages/s at 0.01 s, claims_pg.py): the others are left
        main = popen_govlinks(["crawl", "--db", db, *args, "--workers", "1"], env=env)
        try:
            wait_for(db, "SELECT COUNT(*) FROM work_units", main)
            wrong = govlinks(["crawl", "--db", db, *args, "--seeds", str(other), "--join"], env=env)
            assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
            seed_lists = r"crawl 1 runs with another seed list \(sha256 [0-9a-f]{12}, this one [0-9a-f]{12}\)"
            assert re.fullmatch(
                f"Error: {re.escape(db)}: {seed_lists}; join with the same seed file\n", wrong.stderr
            )
            joined = govlinks(["crawl", "--db", db, *args, "--join", "--workers", "1"], env=env, timeout=300)
            out, err = main.communicate(timeout=300)
        finally:
            if main.poll() is None:
                main.kill()
        assert main.returncode == 0, err
        assert joined.returncode == 0, joined.stderr
        assert "runs no more" not in joined.stderr  # closed complete: its workers ended by themselves
        # both print the crawl's summary (its figures from the store), closed by its own process; the
        # joined one says its share
        assert joined.stdout.splitlines()[0] == out.splitlines()[0] and out.startswith("crawl 1 finished: ")
        share = re.fullmatch(
            r"joined as (\S+): ([\d,]+) pages fetched by its workers", joined.stdout.splitlines()[-1]
        )
        assert share and int(share[2].replace(",", "")) > 0, joined.stdout
        workers = sorted(rows(db, "SELECT worker, state FROM workers"))
        assert workers == [(f"{share[1]}/w1", "idle"), ("w1", "idle")]
        assert govlinks(["crawl", "--db", str(ref), *args, "--workers", "1"], env=env).returncode == 0
    assert snapshot(db) == snapshot(ref)  # two machines' crawl: what one SQLite process stores
    for fmt in ("json", "csv"):
        a, b = (cli("report", "--format", fmt, "--db", str(x), "--lang", "en") for x in (db, ref))
        assert _mask(a, tmp_path) == _mask(b, tmp_path), fmt
    for name, x in (("pg", db), ("lite", ref)):
        cli("export", "--format", "csv", "--level", "page", "--db", str(x), "-o", str(tmp_path / name))
    pages = [
        (tmp_path / n / "page_links.csv").read_text(encoding="utf-8").splitlines() for n in ("pg", "lite")
    ]
    assert sorted(pages[0]) == sorted(pages[1]) and len(pages[0]) > 1000  # rows in crawl order: two orders
    # the diff of two real crawls, each store against the demo crawl of its own backend
    diffs = [cli("diff", "--db", str(x), "--from-db", str(y), "--format", "json") for x, y in
             ((db, demo.pg), (ref, demo.sqlite))]  # fmt: skip
    masked = [_mask(d.replace(str(ref), "<db>").replace(db, "<db>"), tmp_path) for d in diffs]
    masked = [d.replace(str(demo.sqlite), "<from>").replace(demo.pg, "<from>") for d in masked]
    assert masked[0] == masked[1] and json.loads(diffs[0])["common_sites"] == 3  # 48 sites against 24


def test_a_joined_machine_stops_when_the_crawl_stops(demo: Demo) -> None:
    """SIGTERM to the crawl's own process: the crawl is interrupted, and the joined machine stops too."""
    db = demo.new_database()
    main = popen_govlinks(["crawl", "--db", db, *demo.crawl_args, "--delay", "0.3"], env=demo.proxy_env)
    joined = None
    try:
        wait_for(db, "SELECT COUNT(*) FROM work_units", main)
        joined = popen_govlinks(["crawl", "--db", db, *demo.crawl_args, "--join", "--workers", "1"],
                                env=demo.proxy_env)  # fmt: skip
        wait_for(db, "SELECT COUNT(*) = 2 FROM workers WHERE state <> 'gone'", joined)
        main.send_signal(signal.SIGTERM)
        assert main.wait(30) == 130
        # the joined machine is no child of the first: it saw the crawl stop (every 2 s), stopped its workers
        assert joined.wait(30) == 130
        err = joined.communicate()[1]
    finally:
        for proc in (main, joined):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert err.rstrip().endswith("crawl 1 interrupted: continue with --resume")
    assert rows(db, "SELECT status FROM crawls") == [("interrupted",)]
