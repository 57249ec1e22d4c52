"""/health, /ready and /metrics over real HTTP; the metrics move when they should; the request and slow-query logs."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import (
    CARTESIAN,
    OPS_TIMEOUT_S,
    SLOW_QUERY_CHARS,
    OpsServer,
    ops_settings,
    serve_ops,
)
from held_back import hold_back
from prometheus_client.parser import text_string_to_metric_families

import app.api.main as main_module
from app.core.structured_logging import JsonFormatter

SPARQL_QUERY = "application/sparql-query"


def metric(server: OpsServer, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when there is none)."""
    text = httpx.get(f"{server.url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items())
    )


def eventually(check: Callable[[], bool], timeout_s: float = 3.0) -> bool:
    """True once `check()` is (the server records a request just after answering it)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(autouse=True)
def info_logs(caplog: pytest.LogCaptureFixture) -> None:
    """The request log is at INFO, whatever level another app in this process set on the `coopgraph` logger."""
    caplog.set_level(logging.INFO, logger="coopgraph")


def records(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, Any]]:
    """The JSON lines our formatter writes for the captured records of `event` (request, slow_query)."""
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in list(caplog.records) if getattr(r, "fields", None)]
    return [line for line in lines if line.get("event") == event]


def unique_ask() -> str:
    return f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"  # a text of its own: never answered from the result cache


# --- the routes --------------------------------------------------------------------------------------------------


def test_health_answers_ok_and_is_never_cached(ops_server: OpsServer) -> None:
    response = httpx.get(f"{ops_server.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"
    assert httpx.head(f"{ops_server.url}/health").status_code == 200


def test_ready_reports_the_data_version_the_triples_and_the_workers(ops_server: OpsServer) -> None:
    response = httpx.get(f"{ops_server.url}/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["version"] == ops_server.app.state.coop.version
    assert body["triples"] > 300 and body["graphs"] >= 3  # the bulk source alone has 340
    assert body["store"] in ("built", "reused") and body["load_seconds"] > 0
    assert body["query_workers"]["configured"] == 2
    assert body["dumps"] in ("writing", "written")  # issue 7: ready before a first build's dumps are written
    modified = httpx.get(f"{ops_server.url}/def", params={"format": "ttl"}).headers["last-modified"]
    assert httpx.get(f"{ops_server.url}/data/").status_code == 200  # a listing waits for them
    assert httpx.get(f"{ops_server.url}/ready").json()["dumps"] == "written"
    assert httpx.get(f"{ops_server.url}/data/").headers["last-modified"] == modified  # the build's time, not a file's


def test_metrics_are_the_client_librarys_text_format(ops_server: OpsServer) -> None:
    response = httpx.get(f"{ops_server.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {family.name for family in text_string_to_metric_families(response.text)}
    expected = {
        "coopgraph_http_requests",
        "coopgraph_http_request_duration_seconds",
        "coopgraph_sparql_query_duration_seconds",
        "coopgraph_canned_query_duration_seconds",
        "coopgraph_queries_timed_out",
        "coopgraph_queries_rejected",
        "coopgraph_results_truncated",
        "coopgraph_cache_lookups",
        "coopgraph_triples",
        "coopgraph_store_load_duration_seconds",
        "coopgraph_data_info",
        "coopgraph_query_workers",
    }
    assert expected <= families
    assert metric(ops_server, "coopgraph_triples") > 300
    assert metric(ops_server, "coopgraph_canned_query_duration_seconds_count", query="items") >= 0
    openmetrics = httpx.get(f"{ops_server.url}/metrics", headers={"Accept": "application/openmetrics-text"})
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")


def test_health_and_ready_answer_at_once_while_a_long_query_runs(
    ops_server: OpsServer, caplog: pytest.LogCaptureFixture
) -> None:
    timed_out = metric(ops_server, "coopgraph_queries_timed_out_total")
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        long_query = pool.submit(httpx.get, f"{ops_server.url}/sparql", params={"query": CARTESIAN}, timeout=60)
        time.sleep(0.5)
        for path in ("/health", "/ready", "/health", "/ready"):
            probe_started = time.monotonic()
            probe = httpx.get(f"{ops_server.url}{path}", timeout=5)
            assert probe.status_code == 200
            assert time.monotonic() - probe_started < 0.5, f"{path} waited for the running query"
        assert time.monotonic() - started < OPS_TIMEOUT_S, "the probes ran after the query, not during it"
        response = long_query.result()
    assert response.status_code == 503 and "was stopped" in response.text
    assert eventually(lambda: metric(ops_server, "coopgraph_queries_timed_out_total") == timed_out + 1)
    # the slow-query log: above slow_query_ms, the text cut at slow_query_log_chars
    assert eventually(lambda: bool(records(caplog, "slow_query")))
    slow = records(caplog, "slow_query")[-1]
    assert slow["level"] == "warning" and slow["logger"] == "coopgraph.slow_query"
    assert slow["route"] == "/sparql" and slow["status"] == 503 and slow["duration_ms"] >= OPS_TIMEOUT_S * 1000
    assert slow["query"] == CARTESIAN[:SLOW_QUERY_CHARS] + "…" and slow["query_chars"] == len(CARTESIAN)


# --- the metrics move ---------------------------------------------------------------------------------------------

REFUSALS: dict[str, Callable[[str], httpx.Response]] = {
    "update": lambda url: httpx.post(f"{url}/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}),
    "service": lambda url: httpx.get(
        f"{url}/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}
    ),
    "graph": lambda url: httpx.get(
        f"{url}/sparql", params={"query": "SELECT * FROM <http://example.org/nowhere> WHERE { ?s ?p ?o }"}
    ),
    "size": lambda url: httpx.post(
        f"{url}/sparql", content="#" * 200_000 + "\nASK {}", headers={"Content-Type": SPARQL_QUERY}
    ),
    "syntax": lambda url: httpx.get(f"{url}/sparql", params={"query": "SELEC * WHERE {"}),
    "parameter": lambda url: httpx.get(f"{url}/api/queries/items", params={"colour": "blue"}),
}


@pytest.mark.parametrize("reason", REFUSALS)
def test_each_refusal_is_counted_by_reason(ops_server: OpsServer, reason: str) -> None:
    before = metric(ops_server, "coopgraph_queries_rejected_total", reason=reason)
    response = REFUSALS[reason](ops_server.url)
    assert response.status_code in (400, 403, 413), response.text
    assert eventually(lambda: metric(ops_server, "coopgraph_queries_rejected_total", reason=reason) == before + 1)


def test_requests_are_counted_by_route_template_and_status(ops_server: OpsServer) -> None:
    route = {"route": "/id/{kind}/{slug}", "method": "GET"}
    before = metric(ops_server, "coopgraph_http_requests_total", **route)
    unmatched = metric(ops_server, "coopgraph_http_requests_total", route="unmatched", status="404")
    httpx.get(f"{ops_server.url}/id/org/esp", headers={"Accept": "text/turtle"})
    httpx.get(f"{ops_server.url}/id/org/no-such-org", headers={"Accept": "text/turtle"})
    httpx.get(f"{ops_server.url}/no/such/path")
    assert eventually(lambda: metric(ops_server, "coopgraph_http_requests_total", **route) == before + 2)
    assert eventually(
        lambda: metric(ops_server, "coopgraph_http_requests_total", route="unmatched", status="404") == unmatched + 1
    )
    assert metric(ops_server, "coopgraph_http_request_duration_seconds_count", route="/id/{kind}/{slug}") >= 2


def test_sparql_and_each_canned_query_have_latency_histograms(ops_server: OpsServer) -> None:
    sparql = metric(ops_server, "coopgraph_sparql_query_duration_seconds_count")
    items = metric(ops_server, "coopgraph_canned_query_duration_seconds_count", query="items")
    assert httpx.get(f"{ops_server.url}/sparql", params={"query": unique_ask()}).status_code == 200
    assert httpx.get(f"{ops_server.url}/api/queries/items", params={"text": "item 1"}).status_code == 200
    httpx.get(f"{ops_server.url}/sparql")  # the service description: no query, not in the query histogram
    assert eventually(lambda: metric(ops_server, "coopgraph_sparql_query_duration_seconds_count") == sparql + 1)
    assert eventually(
        lambda: metric(ops_server, "coopgraph_canned_query_duration_seconds_count", query="items") == items + 1
    )


def test_result_cache_hits_and_misses_and_truncations_are_counted(ops_server: OpsServer) -> None:
    hits = metric(ops_server, "coopgraph_cache_lookups_total", cache="results", result="hit")
    misses = metric(ops_server, "coopgraph_cache_lookups_total", cache="results", result="miss")
    truncated = metric(ops_server, "coopgraph_results_truncated_total", reason="row-limit")
    query = f"SELECT * WHERE {{ ?s ?p ?o }} # {uuid.uuid4()}"  # more rows than the 100-row cap
    for _ in range(2):
        response = httpx.get(f"{ops_server.url}/sparql", params={"query": query})
        assert response.headers["X-CoopGraph-Truncation-Reason"] == "row-limit"
    assert eventually(
        lambda: metric(ops_server, "coopgraph_cache_lookups_total", cache="results", result="hit") == hits + 1
    )
    assert metric(ops_server, "coopgraph_cache_lookups_total", cache="results", result="miss") == misses + 1
    assert metric(ops_server, "coopgraph_results_truncated_total", reason="row-limit") == truncated + 2
    assert metric(ops_server, "coopgraph_cache_entries", cache="results") >= 1


# --- the request log --------------------------------------------------------------------------------------------


def test_one_json_line_per_request_with_route_status_duration_hash_size_and_client(
    ops_server: OpsServer, caplog: pytest.LogCaptureFixture
) -> None:
    query = unique_ask()
    response = httpx.get(f"{ops_server.url}/sparql", params={"query": "  " + query.replace("{ ", "{\n    ")})
    assert eventually(lambda: any(r.get("query_hash") for r in records(caplog, "request") if r["route"] == "/sparql"))
    line = next(r for r in records(caplog, "request") if r["route"] == "/sparql" and r.get("query_hash"))
    assert line["logger"] == "coopgraph.access" and line["level"] == "info"
    assert line["method"] == "GET" and line["status"] == 200 and line["path"] == "/sparql"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["bytes"] == len(response.content)
    assert line["client"] == "127.0.0.1"
    assert len(line["query_hash"]) == 16
    assert {"ts", "pid", "message"} <= line.keys()
    # the hash is of the normalised text: the same query laid out differently hashes the same
    httpx.get(f"{ops_server.url}/sparql", params={"query": query})
    assert eventually(lambda: len([r for r in records(caplog, "request") if r.get("query_hash")]) == 2)
    assert len({r.get("query_hash") for r in records(caplog, "request")} - {None}) == 1


def test_a_refused_request_is_logged_with_its_reason(ops_server: OpsServer, caplog: pytest.LogCaptureFixture) -> None:
    REFUSALS["update"](ops_server.url)
    assert eventually(lambda: any(r.get("rejected") == "update" for r in records(caplog, "request")))
    line = next(r for r in records(caplog, "request") if r.get("rejected") == "update")
    assert line["status"] == 403 and line["error"] == "UpdateRefusedError"


def test_x_forwarded_for_is_believed_from_a_trusted_proxy_only(
    ops_server: OpsServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{ops_server.url}/api/queries"
    httpx.get(url, headers={"X-Forwarded-For": "203.0.113.9"})  # from 127.0.0.1, a trusted proxy
    httpx.get(url, headers={"X-Forwarded-For": "198.51.100.7, 127.0.0.1"})  # the client, then a trusted hop
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as untrusted:  # not a proxy
        untrusted.get(url, headers={"X-Forwarded-For": "192.0.2.66"})

    def clients() -> set[str]:
        return {r["client"] for r in records(caplog, "request") if r["route"] == "/api/queries"}

    assert eventually(lambda: {"203.0.113.9", "198.51.100.7", "127.0.0.2"} <= clients())
    assert "192.0.2.66" not in clients()


# --- loading in the background ------------------------------------------------------------------------------------


@pytest.fixture
def slow_loading(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The store preparation waits until the test sets the event."""
    release = hold_back(monkeypatch, main_module, "prepare_store")
    yield release
    release.set()


def test_with_load_in_background_ready_says_503_until_the_graph_is_loaded(
    ops_project: dict[str, Path], slow_loading: threading.Event
) -> None:
    settings = lambda url: ops_settings(ops_project, url, load_in_background=True, query_workers=1)  # noqa: E731
    with serve_ops(settings, wait_ready=False) as server:
        assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
        loading = httpx.get(f"{server.url}/ready")
        assert loading.status_code == 503 and loading.json() == {"status": "loading"}
        assert loading.headers["Retry-After"]
        query = httpx.get(f"{server.url}/sparql", params={"query": "ASK {}"})
        assert query.status_code == 503 and "still loading" in query.text
        slow_loading.set()
        assert eventually(lambda: httpx.get(f"{server.url}/ready").status_code == 200, timeout_s=60)
        assert httpx.get(f"{server.url}/sparql", params={"query": "ASK {}"}).status_code == 200
