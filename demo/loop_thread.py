"""An asyncio loop in a daemon thread: how the demo's servers (HTTP proxy, DNS) run beside
a test or a command that blocks. One place for the start (return once bound, or raise
what binding raised) and the stop (the server's own clean-up, then the loop closed)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable


class LoopThread:
    """Runs ``start()`` on a fresh loop in a daemon thread, then the loop until :meth:`stop`,
    which runs ``stop()`` on that loop before closing it."""

    def __init__(self, name: str, start: Callable[[], Awaitable[None]],
                 stop: Callable[[], Awaitable[None]]) -> None:  # fmt: skip
        self.name = name
        self._start = start
        self._stop = stop
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Returns once ``start()`` ran (a port is bound); raises what it raised."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = self.loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self._start())
            except BaseException as err:
                failure.append(err)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
                loop.run_until_complete(self._stop())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]

    def stop(self) -> None:
        if self._thread is None or self.loop is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
