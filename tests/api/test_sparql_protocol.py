"""SPARQL 1.1 Protocol edges over real HTTP, with plain httpx and raw bytes: methods, encodings, negotiation, errors."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import EX, LiveServer, fixture_settings, write_fixture_project
from held_back import hold_back
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
PLACES = "https://w3id.org/coopgraph/graph/places"
SOURCE = "https://w3id.org/coopgraph/graph/source/000-fixture"
ASK_ANY = "ASK { ?s ?p ?o }"
LABEL_OF_ITEM_3 = f"SELECT ?label WHERE {{ <{EX}item3> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"


def raw_get(server: LiveServer, raw_query_string: bytes, **headers: str) -> httpx.Response:
    """A GET whose query string is sent exactly as given (no re-encoding by the client)."""
    url = httpx.URL(server.sparql).copy_with(query=raw_query_string)
    return httpx.get(url, headers=headers)


def label(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    value: str = response.json()["results"]["bindings"][0]["label"]["value"]
    return value


def test_the_port_opens_before_the_service_description_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 7: the description (statistics of the store, serialised four ways) is built by a thread once the store
    is ready; queries are answered meanwhile, and a request for the description waits for it, not the event loop."""
    from fastapi.testclient import TestClient

    from app.api import main

    release = hold_back(monkeypatch, main, "describe_service")
    settings = fixture_settings(write_fixture_project(tmp_path), "http://testserver", cache_dir=tmp_path / "cache")
    with TestClient(main.create_app(settings)) as client, ThreadPoolExecutor(1) as other_client:
        assert client.get("/sparql", params={"query": ASK_ANY}).json()["boolean"] is True
        waiting = other_client.submit(client.get, "/sparql", headers={"Accept": "text/turtle"})
        time.sleep(0.5)
        assert not waiting.done()  # the description is not built yet…
        assert client.get("/sparql", params={"query": ASK_ANY}).json()["boolean"] is True  # …and queries go on
        release.set()
        response = waiting.result(60)
    assert response.status_code == 200
    description = Graph().parse(data=response.content, format="turtle")
    assert description.value(predicate=RDF.type, object=SD.Service) is not None


# --- the three ways to send a query ----------------------------------------------------------------------------------


def test_get_query(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3})
    assert label(response) == "item 3"
    assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"


def test_post_form(sparql_server: LiveServer) -> None:
    assert label(httpx.post(sparql_server.sparql, data={"query": LABEL_OF_ITEM_3})) == "item 3"


def test_post_form_with_charset(sparql_server: LiveServer) -> None:
    body = httpx.QueryParams({"query": LABEL_OF_ITEM_3}).__str__().encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    assert label(httpx.post(sparql_server.sparql, content=body, headers=headers)) == "item 3"


def test_post_direct(sparql_server: LiveServer) -> None:
    headers = {"Content-Type": "application/sparql-query"}
    assert label(httpx.post(sparql_server.sparql, content=LABEL_OF_ITEM_3.encode(), headers=headers)) == "item 3"


def test_non_ascii_query_in_utf8(sparql_server: LiveServer) -> None:
    query = 'SELECT ?place WHERE { ?place <http://www.w3.org/2000/01/rdf-schema#label> "Sénégal"@fr }'
    response = httpx.post(
        sparql_server.sparql, content=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.json()["results"]["bindings"][0]["place"]["value"].endswith("/place/senegal")


def test_project_prefixes_are_predeclared(sparql_server: LiveServer) -> None:
    query = "SELECT ?org WHERE { ?org a coop:University ; coop:locatedIn pl:dakar }"
    response = httpx.get(sparql_server.sparql, params={"query": query})
    assert response.json()["results"]["bindings"] == [
        {"org": {"type": "uri", "value": "https://w3id.org/coopgraph/id/org/esp"}}
    ]


# --- malformed requests: 400 with a message --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"query=ASK%20%7B%7D%zz", "percent-encoding"),
        (b"query=ASK%20%7B%7D%2", "percent-encoding"),
        (b"query=ASK%20%7B%7D%C3%28", "UTF-8"),
        (b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", "exactly one"),
        (b"default-graph-uri=" + PLACES.encode(), "no 'query'"),
        (b"query=", "empty"),
    ],
)
def test_malformed_get_is_a_400(sparql_server: LiveServer, raw: bytes, message: str) -> None:
    response = raw_get(sparql_server, raw)
    assert response.status_code == 400
    assert message in response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"query=ASK%20%7B%7D%G0", "application/x-www-form-urlencoded", "percent-encoding"),
        (b"query=ASK%20%7B%FF%7D", "application/x-www-form-urlencoded", "UTF-8"),
        (b"ASK { \xff }", "application/sparql-query", "UTF-8"),
        (b"ASK {}", "text/plain", "unsupported Content-Type"),
        (b"ASK {}", "", "unsupported Content-Type"),
        (b'{"query": "ASK {}"}', "application/json", "unsupported Content-Type"),
        (b"ASK {}", "application/sparql-query; charset=iso-8859-1", "UTF-8"),
        (b"", "application/x-www-form-urlencoded", "no 'query'"),
        (b"", "application/sparql-query", "empty"),
        (b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", "application/x-www-form-urlencoded", "exactly one"),
    ],
)
def test_malformed_post_is_a_400(sparql_server: LiveServer, body: bytes, content_type: str, message: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.post(sparql_server.sparql, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert message in response.text


def test_query_in_body_and_url_is_a_400(sparql_server: LiveServer) -> None:
    response = httpx.post(
        sparql_server.sparql,
        params={"query": ASK_ANY},
        content=ASK_ANY.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400


def test_syntax_error_gives_the_parser_message_and_position(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": "SELECT * WHERE {\n  ?s ?p ?o FILTER( \n}"})
    assert response.status_code == 400
    assert response.text.startswith("syntax error at line 3, column ")
    assert "expected" in response.text


def test_undeclared_prefix_is_a_400(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": "SELECT * WHERE { ?s nope:p ?o }"})
    assert response.status_code == 400
    assert "not declared" in response.text


def test_other_methods_are_405(sparql_server: LiveServer) -> None:
    refused = httpx.put(sparql_server.sparql, content=b"ASK {}")
    assert refused.status_code == 405
    assert {m.strip() for m in refused.headers["allow"].split(",")} >= {"GET", "HEAD", "POST", "OPTIONS"}
    assert httpx.delete(sparql_server.sparql).status_code == 405


# --- content negotiation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/csv, application/sparql-results+json", "text/csv"),
        ("text/tab-separated-values;q=0.3, */*;q=0.1", "text/tab-separated-values"),
        ("application/*;q=0.2, text/csv;q=0.1", "application/sparql-results+json"),
        ("image/webp,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_results_by_accept(sparql_server: LiveServer, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    assert "item 3" in response.text
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/sparql-results+json;q=1, text/turtle;q=0.5", "text/turtle"),
    ],
)
def test_construct_results_by_accept(sparql_server: LiveServer, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    query = "CONSTRUCT WHERE { ?org a coop:University }"
    response = httpx.get(sparql_server.sparql, params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    parsed = Graph().parse(data=response.content, format={"application/n-quads": "nquads"}.get(expected, expected))
    assert len(parsed) == 2


def test_ask_results(sparql_server: LiveServer) -> None:
    response = httpx.get(
        sparql_server.sparql, params={"query": ASK_ANY}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert "<boolean>true</boolean>" in response.text


def test_nothing_acceptable_is_a_406_listing_the_offers(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text and "text/csv" in response.text
    construct = httpx.get(
        sparql_server.sparql, params={"query": "CONSTRUCT WHERE { ?s a ?o }"}, headers={"Accept": "text/csv"}
    )
    assert construct.status_code == 406
    assert "text/turtle" in construct.text


def test_q_zero_refuses_a_type(sparql_server: LiveServer) -> None:
    headers = {"Accept": "application/sparql-results+json;q=0, text/csv"}
    response = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("format_name", "query", "expected"),
    [
        ("csv", LABEL_OF_ITEM_3, "text/csv"),
        ("xml", LABEL_OF_ITEM_3, "application/sparql-results+xml"),
        ("xml", "CONSTRUCT WHERE { ?s a ?o }", "application/rdf+xml"),
        ("json", "CONSTRUCT WHERE { ?s a ?o }", "application/ld+json"),
        ("ttl", "DESCRIBE <https://w3id.org/coopgraph/id/org/esp>", "text/turtle"),
        ("text/tab-separated-values", LABEL_OF_ITEM_3, "text/tab-separated-values"),
    ],
)
def test_format_parameter_overrides_accept(
    sparql_server: LiveServer, format_name: str, query: str, expected: str
) -> None:
    response = httpx.get(
        sparql_server.sparql, params={"query": query, "format": format_name}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"


def test_unknown_format_parameter_is_a_400(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": ASK_ANY, "format": "pdf"})
    assert response.status_code == 400
    assert "format='pdf'" in response.text


def test_format_of_the_wrong_kind_is_a_406(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": ASK_ANY, "format": "turtle"})
    assert response.status_code == 406


# --- dataset selection ---


def count_in(server: LiveServer, query: str, **params: str | list[str]) -> int:
    response = httpx.get(server.sparql, params={"query": query, **params})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_union(sparql_server: LiveServer) -> None:
    assert count_in(sparql_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") > 300


def test_the_union_is_a_merge_a_triple_in_two_graphs_matches_once(sparql_server: LiveServer) -> None:
    query = "SELECT ?label WHERE { <https://w3id.org/coopgraph/id/org/esp> rdfs:label ?label }"
    response = httpx.get(sparql_server.sparql, params={"query": query})
    assert sorted(b["label"]["value"] for b in response.json()["results"]["bindings"]) == [
        "Polytechnic school",
        "École supérieure polytechnique",
    ]
    in_graphs = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { <https://w3id.org/coopgraph/id/org/esp> rdfs:label ?l } }"
    assert count_in(sparql_server, in_graphs) == 3


def test_default_graph_uri_selects_a_stored_graph(sparql_server: LiveServer) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count_in(sparql_server, query, **{"default-graph-uri": PLACES}) == 6
    assert count_in(sparql_server, query, **{"default-graph-uri": [PLACES, SOURCE]}) == 6 + 11


def test_named_graph_uri_restricts_graph_patterns(sparql_server: LiveServer) -> None:
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count_in(sparql_server, query, **{"named-graph-uri": PLACES}) == 1
    assert count_in(sparql_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"named-graph-uri": PLACES}) == 0


def test_from_selects_a_stored_graph(sparql_server: LiveServer) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{PLACES}> WHERE {{ ?s ?p ?o }}"
    assert count_in(sparql_server, query) == 6
    named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{PLACES}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count_in(sparql_server, named) == 6


def test_protocol_dataset_overrides_from(sparql_server: LiveServer) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{PLACES}> WHERE {{ ?s ?p ?o }}"
    assert count_in(sparql_server, query, **{"default-graph-uri": SOURCE}) == 11


# --- service description, HEAD, OPTIONS, CORS ---


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
        (None, "turtle"),
    ],
)
def test_service_description(sparql_server: LiveServer, accept: str | None, rdflib_format: str) -> None:
    response = httpx.get(sparql_server.sparql, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].endswith("; charset=utf-8")
    description = Graph().parse(data=response.content, format=rdflib_format)
    service = description.value(predicate=RDF.type, object=SD.Service)
    assert description.value(service, SD.endpoint) == URIRef(f"{sparql_server.url}/sparql")
    formats = set(description.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert SD.UnionDefaultGraph in set(description.objects(service, SD.feature))
    dataset = description.value(service, SD.defaultDataset)
    names = {str(description.value(g, SD.name)) for g in description.objects(dataset, SD.namedGraph)}
    assert {PLACES, SOURCE, "https://w3id.org/coopgraph/graph/inferred"} <= names
    places = next(
        g for g in description.objects(dataset, SD.namedGraph) if str(description.value(g, SD.name)) == PLACES
    )
    assert int(description.value(description.value(places, SD.graph), VOID.triples)) == 6
    classes = {description.value(p, VOID["class"]) for p in description.objects(dataset, VOID.classPartition)}
    assert URIRef("https://w3id.org/coopgraph/def#University") in classes
    assert int(description.value(dataset, VOID.properties)) >= 5


def test_browser_asking_for_html_is_sent_to_the_query_page(sparql_server: LiveServer) -> None:
    headers = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    response = httpx.get(sparql_server.sparql, headers=headers)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    page = httpx.get(sparql_server.url + "/")
    assert page.status_code == 200 and "/sparql" in page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_browser_following_a_query_link_gets_the_page_with_the_query(sparql_server: LiveServer) -> None:
    headers = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    response = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers=headers)
    assert response.status_code == 303
    location = httpx.URL(response.headers["location"])
    assert location.path == "/"
    assert location.params["query"] == LABEL_OF_ITEM_3
    programs = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers={"Accept": "*/*"})
    assert programs.status_code == 200 and "item 3" in programs.text


def test_head_has_the_get_headers_and_no_body(sparql_server: LiveServer) -> None:
    get = httpx.get(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers={"Accept": "text/csv"})
    head = httpx.head(sparql_server.sparql, params={"query": LABEL_OF_ITEM_3}, headers={"Accept": "text/csv"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert httpx.head(sparql_server.sparql).status_code == 200


def test_options_lists_the_methods(sparql_server: LiveServer) -> None:
    response = httpx.options(sparql_server.sparql)
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_cors_for_any_origin_without_credentials(sparql_server: LiveServer) -> None:
    origin = {"Origin": "https://someone.example"}
    response = httpx.get(sparql_server.sparql, params={"query": ASK_ANY}, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "X-CoopGraph-Truncated" in response.headers["access-control-expose-headers"]
    preflight = httpx.options(
        sparql_server.sparql,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-origin"] == "*"
