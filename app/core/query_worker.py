"""What a query worker process does: guard, evaluate and serialise one query over the read-only on-disk store.

Part of the store layer (it talks to pyoxigraph). It runs in a process of its own because pyoxigraph cannot cancel
an evaluation: the parent kills the process when a query overruns (query_execution.py). Results are capped and
serialised here, with pyoxigraph's own serialisers, so only bytes cross back to the service.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox
from rdflib.term import Node

from app.core.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from app.core.network_sandbox import deny_internet_sockets
from app.core.query_guard import (
    GuardPolicy,
    InspectedQuery,
    QueryForm,
    QueryRejectedError,
    QuerySyntaxError,
    check_protocol_dataset,
    inspect_query,
    load_grammar,
)
from app.core.result_formats import GRAPH_FORMATS, RESULTS_FORMATS, NotAcceptableError
from app.core.store import EmbeddedStore, prefixes_used

log = logging.getLogger("coopgraph.worker")

DefaultGraph = Literal["union", "asserted", "store"]

RESULTS_SERIALISERS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_SERIALISERS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SIZE_MARGIN = 1024  # bytes kept free under the size cap for the truncation marker


class QueryEvaluationError(Exception):
    """The query was valid and allowed, but evaluating it failed (the message says how)."""


class WorkerStartError(Exception):
    """A worker could not open the store."""


@dataclass(frozen=True)
class WorkerConfig:
    """Fixed for a worker's life: the store it opens, how it picks the default graph, its caps and its walls."""

    store_path: str
    default_graph: DefaultGraph = "union"
    service_allowlist: tuple[str, ...] = ()
    prefixes: dict[str, str] = field(default_factory=dict)
    max_rows: int = 10_000
    max_bytes: int = 50_000_000
    sandbox_network: bool = True
    memory_limit_mb: int | None = None
    in_memory_max_bytes: int = 0  # issue 7: a store this small on disk is copied into the worker's memory


@dataclass(frozen=True)
class QueryJob:
    """One query and how to answer it; a format is None when the client accepts none offered for that form."""

    sparql: str
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    substitutions: tuple[tuple[str, Node], ...] = ()  # variable → RDF term, bound by the engine (canned queries)
    union_of_all_graphs: bool = False  # canned queries: every graph, inferred included, whatever default_graph says
    # issue 7: a canned query whose parameters were written into `sparql` (bound_queries.py) is guarded as its
    # template, the text the catalogue checked: the written terms cannot change what the guard decides.
    guard_sparql: str | None = None


@dataclass(frozen=True)
class QueryResult:
    """Serialised results and what a response needs to say about them."""

    body: bytes
    format: str
    form: QueryForm
    count: int
    truncated: str | None = None  # "row-limit" or "size-limit"


class WorkerContext:
    """A worker's read-only store, its guard policy (the store's graphs) and the guard's memo."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.store = EmbeddedStore.open_read_only(Path(config.store_path))
        self.copied_in_memory = threading.Event()
        if 0 < self.store.size_on_disk() <= config.in_memory_max_bytes:  # issue 7: answered from disk until copied
            threading.Thread(target=self._copy_into_memory, name="copy-into-memory", daemon=True).start()
        graphs = frozenset(self.store.named_graphs())
        self.policy = GuardPolicy(graphs, frozenset(config.service_allowlist), dict(config.prefixes))
        self.asserted_graphs = sorted(graphs - {str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH)})
        self.inspect: Callable[[str], InspectedQuery] = lru_cache(maxsize=1024)(self._inspect)

    def _copy_into_memory(self) -> None:
        try:
            self.store = self.store.copied_in_memory()  # one assignment: a query sees one store or the other
        except (OSError, MemoryError, ValueError) as error:
            log.warning("the store stays on disk: copying it into memory failed (%s)", error)
        self.copied_in_memory.set()

    def _inspect(self, sparql: str) -> InspectedQuery:
        return inspect_query(sparql, self.policy, lambda text: engine_syntax_check(text, self.config.prefixes))

    def dataset_arguments(self, query: InspectedQuery, job: QueryJob) -> dict[str, Any]:
        """Which graphs the query reads: the protocol's, else the query's FROM, else the default-graph setting."""
        if job.default_graph_uris or job.named_graph_uris:
            return {
                "union_default_graph": False,
                "default_graph": list(job.default_graph_uris),
                "named_graphs": list(job.named_graph_uris),
            }
        if query.has_dataset_clause:
            return {"union_default_graph": False}
        if job.union_of_all_graphs:
            return {"union_default_graph": True}
        if self.config.default_graph == "store":  # the store's own default graph: empty, whatever the store holds
            return {"union_default_graph": False, "default_graph": []}
        if self.config.default_graph == "asserted":
            return {"union_default_graph": False, "default_graph": self.asserted_graphs}
        return {"union_default_graph": True}


@lru_cache(maxsize=1)
def _empty_store() -> EmbeddedStore:
    return EmbeddedStore()


def engine_syntax_check(sparql: str, prefixes: dict[str, str]) -> None:
    """pyoxigraph's verdict on the syntax (its message and position), evaluated over an empty in-memory store.

    Only called for text without any SERVICE keyword (the guard makes sure), and in a worker behind the sandbox.
    """
    try:
        _empty_store().raw_query(sparql, prefixes=dict(prefixes), union_default_graph=False)
    except SyntaxError as error:
        raise engine_syntax_error(error) from None


def engine_syntax_error(error: SyntaxError) -> QuerySyntaxError:
    """pyoxigraph says "error at 1:37: expected …"; users read "syntax error at line 1, column 37: expected …"."""
    message = str(error).splitlines()[0] if str(error) else "invalid query"
    if "Prefix not found" in message:
        message = message.split(": expected", 1)[0] + ": a prefix used here is not declared (add a PREFIX line)"
    message = message if len(message) <= 300 else message[:300] + "…"
    if message.startswith("error at "):
        place, _, rest = message[len("error at ") :].partition(": ")
        line, _, column = place.partition(":")
        if line.isdigit() and column.isdigit():
            return QuerySyntaxError(f"syntax error at line {line}, column {column}: {rest}")
    return QuerySyntaxError(f"syntax error: {message}")


def guarded(job: QueryJob, inspect: Callable[[str], InspectedQuery], policy: GuardPolicy) -> tuple[InspectedQuery, str]:
    """The guard's verdict on `job` (raises if refused) and the format to answer in (NotAcceptableError if none):
    the same for the embedded workers and the backend (remote_execution.py)."""
    query = inspect(job.guard_sparql or job.sparql)
    check_protocol_dataset(job.default_graph_uris, job.named_graph_uris, policy)
    key = job.graph_format if query.form.returns_graph else job.results_format
    if key is None:
        offered = GRAPH_FORMATS if query.form.returns_graph else RESULTS_FORMATS
        raise NotAcceptableError(f"{query.form} results", tuple(f.media_type for f in offered))
    return query, key


def run_job(context: WorkerContext, job: QueryJob) -> QueryResult:
    """Guard, then evaluate and serialise under the caps; raises QueryRejectedError, NotAcceptableError, …"""
    query, key = guarded(job, context.inspect, context.policy)
    try:
        result = context.store.raw_query(
            job.sparql,
            prefixes=dict(context.config.prefixes),
            substitutions=dict(job.substitutions),
            **context.dataset_arguments(query, job),
        )
        config = context.config
        return serialise(result, query.form, key, config.max_rows, config.max_bytes, config.prefixes)
    except SyntaxError as error:
        raise engine_syntax_error(error) from None
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        raise QueryEvaluationError(f"the query could not be evaluated: {error}") from None


def serialise(
    result: Any,
    form: QueryForm,
    key: str,
    max_rows: int,
    max_bytes: int,
    prefixes: dict[str, str] | None = None,
    *,
    cut: bool = False,
) -> QueryResult:
    """Bytes in the chosen format, at most `max_rows` rows (or triples) and about `max_bytes` long, marked if cut.

    `cut`: the results were already cut for size before they got here (the backend's answer, remote_execution).
    """
    if isinstance(result, ox.QueryBoolean):
        return QueryResult(result.serialize(format=RESULTS_SERIALISERS[key]) or b"", key, form, 1)
    items = list(islice(result, max_rows + 1))
    truncated = "row-limit" if len(items) > max_rows else "size-limit" if cut else None
    items = items[:max_rows]
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        if key == "json":
            write: Callable[[list[Any]], bytes] = lambda rows: _solutions_json(variables, rows)  # noqa: E731
        else:
            write = lambda rows: _solutions_bytes(variables, rows, key)  # noqa: E731
    else:
        write = lambda triples: _triples_bytes(triples, key, prefixes or {})  # noqa: E731
    body = write(items)
    while len(body) > max_bytes - SIZE_MARGIN and items:
        keep = min(len(items) - 1, int(len(items) * (max_bytes - SIZE_MARGIN) / len(body) * 0.95))
        items = items[: max(keep, 0)]
        truncated = "size-limit"
        body = write(items)
    if truncated:
        body = mark_truncated(body, key, truncated, max_rows if truncated == "row-limit" else max_bytes, len(items))
    return QueryResult(body, key, form, len(items), truncated)


def _solutions_json(variables: list[str], rows: list[Any]) -> bytes:
    """The rows kept as SPARQL 1.1 JSON results, in pyoxigraph's own layout (issue 7: written once, in C; no second
    pass through pyoxigraph's parser and serialiser, which cost a quarter of a medium query's time)."""
    bindings = [
        {name: _term_json(term) for name, term in zip(variables, row, strict=True) if term is not None} for row in rows
    ]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _solutions_bytes(variables: list[str], rows: list[Any], key: str) -> bytes:
    """The rows kept, through SPARQL JSON (lossless) back into pyoxigraph's serialiser for the chosen format."""
    solutions = ox.parse_query_results(_solutions_json(variables, rows), ox.QueryResultsFormat.JSON)
    return solutions.serialize(format=RESULTS_SERIALISERS[key]) or b""


def _term_json(term: Any) -> dict[str, Any]:
    """One RDF term in the SPARQL 1.1 JSON results shape."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        literal: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            literal["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            literal["datatype"] = term.datatype.value
        return literal
    if isinstance(term, ox.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: _term_json(v) for k, v in parts.items()}}
    raise TypeError(f"unexpected term {term!r}")


def _triples_bytes(triples: list[Any], key: str, prefixes: dict[str, str]) -> bytes:
    serialiser = GRAPH_SERIALISERS[key]
    items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if serialiser.supports_datasets else triples
    return ox.serialize(items, format=serialiser, prefixes=prefixes_used(triples, prefixes)) or b""


def mark_truncated(body: bytes, key: str, reason: str, limit: int, kept: int) -> bytes:
    """Say inside the document, where its syntax allows, that results were cut (the response header says it too)."""
    unit = "rows" if reason == "row-limit" else "bytes"
    text = f"results truncated ({reason}: at most {limit} {unit}); {kept} kept"
    if key == "json" and body.rstrip().endswith(b"}"):
        extra = {"truncated": True, "truncation": {"reason": reason, "limit": limit, "kept": kept}}
        return body.rstrip()[:-1] + b"," + json.dumps(extra)[1:-1].encode() + b"}"
    if key in ("xml", "rdfxml"):
        head, mark, rest = body.partition(b"?>")
        comment = f"<!-- {text} -->".encode()
        return head + mark + comment + rest if mark else comment + body
    if key in ("turtle", "ntriples", "nquads", "trig"):
        return f"# {text}\n".encode() + body
    return body


def answer(context: WorkerContext, job: QueryJob) -> QueryResult | Exception:
    """The result, or the exception to re-raise in the service (never a traceback: messages only)."""
    try:
        return run_job(context, job)
    except (QueryRejectedError, NotAcceptableError, QueryEvaluationError) as error:
        return error
    except MemoryError:
        return QueryEvaluationError("the query needs more memory than a query worker may use")
    except Exception as error:  # anything else is still the query's failure, reported without internals
        log.exception("query failed")
        return QueryEvaluationError(f"the query could not be evaluated ({type(error).__name__})")


READY = "ready"
# Issue 7: no ORDER BY and no FILTER — either made the warm-up scan the store (9 s per worker at 10k triples); the
# parser and the evaluator are exercised all the same, on the first row.
WARM_UP = "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?v } } LIMIT 1"


def serve_fd(fd: int) -> None:
    """Entry point of a worker process: its configuration, then its jobs, arrive on the socket `fd`."""
    connection = Connection(fd)
    load_grammar()  # prestarted (worker_interpreters.py): while the service is still starting
    try:
        config = connection.recv()
    except (EOFError, OSError):
        return
    worker_main(connection, config)


def _exit_with_parent() -> None:
    """Exit when the service process dies, even in the middle of a query (the socket's EOF only tells between jobs).

    A watchdog thread rather than PR_SET_PDEATHSIG, which fires when the *thread* that started us exits; it gets to
    run during an evaluation because pyoxigraph releases the GIL while it evaluates.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def worker_main(connection: Connection, config: WorkerConfig) -> None:
    """Wall the process in, open the store, then answer jobs until the socket closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    _exit_with_parent()
    if config.sandbox_network:
        deny_internet_sockets()
    if config.memory_limit_mb:
        limit = config.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        context = WorkerContext(config)
    except OSError as error:
        connection.send(WorkerStartError(f"cannot open the store at {config.store_path}: {error}"))
        return
    answer(context, QueryJob(WARM_UP))  # the parsers' first use is the slow one: not on a user's clock
    connection.send(READY)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        connection.send(answer(context, job))
