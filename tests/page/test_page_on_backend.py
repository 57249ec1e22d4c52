"""The query page when CoopGraph serves from the scale-out backend (a real `oxigraph serve` that `coopgraph load`
filled): the editor, a canned query's form and the map work as on the embedded store."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import serve_in_thread
from oxigraph_server import coopgraph_load, running_oxigraph
from page_browser import PageErrors, new_page, screenshot

from app.core.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ID = "https://w3id.org/coopgraph/id/"
QUERY = "SELECT ?org ?label WHERE { ?org a coop:University ; rdfs:label ?label } ORDER BY ?org ?label"


@pytest.fixture(scope="module")
def backend_page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-page")) as oxigraph:
        loaded = coopgraph_load(oxigraph)
        assert loaded.returncode == 0, loaded.stderr

        def settings(url: str) -> Settings:
            return Settings(  # type: ignore[call-arg]
                _env_file=None,
                public_base_url=url,
                backend=f"{oxigraph}/query",
                cache_dir=Path(tmp_path_factory.mktemp("backend-page-cache")),
                log_level="warning",
            )

        with serve_in_thread(settings) as server:
            yield server.url


@pytest.fixture
def backend_page(browser: Any) -> Iterator[Any]:
    errors = PageErrors()
    page = new_page(browser, errors)
    yield page
    violations = page.evaluate("window.__cspViolations || []")
    page.context.close()
    assert violations == [] and errors.dialogs == [] and errors.errors == []


def ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready=true]")


def run_and_wait(page: Any, click: Any) -> str:
    before = int(page.evaluate("Number(document.body.dataset.runs || 0)"))
    click()
    page.wait_for_function(
        "n => Number(document.body.dataset.runs || 0) > n && document.body.dataset.state !== 'running'", arg=before
    )
    return str(page.evaluate("document.body.dataset.state"))


def test_a_typed_query_runs_against_the_backend(backend_page: Any, backend_page_url: str) -> None:
    page = backend_page
    page.goto(f"{backend_page_url}/")
    ready(page)
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", QUERY)
    assert run_and_wait(page, lambda: page.click("#run")) == "done"
    answer = httpx.post(f"{backend_page_url}/sparql", data={"query": QUERY}, headers={"Accept": "text/csv"})
    expected = list(csv.reader(io.StringIO(answer.text)))[1:]
    assert page.locator("#view tbody tr").count() == len(expected) > 0
    link = page.locator(f'#view [data-iri="{ID}org/ucad"] a').first
    assert link.get_attribute("href") == f"{backend_page_url}/id/org/ucad"
    screenshot(page, "backend-table")


def test_a_canned_query_and_the_map_work_on_the_backend(backend_page: Any, backend_page_url: str) -> None:
    page = backend_page
    page.goto(f"{backend_page_url}/")
    ready(page)
    page.click(".gallery-item[data-query=partners-of]")
    form = page.locator("form[data-query=partners-of]")
    page.wait_for_function("() => !document.querySelector('select[data-param=organisation]').hasAttribute('aria-busy')")
    assert form.locator("select[data-param=organisation] option").count() > 10  # organisations from the backend
    form.locator("select[data-param=organisation]").select_option(f"{ID}org/esp-dakar")
    assert run_and_wait(page, lambda: form.get_by_role("button", name="Run this question").click()) == "done"
    assert any(text.startswith("IMT") for text in page.locator("#view td").all_inner_texts())

    page.goto(f"{backend_page_url}/")
    ready(page)
    assert run_and_wait(page, lambda: page.click("#run")) == "done"  # the example query
    page.click("button[data-view=map]")
    page.wait_for_selector("#view svg[data-view=map] g.place")
    places = page.locator("#view g.place")
    shown = {places.nth(i).get_attribute("data-place") for i in range(places.count())}
    assert {f"{ID}place/dakar", f"{ID}place/casablanca"} <= shown
    screenshot(page, "backend-map")
