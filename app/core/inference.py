"""OWL 2 RL closure (owlrl) over data + ontology + alignments, cleaned, plus the project's SPARQL rules.

The result is only the *new* triples: they live in their own named graph and never go back into data/.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from app.core.reentrant_patch import ReentrantPatch
from app.core.store import add_triples, to_rdflib

BUILT_IN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


# Every term owlrl's OWL 2 RL rules compare a triple's predicate or object with (OWLRL_Semantics: _properties,
# _equality, _classes, _class_axioms, _schema_vocabulary; tests/core/test_inference.py reads them from owlrl's
# source), and owl:differentFrom, which FasterOwlRlSemantics._equality tests: a triple fires a rule only if its
# predicate is one of them and, when that is rdf:type, its object too.
TRIGGERS = frozenset(
    {
        RDF.type,
        RDF.Property,
        RDFS.domain,
        RDFS.range,
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        OWL.AllDifferent,
        OWL.AllDisjointClasses,
        OWL.AllDisjointProperties,
        OWL.AsymmetricProperty,
        OWL.Class,
        OWL.DatatypeProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.IrreflexiveProperty,
        OWL.Nothing,
        OWL.ObjectProperty,
        OWL.SymmetricProperty,
        OWL.Thing,
        OWL.TransitiveProperty,
        OWL.allValuesFrom,
        OWL.complementOf,
        OWL.disjointWith,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.hasKey,
        OWL.hasValue,
        OWL.intersectionOf,
        OWL.inverseOf,
        OWL.maxCardinality,
        OWL.maxQualifiedCardinality,
        OWL.oneOf,
        OWL.propertyChainAxiom,
        OWL.propertyDisjointWith,
        OWL.sameAs,
        OWL.someValuesFrom,
        OWL.sourceIndividual,
        OWL.unionOf,
        OWL.differentFrom,
    }
)


class InconsistentDataError(Exception):
    """OWL 2 RL found a contradiction (e.g. a node in two disjoint classes); nothing is served from it."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("the data contradicts the ontology: " + "; ".join(messages))

    def __reduce__(self) -> tuple[type[InconsistentDataError], tuple[list[str]]]:
        """Pickled with its messages (a forked inference sends it back to the building process)."""
        return (InconsistentDataError, (self.messages,))


class _CachedNamespace:
    """An rdflib namespace whose terms, once looked up, are plain attributes (rdflib's lookup runs Python code)."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:  # only called for a term not looked up yet
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, key: str) -> Any:
        return self._namespace[key]


def _cache_namespaces() -> None:
    import owlrl.Closure
    import owlrl.OWLRL

    owlrl.OWLRL.OWL, owlrl.OWLRL.RDF, owlrl.OWLRL.RDFS = (_CachedNamespace(ns) for ns in (OWL, RDF, RDFS))
    owlrl.Closure.RDF = _CachedNamespace(RDF)


def _restore_namespaces() -> None:
    import owlrl.Closure
    import owlrl.OWLRL

    owlrl.OWLRL.OWL, owlrl.OWLRL.RDF, owlrl.OWLRL.RDFS, owlrl.Closure.RDF = OWL, RDF, RDFS, RDF


# owlrl's rules read OWL.sameAs, RDF.type… several times per triple and cycle: a million namespace lookups on the
# seed graph, a quarter of its closure time
_cached_namespaces = ReentrantPatch(_cache_namespaces, _restore_namespaces)


@cache
def faster_owlrl_semantics() -> type:
    """owlrl's OWL 2 RL semantics, with "already in the graph?" answered by a set, not an rdflib store lookup.

    owlrl adds each cycle's new triples only at its end, so a snapshot taken when a cycle starts is what the graph
    holds during it. Same closure as owlrl's own class (tests/core/test_inference.py), in about half the time.
    (Made on first use: owlrl is imported only by a build that infers, never by a restart on unchanged data.)
    """
    import owlrl

    class FasterOwlRlSemantics(owlrl.OWLRL_Semantics):  # type: ignore[misc]
        def empty_stored_triples(self) -> None:
            # The graph now holds what it held plus what was stored since the last call (flushed or added by the
            # cycle that just ended): the snapshot grows by those instead of being taken afresh every cycle.
            known: set[tuple[Node, Node, Node]] | None = getattr(self, "_known", None)
            if known is None:
                self._known = set(self.graph)
            else:
                known.update(self.added_triples)
            super().empty_stored_triples()

        def rules(self, t: tuple[Node, Node, Node], cycle_num: int) -> None:
            # owlrl hands every triple of the graph to every rule, every cycle, and each rule first tests the
            # triple's predicate (and, for rdf:type, its class) against the vocabulary it fires on (TRIGGERS). A
            # triple of the data (hasParty, prefLabel, a type such as coop:University) fires none: it only takes
            # part as the *other* premise, found by lookup. After the first cycle (which also collects the blank
            # nodes and annotation properties of every triple) only the triples that can fire a rule are handed
            # to them: the closure is the same (tests/core/test_inference.py), 0.9 → 0.5 s on the seed graph.
            predicate = t[1]
            if cycle_num == 1 or (predicate in TRIGGERS and (predicate != RDF.type or t[2] in TRIGGERS)):
                super().rules(t, cycle_num)

        def store_triple(self, t: tuple[Node, Node, Node]) -> None:
            if not isinstance(t[1], Literal) and t not in self._known:
                self.added_triples.add(t)

        def _equality(self, triple: tuple[Node, Node, Node], cycle_num: int) -> None:
            # eq-ref (`x owl:sameAs x` for every term of every triple) is left out: those triples are artefacts
            # (is_artefact), no other rule derives anything new from them, and the next cycle walked every node's
            # triples once more for them (eq-rep-s/p/o) — a third of the seed graph's closure time. The one thing
            # they entail, eq-diff1's error on `x owl:differentFrom x`, is reported here with owlrl's message.
            s, p, o = triple
            if p == OWL.sameAs or (p == RDF.type and o == OWL.AllDifferent):
                super()._equality(triple, cycle_num)
            elif p == OWL.differentFrom and s == o:
                self.add_error(
                    f"'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({s}, {o})"
                )

    return FasterOwlRlSemantics


def owl_rl_closure(asserted: Graph, semantics: type | None = None) -> Graph:
    """The triples OWL 2 RL entails from `asserted` that it does not already state (artefacts removed).

    Raises InconsistentDataError when owlrl reports a contradiction instead of silently writing it into the graph.
    `semantics`: owlrl's own OWLRL_Semantics for the tests that compare it with the faster one used by default.
    """
    import owlrl

    closed = Graph(store="SimpleMemory")  # no contexts to track: owlrl's triple lookups run faster
    stated = set(asserted)  # "is it asserted?" for every triple of the closure: a set, not an rdflib store lookup
    for triple in stated:
        closed.add(triple)
    with _cached_namespaces.active():
        owlrl.DeductiveClosure(
            semantics or faster_owlrl_semantics(), axiomatic_triples=False, datatype_axioms=False
        ).expand(closed)
    errors = sorted(
        str(m)
        for n in closed.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)
        for m in closed.objects(n, OWLRL_ERRORS.error)
    )
    if errors:
        raise InconsistentDataError(errors)
    inferred = Graph()
    for triple in closed:
        if triple not in stated and not is_artefact(triple):
            inferred.add(triple)
    return inferred


def is_artefact(triple: tuple[object, object, object]) -> bool:
    """owlrl side effects with no meaning for users: reflexive sameAs, literal subjects, built-in vocabulary."""
    subject, predicate, obj = triple
    if isinstance(subject, Literal):
        return True
    if predicate == OWL.sameAs and subject == obj:
        return True
    if predicate == RDF.type and obj in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual):
        return True
    return str(subject).startswith(BUILT_IN_NAMESPACES)


def apply_rules(graphs: Iterable[Graph], rules: Iterable[Path]) -> Graph:
    """Run each CONSTRUCT rule over the union of `graphs` and return what they build that it does not state.

    Evaluated by Oxigraph (about 0.05 s on the seed graph where rdflib took 0.3 s): the same SPARQL, the same rules
    the large graphs' closure runs (rule_inference.py); owlrl's closure, the reference, is untouched.
    """
    store = ox.Store()
    for graph in graphs:  # added as terms, not loaded from a document: a load would rename the blank nodes
        add_triples(store, graph)
    built = Graph()
    for rule in rules:
        for triple in store.query(rule.read_text(encoding="utf-8")):  # type: ignore[union-attr]
            if ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()) not in store:
                built.add(cast(tuple[Node, Node, Node], tuple(to_rdflib(term) for term in triple)))
    return built


def infer(asserted: Graph, rules_dir: Path) -> Graph:
    """Closure, then rules over asserted + closure: the complete inferred graph."""
    closure = owl_rl_closure(asserted)
    closure += apply_rules([asserted, closure], sorted(rules_dir.glob("*.rq")))
    return closure
