"""Run the service under uvicorn: one process, or several worker processes on one port sharing one store.

One process: the app object is built here and served. Several (`workers` > 1): uvicorn starts each worker as a
fresh interpreter that builds its app from the environment (`app.api.main:create_app`), so every setting must be in
the environment or `.env` (the CLI exports its options first). The first worker builds the persisted store under a
file lock, the others then open it read-only. Their metrics go to a shared folder (prometheus-client multiprocess
mode) so a scrape sees the sums, whichever worker answers.

Either way uvicorn's own proxy-header handling is off (the app trusts only `trusted_proxies`), its access log is off
(the app logs one JSON line per request), and on SIGTERM in-flight requests get `shutdown_grace_s` to finish.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from app.core.catalogue_cache import prestart_check
from app.core.config import Settings
from app.core.knowledge_cache import store_root
from app.core.structured_logging import configure_logging, uvicorn_log_config
from app.core.worker_interpreters import prestart

log = logging.getLogger("coopgraph")

APP_FACTORY = "app.api.main:create_app"
WORKER_HEALTHCHECK_S = 60
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own switch, read when it is imported


def run_server(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM (blocking)."""
    configure_logging(settings.log_level)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": uvicorn_log_config(settings.log_level),
        "access_log": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
        # a worker building a large store may hold the GIL for seconds; uvicorn's 5 s would restart it in a loop
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_S,
    }
    if settings.workers == 1:
        prestart_check(settings)  # issue 7: the canned queries' full check, if not kept, runs while this process starts
        if settings.backend is None:  # issue 7: the query workers import while this process imports and loads
            prestart(settings.query_workers)
        from app.api.main import create_app

        with multiprocess_metrics_dir(create=False):
            uvicorn.run(create_app(settings), **options)
        return
    if store_root(settings) is None:
        log.warning(
            "%d workers without COOPGRAPH_STORE_PATH (or cache_dir): each builds its own store; set it to share one",
            settings.workers,
        )
    with multiprocess_metrics_dir(create=True):
        uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **options)


@contextmanager
def multiprocess_metrics_dir(create: bool) -> Iterator[Path | None]:
    """An empty folder for the workers' metrics, exported as PROMETHEUS_MULTIPROC_DIR before they start.

    An operator's own folder is emptied of old values first (the library requires it, or old counts are summed in);
    without one, a temporary folder is made (if `create`) and removed when the server stops.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield folder
        return
    if not create:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="coopgraph-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
