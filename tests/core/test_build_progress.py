"""Build stages are reported as finished, or as stopped when an error or a signal ends them."""

from __future__ import annotations

import logging

import pytest

from app.core.build_progress import LoggingReporter, reporting_to, stage


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def started(self, name: str) -> None:
        self.events.append(("started", name))

    def finished(self, name: str, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("finished", name))

    def stopped(self, name: str, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("stopped", name))


def test_a_stage_that_raises_is_reported_stopped_not_done() -> None:
    recorder = Recorder()
    with reporting_to(recorder):
        with stage("parse"):
            pass
        with pytest.raises(KeyboardInterrupt), stage("validate"):
            raise KeyboardInterrupt
    assert recorder.events == [
        ("started", "parse"),
        ("finished", "parse"),
        ("started", "validate"),
        ("stopped", "validate"),
    ]


def test_the_server_log_says_stopped(caplog: pytest.LogCaptureFixture) -> None:
    logging_at_info = caplog.at_level(logging.INFO, logger="coopgraph.build")
    with logging_at_info, reporting_to(LoggingReporter()), pytest.raises(ValueError), stage("infer"):
        raise ValueError("no")
    assert [r.getMessage().split(" after ")[0] for r in caplog.records] == ["build: infer …", "build: infer stopped"]
    assert caplog.records[-1].levelno == logging.WARNING
