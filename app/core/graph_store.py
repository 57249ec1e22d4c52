"""What the core reads a store through: the embedded Oxigraph store and a remote SPARQL 1.1 server alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from rdflib.term import Node


class BackendError(Exception):
    """The backend did not answer, or answered with an error; the message names the URL and the reason."""


class BackendNotLoadedError(BackendError):
    """The backend answers but holds no CoopGraph load record: `coopgraph load --backend URL` has not run there."""


class GraphStore(Protocol):
    """The trusted reads of the core (descriptions, resource pages, labels, statistics), whichever store serves.

    The default graph holds the RDF merge of the named graphs (the embedded store is built so; `coopgraph load`
    writes a backend so), which is what a query without GRAPH or FROM reads.
    """

    def select(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        substitutions: Mapping[str, Node] | None = None,
    ) -> list[dict[str, Node]]:
        """A SELECT's rows as rdflib terms; `substitutions` binds projected variables to terms."""
        ...

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs served, sorted."""
        ...

    def triple_count_by_graph(self) -> dict[str, int]:
        """Number of triples in each named graph served."""
        ...

    def ping(self) -> None:
        """Raise if the store does not answer a trivial query."""
        ...
