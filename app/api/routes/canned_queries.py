"""`/api/queries`: the catalogue of canned queries, and one operation per query to run it.

The routes are generated from the catalogue when the app is created, so /openapi.json lists each query with its
typed parameters. Running a query takes the same road as /sparql: parameters become RDF terms (canned_queries),
the worker pool guards and evaluates, and the result is negotiated and serialised exactly as /sparql does.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.api.cached_results import cached_response
from app.api.content_negotiation import check_format_parameter, choose
from app.api.request_observer import note_query
from app.api.routes.sparql import _results_response
from app.api.sparql_protocol import FORM, ProtocolError, decode_form, query_string_pairs, read_body
from app.api.state import get_state
from app.core.bound_queries import inline_parameters
from app.core.canned_queries import CannedQuery, Catalogue, bind_parameters, describe_type, parameters_from_json
from app.core.canned_query_description import catalogue_json, openapi_schema
from app.core.query_worker import QueryJob
from app.core.result_formats import GRAPH_FORMATS, RESULTS_FORMATS

JSON = "application/json"
TAG = "canned queries"
LIST_DOC = """The canned queries: for each, its name, title and description in English and French, its typed
parameters (with allowed values, defaults, examples and the query that lists values for a picker), its default view
(table, map, timeline, network) with the columns it reads, its result columns and its SPARQL."""


def router_for(catalogue: Catalogue) -> APIRouter:
    """The list route, one GET and one POST operation per query, and a 404 for names not in the catalogue."""
    router = APIRouter(tags=[TAG])

    @router.get("/api/queries", summary="List the canned queries", description=LIST_DOC)
    def list_queries(request: Request) -> JSONResponse:
        base = get_state(request).settings.public_base
        return JSONResponse(catalogue_json(catalogue, base), headers={"Cache-Control": "public, max-age=60"})

    for query in catalogue:
        _add_operations(router, query)

    @router.api_route("/api/queries/{name}", methods=["GET", "POST"], include_in_schema=False)
    def unknown_query(name: str) -> Response:
        catalogue.get(name)  # raises UnknownQueryError (404) with the names there are
        raise AssertionError("a known query has its own route")

    return router


def _add_operations(router: APIRouter, query: CannedQuery) -> None:
    header = query.header
    endpoint = _runner(query)
    common: dict[str, Any] = {
        "summary": header.title.en,
        "description": f"{header.description.en}\n\n*{header.title.fr}* — {header.description.fr}",
        "response_class": Response,
        "responses": _responses(query),
    }
    router.add_api_route(
        f"/api/queries/{query.name}",
        endpoint,
        methods=["GET"],
        operation_id=f"get_{query.name.replace('-', '_')}",
        openapi_extra={"parameters": [*_query_parameters(query), _FORMAT_PARAMETER]},
        **common,
    )
    router.add_api_route(
        f"/api/queries/{query.name}",
        endpoint,
        methods=["POST"],
        operation_id=f"post_{query.name.replace('-', '_')}",
        openapi_extra={"parameters": [_FORMAT_PARAMETER], "requestBody": _request_body(query)},
        **common,
    )


def _runner(query: CannedQuery) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        state = get_state(request)
        pairs = await read_parameters(request, state.settings.max_request_bytes)
        format_parameter = _take_format(pairs)
        note_query(request, query.sparql, query.name, pairs)  # operations (issue 8): latency by query, slow log
        check_format_parameter(format_parameter, RESULTS_FORMATS, GRAPH_FORMATS)
        bindings = bind_parameters(query, pairs)
        accept = request.headers.get("accept")
        results_format = choose(accept, format_parameter, RESULTS_FORMATS)
        graph_format = choose(accept, format_parameter, GRAPH_FORMATS)
        inlined = inline_parameters(query.sparql, bindings)  # issue 7: Oxigraph plans with the values (6-13x)
        job = QueryJob(
            query.sparql if inlined is None else inlined,
            results_format.key if results_format else None,
            graph_format.key if graph_format else None,
            substitutions=tuple(bindings.items()) if inlined is None else (),
            union_of_all_graphs=True,  # whatever default_graph says: the queries are written against the inferences
            guard_sparql=None if inlined is None else query.sparql,
        )
        return await cached_response(request, state, job, _results_response)  # result cache, ETag

    run.__name__ = f"run_{query.name.replace('-', '_')}"
    return run


async def read_parameters(request: Request, max_bytes: int) -> list[tuple[str, str]]:
    """Name, value pairs from the URL and, for POST, a form or JSON object body (strict UTF-8, size-capped)."""
    pairs = query_string_pairs(request, max_bytes)
    if request.method != "POST":
        return pairs
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, max_bytes)
    if media == FORM:
        return pairs + decode_form(body, "form body")
    if media == JSON:
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ProtocolError("the body is not valid UTF-8 JSON") from None
        return pairs + parameters_from_json(document)
    if not body:
        return pairs
    raise ProtocolError(f"unsupported Content-Type {media or 'none'!r}: POST parameters as {FORM} or as {JSON}")


def _take_format(pairs: list[tuple[str, str]]) -> str | None:
    """Remove `format=` from the pairs and return it (given at most once)."""
    values = [value for name, value in pairs if name == "format"]
    if len(values) > 1:
        raise ProtocolError("the request has several 'format' parameters; send one")
    pairs[:] = [(name, value) for name, value in pairs if name != "format"]
    return values[0] if values else None


# --- OpenAPI ------------------------------------------------------------------------------------------------------

_FORMAT_PARAMETER: dict[str, Any] = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "Result format, overriding the Accept header (as on /sparql)",
    "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv"]},
}


def _parameter_text(query: CannedQuery, name: str) -> str:
    parameter = query.parameter(name)
    assert parameter is not None
    text = f"{parameter.title.en} ({describe_type(parameter)})"
    if parameter.description is not None:
        text += f". {parameter.description.en}"
    if parameter.values_from is not None:
        text += f". Values: the `{parameter.values_from.value}` column of /api/queries/{parameter.values_from.query}"
    return text


def _query_parameters(query: CannedQuery) -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": _parameter_text(query, p.name),
            "schema": openapi_schema(p),
        }
        for p in query.header.parameters
    ]


def _request_body(query: CannedQuery) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            p.name: {**openapi_schema(p), "description": _parameter_text(query, p.name)}
            for p in query.header.parameters
        },
        "required": [p.name for p in query.header.parameters if p.required],
    }
    return {"required": False, "content": {FORM: {"schema": schema}, JSON: {"schema": schema}}}


def _responses(query: CannedQuery) -> dict[int | str, dict[str, Any]]:
    offered = GRAPH_FORMATS if query.form in ("CONSTRUCT", "DESCRIBE") else RESULTS_FORMATS
    return {
        200: {
            "description": f"The results of {query.name} (columns: {', '.join(query.columns) or 'a graph'})",
            "content": {f.media_type: {} for f in offered},
        },
        400: {"description": "A parameter is missing, unknown or not of its type; the message names it"},
        406: {"description": "No result format the client accepts"},
        413: {"description": "The request is larger than the configured cap"},
        503: {"description": "The query ran out of time or every worker is busy (Retry-After)"},
    }
