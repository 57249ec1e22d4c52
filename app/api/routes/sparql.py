"""`/sparql`: the SPARQL 1.1 Protocol endpoint (GET, HEAD, POST, OPTIONS) and its Service Description.

Thin on purpose: the protocol is read by sparql_protocol, formats chosen by content_negotiation, the query guarded
and evaluated by the core (off the event loop), and errors mapped to statuses in errors.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app.api.cached_results import cached_response
from app.api.content_negotiation import check_format_parameter, choose
from app.api.request_observer import note_query
from app.api.sparql_protocol import SparqlRequest, read_sparql_request
from app.api.state import ServiceState, get_state
from app.core.query_worker import QueryJob, QueryResult
from app.core.result_formats import BY_KEY, GRAPH_FORMATS, RESULTS_FORMATS, NotAcceptableError, ResultFormat
from app.core.service_description import DESCRIPTION_FORMATS

router = APIRouter(tags=["sparql"])
State = Annotated[ServiceState, Depends(get_state)]

ALLOW = "GET, HEAD, POST, OPTIONS"
TRUNCATED_HEADER = "X-CoopGraph-Truncated"
TRUNCATION_REASON_HEADER = "X-CoopGraph-Truncation-Reason"
HTML = ResultFormat("html", "text/html", ("application/xhtml+xml",), ("html",))
DESCRIPTION_OFFERS = tuple(BY_KEY[key] for key in DESCRIPTION_FORMATS)

DOC = """Send a SPARQL 1.1 query as `GET /sparql?query=…`, as a form POST (`query=…`), or as a POST with
`Content-Type: application/sparql-query`. Results by `Accept` (or `format=`): SPARQL JSON/XML/CSV/TSV for SELECT and
ASK; Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads, TriG for CONSTRUCT and DESCRIBE. Read-only: updates, SERVICE and
FROM of graphs not in the store are refused. Without a query, GET returns the Service Description."""


async def sparql(request: Request, state: State) -> Response:
    operation = await read_sparql_request(request, state.settings.max_request_bytes)
    if operation.query is None:
        return await _service_description(request, state, operation.format)
    if _browser_wants_the_page(request, operation):
        return RedirectResponse(f"/?{request.url.query}", status_code=303, headers={"Vary": "Accept"})
    note_query(request, operation.query)  # operations (issue 8): query hash, latency, slow-query log
    return await cached_response(request, state, _job(request, operation), _results_response)  # result cache, ETag


for _method in ("GET", "HEAD", "POST"):  # one route per method: each its own OpenAPI operation id
    router.add_api_route(
        "/sparql",
        sparql,
        methods=[_method],
        summary="SPARQL 1.1 query endpoint",
        description=DOC,
        operation_id=f"sparql_{_method.lower()}",
        include_in_schema=_method != "HEAD",
    )


@router.options("/sparql", summary="Methods of the SPARQL endpoint", include_in_schema=False)
def sparql_options() -> Response:
    return Response(status_code=204, headers={"Allow": ALLOW})


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
def sparql_other_methods() -> Response:
    """405 with every method the endpoint takes (the per-method routes above would each name only their own)."""
    return Response("method not allowed: the SPARQL endpoint is read-only\n", status_code=405, headers={"Allow": ALLOW})


def _browser_wants_the_page(request: Request, operation: SparqlRequest) -> bool:
    """A browser following a `/sparql?query=…` link prefers HTML to any result format: show it the query page."""
    if request.method not in ("GET", "HEAD") or operation.format:
        return False
    offers = (*RESULTS_FORMATS, *GRAPH_FORMATS, HTML)
    return choose(request.headers.get("accept"), None, offers) is HTML


def _job(request: Request, operation: SparqlRequest) -> QueryJob:
    """Negotiate both possible result kinds now (the form is known once parsed, in the worker)."""
    check_format_parameter(operation.format, RESULTS_FORMATS, GRAPH_FORMATS)
    accept = request.headers.get("accept")
    results_format = choose(accept, operation.format, RESULTS_FORMATS)
    graph_format = choose(accept, operation.format, GRAPH_FORMATS)
    return QueryJob(
        operation.query or "",
        results_format.key if results_format else None,
        graph_format.key if graph_format else None,
        operation.default_graph_uris,
        operation.named_graph_uris,
    )


def _results_response(result: QueryResult) -> Response:
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers[TRUNCATED_HEADER] = "true"
        headers[TRUNCATION_REASON_HEADER] = result.truncated
    return Response(result.body, media_type=BY_KEY[result.format].content_type, headers=headers)


async def _service_description(request: Request, state: State, format_parameter: str | None) -> Response:
    """The description in RDF, or a 303 to the query page for a browser."""
    if format_parameter:
        check_format_parameter(format_parameter, (HTML, *DESCRIPTION_OFFERS))
    chosen = choose(request.headers.get("accept"), format_parameter, (*DESCRIPTION_OFFERS, HTML))
    if chosen is None:
        raise NotAcceptableError("the service description", tuple(f.media_type for f in (*DESCRIPTION_OFFERS, HTML)))
    if chosen is HTML:
        return RedirectResponse("/", status_code=303, headers={"Vary": "Accept"})
    body = await state.service_description(chosen.key)
    return Response(body, media_type=chosen.content_type, headers={"Vary": "Accept"})
