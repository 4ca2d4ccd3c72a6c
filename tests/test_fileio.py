"""crawler/fileio.py: a file is replaced whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler import fileio
from crawler.errors import GovlinksError
from crawler.fileio import write_text_atomic


def test_writes_new_and_replaces_old_text_exactly(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    write_text_atomic(path, "url\r\nhttps://a.gouv.fr\né\n", what="seed file")
    assert path.read_bytes() == "url\r\nhttps://a.gouv.fr\né\n".encode()  # line ends as given, UTF-8
    path.write_text("old", encoding="utf-8")
    write_text_atomic(str(path), "new", what="seed file")
    assert path.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["sites.csv"]  # no temporary file left


def test_new_file_has_the_permissions_of_a_plain_write(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "report.html", "<html>", what="report")
        (tmp_path / "plain.html").write_text("<html>", encoding="utf-8")
    finally:
        os.umask(old)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "plain.html").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(("what", "name"), [("seed file", "sites.csv"), ("report", "report.json")])
def test_errors_name_the_file_and_what_it_is(tmp_path: Path, what: str, name: str) -> None:
    missing = tmp_path / "nope" / name
    with pytest.raises(GovlinksError) as err:
        write_text_atomic(missing, "x", what=what)
    assert str(err.value) == f"{missing}: cannot write {what} (No such file or directory)"
    folder = tmp_path / name
    folder.mkdir()
    with pytest.raises(GovlinksError) as err:
        write_text_atomic(folder, "x", what=what)
    assert str(err.value) == f"{folder}: cannot write {what} (Is a directory)"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # the temporary file is gone


def test_a_failed_replace_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("old", encoding="utf-8")

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", full_disk)
    with pytest.raises(GovlinksError) as err:
        write_text_atomic(path, "new", what="seed file")
    assert str(err.value) == f"{path}: cannot write seed file (No space left on device)"
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["sites.csv"]


def test_an_interrupted_write_removes_the_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(tmp_path / "r.txt", "x", what="report")
    assert list(tmp_path.iterdir()) == []


def test_temporary_names_do_not_collide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(fileio.secrets, "token_hex", lambda n: next(tokens))
    (tmp_path / ".r.txt.aaaaaaaa.tmp").write_text("someone else's", encoding="utf-8")
    write_text_atomic(tmp_path / "r.txt", "mine", what="report")
    assert (tmp_path / "r.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / ".r.txt.aaaaaaaa.tmp").read_text(encoding="utf-8") == "someone else's"


def test_a_device_or_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    """``-o /dev/null`` as root must not leave a plain file at /dev/null: write into it."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_text_atomic(fifo, "through the pipe\n", what="report")
    reader.join(10)
    assert got == ["through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
    if stat.S_ISCHR(os.stat(os.devnull).st_mode):
        write_text_atomic(os.devnull, "nothing\n", what="report")
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
