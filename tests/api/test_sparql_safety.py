"""The endpoint is safe by default: read-only, no outgoing connection, no file read, a timeout that stops, caps.

Over real HTTP with plain httpx. A local listener proves no callback is made; a count before and after proves an
update changes nothing; a cartesian product proves the timeout while a cheap query is answered meanwhile.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from conftest import EX, ITEMS, ROW_CAP, SIZE_CAP, TIMEOUT_S, LiveServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass
class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    port: int
    connections: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    record = Listener(server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(1)
            try:
                record.connections.append(connection.recv(4096))
            except OSError:
                record.connections.append(b"")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield record
    stop.set()
    thread.join(2)
    server.close()


def triple_count(server: LiveServer) -> int:
    response = httpx.get(server.sparql, params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# --- read-only --------------------------------------------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <http://example.org/x> <http://example.org/p> 1 }",
    "DELETE WHERE { ?s ?p ?o }",
    "delete { ?s ?p ?o } where { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\n# comment\nINSERT { ex:a ex:b ex:c } WHERE {}",
    "LOAD <http://127.0.0.1:9/x>",
    "CLEAR ALL",
    "DROP GRAPH <https://w3id.org/coopgraph/graph/places>",
    "CREATE GRAPH <http://example.org/g>",
    "ADD DEFAULT TO <http://example.org/g>",
    "MOVE <https://w3id.org/coopgraph/graph/places> TO DEFAULT",
    "COPY <https://w3id.org/coopgraph/graph/places> TO <http://example.org/g>",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "\\u0049NSERT DATA { <http://example.org/x> <http://example.org/p> 1 }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_is_refused_by_every_route_and_changes_nothing(sparql_server: LiveServer, update: str) -> None:
    before = triple_count(sparql_server)
    attempts = [
        httpx.get(sparql_server.sparql, params={"query": update}),
        httpx.get(sparql_server.sparql, params={"update": update}),
        httpx.post(sparql_server.sparql, data={"update": update}),
        httpx.post(sparql_server.sparql, data={"query": update}),
        httpx.post(
            sparql_server.sparql, content=update.encode(), headers={"Content-Type": "application/sparql-update"}
        ),
        httpx.post(sparql_server.sparql, content=update.encode(), headers={"Content-Type": "application/sparql-query"}),
    ]
    for response in attempts:
        assert response.status_code == 403, (response.request.method, response.text)
        assert "read-only" in response.text
    assert triple_count(sparql_server) == before


def test_query_and_update_together_is_a_400(sparql_server: LiveServer) -> None:
    response = httpx.post(sparql_server.sparql, data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert response.status_code == 400
    assert "both" in response.text


# --- no outgoing connection, no file read ---------------------------------------------------------------------------

SERVICE_TRICKS = [
    "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ OPTIONAL {{ SELECT * WHERE {{ SERVICE <{url}/a> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}/b> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}/c> {{ ?s ?p ?o }} }} }}",
    "ASK {{ FILTER EXISTS {{ SERVICE <{url}/d> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ BIND(<{url}/e> AS ?endpoint) SERVICE ?endpoint {{ ?s ?p ?o }} }}",
    "PREFIX remote: <{url}/>\nSELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ # a comment }}\n SERVICE <{url}/f> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}/g> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}\\u002Fh> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o .SERVICE <{url}/i> {{ }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/j> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}/k> {{ ?s ?p ?o }} }}",
    "BASE <{url}/>\nSELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o }} # \\u000A SERVICE <{url}/l> {{ }}",
    "SELECT * WHERE {{ SERVICE <file:///etc/passwd> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICE_TRICKS)
def test_service_is_refused_and_no_connection_is_made(
    sparql_server: LiveServer, listener: Listener, template: str
) -> None:
    query = template.format(url=listener.url, port=listener.port)
    for response in (
        httpx.get(sparql_server.sparql, params={"query": query}),
        httpx.post(sparql_server.sparql, content=query.encode(), headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code in (400, 403), response.text
        assert "Traceback" not in response.text
    time.sleep(0.15)
    assert listener.connections == []


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <{url}/x> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}/x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <file:///etc/hostname> WHERE {{ ?s ?p ?o }}",
    ],
)
def test_from_an_unknown_graph_is_a_400_without_fetching(
    sparql_server: LiveServer, listener: Listener, query: str
) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": query.format(url=listener.url)})
    assert response.status_code == 400
    assert "no graph of that name" in response.text
    assert "root:" not in response.text
    time.sleep(0.15)
    assert listener.connections == []


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_of_unknown_graphs_is_a_400_without_fetching(
    sparql_server: LiveServer, listener: Listener, parameter: str
) -> None:
    for graph in (f"{listener.url}/g", "file:///etc/passwd"):
        response = httpx.get(sparql_server.sparql, params={"query": "ASK { ?s ?p ?o }", parameter: graph})
        assert response.status_code == 400
        assert parameter in response.text
    time.sleep(0.15)
    assert listener.connections == []


# --- timeout, concurrency ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_runaway_query_is_stopped_while_cheap_queries_are_answered(short_timeout_server: LiveServer) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        runaway = pool.submit(httpx.get, short_timeout_server.sparql, params={"query": CARTESIAN}, timeout=60)
        time.sleep(0.15)
        cheap_started = time.monotonic()
        cheap = httpx.get(short_timeout_server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        cheap_seconds = time.monotonic() - cheap_started
        response = runaway.result()
        runaway_seconds = time.monotonic() - started
    assert cheap.status_code == 200 and cheap.json()["boolean"] is True
    assert cheap_seconds < 1.5
    assert response.status_code == 503
    assert "was stopped" in response.text
    assert response.headers["Retry-After"]
    assert TIMEOUT_S <= runaway_seconds < TIMEOUT_S + 3
    assert triple_count(short_timeout_server) > 0  # still answering


@pytest.mark.slow
def test_the_stopped_worker_is_replaced(short_timeout_server: LiveServer) -> None:
    executor = short_timeout_server.app.state.coop.queries
    replaced = executor.replacements
    assert httpx.get(short_timeout_server.sparql, params={"query": CARTESIAN}, timeout=60).status_code == 503
    deadline = time.monotonic() + 30
    while executor.replacements == replaced and time.monotonic() < deadline:
        time.sleep(0.1)
    assert executor.replacements == replaced + 1
    results = [triple_count(short_timeout_server) for _ in range(6)]  # served by both workers again
    assert len(set(results)) == 1


def test_fifty_concurrent_clients_get_correct_answers(sparql_server: LiveServer) -> None:
    def ask(i: int) -> tuple[int, str]:
        query = f"SELECT ?label WHERE {{ <{EX}item{i}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
        response = httpx.get(sparql_server.sparql, params={"query": query}, timeout=60)
        assert response.status_code == 200, response.text
        return i, response.json()["results"]["bindings"][0]["label"]["value"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(ask, range(50)))
    assert answers == [(i, f"item {i}") for i in range(50)]


# --- caps ------------------------------------------------------------------------------------------------------------


def test_row_cap_truncates_with_a_marker(sparql_server: LiveServer) -> None:
    query = f"SELECT ?s ?rank WHERE {{ ?s <{EX}rank> ?rank }} ORDER BY ?rank"
    response = httpx.get(sparql_server.sparql, params={"query": query})
    assert response.status_code == 200
    assert response.headers["X-CoopGraph-Truncated"] == "true"
    assert response.headers["X-CoopGraph-Truncation-Reason"] == "row-limit"
    document = response.json()
    assert len(document["results"]["bindings"]) == ROW_CAP < ITEMS
    assert document["truncated"] is True
    assert document["truncation"] == {"reason": "row-limit", "limit": ROW_CAP, "kept": ROW_CAP}
    assert [int(b["rank"]["value"]) for b in document["results"]["bindings"][:3]] == [0, 1, 2]
    csv = httpx.get(sparql_server.sparql, params={"query": query, "format": "csv"})
    assert csv.headers["X-CoopGraph-Truncated"] == "true"
    assert len(csv.text.strip().splitlines()) == ROW_CAP + 1


def test_a_complete_answer_has_no_marker(sparql_server: LiveServer) -> None:
    response = httpx.get(sparql_server.sparql, params={"query": f"SELECT ?s WHERE {{ ?s <{EX}rank> 7 }}"})
    assert "X-CoopGraph-Truncated" not in response.headers
    assert "truncated" not in response.json()


def test_size_cap_truncates_with_a_marker(sparql_server: LiveServer) -> None:
    query = f"CONSTRUCT {{ ?s <{EX}body> ?o }} WHERE {{ ?s <{EX}body> ?o }}"
    response = httpx.get(sparql_server.sparql, params={"query": query}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert len(response.content) <= SIZE_CAP
    assert response.headers["X-CoopGraph-Truncation-Reason"] == "size-limit"
    assert response.text.startswith("# results truncated")
    select = httpx.get(sparql_server.sparql, params={"query": f"SELECT * WHERE {{ ?s <{EX}body> ?o }}"})
    assert select.status_code == 200 and len(select.content) <= SIZE_CAP
    assert json.loads(select.content)["truncation"]["reason"] == "size-limit"


def test_request_body_cap_is_a_413(sparql_server: LiveServer) -> None:
    big = "ASK {}" + " " * (sparql_server.settings.max_request_bytes + 1)
    response = httpx.post(
        sparql_server.sparql, content=big.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413
    form = httpx.post(sparql_server.sparql, data={"query": big})
    assert form.status_code == 413


# --- bad input is never a 500 ---------------------------------------------------------------------------------------

JUNK = [
    "",
    "   ",
    "SELECT",
    "SELECT * WHERE { ?s ?p ?o ",
    "{" * 5000,
    "(" * 5000,
    'SELECT * WHERE { ?s ?p "unterminated }',
    "\x00\x01\x02",
    "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
    "SELECT * WHERE { ?s <a b> ?o }",
    "ASK {} ; ASK {}",
    "SELECT * WHERE { \\uZZZZ }",
    "SELECT ?x WHERE { BIND(1/0 AS ?x) }",
    "SELECT (REGEX('a', '(') AS ?x) WHERE {}",
]


@pytest.mark.parametrize("query", JUNK)
def test_bad_input_gets_a_4xx_with_a_message_never_a_500(sparql_server: LiveServer, query: str) -> None:
    response = httpx.post(sparql_server.sparql, data={"query": query}, timeout=30)
    assert response.status_code < 500 or response.status_code == 503, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.text.strip()
