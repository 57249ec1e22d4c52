"""The FastAPI application factory: build the knowledge once, then mount the routers."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from app import __version__
from app.api.routes import downloads, health
from app.api.state import ServiceState
from app.core.config import Settings, get_settings
from app.core.dumps import write_dumps
from app.core.knowledge import build_knowledge
from app.core.store import EmbeddedStore

log = logging.getLogger("coopgraph")


def load_state(settings: Settings, workdir: Path) -> ServiceState:
    """Parse → validate → infer → index, and write the downloadable dumps."""
    knowledge = build_knowledge(settings)
    store = EmbeddedStore.from_dataset(knowledge.dataset, settings.store_path)
    dumps_dir = workdir / "dumps"
    dumps = write_dumps(knowledge, dumps_dir)
    log.info("loaded %d triples (data version %s)", len(knowledge.dataset), knowledge.version[:12])
    return ServiceState(settings, knowledge, store, dumps_dir, dumps)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app; the graph is loaded when the app starts (lifespan), not at import."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with tempfile.TemporaryDirectory(prefix="coopgraph-") as workdir:
            app.state.coop = load_state(settings, Path(workdir))
            yield

    app = FastAPI(
        title="CoopGraph",
        version=__version__,
        description="The open knowledge graph of Franco-African academic cooperation.",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(downloads.router)
    return app
