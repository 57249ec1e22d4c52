"""Session-wide test setup: the knowledge cache (settings.cache_dir) goes to a temporary folder, not var/cache/."""

from __future__ import annotations

import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="coopgraph-test-cache-")
os.environ.setdefault("COOPGRAPH_CACHE_DIR", _CACHE)


def pytest_unconfigure() -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)
