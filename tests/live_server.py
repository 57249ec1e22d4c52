"""A live CoopGraph server over real HTTP in a background thread: the one way the suite runs a server in process.

`serve_in_thread(make_settings)` binds a free 127.0.0.1 port, builds the settings for that URL, starts uvicorn in a
daemon thread (the app's lifespan builds or opens the store and starts its query workers) and stops it on exit.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from app.api.main import create_app
from app.core.config import Settings


@dataclass
class LiveServer:
    """A running server: its base URL, settings and app (whose state holds the store)."""

    url: str
    settings: Settings
    app: FastAPI

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"


def free_port() -> int:
    """A TCP port nothing listens on right now (for a server started as a separate process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(
    make_settings: Callable[[str], Settings],
    startup_timeout_s: float = 180,
    *,
    wait_ready: bool = False,
    **uvicorn_options: Any,
) -> Iterator[LiveServer]:
    """Serve the app the settings describe on a free 127.0.0.1 port until the block ends.

    `wait_ready`: also wait for /ready to answer 200 (a background load); `uvicorn_options` go to uvicorn.Config.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(url)
    app = create_app(settings)
    options = {"log_level": "warning", "lifespan": "on", "timeout_graceful_shutdown": 5} | uvicorn_options
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started or (wait_ready and httpx.get(f"{url}/ready").status_code != 200):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start (see the log above)")
        time.sleep(0.05)
    try:
        yield LiveServer(url, settings, app)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
