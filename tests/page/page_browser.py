"""Helpers of the browser tests: how Chromium is started, pages opened, their errors collected, screenshots saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
ROW_CAP = 2000
FIXTURE_SOURCE = Path(__file__).with_name("xss_fixture.ttl")


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class PageErrors:
    """What went wrong in the page: uncaught errors, console errors, dialogs (an XSS would open one)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []


def new_page(browser: Any, errors: PageErrors, **context_options: Any) -> Any:
    options: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB", "accept_downloads": True}
    options.update(context_options)
    context = browser.new_context(**options)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.set_default_timeout(40_000)  # generous: the machine may be shared
    page.on("pageerror", lambda error: errors.errors.append(str(error)))
    page.on("console", lambda message: _console(errors, message))
    page.on("response", lambda response: _asset_response(errors, response))

    def on_dialog(dialog: Any) -> None:
        errors.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


def _console(errors: PageErrors, message: Any) -> None:
    """Console errors, except the browser's own note of an HTTP error status the test asked for (400, 503, …)."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.errors.append(message.text)


def _asset_response(errors: PageErrors, response: Any) -> None:
    """A missing script, style or base map is a failure even though the page may still look fine."""
    if "/static/" in response.url and response.status >= 400:
        errors.errors.append(f"{response.status} {response.url}")


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as a test artefact (test-artifacts/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
