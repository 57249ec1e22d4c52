"""The on-disk store the service queries, keyed by the data version so a restart with unchanged data does not rebuild.

With a store folder (`--store PATH`), the input files are hashed first (no parsing); when PATH's manifest carries
the same version, the store and dumps there are opened as they are. Otherwise the one pipeline (build_knowledge:
parse → validate → infer) runs and its result is written to PATH. Without a folder, PATH is this project's folder
under the `cache_dir` setting (default var/cache/, see knowledge_cache.py); with `cache_dir` unset too, the store is
written to the service's temporary directory, so the query workers can open it read-only all the same.

Layout of PATH: `manifest.json` (version, what built it, the dumps), `oxigraph-<version>/` (the store),
`dumps-<version>/` (the downloadable files). The manifest is replaced last, atomically: a build that dies half-way
leaves the previous store in force. A rebuild keeps the version it replaces (processes may still be reading it)
and removes older ones.
"""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TextIO

from app import __version__
from app.core.build_progress import stage
from app.core.config import Settings
from app.core.dumps import Dump, write_dumps, written
from app.core.forked_call import BACKGROUND_NICENESS, ForkedCall
from app.core.knowledge import Inputs, Knowledge, build_knowledge, read_inputs
from app.core.knowledge_cache import store_root, write_report
from app.core.store import EmbeddedStore
from app.core.store_pipeline import build_store, is_large

log = logging.getLogger("coopgraph")

MANIFEST = "manifest.json"
STORE_LAYOUT = 2  # 2: the default graph holds the merge of the named graphs


@dataclass(frozen=True)
class PreparedStore:
    """A store ready to open read-only, its dumps (maybe still being written), and the knowledge when it was built
    in this process."""

    store_dir: Path
    dumps_dir: Path
    dumps_written: Future[list[Dump]]
    version: str
    built_at: datetime  # when the store was built (kept in the manifest): the Last-Modified of what is served
    knowledge: Knowledge | None
    reused: bool

    @property
    def dumps(self) -> list[Dump]:
        """The dumps, once written (waits for them; raises what stopped them)."""
        return self.dumps_written.result()


def built_with() -> str:
    """What else the stored bytes depend on: this code's version, the layout, and the store engine's version."""
    return f"coopgraph {__version__}; layout {STORE_LAYOUT}; pyoxigraph {package_version('pyoxigraph')}"


def input_version(settings: Settings) -> str:
    """The data version from the input files' bytes alone (hashing, not parsing): the same as Knowledge.version."""
    return read_inputs(settings).version


def prepare_store(settings: Settings, workdir: Path, *, dumps_in_background: bool = False) -> PreparedStore:
    """Open the persisted store if it holds the current data, else build the knowledge and write the store.

    `dumps_in_background` (the service, issue 7): return once the store is written and let a thread write the dumps,
    then the manifest, meanwhile; the folder stays locked until then, so another process waits and then reuses it.
    """
    root = store_root(settings)  # issue 7: store_path, else the project's folder under cache_dir (var/cache/)
    if root is None:
        prepared, write_dumps = _build(settings, workdir, "oxigraph", "dumps", read_inputs(settings))
        return _with_dumps(prepared, write_dumps, dumps_in_background, lambda _: None, lambda: None)
    root.mkdir(parents=True, exist_ok=True)
    lock = _lock(root)
    try:
        inputs = read_inputs(settings)
        version = inputs.version
        reused = _reuse(root, version)
        if reused is not None:
            log.info("data unchanged (version %s): opening the store at %s", version[:12], reused.store_dir)
            _unlock(lock)
            return reused
        previous = _read_manifest(root) or {}
        prepared, write_dumps = _build(settings, root, f"oxigraph-{version[:16]}", f"dumps-{version[:16]}", inputs)
    except BaseException:
        _unlock(lock)
        raise

    def record(dumps: list[Dump]) -> None:  # the manifest last: a build that dies before leaves the previous one
        _write_manifest(root, prepared, dumps)
        keep = {
            prepared.store_dir.name,
            prepared.dumps_dir.name,
            str(previous.get("store")),
            str(previous.get("dumps_dir")),
        }
        _remove_stale(root, keep)

    return _with_dumps(prepared, write_dumps, dumps_in_background, record, lambda: _unlock(lock))


def _with_dumps(
    prepared: PreparedStore,
    write_dumps: Callable[[], list[Dump]],
    background: bool,
    record: Callable[[list[Dump]], None],
    release: Callable[[], None],
) -> PreparedStore:
    """Write the dumps and `record` them, now or in a thread; `release` the folder after, whatever happens."""
    future = prepared.dumps_written

    def run() -> None:
        try:
            dumps = write_dumps()
            record(dumps)
            future.set_result(dumps)
        except BaseException as error:
            future.set_exception(error)
            if background:
                log.exception("the dumps of data version %s could not be written", prepared.version[:12])
        finally:
            release()

    if background:  # not a daemon: an exit waits for the manifest, so the next start reuses the store
        threading.Thread(target=run, name="coopgraph-dumps").start()
    else:
        run()
        future.result()  # raises what stopped them
    return prepared


def stored_version(settings: Settings) -> str | None:
    """The data version the store folder holds now (None without a folder or a manifest): cheap, for watchers."""
    root = store_root(settings)
    manifest = None if root is None else _read_manifest(root)
    version = None if manifest is None else manifest.get("version")
    return version if isinstance(version, str) else None


def _build(
    settings: Settings, root: Path, store_name: str, dumps_name: str, inputs: Inputs
) -> tuple[PreparedStore, Callable[[], list[Dump]]]:
    """Build the store (parse → validate → infer → index); the dumps are written by the function returned."""
    store_dir, dumps_dir = root / store_name, root / dumps_name
    for stale in (store_dir, dumps_dir):
        shutil.rmtree(stale, ignore_errors=True)
    dumps_dir.mkdir(parents=True)  # (the report, the counts and the service description are kept there too)
    pending: Future[list[Dump]] = Future()
    if is_large(settings, inputs.sources):  # issue 7: parse, validate, infer, index and dump without an rdflib copy
        built = build_store(settings, store_dir, dumps_dir, inputs)
        prepared = PreparedStore(store_dir, dumps_dir, pending, built.version, _now(), None, reused=False)
        return prepared, built.write_dumps
    knowledge = build_knowledge(settings, inputs=inputs)
    with stage("index"):
        _write_store(knowledge, store_dir)
    log.info("built %d triples (data version %s) into %s", len(knowledge.dataset), knowledge.version[:12], store_dir)
    # issue 7: a forked child writes the dumps where it can (forked_call.py), so their rdflib serialisations do not
    # share this process's GIL with the service description and the first queries; else the caller's thread does
    dumps_call = ForkedCall(lambda: write_dumps(knowledge, dumps_dir), niceness=BACKGROUND_NICENESS)

    def write_all_dumps() -> list[Dump]:
        with stage("dumps"):
            dumps = dumps_call.result()
        write_report(knowledge.report, dumps_dir)  # issue 7: the Warnings survive a restart (restore_knowledge)
        return dumps

    prepared = PreparedStore(store_dir, dumps_dir, pending, knowledge.version, _now(), knowledge, reused=False)
    return prepared, write_all_dumps


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _write_store(knowledge: Knowledge, store_dir: Path) -> None:
    """Bulk-load the dataset; the read-write handle is dropped on return so only read-only handles remain."""
    EmbeddedStore.from_dataset(knowledge.dataset, store_dir, merge_default_graph=True)


def _reuse(root: Path, version: str) -> PreparedStore | None:
    manifest = _read_manifest(root)
    if manifest is None or manifest.get("version") != version or manifest.get("built_with") != built_with():
        return None
    store_dir, dumps_dir = root / str(manifest["store"]), root / str(manifest["dumps_dir"])
    if not store_dir.is_dir() or not dumps_dir.is_dir():
        return None
    listed = manifest.get("dumps")
    if not isinstance(listed, list):
        return None
    dumps = [Dump(**d) for d in listed]
    if not all((dumps_dir / d.name).is_file() for d in dumps):
        return None
    try:
        built_at = datetime.fromisoformat(str(manifest["built_at"]))
    except (KeyError, ValueError):
        return None
    return PreparedStore(store_dir, dumps_dir, written(dumps), version, built_at, None, reused=True)


def _read_manifest(root: Path) -> dict[str, object] | None:
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _write_manifest(root: Path, prepared: PreparedStore, dumps: list[Dump]) -> None:
    manifest = {
        "version": prepared.version,
        "built_with": built_with(),
        "built_at": prepared.built_at.isoformat(timespec="seconds"),
        "store": prepared.store_dir.name,
        "dumps_dir": prepared.dumps_dir.name,
        "dumps": [asdict(d) for d in dumps],
    }
    temporary = root / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    temporary.replace(root / MANIFEST)


def _remove_stale(root: Path, keep: set[str]) -> None:
    """Older versions' stores and dumps; the one just replaced is kept, as queries may still be running on it."""
    for path in root.iterdir():
        if path.is_dir() and path.name.startswith(("oxigraph-", "dumps-")) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _lock(root: Path) -> TextIO:
    """One process at a time decides and builds (several service processes may share one store folder)."""
    lock = (root / ".lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _unlock(lock: TextIO) -> None:
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
