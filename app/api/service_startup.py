"""The first load of the graph, before the port opens or (load_in_background) behind it, and where it stands.

By default the lifespan loads before uvicorn accepts a connection: with several worker processes on one port, a
process still loading then takes no requests, and its siblings answer. With `load_in_background` (one process behind
an orchestrator's probes) the port opens at once: /health answers, /ready says "loading" (503) until the graph is
in, and the data routes answer 503 with Retry-After meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Literal

log = logging.getLogger("coopgraph")

LoadStatus = Literal["loading", "ready", "failed"]


class ServiceStartup:
    """Runs `load` once, inline or in a thread, and records whether it is loading, ready or failed (and why)."""

    def __init__(self, load: Callable[[], None], background: bool) -> None:
        self._load = load
        self.background = background
        self.status: LoadStatus = "loading"
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    async def begin(self) -> None:
        """Load now (an error then stops startup), or start loading in the background and return at once."""
        if not self.background:
            with _stoppable_by_signals():
                self._run()
            return
        self._thread = threading.Thread(target=self._run, name="coopgraph-initial-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._load()
        except Exception as error:
            self.status, self.error = "failed", f"{type(error).__name__}: {error}"
            if not self.background:
                raise
            log.exception("the graph could not be loaded; /ready answers 503 until the service is restarted")
            return
        self.status = "ready"

    async def finish(self) -> None:
        """At shutdown: wait for a background load still running (it cannot be interrupted half-way)."""
        if self._thread is not None and self._thread.is_alive():
            log.info("waiting for the initial load to finish before shutting down")
            await asyncio.to_thread(self._thread.join)


class LoadInterruptedError(BaseException):
    """SIGINT or SIGTERM arrived while the graph was loading before the port opened (a BaseException, like
    KeyboardInterrupt, so that no `except Exception` on the way keeps the build going)."""


@contextmanager
def _stoppable_by_signals() -> Iterator[None]:
    """While the first load runs on the event loop's thread, Ctrl-C or SIGTERM stops it.

    uvicorn's own handlers only set a flag it reads once startup is over: a build of a million triples (minutes)
    would run to its end first (issue 7). Here the signal raises in the load instead; the build's pools stop, its
    half-written folders are never listed in a manifest (the next start removes them) and uvicorn exits.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, _frame: FrameType | None) -> None:
        raise LoadInterruptedError(f"stopped by {signal.Signals(number).name} while loading the graph")

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
