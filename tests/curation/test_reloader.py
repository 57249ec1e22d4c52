"""The service's reload hook: writes under way hold a rebuild back, one rebuild serves them all, swaps are whole."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.api.state import StateReloader


class FakeQueries:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def fake_state(version: str) -> Any:
    return SimpleNamespace(version=version, queries=FakeQueries())


def make_reloader(tmp_path: Path, disk: list[str], builds: list[str]) -> tuple[Any, StateReloader]:
    holder = SimpleNamespace(coop=fake_state("initial"))

    def build(workdir: Path) -> Any:
        time.sleep(0.2)  # a rebuild takes a while
        version = "+".join(disk) or "empty"
        builds.append(version)
        return fake_state(version)

    return holder, StateReloader(holder, build, tmp_path, grace_s=0.1)


def test_two_overlapping_writes_share_one_rebuild_that_includes_both(tmp_path: Path) -> None:
    disk: list[str] = []
    builds: list[str] = []
    holder, reloader = make_reloader(tmp_path, disk, builds)
    first_written = threading.Event()
    results: dict[str, str] = {}

    def write(name: str, delay: float) -> str:
        time.sleep(delay)
        disk.append(name)
        if name == "a":
            first_written.set()
        return name

    def publish(name: str, delay: float) -> None:
        _result, state = reloader.after_write(lambda: write(name, delay))
        results[name] = state.version

    first = threading.Thread(target=publish, args=("a", 0.1))
    second = threading.Thread(target=publish, args=("b", 0.4))  # still writing when "a" is done
    first.start()
    second.start()
    first.join(10)
    second.join(10)
    assert builds == ["a+b"]
    assert results == {"a": "a+b", "b": "a+b"}
    assert holder.coop.version == "a+b"


def test_a_reload_swaps_the_state_and_retires_the_old_one_after_the_grace(tmp_path: Path) -> None:
    disk = ["x"]
    builds: list[str] = []
    holder, reloader = make_reloader(tmp_path, disk, builds)
    old = holder.coop
    fresh = reloader.reload()
    assert holder.coop is fresh and fresh.version == "x"
    assert not old.queries.closed  # queries in flight may still use it
    time.sleep(0.5)
    assert old.queries.closed and not fresh.queries.closed
    reloader.close()


def test_a_failed_write_does_not_hold_rebuilds_back(tmp_path: Path) -> None:
    disk: list[str] = []
    builds: list[str] = []
    _holder, reloader = make_reloader(tmp_path, disk, builds)

    def failing() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        reloader.after_write(failing)
    disk.append("c")
    assert reloader.reload().version == "c"
    assert builds == ["c"]
    reloader.close()
