"""What the linked-data pages compute once per data version: the label index, the ontology, its documentation.

Held by the app (one per app, created with it), rebuilt when the service's data version changes. Built lazily on
first use, under a lock, because routes run in a thread pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from rdflib import Graph

from app.api.state import ServiceState
from app.core.linked_data import LabelIndex
from app.core.namespaces import PREFIXES
from app.core.ontology_docs import OntologyDoc, document_ontology
from app.core.sources import SourceRole, discover_sources, parse_turtle

T = TypeVar("T")
ONTOLOGY_DUMP = "coopgraph-ontology.ttl"


class LinkedDataCache:
    """Per-version memo of the label index, the ontology and shapes graphs and the ontology documentation."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._version: str | None = None
        self._values: dict[str, object] = {}

    def _memo(self, state: ServiceState, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if self._version != state.version:
                self._version, self._values = state.version, {}
            if key not in self._values:
                self._values[key] = build()
            value: T = self._values[key]  # type: ignore[assignment]
            return value

    def labels(self, state: ServiceState) -> LabelIndex:
        return self._memo(state, "labels", lambda: LabelIndex.from_store(state.store))

    def ontology(self, state: ServiceState) -> Graph:
        """The ontology graph, read from its Turtle dump (written with the store, same version)."""

        def build() -> Graph:
            graph = Graph()
            for prefix, namespace in PREFIXES.items():
                graph.bind(prefix, namespace, override=True, replace=True)
            graph.parse(state.dump_file(ONTOLOGY_DUMP), format="turtle")
            return graph

        return self._memo(state, "ontology", build)

    def shapes(self, state: ServiceState) -> Graph:
        """The shapes graph, parsed from shapes/ (the same files Knowledge.shapes holds, without rerunning the
        pipeline when the service reuses a persisted store)."""

        def build() -> Graph:
            graph = Graph()
            for source in discover_sources(state.settings):
                if source.role is SourceRole.SHAPES:
                    graph += parse_turtle(source.path)
            return graph

        return self._memo(state, "shapes", build)

    def ontology_doc(self, state: ServiceState, lang: str) -> OntologyDoc:
        return self._memo(
            state, f"doc-{lang}", lambda: document_ontology(self.ontology(state), self.shapes(state), lang)
        )


def linked_data_cache(request: Request) -> LinkedDataCache:
    """The app's cache (created with the app by install_linked_data_cache)."""
    cache: LinkedDataCache = request.app.state.linked_data
    return cache
