"""The first load of the graph, before the port opens or (load_in_background) behind it, and where it stands.

By default the lifespan loads before uvicorn accepts a connection: with several worker processes on one port, a
process still loading then takes no requests, and its siblings answer. With `load_in_background` (one process behind
an orchestrator's probes) the port opens at once: /health answers, /ready says "loading" (503) until the graph is
in, and the data routes answer 503 with Retry-After meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
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
