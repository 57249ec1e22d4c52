"""CoopGraph served from a real `oxigraph serve` that `coopgraph load` filled: same answers, same safety rules.

Every comparison is against the same project on the embedded store, so the tests check the backend path against
the service, not against numbers copied from the data.
"""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, SPARQLWrapper

pytestmark = pytest.mark.slow

ORG = "https://w3id.org/coopgraph/id/org/"
LOAD_GRAPH = "https://w3id.org/coopgraph/graph/load"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def as_set(cell: str) -> str:
    """A GROUP_CONCAT list (`a · b`) with its items sorted: SPARQL leaves their order to the evaluation, and two
    stores (or one store on disk and in memory) may list them differently."""
    return " · ".join(sorted(cell.split(" · "))) if " · " in cell else cell


def csv_rows(server: LiveServer, query: str, **params: str) -> list[list[str]]:
    response = httpx.post(server.sparql, data={"query": query, **params}, headers={"Accept": "text/csv"}, timeout=60)
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


def same_rows(query: str, backend: LiveServer, embedded: LiveServer, **params: str) -> list[list[str]]:
    on_backend, on_embedded = csv_rows(backend, query, **params), csv_rows(embedded, query, **params)
    assert on_backend[0] == on_embedded[0]
    assert sorted(on_backend[1:]) == sorted(on_embedded[1:])
    return on_backend


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?org ?label WHERE { ?org a coop:Organisation ; rdfs:label ?label }",  # typing inferred by subclass
        "SELECT ?place ?country WHERE { ?place coop:locatedIn ?country . ?country a coop:Country }",  # transitive
        # the named graphs, one by one (the backend also holds its load record: graph/load, see the README)
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{LOAD_GRAPH}>) }} GROUP BY ?g",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",  # the default graph: the merge, a set
        "ASK { ?a coop:partnerOf ?b }",
    ],
)
def test_the_endpoint_answers_as_the_embedded_store_does(
    backend_server: LiveServer, embedded_server: LiveServer, query: str
) -> None:
    rows = same_rows(query, backend_server, embedded_server)
    assert len(rows) > 1 or rows == [["true"]]


def test_protocol_datasets_and_from_select_the_same_graphs(
    backend_server: LiveServer, embedded_server: LiveServer
) -> None:
    ontology = "https://w3id.org/coopgraph/graph/ontology"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    by_protocol = same_rows(count, backend_server, embedded_server, **{"default-graph-uri": ontology})
    by_from = same_rows(
        f"SELECT (COUNT(*) AS ?n) FROM <{ontology}> WHERE {{ ?s ?p ?o }}", backend_server, embedded_server
    )
    assert by_protocol == by_from and 0 < int(by_from[1][0]) < int(csv_rows(embedded_server, count)[1][0])


def test_construct_and_describe_come_back_in_the_chosen_syntax(
    backend_server: LiveServer, embedded_server: LiveServer
) -> None:
    query = f"CONSTRUCT {{ <{ORG}imt-atlantique> ?p ?o }} WHERE {{ <{ORG}imt-atlantique> ?p ?o }}"
    graphs = []
    for server in (backend_server, embedded_server):
        response = httpx.post(server.sparql, data={"query": query}, headers={"Accept": "text/turtle"}, timeout=60)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        graphs.append(Graph().parse(data=response.text, format="turtle"))
    assert len(graphs[0]) > 5 and isomorphic(graphs[0], graphs[1])


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("organisations", {}),
        ("places-map", {}),
        ("partnership-network", {}),
        ("partners-of", {"organisation": "o:imt-atlantique"}),
        ("partnerships-in-country", {"country": "pl:morocco"}),
        ("events-timeline", {}),
    ],
)
def test_canned_queries_answer_as_on_the_embedded_store(
    backend_server: LiveServer, embedded_server: LiveServer, name: str, params: dict[str, str]
) -> None:
    answers = []
    for server in (backend_server, embedded_server):
        response = httpx.get(f"{server.url}/api/queries/{name}", params=params, headers={"Accept": "text/csv"})
        assert response.status_code == 200, response.text
        answers.append([[as_set(cell) for cell in row] for row in csv.reader(io.StringIO(response.text))])
    assert answers[0][0] == answers[1][0] and len(answers[0]) > 1
    assert sorted(answers[0][1:]) == sorted(answers[1][1:])


def test_resource_pages_and_downloads_work_on_the_backend(
    backend_server: LiveServer, embedded_server: LiveServer
) -> None:
    iri = f"{ORG}imt-atlantique"
    page = httpx.get(f"{backend_server.url}/id/org/imt-atlantique", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "IMT Atlantique" in page.text and "<script>" not in page.text.lower()[:0]
    graphs = []
    for server in (backend_server, embedded_server):
        turtle = httpx.get(f"{server.url}/id/org/imt-atlantique", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200
        graphs.append(Graph().parse(data=turtle.text, format="turtle"))
    assert any(str(s) == iri for s in graphs[0].subjects()) and isomorphic(graphs[0], graphs[1])
    datasets = []
    for server in (backend_server, embedded_server):
        dump = httpx.get(f"{server.url}/data/coopgraph.nq", timeout=60)
        assert dump.status_code == 200
        dataset = Dataset()
        dataset.parse(data=dump.text, format="nquads")
        datasets.append(dataset)
    assert len(datasets[0]) == len(datasets[1]) > 1000
    listing = httpx.get(f"{backend_server.url}/data/", headers={"Accept": "text/html"})
    assert listing.status_code == 200 and "coopgraph-asserted.ttl" in listing.text


def test_sparqlwrapper_and_readiness_on_the_backend(backend_server: LiveServer, loaded_backend: str) -> None:
    client = SPARQLWrapper(backend_server.sparql)
    client.setQuery("SELECT ?label WHERE { <https://w3id.org/coopgraph/id/org/esp-dakar> rdfs:label ?label }")
    client.setReturnFormat(JSON)
    labels = {b["label"]["value"] for b in client.queryAndConvert()["results"]["bindings"]}  # type: ignore[index]
    assert "Ecole Supérieure Polytechnique Dakar" in labels
    ready = httpx.get(f"{backend_server.url}/ready").json()
    assert ready["status"] == "ready" and ready["store"] == "backend" and ready["backend"] == loaded_backend


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1 recording what connects to it: a SERVICE target or a URL to LOAD."""
    received: list[bytes] = []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = sock.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    received.append(connection.recv(4096) or b"(connected)")
                except OSError:
                    received.append(b"(connected)")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", received
    stop.set()
    thread.join(2)
    sock.close()


def test_service_is_refused_before_anything_reaches_the_backend(
    backend_server: LiveServer, loaded_backend: str, listener: tuple[str, list[bytes]]
) -> None:
    target, received = listener
    query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
    refused = httpx.post(backend_server.sparql, data={"query": query})
    assert refused.status_code == 403 and "SERVICE" in refused.text
    time.sleep(0.5)
    assert received == []
    # what the guard prevents: the backend itself would have called out
    httpx.post(loaded_backend, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=10)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert received, "oxigraph serve did not call the SERVICE endpoint: the comparison proves nothing"


@pytest.mark.parametrize(
    ("request_data", "status"),
    [
        ({"update": "DROP ALL"}, 403),
        ({"query": "DROP ALL"}, 403),
        ({"query": "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }"}, 403),
        ({"query": "LOAD <file:///etc/passwd>"}, 403),
        ({"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}, 400),
        ({"query": "SELECT * WHERE { ?s ?p }"}, 400),
    ],
)
def test_updates_loads_and_foreign_graphs_never_reach_the_backend(
    backend_server: LiveServer, loaded_backend: str, request_data: dict[str, str], status: int
) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = httpx.post(loaded_backend, data={"query": count}, headers={"Accept": "text/csv"}).text
    response = httpx.post(backend_server.sparql, data=request_data)
    assert response.status_code == status, response.text
    assert response.text.strip()
    after = httpx.post(loaded_backend, data={"query": count}, headers={"Accept": "text/csv"}).text
    assert before == after


def test_syntax_errors_carry_the_parser_position(backend_server: LiveServer) -> None:
    response = httpx.get(backend_server.sparql, params={"query": "SELECT ?s WHERE { ?s ?p ?o"})
    assert response.status_code == 400 and "line 1" in response.text


def test_a_runaway_query_is_stopped_and_others_keep_answering(short_timeout_backend_server: LiveServer) -> None:
    server = short_timeout_backend_server
    outcome: dict[str, httpx.Response] = {}

    def runaway() -> None:
        outcome["runaway"] = httpx.post(server.sparql, data={"query": CARTESIAN}, timeout=60)

    thread = threading.Thread(target=runaway)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)
    quick = httpx.post(server.sparql, data={"query": "ASK { ?s a coop:Organisation }"}, timeout=30)
    assert quick.status_code == 200 and "true" in quick.text
    assert thread.is_alive(), "the cartesian product finished before the quick query: it proves nothing"
    thread.join(30)
    elapsed = time.monotonic() - started
    assert outcome["runaway"].status_code == 503 and "limit" in outcome["runaway"].text
    assert elapsed < 12, f"the runaway query was answered after {elapsed:.1f} s (limit 2 s)"


def test_answers_are_capped_and_marked(short_timeout_backend_server: LiveServer) -> None:
    response = httpx.post(
        short_timeout_backend_server.sparql,
        data={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 50
    assert response.headers["X-CoopGraph-Truncated"] == "true"
    assert response.headers["X-CoopGraph-Truncation-Reason"] == "row-limit"
