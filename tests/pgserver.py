"""A throw-away PostgreSQL server for the tests and benchmarks: initdb + pg_ctl in a temporary folder.

A real server, never a mock: Debian's ``postgresql`` package (``.ci/run`` installs
it) puts ``initdb`` and ``pg_ctl`` under ``/usr/lib/postgresql/<version>/bin``.
The server refuses to run as root, so as root it runs as the ``postgres`` user
(or ``nobody``), in a folder of its own; it listens on 127.0.0.1 only, on a free
port, trusts local connections, and is stopped and deleted by :meth:`PgServer.stop`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

__all__ = ["MISSING", "PgServer", "binaries"]

MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package "
    "(apt-get install postgresql; .ci/run installs it)"
)


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One PostgreSQL cluster in a temporary folder, superuser ``govlinks``, trust authentication."""

    def __init__(self, *, durable: bool = False) -> None:
        bindir = binaries()
        if bindir is None:
            raise FileNotFoundError(MISSING)
        self.bindir = bindir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="govlinks-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.durable = durable
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as an unprivileged user
            user = "postgres" if _user_exists("postgres") else "nobody"
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.prefix = ["runuser", "-u", user, "--"]

    def _run(self, *args: str, timeout: float = 120) -> None:
        run = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=timeout,
                             cwd=self.root)  # fmt: skip
        if run.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {run.stderr.strip()} {log}")

    def start(self) -> PgServer:
        for attempt in range(3):  # initdb writes to /dev/null, which another process may break meanwhile
            _ensure_dev_null()
            try:
                self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "govlinks", "--auth=trust",
                          "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
                break
            except RuntimeError as err:
                if "/dev/null" not in str(err) or attempt == 2:
                    raise
        options = [
            "-c listen_addresses=127.0.0.1", f"-c port={self.port}", "-c unix_socket_directories=''",
            "-c max_connections=200", "-c shared_buffers=128MB",
        ]  # fmt: skip
        if not self.durable:  # tests: nothing to keep after a crash of the machine
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-o", " ".join(options), "start")  # fmt: skip
        return self

    def url(self, database: str = "postgres", *, schema: str | None = None) -> str:
        """A connection URL; with ``schema``, one whose tables live in that schema."""
        url = f"postgresql://govlinks@127.0.0.1:{self.port}/{database}"
        return f"{url}?options=-csearch_path%3D{schema}" if schema else url

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser (autocommit: CREATE DATABASE works)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _ensure_dev_null() -> None:
    """Put back /dev/null if something replaced it with a plain file (initdb writes to it as its user).

    Seen on shared machines: a root process writing a file "atomically" to /dev/null
    (a temporary file renamed over it, as ``-o /dev/null`` did before crawler/fileio.py
    learnt to write into devices) leaves a root-owned regular file there.
    """
    mode = os.stat("/dev/null").st_mode
    if stat.S_ISCHR(mode) or os.geteuid() != 0:
        return
    os.remove("/dev/null")
    os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.chmod("/dev/null", 0o666)
