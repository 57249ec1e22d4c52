"""OWL 2 RL closure + rules: useful entailments in, owlrl artefacts out, asserted data untouched."""

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF, RDFS

from app.core.inference import infer, is_artefact, owl_rl_closure
from app.core.namespaces import COOP, ID

RULES = Path(__file__).resolve().parents[2] / "ontology" / "rules"
PL, ORG_, AG = (Namespace(ID[f"{t}/"]) for t in ("place", "org", "partnership"))

TINY = f"""
@prefix coop: <{COOP}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix pl: <{PL}> . @prefix o: <{ORG_}> . @prefix ag: <{AG}> .
coop:locatedIn a owl:TransitiveProperty .
coop:basedIn rdfs:subPropertyOf coop:locatedIn .
coop:Agreement rdfs:subClassOf coop:Partnership .
coop:hasParty owl:inverseOf coop:partyTo .
pl:dakar coop:locatedIn pl:senegal . pl:senegal coop:locatedIn pl:africa .
pl:paris coop:locatedIn pl:france .
o:esp coop:basedIn pl:dakar . o:imt coop:basedIn pl:paris . o:other coop:basedIn pl:paris .
ag:a a coop:Agreement ; coop:hasParty o:esp, o:imt .
ag:b a coop:Agreement ; coop:hasParty o:imt, o:other .
"""


def tiny() -> Graph:
    return Graph().parse(data=TINY, format="turtle")


def test_closure_locates_organisations_on_their_continent() -> None:
    closure = owl_rl_closure(tiny())
    assert (ORG_["esp"], COOP.locatedIn, PL["africa"]) in closure
    assert (ORG_["imt"], COOP.partyTo, AG["a"]) in closure
    assert (AG["a"], RDF.type, COOP.Partnership) in closure


def test_closure_holds_only_new_triples_without_artefacts() -> None:
    asserted = tiny()
    closure = owl_rl_closure(asserted)
    assert not any(t in asserted for t in closure)
    assert not any(is_artefact(t) for t in closure)
    assert not any(p == OWL.sameAs and s == o for s, p, o in closure)
    assert not any(isinstance(s, Literal) for s, _, _ in closure)


def test_partner_of_is_symmetric_and_never_reflexive() -> None:
    inferred = infer(tiny(), RULES)
    pairs = set(inferred.subject_objects(COOP.partnerOf))
    assert (ORG_["esp"], ORG_["imt"]) in pairs and (ORG_["imt"], ORG_["esp"]) in pairs
    assert all(a != b for a, b in pairs)


def test_scope_is_derived_from_the_parties_countries() -> None:
    inferred = infer(tiny(), RULES)
    assert inferred.value(AG["a"], COOP.scope) == ID["scope/franco-african"]
    assert inferred.value(AG["b"], COOP.scope) == ID["scope/france-only"]
    assert inferred.value(AG["a"], COOP.francoAfrican).toPython() is True
    assert inferred.value(AG["b"], COOP.francoAfrican).toPython() is False


def test_a_party_located_nowhere_keeps_a_partnership_outside_the_scope() -> None:
    graph = tiny().parse(
        data=f"""@prefix coop: <{COOP}> .
        <{AG}c> a coop:Agreement ; coop:hasParty <{ORG_["imt"]}>, <{ORG_["unknown"]}> .
        <{AG}d> a coop:Agreement ; coop:hasParty <{ORG_["esp"]}>, <{ORG_["imt"]}>, <{ORG_["unknown"]}> .""",
        format="turtle",
    )
    inferred = infer(graph, RULES)
    assert inferred.value(AG["c"], COOP.scope) == ID["scope/outside-franco-african"]
    assert inferred.value(AG["c"], COOP.francoAfrican).toPython() is False
    assert inferred.value(AG["d"], COOP.scope) == ID["scope/franco-african"]


def test_a_contradiction_stops_inference() -> None:
    from app.core.inference import InconsistentDataError

    graph = tiny().parse(
        data=f"""@prefix coop: <{COOP}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        coop:Person owl:disjointWith coop:Organisation .
        <{ORG_["esp"]}> a coop:Person, coop:Organisation .""",
        format="turtle",
    )
    with pytest.raises(InconsistentDataError, match=r"(?i)disjoint"):
        infer(graph, RULES)


def test_organisations_running_a_programme_together_are_partners() -> None:
    graph = tiny().parse(
        data=f"""@prefix coop: <{COOP}> .
        <{ID}programme/m> coop:supportedBy <{ORG_["imt"]}> ; coop:partner <{ORG_["esp"]}> .
        <{ORG_["imt"]}> a coop:Organisation . <{ORG_["esp"]}> a coop:Organisation .""",
        format="turtle",
    )
    inferred = infer(graph, RULES)
    assert (ORG_["esp"], COOP.partnerOf, ORG_["imt"]) in inferred


def owlrl_as_shipped(asserted: Graph) -> set[tuple[object, object, object]]:
    """The closure by owlrl's own OWLRL_Semantics on an rdflib Memory graph: no speed-up of ours involved."""
    import owlrl

    closed = Graph()
    for triple in asserted:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    return {t for t in closed if t not in asserted and not is_artefact(t)}


def shipped_asserted() -> Graph:
    from app.core.config import Settings
    from app.core.sources import SourceRole, discover_sources, load_dataset
    from app.core.validation import union_of

    sources = discover_sources(Settings(_env_file=None))  # type: ignore[call-arg]
    dataset = load_dataset(sources)
    return union_of(dataset, sources, SourceRole.DATA) + union_of(dataset, sources, SourceRole.ONTOLOGY)


def test_the_faster_closure_is_owlrls_own_on_the_shipped_data() -> None:
    asserted = shipped_asserted()
    closure = set(owl_rl_closure(asserted))
    assert len(closure) > 1000
    assert closure == owlrl_as_shipped(asserted)


@pytest.mark.slow
def test_the_faster_closure_is_owlrls_own_on_a_synthetic_graph(tmp_path: Path) -> None:
    import sys

    from app.core.config import Settings
    from app.core.sources import discover_sources, load_dataset

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from generate import generate

    generate(3_000, 7, tmp_path / "data")
    sources = discover_sources(Settings(_env_file=None, data_dir=tmp_path / "data"))  # type: ignore[call-arg]
    asserted = Graph()
    for triple in load_dataset(sources):  # data, ontology and shapes: more kinds of triple for the rules to meet
        asserted.add(triple[:3])
    assert set(owl_rl_closure(asserted)) == owlrl_as_shipped(asserted)


def owlrl_errors(asserted: Graph) -> list[str]:
    """The contradictions owlrl's own OWLRL_Semantics reports for `asserted`."""
    import owlrl

    from app.core.inference import OWLRL_ERRORS

    closed = Graph()
    for triple in asserted:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    return sorted(
        str(m)
        for n in closed.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)
        for m in closed.objects(n, OWLRL_ERRORS.error)
    )


@pytest.mark.parametrize(
    "statements",
    [
        "o:esp owl:differentFrom o:esp .",  # the one contradiction owlrl finds through eq-ref (x sameAs x)
        "o:esp owl:sameAs o:imt . o:imt owl:differentFrom o:esp .",
        "[] a owl:AllDifferent ; owl:distinctMembers (o:esp o:imt o:other) . o:esp owl:sameAs o:imt .",
    ],
)
def test_the_faster_closure_reports_owlrls_equality_contradictions(statements: str) -> None:
    from app.core.inference import InconsistentDataError

    graph = tiny().parse(data=f"@prefix owl: <{OWL}> . @prefix o: <{ORG_}> . {statements}", format="turtle")
    expected = owlrl_errors(graph)
    assert expected
    with pytest.raises(InconsistentDataError) as raised:
        owl_rl_closure(graph)
    assert raised.value.messages == expected


def test_the_faster_closure_follows_owl_same_as_as_owlrl_does() -> None:
    graph = tiny().parse(
        data=f"@prefix owl: <{OWL}> . @prefix o: <{ORG_}> . o:esp owl:sameAs o:other . o:other owl:sameAs o:imt .",
        format="turtle",
    )
    closure = set(owl_rl_closure(graph))
    assert (ORG_["esp"], OWL.sameAs, ORG_["imt"]) in closure
    assert closure == owlrl_as_shipped(graph)


def test_the_faster_closure_leaves_owlrl_as_it_was() -> None:
    import owlrl.OWLRL

    owl_rl_closure(tiny())
    assert owlrl.OWLRL.OWL is OWL and owlrl.OWLRL.RDF is RDF


def test_the_rules_trigger_only_on_the_terms_owlrl_compares_triples_with() -> None:
    """TRIGGERS holds every OWL/RDF/RDFS term owlrl's rule methods compare anything with (read from its source), so
    a triple the faster closure skips after the first cycle is one that no rule of this owlrl version fires on."""
    import ast
    import inspect

    import owlrl.OWLRL

    from app.core.inference import TRIGGERS

    namespaces = {"OWL": OWL, "RDF": RDF, "RDFS": RDFS}
    rule_methods = {"rules", "_equality", "_properties", "_classes", "_class_axioms", "_schema_vocabulary"}
    compared = set()
    for method in ast.walk(ast.parse(inspect.getsource(owlrl.OWLRL.OWLRL_Semantics))):
        if isinstance(method, ast.FunctionDef) and method.name in rule_methods:
            for node in ast.walk(method):
                if isinstance(node, ast.Compare):
                    for side in (node.left, *node.comparators):
                        if isinstance(side, ast.Attribute) and getattr(side.value, "id", None) in namespaces:
                            compared.add(namespaces[side.value.id][side.attr])  # type: ignore[union-attr]
    assert len(compared) > 30
    assert compared <= TRIGGERS


KITCHEN_SINK = f"""
@prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> . @prefix : <https://example.org/k#> .
:parentOf owl:inverseOf :childOf . :ancestorOf a owl:TransitiveProperty . :parentOf rdfs:subPropertyOf :ancestorOf .
:knows a owl:SymmetricProperty . :grandparentOf owl:propertyChainAxiom (:parentOf :parentOf) .
:hasMother a owl:FunctionalProperty . :email a owl:InverseFunctionalProperty .
:relative owl:equivalentProperty :kin . :parentOf rdfs:domain :Parent ; rdfs:range :Person .
:Parent rdfs:subClassOf :Person . :Person owl:equivalentClass :Human . :Human rdfs:subClassOf :Agent .
:Adult owl:intersectionOf (:Person :Grown) . :PersonOrRobot owl:unionOf (:Person :Robot) .
:HasChild owl:onProperty :parentOf ; owl:someValuesFrom :Person .
:ParentOfAdults owl:onProperty :parentOf ; owl:allValuesFrom :Cherished .
:French owl:onProperty :nationality ; owl:hasValue :france .
:OneMother owl:onProperty :hasMother ; owl:maxCardinality 1 .
:Colour owl:oneOf (:red :green) . :Keyed owl:hasKey (:code) .
:sonOf rdfs:subPropertyOf :childOf . :b :sonOf :a . :c :sonOf :b . :friend rdfs:subPropertyOf :knows . :a :friend :d .
:Guardian rdfs:subClassOf :ParentOfAdults . :a a :Guardian , :Grown . :b a :Grown . :a :relative :k .
:motherOf owl:inverseOf :hasMother . :m1 :motherOf :b ; :livesIn :rennes . :m2 :motherOf :b .
:mail rdfs:subPropertyOf :email . :e :mail "x@example.org" . :f :mail "x@example.org" .
:Frenchman rdfs:subClassOf :French . :g a :Frenchman .
:citizenOf rdfs:subPropertyOf :nationality . :h :citizenOf :france .
:KeyedSub rdfs:subClassOf :Keyed . :i a :KeyedSub ; :code "i1" . :j a :KeyedSub ; :code "i1" .
"""


def test_the_faster_closure_is_owlrls_own_on_every_kind_of_axiom() -> None:
    """Property, class and equality axioms of every kind owlrl handles: the same closure. Each axiom's premises are
    themselves inferred (sonOf → childOf → parentOf, motherOf → hasMother…), so it fires on triples that only exist
    after the first cycle, when the faster closure hands the rules only the triples in TRIGGERS."""
    graph = Graph().parse(data=KITCHEN_SINK, format="turtle")
    closure = set(owl_rl_closure(graph))
    expected = owlrl_as_shipped(graph)
    k = Namespace("https://example.org/k#")
    for entailed in [
        (k.a, k.grandparentOf, k.c),  # property chain
        (k.b, k.parentOf, k.c),  # inverse
        (k.a, k.ancestorOf, k.c),  # sub-property, then transitivity
        (k.d, k.knows, k.a),  # symmetry
        (k.a, RDF.type, k.Agent),  # domain, sub-class, equivalent class, sub-class
        (k.m1, OWL.sameAs, k.m2),  # functional property
        (k.m2, k.livesIn, k.rennes),  # then sameAs
        (k.e, OWL.sameAs, k.f),  # inverse functional property
        (k.g, k.nationality, k.france),  # hasValue, one way
        (k.h, RDF.type, k.French),  # and the other
        (k.b, RDF.type, k.Adult),  # domain, sub-class, intersection
        (k.b, RDF.type, k.Cherished),  # allValuesFrom
        (k.a, RDF.type, k.HasChild),  # someValuesFrom
        (k.i, OWL.sameAs, k.j),  # hasKey
        (k.a, k.kin, k.k),  # equivalent property
    ]:
        assert entailed in expected, entailed
    assert closure == expected
