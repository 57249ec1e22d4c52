"""HTML pages of the linked-data face (resources, ontology, downloads): Jinja2 with autoescape, a strict CSP.

Every value reaches the HTML through Jinja2's autoescaping, so a literal holding `<script>` is shown as text; the
Content-Security-Policy allows no script at all and styles from this origin only, a second wall behind the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STYLESHEET = "/static/css/linked-data.css"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

TEMPLATES = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_page(
    template: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """The rendered template as a UTF-8 HTML response with the security headers."""
    html = TEMPLATES.get_template(template).render(stylesheet=STYLESHEET, **context)
    return HTMLResponse(
        html,
        status_code=status_code,
        media_type="text/html; charset=utf-8",
        headers={**SECURITY_HEADERS, **(headers or {})},
    )
