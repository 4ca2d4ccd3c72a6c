"""What a crawl prints, and where its full log goes.

A crawl runs on a terminal or under cron with its output mailed; either way the
user reads the same few lines: the start line, a progress line every
``--progress-every`` (the live display instead, on a terminal), the warnings that
need them (a stop, a proxy that refuses the crawl) and the end summary. Those go
through one logger, :data:`CONSOLE` (``govlinks``), whose handler writes to
stderr. Everything else (Scrapy's own log, Twisted's, Python warnings, the
tracebacks of unexpected errors) goes only to ``--log-file``, never to the
terminal: a crawl of 750 sites meets thousands of routine failures, stored and
counted in the summary. A network failure is a routine failure: its traceback is
dropped even from the log file, and its record says what happened in a few words.
"""

from __future__ import annotations

import logging
import sys

from crawler.errors import GovlinksError
from crawler.failures import describe_failure, is_network_error

__all__ = [
    "CONSOLE",
    "FILE_FORMAT",
    "NetworkTracebacks",
    "log_file_handler",
    "setup_logging",
    "teardown_logging",
]

CONSOLE = logging.getLogger("govlinks")
FILE_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
# Keeps Python's last-resort handler from printing stray records (Scrapy's, asyncio's at
# exit) on stderr when no --log-file is given; stays for the life of the process.
_NULL = logging.NullHandler()


class NetworkTracebacks(logging.Filter):
    """Replace the traceback of a network failure with its short reason.

    >>> record = logging.LogRecord("scrapy", logging.ERROR, "", 0, "Error downloading %s", ("x",), None)
    >>> try:
    ...     raise TimeoutError()
    ... except TimeoutError:
    ...     record.exc_info = sys.exc_info()
    >>> NetworkTracebacks().filter(record), record.exc_info, record.getMessage()
    (True, None, 'Error downloading x (timeout: no answer within the time allowed)')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_network_error(exc):
            reason = describe_failure(exc, timeout=0, max_bytes=0, max_redirects=0)
            reason = reason.replace("within 0s", "within the time allowed")
            record.msg = f"{record.msg} ({reason.replace('%', '%%')})"
            record.exc_info = None
            record.exc_text = None
        return True


def log_file_handler(path: str, *, worker: str = "") -> logging.Handler:
    """The ``--log-file`` handler: INFO and above (Scrapy sets its own loggers to DEBUG, which
    would write every page and item, ~9 KB a page), a worker's lines named after it."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    named = FILE_FORMAT.replace("[%(name)s]", f"{worker} [%(name)s]") if worker else FILE_FORMAT
    handler.setFormatter(logging.Formatter(named))
    handler.addFilter(NetworkTracebacks())
    return handler


def setup_logging(*, quiet: bool, log_file: str | None) -> list[logging.Handler]:
    """Install the console handler (stderr) and the log file; return them for teardown."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    if _NULL not in root.handlers:
        root.addHandler(_NULL)
    # Warnings (Scrapy deprecations and the like) go to the log, never straight to stderr.
    logging.captureWarnings(True)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.ERROR if quiet else logging.INFO)
    console.setFormatter(logging.Formatter("%(message)s"))
    CONSOLE.addHandler(console)
    CONSOLE.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [console]
    if log_file:
        try:
            handler = log_file_handler(log_file)
        except OSError as err:
            teardown_logging(handlers)
            raise GovlinksError(f"{log_file}: cannot open log file ({err.strerror})") from None
        root.addHandler(handler)
        handlers.append(handler)
    return handlers


def teardown_logging(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        CONSOLE.removeHandler(handler)
        logging.getLogger().removeHandler(handler)
        handler.close()
    logging.captureWarnings(False)
