"""`/`: the query page — editor, gallery of canned queries, results and their views (the page's logic is static JS).

The HTML is a Jinja2 template with autoescaping; the page's settings reach its scripts as a JSON data block (escaped by
`tojson`, never executed), so the Content-Security-Policy can refuse every inline script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import __version__
from app.api.state import ServiceState, get_state
from app.core.namespaces import PREFIXES

router = APIRouter(tags=["page"])
State = Annotated[ServiceState, Depends(get_state)]

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_config(state: ServiceState) -> dict[str, Any]:
    """What the page's scripts need to know about this service (no secrets: it is public)."""
    settings = state.settings
    return {
        "publicBase": settings.public_base,
        "idBase": settings.id_base.rstrip("/") + "/",
        "endpoint": "/sparql",
        "queriesApi": "/api/queries",
        "vocabularyApi": "/api/vocabulary",
        "version": state.version,
        "prefixes": PREFIXES,
        "maxRows": settings.max_rows,
        "timeoutSeconds": settings.query_timeout_s,
    }


@router.get("/", response_class=HTMLResponse, summary="The query page (editor, canned queries, views of results)")
def home(state: State) -> HTMLResponse:
    html = TEMPLATES.get_template("page.html").render(
        config=page_config(state), version=state.version[:12], app_version=__version__
    )
    return HTMLResponse(html, media_type="text/html; charset=utf-8")


@router.head("/", response_class=HTMLResponse, include_in_schema=False)
def home_head(state: State) -> HTMLResponse:
    return home(state)
