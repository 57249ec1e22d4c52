"""Run a CPU-bound function in a forked child while this process does something else (the other core).

A small build validates (pyshacl) and infers (owlrl) from the same parsed graphs, each about a second of pure Python
on the seed graph: with the GIL, threads would take turns, but a forked child starts with those graphs already in its
memory (copy-on-write: nothing is parsed or sent twice) and only its result comes back, pickled through a pipe.
The same goes for the dumps a small build writes while the service describes itself and answers its first queries.

Forking is safe only where no other thread may hold a lock the child needs (it would wait for ever): with another
Python thread running, or without fork, the function runs in this process when its result is asked for. An on-disk
store leaves RocksDB's idle background threads behind (flush and compaction pools); a child never touches RocksDB —
it computes in memory (rdflib, an in-memory Oxigraph store), writes files and leaves with os._exit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ForkedCall(Generic[T]):
    """`function()` started now in a forked child if this process may fork, else run by `result()`.

    `fork`: None = when can_fork() says so; True or False to choose (the tests). `niceness`: added to the child's
    (never this process's) scheduling niceness, for background work that should yield the cores to serving.
    """

    def __init__(self, function: Callable[[], T], *, fork: bool | None = None, niceness: int = 0) -> None:
        self._function = function
        self._niceness = niceness
        self._pid: int | None = None
        self._reader: int | None = None
        if can_fork() if fork is None else fork:
            self._start()

    @property
    def forked(self) -> bool:
        """Whether a child runs the function (False: `result()` runs it here)."""
        return self._pid is not None

    def result(self) -> T:
        """The function's return value, or the exception it raised (raised again here)."""
        if self._pid is None:
            return self._function()
        assert self._reader is not None
        with os.fdopen(self._reader, "rb") as pipe:
            self._reader = None
            payload = pipe.read()  # to the end before waiting: a child blocked on a full pipe would never exit
        status = self._reap()
        if not payload:
            raise ChildProcessError(f"the forked child exited with status {status} and no result")
        succeeded, value = pickle.loads(payload)  # noqa: S301 - written by our own child
        if not succeeded:
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the child if it still runs (the result is not needed); nothing to do when nothing was forked."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):  # it has exited already (not reaped yet)
            os.kill(self._pid, signal.SIGKILL)
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        self._reap()

    def _start(self) -> None:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, send (succeeded, value) and leave without running the parent's exit handlers
            os.close(reader)
            code = 0
            try:
                if self._niceness:
                    os.nice(self._niceness)
                try:
                    payload = pickle.dumps((True, self._function()))
                except BaseException as error:  # KeyboardInterrupt included: the parent learns why
                    payload = _pickled_error(error)
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(writer)
        self._pid, self._reader = pid, reader

    def _reap(self) -> int:
        assert self._pid is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return status


# How much lower than the service background work runs (forked dumps, the catalogue's full check): on two cores a
# first start's build, query workers and background work want four; the build and the workers go first.
BACKGROUND_NICENESS = 10


def can_fork() -> bool:
    """Fork only on Linux (macOS system libraries are not fork-safe: Python itself spawns there) and only while no
    other thread runs (a lock held elsewhere would stay held in the child)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _pickled_error(error: BaseException) -> bytes:
    """The exception itself, or (when it does not pickle) a RuntimeError carrying its type and message."""
    try:
        payload = pickle.dumps((False, error))
        pickle.loads(payload)  # noqa: S301 - our own bytes, read back to see that they load
        return payload
    except Exception:
        return pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))
