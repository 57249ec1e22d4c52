"""OWL 2 RL closure (owlrl) over data + ontology + alignments, cleaned, plus the project's SPARQL rules.

The result is only the *new* triples: they live in their own named graph and never go back into data/.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import cast

import owlrl
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.query import Result
from rdflib.term import Node

BUILT_IN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


class InconsistentDataError(Exception):
    """OWL 2 RL found a contradiction (e.g. a node in two disjoint classes); nothing is served from it."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("the data contradicts the ontology: " + "; ".join(messages))


def owl_rl_closure(asserted: Graph) -> Graph:
    """The triples OWL 2 RL entails from `asserted` that it does not already state (artefacts removed).

    Raises InconsistentDataError when owlrl reports a contradiction instead of silently writing it into the graph.
    """
    closed = Graph()
    for triple in asserted:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    errors = sorted(
        str(m)
        for n in closed.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)
        for m in closed.objects(n, OWLRL_ERRORS.error)
    )
    if errors:
        raise InconsistentDataError(errors)
    inferred = Graph()
    for triple in closed:
        if triple not in asserted and not is_artefact(triple):
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


def apply_rules(graph: Graph, rules: Iterable[Path]) -> Graph:
    """Run each CONSTRUCT rule over `graph` and return what they build that `graph` does not state."""
    built = Graph()
    for rule in rules:
        result: Result = graph.query(rule.read_text(encoding="utf-8"))
        for row in result:
            triple = cast(tuple[Node, Node, Node], row)
            if triple not in graph:
                built.add(triple)
    return built


def infer(asserted: Graph, rules_dir: Path) -> Graph:
    """Closure, then rules over asserted + closure: the complete inferred graph."""
    closure = owl_rl_closure(asserted)
    combined = asserted + closure
    rules = apply_rules(combined, sorted(rules_dir.glob("*.rq")))
    return closure + rules
