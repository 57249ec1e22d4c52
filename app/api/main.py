"""The FastAPI application factory: prepare the store once, start the query workers, then mount the routers."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.api.cached_results import CachedResponseShortcut, ResponseShortcuts
from app.api.errors import install_error_handlers
from app.api.linked_data_state import LinkedDataCache
from app.api.observability import install_observability, new_metrics
from app.api.routes import canned_queries, curation, downloads, linked_data, operations, page, sparql, vocabulary
from app.api.security_headers import STATIC_PATH, PageSecurityHeaders, static_files
from app.api.service_startup import ServiceStartup
from app.api.state import ServiceState, StateReloader, VersionWatcher
from app.core.canned_queries import Catalogue, load_catalogue
from app.core.canned_query_description import describe_catalogue
from app.core.catalogue_cache import load_catalogue_cached
from app.core.config import Settings, SettingsError, get_settings
from app.core.dumps import written
from app.core.graph_store import GraphStore
from app.core.knowledge import Knowledge
from app.core.knowledge_cache import kept_descriptions, kept_graph_counts, restore_knowledge
from app.core.metrics import NO_QUERY_EVENTS, ServiceMetrics, load_facts
from app.core.persisted_store import PreparedStore, prepare_store, stored_version
from app.core.query_execution import executor_for
from app.core.result_cache import ResultCache
from app.core.service_description import describe_service, serialize_description
from app.core.store import EmbeddedStore

log = logging.getLogger("coopgraph")

EXPOSED_HEADERS = [sparql.TRUNCATED_HEADER, sparql.TRUNCATION_REASON_HEADER, "Retry-After"]


def load_state(
    settings: Settings, workdir: Path, catalogue: Catalogue | None = None, metrics: ServiceMetrics | None = None
) -> ServiceState:
    """Open the persisted store if the data is unchanged, else parse → validate → infer → index; start the workers.

    With a backend (issue 7), serve what `coopgraph load` wrote there instead: see load_backend_state.
    """
    if settings.backend is not None:
        return load_backend_state(settings, workdir, catalogue, metrics)
    started = time.monotonic()
    prepared = prepare_store(settings, workdir, dumps_in_background=True)  # issue 7: ready before the dumps
    queries = executor_for(settings, prepared.store_dir, metrics or NO_QUERY_EVENTS)
    with ThreadPoolExecutor(1) as starter:  # issue 7: the query workers start while the store is opened and counted
        workers_started = starter.submit(queries.start)
        try:
            store = EmbeddedStore.open_read_only(prepared.store_dir)
            queries_catalogue = catalogue or load_catalogue(settings.queries_dir)
            # kept by a large build, else a full scan (~3 s at a million) once per data version: description, /metrics
            counts = kept_graph_counts(prepared.dumps_dir, store.triple_count_by_graph)
        finally:
            workers_started.result()
    descriptions = described_in_background(
        store, settings, prepared.version, counts, queries_catalogue, prepared.dumps_dir
    )
    if metrics is not None:  # operations (issue 8): load duration, triples per graph, for /ready and /metrics
        metrics.record_load(load_facts(prepared.version, prepared.reused, started, counts))
    log.info(
        "serving data version %s from %s (%s) with %d query workers",
        prepared.version[:12],
        prepared.store_dir,
        "reused, not rebuilt" if prepared.reused else "built now",
        settings.query_workers,
    )
    return ServiceState(
        settings,
        store,
        prepared.dumps_dir,
        prepared.dumps_written,
        prepared.version,
        prepared.built_at,
        queries,
        descriptions,
        _knowledge_loader(settings, prepared),
    )


def load_backend_state(
    settings: Settings, workdir: Path, catalogue: Catalogue | None = None, metrics: ServiceMetrics | None = None
) -> ServiceState:
    """The state of a stateless service over the backend: the data version loaded there, its dumps (mirrored once
    per version into cache_dir), the service description, and guarded forwarding of every query."""
    from app.core.backend_load import mirror_dumps  # httpx and the backend code load only with a backend
    from app.core.remote_execution import BackendQueryExecutor
    from app.core.remote_store import RemoteStore

    started = time.monotonic()
    assert settings.backend is not None and settings.graph_store_url is not None
    store = RemoteStore(
        settings.backend, timeout_s=settings.query_timeout_s + 5, connections=settings.query_workers + 4
    )
    version = store.data_version()
    root = (settings.cache_dir or workdir) / f"backend-{hashlib.sha256(settings.backend.encode()).hexdigest()[:16]}"
    dumps_dir = root / f"dumps-{version[:16]}"
    dumps = mirror_dumps(store, settings.graph_store_url, dumps_dir)
    queries = BackendQueryExecutor(settings, store, metrics or NO_QUERY_EVENTS)
    queries.start()
    queries_catalogue = catalogue or load_catalogue(settings.queries_dir)
    counts = kept_graph_counts(dumps_dir, store.triple_count_by_graph)
    descriptions = described_in_background(store, settings, version, counts, queries_catalogue, dumps_dir)
    if metrics is not None:
        metrics.record_load(load_facts(version, True, started, counts))
    log.info("serving data version %s from the backend %s", version[:12], settings.backend)
    mirrored_at = datetime.fromtimestamp(dumps_dir.stat().st_mtime, tz=UTC).replace(microsecond=0)
    return ServiceState(
        settings, store, dumps_dir, written(dumps), version, mirrored_at, queries, descriptions, _no_knowledge
    )


def described_in_background(
    store: GraphStore,
    settings: Settings,
    version: str,
    counts: dict[str, int],
    catalogue: Catalogue,
    dumps_dir: Path,
) -> Future[dict[str, bytes]]:
    """The SPARQL service description (the store's statistics and the canned queries) serialised in each syntax,
    built by a thread while the port opens (issue 7: ~0.5 s of a seed graph's first start) and kept with the
    version's dumps (~10 s at a million triples, so a restart reads it back); a request for it waits for it.

    Not a daemon: an exit waits for it (the store it reads stays open until then, and the kept file is whole).
    """
    described: Future[dict[str, bytes]] = Future()

    def describe() -> dict[str, bytes]:
        description = describe_service(store, settings, version, counts)
        description += describe_catalogue(catalogue, settings.public_base)
        return serialize_description(description)

    def run() -> None:
        try:
            described.set_result(kept_descriptions(settings, dumps_dir, catalogue, describe))
        except BaseException as error:
            log.exception("the service description could not be built; GET /sparql without a query answers 500")
            described.set_exception(error)

    threading.Thread(target=run, name="coopgraph-describe").start()
    return described


def _version_now(settings: Settings) -> Callable[[ServiceState], str | None]:
    """Where the version of the data now stored is read: the backend's load record, else the store folder's
    manifest (another service process sharing it may have rebuilt it: a curation upload)."""
    if settings.backend is not None:
        return lambda state: state.store.data_version()  # type: ignore[attr-defined, no-any-return]
    return lambda state: stored_version(settings)


def _no_knowledge() -> Knowledge:
    raise RuntimeError("a service over a backend has no input files: the knowledge is built where `load` runs")


def _knowledge_loader(settings: Settings, prepared: PreparedStore) -> Callable[[], Knowledge]:
    """The knowledge built at startup, or (over a reused store) the same pipeline run on first use."""
    built = prepared.knowledge
    if built is not None:
        return lambda: built
    return lambda: restore_knowledge(settings, prepared.store_dir, prepared.dumps_dir, prepared.version)  # issue 7


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app; the graph is loaded when the app starts (lifespan), not at import."""
    settings = settings or _settings_or_exit()
    # routes are generated from it, before startup; issue 7: kept between starts, else its safety check runs in a
    # child process during the load (catalogue_cache.py)
    catalogue_check = load_catalogue_cached(settings)
    catalogue = catalogue_check.catalogue
    metrics = new_metrics(query.name for query in catalogue)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with tempfile.TemporaryDirectory(prefix="coopgraph-") as workdir:

            def load() -> None:
                try:
                    state = load_state(settings, Path(workdir), catalogue, metrics)
                except BaseException:
                    catalogue_check.stop()
                    raise
                app.state.coop = state
                # issue 7: the port opens without waiting for the canned queries' full check (a fresh clone's
                # first start); its verdict is logged, and the workers' guard judges every canned query it runs
                catalogue_check.settle_in_background()
                app.state.coop_reloader = StateReloader(
                    app.state,
                    lambda fresh: load_state(settings, fresh, catalogue, metrics),
                    Path(workdir),
                    settings.query_timeout_s + 5,
                )

            app.state.startup = startup = ServiceStartup(load, background=settings.load_in_background)
            await startup.begin()  # loads now, or (load_in_background) behind /health and a 503 from /ready
            watcher = None
            if settings.reload_poll_s > 0:
                watcher = VersionWatcher(app.state, _version_now(settings), settings.reload_poll_s)
                watcher.start()
            try:
                yield
            finally:
                catalogue_check.finish()  # still running only when the service stops within its first seconds
                if watcher is not None:
                    watcher.close()
                await startup.finish()
                loaded: ServiceState | None = getattr(app.state, "coop", None)
                if loaded is not None:  # dumps still being written go to their end (and the manifest with them)
                    await asyncio.to_thread(wait, [loaded.dumps_written])
                reloader: StateReloader | None = getattr(app.state, "coop_reloader", None)
                if reloader is not None:
                    reloader.close()
                    app.state.coop.queries.close()  # running queries are cancelled: their workers are killed
                metrics.process_exiting()

    app = FastAPI(
        title="CoopGraph",
        version=__version__,
        description="The open knowledge graph of Franco-African academic cooperation.",
        lifespan=lifespan,
    )
    app.add_middleware(CachedResponseShortcut)  # issue 7: first added = innermost (inside CORS, logs, metrics)
    app.state.response_shortcuts = ResponseShortcuts()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=3600,
    )
    install_error_handlers(app)
    app.include_router(operations.router)
    app.include_router(sparql.router)
    app.include_router(page.router)
    app.include_router(downloads.router)
    app.include_router(vocabulary.router)
    app.include_router(canned_queries.router_for(catalogue))
    app.include_router(linked_data.router)
    app.state.linked_data = LinkedDataCache()
    app.state.result_cache = ResultCache(settings.result_cache_mb * 1024 * 1024)  # issue 7: repeated queries
    if settings.curator_token is not None:
        app.include_router(curation.router)
    app.mount(STATIC_PATH, static_files(), name="static")
    app.add_middleware(PageSecurityHeaders)
    install_observability(app, settings, metrics)  # last: its middlewares wrap all the others
    return app


def _settings_or_exit() -> Settings:
    """The environment's settings; if invalid, say which and why on stderr and exit 2 (uvicorn --factory path)."""
    try:
        return get_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
