"""Validate a large graph article by article: pyshacl in parallel processes, and only on the articles that changed.

pyshacl as it ships costs ~0.3 ms of Python per asserted triple with CoopGraph's shapes (a million triples: minutes
on one core; ~0.08 ms with the shortcuts of shacl_speedups.py, issue 7), and needs the graph in rdflib memory. For
large graphs the store-first pipeline (store_pipeline.py) judges each source article with the reference graphs —
ontology, places, gazetteer, concept schemes — as `coopgraph validate FILE` and the curation import judge one:

- the articles are validated in batches (BATCH_BYTES of Turtle each, parsed by Oxigraph) by a pool of processes,
  each holding one batch and the reference graphs in rdflib at a time, so memory stays bounded and both cores work;
  a batch is a SoleGraph (sole_graph.py: filled and read without rdflib's context bookkeeping), and what does not
  change from batch to batch stays with the worker: the SPARQL translations, the shapes graph's look-ups, the
  IRIs and typed literals already made (with shacl_speedups 6: 145 → ~100 s of CPU at 1M triples, issue 7);
- each article's results are kept under `cache_dir/validation/<references hash>/<article hash>.json`, so a rebuild
  after one article changed re-validates that article only; any change to the shapes, ontology or reference graphs
  (or to pyshacl or this code) changes the references hash and re-validates everything;
- the QA checks (queries/checks/) run over the whole store meanwhile (store_pipeline.py): they catch what spans
  articles (two labels for one node in two files, derived properties asserted anywhere).

What this cannot see is a shape that needs another article's statements about a node: e.g. an organisation whose seat
only another article states gets the Info "no coop:basedIn" here and not in a whole-graph run. Violations and
Warnings are the same on the shipped data and on generated graphs (tests/core/test_store_pipeline.py), and the
reports are the ones the rdflib-parsed, plain-pyshacl batches gave (tests/core/test_shacl_speedups.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from app import __version__
from app.core.compiled_shapes import without_shapes
from app.core.sole_graph import SoleGraph
from app.core.sources import RdfSource, SourceRole, article_triples, parse_turtle_files
from app.core.validation import Severity, ValidationIssue, run_shapes

log = logging.getLogger("coopgraph.validation")

BATCH_BYTES = 1_500_000  # Turtle per batch: ~20k triples; fewer batches, less per-batch set-up (shapes, ontology)


@dataclass(frozen=True)
class ReferenceFiles:
    """What every article is validated with (paths as text, so a batch pickles small)."""

    data: tuple[str, ...]
    shapes: tuple[str, ...]
    ontology: tuple[str, ...]
    left_out_shapes: tuple[str, ...] = ()  # node shapes the store-first build evaluates itself (compiled_shapes.py)


def is_article(source: RdfSource) -> bool:
    """A source article (data/sources/*.ttl) rather than a reference graph."""
    return source.role is SourceRole.DATA and source.path.parent.name == "sources"


def references_of(sources: Sequence[RdfSource], left_out_shapes: Sequence[str] = ()) -> ReferenceFiles:
    return ReferenceFiles(
        tuple(str(s.path) for s in sources if s.role is SourceRole.DATA and not is_article(s)),
        tuple(str(s.path) for s in sources if s.role is SourceRole.SHAPES),
        tuple(str(s.path) for s in sources if s.role is SourceRole.ONTOLOGY),
        tuple(sorted(left_out_shapes)),
    )


def references_key(references: ReferenceFiles) -> str:
    """Changes whenever a verdict could: the reference files' bytes, this code, pyshacl and rdflib."""
    digest = hashlib.sha256(
        f"{__version__}\0{package_version('pyshacl')}\0{package_version('rdflib')}\0{BATCH_BYTES}".encode()
    )
    for group in (references.data, references.shapes, references.ontology):
        for path in group:
            digest.update(path.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    for shape in references.left_out_shapes:  # kept verdicts hold only for the same shapes
        digest.update(b"left out\0" + shape.encode() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=2)
def _reference_graphs(references: ReferenceFiles) -> tuple[Graph, Graph, Graph]:
    """(reference data, shapes, ontology), parsed once per worker process."""

    def union(paths: tuple[str, ...]) -> Graph:
        return parse_turtle_files(Path(path) for path in paths)

    shapes = union(references.shapes)
    if references.left_out_shapes:
        shapes = without_shapes(shapes, references.left_out_shapes)
    return union(references.data), shapes, union(references.ontology)


@lru_cache(maxsize=2)
def _known_terms(references: ReferenceFiles) -> dict[object, Node]:
    """The terms article_triples makes that a worker keeps from batch to batch (by their Oxigraph term): first the
    IRIs of the reference, shapes and ontology graphs, so an article's IRIs are those very objects (equal either way,
    but a dict lookup that finds the same object skips rdflib's Python-level __eq__); then, batch after batch, the
    IRIs and typed literals the articles repeat (an xsd:date literal costs rdflib ~1 ms to make)."""
    known: dict[object, Node] = {}
    for graph in _reference_graphs(references):
        for triple in graph:
            for node in triple:
                if isinstance(node, URIRef):
                    try:
                        known.setdefault(ox.NamedNode(node), node)
                    except ValueError:  # not an IRI Oxigraph accepts: no article parsed by Oxigraph holds it
                        continue
    return known


_terms_lock = threading.Lock()  # two batches validated by two threads of one process share the kept terms
LASTING_TERMS = 200_000  # at most so many kept terms per worker (~60 MB at worst)
_TEXT_TYPES = frozenset(
    ("http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
)


def _keep_terms(lasting: dict[object, Node], terms: dict[object, Node]) -> None:
    """Keep a batch's IRIs and typed literals for the next batches (texts rarely repeat: they are not kept)."""
    for key, node in terms.items():
        if len(lasting) >= LASTING_TERMS:
            return
        if isinstance(key, ox.NamedNode) or (isinstance(key, ox.Literal) and key.datatype.value not in _TEXT_TYPES):
            lasting.setdefault(key, node)


@lru_cache(maxsize=2)
def _shapes_view(references: ReferenceFiles) -> Graph:
    """The shapes graph with its lookups remembered across the batches of this process, not one batch."""
    from app.core.shacl_speedups import memoised_shapes  # imports pyshacl: only when validating

    return memoised_shapes(_reference_graphs(references)[1])


BatchIssues = dict[str, list[dict[str, object]]]  # article path → its issues (as dicts)


def validate_batch(paths: list[str], references: ReferenceFiles) -> BatchIssues:
    """pyshacl on the articles `paths` with the reference graphs; each article's issues (by the focus node's file).

    An issue whose focus node no article of the batch describes (a place, a concept) goes to every article of the
    batch: the cache then keeps it with each, and the final report lists it once.
    """
    reference_data, _shapes, ontology = _reference_graphs(references)
    shapes = _shapes_view(references)
    data = SoleGraph()
    data.add_all(reference_data)
    owners: dict[URIRef, list[str]] = {}
    lasting = _known_terms(references)
    with _terms_lock:
        terms = dict(lasting)
    for number, path in enumerate(paths):
        triples = list(article_triples(Path(path), f"a{number}x", terms))
        data.add_all(triples)
        for subject in dict.fromkeys(s for s, _p, _o in triples if isinstance(s, URIRef)):
            owners.setdefault(subject, []).append(path)
    with _terms_lock:
        _keep_terms(lasting, terms)
    per_file: dict[str, list[dict[str, object]]] = {path: [] for path in paths}
    issues = run_shapes(data, shapes, ontology, data_is_scratch=True) if len(shapes) else []
    del data
    for issue in issues:
        record = asdict(issue)
        for path in owners.get(URIRef(issue.focus), paths):
            per_file[path].append(record)
    return per_file


def _batches(paths: list[Path]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for path in paths:
        batch.append(str(path))
        size += path.stat().st_size
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _issue(record: dict[str, object]) -> ValidationIssue:
    files = record.get("files") or ()
    assert isinstance(files, list | tuple)
    values = {**record, "severity": Severity(str(record["severity"])), "files": tuple(str(f) for f in files)}
    return ValidationIssue(**values)  # type: ignore[arg-type]


class ValidationStoppedError(Exception):
    """validate_articles was told to stop (the build failed elsewhere meanwhile)."""


def validate_articles(
    sources: Sequence[RdfSource],
    cache_dir: Path | None,
    workers: int | None = None,
    stop: threading.Event | None = None,
    left_out_shapes: Sequence[str] = (),
) -> list[ValidationIssue]:
    """The shapes' verdict on every article (each with the reference graphs), from the cache where unchanged.

    `stop`: once set, no further batch starts and ValidationStoppedError is raised (the store-first build starts the
    shapes before it parses the files, and stops them if a file does not parse). `left_out_shapes`: node shapes not
    run here (the store-first build evaluates them over the whole store: compiled_shapes.py).
    """
    articles = sorted((s.path for s in sources if is_article(s)), key=str)
    references = references_of(sources, left_out_shapes)
    folder = cache_dir / "validation" / references_key(references)[:24] if cache_dir is not None else None
    digests = {path: hashlib.sha256(path.read_bytes()).hexdigest()[:32] for path in articles}
    found: dict[Path, list[dict[str, object]]] = {}
    missing = []
    for path in articles:
        kept = _read(folder / f"{digests[path]}.json") if folder is not None else None
        if kept is None:
            missing.append(path)
        else:
            found[path] = kept
    log.info("validating %d of %d articles (%d unchanged)", len(missing), len(articles), len(found))
    if missing:
        batches = list(_batches(missing))
        count = max(1, min(workers or os.cpu_count() or 1, len(batches)))
        stopped = stop or threading.Event()
        if count == 1:
            from app.core.sparql_parse_memo import memoised_sparql_parsing  # a build's, not a start's

            with memoised_sparql_parsing():
                results = []
                for batch in batches:
                    _unless(stopped)
                    results.append(validate_batch(batch, references))
        else:
            context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
            pool = ProcessPoolExecutor(count, mp_context=context, initializer=_keep_sparql_translations)
            with _main_script_hidden(), pool:
                results = _gathered([pool.submit(validate_batch, batch, references) for batch in batches], stopped)
        for result in results:
            for text, issues in result.items():
                path = Path(text)
                found[path] = issues
                if folder is not None:
                    _write(folder / f"{digests[path]}.json", issues)
    unique = dict.fromkeys(_issue(record) for path in articles for record in found.get(path, []))
    return list(unique)


def _unless(stop: threading.Event) -> None:
    if stop.is_set():
        raise ValidationStoppedError


def _gathered(futures: list[Future[BatchIssues]], stop: threading.Event) -> list[BatchIssues]:
    """Each batch's issues, in order; on `stop` (or a batch's error) the batches not started yet are cancelled."""
    pending: set[Future[BatchIssues]] = set(futures)
    try:
        while pending:
            _unless(stop)
            done, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # raises the batch's error
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return [future.result() for future in futures]


_worker_contexts = ExitStack()  # a pool worker's, left open until the process ends


def _keep_sparql_translations() -> None:
    """Pool initializer: the worker translates each SPARQL text of the shapes once, not once per batch (~0.2 s)."""
    from app.core.sparql_parse_memo import memoised_sparql_parsing  # a build's, not a start's

    _worker_contexts.enter_context(memoised_sparql_parsing())


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Spawned workers must not re-run the parent's main script (a script without a `__main__` guard would start
    again in each): while the pool starts, the main module shows no file, so the workers import this module only.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _read(path: Path) -> list[dict[str, object]] | None:
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return kept if isinstance(kept, list) else None


def _write(path: Path, issues: list[dict[str, object]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(issues, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        log.warning("could not keep a validation result in %s: %s", path.parent, error)
