"""A live CoopGraph server over real HTTP, on a small fixture project of its own (reusable by every API test).

`serve_in_thread(settings)` starts uvicorn on a free 127.0.0.1 port in a background thread (the app's lifespan
builds the store and starts its query worker processes) and stops it on exit. The `sparql_server` session fixture
serves the fixture project written by `write_fixture_project` with small caps (100 rows, 200 kB) so the abuse tests
are fast; `short_timeout_server` is the same with a 2 s query timeout, for runaway queries (a shared 2-core machine
can starve a normal query for a second or two, so the other tests keep a generous limit). `ROW_CAP`, `SIZE_CAP`
and `TIMEOUT_S` say which.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, serve_in_thread

from app.core.config import Settings

TIMEOUT_S = 2.0  # the short_timeout_server's limit
GENEROUS_TIMEOUT_S = 30.0
ROW_CAP = 100
SIZE_CAP = 200_000
ITEMS = 150  # ex:item0 … ex:item149, each with one label: more rows than ROW_CAP
LONG_TEXTS = 40  # 40 literals of 10 kB: more bytes than SIZE_CAP
EX = "http://example.org/test/"
GRAPH = "https://w3id.org/coopgraph/graph/"

ONTOLOGY = """@prefix coop: <https://w3id.org/coopgraph/def#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

coop:Organisation a owl:Class ; rdfs:label "Organisation"@en .
coop:University a owl:Class ; rdfs:subClassOf coop:Organisation ; rdfs:label "University"@en .
coop:Partnership a owl:Class ; rdfs:label "Partnership"@en .
coop:hasParty a owl:ObjectProperty ; owl:inverseOf coop:partyTo ; rdfs:label "has party"@en .
coop:partyTo a owl:ObjectProperty ; rdfs:label "party to"@en .
coop:locatedIn a owl:ObjectProperty, owl:TransitiveProperty ; rdfs:label "located in"@en .
"""

PLACES = """@prefix coop: <https://w3id.org/coopgraph/def#> .
@prefix pl: <https://w3id.org/coopgraph/id/place/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

pl:dakar rdfs:label "Dakar"@fr ; coop:locatedIn pl:senegal .
pl:senegal rdfs:label "Sénégal"@fr ; coop:locatedIn pl:africa .
pl:brest rdfs:label "Brest"@fr ; coop:locatedIn pl:france .
"""

SOURCE = """@prefix coop: <https://w3id.org/coopgraph/def#> .
@prefix o: <https://w3id.org/coopgraph/id/org/> .
@prefix ag: <https://w3id.org/coopgraph/id/partnership/> .
@prefix pl: <https://w3id.org/coopgraph/id/place/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

o:esp a coop:University ; rdfs:label "École supérieure polytechnique"@fr, "Polytechnic school"@en ;
    coop:locatedIn pl:dakar .
o:imt-atlantique a coop:University ; rdfs:label "IMT Atlantique"@fr ; coop:locatedIn pl:brest .
ag:esp--imt a coop:Partnership ; rdfs:label "ESP – IMT Atlantique"@fr ; coop:hasParty o:esp, o:imt-atlantique .
"""


def bulk_source() -> str:
    """Many small facts (for the row cap, the cartesian product and concurrency) and some long literals (size cap)."""
    lines = [f"@prefix ex: <{EX}> .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines += [f'ex:item{i} rdfs:label "item {i}" ; ex:rank {i} .' for i in range(ITEMS)]
    lines += [f'ex:text{i} ex:body "{"x" * 10_000}" .' for i in range(LONG_TEXTS)]
    lines.append('<https://w3id.org/coopgraph/id/org/esp> rdfs:label "Polytechnic school"@en .')  # also in 000
    return "\n".join(lines) + "\n"


def write_fixture_project(root: Path) -> dict[str, Path]:
    """A tiny project (ontology, places, two sources; no shapes) under `root`; returns the folders for Settings."""
    folders = {name: root / name for name in ("ontology", "data", "shapes", "queries")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    (folders["data"] / "sources").mkdir(exist_ok=True)
    (folders["ontology"] / "coop.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (folders["data"] / "places.ttl").write_text(PLACES, encoding="utf-8")
    (folders["data"] / "sources" / "000-fixture.ttl").write_text(SOURCE, encoding="utf-8")
    (folders["data"] / "sources" / "001-bulk.ttl").write_text(bulk_source(), encoding="utf-8")
    return folders


def fixture_settings(folders: dict[str, Path], public_base_url: str, **overrides: Any) -> Settings:
    """Settings serving the fixture project with the short test limits (any of them overridable)."""
    values: dict[str, Any] = {
        "data_dir": folders["data"],
        "ontology_dir": folders["ontology"],
        "shapes_dir": folders["shapes"],
        "queries_dir": folders["queries"],
        "public_base_url": public_base_url,
        "query_timeout_s": GENEROUS_TIMEOUT_S,
        "max_rows": ROW_CAP,
        "max_response_bytes": SIZE_CAP,
        "max_request_bytes": 100_000,
        "query_workers": 2,
        "log_level": "warning",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_fixture_project(tmp_path_factory.mktemp("fixture-project"))


@pytest.fixture(scope="session")
def sparql_server(fixture_project: dict[str, Path]) -> Iterator[LiveServer]:
    """The fixture project served with the short test limits, for the whole session."""
    with serve_in_thread(lambda url: fixture_settings(fixture_project, url)) as server:
        yield server


@pytest.fixture(scope="session")
def short_timeout_server(fixture_project: dict[str, Path]) -> Iterator[LiveServer]:
    """The fixture project with a 2 s query timeout (TIMEOUT_S): for runaway queries; its store is read from disk."""

    def settings(url: str) -> Settings:  # and its query workers read the store from disk, as at a million triples
        return fixture_settings(fixture_project, url, query_timeout_s=TIMEOUT_S, query_store_in_memory_mb=0)

    with serve_in_thread(settings) as server:
        yield server


def project_settings(public_base_url: str, **overrides: Any) -> Settings:
    """Settings serving the shipped project (data/, ontology/, shapes/, queries/) as `make serve` does."""
    values: dict[str, Any] = {"public_base_url": public_base_url, "query_workers": 2, "log_level": "warning"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def project_server() -> Iterator[LiveServer]:
    """The shipped project served for the whole session (canned queries, linked data, downloads answer from it)."""
    with serve_in_thread(project_settings) as server:
        yield server
