"""`/api/vocabulary`: the ontology's classes and properties as JSON (labels en/fr), for the page's autocomplete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from app.api.state import ServiceState, get_state
from app.core.namespaces import PREFIXES
from app.core.vocabulary import vocabulary_terms

router = APIRouter(tags=["page"])
State = Annotated[ServiceState, Depends(get_state)]


@router.get("/api/vocabulary", summary="CoopGraph's classes and properties with labels and definitions (en, fr)")
def vocabulary(request: Request, response: Response, state: State) -> Any:
    """The terms change only with the data version, so the version is the ETag."""
    etag = f'"vocabulary-{state.version[:16]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return {
        "version": state.version,
        "prefixes": PREFIXES,
        "terms": [term.as_json() for term in vocabulary_terms(state.store)],
    }
