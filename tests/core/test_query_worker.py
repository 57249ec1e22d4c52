"""The query worker and its pool without HTTP: dataset selection, serialisation and caps, timeouts, crashes."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Literal, Namespace
from rdflib.namespace import XSD

from app.core.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, source_graph
from app.core.query_execution import QueryExecutor, QueryTimeoutError, QueryWorkerCrashedError
from app.core.query_guard import QueryForm, ServiceRefusedError
from app.core.query_worker import QueryJob, WorkerConfig, WorkerContext, answer, engine_syntax_error, serialise
from app.core.store import EmbeddedStore

EX = Namespace("http://example.org/")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two data graphs sharing one triple, an ontology graph and an inferred graph; 200 triples in all, about."""
    dataset = Dataset()
    one, two = dataset.graph(source_graph("one")), dataset.graph(source_graph("two"))
    for i in range(90):
        one.add((EX[f"a{i}"], EX.rank, Literal(i)))
    one.add((EX.shared, EX.label, Literal("shared", lang="en")))
    two.add((EX.shared, EX.label, Literal("shared", lang="en")))
    two.add((BNode("b"), EX.label, Literal('x\t"y"\n', datatype=XSD.string)))
    two.add((EX.typed, EX.value, Literal("2024-05", datatype=XSD.gYearMonth)))
    dataset.graph(ONTOLOGY_GRAPH).add((EX.rank, EX.kind, EX.Property))
    for i in range(100):
        dataset.graph(INFERRED_GRAPH).add((EX[f"a{i}"], EX.inferred, Literal(True)))
    path = tmp_path_factory.mktemp("worker-store") / "store"
    EmbeddedStore.from_dataset(dataset, path, merge_default_graph=True)
    return path


def context(store_dir: Path, **settings: object) -> WorkerContext:
    return WorkerContext(WorkerConfig(str(store_dir), **settings))  # type: ignore[arg-type]


def count(ctx: WorkerContext, sparql: str = COUNT, **job: object) -> int:
    result = answer(ctx, QueryJob(sparql, **job))  # type: ignore[arg-type]
    assert not isinstance(result, Exception), result
    return int(json.loads(result.body)["results"]["bindings"][0]["n"]["value"])


QUERIES = [
    COUNT,
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    # (blank node labels are the copy's own: a result set's labels only mean something within it)
    "SELECT ?s ?label WHERE { ?s <http://example.org/label> ?label FILTER(isIRI(?s)) } ORDER BY ?s ?label",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/label> ?label FILTER(isBlank(?s)) }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s <http://example.org/value> ?o ; ?p ?o }",
]


def test_a_small_store_is_copied_into_memory_and_answers_the_same(store_dir: Path) -> None:
    on_disk, in_memory = context(store_dir), context(store_dir, in_memory_max_bytes=64 * 1024 * 1024)
    assert in_memory.copied_in_memory.wait(30)
    assert not on_disk.store.in_memory and in_memory.store.in_memory
    too_large = context(store_dir, in_memory_max_bytes=1024)
    assert not too_large.copied_in_memory.wait(0.5) and too_large.store.in_memory is False  # answered from disk
    for sparql in QUERIES:
        answers = [answer(ctx, QueryJob(sparql, union_of_all_graphs=True)) for ctx in (on_disk, in_memory)]
        assert not any(isinstance(a, Exception) for a in answers), answers
        assert answers[0].body == answers[1].body and answers[0].count > 0  # type: ignore[union-attr]


def test_default_graph_settings(store_dir: Path) -> None:
    assert count(context(store_dir)) == 90 + 1 + 2 + 1 + 100  # the shared triple once: a merge, not a bag
    assert count(context(store_dir, default_graph="asserted")) == 90 + 1 + 1 + 2  # bag over the data graphs
    assert count(context(store_dir, default_graph="store")) == 0


def test_from_and_protocol_dataset(store_dir: Path) -> None:
    ctx = context(store_dir)
    assert count(ctx, f"SELECT (COUNT(*) AS ?n) FROM <{source_graph('two')}> WHERE {{ ?s ?p ?o }}") == 3
    assert count(ctx, default_graph_uris=(str(ONTOLOGY_GRAPH),)) == 1
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(ctx, graphs) == 4
    assert count(ctx, graphs, named_graph_uris=(str(INFERRED_GRAPH),)) == 1


def test_results_keep_every_term_exactly(store_dir: Path) -> None:
    ctx = context(store_dir)
    query = "SELECT ?s ?o ?missing WHERE { ?s <http://example.org/label> ?o } ORDER BY ?o"
    for key in ("json", "xml", "csv", "tsv"):
        result = answer(ctx, QueryJob(query, results_format=key))
        assert not isinstance(result, Exception)
        assert result.count == 2
    document = json.loads(answer(ctx, QueryJob(query)).body)  # type: ignore[union-attr]
    assert document["head"]["vars"] == ["s", "o", "missing"]
    by_type = {b["s"]["type"]: b for b in document["results"]["bindings"]}
    assert by_type["bnode"]["o"] == {"type": "literal", "value": 'x\t"y"\n'}
    assert by_type["uri"]["o"] == {"type": "literal", "value": "shared", "xml:lang": "en"}
    assert all("missing" not in b for b in by_type.values())
    typed = answer(ctx, QueryJob("SELECT ?v WHERE { ?s <http://example.org/value> ?v }"))
    assert json.loads(typed.body)["results"]["bindings"][0]["v"]["datatype"] == str(XSD.gYearMonth)  # type: ignore[union-attr]


def test_json_results_are_pyoxigraphs_own_bytes(store_dir: Path) -> None:
    """The worker writes SPARQL JSON itself (issue 7): byte for byte what pyoxigraph's serialiser writes."""
    extra = ox.Store()
    subject, predicate = ox.NamedNode(str(EX.tricky)), ox.NamedNode(str(EX.p))
    for value in ('é "q" \\ \n\t\u2028 <&> \x01\x7f', "plain"):
        for literal in (ox.Literal(value), ox.Literal(value, language="fr-ca"), ox.Literal(value, datatype=subject)):
            extra.add(ox.Quad(subject, predicate, literal))
    extra.add(ox.Quad(ox.BlankNode("b0"), predicate, ox.NamedNode("http://example.org/é?x=1#y")))
    query = "SELECT ?s ?p ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?unbound } }"
    for run in (EmbeddedStore.open_read_only(store_dir).raw_query, extra.query):
        expected = run(query).serialize(format=ox.QueryResultsFormat.JSON)
        written = serialise(run(query), QueryForm.SELECT, "json", max_rows=10_000, max_bytes=10_000_000)
        assert written.truncated is None and written.count > 2 and written.body == expected


def test_row_cap_markers_in_every_syntax(store_dir: Path) -> None:
    ctx = context(store_dir, max_rows=10, prefixes={"ex": str(EX)})
    rows = "SELECT ?s WHERE { ?s <http://example.org/rank> ?r } ORDER BY ?r"
    for key, marker in (("json", b'"truncated": true'), ("xml", b"<!-- results truncated"), ("csv", b"")):
        result = answer(ctx, QueryJob(rows, results_format=key))
        assert not isinstance(result, Exception)
        assert (result.truncated, result.count) == ("row-limit", 10)
        assert marker in result.body
    graph = answer(ctx, QueryJob("CONSTRUCT WHERE { ?s <http://example.org/rank> ?r }", graph_format="turtle"))
    assert not isinstance(graph, Exception)
    assert graph.body.startswith(b"# results truncated (row-limit: at most 10 rows)")
    assert b"@prefix ex: <http://example.org/>" in graph.body
    complete = answer(ctx, QueryJob("SELECT ?s WHERE { ?s <http://example.org/label> ?o }"))
    assert not isinstance(complete, Exception) and complete.truncated is None


def test_size_cap_cuts_rows_until_the_body_fits(store_dir: Path) -> None:
    ctx = EmbeddedStore.open_read_only(store_dir)
    result = serialise(
        ctx.raw_query("SELECT * WHERE { ?s ?p ?o }"), QueryForm.SELECT, "json", max_rows=1000, max_bytes=4000
    )
    assert result.truncated == "size-limit" and 0 < result.count < 100
    assert len(result.body) <= 4000
    assert json.loads(result.body)["truncation"]["reason"] == "size-limit"


def test_refusals_come_back_as_exceptions(store_dir: Path) -> None:
    ctx = context(store_dir)
    assert isinstance(answer(ctx, QueryJob("SELECT * { SERVICE <http://x/> {} }")), ServiceRefusedError)


def test_engine_message_becomes_line_and_column() -> None:
    error = engine_syntax_error(SyntaxError("error at 3:14: expected one of ABS, AVG"))
    assert str(error) == "syntax error at line 3, column 14: expected one of ABS, AVG"


@pytest.fixture(params=[None])
def executor(store_dir: Path, request: pytest.FixtureRequest) -> Iterator[QueryExecutor]:
    """One worker, a 1.5 s time limit and the memory allowance the test asks for (indirect parameter)."""
    pool = QueryExecutor(WorkerConfig(str(store_dir), memory_limit_mb=request.param), workers=1, timeout_s=1.5)
    pool.start()
    yield pool
    pool.close()


def wait_for_replacement(pool: QueryExecutor, before: int) -> None:
    deadline = time.monotonic() + 30
    while pool.replacements == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.replacements == before + 1


@pytest.mark.slow
def test_timeout_kills_the_worker_and_a_new_one_answers(executor: QueryExecutor) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="was stopped"):
        executor.run_blocking(QueryJob("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"))
    assert time.monotonic() - started < 3
    wait_for_replacement(executor, 0)
    assert executor.run_blocking(QueryJob("ASK { ?s ?p ?o }")).body.endswith(b"true}")


@pytest.mark.slow
@pytest.mark.parametrize("executor", [300], indirect=True)
def test_a_query_over_the_memory_allowance_is_stopped(executor: QueryExecutor) -> None:
    hog = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g LIMIT 1"
    with pytest.raises((QueryWorkerCrashedError, QueryTimeoutError)):
        executor.run_blocking(QueryJob(hog))
    wait_for_replacement(executor, 0)
    assert executor.run_blocking(QueryJob("ASK { ?s ?p ?o }")).count == 1


def test_a_worker_that_died_idle_is_replaced_not_used(executor: QueryExecutor) -> None:
    worker = next(iter(executor._all))
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(5)
    assert executor.run_blocking(QueryJob("ASK { ?s ?p ?o }")).count == 1


def test_prestarted_interpreters_become_the_pools_workers(store_dir: Path) -> None:
    """issue 7: interpreters started early (their imports overlapping the service's) are the workers it adopts."""
    from app.core import worker_interpreters

    worker_interpreters.prestart(2)
    waiting = {i.process.pid for i in worker_interpreters._waiting}
    assert len(waiting) == 2 and worker_interpreters.waiting_count() == 2
    pool = QueryExecutor(WorkerConfig(str(store_dir)), workers=2, timeout_s=30)
    pool.start()
    try:
        assert {w.process.pid for w in pool._all} == waiting
        assert worker_interpreters.waiting_count() == 0
        assert pool.run_blocking(QueryJob("ASK { ?s ?p ?o }")).body.endswith(b"true}")
    finally:
        pool.close()


def test_a_prestarted_interpreter_survives_ctrl_c_and_a_dead_one_is_not_taken() -> None:
    from app.core import worker_interpreters

    worker_interpreters.prestart(2)
    alive, dead = worker_interpreters._waiting
    time.sleep(0.5)  # past its first statement, which ignores SIGINT (Ctrl-C reaches the whole process group)
    os.kill(alive.process.pid, signal.SIGINT)
    dead.process.kill()
    dead.process.wait(5)
    time.sleep(0.2)
    assert alive.process.poll() is None
    taken = worker_interpreters.take_interpreter()
    fresh = worker_interpreters.take_interpreter()  # none left waiting: started now
    for interpreter in (taken, fresh):
        interpreter.socket.close()  # EOF before a configuration: the interpreter exits by itself
        assert interpreter.process.wait(30) == 0
    assert taken.process.pid == alive.process.pid
    assert fresh.process.pid not in (alive.process.pid, dead.process.pid)


def test_interpreters_nobody_took_are_killed() -> None:
    from app.core import worker_interpreters

    worker_interpreters.prestart(1)
    (interpreter,) = worker_interpreters._waiting
    worker_interpreters.discard_waiting()
    assert interpreter.process.poll() is not None
    assert worker_interpreters.waiting_count() == 0
