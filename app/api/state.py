"""What the running service holds: the store, its query workers, its dumps and descriptions (set once at startup)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request

from app.core.config import Settings
from app.core.dumps import Dump
from app.core.graph_store import GraphStore
from app.core.knowledge import Knowledge
from app.core.query_execution import QueryService

T = TypeVar("T")
log = logging.getLogger("coopgraph")


@dataclass
class ServiceState:
    """The loaded graph: the only state the app keeps.

    `knowledge` (the rdflib dataset, shapes and validation report) is materialised on first use: a restart over an
    unchanged persisted store opens the store without running the pipeline, and only pays for it if a route asks.
    """

    settings: Settings
    store: GraphStore
    dumps_dir: Path
    dumps_written: Future[list[Dump]]  # issue 7: a first start serves before its dumps are written
    version: str
    built_at: datetime  # when this data version was built: the Last-Modified of every representation of it
    queries: QueryService
    descriptions: Future[dict[str, bytes]]  # issue 7: built by a thread while the port opens
    knowledge_loader: Callable[[], Knowledge] = field(repr=False)

    @cached_property
    def knowledge(self) -> Knowledge:
        return self.knowledge_loader()

    @property
    def dumps(self) -> list[Dump]:
        """The downloadable dumps; waits while they are still being written (never call it on the event loop)."""
        try:
            return self.dumps_written.result()
        except Exception as error:
            raise DumpsUnavailableError(
                f"the downloads of data version {self.version[:12]} could not be written ({error}); queries are "
                "not affected, and the service writes them again when it restarts"
            ) from error

    def dump_file(self, name: str) -> Path:
        """The path of one written dump (waits while they are being written; never on the event loop)."""
        self.dumps  # noqa: B018 - waits for them, or raises DumpsUnavailableError
        return self.dumps_dir / name

    @property
    def dumps_status(self) -> str:
        """`written`, `writing` or `failed` (for /ready)."""
        if not self.dumps_written.done():
            return "writing"
        return "failed" if self.dumps_written.exception() is not None else "written"

    async def service_description(self, key: str) -> bytes:
        """The SPARQL Service Description serialised as `key` (turtle, ntriples, jsonld, rdfxml); while it is still
        being built (the first seconds of a first start), the request waits for it, not the event loop."""
        return (await asyncio.wrap_future(self.descriptions))[key]


class DumpsUnavailableError(Exception):
    """A first build's dumps failed to be written (a full disk…): downloads answer 503, queries still work."""


class ServiceLoadingError(Exception):
    """The graph is not loaded yet (load_in_background); the client should retry shortly (operations, issue 8)."""


def get_state(request: Request) -> ServiceState:
    """FastAPI dependency: the service state set by the lifespan (ServiceLoadingError, a 503, while it loads)."""
    state: ServiceState | None = getattr(request.app.state, "coop", None)
    if state is None:
        raise ServiceLoadingError("the graph is still loading; retry in a few seconds (GET /ready tells when)")
    return state


class StateReloader:
    """Rebuilds the service state from the files on disk and swaps it in; one rebuild serves every waiting write.

    Requests read `app.state.coop` once (get_state) and keep that state for their whole life, so the swap — one
    attribute assignment, made after the new state is fully built — is atomic for them: a request sees the old
    graph or the new one, never a mix. The old state's query workers are stopped only after `grace_s` (longer
    than any query may run), so queries in flight finish on the graph they started on.

    Writes and rebuilds are coordinated by tickets: each finished write (or plain reload) takes the next ticket,
    and returns once the live state includes it. A rebuild starts only when no write is under way, and covers
    every ticket issued before it starts — so two curators publishing at once wait for one rebuild, not two.
    """

    def __init__(self, holder: Any, build: Callable[[Path], ServiceState], workdir: Path, grace_s: float) -> None:
        self._holder = holder
        self._build = build
        self._workdir = workdir
        self._grace_s = grace_s
        self._condition = threading.Condition()
        self._writers = 0  # writes started and not yet finished
        self._issued = 0  # tickets handed out
        self._served = 0  # the highest ticket the live state includes
        self._building = False
        self._generation = 0
        self._current_dir: Path | None = None
        self._retiring: list[tuple[threading.Timer, ServiceState, Path | None]] = []

    def reload(self) -> ServiceState:
        """A state built from the files now on disk (shared with any rebuild that starts after this call)."""
        with self._condition:
            self._issued += 1
            ticket = self._issued
        return self._await(ticket)

    def after_write(self, write: Callable[[], T]) -> tuple[T, ServiceState]:
        """Run `write` (which changes data/), then return its result with a live state that includes it."""
        with self._condition:
            self._writers += 1
        try:
            result = write()
        except BaseException:
            with self._condition:
                self._writers -= 1
                self._condition.notify_all()
            raise
        with self._condition:
            self._writers -= 1
            self._issued += 1
            ticket = self._issued
            self._condition.notify_all()
        return result, self._await(ticket)

    def _await(self, ticket: int) -> ServiceState:
        """Wait until the live state includes `ticket`, building it ourselves when no one else is."""
        with self._condition:
            while self._served < ticket:
                if not self._building and self._writers == 0:
                    self._building = True
                    target = self._issued
                    break
                self._condition.wait()
            else:
                current: ServiceState = self._holder.coop
                return current
        try:
            fresh = self._swap_in_fresh_state()
        except BaseException:
            with self._condition:
                self._building = False
                self._condition.notify_all()
            raise
        with self._condition:
            self._served = max(self._served, target)
            self._building = False
            self._condition.notify_all()
        return fresh

    def _swap_in_fresh_state(self) -> ServiceState:
        self._generation += 1
        workdir = self._workdir / f"generation-{self._generation}"
        workdir.mkdir(parents=True, exist_ok=True)
        fresh = self._build(workdir)
        old, old_dir = self._holder.coop, self._current_dir
        self._holder.coop, self._current_dir = fresh, workdir
        timer = threading.Timer(self._grace_s, self._retire, args=(old, old_dir))
        timer.daemon = True
        with self._condition:
            self._retiring.append((timer, old, old_dir))
        timer.start()
        return fresh

    def _retire(self, state: ServiceState, workdir: Path | None) -> None:
        with self._condition:
            self._retiring = [entry for entry in self._retiring if entry[1] is not state]
        state.queries.close()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def close(self) -> None:
        """Stop the states still waiting out their grace (at shutdown); the current one is the lifespan's to close."""
        with self._condition:
            retiring, self._retiring = self._retiring, []
        for timer, state, workdir in retiring:
            timer.cancel()
            state.queries.close()
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)


class VersionWatcher:
    """Picks up data rebuilt elsewhere without a restart: every `interval_s`, asks `version_now` for the version
    the store holds now (a backend's load record, or the shared store folder's manifest) and, if it is another
    than the one served, has the reloader build a fresh state (new dumps, graphs, caches keyed anew)."""

    def __init__(self, holder: Any, version_now: Callable[[ServiceState], str | None], interval_s: float) -> None:
        self._holder = holder
        self._version_now = version_now
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="coopgraph-version-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self._interval_s):
            state: ServiceState | None = getattr(self._holder, "coop", None)
            if state is None:  # still loading (load_in_background)
                continue
            try:
                version = self._version_now(state)
                if version is not None and version != state.version:
                    log.info("the data was rebuilt elsewhere (version %s); reloading", version[:12])
                    self._holder.coop_reloader.reload()
            except Exception as error:  # the store may be away for a while: keep serving, keep watching
                log.warning("could not check the served data's version: %s", error)

    def close(self) -> None:
        self._stop.set()


def reload_state(app: Any) -> ServiceState:
    """The reload hook: rebuild the served graph from data/ without a restart."""
    return reloader_of(app).reload()


def reloader_of(app: Any) -> StateReloader:
    """The app's reloader (set by the lifespan), for a write path that wants its rebuild shared (curation)."""
    reloader: StateReloader = app.state.coop_reloader
    return reloader
