"""The embedded Oxigraph store: the only module that talks to pyoxigraph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class EmbeddedStore:
    """An Oxigraph store (in memory, or on disk at `path`) holding the dataset's named graphs."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._store = ox.Store(str(path)) if path is not None else ox.Store()

    @classmethod
    def from_dataset(cls, dataset: Dataset, path: Path | None = None) -> EmbeddedStore:
        """A store filled with every quad of `dataset` (replacing whatever `path` held)."""
        store = cls(path)
        store.replace_with(dataset)
        return store

    def replace_with(self, dataset: Dataset) -> None:
        """Empty the store, then bulk-load the dataset as N-Quads."""
        self._store.clear()
        nquads = dataset.serialize(format="nquads", encoding="utf-8")
        self._store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        self._store.flush()

    def select(self, sparql: str, *, union_default_graph: bool = True) -> list[dict[str, Node]]:
        """Run a SELECT and return its rows as rdflib terms (for the core's own trusted queries)."""
        solutions = self._store.query(sparql, use_default_graph_as_union=union_default_graph)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row: dict[str, Node] = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = to_rdflib(term)
            rows.append(row)
        return rows

    def raw_query(
        self, sparql: str, *, prefixes: dict[str, str] | None = None, union_default_graph: bool = True
    ) -> Any:
        """Evaluate a query and return pyoxigraph's own result object (solutions, boolean or triples)."""
        return self._store.query(sparql, prefixes=prefixes, use_default_graph_as_union=union_default_graph)

    def triple_count_by_graph(self) -> dict[str, int]:
        """Number of triples in each named graph (and the default graph under the key "")."""
        counts: dict[str, int] = {}
        for row in self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            union_default_graph=False,
        ):
            counts[str(row["g"])] = int(row["n"])  # type: ignore[call-overload]
        return counts

    def quads(self) -> Iterator[Any]:
        """Every quad, as pyoxigraph terms."""
        return iter(self._store.quads_for_pattern(None, None, None, None))


def to_rdflib(term: Any) -> Node:
    """Convert a pyoxigraph term to its rdflib equal."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")
