"""The scale-out backend for real: `oxigraph serve` loaded by `coopgraph load`, and CoopGraph served over it.

One Oxigraph server and one load for the session (`loaded_backend`); `backend_server` is CoopGraph over it with the
shipped project's settings, `embedded_server` the same project on the embedded store — the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, serve_in_thread
from oxigraph_server import coopgraph_load, running_oxigraph

from app.core.config import Settings


def served_settings(url: str, **overrides: Any) -> Settings:
    """The shipped project (data/, ontology/, queries/) as `make serve` serves it, with `overrides`."""
    values: dict[str, Any] = {"public_base_url": url, "query_workers": 2, "log_level": "warning"} | overrides
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-store")) as url:
        yield url


@pytest.fixture(scope="session")
def loaded_backend(oxigraph_url: str) -> str:
    """The backend's query endpoint, after `coopgraph load` wrote the shipped project into it."""
    loaded = coopgraph_load(oxigraph_url)
    assert loaded.returncode == 0, loaded.stderr
    return f"{oxigraph_url}/query"


@pytest.fixture(scope="session")
def backend_server(loaded_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    cache = tmp_path_factory.mktemp("backend-cache")
    with serve_in_thread(lambda url: served_settings(url, backend=loaded_backend, cache_dir=cache)) as server:
        yield server


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[LiveServer]:
    with serve_in_thread(served_settings) as server:
        yield server


@pytest.fixture(scope="session")
def short_timeout_backend_server(loaded_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Over the same backend with a 2 s query limit (Oxigraph's own is 8 s) and a 50-row cap."""
    cache = tmp_path_factory.mktemp("backend-cache-short")

    def settings(url: str) -> Settings:
        return served_settings(url, backend=loaded_backend, cache_dir=cache, query_timeout_s=2.0, max_rows=50)

    with serve_in_thread(settings) as server:
        yield server


@pytest.fixture
def fresh_backend(tmp_path: Path) -> Iterator[str]:
    """An empty Oxigraph server of the test's own (for tests that change what the backend holds)."""
    with running_oxigraph(tmp_path / "store") as url:
        yield url
