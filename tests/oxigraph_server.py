"""A real `oxigraph serve` (the PyPI package `oxigraph`, pinned in the dev extras) for the scale-out backend tests.

`running_oxigraph(folder)` starts it on a free 127.0.0.1 port with an on-disk store in `folder` and its own query
time limit, waits until it answers, and stops it on exit. `coopgraph_load(url)` runs the real `coopgraph load`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from live_server import free_port

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
COOPGRAPH = Path(sys.executable).with_name("coopgraph")
BACKEND_TIMEOUT_S = 8  # oxigraph's own limit, above the services' in these tests: theirs must act first


@contextmanager
def running_oxigraph(folder: Path) -> Iterator[str]:
    """`oxigraph serve` on a free port over the store in `folder`; yields its base URL (…/query, …/store)."""
    port = free_port()
    command = [str(OXIGRAPH), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen([*command, "--timeout-s", str(BACKEND_TIMEOUT_S)], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph serve did not start: {process.stderr.read()!r}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def coopgraph_load(backend: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`coopgraph load --backend BACKEND/query` with the test's environment plus `env`."""
    environment = os.environ | env
    command = [str(COOPGRAPH), "load", "--backend", f"{backend}/query"]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600, check=False)
