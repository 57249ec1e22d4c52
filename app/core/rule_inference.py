"""The OWL 2 RL closure as SPARQL rules inside Oxigraph: the fast path for graphs owlrl cannot close in time.

owlrl stays the reference (inference.py). It evaluates every OWL 2 RL rule in Python over the whole graph: 48 s at
100k triples, no result within minutes at 1M. The entailments CoopGraph's axioms actually trigger are few — subclass
and subproperty typing, domains and ranges, inverses, the symmetric and transitive properties — and each is one
SPARQL INSERT that Oxigraph evaluates in native code. So:

1. the schema part of the closure (subClassOf/subPropertyOf chains, inherited domains and ranges, the reflexive
   axioms owlrl adds) depends on the ontology alone: owlrl computes it on the ontology (about a second);
2. the instance part is the rules below, run to a fixpoint over data + ontology + that schema closure (semi-naive:
   each round only joins what the round before added);
3. the project's CONSTRUCT rules (ontology/rules/*.rq) run over the result, as in `infer`;
4. the same clean-up as owlrl's path (no triple already asserted, no artefact).

The rules cover the OWL 2 RL rules whose premises the ontology can satisfy; an ontology using any other construct
(property chains, restrictions, keys, owl:sameAs…) raises UnsupportedOntologyError and `auto` falls back to owlrl.
tests/core/test_rule_inference.py proves the closure equal to owlrl's on the shipped data and a 10k synthetic graph.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from app.core.inference import BUILT_IN_NAMESPACES, InconsistentDataError, infer, is_artefact, owl_rl_closure
from app.core.store import add_triples, to_rdflib

log = logging.getLogger("coopgraph.inference")

ARTEFACT_TYPES = {str(OWL.Thing), str(RDFS.Resource), str(OWL.NamedIndividual)}

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


@dataclass(frozen=True)
class Rule:
    """An OWL 2 RL rule (named as in the W3C profile's tables): a schema premise, a data premise, a conclusion.

    `data_from_delta` is the data premise restricted to the last round's additions (the graph IRI it is given) when it
    is not simply the data pattern inside that graph (a rule with two data premises: either one may be the new one).
    The store's default graph holds everything known so far; each round's conclusions go to that round's graph.
    """

    schema: str
    data: str
    conclusion: str
    data_from_delta: Callable[[str], str] | None = None

    def first_round(self, new: ox.NamedNode) -> str:
        """Every premise read from the whole graph."""
        return self._update(new, f"{self.schema} {self.data}")

    def later_rounds(self, delta: ox.NamedNode, new: ox.NamedNode) -> list[str]:
        """A premise from the last round's additions (`delta`), the other from the whole graph: what is new to try."""
        new_data = f"GRAPH <{delta.value}> {{ {self.data} }}"
        if self.data_from_delta is not None:
            new_data = self.data_from_delta(delta.value)
        return [
            self._update(new, f"{self.schema} {new_data}"),
            self._update(new, f"GRAPH <{delta.value}> {{ {self.schema} }} {self.data}"),
        ]

    def _update(self, new: ox.NamedNode, premises: str) -> str:
        # only conclusions the store does not hold yet go to `new`: each round's additions are new by construction
        return (
            f"{PREFIXES}INSERT {{ GRAPH <{new.value}> {{ {self.conclusion} }} }} "
            f"WHERE {{ {premises} FILTER NOT EXISTS {{ {self.conclusion} }} }}"
        )


NOT_LITERAL_Y = "FILTER (!isLiteral(?y))"
# Schema premise first so Oxigraph starts from it.
RULES: dict[str, Rule] = {
    "cax-sco": Rule("?c rdfs:subClassOf ?d . FILTER (?c != ?d)", "?x a ?c", "?x a ?d"),
    "cax-eqc1": Rule("?c owl:equivalentClass ?d . FILTER (?c != ?d)", "?x a ?c", "?x a ?d"),
    "cax-eqc2": Rule("?c owl:equivalentClass ?d . FILTER (?c != ?d)", "?x a ?d", "?x a ?c"),
    "prp-spo1": Rule("?p rdfs:subPropertyOf ?q . FILTER (?p != ?q)", "?x ?p ?y", "?x ?q ?y"),
    "prp-eqp1": Rule("?p owl:equivalentProperty ?q . FILTER (?p != ?q)", "?x ?p ?y", "?x ?q ?y"),
    "prp-eqp2": Rule("?p owl:equivalentProperty ?q . FILTER (?p != ?q)", "?x ?q ?y", "?x ?p ?y"),
    "prp-inv1": Rule("?p owl:inverseOf ?q .", f"?x ?p ?y {NOT_LITERAL_Y}", "?y ?q ?x"),
    "prp-inv2": Rule("?p owl:inverseOf ?q .", f"?x ?q ?y {NOT_LITERAL_Y}", "?y ?p ?x"),
    "prp-symp": Rule("?p a owl:SymmetricProperty .", f"?x ?p ?y {NOT_LITERAL_Y}", "?y ?p ?x"),
    "prp-dom": Rule("?p rdfs:domain ?c .", "?x ?p ?y", "?x a ?c"),
    "prp-rng": Rule("?p rdfs:range ?c .", f"?x ?p ?y {NOT_LITERAL_Y}", "?y a ?c"),
    "prp-trp": Rule(
        "?p a owl:TransitiveProperty .",
        "?x ?p ?y . ?y ?p ?z",
        "?x ?p ?z",
        data_from_delta=lambda delta: (
            f"{{ GRAPH <{delta}> {{ ?x ?p ?y }} ?y ?p ?z }} UNION {{ ?x ?p ?y GRAPH <{delta}> {{ ?y ?p ?z }} }}"
        ),
    ),
}

# Premises the rules above cannot honour: owlrl must close such an ontology.
UNSUPPORTED = [
    OWL.propertyChainAxiom,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.hasValue,
    OWL.intersectionOf,
    OWL.unionOf,
    OWL.complementOf,
    OWL.oneOf,
    OWL.hasKey,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.sameAs,
    OWL.differentFrom,
    OWL.propertyDisjointWith,
    OWL.AsymmetricProperty,
    OWL.IrreflexiveProperty,
    OWL.InverseFunctionalProperty,
    OWL.AllDifferent,
    OWL.NegativePropertyAssertion,
]

# The same contradictions owlrl reports for this ontology's constructs (rules cax-dw, cax-adc, prp-fp on IRIs).
CONSISTENCY: dict[str, str] = {
    "disjoint classes": """SELECT ?x ?c1 ?c2 WHERE {
  ?c1 owl:disjointWith ?c2 . ?x a ?c1 , ?c2 } LIMIT 20""",
    "disjoint classes (AllDisjointClasses)": """SELECT ?x ?c1 ?c2 WHERE {
  ?all a owl:AllDisjointClasses ; owl:members ?list .
  ?list rdf:rest*/rdf:first ?c1 . ?list rdf:rest*/rdf:first ?c2 .
  FILTER (STR(?c1) < STR(?c2)) ?x a ?c1 , ?c2 } LIMIT 20""",
    "functional property with two values": """SELECT ?x ?c1 ?c2 WHERE {
  ?p a owl:FunctionalProperty . ?x ?p ?c1 , ?c2 . FILTER (?c1 != ?c2) } LIMIT 20""",
}


class UnsupportedOntologyError(Exception):
    """The ontology uses an OWL construct the SPARQL rules do not implement: use owlrl."""


def check_supported(ontology: Graph) -> None:
    """Raise UnsupportedOntologyError when an axiom needs a rule this module does not have."""
    used = sorted({str(p) for p in UNSUPPORTED if next(ontology.triples((None, p, None)), None) is not None})
    used += sorted({str(o) for o in UNSUPPORTED if (None, RDF.type, o) in ontology})
    if used:
        raise UnsupportedOntologyError("the SPARQL rules do not implement " + ", ".join(used))


def schema_closure(ontology: Graph) -> Graph:
    """owlrl's closure of the ontology alone: the schema part of the full closure (it does not depend on data)."""
    return owl_rl_closure(ontology)


def rules_closure(asserted: Graph, ontology: Graph, rules: Iterable[str] = ()) -> Graph:
    """What OWL 2 RL entails from `asserted` (data + ontology) that it does not state, artefacts removed; then
    what the CONSTRUCT `rules` build over asserted + closure (each over the closure, not over another rule's output).
    """
    check_supported(ontology)
    started = time.perf_counter()
    schema = schema_closure(ontology)
    store = ox.Store()
    add_triples(store, asserted)
    add_triples(store, schema)
    for triple in new_in_store(store, list(rules)):
        if triple not in asserted and not is_artefact(triple):
            schema.add(triple)  # type: ignore[arg-type]
    log.info("SPARQL-rule closure: %d new triples in %.1f s", len(schema), time.perf_counter() - started)
    return schema


def new_in_store(
    store: ox.Store, rules: list[str], progress: Callable[[int], None] | None = None
) -> Iterator[tuple[Node, Node, Node]]:
    """Close the store's default graph, add what the CONSTRUCT `rules` build, and yield every added triple."""
    for triple in added_in_store(store, rules, progress):
        yield to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)


def added_in_store(store: ox.Store, rules: list[str], progress: Callable[[int], None] | None = None) -> list[ox.Triple]:
    """Close the store's default graph, add the `rules`' constructions, and return what was added (store terms:
    the same blank nodes and literal forms as the store's, no round trip to rdflib)."""
    rounds = close_in_store(store, progress)
    graphs = [round_graph(number) for number in range(1, rounds)]  # disjoint: a round adds only what is not known
    added = [
        ox.Triple(q.subject, q.predicate, q.object)
        for g in graphs
        for q in store.quads_for_pattern(None, None, None, g)
    ]
    for graph in graphs:
        store.update(f"DROP SILENT GRAPH <{graph.value}>")
    built = dict.fromkeys(triple for rule in rules for triple in store.query(rule))  # type: ignore[union-attr]
    return added + [t for t in built if ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) not in store]


def is_store_artefact(triple: ox.Triple) -> bool:
    """`inference.is_artefact` on store terms (no conversion to rdflib for a million triples)."""
    subject, predicate, obj = triple.subject, triple.predicate, triple.object
    if isinstance(subject, ox.Literal):
        return True
    if predicate.value == str(OWL.sameAs) and subject == obj:
        return True
    if predicate.value == str(RDF.type) and getattr(obj, "value", None) in ARTEFACT_TYPES:
        return True
    return isinstance(subject, ox.NamedNode) and subject.value.startswith(BUILT_IN_NAMESPACES)


def round_graph(number: int) -> ox.NamedNode:
    """The graph of what round `number` of close_in_store added."""
    return ox.NamedNode(f"urn:coopgraph:inference:round:{number}")


def close_in_store(store: ox.Store, progress: Callable[[int], None] | None = None) -> int:
    """Run the rules on the default graph until nothing new appears, adding what each round concludes to it and to
    that round's graph (round_graph(n) for n < the rounds returned); raise InconsistentDataError on a contradiction.

    Semi-naive evaluation: the first round reads the whole graph; each later one only tries premises of which one
    is an addition of the round before (its graph), every other combination having been tried already. It ends, as
    the rules only add triples over the store's terms, when a round adds nothing. Each round's graph is written once
    and kept (issue 7: moving it to a delta graph and copying it to a graph of all additions cost 6 s of 25 at 1M).
    """
    rounds = 0
    while True:
        rounds += 1
        new, last = round_graph(rounds), round_graph(rounds - 1)
        for rule in RULES.values():
            for update in [rule.first_round(new)] if rounds == 1 else rule.later_rounds(last, new):
                store.update(update)
        if progress is not None:
            progress(rounds)
        if next(store.quads_for_pattern(None, None, None, new), None) is None:
            break
        store.update(f"ADD <{new.value}> TO DEFAULT")
    _check_consistency(store)
    return rounds


def _check_consistency(store: ox.Store) -> None:
    messages = []
    for kind, query in CONSISTENCY.items():
        for row in store.query(PREFIXES + query):  # type: ignore[union-attr]
            messages.append(f"{kind}: {row[0].value} ({row[1]}, {row[2]})")
    if messages:
        raise InconsistentDataError(sorted(messages))


def rules_infer(asserted: Graph, ontology: Graph, rules_dir: Path) -> Graph:
    """`infer` with the SPARQL-rule closure: closure, then the project's CONSTRUCT rules over asserted + closure."""
    rules = [rule.read_text(encoding="utf-8") for rule in sorted(rules_dir.glob("*.rq"))]
    return rules_closure(asserted, ontology, rules)


def choose_engine(setting: str, asserted_triples: int, limit: int, ontology: Graph) -> str:
    """'owlrl' or 'rules': the setting, or for 'auto' owlrl up to `limit` triples (and when the rules cannot do)."""
    if setting != "auto":
        return setting
    if asserted_triples <= limit:
        return "owlrl"
    try:
        check_supported(ontology)
    except UnsupportedOntologyError as error:
        log.warning("large graph, but %s: closing it with owlrl", error)
        return "owlrl"
    return "rules"


def infer_with(engine: str, asserted: Graph, ontology: Graph, rules_dir: Path) -> Graph:
    """The inferred graph by the chosen engine (both give the same triples; see the module docstring)."""
    if engine == "rules":
        return rules_infer(asserted, ontology, rules_dir)
    return infer(asserted, rules_dir)
