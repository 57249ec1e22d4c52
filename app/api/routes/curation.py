"""`POST /api/sources`: the curators' authenticated write path (mounted only when a curator token is set).

The upload — template tables (multipart CSV/XLSX files, or a zip) or Turtle — goes through the same core as
`coopgraph import`: converted, validated with the whole graph, written atomically under a lock. Then the service
state is rebuilt from the files and swapped in (the app's StateReloader, which lets concurrent uploads share one
rebuild), so the new source is queryable at once, without a restart. Never reachable through the read-only
/sparql endpoint. Refusals and their statuses are mapped in CURATION_STATUS; a non-conforming upload is a 422
whose JSON body is the report.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.api.state import ServiceState, get_state, reloader_of
from app.core.curation import workflow
from app.core.namespaces import source_graph

router = APIRouter(prefix="/api", tags=["curation"])
State = Annotated[ServiceState, Depends(get_state)]

BODY_FORMATS = {
    "text/turtle": "upload.ttl",
    "application/x-turtle": "upload.ttl",
    "application/zip": "upload.zip",
    "application/x-zip-compressed": "upload.zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "upload.xlsx",
}
MAX_FILES = 32
CURATION_STATUS: dict[type[Exception], int] = {
    workflow.SourceIdError: 400,
    workflow.SourceExistsError: 409,
    workflow.UploadFormatError: 415,
}
"""Every refusal but the 422 report, and its status."""

DOC = """Publish one source article. Authorise with `Authorization: Bearer <curator token>`. Send the filled-in
template as multipart files (`{sheet}.csv` files, an `.xlsx` workbook, or a `.zip`), or a Turtle body
(`Content-Type: text/turtle`). `source` is the article's id: the file becomes `data/sources/{source}.ttl` only if
the whole graph with it conforms; otherwise 422 lists every problem (focus node, path, row and column). Once
written, the service reloads and the new graph is queryable at once."""


def require_curator(request: Request, state: State) -> None:
    """401 without a bearer token, 403 with a wrong one (compared in constant time), 404 when curation is off."""
    expected = state.settings.curator_token
    if expected is None:
        raise HTTPException(404, "Not Found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HTTPException(
            401,
            "send the curator token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="coopgraph-curation"'},
        )
    if not secrets.compare_digest(given.strip().encode(), expected.get_secret_value().encode()):
        raise HTTPException(403, "this token may not publish sources")


@router.post(
    "/sources",
    status_code=201,
    summary="Publish a source article (curators)",
    description=DOC,
    dependencies=[Depends(require_curator)],
)
async def post_source(
    request: Request,
    state: State,
    source: Annotated[str, Query(description="Id of the source article, e.g. 005-fimme-mou")],
    replace: Annotated[bool, Query(description="Replace the source if it exists")] = False,
) -> JSONResponse:
    uploads = await read_uploads(request, state.settings.max_request_bytes)
    try:
        checked, version = await run_in_threadpool(_publish_and_reload, request, source, uploads, replace)
    except workflow.CurationRejectedError as error:
        return JSONResponse(_rejection(error), status_code=422)
    except tuple(CURATION_STATUS) as error:
        raise HTTPException(CURATION_STATUS[type(error)], str(error)) from error
    return JSONResponse(_published(checked, version, state), status_code=201)


def _publish_and_reload(
    request: Request, source: str, uploads: list[workflow.Upload], replace: bool
) -> tuple[workflow.CheckedSource, str]:
    """Blocking: validate and write under the data lock, then wait for a state that serves it (shared rebuild)."""
    state: ServiceState = request.app.state.coop
    checked, fresh = reloader_of(request.app).after_write(
        lambda: workflow.publish(state.settings, source, uploads, replace=replace)
    )
    return checked, fresh.version


async def read_uploads(request: Request, limit: int) -> list[workflow.Upload]:
    """The uploaded files: multipart parts (named by their file names) or a whole body in a known format."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES, max_part_size=limit)
        files = [value for _name, value in form.multi_items() if isinstance(value, UploadFile)]
        if sum(f.size or 0 for f in files) > limit:
            raise _too_large(limit)
        return [workflow.Upload(f.filename or "upload", await f.read()) for f in files]
    if content_type in BODY_FORMATS:
        return [workflow.Upload(BODY_FORMATS[content_type], await _body_at_most(request, limit))]
    raise HTTPException(
        415,
        "send multipart/form-data files ({sheet}.csv, .xlsx, .zip or .ttl) or a text/turtle, application/zip "
        "or XLSX body",
    )


async def _body_at_most(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes `limit` bytes (a missing Content-Length is no way round)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the upload is larger than {limit} bytes; send one article at a time")


def _rejection(error: workflow.CurationRejectedError) -> dict[str, Any]:
    return {
        "source": error.source_id,
        "conforms": False,
        "written": False,
        "problems": [issue.as_dict() for issue in error.issues],
    }


def _published(checked: workflow.CheckedSource, version: str, state: ServiceState) -> dict[str, Any]:
    data_dir = state.settings.data_dir
    path = checked.path.relative_to(data_dir) if checked.path.is_relative_to(data_dir) else checked.path
    return {
        "source": checked.source_id,
        "file": str(path),
        "graph": str(source_graph(checked.source_id)),
        "triples": checked.triples,
        "replaced": checked.replaced,
        "minted": [{"iri": iri, "sheet": w.sheet, "row": w.row} for iri, w in checked.minted.items()],
        "warnings": [issue.as_dict() for issue in checked.warnings],
        "version": version,
    }
