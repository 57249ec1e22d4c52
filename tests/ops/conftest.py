"""Live servers for the operations tests: in a thread (routes, metrics, logs) or as a real `coopgraph` process.

The fixture project is tests/api/conftest.py's (ontology, places, a bulk source) plus one canned query, `items`.
`serve_ops` runs uvicorn in a thread as `coopgraph serve` configures it (no uvicorn proxy headers: the app alone
decides whom to trust), so the trusted-proxy tests see the app's own decision. `start_coopgraph` runs the real
command in a subprocess with its settings in the environment, its stderr (JSON log lines) collected as it comes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, free_port, serve_in_thread  # noqa: F401  (free_port: for the ops tests)

from app.core.config import PROJECT_ROOT, Settings

COOPGRAPH = Path(sys.executable).parent / "coopgraph"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
OPS_TIMEOUT_S = 4.0  # the ops server's query time limit: long enough to probe /health meanwhile, short for the suite
SLOW_QUERY_MS = 1500
SLOW_QUERY_CHARS = 40
ITEMS_QUERY = """#+ name: items
#+ title: {en: Items, fr: Éléments}
#+ description: {en: Labelled items whose label contains a text, fr: Éléments dont le libellé contient un texte}
#+ view: table
#+ parameters:
#+   - name: text
#+     type: string
#+     title: {en: Text, fr: Texte}
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?text ?item ?label WHERE { ?item rdfs:label ?label FILTER (!BOUND(?text) || CONTAINS(?label, ?text)) }
ORDER BY ?item LIMIT 5
"""


def _api_conftest() -> Any:
    """tests/api/conftest.py as a module (its fixture project and settings), as tests/page/conftest.py does."""
    spec = importlib.util.spec_from_file_location(
        "coopgraph_api_conftest", PROJECT_ROOT / "tests" / "api" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


API = _api_conftest()


def write_ops_project(root: Path) -> dict[str, Path]:
    """The API tests' fixture project plus the `items` canned query."""
    folders: dict[str, Path] = API.write_fixture_project(root)
    (folders["queries"] / "items.rq").write_text(ITEMS_QUERY, encoding="utf-8")
    return folders


def ops_settings(folders: dict[str, Path], public_base_url: str, **overrides: Any) -> Settings:
    """The fixture project with the ops test limits: short timeout, INFO logs, a low slow-query threshold."""
    values: dict[str, Any] = {
        "query_timeout_s": OPS_TIMEOUT_S,
        "log_level": "info",
        "slow_query_ms": SLOW_QUERY_MS,
        "slow_query_log_chars": SLOW_QUERY_CHARS,
        "trusted_proxies": ["127.0.0.1"],
        "query_workers": 2,
    }
    values.update(overrides)
    settings: Settings = API.fixture_settings(folders, public_base_url, **values)
    return settings


OpsServer = LiveServer  # the ops tests' name for it


@contextmanager
def serve_ops(make_settings: Callable[[str], Settings], wait_ready: bool = True) -> Iterator[OpsServer]:
    """The app on a free 127.0.0.1 port in a thread, configured as `coopgraph serve` runs it."""
    with serve_in_thread(make_settings, 120, wait_ready=wait_ready, proxy_headers=False, access_log=False) as server:
        yield server


@pytest.fixture(scope="session")
def ops_project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_ops_project(tmp_path_factory.mktemp("ops-project"))


@pytest.fixture(scope="session")
def ops_server(ops_project: dict[str, Path]) -> Iterator[OpsServer]:
    """One server for the route, metrics and log tests (trusting 127.0.0.1 as a proxy)."""
    with serve_ops(lambda url: ops_settings(ops_project, url)) as server:
        yield server


# --- a real `coopgraph` process ------------------------------------------------------------------------------------


@dataclass
class ServedProcess:
    """A `coopgraph serve` subprocess, its URL and its stderr lines (read in a thread as they come)."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines) if line.startswith("{")]

    def other_lines(self) -> list[str]:
        """Lines that are not JSON objects (there should be none)."""
        return [line for line in list(self.lines) if line.strip() and not line.startswith("{")]

    def wait_for_line(self, predicate: Callable[[dict[str, Any]], bool], count: int = 1, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while sum(1 for entry in self.json_lines() if predicate(entry)) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("expected log line(s) missing; stderr:\n" + "".join(self.lines[-40:]))
            time.sleep(0.1)

    def descendants(self) -> set[int]:
        """Every process below the server (uvicorn workers, query workers), from /proc."""
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = set(), [self.process.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.add(child)
                todo.append(child)
        return found


def is_running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def project_env(folders: dict[str, Path], port: int, **settings: str) -> dict[str, str]:
    """The environment of a served process: the fixture project, a port, the ops limits and `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COOPGRAPH_", "PROMETHEUS_"))}
    env |= {
        "COOPGRAPH_DATA_DIR": str(folders["data"]),
        "COOPGRAPH_ONTOLOGY_DIR": str(folders["ontology"]),
        "COOPGRAPH_SHAPES_DIR": str(folders["shapes"]),
        "COOPGRAPH_QUERIES_DIR": str(folders["queries"]),
        "COOPGRAPH_PORT": str(port),
        "COOPGRAPH_LOG_LEVEL": "info",
        "COOPGRAPH_QUERY_WORKERS": "1",
    }
    env |= {f"COOPGRAPH_{name.upper()}": value for name, value in settings.items()}
    return env


@contextmanager
def start_coopgraph(env: dict[str, str], *args: str, cwd: Path) -> Iterator[ServedProcess]:
    """`coopgraph serve ARGS` with `env`; stopped (SIGTERM, then SIGKILL) if the test has not stopped it."""
    process = subprocess.Popen(
        [str(COOPGRAPH), "serve", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = ServedProcess(process, f"http://127.0.0.1:{env['COOPGRAPH_PORT']}")
    assert process.stderr is not None

    def read(stream: Any) -> None:
        for line in iter(stream.readline, ""):
            served.lines.append(line)

    reader = threading.Thread(target=read, args=(process.stderr,), daemon=True)
    reader.start()
    try:
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        reader.join(5)
