"""The query guard on its own: what it lets through, what it refuses, and the tricks it must not fall for."""

from __future__ import annotations

import pytest

from app.core.query_guard import (
    GuardPolicy,
    QueryForm,
    QuerySyntaxError,
    ServiceRefusedError,
    UninspectableQueryError,
    UnknownGraphError,
    UpdateRefusedError,
    check_protocol_dataset,
    count_service_keywords,
    inspect_query,
)
from app.core.query_worker import engine_syntax_check

G1 = "http://example.org/g1"
ALLOWED = "http://allowed.example/sparql"
POLICY = GuardPolicy(frozenset({G1}), frozenset({ALLOWED}), {"ex": "http://example.org/"})


def engine(text: str) -> None:
    engine_syntax_check(text, dict(POLICY.prefixes))


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SELECT),
        ("ask {}", QueryForm.ASK),
        ("CONSTRUCT WHERE { ?s ?p ?o }", QueryForm.CONSTRUCT),
        ("DESCRIBE <http://example.org/x>", QueryForm.DESCRIBE),
        ('SELECT * WHERE { ?service ex:service "SERVICE" } # SERVICE in a comment', QueryForm.SELECT),
        ("SELECT * WHERE { <http://example.org/SERVICE> ?p ?o }", QueryForm.SELECT),
    ],
)
def test_plain_queries_pass(query: str, form: QueryForm) -> None:
    assert inspect_query(query, POLICY, engine).form is form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://evil.example/> { ?s ?p ?o } }",
        "select * { service <http://evil.example/> {} }",
        "SELECT * WHERE { OPTIONAL { SELECT * { SERVICE <http://evil.example/> {} } } }",
        "SELECT * WHERE { {} UNION { SERVICE <http://evil.example/> {} } }",
        "SELECT * WHERE { FILTER NOT EXISTS { SERVICE <http://evil.example/> {} } }",
        "SELECT * WHERE { GRAPH ?g { SERVICE <http://evil.example/> {} } }",
        "SELECT * WHERE { SERVICE ?endpoint {} }",
        "SELECT * WHERE { SERVICE ex:endpoint {} }",
        "SELECT * WHERE { \\u0053ERVICE <http://evil.example/> {} }",
        "SELECT * WHERE { SERVICE <http://evil.example\\u002F> {} }",
        "BASE <http://evil.example/> SELECT * WHERE { SERVICE <sparql> {} }",
        "SELECT * WHERE { SERVICE <file:///etc/passwd> {} }",
        "SELECT * WHERE { ?s ?p ?o .SERVICE <http://evil.example/> {} }",
    ],
)
def test_service_is_refused_wherever_it_hides(query: str) -> None:
    with pytest.raises(ServiceRefusedError):
        inspect_query(query, POLICY, engine)


def test_allow_listed_service_passes() -> None:
    inspected = inspect_query(f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}", POLICY, engine)
    assert inspected.services == (ALLOWED,)


def test_allow_listed_service_must_be_written_as_an_absolute_iri() -> None:
    with pytest.raises(ServiceRefusedError, match="absolute"):
        inspect_query("BASE <http://allowed.example/> SELECT * WHERE { SERVICE <sparql> {} }", POLICY, engine)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o } # \\u000A SERVICE <http://evil.example/> {}",
        "SELECT * WHERE { ?s ?p ?o \\u0023 } SERVICE <http://evil.example/> {}",
    ],
)
def test_text_the_parsers_could_read_differently_is_refused(query: str) -> None:
    with pytest.raises((ServiceRefusedError, QuerySyntaxError, UninspectableQueryError)):
        inspect_query(query, POLICY, engine)


def test_service_keyword_count_skips_strings_iris_comments_and_names() -> None:
    text = 'SELECT ?service WHERE { ex:service <http://x/service> "service" . # service\n SERVICE <x:y> {} }'
    assert count_service_keywords(text) == 1


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "insert data { <http://a> <http://b> }",  # broken, but an update all the same
        "PREFIX ex: <http://example.org/> # note\n DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://evil.example/data.ttl>",
        "CLEAR ALL",
        "DROP SILENT GRAPH <http://example.org/g1>",
        "CREATE GRAPH <http://example.org/new>",
        "ADD <http://example.org/g1> TO DEFAULT",
        "MOVE DEFAULT TO <http://example.org/g1>",
        "COPY DEFAULT TO <http://example.org/g1>",
        "WITH <http://example.org/g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(query: str) -> None:
    with pytest.raises(UpdateRefusedError, match="read-only"):
        inspect_query(query, POLICY, engine)


def test_from_only_selects_known_graphs() -> None:
    inspected = inspect_query(f"SELECT * FROM <{G1}> FROM NAMED ex:g1 WHERE {{ ?s ?p ?o }}", POLICY, engine)
    assert inspected.from_graphs == (G1,) and inspected.from_named_graphs == (G1,)
    for clause in ("FROM <http://127.0.0.1:9/x>", "FROM NAMED <file:///etc/passwd>", "FROM ex:unknown"):
        with pytest.raises(UnknownGraphError):
            inspect_query(f"SELECT * {clause} WHERE {{ ?s ?p ?o }}", POLICY, engine)


def test_protocol_dataset_only_selects_known_graphs() -> None:
    check_protocol_dataset([G1], [G1], POLICY)
    with pytest.raises(UnknownGraphError, match="default-graph-uri"):
        check_protocol_dataset(["file:///etc/passwd"], [], POLICY)
    with pytest.raises(UnknownGraphError, match="named-graph-uri"):
        check_protocol_dataset([], ["http://127.0.0.1/x"], POLICY)


def test_syntax_errors_carry_the_engine_message_and_position() -> None:
    with pytest.raises(QuerySyntaxError, match=r"syntax error at line 2, column \d+: expected"):
        inspect_query("SELECT * WHERE {\n ?s ?p ?o FILTER( }", POLICY, engine)


def test_without_the_engine_the_guard_reports_its_own_parser_error() -> None:
    with pytest.raises(QuerySyntaxError, match="line 1"):
        inspect_query("SELECT * WHERE { ?s ?p ?o FILTER( }", POLICY)


def test_deep_nesting_is_a_clean_rejection() -> None:
    with pytest.raises((QuerySyntaxError, UninspectableQueryError)):
        inspect_query("SELECT * WHERE " + "{" * 3000 + "}" * 3000, POLICY)


def test_the_cli_query_path_goes_through_the_same_guard() -> None:
    from rdflib import Dataset, Graph, Literal, URIRef

    from app.core.knowledge import Knowledge
    from app.core.query_runner import QueryRejectedError, run_cli_query
    from app.core.validation import ValidationReport

    dataset = Dataset()
    dataset.graph(URIRef(G1)).add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal(1)))
    knowledge = Knowledge(dataset, Graph(), [], ValidationReport(), "test")
    assert run_cli_query(knowledge, "SELECT ?o WHERE { ?s ?p ?o }", "table") == (["o"], [["1"]])
    for refused in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "SELECT * WHERE { ?s ?p ",
    ):
        with pytest.raises(QueryRejectedError):
            run_cli_query(knowledge, refused, "table")
