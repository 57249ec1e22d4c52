"""The pipeline every face shares: parse → validate → infer, giving the dataset the service serves."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.term import Node

from app.core.build_progress import stage
from app.core.config import Settings
from app.core.forked_call import ForkedCall
from app.core.namespaces import INFERRED_GRAPH, PREFIXES, SHAPES_GRAPH
from app.core.rule_inference import choose_engine, infer_with
from app.core.sources import RdfSource, SourceRole, discover_sources, load_dataset
from app.core.validation import ValidationReport, union_of, validate_dataset


class InvalidDataError(Exception):
    """The data does not conform to the core shapes; nothing is served from it."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(f"the data has {len(report.issues)} problem(s), the first: {report.issues[0].message}")


@dataclass
class Knowledge:
    """The asserted, ontology and inferred graphs (named), the shapes apart, and how they were judged."""

    dataset: Dataset
    shapes: Graph
    sources: list[RdfSource]
    report: ValidationReport
    version: str

    def asserted(self) -> Graph:
        """Union of the data graphs (what the articles say), without ontology or inference."""
        return union_of(self.dataset, self.sources, SourceRole.DATA)


def input_files(settings: Settings, sources: list[RdfSource]) -> list[Path]:
    """Every file whose content changes what is served: RDF sources, inference rules, QA checks."""
    rules = sorted((settings.ontology_dir / "rules").glob("*.rq"))
    checks = sorted((settings.queries_dir / "checks").glob("*.rq"))
    return [s.path for s in sources] + rules + checks


def fingerprint(files: list[Path], root: Path) -> str:
    """SHA-256 over the files' relative names and bytes: the data version (same inputs, same version)."""
    digest = hashlib.sha256()
    resolved_root = root.resolve()
    for file in files:
        resolved = file.resolve()
        name = resolved.relative_to(resolved_root) if resolved.is_relative_to(resolved_root) else file
        digest.update(str(name).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Inputs:
    """The project's RDF sources and the data version of every input file (hashed, not parsed)."""

    sources: list[RdfSource]
    version: str


def read_inputs(settings: Settings) -> Inputs:
    """Find the sources and hash the inputs: once per build (issue 7: ~0.6 s a time at 3,000 articles)."""
    sources = discover_sources(settings)
    return Inputs(sources, fingerprint(input_files(settings, sources), settings.data_dir.parent))


def build_knowledge(settings: Settings, *, run_inference: bool = True, inputs: Inputs | None = None) -> Knowledge:
    """Load every source, refuse data with Violations, and add the inferred graph.

    The inference starts in a forked child as soon as the files are parsed and runs while this process validates
    (issue 7: the seed graph's two seconds of pyshacl then owlrl take one on two cores; forked_call.py); data that
    fails validation stops it, and nothing it inferred is kept.
    """
    inputs = inputs or read_inputs(settings)
    sources = inputs.sources
    with stage("parse"):  # issue 7: stages are logged (server) or shown live (CLI), see build_progress.py
        dataset = load_dataset(sources)
    inference = ForkedCall(lambda: _inferred_triples(settings, dataset, sources)) if run_inference else None
    try:
        with stage("validate"):
            report = validate_dataset(dataset, sources, settings.queries_dir / "checks")
        if not report.conforms:
            raise InvalidDataError(report)
        shapes = Graph()
        for triple in dataset.graph(SHAPES_GRAPH):
            shapes.add(triple)
        dataset.remove_graph(dataset.graph(SHAPES_GRAPH))
        if inference is not None:
            with stage("infer"):  # with a forked child: what is left of it once validation is done
                inferred_graph = dataset.graph(INFERRED_GRAPH)
                for triple in inference.result():
                    inferred_graph.add(triple)
    finally:
        if inference is not None:
            inference.cancel()  # still running only when validation failed or was interrupted
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return Knowledge(dataset, shapes, sources, report, inputs.version)


def _inferred_triples(settings: Settings, dataset: Dataset, sources: list[RdfSource]) -> list[tuple[Node, Node, Node]]:
    """What the ontology entails from the data (owlrl, the reference, or the same closure by SPARQL rules in
    Oxigraph, by size or setting: issue 7), plus the project's rules; none of the asserted triples."""
    ontology = union_of(dataset, sources, SourceRole.ONTOLOGY)
    asserted = union_of(dataset, sources, SourceRole.DATA, SourceRole.ONTOLOGY)
    engine = choose_engine(settings.inference, len(asserted), settings.inference_owlrl_max_triples, ontology)
    return list(infer_with(engine, asserted, ontology, settings.ontology_dir / "rules"))
