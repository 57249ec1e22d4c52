"""Downloads over real HTTP: the listing (JSON and HTML), the files and their checksums, conditional requests, and
the VoID/DCAT description at /.well-known/void."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

JSON_RESULTS = "application/sparql-results+json"
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
ARTICLES = [
    "000-da136021c989c901",
    "001-608021bbc194617d",
    "002-76c37d4949cc5211",
    "003-5dc47319ed4531b2",
    "004-b6f96e7322eea8f2",
]


@pytest.fixture(scope="module")
def listing(project_server: LiveServer) -> dict[str, object]:
    response = httpx.get(f"{project_server.url}/data/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    document: dict[str, object] = response.json()
    return document


def test_the_listing_names_every_part_in_every_syntax(listing: dict[str, object], project_server: LiveServer) -> None:
    dumps = {d["name"]: d for d in listing["dumps"]}  # type: ignore[attr-defined]
    for part in ("asserted", "inferred", "ontology"):
        for extension in ("ttl", "nt", "jsonld"):
            assert f"coopgraph-{part}.{extension}" in dumps
    assert {"coopgraph.trig", "coopgraph.nq"} <= set(dumps)
    assert all(d["triples"] > 0 and d["bytes"] > 0 and len(d["sha256"]) == 64 for d in dumps.values())
    assert listing["void"] == f"{project_server.url}/.well-known/void"
    assert listing["license"] == str(CC_BY)


def test_each_file_matches_its_size_and_checksum(listing: dict[str, object]) -> None:
    for dump in listing["dumps"]:  # type: ignore[attr-defined]
        response = httpx.get(dump["url"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(dump["mediaType"])
        assert len(response.content) == dump["bytes"]
        assert hashlib.sha256(response.content).hexdigest() == dump["sha256"]
        assert response.headers["etag"] == f'"{dump["sha256"]}"'
        digest = base64.b64encode(bytes.fromhex(dump["sha256"])).decode()
        assert response.headers["repr-digest"] == f"sha-256=:{digest}:"


def test_the_trig_dump_keeps_the_named_graphs(listing: dict[str, object]) -> None:
    trig = next(d for d in listing["dumps"] if d["name"] == "coopgraph.trig")  # type: ignore[attr-defined]
    dataset = Dataset()
    dataset.parse(data=httpx.get(trig["url"]).text, format="trig")
    names = {str(g.identifier) for g in dataset.graphs()}
    for article in ARTICLES:
        assert f"https://w3id.org/coopgraph/graph/source/{article}" in names
    assert {"https://w3id.org/coopgraph/graph/inferred", "https://w3id.org/coopgraph/graph/gazetteer"} <= names
    assert sum(len(g) for g in dataset.graphs()) == trig["triples"]


def test_every_turtle_dump_writes_the_projects_prefixes(listing: dict[str, object]) -> None:
    for part in ("asserted", "inferred", "ontology"):
        url = next(d["url"] for d in listing["dumps"] if d["name"] == f"coopgraph-{part}.ttl")  # type: ignore[attr-defined]
        turtle = httpx.get(url).text
        assert "PREFIX coop: <https://w3id.org/coopgraph/def#>" in turtle, part
        assert "ns1:" not in turtle, part  # rdflib's made-up prefix for a namespace nobody bound


def test_the_checksums_file_lists_every_dump(listing: dict[str, object]) -> None:
    text = httpx.get(listing["checksums"]).text  # type: ignore[arg-type]
    lines = {line.split("  ")[1]: line.split("  ")[0] for line in text.splitlines()}
    assert lines == {d["name"]: d["sha256"] for d in listing["dumps"]}  # type: ignore[attr-defined]


def test_browsers_get_an_html_listing(project_server: LiveServer, listing: dict[str, object]) -> None:
    response = httpx.get(f"{project_server.url}/data/", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    for dump in listing["dumps"]:  # type: ignore[attr-defined]
        assert f'href="{dump["url"]}"' in response.text and dump["sha256"] in response.text
    assert f'href="{project_server.url}/.well-known/void"' in response.text
    assert response.headers["link"] == f'<{project_server.url}/.well-known/void>; rel="describedby"; type="text/turtle"'


@pytest.mark.parametrize("path", ["/data/", "/data/coopgraph-asserted.ttl", "/data/SHA256SUMS", "/.well-known/void"])
def test_conditional_requests_get_304(project_server: LiveServer, path: str) -> None:
    url = f"{project_server.url}{path}"
    first = httpx.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    by_tag = httpx.get(url, headers={"If-None-Match": etag})
    assert by_tag.status_code == 304 and by_tag.content == b"" and by_tag.headers["etag"] == etag
    by_date = httpx.get(url, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert httpx.get(url, headers={"If-Modified-Since": "Tue, 10 Jul 2018 09:00:00 GMT"}).status_code == 200
    assert httpx.head(url, headers={"If-None-Match": etag}).status_code == 304


def test_an_unknown_dump_is_a_404(project_server: LiveServer) -> None:
    response = httpx.get(f"{project_server.url}/data/passwd")
    assert response.status_code == 404 and "/data/" in response.text
    assert httpx.get(f"{project_server.url}/data/..%2F..%2Fpyproject.toml").status_code == 404


def test_the_void_description(project_server: LiveServer, listing: dict[str, object]) -> None:
    turtle = httpx.get(f"{project_server.url}/.well-known/void", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=turtle.text, format="turtle")
    dataset = URIRef(f"{project_server.url}/sparql#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph and (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, DCTERMS.license, CC_BY) in graph
    assert (dataset, URIRef("http://www.w3.org/ns/dcat#version"), Literal(listing["version"])) in graph
    sources = {str(s) for s in graph.objects(dataset, DCTERMS.source)}
    assert {f"https://w3id.org/coopgraph/id/source/{a}" for a in ARTICLES} <= sources
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"{project_server.url}/sparql")) in graph
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert {URIRef(d["url"]) for d in listing["dumps"]} == distributions  # type: ignore[attr-defined]
    for dump in listing["dumps"]:  # type: ignore[attr-defined]
        checksum = graph.value(URIRef(dump["url"]), SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == dump["sha256"]
    jsonld = httpx.get(f"{project_server.url}/.well-known/void", headers={"Accept": "application/ld+json"})
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


@pytest.mark.slow
def test_dumps_that_could_not_be_written_are_a_503_and_queries_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 7: a first build serves before its dumps are written; if writing them fails, downloads say why."""
    from fastapi.testclient import TestClient

    from app.api.main import create_app
    from app.core import persisted_store
    from app.core.config import Settings

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persisted_store, "write_dumps", full_disk)
    settings = Settings(_env_file=None, cache_dir=tmp_path / "cache")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        listing = client.get("/data/", headers={"Accept": "application/json"})
        assert listing.status_code == 503 and listing.headers["retry-after"]
        assert "could not be written" in listing.text and "No space left on device" in listing.text
        assert client.get("/data/coopgraph.nq").status_code == 503
        assert client.get("/def", params={"format": "ttl"}).status_code == 503  # served from the Turtle dump
        assert client.get("/ready").json()["dumps"] == "failed"
        answer = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON_RESULTS})
        assert answer.status_code == 200 and answer.json()["boolean"] is True
