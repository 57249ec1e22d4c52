"""Keep the built knowledge between runs, keyed by the input files' hashes, so an unchanged restart skips the pipeline.

persisted_store.py already keeps the store (asserted, ontology and inferred graphs) and the dumps under a folder,
keyed by the data version (a hash of every input file), and reopens them when nothing changed. This module adds
what a restart still lacked:

- a default folder: without `store_path`, the knowledge is kept under `cache_dir` (default `var/cache/`, gitignored),
  one sub-folder per project (its data/ontology/shapes/queries folders), so `make serve` restarts in about a second
  instead of re-running parse → validate (pyshacl) → infer (owlrl); `cache_dir` unset = rebuild at every start;
- the validation report (Warnings and Info survive a restart);
- `restore_knowledge`: the rdflib Knowledge rebuilt from the persisted store and report, for the few routes that
  want it, without pyshacl or owlrl.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef

from app.core.canned_queries import Catalogue
from app.core.config import Settings
from app.core.knowledge import Knowledge
from app.core.namespaces import PREFIXES
from app.core.sources import SourceRole, discover_sources, parse_turtle_files
from app.core.store import EmbeddedStore, to_rdflib
from app.core.validation import Severity, ValidationIssue, ValidationReport

log = logging.getLogger("coopgraph")

REPORT_FILE = "validation-report.json"


def store_root(settings: Settings) -> Path | None:
    """Where the built knowledge is kept: `store_path`, else this project's folder under `cache_dir`, else None."""
    if settings.store_path is not None:
        return settings.store_path
    if settings.cache_dir is None:
        return None
    folders = (settings.data_dir, settings.ontology_dir, settings.shapes_dir, settings.queries_dir)
    project = hashlib.sha256("\0".join(str(f.resolve()) for f in folders).encode()).hexdigest()[:16]
    return settings.cache_dir / f"project-{project}"


def write_report(report: ValidationReport, folder: Path) -> None:
    """The report next to the dumps of the version it judged (removed with them)."""
    issues = [asdict(issue) for issue in report.issues]
    (folder / REPORT_FILE).write_text(json.dumps(issues, ensure_ascii=False, indent=1), encoding="utf-8")


def read_report(folder: Path) -> ValidationReport | None:
    """The persisted report, or None when there is none (a store built before reports were kept)."""
    try:
        issues = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ValidationReport(
        [
            ValidationIssue(**{**issue, "severity": Severity(issue["severity"]), "files": tuple(issue["files"])})
            for issue in issues
        ]
    )


def restore_knowledge(settings: Settings, store_dir: Path, dumps_dir: Path, version: str) -> Knowledge:
    """The Knowledge of a persisted store: its named graphs, the shapes and the kept report; no pyshacl, no owlrl."""
    sources = discover_sources(settings)
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    store = EmbeddedStore.open_read_only(store_dir)
    graphs: dict[str, Graph] = {}
    for quad in store.quads():
        graph_name = getattr(quad.graph_name, "value", None)
        if graph_name is None:  # the default graph holds the merge of the named ones: not a graph of its own
            continue
        graph = graphs.get(graph_name)
        if graph is None:
            graph = graphs[graph_name] = dataset.graph(URIRef(graph_name))
        subject, predicate, obj = (to_rdflib(term) for term in (quad.subject, quad.predicate, quad.object))
        assert isinstance(subject, URIRef | BNode) and isinstance(predicate, URIRef)
        assert isinstance(obj, URIRef | BNode | Literal)
        graph.add((subject, predicate, obj))
    shapes = parse_turtle_files(s.path for s in sources if s.role is SourceRole.SHAPES)
    report = read_report(dumps_dir)
    if report is None:
        log.warning("no validation report was kept with the store at %s: serving it with an empty report", store_dir)
        report = ValidationReport()
    return Knowledge(dataset, shapes, sources, report, version)


# Settings the service description never shows (issue 7: a restart with another log level, worker count or port
# behind the same public URL reuses the kept description instead of ~10 s of full-store statistics at 1M triples).
# Everything else — public URL, default graph, limits, SERVICE allow-list, any setting added later — is in the key.
NOT_DESCRIBED = {
    "host",
    "port",
    "log_level",
    "workers",
    "query_workers",
    "result_cache_mb",
    "slow_query_ms",
    "slow_query_log_chars",
    "shutdown_grace_s",
    "load_in_background",
    "cors_origins",
    "trusted_proxies",
    "curator_token",
}


GRAPH_COUNTS_FILE = "graph-triples.json"


def kept_descriptions(
    settings: Settings, dumps_dir: Path, catalogue: Catalogue, describe: Callable[[], dict[str, bytes]]
) -> dict[str, bytes]:
    """The serialised service descriptions, computed once per data version, settings and catalogue.

    Describing the service counts every graph, class and property of the store (full scans) and serialises a graph
    with one entry per named graph in four syntaxes: about 10 s at a million triples. They only change with the data
    (the version folder they are kept in), the settings and the canned queries (the key).
    """
    described = settings.model_dump(exclude=NOT_DESCRIBED)
    digest = hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode() + settings.public_base.encode())
    for query in catalogue:
        digest.update(query.path.name.encode() + b"\0" + query.sparql.encode() + b"\0")
    kept = dumps_dir / f"service-description-{digest.hexdigest()[:24]}.json"
    stored = _kept_json(kept, lambda: {k: base64.b64encode(v).decode() for k, v in describe().items()})
    return {key: base64.b64decode(value) for key, value in stored.items()}


def kept_graph_counts(dumps_dir: Path, count: Callable[[], dict[str, int]]) -> dict[str, int]:
    """Triples per named graph, counted once per data version (a full scan: ~3 s of a restart at a million)."""
    return {str(k): int(v) for k, v in _kept_json(dumps_dir / GRAPH_COUNTS_FILE, count).items()}


def keep_graph_counts(dumps_dir: Path, counts: dict[str, int]) -> None:
    """Keep the triples per named graph a build already counted (read back by kept_graph_counts)."""
    _kept_json(dumps_dir / GRAPH_COUNTS_FILE, lambda: counts)


def _kept_json(path: Path, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The JSON object kept at `path`, else `compute()`'s, kept there for next time (atomically; best effort)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(stored, dict):
            return stored
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(value), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        log.warning("could not keep %s: %s", path, error)
    return value
