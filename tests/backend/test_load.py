"""`coopgraph load`: the built graph written to a real `oxigraph serve` by the Graph Store Protocol, and picked up.

Each test gets an empty Oxigraph server of its own (`fresh_backend`).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest
from conftest import served_settings
from live_server import serve_in_thread
from oxigraph_server import coopgraph_load

from app.core.config import PROJECT_ROOT, Settings
from app.core.persisted_store import input_version

pytestmark = pytest.mark.slow

GRAPH = "https://w3id.org/coopgraph/graph/"
LOAD_GRAPH = f"{GRAPH}load"
FOREIGN = "http://example.org/someone-else/graph"


def select(backend: str, query: str) -> list[dict[str, str]]:
    answer = httpx.post(
        f"{backend}/query", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    answer.raise_for_status()
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def graphs(backend: str) -> set[str]:
    return {row["g"] for row in select(backend, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}


def put(backend: str, graph: str, ntriples: str) -> None:
    headers = {"Content-Type": "application/n-triples"}
    httpx.put(f"{backend}/store", params={"graph": graph}, content=ntriples, headers=headers).raise_for_status()


def test_load_writes_each_graph_the_merge_and_the_record(fresh_backend: str) -> None:
    loaded = coopgraph_load(fresh_backend)
    assert loaded.returncode == 0, loaded.stderr
    expected_version = input_version(Settings(_env_file=None))  # type: ignore[call-arg]
    assert expected_version in loaded.stdout
    held = graphs(fresh_backend)
    assert {f"{GRAPH}ontology", f"{GRAPH}inferred", f"{GRAPH}places", LOAD_GRAPH} <= held
    assert len([g for g in held if g.startswith(f"{GRAPH}source/")]) == len(
        list((PROJECT_ROOT / "data/sources").glob("*.ttl"))
    )
    record = select(
        fresh_backend, f"SELECT ?v WHERE {{ GRAPH <{LOAD_GRAPH}> {{ ?r <http://purl.org/dc/terms/hasVersion> ?v }} }}"
    )
    assert record == [{"v": expected_version}]
    merged = select(fresh_backend, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    every_graph = f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{LOAD_GRAPH}>) }}"
    distinct = select(fresh_backend, f"SELECT (COUNT(*) AS ?n) WHERE {{ {every_graph} }}")[0]["n"]
    assert int(merged) == int(distinct) > 5000


def test_a_reload_replaces_coopgraph_graphs_and_leaves_others_alone(fresh_backend: str) -> None:
    put(fresh_backend, FOREIGN, "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    put(
        fresh_backend,
        f"{GRAPH}source/999-withdrawn",
        "<http://example.org/x> <http://example.org/y> <http://example.org/z> .\n",
    )
    put(
        fresh_backend,
        f"{GRAPH}ontology",
        "<http://example.org/stale> <http://example.org/y> <http://example.org/z> .\n",
    )
    first = coopgraph_load(fresh_backend)
    assert first.returncode == 0, first.stderr
    assert f"removed {GRAPH}source/999-withdrawn" in first.stderr
    after_first = graphs(fresh_backend)
    second = coopgraph_load(fresh_backend)  # a load over a loaded backend gives the same graphs
    assert second.returncode == 0, second.stderr
    held = graphs(fresh_backend)
    assert held == after_first
    assert FOREIGN in held and f"{GRAPH}source/999-withdrawn" not in held
    stale = select(
        fresh_backend, f"SELECT ?p WHERE {{ GRAPH <{GRAPH}ontology> {{ <http://example.org/stale> ?p ?o }} }}"
    )
    assert stale == []
    ontology = select(fresh_backend, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}ontology> {{ ?s ?p ?o }} }}")
    assert int(ontology[0]["n"]) > 1000


def test_an_unreachable_backend_exits_3_and_says_so() -> None:
    loaded = coopgraph_load("http://127.0.0.1:9")
    assert loaded.returncode == 3
    assert "http://127.0.0.1:9" in loaded.stderr and "did not answer" in loaded.stderr


def test_unparseable_data_writes_nothing(fresh_backend: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    broken = data / "sources" / "999-broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b \n", encoding="utf-8")
    loaded = coopgraph_load(fresh_backend, COOPGRAPH_DATA_DIR=str(data))
    assert loaded.returncode == 2
    assert "999-broken.ttl" in loaded.stderr
    assert graphs(fresh_backend) == set()


def test_services_over_the_backend_pick_up_a_new_load(fresh_backend: str, tmp_path: Path) -> None:
    assert coopgraph_load(fresh_backend).returncode == 0
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    withdrawn = sorted((data / "sources").glob("*.ttl"))[-1]
    withdrawn.unlink()

    def settings(url: str) -> Settings:
        return served_settings(url, backend=f"{fresh_backend}/query", cache_dir=tmp_path / "cache", reload_poll_s=0.5)

    with serve_in_thread(settings) as server:
        before = httpx.get(f"{server.url}/ready").json()["version"]
        listed = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
        assert any(
            withdrawn.stem[:3] in row
            for row in httpx.post(
                server.sparql, data={"query": listed}, headers={"Accept": "text/csv"}
            ).text.splitlines()
        )
        reloaded = coopgraph_load(fresh_backend, COOPGRAPH_DATA_DIR=str(data))
        assert reloaded.returncode == 0, reloaded.stderr
        deadline = time.monotonic() + 30
        while httpx.get(f"{server.url}/ready").json()["version"] == before:
            assert time.monotonic() < deadline, "the service did not pick up the new load"
            time.sleep(0.2)
        after = httpx.post(server.sparql, data={"query": listed}, headers={"Accept": "text/csv"}).text
        assert not any(f"{GRAPH}source/{withdrawn.stem[:3]}" in row for row in after.splitlines())
        dump = httpx.get(f"{server.url}/data/coopgraph.nq", timeout=60).text
        assert f"<{GRAPH}source/{withdrawn.stem[:3]}" not in dump and f"<{GRAPH}source/000" in dump
