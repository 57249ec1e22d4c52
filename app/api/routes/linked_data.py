"""`/id/{type}/{slug}`, `/doc/{type}/{slug}.{ext}` and `/def`: every IRI of the graph resolves.

Direct content negotiation, no 303: `/id/…` answers 200 with the representation the Accept header (or `format=`)
asks for — HTML for browsers, Turtle, JSON-LD, N-Triples or RDF/XML for programs — with `Vary: Accept`, a
`Content-Location` naming the document served, and `Link` headers to the other formats. Each format also has its
own URL under `/doc/…` (what the HTML page links to). One round trip, and w3id.org already redirects to us.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.api.conditional import is_not_modified, not_modified, strong_etag, validators
from app.api.content_negotiation import check_format_parameter, choose
from app.api.html_pages import render_page
from app.api.linked_data_state import LinkedDataCache, linked_data_cache
from app.api.rdf_formats import (
    EXTENSION_OF,
    EXTENSIONS,
    HTML,
    LINKED_DATA_OFFERS,
    NAMES,
    preferred_language,
    serialise_graph,
)
from app.api.state import ServiceState, get_state
from app.core.linked_data import (
    RESOURCE_TYPES,
    UnknownResourceError,
    describe_resource,
    description_graph,
    resource_iri,
    resource_page,
)
from app.core.result_formats import NotAcceptableError, ResultFormat

router = APIRouter(tags=["linked data"])
State = Annotated[ServiceState, Depends(get_state)]
Cache = Annotated[LinkedDataCache, Depends(linked_data_cache)]
FormatParameter = Annotated[str | None, Query(description="html, ttl, jsonld, nt or rdf; overrides Accept")]
LangParameter = Annotated[
    str | None, Query(description="Language of the HTML page: en or fr (default: Accept-Language)")
]

ONTOLOGY_DUMPS = {
    "turtle": "coopgraph-ontology.ttl",
    "jsonld": "coopgraph-ontology.jsonld",
    "ntriples": "coopgraph-ontology.nt",
}
CACHE_CONTROL = "public, max-age=300"

DOC_ID = """The resource this IRI names, by content negotiation: HTML for browsers; Turtle, JSON-LD, N-Triples or
RDF/XML for programs (Accept header, or `format=`). Answers 200 directly (no 303), with `Content-Location` naming the
document served and `Link` headers to the others; 404 with a helpful page for an IRI the graph does not describe."""


@router.get("/id/{kind}/{slug}", summary="Dereference a resource IRI", description=DOC_ID)
@router.head("/id/{kind}/{slug}", include_in_schema=False)
def resource(
    kind: str,
    slug: str,
    request: Request,
    state: State,
    cache: Cache,
    format: FormatParameter = None,
    lang: LangParameter = None,  # read by preferred_language(); declared for the OpenAPI description
) -> Response:
    check_format_parameter(format, LINKED_DATA_OFFERS)
    chosen = choose(request.headers.get("accept"), format, LINKED_DATA_OFFERS)
    if chosen is None:
        raise NotAcceptableError("a resource", tuple(f.media_type for f in LINKED_DATA_OFFERS))
    return _representation(request, state, cache, kind, slug, chosen, negotiated=True)


@router.get(
    "/doc/{kind}/{document}",
    summary="A resource's description in one format (.html, .ttl, .jsonld, .nt, .rdf)",
)
@router.head("/doc/{kind}/{document}", include_in_schema=False)
def resource_document(
    kind: str, document: str, request: Request, state: State, cache: Cache, lang: LangParameter = None
) -> Response:
    slug, _, extension = document.rpartition(".")
    chosen = EXTENSIONS.get(extension)
    if not slug or chosen is None:
        raise UnknownResourceError(
            f"{state.settings.public_base}/doc/{kind}/{document}",
            f"a document name ends with one of {', '.join('.' + e for e in EXTENSIONS)}",
        )
    return _representation(request, state, cache, kind, slug, chosen, negotiated=False)


def _representation(
    request: Request,
    state: ServiceState,
    cache: LinkedDataCache,
    kind: str,
    slug: str,
    chosen: ResultFormat,
    *,
    negotiated: bool,
) -> Response:
    settings = state.settings
    language = preferred_language(request)
    try:
        iri = resource_iri(settings.id_base, kind, slug)
        description = describe_resource(state.store, iri)
    except UnknownResourceError as error:
        if chosen is HTML:
            return _not_found_page(state, error, slug, language)
        raise
    base = settings.public_base
    documents = {f.key: f"{base}/doc/{kind}/{slug}.{EXTENSION_OF[f.key]}" for f in LINKED_DATA_OFFERS}
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "Link": ", ".join(f'<{documents[f.key]}>; rel="alternate"; type="{f.media_type}"' for f in LINKED_DATA_OFFERS),
        "Content-Location": documents[chosen.key],
        "Vary": "Accept, Accept-Language" if negotiated else "Accept-Language",
        **validators(
            strong_etag(state.version, str(iri), chosen.key, language if chosen is HTML else ""), state.built_at
        ),
    }
    if is_not_modified(request, headers["ETag"], state.built_at):
        return not_modified(headers)
    labels = cache.labels(state)
    if chosen is HTML:
        page = resource_page(description, labels, settings.id_base, base, language)
        formats = [
            {"name": NAMES[f.key], "media_type": f.media_type, "href": documents[f.key]}
            for f in LINKED_DATA_OFFERS
            if f is not HTML
        ]
        return render_page(
            "resource.html",
            headers=headers,
            page=page,
            formats=formats,
            lang=language,
            version=state.version,
            resource_url=f"{base}/id/{kind}/{slug}",
        )
    body = serialise_graph(description_graph(description, labels), chosen)
    return Response(body, media_type=chosen.content_type, headers=headers)


def _not_found_page(state: ServiceState, error: UnknownResourceError, slug: str, lang: str) -> Response:
    words = " ".join(part for part in slug.replace("--", "-").split("-") if part)[:60]
    search = f"/api/queries/search?{urlencode({'text': words, 'format': 'csv'})}" if words else None
    return render_page(
        "ld_not_found.html",
        status_code=404,
        iri=error.iri,
        reason=str(error).removeprefix(f"{error.iri}: "),
        types=sorted(RESOURCE_TYPES),
        id_base=state.settings.id_base.rstrip("/") + "/",
        search_url=search,
        search_text=words,
        lang=lang,
        version=state.version,
    )


# --- the ontology -------------------------------------------------------------------------------------------------

DOC_DEF = """The CoopGraph ontology (`https://w3id.org/coopgraph/def#…`): an HTML documentation page for browsers
(classes, properties, definitions en/fr, alignments, the SHACL shapes that apply; each term at `#Term`), or the
ontology graph in Turtle, JSON-LD, N-Triples or RDF/XML by Accept (or `format=`)."""


@router.get("/def", summary="The ontology (HTML documentation or RDF)", description=DOC_DEF)
@router.head("/def", include_in_schema=False)
def ontology(
    request: Request, state: State, cache: Cache, format: FormatParameter = None, lang: LangParameter = None
) -> Response:
    check_format_parameter(format, LINKED_DATA_OFFERS)
    chosen = choose(request.headers.get("accept"), format, LINKED_DATA_OFFERS)
    if chosen is None:
        raise NotAcceptableError("the ontology", tuple(f.media_type for f in LINKED_DATA_OFFERS))
    language = preferred_language(request)
    base = state.settings.public_base
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept, Accept-Language",
        "Link": ", ".join(
            f'<{base}/def?format={EXTENSION_OF[f.key]}>; rel="alternate"; type="{f.media_type}"'
            for f in LINKED_DATA_OFFERS
        ),
        **validators(strong_etag(state.version, "def", chosen.key, language), state.built_at),
    }
    if is_not_modified(request, headers["ETag"], state.built_at):
        return not_modified(headers)
    if chosen is HTML:
        formats = [
            {"name": NAMES[f.key], "media_type": f.media_type, "href": f"{base}/def?format={EXTENSION_OF[f.key]}"}
            for f in LINKED_DATA_OFFERS
            if f is not HTML
        ]
        return render_page(
            "ontology.html",
            headers=headers,
            doc=cache.ontology_doc(state, language),
            formats=formats,
            lang=language,
            version=state.version,
        )
    dump = ONTOLOGY_DUMPS.get(chosen.key)
    body = state.dump_file(dump).read_bytes() if dump else serialise_graph(cache.ontology(state), chosen)
    return Response(body, media_type=chosen.content_type, headers=headers)


@router.get("/def/", include_in_schema=False)
def ontology_slash() -> Response:
    return Response(status_code=308, headers={"Location": "/def"})
