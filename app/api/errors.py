"""Map the core's and the protocol's exceptions to HTTP status codes, in this one place.

Bodies are plain UTF-8 text with the exception's message: what went wrong and what to do. Never a stack trace, and
never a 500 for bad input: anything unexpected is logged and answered with a short generic message.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from app.api.content_negotiation import BadFormatParameterError
from app.api.request_observer import remember_error  # operations (issue 8): refusals counted by reason
from app.api.sparql_protocol import ProtocolError, RequestTooLargeError
from app.api.state import DumpsUnavailableError, ServiceLoadingError
from app.core.canned_queries import ParameterError, UnknownQueryError
from app.core.graph_store import BackendError
from app.core.linked_data import UnknownResourceError
from app.core.query_execution import QueryServiceBusyError, QueryTimeoutError, QueryWorkerCrashedError
from app.core.query_guard import (
    QuerySyntaxError,
    ServiceRefusedError,
    UninspectableQueryError,
    UnknownGraphError,
    UpdateRefusedError,
)
from app.core.query_worker import QueryEvaluationError
from app.core.result_formats import NotAcceptableError

log = logging.getLogger("coopgraph.http")

STATUS: dict[type[Exception], int] = {
    ProtocolError: 400,
    BadFormatParameterError: 400,
    QuerySyntaxError: 400,
    UnknownGraphError: 400,
    UninspectableQueryError: 400,
    QueryEvaluationError: 400,
    ParameterError: 400,
    UnknownQueryError: 404,
    UnknownResourceError: 404,
    UpdateRefusedError: 403,
    ServiceRefusedError: 403,
    NotAcceptableError: 406,
    RequestTooLargeError: 413,
    QueryTimeoutError: 503,
    QueryServiceBusyError: 503,
    QueryWorkerCrashedError: 503,
    ServiceLoadingError: 503,
    DumpsUnavailableError: 503,
    BackendError: 502,
}
"""Every exception a client can cause or must be told about, and its status."""

RETRY_AFTER_S = "5"


def error_response(error: Exception) -> Response:
    """The response for a known exception: its status, its message as text, Retry-After on 503."""
    status = next(code for kind, code in STATUS.items() if isinstance(error, kind))
    headers = {"Retry-After": RETRY_AFTER_S} if status == 503 else {}
    return PlainTextResponse(f"{error}\n", status_code=status, headers=headers, media_type="text/plain; charset=utf-8")


async def _known(request: Request, error: Exception) -> Response:
    remember_error(request.scope, error)
    return error_response(error)


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return PlainTextResponse(
        "internal error: the service could not answer this request (details are in the server log)\n",
        status_code=500,
        media_type="text/plain; charset=utf-8",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping on the app."""
    for kind in STATUS:
        app.add_exception_handler(kind, _known)
    app.add_exception_handler(Exception, _unexpected)
