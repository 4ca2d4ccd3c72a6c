"""Write a file so that a reader sees the old content or the new one, never half of it.

The seed list that ``seeds import --into`` rewrites and the report that
``report -o`` replaces are read by other programs (a crawl started by cron, a web
server): a crash or a full disk halfway through must not leave them truncated. The
text goes to a temporary file in the same folder (so the rename stays on one file
system), is flushed to disk, then :func:`os.replace` swaps it in, atomically on
POSIX and Windows. The new file gets the permissions of a plain ``open(path, "w")``
(``0o666`` less the umask), not the ``0o600`` of :func:`tempfile.mkstemp`: a report
is meant to be read by others. What is not a regular file (``-o /dev/null``, a pipe)
is written into, never replaced: a rename over ``/dev/null`` run as root would leave
a plain file there, and break every program that writes to it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from crawler.errors import GovlinksError

__all__ = ["output_folder", "write_text_atomic"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_ATTEMPTS = 100  # names tried before giving up, as tempfile does (TMP_MAX)


def _create_temp(path: Path) -> tuple[int, Path]:
    """An open descriptor on a new hidden file next to ``path``, and its path."""
    for _ in range(_ATTEMPTS):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {path}")


def write_text_atomic(path: str | Path, text: str, *, what: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, line ends as given) in one step.

    On failure the old file is untouched, the temporary file is removed, and a
    :class:`GovlinksError` says ``PATH: cannot write WHAT (reason)``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_text_atomic(folder / "r.txt", "one\\n", what="report")
    >>> (folder / "r.txt").read_text(encoding="utf-8"), [p.name for p in folder.iterdir()]
    ('one\\n', ['r.txt'])
    >>> write_text_atomic(folder / "no" / "r.txt", "", what="report")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    crawler.errors.GovlinksError: .../no/r.txt: cannot write report (No such file or directory)
    """
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():  # a device or a pipe
        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(text)
        except OSError as err:
            raise GovlinksError(f"{path}: cannot write {what} ({err.strerror or err})") from None
        return
    try:
        fd, tmp = _create_temp(path)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as err:
        raise GovlinksError(f"{path}: cannot write {what} ({err.strerror or err})") from None


def output_folder(path: str | Path, *subfolders: str) -> Path:
    """The folder an output of several files goes to, created with ``subfolders`` if missing.

    Its parent must exist: a mistyped path fails in one line instead of growing a tree.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise GovlinksError(f"{out}: exists and is not a folder")
    if not out.parent.is_dir():
        raise GovlinksError(f"{out}: folder {out.parent} does not exist")
    for sub in ("", *subfolders):
        (out / sub).mkdir(exist_ok=True)
    return out
