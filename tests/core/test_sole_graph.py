"""Issue 7: a SoleGraph holds and answers exactly what a plain rdflib Graph does (sole_graph.py).

- `add_all` leaves the `Memory` store in the state `Graph.add`, triple by triple, leaves it (indices, contexts);
- `triples` gives, for every kind of pattern, the triples rdflib's store gives, in the same order;
- as soon as the store holds another graph, both fall back to rdflib's own code.
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.paths import OneOrMore

from app.core.sole_graph import SoleGraph
from app.core.sources import article_triples, parse_turtle

ROOT = Path(__file__).resolve().parents[2]
EX = "http://example.org/"


@pytest.fixture(scope="module")
def triples(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """The shipped data and a small generated graph (as article_triples makes them), with some repeated twice."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp("sole") / "data"
    generate(3_000, 3, out)
    found: list[Any] = []
    for number, path in enumerate(sorted(out.rglob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl"))):
        found += article_triples(path, f"a{number}x", {})
    found += list(parse_turtle(ROOT / "ontology" / "coop.ttl"))
    return found + found[::7]  # duplicates: added again, nothing changes


def plain_and_sole(triples: list[Any]) -> tuple[Graph, SoleGraph]:
    plain = Graph()
    for triple in triples:
        plain.add(triple)
    sole = SoleGraph()
    sole.add_all(triples[:100])  # in several calls, as validate_batch does
    sole.add_all(triples[100:])
    return plain, sole


def store_state(graph: Graph) -> dict[str, Any]:
    """The Memory store's state, the context's name (the graph's own identifier) replaced by a marker."""
    store: Any = graph.store
    name = f"{graph.identifier.__class__.__name__}:{graph.identifier}"

    def renamed(key: Any) -> Any:
        return "this graph" if key == name else key

    return {
        "spo": store._Memory__spo,
        "pos": store._Memory__pos,
        "osp": store._Memory__osp,
        "order": (list(store._Memory__spo), list(store._Memory__pos), list(store._Memory__osp)),
        "triple contexts": store._Memory__tripleContexts,
        "context triples": {renamed(k): v for k, v in store._Memory__contextTriples.items()},
        "default contexts": {renamed(k): v for k, v in store._Memory__defaultContexts.items()},
        "contexts": len(store._Memory__all_contexts),
        "length": len(graph),
    }


def test_add_all_leaves_the_store_as_graph_add_does(triples: list[Any]) -> None:
    plain, sole = plain_and_sole(triples)
    assert store_state(sole) == store_state(plain)
    sole.add((URIRef(EX + "s"), URIRef(EX + "p"), Literal("late")))  # rdflib's add still works after add_all
    plain.add((URIRef(EX + "s"), URIRef(EX + "p"), Literal("late")))
    assert store_state(sole) == store_state(plain)


def patterns(triples: list[Any]) -> list[tuple[Any, Any, Any]]:
    """Every mask of a sample of triples, plus terms the graph does not hold."""
    random.seed(7)
    sample = random.sample(triples, 400)
    absent = (URIRef(EX + "absent"), URIRef(EX + "absentP"), Literal("absent"))
    sample += [absent, (sample[0][0], absent[1], sample[0][2]), (sample[1][0], sample[1][1], absent[2])]
    found = []
    for triple in sample:
        for mask in itertools.product((False, True), repeat=3):
            found.append(tuple(term if kept else None for term, kept in zip(triple, mask, strict=True)))
    return found


def test_every_pattern_gives_what_rdflib_gives_in_the_same_order(triples: list[Any]) -> None:
    plain, sole = plain_and_sole(triples)
    for pattern in patterns(triples):
        assert list(sole.triples(pattern)) == list(plain.triples(pattern)), pattern
    path = (None, RDFS.subClassOf * OneOrMore, None)  # a property path: rdflib's own evaluation
    assert sorted(sole.triples(path)) == sorted(plain.triples(path))
    assert set(sole.subjects(RDF.type, None)) == set(plain.subjects(RDF.type, None))
    assert len(sole) == len(plain)


def test_another_graph_in_the_store_turns_the_shortcuts_off(triples: list[Any]) -> None:
    sole = SoleGraph()
    sole.add_all(triples[:500])
    other = Graph(store=sole.store, identifier=URIRef(EX + "other"))
    other.add((BNode(), URIRef(EX + "p"), Literal("elsewhere")))
    other.add(triples[0])  # a triple of this graph in another graph too
    assert not sole._alone()
    plain = Graph(store=sole.store, identifier=sole.identifier)
    for pattern in patterns(triples[:500]):
        assert list(sole.triples(pattern)) == list(plain.triples(pattern)), pattern
    sole.add_all(triples[500:600])  # by rdflib's add, one by one
    assert len(sole) == len(set(triples[:600]))
