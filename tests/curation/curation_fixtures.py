"""Helpers of the curation tests: throwaway projects, upload builders, digests, and a live server over real HTTP.

A throwaway project copies the reference data (places.ttl, concepts/) and whichever shipped sources a test
wants into a temporary data folder, and reads the real ontology, shapes and checks: the project's own data/
is never written by a test.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from live_server import LiveServer, serve_in_thread

from app.core.config import Settings
from app.core.curation.tables import csv_text
from app.core.curation.template import SHEETS_BY_NAME
from app.core.curation.workflow import Upload

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SHIPPED = sorted(p.stem for p in (DATA / "sources").glob("*.ttl"))
TOKEN = "curator-test-token"


def make_project(root: Path, sources: Iterable[str] = (), **overrides: Any) -> Settings:
    """A data folder with the reference data and the named shipped sources; settings reading it."""
    data = root / "data"
    (data / "sources").mkdir(parents=True, exist_ok=True)
    shutil.copy2(DATA / "places.ttl", data / "places.ttl")
    shutil.copytree(DATA / "concepts", data / "concepts", dirs_exist_ok=True)
    for source in sources:
        shutil.copy2(DATA / "sources" / f"{source}.ttl", data / "sources" / f"{source}.ttl")
    values: dict[str, Any] = {
        "data_dir": data,
        "ontology_dir": ROOT / "ontology",
        "shapes_dir": ROOT / "shapes",
        "queries_dir": ROOT / "queries",
        "log_level": "warning",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def folder_digest(folder: Path) -> str:
    """SHA-256 over every file below `folder` (hidden ones too): names and bytes."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def csv_uploads(rows_by_sheet: Mapping[str, Sequence[Mapping[str, str]]]) -> list[Upload]:
    """The rows as the CSV files a curator would upload, one per sheet."""
    return [
        Upload(f"{name}.csv", csv_text(SHEETS_BY_NAME[name], rows).encode("utf-8"))
        for name, rows in rows_by_sheet.items()
    ]


def fictitious_source(source_id: str, label: str, **partnership: str) -> dict[str, list[dict[str, str]]]:
    """A clearly fictitious test source: one collaboration between two shipped organisations (IMT, ESP Dakar)."""
    row = {
        "kind": "Collaboration",
        "label_en": f"Fictitious test collaboration {label}",
        "label_fr": f"Collaboration fictive de test {label}",
        "status": "under-discussion",
        "parties": "IMT; ESP Dakar",
        "evidence_en": "A fictitious sentence written for the CoopGraph test suite; no article says this.",
    }
    row.update(partnership)
    return {
        "sources": [{"id": source_id, "language": "en", "source_file": "tests/fixtures/fictitious-release.txt"}],
        "partnerships": [row],
    }


@contextmanager
def serve(settings: Settings, startup_timeout_s: float = 120) -> Iterator[LiveServer]:
    """Serve the app on a free 127.0.0.1 port in a background thread until the block ends."""
    with serve_in_thread(lambda url: settings.model_copy(update={"public_base_url": url}), startup_timeout_s) as live:
        yield live
