"""Dataset downloads: the dumps written with the store, their listing, and the VoID/DCAT description of the dataset.

`/data/` lists every dump with its size, triple count and SHA-256 (HTML for browsers, JSON otherwise);
`/data/{name}` serves one; `/.well-known/void` describes the dataset (licence, sources, version, distributions).
Every response carries an ETag and Last-Modified and answers 304 to a matching conditional request: a dump's ETag
is its SHA-256, so a client that verified a file can revalidate it for free.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from app.api.conditional import is_not_modified, not_modified, strong_etag, validators
from app.api.content_negotiation import check_format_parameter, choose
from app.api.html_pages import render_page
from app.api.linked_data_state import LinkedDataCache, linked_data_cache
from app.api.rdf_formats import HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, preferred_language, serialise_graph
from app.api.state import ServiceState, get_state
from app.core.dataset_description import LICENSE, DatasetFacts, describe_dataset
from app.core.dumps import CHECKSUMS_FILE
from app.core.linked_data import UnknownResourceError
from app.core.result_formats import NotAcceptableError, ResultFormat

router = APIRouter(tags=["downloads"])
State = Annotated[ServiceState, Depends(get_state)]
Cache = Annotated[LinkedDataCache, Depends(linked_data_cache)]
FormatParameter = Annotated[str | None, Query(description="Overrides Accept (json or html; ttl, jsonld, nt, rdf)")]

JSON = ResultFormat("json", "application/json", (), ("json",))
LISTING_OFFERS = (JSON, HTML)
VOID_OFFERS = (TURTLE, JSONLD, NTRIPLES, RDFXML)
VOID_PATH = "/.well-known/void"
DUMP_CACHE = "public, max-age=3600"
LISTING_CACHE = "public, max-age=300"


def listing(state: ServiceState) -> dict[str, Any]:
    """The JSON listing (also what the HTML page shows)."""
    base = state.settings.public_base
    return {
        "version": state.version,
        "license": str(LICENSE),
        "void": f"{base}{VOID_PATH}",
        "sparql": f"{base}/sparql",
        "checksums": f"{base}/data/{CHECKSUMS_FILE}",
        "dumps": [
            {
                "name": d.name,
                "url": f"{base}/data/{d.name}",
                "part": d.part,
                "mediaType": d.media_type,
                "triples": d.triples,
                "bytes": d.size,
                "sha256": d.sha256,
            }
            for d in state.dumps
        ],
    }


@router.get(
    "/data/",
    summary="List the dataset dumps (HTML for browsers, JSON otherwise)",
    description="Each dump with its part (asserted, inferred, ontology, dataset), media type, triple count, size and "
    "SHA-256; links to SHA256SUMS and to the VoID/DCAT description at /.well-known/void.",
)
@router.head("/data/", include_in_schema=False)
def list_dumps(request: Request, state: State, cache: Cache, format: FormatParameter = None) -> Response:
    check_format_parameter(format, LISTING_OFFERS)
    chosen = choose(request.headers.get("accept"), format, LISTING_OFFERS)
    if chosen is None:
        raise NotAcceptableError("the list of dumps", tuple(f.media_type for f in LISTING_OFFERS))
    base = state.settings.public_base
    headers = {
        "Cache-Control": LISTING_CACHE,
        "Vary": "Accept",
        "Link": f'<{base}{VOID_PATH}>; rel="describedby"; type="text/turtle"',
        **validators(strong_etag(state.version, "data", chosen.key), state.built_at),
    }
    if is_not_modified(request, headers["ETag"], state.built_at):
        return not_modified(headers)
    if chosen is HTML:
        language = preferred_language(request)
        return render_page(
            "downloads.html", headers=headers, listing=listing(state), lang=language, version=state.version
        )
    return JSONResponse(listing(state), headers=headers)


@router.get("/data/{name}", summary="Download one dump (or SHA256SUMS)")
@router.head("/data/{name}", include_in_schema=False)
def download(name: str, request: Request, state: State) -> Response:
    known = {d.name: (d.media_type, d.sha256) for d in state.dumps}
    if name == CHECKSUMS_FILE:
        data = (state.dumps_dir / CHECKSUMS_FILE).read_bytes()
        known[name] = ("text/plain", hashlib.sha256(data).hexdigest())
    if name not in known:
        raise UnknownResourceError(f"{state.settings.public_base}/data/{name}", "no dump of that name; see /data/")
    media_type, sha256 = known[name]
    path = state.dumps_dir / name
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
    digest = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
    headers = {
        "Cache-Control": DUMP_CACHE,
        "Repr-Digest": f"sha-256=:{digest}:",
        **validators(f'"{sha256}"', modified),
    }
    if is_not_modified(request, headers["ETag"], modified):
        return not_modified(headers)
    return FileResponse(path, media_type=f"{media_type}; charset=utf-8", filename=name, headers=headers)


@router.get(
    VOID_PATH,
    summary="VoID/DCAT description of the dataset (Turtle, JSON-LD, N-Triples, RDF/XML)",
    description="Title and description (en, fr), licence CC BY 4.0, version (the data version), the source articles, "
    "the SPARQL endpoint, and each dump as a dcat:Distribution with its size, triple count and SHA-256.",
)
@router.head(VOID_PATH, include_in_schema=False)
def void_description(request: Request, state: State, cache: Cache, format: FormatParameter = None) -> Response:
    check_format_parameter(format, VOID_OFFERS)
    chosen = choose(request.headers.get("accept"), format, VOID_OFFERS)
    if chosen is None:
        raise NotAcceptableError("the dataset description", tuple(f.media_type for f in VOID_OFFERS))
    headers = {
        "Cache-Control": LISTING_CACHE,
        "Vary": "Accept",
        **validators(strong_etag(state.version, "void", chosen.key), state.built_at),
    }
    if is_not_modified(request, headers["ETag"], state.built_at):
        return not_modified(headers)
    settings = state.settings
    facts = DatasetFacts(settings.public_base, settings.id_base, state.version, state.built_at, state.dumps)
    body = serialise_graph(describe_dataset(facts, state.store), chosen)
    return Response(body, media_type=chosen.content_type, headers=headers)
