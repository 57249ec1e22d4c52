"""The query page in a real browser: one live server and one headless Chromium for the whole session.

The server (tests/live_server.py's `serve_in_thread`) serves a copy of the shipped data plus one test source whose
labels look like HTML (xss_fixture.ttl, valid against the shapes), with a row cap low enough to truncate a
`SELECT * { ?s ?p ?o }`. The browser is Debian's Chromium at /usr/bin/chromium driven by Playwright — never a
browser Playwright downloads. Each test gets a fresh context (its own storage, viewport and locale); screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import serve_in_thread
from page_browser import CHROMIUM, CHROMIUM_ARGS, FIXTURE_SOURCE, ROW_CAP, PageErrors, new_page

from app.core.config import PROJECT_ROOT, Settings

playwright_sync = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="session")
def page_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data/ plus the test source with HTML-looking labels."""
    data = tmp_path_factory.mktemp("page-data") / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    shutil.copy(FIXTURE_SOURCE, data / "sources" / "900-page-test-fixture.ttl")
    return data


@pytest.fixture(scope="session")
def live_url(page_data_dir: Path) -> Iterator[str]:
    """The app on a free 127.0.0.1 port, for the whole session."""

    def settings(url: str) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=page_data_dir,
            public_base_url=url,
            max_rows=ROW_CAP,
            query_workers=2,
            log_level="warning",
        )

    with serve_in_thread(settings) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it: apt-get install chromium)")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(browser: Any, live_url: str, page_errors: PageErrors) -> Iterator[Any]:
    """A fresh English page; after the test, no CSP violation, no uncaught error and no dialog may have happened."""
    page = new_page(browser, page_errors)
    yield page
    violations = page.evaluate("window.__cspViolations || []") if not page.is_closed() else []
    page.context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"
    assert page_errors.dialogs == [], f"dialogs opened: {page_errors.dialogs}"
    assert page_errors.errors == [], f"errors in the page: {page_errors.errors}"
