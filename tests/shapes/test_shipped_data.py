"""The shipped data passes the shapes and checks; the shapes are documented; every shape and check is exercised."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixture_validation import CHECKS_DIR, EXPECTED, FIXTURES, ROOT, SHAPES_NS, source_of
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS
from rdflib.term import Node

from app.core.config import Settings
from app.core.namespaces import SH
from app.core.sources import discover_sources, load_dataset, parse_turtle
from app.core.turtle_format import needs_formatting
from app.core.validation import Severity, ValidationIssue, ValidationReport, validate_dataset

SHAPE_FILES = sorted((ROOT / "shapes").glob("*.ttl"))
SEVERITY_OF_FILE = {"core.ttl": {SH.Violation}, "recommended.ttl": {SH.Warning, SH.Info}}
TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
# SHACL core constraint parameters (and sh:sparql): a shape using one can be a result's sh:sourceShape.
CONSTRAINT_PARAMETERS = (
    "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive maxInclusive minLength "
    "maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals not and or xone node "
    "qualifiedValueShape closed hasValue in sparql"
)
CONSTRAINTS = {SH[name] for name in CONSTRAINT_PARAMETERS.split()}


@pytest.fixture(scope="module")
def shipped_report() -> ValidationReport:
    settings = Settings()
    sources = discover_sources(settings)
    return validate_dataset(load_dataset(sources), sources, settings.queries_dir / "checks")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in SHAPE_FILES:
        graph += parse_turtle(path)
    return graph


def test_shipped_data_has_no_violation(shipped_report: ValidationReport) -> None:
    violations = [
        f"{i.focus} {i.shape or i.check}: {i.message}"
        for i in shipped_report.issues
        if i.severity is Severity.VIOLATION
    ]
    assert violations == []


def test_coopgraph_validate_exits_0_on_the_shipped_data() -> None:
    run = subprocess.run(
        [str(Path(sys.executable).parent / "coopgraph"), "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "The data conforms: 0 violation(s)" in run.stderr


def result_shapes(shapes: Graph) -> set[Node]:
    """Shapes that can be a result's sh:sourceShape: targeted node shapes with constraints of their own,
    and the property shapes of targeted node shapes (helper shapes reached through sh:not or
    sh:qualifiedValueShape never are)."""
    targeted = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if any((s, p, None) in shapes for p in TARGETS)}
    found = {s for s in targeted if any((s, p, None) in shapes for p in CONSTRAINTS)}
    return found | {p for s in targeted for p in shapes.objects(s, SH.property)}


def test_every_shape_and_check_is_exercised_by_a_fixture(shapes: Graph) -> None:
    expected_sources = {row["source"] for family in EXPECTED.values() for row in family["results"]}  # type: ignore[attr-defined]
    shape_names = {"cgsh:" + str(s).removeprefix(SHAPES_NS) for s in result_shapes(shapes)}
    check_names = {"check:" + path.stem for path in CHECKS_DIR.glob("*.rq")}
    assert sorted((shape_names | check_names) - expected_sources) == [], "shapes or checks no fixture exercises"
    assert sorted(expected_sources - (shape_names | check_names)) == [], "expected.toml names unknown shapes or checks"


def test_every_result_shape_is_named_in_the_shapes_namespace(shapes: Graph) -> None:
    anonymous = [s for s in result_shapes(shapes) if not str(s).startswith(SHAPES_NS)]
    assert anonymous == [], "a result must say which shape it comes from"


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shape_file_has_a_header_and_one_severity_family(path: Path) -> None:
    graph = parse_turtle(path)
    headers = list(graph.subjects(RDF.type, OWL.Ontology))
    assert len(headers) == 1
    header = headers[0]
    titles = {t.language for t in graph.objects(header, DCTERMS.title) if isinstance(t, Literal)}
    assert {"en", "fr"} <= titles
    for needed in (DCTERMS.description, DCTERMS.license, OWL.versionIRI):
        assert graph.value(header, needed) is not None, f"header lacks {needed}"
    severities = set(graph.objects(None, SH.severity))
    assert severities and severities <= SEVERITY_OF_FILE[path.name]


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_every_shape_is_labelled_described_and_has_messages(path: Path) -> None:
    graph = parse_turtle(path)
    shapes = {s for s in graph.subjects(RDF.type, SH.NodeShape)} | set(graph.subjects(RDF.type, SH.PropertyShape))
    for shape in shapes:
        labels = {t.language for t in graph.objects(shape, RDFS.label) if isinstance(t, Literal)}
        assert {"en", "fr"} <= labels, f"{shape}: rdfs:label @en and @fr"
        assert graph.value(shape, SH.description) is not None, f"{shape}: sh:description"
        has_constraints = any((shape, p, None) in graph for p in CONSTRAINTS - {SH.sparql})
        targeted_or_property = any((shape, p, None) in graph for p in TARGETS) or (None, SH.property, shape) in graph
        if has_constraints and targeted_or_property:
            assert _languages(graph, shape) >= {"en", "fr"}, f"{shape}: sh:message @en and @fr"
        for constraint in graph.objects(shape, SH.sparql):
            assert _languages(graph, constraint) >= {"en", "fr"}, f"{shape}: SPARQL constraint sh:message @en and @fr"


def _languages(graph: Graph, node: Node) -> set[str | None]:
    return {m.language for m in graph.objects(node, SH.message) if isinstance(m, Literal)}


@pytest.mark.parametrize(
    "path",
    SHAPE_FILES + sorted(FIXTURES.glob("*/*.ttl")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_turtle_is_in_canonical_form(path: Path) -> None:
    assert not needs_formatting(path), "run `coopgraph format` (shapes) or turtle_format.format_file (fixtures)"


def test_results_are_keyed_by_shape_or_check_name() -> None:
    issue = ValidationIssue(Severity.INFO, "x", "m", shape=SHAPES_NS + "Evidence-length")
    assert source_of(issue) == "cgsh:Evidence-length"
    check = ValidationIssue(Severity.VIOLATION, "x", "m", check="conflicting-labels-violation.rq")
    assert source_of(check) == "check:conflicting-labels-violation"
