"""The store-first build for large graphs: parse, validate, infer, index and dump without an rdflib copy of the data.

build_knowledge (knowledge.py) holds the whole dataset in rdflib, copies it for validation and inference, and
serialises it again for the store and the dumps: right for the five articles, minutes and gigabytes at a million
triples. Past `large_graph_bytes` of Turtle, persisted_store builds with this pipeline instead:

- parse: each file bulk-loaded by Oxigraph into its named graph of the on-disk store (a million triples: seconds);
- validate: the shapes per article with the reference graphs, in worker processes, cached per article
  (file_validation.py), and meanwhile, in threads, the QA checks and the shapes compiled to SPARQL (compiled_shapes.py:
  pyshacl's three costliest, proven to report what pyshacl does) over the store;
- infer: the SPARQL-rule closure (rule_inference.py; owlrl's own closure, proven equal by the tests) in an in-memory
  Oxigraph store holding the data and ontology graphs — computed while the shapes still run (it only reads the
  store), added as the inferred graph once the data is known to validate (the log shows "infer" inside "validate");
- index: the default graph receives the merge of the named graphs (the layout the query workers expect);
- dumps: written by Oxigraph's serialisers (store_dumps.py).

The result is the same store layout, dumps and report as the rdflib road; no rdflib Knowledge is kept in memory
(ServiceState.knowledge restores one from the store if a route ever asks).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from app.core.build_progress import stage
from app.core.compiled_shapes import CompiledShapes, compile_shapes
from app.core.config import Settings
from app.core.dumps import Dump
from app.core.file_validation import validate_articles
from app.core.knowledge import Inputs, InvalidDataError, read_inputs
from app.core.knowledge_cache import keep_graph_counts, write_report
from app.core.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from app.core.rule_inference import added_in_store, check_supported, is_store_artefact, schema_closure
from app.core.sources import (
    RdfSource,
    RdfSyntaxError,
    SourceRole,
    discover_sources,
    parse_turtle,
    parse_turtle_files,
)
from app.core.store import EmbeddedStore, add_triples, to_oxigraph, to_rdflib
from app.core.store_dumps import merged_graphs, write_store_dumps
from app.core.validation import Severity, ValidationIssue, ValidationReport, run_check

log = logging.getLogger("coopgraph.build")

# QA checks at once, in threads (Oxigraph releases the GIL). One: on two cores the shape workers and the inference
# already keep both busy, and a second check thread slowed the whole stage down (measured at 100k triples).
CHECK_THREADS = 1


@dataclass(frozen=True)
class StoreBuild:
    version: str
    report: ValidationReport
    triples: int
    write_dumps: Callable[[], list[Dump]]  # the dumps of the built store, when the caller chooses (persisted_store)


def is_large(settings: Settings, sources: list[RdfSource] | None = None) -> bool:
    """Whether the input Turtle is past `large_graph_bytes` (0 = always the store-first pipeline)."""
    files = sources if sources is not None else discover_sources(settings)
    return sum(s.path.stat().st_size for s in files) > settings.large_graph_bytes


def build_store(settings: Settings, store_dir: Path, dumps_dir: Path, inputs: Inputs | None = None) -> StoreBuild:
    """Build the served store at `store_dir` and the dumps at `dumps_dir`; InvalidDataError when data violates."""
    inputs = inputs or read_inputs(settings)
    sources, version = inputs.sources, inputs.version
    served = [s for s in sources if s.role is not SourceRole.SHAPES]
    store = ox.Store()  # in memory: thousands of small on-disk bulk loads are slow; one at the end is not
    # issue 7: the shapes run in worker processes (file_validation.py) from the start (they read the files: started
    # before the parse, their processes' start-up and first batches overlap it), the QA checks in a thread (Oxigraph
    # evaluates them without the GIL) and the inference here, all at once: they only read `store`
    compiled = compile_shapes(parse_turtle_files(s.path for s in sources if s.role is SourceRole.SHAPES))
    pool = ThreadPoolExecutor(1 + CHECK_THREADS, thread_name_prefix="coopgraph-validate")
    stop_shapes = threading.Event()
    with pool:
        shapes = pool.submit(
            validate_articles, sources, settings.cache_dir, stop=stop_shapes, left_out_shapes=compiled.shapes
        )
        try:
            with stage("parse"):
                for source in served:
                    _load(store, source)
            inferred, report = _validate_and_infer(settings, sources, store, pool, shapes, compiled)
        except BaseException:
            stop_shapes.set()  # a file that does not parse, a stop signal: said now, not after the shapes
            raise
    if not report.conforms:
        raise InvalidDataError(report)
    if isinstance(inferred, BaseException):
        raise inferred
    inferred_graph = ox.NamedNode(str(INFERRED_GRAPH))
    # added as terms, not loaded from a document (which would rename the blank nodes the inferred triples share with
    # the asserted graphs)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, inferred_graph) for t in inferred)
    named = [*_graphs(served), ox.NamedNode(str(INFERRED_GRAPH))]  # every graph of `store` (no default graph)
    parts = {
        "asserted": _graphs(s for s in sources if s.role is SourceRole.DATA),
        "inferred": [ox.NamedNode(str(INFERRED_GRAPH))],
        "ontology": [ox.NamedNode(str(ONTOLOGY_GRAPH))],
    }
    with stage("index"):
        # the named graphs, then the default graph: their merge (the layout the query workers expect), each graph's
        # triples added again to the default graph (the store keeps one of each) rather than built by a SPARQL INSERT
        # in memory (issue 7: time and memory at 1M). Added as terms, not written and parsed back as a document:
        # the blank nodes keep their names, and no copy of the whole graph is held in memory (1M: ~6 % faster)
        merge = (ox.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None))
        on_disk = ox.Store(str(store_dir))
        on_disk.bulk_extend(chain(store.quads_for_pattern(None, None, None, None), merge))
        on_disk.flush()
        triples = len(on_disk)
        del on_disk  # the read-write handle is dropped: only read-only handles remain
    # The triples per graph, for the dumps' records, the service description and /metrics: counted here in memory
    # (0.5 s at a million), where the served store would take a full scan of the disk at the first start; kept with
    # the report before the dumps, which may be written while the service already answers (persisted_store.py)
    counts = EmbeddedStore.wrapping(store).triple_count_by_graph()
    dumps_dir.mkdir(parents=True, exist_ok=True)
    write_report(report, dumps_dir)
    keep_graph_counts(dumps_dir, counts)
    log.info("built %d quads (data version %s) into %s", triples, version[:12], store_dir)

    def write_dumps() -> list[Dump]:
        # not overlapped with the index: both mostly hold the GIL (measured at 100k: 4.2 s either way, +100 MB RSS)
        with stage("dumps"):
            return write_store_dumps(store, parts, named, dumps_dir, counts)

    return StoreBuild(version, report, triples, write_dumps)


def _validate_and_infer(
    settings: Settings,
    sources: list[RdfSource],
    store: ox.Store,
    pool: ThreadPoolExecutor,
    shapes: Future[list[ValidationIssue]],
    compiled: CompiledShapes,
) -> tuple[list[ox.Triple] | BaseException, ValidationReport]:
    """The inference (here) while the QA checks and the compiled shapes run in `pool` and the per-article shapes
    finish; (inferred or its error, report)."""
    with stage("validate"):
        pending = _start_checks(settings, store, pool)
        # over the union of the store's graphs (the data and ontology), in `pool` like the checks
        compiled_issues = pool.submit(compiled.validate, store, union_of_graphs=True)
        with stage("infer"):
            try:
                inferred: list[ox.Triple] | BaseException = _infer(settings, sources, store)
            except Exception as error:  # reported only if the data validates, as when infer came after
                inferred = error
        checks = [issue for check in pending for issue in check.result()]
        report = _report(shapes.result() + compiled_issues.result() + checks, store, sources)
    return inferred, report


def _graphs(sources: object) -> list[ox.NamedNode]:
    return [ox.NamedNode(str(name)) for name in dict.fromkeys(s.graph for s in sources)]  # type: ignore[attr-defined]


def _load(store: ox.Store, source: RdfSource) -> None:
    """One file into its named graph; a syntax error names the file and line, as the rdflib road does."""
    try:
        store.load(
            path=str(source.path),
            format=ox.RdfFormat.TURTLE,
            base_iri=source.path.resolve().as_uri(),
            to_graph=ox.NamedNode(str(source.graph)),
        )
    except SyntaxError as error:
        parse_turtle(source.path)  # rdflib's message and line, for the same report as the rdflib road
        raise RdfSyntaxError(source.path, None, str(error)) from error
    except OSError as error:
        raise RdfSyntaxError(source.path, None, f"cannot read file: {error}") from error


def _start_checks(settings: Settings, store: ox.Store, pool: ThreadPoolExecutor) -> list[Future[list[ValidationIssue]]]:
    """The QA checks (queries/checks/, in name order) over the whole store, each in `pool`; their pending results."""
    checks = settings.queries_dir / "checks"
    wrapped = EmbeddedStore.wrapping(store)
    return [pool.submit(run_check, wrapped, check) for check in sorted(checks.glob("*.rq"))] if checks.is_dir() else []


def _report(issues: list[ValidationIssue], store: ox.Store, sources: list[RdfSource]) -> ValidationReport:
    located = [_with_files(issue, store, sources) for issue in issues]
    order = list(Severity)
    located.sort(key=lambda i: (order.index(i.severity), i.files, i.focus, i.path or "", i.message))
    return ValidationReport(located)


def _with_files(issue: ValidationIssue, store: ox.Store, sources: list[RdfSource]) -> ValidationIssue:
    """The data files whose graph states something about the focus node (as validate_dataset reports)."""
    if not issue.focus.startswith(("http://", "https://", "urn:")):
        return issue
    by_graph: dict[str, list[str]] = {}
    for source in sources:
        by_graph.setdefault(str(source.graph), []).append(str(source.path))
    focus = ox.NamedNode(issue.focus)
    graphs = {q.graph_name.value for q in store.quads_for_pattern(focus, None, None) if hasattr(q.graph_name, "value")}
    files = sorted({f for g in graphs for f in by_graph.get(g, [])})
    return replace(issue, files=tuple(files))


def _infer(settings: Settings, sources: list[RdfSource], store: ox.Store) -> list[ox.Triple]:
    """The inferred graph: OWL RL closure by SPARQL rules over data + ontology, then the project's rules."""
    # the ontology as the build store holds it: the schema closure names the store's blank nodes, not a new parse's
    ontology = Graph()
    for graph in _graphs(s for s in sources if s.role is SourceRole.ONTOLOGY):
        for quad in store.quads_for_pattern(None, None, None, graph):
            ontology.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    check_supported(ontology)  # past large_graph_bytes owlrl cannot finish: an ontology beyond the rules is an error
    # the data and ontology merged in a working store, with the build store's blank nodes (inferred triples name them)
    work = merged_graphs(store, _graphs(s for s in sources if s.role in (SourceRole.DATA, SourceRole.ONTOLOGY)))
    asserted = len(work)
    schema = schema_closure(ontology)
    add_triples(work, schema)
    schema_triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in schema]
    rules = [rule.read_text(encoding="utf-8") for rule in sorted((settings.ontology_dir / "rules").glob("*.rq"))]
    added = [t for t in added_in_store(work, rules) if not is_store_artefact(t)]
    log.info("inferred %d triples over %d asserted", len(added) + len(schema_triples), asserted)
    return schema_triples + added
