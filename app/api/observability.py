"""Wire the operations side into an app: its metrics, JSON logs, the request observer and the trusted proxies.

Called once by create_app after every other middleware is added, so the request observer wraps them all and the
proxy-headers middleware wraps the observer (it must rewrite the client address before anyone reads it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api.request_observer import RequestObserver
from app.core.config import Settings
from app.core.metrics import ServiceMetrics, WorkerCounts
from app.core.result_cache import result_cache_stats
from app.core.structured_logging import configure_logging


def new_metrics(canned_query_names: Iterable[str]) -> ServiceMetrics:
    """The app's metrics, with a (zero) latency histogram for each canned query already there."""
    metrics = ServiceMetrics()
    metrics.declare_canned_queries(canned_query_names)
    return metrics


def install_observability(app: FastAPI, settings: Settings, metrics: ServiceMetrics) -> None:
    """JSON logs at the configured level, metrics fed from the live state, the observer and proxy middlewares."""
    configure_logging(settings.log_level)
    app.state.metrics = metrics
    metrics.watch_query_workers(lambda: _worker_counts(app))
    metrics.watch_cache("results", lambda: _result_cache_stats(app))
    app.add_middleware(RequestObserver, metrics=metrics, settings=settings)
    if settings.trusted_proxies:
        app.add_middleware(TrustedProxies, trusted_hosts=settings.trusted_proxies)


class TrustedProxies:
    """uvicorn's ProxyHeadersMiddleware, trusting only `settings.trusted_proxies`, whatever server runs the app.

    From a trusted peer, X-Forwarded-For gives the client address (the nearest address that is not itself a trusted
    proxy) and X-Forwarded-Proto the scheme; from any other peer both headers are ignored. Run uvicorn itself with
    --no-proxy-headers (`coopgraph serve` does), or its own default would trust 127.0.0.1 before this one decides.
    """

    def __init__(self, app: ASGIApp, trusted_hosts: list[str]) -> None:
        self._inner: Any = ProxyHeadersMiddleware(app, trusted_hosts=trusted_hosts)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._inner(scope, receive, send)


def _worker_counts(app: FastAPI) -> WorkerCounts | None:
    state = getattr(app.state, "coop", None)
    if state is None:
        return None
    alive, idle = state.queries.worker_counts()
    return WorkerCounts(state.queries.size, alive, idle)


def _result_cache_stats(app: FastAPI) -> Mapping[str, int] | None:
    cache = getattr(app.state, "result_cache", None)
    return None if cache is None else result_cache_stats(cache)
