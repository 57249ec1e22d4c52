"""`/health`, `/ready` and `/metrics`: what a load balancer, an orchestrator and Prometheus ask the service.

All three are `async` and touch neither the query workers nor the thread pool, so a long query (or a pool full of
them) never delays them: /health only proves the process answers; /ready asks the store itself one trivial question
(an ASK that stops at the first triple, microseconds on the event loop) and reads what the last load recorded.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.api.service_startup import ServiceStartup
from app.api.state import ServiceState
from app.core.metrics import ServiceMetrics

router = APIRouter(tags=["operations"])

NO_STORE = {"Cache-Control": "no-store"}


@router.get("/health", summary="Liveness: the process answers")
@router.head("/health", include_in_schema=False)
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.head("/ready", include_in_schema=False)
@router.get(
    "/ready",
    summary="Readiness: the graph is loaded and the store answers (503 while loading)",
    description="200 with the data version, triple count, graphs, how the store was loaded and the query workers; "
    "503 with `status` loading, failed or unavailable (and Retry-After) otherwise.",
)
async def ready(request: Request) -> JSONResponse:
    state: ServiceState | None = getattr(request.app.state, "coop", None)
    if state is None:
        startup: ServiceStartup | None = getattr(request.app.state, "startup", None)
        body: dict[str, Any] = {"status": "failed" if startup and startup.status == "failed" else "loading"}
        if startup is not None and startup.error:
            body["error"] = startup.error
        return _not_ready(body)
    try:
        await asyncio.to_thread(state.store.ping)  # a backend answers over the network: never on the loop
    except Exception as error:  # whatever the store raises, the answer is the same: not ready, and why
        return _not_ready({"status": "unavailable", "error": f"the store did not answer: {error}"})
    return JSONResponse(_readiness(state, request.app.state.metrics), headers=NO_STORE)


@router.get("/metrics", summary="Prometheus metrics (text format; OpenMetrics if the scraper asks for it)")
async def metrics(request: Request) -> Response:
    body, content_type = request.app.state.metrics.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type, headers=NO_STORE)


def _readiness(state: ServiceState, metrics: ServiceMetrics) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "ready", "version": state.version, "dumps": state.dumps_status}
    facts = metrics.last_load
    if facts is not None:
        body |= {
            "triples": facts.triples,
            "graphs": len(facts.triples_by_graph),
            "store": "reused" if facts.reused else "built",
            "load_seconds": round(facts.seconds, 3),
            "loaded_at": datetime.fromtimestamp(facts.loaded_at, UTC).isoformat(timespec="seconds"),
        }
    if state.settings.backend is not None:  # issue 7: served from the scale-out backend
        body |= {"store": "backend", "backend": state.settings.backend}
    counts = metrics.worker_counts()
    if counts is not None:
        body["query_workers"] = {"configured": counts.configured, "alive": counts.alive, "busy": counts.busy}
    return body


def _not_ready(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=503, headers={**NO_STORE, "Retry-After": "5"})
