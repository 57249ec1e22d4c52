"""Guarded forwarding of queries to the scale-out backend: the same guard, caps and formats as the embedded store.

Every query is inspected here exactly as a query worker inspects it (query_guard: read-only, no SERVICE outside the
allow-list, FROM / default-graph-uri only over loaded graphs; pyoxigraph's parser for the syntax message) before a
byte leaves for the backend — which may well allow SERVICE, LOAD or updates itself. Only what passed is forwarded,
to the query endpoint, as a query.

The backend is asked for line-based, lossless formats (TSV for solutions, N-Triples for graphs, JSON for ASK), read
as a stream and cut at `max_rows` + 1 lines or twice `max_response_bytes`, so an answer of any size costs bounded
memory; the lines read are re-serialised by the worker's own `serialise`, with the same truncation marks, in the
format the client chose. The time limit is a deadline on the whole exchange: past it the connection is closed and
the client gets the same 503 as on the embedded store (the backend's own limit, e.g. `oxigraph serve --timeout-s`
or Fuseki's `arq:queryTimeout`, is what stops its evaluation; the README says to set it).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import httpx
import pyoxigraph as ox

from app.core.config import Settings
from app.core.graph_store import BackendError
from app.core.metrics import NO_QUERY_EVENTS, QueryEvents
from app.core.namespaces import INFERRED_GRAPH, LOAD_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from app.core.query_execution import QueryServiceBusyError, QueryTimeoutError
from app.core.query_guard import GuardPolicy, InspectedQuery, QueryForm, inspect_query
from app.core.query_worker import (
    QueryEvaluationError,
    QueryJob,
    QueryResult,
    engine_syntax_check,
    guarded,
    serialise,
)
from app.core.remote_store import RemoteStore, bind_terms, describe_http_error, with_prefixes

log = logging.getLogger("coopgraph.queries")

ACCEPT = {
    QueryForm.SELECT: "text/tab-separated-values",
    QueryForm.ASK: "application/sparql-results+json",
    QueryForm.CONSTRUCT: "application/n-triples",
    QueryForm.DESCRIBE: "application/n-triples",
}
NO_GRAPH = f"{LOAD_GRAPH}#none"  # default-graph-uri naming no loaded graph: the empty default graph ("store")


class BackendQueryExecutor:
    """Forwards guarded queries to a remote SPARQL 1.1 server, at most `size` at a time, off the event loop."""

    def __init__(self, settings: Settings, store: RemoteStore, events: QueryEvents = NO_QUERY_EVENTS) -> None:
        self.settings = settings
        self.store = store
        self.events = events
        self.size = settings.query_workers
        self.timeout_s = settings.query_timeout_s
        self.timeouts = 0
        self.replacements = 0
        self._busy = 0
        self._lock = threading.Lock()
        self._slots: asyncio.Semaphore | None = None
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="coopgraph-backend")
        self.policy = GuardPolicy(frozenset(), frozenset(settings.service_allowlist), dict(PREFIXES))
        self.asserted_graphs: list[str] = []
        self.inspect: Callable[[str], InspectedQuery] = lru_cache(maxsize=1024)(self._inspect)

    def start(self) -> None:
        """Learn the loaded graphs (what FROM and default-graph-uri may name)."""
        graphs = frozenset(self.store.named_graphs())
        self.policy = GuardPolicy(graphs, frozenset(self.settings.service_allowlist), dict(PREFIXES))
        self.asserted_graphs = sorted(graphs - {str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH)})
        self.inspect.cache_clear()  # type: ignore[attr-defined]

    def _inspect(self, sparql: str) -> InspectedQuery:
        return inspect_query(sparql, self.policy, lambda text: engine_syntax_check(text, dict(PREFIXES)))

    async def run(self, job: QueryJob) -> QueryResult:
        """Guard and forward `job` in a thread; raise the guard's error, a timeout, or the backend's refusal."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.settings.query_queue_timeout_s)
        except TimeoutError:
            raise QueryServiceBusyError(
                f"all {self.size} backend connections stayed busy for {self.settings.query_queue_timeout_s:g} s; "
                "retry later"
            ) from None
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, self.run_blocking, job)
        finally:
            self._slots.release()

    def run_blocking(self, job: QueryJob) -> QueryResult:
        """The same as `run`, for a caller that may block."""
        query, key = guarded(job, self.inspect, self.policy)
        text = with_prefixes(bind_terms(job.sparql, dict(job.substitutions)))
        with self._lock:
            self._busy += 1
        try:
            body, cut = self._fetch(text, query.form, self._dataset(query, job))
        finally:
            with self._lock:
                self._busy -= 1
        try:
            return self._serialise(body, query.form, key, cut)
        except (SyntaxError, ValueError) as error:
            unreadable = str(error)
        # raised here, not in the except block: the parse error's frames (pyoxigraph objects, which must be freed on
        # the thread that made them) are gone before the error travels to the event loop's thread
        if _stopped_by_backend(unreadable):  # Oxigraph's --timeout-s cuts the stream with an error line
            raise self._timed_out(by_backend=True)
        raise BackendError(f"the backend sent results CoopGraph could not read: {unreadable}")

    def _serialise(self, body: bytes, form: QueryForm, key: str, cut: bool) -> QueryResult:
        settings = self.settings
        result = _parse(body, form)
        try:
            return serialise(result, form, key, settings.max_rows, settings.max_response_bytes, dict(PREFIXES), cut=cut)
        finally:
            del result

    def _dataset(self, query: InspectedQuery, job: QueryJob) -> list[tuple[str, str]]:
        """The protocol's dataset parameters: the client's, else none for FROM or the merge, else the setting's."""
        if job.default_graph_uris or job.named_graph_uris:
            return [("default-graph-uri", g) for g in job.default_graph_uris] + [
                ("named-graph-uri", g) for g in job.named_graph_uris
            ]
        if query.has_dataset_clause or job.union_of_all_graphs or self.settings.default_graph == "union":
            return []  # the backend's default graph holds the merge of the named graphs (`coopgraph load`)
        if self.settings.default_graph == "asserted":
            return [("default-graph-uri", g) for g in self.asserted_graphs]
        return [("default-graph-uri", NO_GRAPH)]

    def _fetch(self, sparql: str, form: QueryForm, dataset: list[tuple[str, str]]) -> tuple[bytes, bool]:
        """The answer's first lines (all of it if small), and whether it was cut for size."""
        deadline = time.monotonic() + self.timeout_s
        max_lines = self.settings.max_rows + 2  # the TSV header, then one row past the cap (to know it was cut)
        max_bytes = 2 * self.settings.max_response_bytes
        form_data: dict[str, list[str]] = {"query": [sparql]}
        for name, value in dataset:
            form_data.setdefault(name, []).append(value)
        timeout = httpx.Timeout(self.timeout_s, connect=5.0)
        try:
            with self.store.client.stream(
                "POST", self.store.query_url, data=form_data, headers={"Accept": ACCEPT[form]}, timeout=timeout
            ) as response:
                if response.status_code >= 300:
                    message = response.read()[:2000].decode("utf-8", "replace")
                    if response.status_code == 503 or _stopped_by_backend(message):  # Fuseki's timeout: 503
                        raise self._timed_out(by_backend=True)
                    raise _refusal(response.status_code, message)
                if form is QueryForm.ASK:
                    return _read_all(response.iter_bytes(), deadline, max_bytes, self._timed_out), False
                return _read_lines(response.iter_bytes(), deadline, max_lines, max_bytes, self._timed_out)
        except httpx.TimeoutException:
            raise self._timed_out() from None
        except httpx.HTTPError as error:
            raise BackendError(
                f"the backend {self.store.query_url} did not answer: {describe_http_error(error)}"
            ) from None

    def _timed_out(self, by_backend: bool = False) -> QueryTimeoutError:
        self.timeouts += 1
        self.events.query_timed_out()
        limit = "the backend's time limit" if by_backend else f"the {self.timeout_s:g} s limit"
        return QueryTimeoutError(
            f"the query ran longer than {limit} and was stopped; "
            "narrow it (LIMIT, more specific patterns) or ask the operator to raise query_timeout_s"
        )

    def worker_counts(self) -> tuple[int, int]:
        """(connections allowed, idle ones) — the embedded executor's (alive, idle) for /ready and the metrics."""
        with self._lock:
            return self.size, self.size - self._busy

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


def _stopped_by_backend(message: str) -> bool:
    """The backend's own time limit stopped the query (its words for it)."""
    lowered = message.lower()
    return any(word in lowered for word in ("cancelled", "canceled", "timed out", "timeout"))


def _refusal(status: int, message: str) -> Exception:
    """A 4xx from the backend is the query's fault (400, its message); anything else is the backend's (502)."""
    text = " ".join(message.split())[:500] or f"HTTP {status}"
    if 400 <= status < 500:
        return QueryEvaluationError(f"the backend could not evaluate the query: {text}")
    return BackendError(f"the backend answered {status}: {text}")


def _read_all(chunks: Iterator[bytes], deadline: float, max_bytes: int, timed_out: Callable[[], Exception]) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if time.monotonic() > deadline:
            raise timed_out()
        if len(body) > max_bytes:
            raise BackendError("the backend's answer to an ASK query was implausibly large")
    return bytes(body)


def _read_lines(
    chunks: Iterator[bytes], deadline: float, max_lines: int, max_bytes: int, timed_out: Callable[[], Exception]
) -> tuple[bytes, bool]:
    """Whole lines up to `max_lines` (then the rest is not read) or `max_bytes` (then it says it cut for size)."""
    body = bytearray()
    lines = 0
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise timed_out()
        body += chunk
        lines += chunk.count(b"\n")
        if lines >= max_lines:
            end = _nth_newline(body, max_lines)
            return bytes(body[: end + 1]), False
        if len(body) > max_bytes:
            return bytes(body[: body.rfind(b"\n") + 1]), True
    return bytes(body), False


def _nth_newline(body: bytearray, n: int) -> int:
    position = -1
    for _ in range(n):
        position = body.index(b"\n", position + 1)
    return position


def _parse(body: bytes, form: QueryForm) -> Any:
    """The backend's bytes as pyoxigraph results, for `serialise`."""
    if form is QueryForm.SELECT:
        return ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
    if form is QueryForm.ASK:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    return ox.parse(body, ox.RdfFormat.N_TRIPLES)
