"""Issue 7: the shapes compiled to SPARQL (compiled_shapes.py) report exactly what pyshacl reports for them.

The proof the issue asks before validation may leave pyshacl: on the shipped data, on a generated 10k graph, on that
graph with faults injected for every compiled constraint, and on every fixture of tests/fixtures, the compiled
queries over Oxigraph give the issues pyshacl as it ships (`fast=False`) gives for those shapes — field by field
(severity, focus, message, path, value, source shape), as a multiset.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS, SKOS

from app.core.compiled_shapes import CompiledShapes, UnsupportedShapeError, compile_shapes, without_shapes
from app.core.config import Settings
from app.core.sources import SourceRole, discover_sources, load_dataset
from app.core.validation import ValidationIssue, run_shapes, union_of

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHAPES = Namespace("https://w3id.org/coopgraph/shapes#")
COOP = Namespace("https://w3id.org/coopgraph/def#")
TIME = Namespace("http://www.w3.org/2006/time#")
ROLES = (SourceRole.DATA, SourceRole.SHAPES, SourceRole.ONTOLOGY)


def whole_graph(data_dir: Path) -> tuple[Graph, Graph, Graph]:
    """(data, shapes, ontology) of a data folder with the project's shapes and ontology."""
    sources = discover_sources(Settings(_env_file=None, data_dir=data_dir, cache_dir=None))  # type: ignore[call-arg]
    dataset = load_dataset(sources)
    return tuple(union_of(dataset, sources, role) for role in ROLES)  # type: ignore[return-value]


def compiled_issues(compiled: CompiledShapes, data: Graph, ontology: Graph) -> list[ValidationIssue]:
    """The compiled shapes over data and ontology as the store-first build runs them: over the union of named graphs,
    here with every other data triple stated by a second graph too (as articles repeat what others state); checked
    equal to their issues over the merged default graph."""
    merged = (data + ontology).serialize(format="nt", encoding="utf-8")
    store = ox.Store()
    store.extend(ox.parse(merged, format=ox.RdfFormat.N_TRIPLES))
    over_the_merge = compiled.validate(store)
    store.update("ADD DEFAULT TO <urn:a> ; DROP DEFAULT")
    repeated = list(store.quads_for_pattern(None, None, None, ox.NamedNode("urn:a")))[::2]
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("urn:b")) for q in repeated)
    over_the_union = compiled.validate(store, union_of_graphs=True)
    assert comparable(over_the_union) == comparable(over_the_merge)
    return over_the_union


def pyshacl_issues(compiled: CompiledShapes, data: Graph, shapes: Graph, ontology: Graph) -> list[ValidationIssue]:
    """pyshacl as it ships, on all the shapes: the issues whose source shape is one of the compiled queries'."""
    sources = {query.shape for query in compiled.queries}
    return [issue for issue in run_shapes(data, shapes, ontology, fast=False) if issue.shape in sources]


def comparable(issues: list[ValidationIssue]) -> Counter[tuple[Any, ...]]:
    """Issues as a multiset of tuples, a blank node's label (new at every parse) replaced by a marker."""
    out: Counter[tuple[Any, ...]] = Counter()
    for issue in issues:
        record = asdict(issue)
        for key in ("focus", "value"):
            if record[key] is not None and ":" not in record[key]:
                record[key] = "_:"
        out[tuple(sorted(record.items()))] += 1
    return out


@pytest.fixture(scope="module")
def shipped() -> tuple[Graph, Graph, Graph]:
    return whole_graph(ROOT / "data")


@pytest.fixture(scope="module")
def generated_10k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Graph, Graph, Graph]:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp("coop10k") / "data"
    generate(10_000, 1, out)
    return whole_graph(out)


def with_faults(data: Graph) -> Graph:
    """A copy of a generated graph with a few faults for each compiled constraint."""
    faulty = Graph()
    for triple in data:
        faulty.add(triple)
    organisations = sorted({o for o in faulty.objects(None, COOP.hasParty) if isinstance(o, URIRef)}, key=str)
    assert len(organisations) > 30

    def tagged(node: URIRef, predicate: URIRef, language: str) -> list[Literal]:
        return [o for o in faulty.objects(node, predicate) if isinstance(o, Literal) and o.language == language]

    for organisation in organisations[:3]:  # no French rdfs:label, no English skos:prefLabel
        for label in tagged(organisation, RDFS.label, "fr"):
            faulty.remove((organisation, RDFS.label, label))
        for label in tagged(organisation, SKOS.prefLabel, "en"):
            faulty.remove((organisation, SKOS.prefLabel, label))
    for organisation in organisations[3:6]:  # a second English prefLabel; an en-GB one that counts as English
        faulty.add((organisation, SKOS.prefLabel, Literal("Second name", lang="en")))
        faulty.add((organisation, SKOS.prefLabel, Literal("Third name", lang="en-GB")))
    for organisation in organisations[6:8]:  # labels only in another language, one untagged
        for old in list(faulty.objects(organisation, RDFS.label)):
            faulty.remove((organisation, RDFS.label, old))
        faulty.add((organisation, RDFS.label, Literal("Nom", lang="de")))
        faulty.add((organisation, RDFS.label, Literal("Name")))
    for organisation in organisations[8:10]:  # no French prefLabel; then one in fr-CA, which counts as French
        for label in tagged(organisation, SKOS.prefLabel, "fr"):
            faulty.remove((organisation, SKOS.prefLabel, label))
    faulty.add((organisations[9], SKOS.prefLabel, Literal("Nom canadien", lang="fr-CA")))
    dated = sorted(set(faulty.subjects(COOP.datePrecision, None)), key=str)
    for node in dated[:3]:  # a precision the date's datatype contradicts
        faulty.set((node, COOP.datePrecision, TIME.unitWeek))
    signed = sorted(set(faulty.subjects(COOP.signatory, None)), key=str)
    for agreement in signed[:2]:  # a signatory whose position is not stated
        for person in faulty.objects(agreement, COOP.signatory):
            faulty.remove((person, COOP.holds, None))
            faulty.remove((None, COOP.heldBy, person))
    faulty.add((organisations[10], COOP.partnerOf, organisations[11]))  # a derived property asserted
    return faulty


def test_the_heavy_shapes_are_compiled_and_left_out_of_pyshacl(shipped: tuple[Graph, Graph, Graph]) -> None:
    _data, shapes, _ontology = shipped
    compiled = compile_shapes(shapes)
    heavy = {SHAPES.LabelledNodeShape, SHAPES.SignatoryPositionShape, SHAPES.DatePrecisionConsistencyShape}
    assert {str(s) for s in heavy} <= set(compiled.shapes)
    assert str(SHAPES.DatedNodeShape) not in compiled.shapes  # sh:lessThanOrEquals, sh:or…: pyshacl's
    left = without_shapes(shapes, compiled.shapes)
    for shape in compiled.shapes:
        assert (URIRef(shape), None, None) not in left
    assert (SHAPES["Labelled-label-en"], None, None) in left  # property shapes stay (without a target now)
    assert (SHAPES.DatedNodeShape, None, None) in left


@pytest.mark.slow
@pytest.mark.parametrize("which", ["shipped", "10k", "10k with faults"])
def test_the_compiled_shapes_report_what_pyshacl_reports(which: str, request: Any) -> None:
    fixture = "shipped" if which == "shipped" else "generated_10k"
    data, shapes, ontology = request.getfixturevalue(fixture)
    if which == "10k with faults":
        data = with_faults(data)
    compiled = compile_shapes(shapes)
    mine = compiled_issues(compiled, data, ontology)
    reference = pyshacl_issues(compiled, data, shapes, ontology)
    assert comparable(mine) == comparable(reference)
    if which == "10k with faults":  # every compiled constraint found its faults (the test can fail)
        assert {issue.shape for issue in mine} == {query.shape for query in compiled.queries}
        assert len(mine) >= 20


def test_every_fixture_gets_the_same_issues_from_the_compiled_shapes() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "shapes"))
    from fixture_validation import EXPECTED, family_role, load_reference

    reference = load_reference()
    reference_data, shapes, ontology = (union_of(reference.dataset, reference.sources, role) for role in ROLES)
    compiled = compile_shapes(shapes)
    found: set[str] = set()
    fixtures = sorted(FIXTURES.rglob("*.ttl"))
    assert len(fixtures) > 40
    for path in fixtures:
        fixture = Graph().parse(path, format="turtle")
        role = family_role(path.stem) if path.stem in EXPECTED else SourceRole.DATA
        data = reference_data if role is SourceRole.ONTOLOGY else reference_data + fixture
        with_ontology = ontology + fixture if role is SourceRole.ONTOLOGY else ontology
        mine = compiled_issues(compiled, data, with_ontology)
        assert comparable(mine) == comparable(pyshacl_issues(compiled, data, shapes, with_ontology)), path
        found.update(str(issue.shape) for issue in mine)
    for shape in ("Labelled-label-en", "Labelled-prefLabel-unique", "SignatoryPositionShape"):
        assert str(SHAPES[shape]) in found  # the invalid fixtures exercise them


TOY_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:Closed a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ; sh:message "closed" .
ex:Templated a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:message "bad {?value}" ;
    sh:select "SELECT $this ?value WHERE { $this <urn:p> ?value }" ] .
ex:FilterInAGroup a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:message "group" ;
    sh:select "SELECT $this ?y WHERE { $this <urn:p> ?y OPTIONAL { { ?y <urn:q> ?z FILTER (?z != $this) } } }" ] .
ex:FilterBeforeBinding a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:message "bind" ;
    sh:select "SELECT $this ?v WHERE { { ?a <urn:p> ?b FILTER (?b = $this) } $this <urn:q> ?v }" ] .
ex:OptionalFilter a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:message "optional"@en , "facultatif"@fr ;
    sh:select "SELECT $this ?y WHERE { $this <urn:p> ?y OPTIONAL { ?y <urn:q> ?z FILTER (?z != $this) } }" ] .
ex:Flat a sh:NodeShape ; sh:targetSubjectsOf <urn:p> ; sh:severity sh:Warning ; sh:sparql [ sh:message "flat" ;
    sh:select "SELECT $this ?value WHERE { $this <urn:p> ?value FILTER (?value != $this) }" ] .
"""
TOY_DATA = """
@prefix ex: <http://example.org/> .
ex:a a ex:Thing ; <urn:p> ex:b , ex:a . ex:b <urn:q> ex:a , ex:c ; <urn:p> ex:b . ex:c a ex:Thing ; <urn:p> "x" .
"""


def test_a_shape_beyond_the_subset_stays_with_pyshacl() -> None:
    shapes = Graph().parse(data=TOY_SHAPES, format="turtle")
    compiled = compile_shapes(shapes)
    # an OPTIONAL's own FILTER sees the row it extends ($this included); a FILTER in a group inside it does not
    assert compiled.shapes == ("http://example.org/Flat", "http://example.org/OptionalFilter")
    data = Graph().parse(data=TOY_DATA, format="turtle")
    mine = compiled_issues(compiled, data, Graph())
    assert len(mine) == 5  # Flat: (a, b), (c, "x"); OptionalFilter: (a, b), (a, a), (c, "x")
    assert comparable(mine) == comparable(pyshacl_issues(compiled, data, shapes, Graph()))


def test_a_qualified_count_without_its_value_shape_is_refused() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:P .
        ex:P a sh:PropertyShape ; sh:path ex:p ; sh:qualifiedMinCount 1 ; sh:message "m" .
        """,
        format="turtle",
    )
    assert compile_shapes(shapes).shapes == ()
    with pytest.raises(UnsupportedShapeError):
        from app.core.compiled_shapes import _node_shape

        _node_shape(shapes, URIRef("http://example.org/S"))
