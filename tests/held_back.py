"""Hold a step of the service back until a test lets it go: to see what the service does meanwhile."""

from __future__ import annotations

import threading
from typing import Any

import pytest

HOLD_AT_MOST_S = 60


def hold_back(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> threading.Event:
    """`module.name` waits until the returned event is set (at most HOLD_AT_MOST_S), then does its work."""
    release = threading.Event()
    step = getattr(module, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        release.wait(HOLD_AT_MOST_S)
        return step(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return release
