"""Report the stages of a long build (parse, validate, infer, index, dumps): a log line per stage, or a rich bar.

A million-triple build takes minutes; the server logs when each stage starts and how long it took, and the CLI
shows the same stages live (cli_progress). The pipeline only calls `stage(name)`: who is told is chosen by the
caller with `reporting_to`, so the core knows nothing of terminals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

log = logging.getLogger("coopgraph.build")


class ProgressReporter(Protocol):
    """Told when a stage starts and ends (with its duration in seconds), or stops on an error or a signal."""

    def started(self, stage: str) -> None: ...

    def finished(self, stage: str, seconds: float) -> None: ...

    def stopped(self, stage: str, seconds: float) -> None: ...


class LoggingReporter:
    """The server's reporter: one log line per stage start and end, with the duration (machine-readable fields)."""

    def started(self, stage: str) -> None:
        log.info("build: %s …", stage, extra={"event": "build-stage", "stage": stage})

    def finished(self, stage: str, seconds: float) -> None:
        self._ended(stage, seconds, logging.INFO, "done in", "build-stage-done")

    def stopped(self, stage: str, seconds: float) -> None:
        self._ended(stage, seconds, logging.WARNING, "stopped after", "build-stage-stopped")

    @staticmethod
    def _ended(stage: str, seconds: float, level: int, how: str, event: str) -> None:
        extra = {"event": event, "stage": stage, "seconds": round(seconds, 3)}
        log.log(level, "build: %s %s %.2f s", stage, how, seconds, extra=extra)


_reporter: ContextVar[ProgressReporter] = ContextVar("build_progress_reporter", default=LoggingReporter())  # noqa: B039


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Report `name` as started, then as finished with its duration, or as stopped when an error or signal ends it."""
    reporter = _reporter.get()
    reporter.started(name)
    began = time.perf_counter()
    try:
        yield
    except BaseException:
        reporter.stopped(name, time.perf_counter() - began)
        raise
    reporter.finished(name, time.perf_counter() - began)


@contextmanager
def reporting_to(reporter: ProgressReporter) -> Iterator[None]:
    """Within the block, stages are reported to `reporter` (e.g. the CLI's progress display)."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)
