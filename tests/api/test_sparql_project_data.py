"""The endpoint over the real project data (data/, ontology/, shapes/): runs whenever the data is present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, serve_in_thread
from rdflib import Graph, Namespace
from SPARQLWrapper import JSON, SPARQLWrapper

from app.core.config import PROJECT_ROOT, Settings

SOURCES = sorted((PROJECT_ROOT / "data" / "sources").glob("*.ttl"))
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SOURCES, reason="the project data (data/sources/*.ttl) is not there yet"),
]


@pytest.fixture(scope="module")
def project_server() -> Iterator[LiveServer]:
    def settings(url: str) -> Settings:
        return Settings(_env_file=None, public_base_url=url, query_timeout_s=10, log_level="warning")  # type: ignore[call-arg]

    with serve_in_thread(settings) as server:
        yield server


def select(server: LiveServer, query: str) -> list[dict[str, str]]:
    response = httpx.get(server.sparql, params={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def ask(server: LiveServer, query: str) -> bool:
    response = httpx.get(server.sparql, params={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    answer: bool = response.json()["boolean"]
    return answer


def test_every_source_article_is_a_named_graph_with_triples(project_server: LiveServer) -> None:
    description = Graph().parse(data=httpx.get(project_server.sparql).content, format="turtle")
    sizes = {
        str(description.value(g, SD.name)): int(description.value(description.value(g, SD.graph), VOID.triples))
        for g in description.subjects(SD.name, None)
    }
    for source in SOURCES:
        assert sizes[f"https://w3id.org/coopgraph/graph/source/{Path(source).stem}"] > 0
    assert sizes["https://w3id.org/coopgraph/graph/inferred"] > 0
    assert sizes["https://w3id.org/coopgraph/graph/ontology"] > 0


def test_the_union_default_graph_sees_asserted_and_inferred_triples(project_server: LiveServer) -> None:
    assert ask(
        project_server, "ASK { ?partnership a coop:Partnership ; coop:hasParty ?org . ?org a coop:Organisation }"
    )
    assert ask(project_server, "ASK { GRAPH <https://w3id.org/coopgraph/graph/inferred> { ?a coop:partnerOf ?b } }")
    assert ask(project_server, "ASK { ?a coop:partnerOf ?b }")


def test_a_franco_african_question(project_server: LiveServer) -> None:
    rows = select(
        project_server,
        """SELECT DISTINCT ?partnership WHERE {
             ?partnership coop:francoAfrican true ; coop:hasParty ?african, ?french .
             ?african coop:locatedIn pl:africa . ?french coop:locatedIn pl:france .
           }""",
    )
    assert rows


def test_sparqlwrapper_on_the_project_data(project_server: LiveServer) -> None:
    client = SPARQLWrapper(project_server.sparql)
    client.setQuery(
        "PREFIX coop: <https://w3id.org/coopgraph/def#>\n"
        "SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE { ?org a coop:Organisation }"
    )
    client.setReturnFormat(JSON)
    results = client.queryAndConvert()
    assert isinstance(results, dict)
    assert int(results["results"]["bindings"][0]["n"]["value"]) > 0


def test_describe_an_organisation_in_turtle(project_server: LiveServer) -> None:
    org = select(project_server, "SELECT ?org WHERE { ?org a coop:Organisation } ORDER BY ?org LIMIT 1")[0]["org"]
    response = httpx.get(
        project_server.sparql, params={"query": f"DESCRIBE <{org}>"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200
    assert len(Graph().parse(data=response.content, format="turtle")) > 0
