"""Writing canned parameters into the query text means what substitution means, or is not done."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from app.core.bound_queries import inline_parameters
from app.core.canned_queries import bind_parameters, load_catalogue, sample_value
from app.core.config import Settings
from app.core.knowledge import build_knowledge
from app.core.namespaces import PREFIXES
from app.core.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
ORG = URIRef("https://w3id.org/coopgraph/id/org/imt")


def test_the_projection_keeps_its_column_and_group_by_loses_the_constant() -> None:
    query = "SELECT ?org ?lang (COUNT(?x) AS ?n) WHERE { ?x <p> ?org FILTER (LANG(?x) = ?lang) } GROUP BY ?org ?lang ?x"
    inlined = inline_parameters(query, {"org": ORG, "lang": Literal("en")})
    assert inlined == (
        f'SELECT (<{ORG}> AS ?org) ("en" AS ?lang) (COUNT(?x) AS ?n) WHERE {{ ?x <p> <{ORG}> '
        'FILTER (LANG(?x) = "en") } GROUP BY   ?x'
    )


def test_strings_iris_and_comments_mentioning_the_variable_are_left_alone() -> None:
    query = 'SELECT ?org WHERE { # ?org here\n ?org <http://x/?org> "?org" }'
    inlined = inline_parameters(query, {"org": ORG})
    assert inlined == f'SELECT (<{ORG}> AS ?org) WHERE {{ # ?org here\n <{ORG}> <http://x/?org> "?org" }}'


def test_a_sub_query_without_the_variable_is_left_as_it_is() -> None:
    query = (
        "SELECT ?lang ?x ?n WHERE { ?x <p> ?l FILTER (LANG(?l) = ?lang) "
        "{ SELECT ?x (COUNT(*) AS ?n) WHERE { ?x <q> ?y } GROUP BY ?x } } GROUP BY ?lang ?x ?n"
    )
    inlined = inline_parameters(query, {"lang": Literal("en")})
    assert inlined == (
        'SELECT ("en" AS ?lang) ?x ?n WHERE { ?x <p> ?l FILTER (LANG(?l) = "en") '
        "{ SELECT ?x (COUNT(*) AS ?n) WHERE { ?x <q> ?y } GROUP BY ?x } } GROUP BY  ?x ?n"
    )


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?org WHERE { ?s ?p ?o FILTER (BOUND(?org)) }",  # BOUND of a constant is not SPARQL
        "SELECT ?org WHERE { { SELECT ?org WHERE { ?org ?p ?o } } }",  # a sub-query using it: its own scope
        "SELECT ?org WHERE { ?org ?p ?x { SELECT ?x WHERE { ?x ?q ?org } } }",  # used, not projected, inside
        "SELECT ?org (COUNT(*) AS ?n) WHERE { ?org ?p ?x { SELECT ?x WHERE { ?x ?q ?o } GROUP BY ?x } } GROUP BY ?org",
        "SELECT $org WHERE { $org ?p ?o }",  # $ variables
        "SELECT ?s WHERE { ?s ?p ?org }",  # not projected: Oxigraph would not substitute it either
        "SELECT ?org (COUNT(*) AS ?n) WHERE { ?org ?p ?o } GROUP BY ?org",  # GROUP BY would be left empty
    ],
)
def test_what_cannot_be_written_safely_keeps_substitution(query: str) -> None:
    assert inline_parameters(query, {"org": ORG}) is None


@pytest.mark.slow
def test_every_canned_query_gives_the_same_rows_inlined_as_substituted() -> None:
    knowledge = build_knowledge(Settings(_env_file=None))  # type: ignore[call-arg]
    store = EmbeddedStore.from_dataset(knowledge.dataset)
    for query in load_catalogue(ROOT / "queries"):
        pairs = [(p.name, sample_value(p)) for p in query.header.parameters]
        bindings = bind_parameters(query, pairs)
        inlined = inline_parameters(query.sparql, bindings)
        assert inlined is not None, query.name  # every shipped query can be written
        substituted = store.raw_query(query.sparql, prefixes=PREFIXES, substitutions=bindings)
        written = store.raw_query(inlined, prefixes=PREFIXES)
        assert [list(map(str, row)) for row in substituted] == [list(map(str, row)) for row in written], query.name
