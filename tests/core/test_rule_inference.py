"""The SPARQL-rule closure (the fast path for large graphs) gives exactly owlrl's inferred graph.

Compared exactly, triple for triple, after the same clean-up: on the shipped data and on a 10k synthetic graph.
(Literals are compared in the store's form; the generated and shipped data write them canonically, which is what a
reader of the inferred graph gets either way.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.namespace import RDFS

from app.core.config import Settings
from app.core.inference import InconsistentDataError, infer
from app.core.namespaces import COOP
from app.core.rule_inference import UnsupportedOntologyError, choose_engine, rules_infer
from app.core.sources import SourceRole, discover_sources, load_dataset
from app.core.validation import union_of

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ontology" / "rules"


def asserted_and_ontology(settings: Settings) -> tuple[Graph, Graph]:
    sources = discover_sources(settings)
    dataset = load_dataset(sources)
    ontology = union_of(dataset, sources, SourceRole.ONTOLOGY)
    return union_of(dataset, sources, SourceRole.DATA) + ontology, ontology


def assert_same_closure(settings: Settings) -> None:
    asserted, ontology = asserted_and_ontology(settings)
    reference = set(infer(asserted, RULES))
    fast = set(rules_infer(asserted, ontology, RULES))
    assert len(reference) > 1000
    assert fast == reference, (sorted(reference - fast)[:5], sorted(fast - reference)[:5])


@pytest.mark.slow
def test_same_closure_as_owlrl_on_the_shipped_data() -> None:
    assert_same_closure(Settings(_env_file=None))  # type: ignore[call-arg]


@pytest.mark.slow
def test_same_closure_as_owlrl_on_a_10k_synthetic_graph(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(10_000, 1, tmp_path / "data")
    assert_same_closure(Settings(_env_file=None, data_dir=tmp_path / "data"))  # type: ignore[call-arg]


def test_a_contradiction_stops_the_rules_too() -> None:
    asserted, ontology = asserted_and_ontology(Settings(_env_file=None))  # type: ignore[call-arg]
    org = "https://w3id.org/coopgraph/id/org/imt"
    asserted.parse(data=f"<{org}> a <{COOP}Person> .", format="turtle")
    with pytest.raises(InconsistentDataError, match=r"(?i)disjoint"):
        rules_infer(asserted, ontology, RULES)


def test_an_ontology_beyond_the_rules_is_refused_and_auto_falls_back_to_owlrl() -> None:
    ontology = Graph().parse(
        data=f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
        <{COOP}basedIn> owl:propertyChainAxiom ( <{COOP}basedIn> <{COOP}locatedIn> ) .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedOntologyError, match="propertyChainAxiom"):
        rules_infer(Graph(), ontology, RULES)
    assert choose_engine("auto", 10**7, 1000, ontology) == "owlrl"
    assert choose_engine("auto", 10**7, 1000, Graph()) == "rules"
    assert choose_engine("auto", 10, 1000, Graph()) == "owlrl"
    assert choose_engine("rules", 10, 1000, Graph()) == "rules"


def test_blank_nodes_keep_their_identity_through_the_rules() -> None:
    """A triple the rules infer about a blank node names that node, in the data as in the ontology (issue 7: a load
    of an N-Triples document renames blank nodes; the rules' store must be filled without renaming them)."""
    asserted, ontology = asserted_and_ontology(Settings(_env_file=None))  # type: ignore[call-arg]
    extra = f"""@prefix coop: <{COOP}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/coopgraph/id/partnership/x> coop:hasParty [ a coop:University ] .
        coop:Organisation rdfs:subClassOf [ rdfs:label "an unnamed superclass"@en ] ."""
    asserted.parse(data=extra, format="turtle")
    superclass = next(o for o in asserted.objects(COOP.Organisation, RDFS.subClassOf) if isinstance(o, BNode))
    for triple in [(COOP.Organisation, RDFS.subClassOf, superclass), *asserted.triples((superclass, None, None))]:
        ontology.add(triple)  # the same node in the ontology as in the asserted graph, as the build has it
    reference = set(infer(asserted, RULES))
    fast = set(rules_infer(asserted, ontology, RULES))
    about_blank_nodes = {t for t in reference if any(isinstance(term, BNode) for term in t)}
    assert (COOP.University, RDFS.subClassOf, superclass) in about_blank_nodes  # the schema part
    assert any(t[0] != superclass and t[2] != superclass for t in about_blank_nodes)  # the party: the data part
    assert about_blank_nodes <= fast, sorted(about_blank_nodes - fast)[:5]
    assert fast == reference
