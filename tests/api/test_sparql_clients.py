"""Real SPARQL clients against the live endpoint: SPARQLWrapper (JSON, XML, CSV, CONSTRUCT) and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
from xml.dom.minidom import Document

import pytest
from conftest import EX, LiveServer
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

ESP = "https://w3id.org/coopgraph/id/org/esp"
UNIVERSITIES = """
PREFIX coop: <https://w3id.org/coopgraph/def#>
SELECT ?org WHERE { ?org a coop:University } ORDER BY ?org
"""
EXPECTED = [ESP, "https://w3id.org/coopgraph/id/org/imt-atlantique"]


def wrapper(server: LiveServer, query: str, return_format: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


def test_sparqlwrapper_json(sparql_server: LiveServer) -> None:
    results = wrapper(sparql_server, UNIVERSITIES, JSON).queryAndConvert()
    assert isinstance(results, dict)
    assert [b["org"]["value"] for b in results["results"]["bindings"]] == EXPECTED


def test_sparqlwrapper_json_over_post(sparql_server: LiveServer) -> None:
    client = wrapper(sparql_server, UNIVERSITIES, JSON)
    client.setMethod(POST)
    results = client.queryAndConvert()
    assert isinstance(results, dict)
    assert [b["org"]["value"] for b in results["results"]["bindings"]] == EXPECTED


def test_sparqlwrapper_xml(sparql_server: LiveServer) -> None:
    document = wrapper(sparql_server, UNIVERSITIES, XML).queryAndConvert()
    assert isinstance(document, Document)
    assert [node.firstChild.data for node in document.getElementsByTagName("uri")] == EXPECTED


def test_sparqlwrapper_csv(sparql_server: LiveServer) -> None:
    data = wrapper(sparql_server, UNIVERSITIES, CSV).queryAndConvert()
    assert isinstance(data, bytes)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows == [["org"], *([iri] for iri in EXPECTED)]


def test_sparqlwrapper_ask(sparql_server: LiveServer) -> None:
    results = wrapper(sparql_server, f"ASK {{ <{ESP}> ?p ?o }}", JSON).queryAndConvert()
    assert isinstance(results, dict) and results["boolean"] is True


@pytest.mark.parametrize("return_format", [TURTLE, XML])
def test_sparqlwrapper_construct(sparql_server: LiveServer, return_format: str) -> None:
    query = f"CONSTRUCT {{ ?s <{RDFS.label}> ?label }} WHERE {{ ?s <{RDFS.label}> ?label FILTER(?s = <{ESP}>) }}"
    client = wrapper(sparql_server, query, return_format)
    result = client.queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert set(graph.objects(URIRef(ESP), RDFS.label)) == {
        Literal("École supérieure polytechnique", lang="fr"),
        Literal("Polytechnic school", lang="en"),
    }


def test_sparqlwrapper_reports_a_bad_query(sparql_server: LiveServer) -> None:
    with pytest.raises(QueryBadFormed, match="syntax error"):
        wrapper(sparql_server, "SELECT * WHERE { ?s ?p ", JSON).queryAndConvert()


def test_rdflib_sparqlstore_with_json_results(sparql_server: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(sparql_server.sparql, returnFormat="json"))
    rows = list(graph.query(UNIVERSITIES))
    assert [str(row[0]) for row in rows] == EXPECTED  # type: ignore[index]
    item = URIRef(f"{EX}item42")
    assert (item, RDFS.label, Literal("item 42")) in graph
    assert graph.value(item, RDFS.label) == Literal("item 42")


def test_rdflib_sparqlstore_with_its_default_xml_results(sparql_server: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(sparql_server.sparql))
    assert bool(graph.query(f"ASK {{ <{ESP}> ?p ?o }}").askAnswer) is True
    assert [str(row[0]) for row in graph.query(UNIVERSITIES)] == EXPECTED  # type: ignore[index]
    built = graph.query(f"CONSTRUCT {{ <{ESP}> ?p ?o }} WHERE {{ <{ESP}> ?p ?o }}")  # asks for RDF/XML
    assert built.graph is not None
    assert (URIRef(ESP), RDFS.label, Literal("IMT Atlantique", lang="fr")) not in built.graph
    assert set(built.graph.objects(URIRef(ESP), RDFS.label)) == {
        Literal("École supérieure polytechnique", lang="fr"),
        Literal("Polytechnic school", lang="en"),
    }


def test_rdflib_sparqlstore_is_read_only(sparql_server: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(sparql_server.sparql))
    with pytest.raises(TypeError):
        graph.add((URIRef(ESP), RDFS.label, Literal("x")))
