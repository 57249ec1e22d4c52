"""Validate fixture files against the reference graphs (parsed once) and compare results independently of wording."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset

from app.core.config import Settings
from app.core.namespaces import ONTOLOGY_GRAPH, PREFIXES, source_graph
from app.core.sources import RdfSource, SourceRole, discover_sources, load_dataset
from app.core.validation import ValidationIssue, ValidationReport, validate_dataset

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CHECKS_DIR = ROOT / "queries" / "checks"
SHAPES_NS = "https://w3id.org/coopgraph/shapes#"
EXPECTED: dict[str, dict[str, object]] = tomllib.loads((FIXTURES / "expected.toml").read_text(encoding="utf-8"))

# (shape or check, severity, focus): what a test compares, independent of message wording and blank-node ids.
ResultKey = tuple[str, str, str]


def expand(name: str) -> str:
    """A focus as written in expected.toml (prefixed name, <IRI> or _:) as the string a report holds."""
    if name == "_:" or name.startswith("cgsh:") or name.startswith("check:"):
        return name
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local


def source_of(issue: ValidationIssue) -> str:
    """cgsh:Name for a shape result, check:<stem> for a QA check row."""
    if issue.check is not None:
        return "check:" + Path(issue.check).stem
    shape = issue.shape or ""
    return "cgsh:" + shape.removeprefix(SHAPES_NS) if shape.startswith(SHAPES_NS) else shape


def key_of(issue: ValidationIssue) -> ResultKey:
    focus = issue.focus if ":" in issue.focus else "_:"  # a blank node's id changes with every parse
    return (source_of(issue), issue.severity.value, focus)


def expected_results(family: str) -> set[ResultKey]:
    rows = EXPECTED[family]["results"]
    assert isinstance(rows, list)
    return {(row["source"], row["severity"], expand(row["focus"])) for row in rows}


def family_role(family: str) -> SourceRole:
    return SourceRole(str(EXPECTED[family].get("role", "data")))


@dataclass
class Reference:
    """The ontology, shapes, places and concept schemes, parsed once; fixtures are validated on a copy."""

    sources: list[RdfSource]
    dataset: Dataset
    baseline: set[ResultKey]

    def validate(self, path: Path, role: SourceRole = SourceRole.DATA) -> ValidationReport:
        """Validate one fixture file with the reference graphs, as `coopgraph validate FILE` does."""
        graph_name = ONTOLOGY_GRAPH if role is SourceRole.ONTOLOGY else source_graph(path.stem)
        fixture = RdfSource(path, graph_name, role)
        dataset = Dataset()
        for graph in self.dataset.graphs():
            target = dataset.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
        target = dataset.graph(graph_name)
        for triple in load_dataset([fixture]).graph(graph_name):
            target.add(triple)
        return validate_dataset(dataset, [*self.sources, fixture], CHECKS_DIR)

    def new_results(self, path: Path, role: SourceRole = SourceRole.DATA) -> set[ResultKey]:
        """What the fixture adds to what the reference graphs alone already report."""
        return {key_of(issue) for issue in self.validate(path, role).issues} - self.baseline


def reference_sources(settings: Settings) -> list[RdfSource]:
    """What `coopgraph validate FILE` validates any file against: everything but data/sources/."""
    sources_dir = (settings.data_dir / "sources").resolve()
    return [s for s in discover_sources(settings) if not s.path.resolve().is_relative_to(sources_dir)]


def load_reference() -> Reference:
    """Parse the reference graphs and record what they report on their own (the baseline)."""
    sources = reference_sources(Settings())
    dataset = load_dataset(sources)
    baseline = {key_of(issue) for issue in validate_dataset(dataset, sources, CHECKS_DIR).issues}
    return Reference(sources, dataset, baseline)
