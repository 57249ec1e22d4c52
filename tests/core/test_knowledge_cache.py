"""The built knowledge is kept under cache_dir by input hashes: an unchanged restart runs neither pyshacl nor owlrl."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import owlrl
import pyshacl
import pytest

from app.core import persisted_store
from app.core.config import Settings
from app.core.knowledge_cache import read_report, restore_knowledge, store_root
from app.core.persisted_store import prepare_store
from app.core.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    """The shipped project, copied (its data may change in a test), with its own knowledge cache."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return Settings(_env_file=None, data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")  # type: ignore[call-arg]


def forbid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any run of pyshacl or owlrl fail the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pipeline ran on unchanged inputs")

    monkeypatch.setattr(pyshacl, "validate", refuse)  # validation imports it when it runs
    monkeypatch.setattr(owlrl, "DeductiveClosure", refuse)


@pytest.mark.slow
def test_an_unchanged_restart_skips_validation_and_inference(
    project: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = prepare_store(project, tmp_path / "work1")
    assert not first.reused and first.knowledge is not None
    root = store_root(project)
    assert root is not None and first.store_dir.is_relative_to(root)
    forbid(monkeypatch)
    again = prepare_store(project, tmp_path / "work2")
    assert again.reused and again.store_dir == first.store_dir and again.version == first.version
    restored = restore_knowledge(project, again.store_dir, again.dumps_dir, again.version)  # also without pipeline
    assert len(restored.dataset) == len(first.knowledge.dataset)
    assert restored.report.issues == first.knowledge.report.issues
    assert {str(g.identifier) for g in restored.dataset.graphs()} >= set(
        EmbeddedStore.open_read_only(again.store_dir).named_graphs()
    )


@pytest.mark.slow
def test_a_changed_input_file_rebuilds(project: Settings, tmp_path: Path) -> None:
    first = prepare_store(project, tmp_path / "work1")
    source = next((project.data_dir / "sources").glob("*.ttl"))
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    again = prepare_store(project, tmp_path / "work2")
    assert not again.reused and again.version != first.version
    assert read_report(again.dumps_dir) is not None


def test_without_a_cache_dir_each_start_builds_in_the_work_folder(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, cache_dir=None)  # type: ignore[call-arg]
    assert store_root(settings) is None
    elsewhere = Settings(_env_file=None, cache_dir=tmp_path, data_dir=tmp_path / "other")  # type: ignore[call-arg]
    assert store_root(elsewhere) != store_root(Settings(_env_file=None, cache_dir=tmp_path))  # type: ignore[call-arg]
    assert persisted_store.store_root is store_root


@pytest.mark.slow
def test_dumps_written_in_the_background_keep_the_folder_until_the_manifest(project: Settings, tmp_path: Path) -> None:
    """issue 7: the service is ready before its dumps; another process waits for the folder, then reuses it."""
    first = prepare_store(project, tmp_path / "work1", dumps_in_background=True)
    assert not first.reused
    second = prepare_store(project, tmp_path / "work2")  # blocks on the folder lock until the manifest is written
    assert second.reused and first.dumps_written.done()
    assert second.dumps == first.dumps
    assert second.built_at == first.built_at  # kept in the manifest: the same Last-Modified after a restart
    assert all((first.dumps_dir / d.name).is_file() for d in first.dumps)


@pytest.mark.slow
def test_dumps_that_fail_in_the_background_leave_no_manifest_and_free_the_folder(
    project: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persisted_store, "write_dumps", full_disk)
    failed = prepare_store(project, tmp_path / "work1", dumps_in_background=True)
    with pytest.raises(OSError, match="No space left"):
        failed.dumps  # noqa: B018 - waits for the thread and raises what stopped it
    monkeypatch.undo()
    again = prepare_store(project, tmp_path / "work2")  # not blocked, and not served from a half-written folder
    assert not again.reused
    assert all((again.dumps_dir / d.name).is_file() for d in again.dumps)
