"""Guarded query execution: a small pool of worker processes, a timeout that really stops a query, never the loop.

pyoxigraph has no way to cancel an evaluation, so each query runs in a worker process (query_worker.py) that opens
the on-disk store read-only. The service waits for the answer in a thread, never on the event loop; when the time
limit passes the worker is killed (SIGKILL), the client gets a clear 503, and a fresh worker replaces it in the
background while the other workers keep answering.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from app.core.config import Settings
from app.core.metrics import NO_QUERY_EVENTS, QueryEvents  # operations (issue 8)
from app.core.namespaces import PREFIXES
from app.core.query_worker import READY, QueryJob, QueryResult, WorkerConfig, WorkerStartError
from app.core.worker_interpreters import take_interpreter

log = logging.getLogger("coopgraph.queries")

START_TIMEOUT_S = 60.0


class QueryTimeoutError(Exception):
    """The query ran past the time limit and was stopped."""


class QueryServiceBusyError(Exception):
    """Every worker stayed busy for as long as a query may run; the client should retry later."""


class QueryWorkerCrashedError(Exception):
    """The worker evaluating the query died (most often: it ran out of its memory allowance)."""


class _WorkerOverranError(Exception):
    pass


class _Worker:
    """One worker process (a fresh interpreter: worker_interpreters.py) and the socket to it."""

    def __init__(self, process: subprocess.Popen[bytes], connection: Connection) -> None:
        self.process = process
        self.connection = connection

    @classmethod
    def start(cls, config: WorkerConfig) -> _Worker:
        """Start a worker (or take one prestarted) and wait until it has opened the store."""
        interpreter = take_interpreter()
        process = interpreter.process
        worker = cls(process, Connection(interpreter.socket.detach()))
        worker.connection.send(config)
        if not worker.connection.poll(START_TIMEOUT_S):
            worker.stop()
            raise WorkerStartError(f"a query worker did not start within {START_TIMEOUT_S:.0f} s")
        try:
            message = worker.connection.recv()
        except (EOFError, OSError):
            worker.stop()
            raise WorkerStartError(f"a query worker exited at start (exit code {process.poll()})") from None
        if message != READY:
            worker.stop()
            raise message if isinstance(message, Exception) else WorkerStartError(str(message))
        return worker

    def call(self, job: QueryJob, timeout_s: float) -> QueryResult:
        """Send one job and wait for its answer; _WorkerOverranError on timeout, QueryWorkerCrashedError if it died."""
        try:
            self.connection.send(job)
            if not self.connection.poll(timeout_s):
                raise _WorkerOverranError
            reply = self.connection.recv()
        except (EOFError, OSError):
            raise QueryWorkerCrashedError(
                "the query worker stopped while evaluating this query (it may have needed more memory than allowed)"
            ) from None
        if isinstance(reply, Exception):
            raise reply
        assert isinstance(reply, QueryResult)
        return reply

    def stop(self) -> None:
        """Kill the process (the only way to stop a running evaluation) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            log.warning("query worker %d did not exit after SIGKILL", self.process.pid)
        self.connection.close()


class QueryService(Protocol):
    """What the service asks of whatever evaluates its queries: worker processes here, or a backend
    (remote_execution.py)."""

    size: int
    timeout_s: float

    def start(self) -> None: ...
    async def run(self, job: QueryJob) -> QueryResult: ...
    def run_blocking(self, job: QueryJob) -> QueryResult: ...
    def worker_counts(self) -> tuple[int, int]: ...
    def close(self) -> None: ...


class QueryExecutor:
    """A fixed pool of query workers over one read-only store."""

    def __init__(
        self,
        config: WorkerConfig,
        workers: int,
        timeout_s: float,
        queue_timeout_s: float = 30.0,
        events: QueryEvents = NO_QUERY_EVENTS,  # operations (issue 8): timeouts and crashes, for the metrics
    ) -> None:
        self.config = config
        self.events = events
        self.size = workers
        self.timeout_s = timeout_s
        self.queue_timeout_s = queue_timeout_s
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._slots: asyncio.Semaphore | None = None
        self._threads = ThreadPoolExecutor(max_workers=workers + 2, thread_name_prefix="coopgraph-query")
        self.timeouts = 0
        self.replacements = 0

    def start(self) -> None:
        """Start every worker (in parallel) and return once all have opened the store."""
        with ThreadPoolExecutor(max_workers=self.size) as starter:
            workers = list(starter.map(lambda _: _Worker.start(self.config), range(self.size)))
        for worker in workers:
            self._adopt(worker)

    async def run(self, job: QueryJob) -> QueryResult:
        """Evaluate `job` in a worker, off the event loop; raise the worker's error, or a timeout/busy error."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.queue_timeout_s)
        except TimeoutError:
            raise QueryServiceBusyError(
                f"all {self.size} query workers stayed busy for {self.queue_timeout_s:g} s; retry later"
            ) from None
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, self.run_blocking, job)
        finally:
            self._slots.release()

    def run_blocking(self, job: QueryJob) -> QueryResult:
        """The same as `run`, for a caller that may block (a thread, a script)."""
        worker = self._idle_worker(time.monotonic())
        try:
            result = worker.call(job, self.timeout_s)
        except _WorkerOverranError:
            self.timeouts += 1
            self.events.query_timed_out()
            self._replace(worker)
            raise QueryTimeoutError(
                f"the query ran longer than the {self.timeout_s:g} s limit and was stopped; "
                "narrow it (LIMIT, more specific patterns) or ask the operator to raise query_timeout_s"
            ) from None
        except QueryWorkerCrashedError:
            self.events.query_worker_crashed()
            self._replace(worker)
            raise
        except BaseException:
            self._idle.put(worker)
            raise
        self._idle.put(worker)
        return result

    def _idle_worker(self, started: float) -> _Worker:
        """A free, live worker (one that died while idle is replaced, not handed a query)."""
        while True:
            try:
                worker = self._idle.get(timeout=max(self.queue_timeout_s - (time.monotonic() - started), 0.01))
            except queue.Empty:
                raise QueryServiceBusyError(
                    f"no query worker became free within {self.queue_timeout_s:g} s; retry later"
                ) from None
            if worker.process.poll() is None:
                return worker
            log.warning("query worker %d had exited (code %s); replacing it", worker.process.pid, worker.process.poll())
            self._replace(worker)

    def worker_counts(self) -> tuple[int, int]:
        """(alive, idle) workers right now, without waiting on any of them (operations: /ready and the metrics)."""
        with self._lock:
            alive = sum(1 for worker in self._all if worker.process.poll() is None)
        return alive, self._idle.qsize()

    def close(self) -> None:
        """Stop every worker, busy or idle (running queries are cancelled)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _adopt(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` now; start its successor in the background so this request can be answered at once."""
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        threading.Thread(target=self._respawn, name="coopgraph-respawn", daemon=True).start()

    def _respawn(self) -> None:
        delay = 0.5
        while not self._closed:
            try:
                self._adopt(_Worker.start(self.config))
                self.replacements += 1
                return
            except Exception:  # keep trying: a pool short of a worker is slower, not broken
                log.exception("could not start a replacement query worker; retrying in %.1f s", delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)


def executor_for(settings: Settings, store_dir: Path, events: QueryEvents = NO_QUERY_EVENTS) -> QueryExecutor:
    """The executor the settings describe, over the store at `store_dir` (not started); `events` sees its timeouts."""
    config = WorkerConfig(
        store_path=str(store_dir),
        default_graph=settings.default_graph,
        service_allowlist=tuple(settings.service_allowlist),
        prefixes=dict(PREFIXES),
        max_rows=settings.max_rows,
        max_bytes=settings.max_response_bytes,
        sandbox_network=not settings.service_allowlist,
        memory_limit_mb=settings.query_memory_mb,
        in_memory_max_bytes=settings.query_store_in_memory_mb * 1024 * 1024,
    )
    return QueryExecutor(
        config, settings.query_workers, settings.query_timeout_s, settings.query_queue_timeout_s, events
    )
