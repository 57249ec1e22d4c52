"""Monkey-patches a library only while some block needs them (re-entrant, thread-safe): used to speed up pyshacl and
rdflib's SPARQL processor inside validation without changing them for anyone else."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class ReentrantPatch:
    """`apply` runs when the first block enters, `restore` when the last one leaves."""

    def __init__(self, apply: Callable[[], None], restore: Callable[[], None]) -> None:
        self._apply = apply
        self._restore = restore
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def active(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._apply()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._restore()
