"""The production recipe, run as the README shows it: `coopgraph serve --workers 2` on one persisted store, settings
from the environment, public base URL set, behind a (trusted) proxy; and SIGTERM with a slow request in flight."""

from __future__ import annotations

import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from conftest import CARTESIAN, ServedProcess, free_port, is_running, project_env, start_coopgraph
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import PROJECT_ROOT

PUBLIC = "https://coopgraph.example.org"
CLEAN_EXIT = (0, -signal.SIGTERM)  # uvicorn re-raises the SIGTERM it handled, once it has shut down cleanly


def served_by(entry: dict[str, object]) -> bool:
    return str(entry.get("message", "")).startswith("serving data version")


def wait_ready(served: ServedProcess, timeout_s: float = 90) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{served.url}/ready", timeout=5)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        if served.process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError("the service did not become ready; stderr:\n" + "".join(served.lines[-40:]))


def counter(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items())
    )


def stop_with_a_slow_request_in_flight(served: ServedProcess) -> tuple[httpx.Response | Exception, float]:
    """Start a runaway query, SIGTERM the server meanwhile; the query's answer (or error) and the exit time."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(httpx.get, f"{served.url}/sparql", params={"query": CARTESIAN}, timeout=60)
        time.sleep(1.0)
        served.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        served.process.wait(30)
        exited = time.monotonic() - signalled
        try:
            return slow.result(), exited
        except httpx.HTTPError as error:
            return error, exited


def assert_nothing_left(pids: set[int]) -> None:
    deadline = time.monotonic() + 5
    while any(is_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if is_running(pid)], "processes left behind after shutdown"


def test_two_workers_share_one_persisted_store_and_their_metrics(ops_project: dict[str, Path], tmp_path: Path) -> None:
    env = project_env(
        ops_project,
        free_port(),
        store_path=str(tmp_path / "store"),
        public_base_url=PUBLIC,
        trusted_proxies="127.0.0.1",
        shutdown_grace_s="1",
        query_timeout_s="30",
    )
    with start_coopgraph(env, "--workers", "2", cwd=tmp_path) as served:
        ready = wait_ready(served)
        served.wait_for_line(served_by, count=2)  # both workers have loaded
        loads = [entry for entry in served.json_lines() if served_by(entry)]
        assert len({entry["pid"] for entry in loads}) == 2
        assert any("reused" in str(entry["message"]) for entry in loads), "the second worker rebuilt the store"
        assert ready["version"] and ready["triples"] and (tmp_path / "store" / "manifest.json").is_file()

        # the public base URL is what the service description and the query page link to
        description = httpx.get(f"{served.url}/sparql", headers={"Accept": "text/turtle"}).text
        assert f"<{PUBLIC}/sparql>" in description or f"{PUBLIC}/sparql" in description
        assert PUBLIC in httpx.get(f"{served.url}/").text

        # counters are summed over both workers, whichever answers the scrape
        def list_queries(_: int) -> int:
            with httpx.Client() as client:  # one connection each: the kernel spreads them over the workers
                return client.get(f"{served.url}/api/queries").status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(list_queries, range(24))) == {200}
        route = {"route": "/api/queries", "method": "GET", "status": "200"}
        deadline = time.monotonic() + 5
        while counter(httpx.get(f"{served.url}/metrics").text, "coopgraph_http_requests_total", **route) != 24:
            assert time.monotonic() < deadline, "the scrape did not see all 24 requests"
            time.sleep(0.1)

        # behind the proxy: X-Forwarded-For believed from 127.0.0.1 (the recipe's trusted proxy)
        httpx.get(f"{served.url}/api/queries", headers={"X-Forwarded-For": "203.0.113.50"})
        served.wait_for_line(lambda entry: entry.get("client") == "203.0.113.50")

        pids = served.descendants()
        assert len(pids) >= 4  # 2 service workers, each with its query worker
        answer, exited = stop_with_a_slow_request_in_flight(served)
    assert served.process.returncode in CLEAN_EXIT
    assert exited < 15
    assert isinstance(answer, httpx.Response) and answer.status_code == 503
    assert "shutting down" in answer.text
    assert_nothing_left(pids)
    assert served.other_lines() == [], "every log line is JSON"


def test_sigterm_cancels_a_running_query_cleanly_and_leaves_no_worker(
    ops_project: dict[str, Path], tmp_path: Path
) -> None:
    env = project_env(ops_project, free_port(), shutdown_grace_s="1", query_timeout_s="30", query_workers="2")
    with start_coopgraph(env, cwd=tmp_path) as served:
        wait_ready(served)
        pids = served.descendants()
        assert len(pids) == 2  # the two query workers
        answer, exited = stop_with_a_slow_request_in_flight(served)
    assert served.process.returncode in CLEAN_EXIT
    assert exited < 10, "shutdown waited for the query instead of cancelling it after the grace period"
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert "shutting down" in answer.text
    assert_nothing_left(pids)
    line = next(entry for entry in served.json_lines() if entry.get("event") == "request" and entry.get("cancelled"))
    assert line["status"] == 503 and line["route"] == "/sparql" and line["query_hash"]


def test_a_stop_signal_during_the_first_build_stops_the_build(tmp_path: Path) -> None:
    """SIGTERM (or Ctrl-C) while a large graph builds, before the port opens, stops the build there and then: uvicorn's
    own handler would only have been read once the build was over (minutes at a million triples; issue 7)."""
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from generate import generate

    generate(10_000, 3, tmp_path / "data")
    folders = {"data": tmp_path / "data", **{name: PROJECT_ROOT / name for name in ("ontology", "shapes", "queries")}}
    env = project_env(folders, free_port(), large_graph_bytes="0", cache_dir=str(tmp_path / "cache"))
    with start_coopgraph(env, cwd=tmp_path) as served:
        served.wait_for_line(lambda entry: entry.get("message") == "build: validate …")
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(60)
    logged = "".join(served.lines)
    assert "stopped by SIGTERM while loading the graph" in logged and "build: validate stopped after" in logged
    assert "build: index" not in logged and "serving data version" not in logged  # stopped in "validate"
    assert not list((tmp_path / "cache").rglob("manifest.json"))  # nothing half-built is ever served
