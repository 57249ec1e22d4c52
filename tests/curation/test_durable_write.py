"""Crash safety of the write path: a failing write leaves no temporary and no partial file; writers take turns."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from curation_fixtures import SHIPPED, csv_uploads, fictitious_source, folder_digest, make_project

from app.core.curation import durable_write
from app.core.curation.durable_write import exclusive_lock, write_atomically
from app.core.curation.workflow import publish
from app.core.sources import discover_sources


def _fail(*_args: object, **_kwargs: object) -> None:
    raise OSError(28, "No space left on device (simulated)")


@pytest.mark.parametrize("stage", ["fsync", "replace"])
def test_a_write_failing_midway_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    target = tmp_path / "000-source.ttl"
    target.write_text("old content\n", encoding="utf-8")
    monkeypatch.setattr(os, stage, _fail)
    with pytest.raises(OSError, match="simulated"):
        write_atomically(target, "new content that must never be half-written\n" * 1000)
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000-source.ttl"]


def test_a_new_file_is_written_whole_and_readable_by_all(tmp_path: Path) -> None:
    target = tmp_path / "001-source.ttl"
    write_atomically(target, "text\n")
    assert target.read_text(encoding="utf-8") == "text\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["001-source.ttl"]


def test_a_publish_whose_write_fails_leaves_data_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_project(tmp_path, SHIPPED[:1])
    before = folder_digest(settings.data_dir)
    monkeypatch.setattr(durable_write.os, "fsync", _fail)
    with pytest.raises(OSError, match="simulated"):
        publish(settings, "900-fictitious-test", csv_uploads(fictitious_source("900-fictitious-test", "E")))
    assert folder_digest(settings.data_dir) == before


def test_a_crashed_writers_temporary_is_never_loaded_and_is_swept_by_the_next_writer(tmp_path: Path) -> None:
    settings = make_project(tmp_path, SHIPPED[:1])
    sources = settings.data_dir / "sources"
    leftover = sources / ".900-fictitious-test.ttl.k3j4.tmp"
    leftover.write_text("@prefix half-written", encoding="utf-8")
    assert leftover not in [s.path for s in discover_sources(settings)]
    publish(settings, "900-fictitious-test", csv_uploads(fictitious_source("900-fictitious-test", "F")))
    assert sorted(p.name for p in sources.iterdir()) == [f"{SHIPPED[0]}.ttl", "900-fictitious-test.ttl"]


def test_the_folder_lock_makes_a_second_writer_wait(tmp_path: Path) -> None:
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with exclusive_lock(tmp_path):
            held.set()
            time.sleep(0.3)
            order.append("first done")

    def second() -> None:
        held.wait(5)
        with exclusive_lock(tmp_path):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first done", "second in"]
