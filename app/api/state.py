"""What the running service holds: the built knowledge, its store, and its dumps (set once at startup)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from app.core.config import Settings
from app.core.dumps import Dump
from app.core.knowledge import Knowledge
from app.core.store import EmbeddedStore


@dataclass
class ServiceState:
    """The loaded graph: the only state the app keeps."""

    settings: Settings
    knowledge: Knowledge
    store: EmbeddedStore
    dumps_dir: Path
    dumps: list[Dump]


def get_state(request: Request) -> ServiceState:
    """FastAPI dependency: the service state set by the lifespan."""
    state: ServiceState = request.app.state.coop
    return state
