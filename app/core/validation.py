"""Validate the asserted data: SHACL shapes through pyshacl, plus the zero-row QA queries in queries/checks/."""

from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from app.core.namespaces import SH
from app.core.sources import RdfSource, SourceRole
from app.core.store import EmbeddedStore


class Severity(StrEnum):
    """SHACL severities, most serious first."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class ValidationIssue:
    """One problem, with what a curator needs to find and fix it."""

    severity: Severity
    focus: str
    message: str
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    files: tuple[str, ...] = ()
    check: str | None = None


@dataclass
class ValidationReport:
    """Everything the shapes and checks found; the data conforms when no issue is a Violation."""

    issues: list[ValidationIssue] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(issue.severity is Severity.VIOLATION for issue in self.issues)

    def count(self, severity: Severity) -> int:
        return sum(1 for issue in self.issues if issue.severity is severity)


def union_of(dataset: Dataset, sources: list[RdfSource], *roles: SourceRole) -> Graph:
    """One graph holding every triple of the sources with those roles."""
    graph = Graph()
    for graph_name in dict.fromkeys(s.graph for s in sources if s.role in roles):
        for triple in dataset.graph(graph_name):
            graph.add(triple)
    return graph


def files_describing(dataset: Dataset, sources: list[RdfSource]) -> dict[Node, tuple[str, ...]]:
    """For each subject, the data files that state something about it (to point a report at a file)."""
    by_graph: dict[URIRef, list[str]] = defaultdict(list)
    for source in sources:
        by_graph[source.graph].append(str(source.path))
    where: dict[Node, set[str]] = defaultdict(set)
    for graph_name, files in by_graph.items():
        for subject in set(dataset.graph(graph_name).subjects()):
            where[subject].update(files)
    return {subject: tuple(sorted(files)) for subject, files in where.items()}


def run_shapes(
    data: Graph, shapes: Graph, ontology: Graph, data_is_scratch: bool = False, fast: bool = True
) -> list[ValidationIssue]:
    """Run pyshacl (SHACL core + SHACL-SPARQL, no inference: the ontology supplies the class hierarchy).

    `data_is_scratch`: the caller throws `data` away afterwards, so pyshacl may mix the ontology into it in place
    rather than into a copy (a copy of a large batch costs seconds and as much memory again). `fast=False` runs
    pyshacl as it ships, without shacl_speedups (the tests compare both).
    """
    from pyshacl import validate as shacl_validate  # only a build validates: a restart on unchanged data never does

    from app.core.shacl_speedups import faster_pyshacl, memoised_shapes

    speedups = faster_pyshacl() if fast else nullcontext()
    # issue 7: the SPARQL-based shapes would re-parse per focus node; pyshacl's per-node overhead (shacl_speedups)
    from app.core.sparql_parse_memo import memoised_sparql_parsing  # rdflib's SPARQL grammar: a build's, not a start's

    with memoised_sparql_parsing(), speedups:
        _conforms, results, _text = shacl_validate(
            data,
            shacl_graph=memoised_shapes(shapes) if fast else shapes,
            ont_graph=ontology,
            inference="none",
            advanced=True,
            allow_warnings=True,
            inplace=data_is_scratch and fast,
        )
    assert isinstance(results, Graph)
    issues = []
    for result in results.objects(predicate=SH.result):  # top-level results only, not nested sh:detail ones
        severity = results.value(result, SH.resultSeverity)
        issues.append(
            ValidationIssue(
                severity=Severity(str(severity).rsplit("#", 1)[-1]),
                focus=str(results.value(result, SH.focusNode)),
                message=_joined_messages(results, result),
                path=_optional(results.value(result, SH.resultPath)),
                value=_optional(results.value(result, SH.value)),
                shape=_optional(results.value(result, SH.sourceShape)),
            )
        )
    return issues


def run_checks(store: EmbeddedStore, checks_dir: Path) -> list[ValidationIssue]:
    """Run each QA query in checks_dir; every row it returns is a Violation (focus in ?focus, text in ?message)."""
    return [issue for check in sorted(checks_dir.glob("*.rq")) for issue in run_check(store, check)]


def run_check(store: EmbeddedStore, check: Path) -> list[ValidationIssue]:
    """One QA query of queries/checks/: a Violation per row it returns."""
    title = _first_comment(check) or check.stem
    issues = []
    for row in store.select(check.read_text(encoding="utf-8")):
        focus = row.get("focus")
        issues.append(
            ValidationIssue(
                severity=Severity.VIOLATION,
                focus=str(focus) if focus is not None else "",
                message=str(row.get("message", title)),
                value=_optional(row.get("value")),
                check=check.name,
            )
        )
    return issues


def validate_dataset(dataset: Dataset, sources: list[RdfSource], checks_dir: Path | None = None) -> ValidationReport:
    """Validate the data sources of `dataset` against its shape sources, then run the QA checks."""
    data = union_of(dataset, sources, SourceRole.DATA)
    shapes = union_of(dataset, sources, SourceRole.SHAPES)
    ontology = union_of(dataset, sources, SourceRole.ONTOLOGY)
    issues = run_shapes(data, shapes, ontology, data_is_scratch=True) if len(shapes) else []  # `data`: a copy
    if checks_dir is not None and checks_dir.is_dir():
        served = dict.fromkeys(s.graph for s in sources if s.role is not SourceRole.SHAPES)
        issues += run_checks(EmbeddedStore.from_graphs(dataset, served), checks_dir)
    where = files_describing(dataset, sources)
    located = [_with_files(issue, where) for issue in issues]
    order = list(Severity)
    located.sort(key=lambda i: (order.index(i.severity), i.files, i.focus, i.path or "", i.message))
    return ValidationReport(located)


def _with_files(issue: ValidationIssue, where: dict[Node, tuple[str, ...]]) -> ValidationIssue:
    files = where.get(URIRef(issue.focus), ())
    return replace(issue, files=files)


def _joined_messages(results: Graph, result: Node) -> str:
    """A result's messages in one stable order (by language tag, so English comes before French)."""
    messages = sorted(results.objects(result, SH.resultMessage), key=lambda m: (getattr(m, "language", "") or "", m))
    return "; ".join(str(m) for m in messages) or "constraint not met"


def _optional(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _first_comment(path: Path) -> str | None:
    """The first `#` comment line of a query: its human title."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip() or None
    return None
