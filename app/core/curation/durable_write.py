"""Crash-safe writes into data/: one writer at a time, and a file is either wholly the old one or wholly the new one.

The new text goes to a temporary file in the same folder (same file system, so the rename is atomic), is flushed
and fsync'ed, then os.replace()d over the target, and the folder is fsync'ed so the rename itself survives a power
cut. A crash before the rename leaves the old file untouched and at worst a hidden `.{name}.*.tmp` file that no
loader reads (they glob `*.ttl`) and that the next writer sweeps away under the lock. The lock is flock(2) on the
folder itself, so it serialises the CLI and every service process without creating a lock file in data/.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"
DEFAULT_MODE = 0o644


@contextmanager
def exclusive_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive flock on `folder` for the block: every writer of the folder waits its turn."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def temporary_pattern(target: Path) -> str:
    """The glob the temporary files for `target` match (hidden, and not `*.ttl`)."""
    return f".{target.name}.*{TEMPORARY_SUFFIX}"


def write_atomically(target: Path, text: str) -> None:
    """Replace `target` by `text` at once; on any failure the temporary file goes and `target` stays as it was."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else DEFAULT_MODE
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(target)
    except BaseException:
        with suppress(FileNotFoundError):
            Path(temporary).unlink()
        raise
    fsync_folder(target.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (the folder's entry list is data too)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Temporary files a crashed writer left behind; call only under `exclusive_lock(folder)`, when none is live."""
    stale = sorted(folder.glob(f".*.ttl.*{TEMPORARY_SUFFIX}"))
    for path in stale:
        with suppress(FileNotFoundError):
            path.unlink()
    return stale
