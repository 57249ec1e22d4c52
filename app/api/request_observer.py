"""One JSON log line and the request metrics for every HTTP request; a slow-query line for slow queries.

A pure ASGI middleware (outermost but for the proxy-headers one, so it times everything the app does and sees the
client address the trusted proxy gave). What only the routes know reaches it through the request's scope: the query
text and canned query name (`note_query`, called by /sparql and /api/queries/…) and the error the HTTP layer mapped
to a status (`remember_error`, called by errors.py), from which it counts refusals by reason.

If the server cancels a request before it is answered (uvicorn does when SIGTERM's grace period is over), the client
gets a clean 503 saying so, instead of a dropped connection or a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.sparql_protocol import ProtocolError, RequestTooLargeError
from app.core.canned_queries import ParameterError
from app.core.config import Settings
from app.core.metrics import ServiceMetrics
from app.core.query_execution import QueryServiceBusyError
from app.core.query_guard import (
    QuerySyntaxError,
    ServiceRefusedError,
    UninspectableQueryError,
    UnknownGraphError,
    UpdateRefusedError,
)

access_log = logging.getLogger("coopgraph.access")
slow_log = logging.getLogger("coopgraph.slow_query")

QUERY_KEY = "coopgraph.query"
ERROR_KEY = "coopgraph.error"
UNMATCHED_ROUTE = "unmatched"
QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})  # probes and scrapes: logged at DEBUG, still counted
HASH_CHARS = 16
TRUNCATION_HEADER = b"x-coopgraph-truncation-reason"
SHUTTING_DOWN = b"the service is shutting down and stopped this request before it was answered; retry\n"

REJECTIONS: tuple[tuple[type[Exception], str], ...] = (
    (UpdateRefusedError, "update"),
    (ServiceRefusedError, "service"),
    (UnknownGraphError, "graph"),
    (RequestTooLargeError, "size"),
    (QuerySyntaxError, "syntax"),
    (UninspectableQueryError, "uninspectable"),
    (ProtocolError, "protocol"),
    (ParameterError, "parameter"),
    (QueryServiceBusyError, "busy"),
)
"""Refusals counted in coopgraph_queries_rejected_total, by reason (the first matching class wins)."""


@dataclass(frozen=True)
class NotedQuery:
    """The query a request carried: its text, the canned query's name and its parameters."""

    text: str
    name: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def hash(self) -> str:
        return query_hash(self.text, self.parameters)


def query_hash(text: str, parameters: Sequence[tuple[str, str]] = ()) -> str:
    """A short sha256 of the query with its whitespace normalised (and its parameters, sorted): groups repeats."""
    normalised = " ".join(text.split())
    if parameters:
        normalised += "\n" + json.dumps(sorted(parameters), ensure_ascii=False)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:HASH_CHARS]


def note_query(
    request: Request, text: str, name: str | None = None, parameters: Sequence[tuple[str, str]] = ()
) -> None:
    """Tell the request log which query this request runs (routes call it once they have read the query)."""
    request.scope[QUERY_KEY] = NotedQuery(text, name, tuple(parameters))


def remember_error(scope: Scope, error: Exception) -> None:
    """Tell the request log which known error answered this request (errors.py calls it)."""
    scope[ERROR_KEY] = error


def rejection_reason(error: object) -> str | None:
    """The `reason` label for a refused query request, or None for other errors."""
    return next((reason for kind, reason in REJECTIONS if isinstance(error, kind)), None)


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/id/{type}/{slug}`), never the raw path: a bounded label set."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


@dataclass
class _Exchange:
    """What the middleware learns about the response as it passes."""

    status: int | None = None
    bytes: int = 0
    truncated: str | None = None
    cancelled: bool = False


class RequestObserver:
    """ASGI middleware: metrics and one log line per HTTP request, a slow-query line, a 503 if cancelled."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, settings: Settings) -> None:
        self.app = app
        self.metrics = metrics
        self.slow_query_s = settings.slow_query_ms / 1000
        self.slow_query_chars = settings.slow_query_log_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _Exchange()
        started = time.perf_counter()

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = int(message["status"])
                exchange.truncated = _header(message, TRUNCATION_HEADER)
            elif message["type"] == "http.response.body":
                exchange.bytes += len(message.get("body", b""))
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, observed_send)
        except asyncio.CancelledError:
            if exchange.status is not None:  # half-sent: nothing clean left to say
                raise
            exchange.cancelled = True
            _uncancel()
            await _answer_cancelled(observed_send)
        except Exception:
            exchange.status = exchange.status or 500
            raise
        finally:
            self.metrics.in_progress.dec()
            self._record(scope, exchange, time.perf_counter() - started)

    def _record(self, scope: Scope, exchange: _Exchange, seconds: float) -> None:
        route = route_template(scope)
        method = str(scope.get("method", ""))
        status = exchange.status or 500
        query: NotedQuery | None = scope.get(QUERY_KEY)
        error = scope.get(ERROR_KEY)
        reason = rejection_reason(error)
        self.metrics.observe_request(route, method, status, seconds)
        self.metrics.sync_caches()
        if query is not None:
            self.metrics.observe_query(query.name, seconds)
        if reason is not None:
            self.metrics.query_rejected(reason)
        if exchange.truncated is not None:
            self.metrics.results_truncated(exchange.truncated)
        fields = {
            "event": "request",
            "method": method,
            "route": route,
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "bytes": exchange.bytes,
            "client": _client(scope),
            "query_hash": query.hash if query else None,
            "query_name": query.name if query else None,
            "rejected": reason,
            "error": type(error).__name__ if error is not None else None,
            "truncated": exchange.truncated,
            "cancelled": exchange.cancelled or None,
        }
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        if access_log.isEnabledFor(level):
            message = f"{method} {scope.get('path')} {status} {fields['duration_ms']} ms"
            access_log.log(level, message, extra={"fields": fields})
        if query is not None and seconds >= self.slow_query_s:
            self._log_slow(query, fields)

    def _log_slow(self, query: NotedQuery, request_fields: dict[str, object]) -> None:
        text = query.text if len(query.text) <= self.slow_query_chars else query.text[: self.slow_query_chars] + "…"
        fields = {
            **{key: request_fields[key] for key in ("route", "status", "duration_ms", "client", "query_hash")},
            "event": "slow_query",
            "threshold_ms": round(self.slow_query_s * 1000),
            "query_name": query.name,
            "parameters": dict(query.parameters) or None,
            "query": text,
            "query_chars": len(query.text),
        }
        slow_log.warning("slow query: %s ms", request_fields["duration_ms"], extra={"fields": fields})


def _header(message: Message, name: bytes) -> str | None:
    for key, value in message.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _client(scope: Scope) -> str | None:
    """The client's address: the peer's, or the one a trusted proxy forwarded (ProxyHeadersMiddleware set it)."""
    client = scope.get("client")
    return str(client[0]) if client else None


def _uncancel() -> None:
    """We answer instead of dying: undo the cancellation request so the task ends normally right after."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


async def _answer_cancelled(send: Send) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(SHUTTING_DOWN)).encode()),
        (b"retry-after", b"5"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": SHUTTING_DOWN})
