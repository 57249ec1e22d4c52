"""Answer a query from the result cache when it can, with an ETag, and 304 Not Modified when the client has it.

Shared by `/sparql` and `/api/queries/{name}`: the route builds the job exactly as before; this looks it up by its
cache key (query text up to layout, bindings, dataset, formats, data version), else runs it on the workers and
keeps the answer. The ETag is derived from the same key, so a client revalidating after a reload gets the new
bytes, and one revalidating the same version gets a 304 without any evaluation.

`CachedResponseShortcut` then answers a GET it has seen before — same path, query string and Accept header, same
data version — straight from the cache, before routing, parameter parsing and content negotiation run again: on a
2-core machine that is the difference between ~1,000 and several thousand cached answers per second. It sits
innermost (inside CORS, logging and metrics), so every request is still counted and logged.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.conditional import is_not_modified, not_modified
from app.api.state import ServiceState
from app.core.query_worker import QueryJob, QueryResult
from app.core.result_cache import ResultCache, cache_key, etag_of

SHORTCUT_PATHS = ("/sparql", "/api/queries/")
MAX_SIGNATURES = 10_000


def result_cache_of(request: Request) -> ResultCache | None:
    """The app's result cache (set by create_app), or None when there is none or it is switched off."""
    cache: ResultCache | None = getattr(request.app.state, "result_cache", None)
    return cache if cache is not None and cache.enabled else None


async def cached_response(
    request: Request, state: ServiceState, job: QueryJob, respond: Callable[[QueryResult], Response]
) -> Response:
    """`respond(result)` with validators, the result taken from the cache or evaluated (and then cached)."""
    cache = result_cache_of(request)
    if cache is None:
        return respond(await state.queries.run(job))
    key = cache_key(job, state.version)
    validators = {"ETag": etag_of(key), "Vary": "Accept"}
    if is_not_modified(request, validators["ETag"], None):
        return not_modified(validators)
    result = cache.get(key)
    if result is None:
        result = await state.queries.run(job)
        cache.put(key, result)
    response = respond(result)
    response.headers.update(validators)
    shortcuts: ResponseShortcuts | None = getattr(request.app.state, "response_shortcuts", None)
    if shortcuts is not None and request.method == "GET":
        shortcuts.remember(request.scope, state.version, key, response.raw_headers)
    return response


@dataclass(frozen=True)
class _Shortcut:
    version: str
    key: str
    headers: list[tuple[bytes, bytes]]


def _signature(scope: Scope) -> tuple[str, bytes, bytes] | None:
    """What decides the answer of a GET: path, raw query string and Accept; None when it must take the full road."""
    accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value
        elif name in (b"if-none-match", b"if-modified-since"):
            return None  # conditional requests are answered by the route (304 or full)
    return scope["path"], scope.get("query_string", b""), accept


class ResponseShortcuts:
    """Request signature → (data version, cache key, response headers) of answers the route has given."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, bytes, bytes], _Shortcut] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, scope: Scope, version: str, key: str, headers: list[tuple[bytes, bytes]]) -> None:
        signature = _signature(scope)
        if signature is None:
            return
        kept = [(name, value) for name, value in headers if name != b"content-length"]
        with self._lock:
            self._entries[signature] = _Shortcut(version, key, kept)
            self._entries.move_to_end(signature)
            while len(self._entries) > MAX_SIGNATURES:
                self._entries.popitem(last=False)

    def find(self, scope: Scope) -> _Shortcut | None:
        signature = _signature(scope)
        if signature is None:
            return None
        with self._lock:
            return self._entries.get(signature)


class CachedResponseShortcut:
    """ASGI middleware: a GET seen before, on the same data version, is answered from the result cache directly."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(SHORTCUT_PATHS):
            body, headers = self._cached(scope)
            if body is not None:
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _cached(scope: Scope) -> tuple[bytes | None, list[tuple[bytes, bytes]]]:
        app_state = scope["app"].state
        shortcuts: ResponseShortcuts | None = getattr(app_state, "response_shortcuts", None)
        cache: ResultCache | None = getattr(app_state, "result_cache", None)
        live: ServiceState | None = getattr(app_state, "coop", None)
        if shortcuts is None or cache is None or live is None:
            return None, []
        shortcut = shortcuts.find(scope)
        if shortcut is None or shortcut.version != live.version:
            return None, []
        result = cache.get(shortcut.key)
        if result is None:
            return None, []
        return result.body, [*shortcut.headers, (b"content-length", str(len(result.body)).encode())]
