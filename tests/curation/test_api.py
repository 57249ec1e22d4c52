"""`POST /api/sources` over real HTTP, on a server serving a temporary copy of the project's data/ (reference data
and the first article).

One server for the module (its store persisted in the temporary folder, so the restart at the end reopens it);
the tests run in file order: refusals first, then a concurrent pair of uploads, then a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from curation_fixtures import (
    SHIPPED,
    TOKEN,
    LiveServer,
    csv_uploads,
    fictitious_source,
    folder_digest,
    make_project,
    serve,
)

from app.api.main import create_app
from app.core.config import Settings

CSV_SOURCE = "901-fictitious-test"
TURTLE_SOURCE = "902-fictitious-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = f"""@prefix ag: <https://w3id.org/coopgraph/id/partnership/> .
@prefix coop: <https://w3id.org/coopgraph/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix o: <https://w3id.org/coopgraph/id/org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix src: <https://w3id.org/coopgraph/id/source/> .
@prefix status: <https://w3id.org/coopgraph/id/status/> .

src:{TURTLE_SOURCE} a coop:SourceArticle ;
    rdfs:label "Source article {TURTLE_SOURCE}"@en, "Article source {TURTLE_SOURCE}"@fr ;
    skos:prefLabel "Source article {TURTLE_SOURCE}"@en, "Article source {TURTLE_SOURCE}"@fr ;
    dcterms:identifier "{TURTLE_SOURCE}" ; dcterms:language "en" ;
    coop:sourceFile "tests/fixtures/fictitious-release.txt" .
ag:imt--esp-dakar--fictitious-turtle-test a coop:Collaboration ;
    rdfs:label "Fictitious Turtle test collaboration"@en, "Collaboration fictive de test en Turtle"@fr ;
    skos:prefLabel "Fictitious Turtle test collaboration"@en, "Collaboration fictive de test en Turtle"@fr ;
    coop:status status:under-discussion ; coop:hasParty o:imt, o:esp-dakar ;
    coop:evidence "A fictitious sentence written for the CoopGraph test suite; no article says this."@en ;
    prov:wasDerivedFrom src:{TURTLE_SOURCE} .
o:imt coop:partyTo ag:imt--esp-dakar--fictitious-turtle-test .
o:esp-dakar coop:partyTo ag:imt--esp-dakar--fictitious-turtle-test .
"""


class Service:
    """The module's server, restartable."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stack = ExitStack()
        self.server: LiveServer = self.stack.enter_context(serve(settings))

    def restart(self) -> None:
        self.stack.close()
        self.stack = ExitStack()
        self.server = self.stack.enter_context(serve(self.settings))

    @property
    def sources_url(self) -> str:
        return f"{self.server.url}/api/sources"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("curation-service")
    # The reference data and the first shipped article (where IMT and ESP Dakar are described): a copy, so the
    # real data/ is never written; one article rather than five keeps each rebuild short.
    settings = make_project(
        root, SHIPPED[:1], store_path=root / "store", curator_token=TOKEN, query_workers=1, query_timeout_s=5
    )
    running = Service(settings)
    try:
        yield running
    finally:
        running.stack.close()


def multipart(rows: dict[str, list[dict[str, str]]]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (u.name, u.content, "text/csv")) for u in csv_uploads(rows)]


def ask(service: Service, graph_source: str) -> bool:
    query = f"ASK {{ GRAPH <https://w3id.org/coopgraph/graph/source/{graph_source}> {{ ?s ?p ?o }} }}"
    response = httpx.get(
        f"{service.server.url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    response.raise_for_status()
    return bool(response.json()["boolean"])


def test_without_a_token_setting_there_is_no_write_endpoint(tmp_path: Path) -> None:
    without_token = create_app(make_project(tmp_path)).openapi()["paths"]
    assert "/api/sources" not in without_token  # so POST /api/sources is a 404
    assert "/api/sources" in create_app(make_project(tmp_path, curator_token=TOKEN)).openapi()["paths"]


def test_a_missing_or_wrong_token_is_refused_and_nothing_is_written(service: Service) -> None:
    before = folder_digest(service.settings.data_dir)
    files = multipart(fictitious_source(CSV_SOURCE, "A"))
    url = f"{service.sources_url}?source={CSV_SOURCE}"
    missing = httpx.post(url, files=files, timeout=30)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    basic = httpx.post(url, files=files, headers={"Authorization": f"Basic {TOKEN}"}, timeout=30)
    assert basic.status_code == 401
    wrong = httpx.post(url, files=files, headers={"Authorization": "Bearer not-the-token"}, timeout=30)
    assert wrong.status_code == 403
    assert folder_digest(service.settings.data_dir) == before


def test_a_non_conforming_upload_gets_422_with_the_located_report(service: Service) -> None:
    before = folder_digest(service.settings.data_dir)
    url = f"{service.sources_url}?source={CSV_SOURCE}"
    response = httpx.post(url, files=multipart(fictitious_source(CSV_SOURCE, "A", status="")), headers=AUTH, timeout=60)
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["conforms"] is False and report["written"] is False
    (problem,) = report["problems"]
    assert problem["severity"] == "Violation"
    assert problem["focus"] == "https://w3id.org/coopgraph/id/partnership/imt--esp-dakar--collaboration"
    assert problem["path"] == "https://w3id.org/coopgraph/def#status"
    assert (problem["file"], problem["sheet"], problem["row"], problem["column"]) == (
        "partnerships.csv",
        "partnerships",
        2,
        "status",
    )
    assert "coop:status" in problem["message"]
    unknown = httpx.post(
        url, files=multipart(fictitious_source(CSV_SOURCE, "A", parties="IMT; Nowhere U")), headers=AUTH, timeout=60
    )
    assert unknown.status_code == 422
    assert [(p["row"], p["column"], p["value"]) for p in unknown.json()["problems"]] == [(2, "parties", "Nowhere U")]
    assert folder_digest(service.settings.data_dir) == before


def test_a_concurrent_pair_of_uploads_both_land_whole_and_are_queryable_at_once(service: Service) -> None:
    def post_csv() -> httpx.Response:
        files = multipart(fictitious_source(CSV_SOURCE, "A"))
        return httpx.post(f"{service.sources_url}?source={CSV_SOURCE}", files=files, headers=AUTH, timeout=120)

    def post_turtle() -> httpx.Response:
        headers = {**AUTH, "Content-Type": "text/turtle"}
        return httpx.post(f"{service.sources_url}?source={TURTLE_SOURCE}", content=TURTLE, headers=headers, timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = [f.result() for f in [pool.submit(post_csv), pool.submit(post_turtle)]]
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    created = responses[0].json()
    assert created["file"] == f"sources/{CSV_SOURCE}.ttl"
    assert {"iri": "https://w3id.org/coopgraph/id/partnership/imt--esp-dakar--collaboration"}.items() <= (
        created["minted"][0].items()
    )
    sources = service.settings.data_dir / "sources"
    assert sorted(p.name for p in sources.iterdir()) == sorted(
        [f"{SHIPPED[0]}.ttl", f"{CSV_SOURCE}.ttl", f"{TURTLE_SOURCE}.ttl"]
    )  # no temporary file left, no file lost
    assert ask(service, CSV_SOURCE) and ask(service, TURTLE_SOURCE)  # served without a restart


def test_uploading_an_existing_source_again_is_a_conflict(service: Service) -> None:
    files = multipart(fictitious_source(CSV_SOURCE, "A"))
    response = httpx.post(f"{service.sources_url}?source={CSV_SOURCE}", files=files, headers=AUTH, timeout=60)
    assert response.status_code == 409


def test_a_restart_after_an_upload_serves_the_new_data(service: Service) -> None:
    service.restart()
    assert ask(service, CSV_SOURCE) and ask(service, TURTLE_SOURCE)
    assert ask(service, SHIPPED[0])


def test_a_sibling_process_sharing_the_store_serves_an_upload_without_a_restart(tmp_path: Path) -> None:
    """Two service processes over one store folder (`coopgraph serve --workers 2`): an upload answered by one is
    served by the other within reload_poll_s, as it watches the folder's manifest."""
    settings = make_project(
        tmp_path, SHIPPED[:1], store_path=tmp_path / "store", curator_token=TOKEN, query_workers=1, reload_poll_s=0.5
    )
    with serve(settings) as writer, serve(settings) as sibling:
        url = f"{writer.url}/api/sources?source={CSV_SOURCE}"
        created = httpx.post(url, files=multipart(fictitious_source(CSV_SOURCE, "A")), headers=AUTH, timeout=120)
        assert created.status_code == 201, created.text
        query = f"ASK {{ GRAPH <https://w3id.org/coopgraph/graph/source/{CSV_SOURCE}> {{ ?s ?p ?o }} }}"
        deadline = time.monotonic() + 60
        while True:
            answer = httpx.get(f"{sibling.url}/sparql", params={"query": query}, headers={"Accept": "text/csv"})
            if answer.text.strip() == "true":
                break
            assert time.monotonic() < deadline, "the sibling process never served the upload"
            time.sleep(0.2)
        versions = {httpx.get(f"{server.url}/ready").json()["version"] for server in (writer, sibling)}
        assert len(versions) == 1
