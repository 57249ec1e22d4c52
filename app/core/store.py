"""The embedded Oxigraph store: the only module that talks to pyoxigraph."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
        self.merged_default_graph = False
        self.in_memory = path is None

    @classmethod
    def open_read_only(cls, path: Path) -> EmbeddedStore:
        """Open an on-disk store for reading only: several processes may share it, none can change it."""
        store = cls.__new__(cls)
        store.path = path
        store._store = ox.Store.read_only(str(path))
        store.in_memory = False
        default_graph = store._store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        store.merged_default_graph = next(iter(default_graph), None) is not None
        return store

    def size_on_disk(self) -> int:
        """Bytes the on-disk store takes (0 for an in-memory one)."""
        return 0 if self.path is None else sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())

    def copied_in_memory(self) -> EmbeddedStore:
        """The same quads in an in-memory store, where queries run 2–6× faster (no block reads, no decompression).

        Through N-Quads, which pyoxigraph writes and parses without holding the GIL: a query worker copying in a
        thread keeps answering from disk meanwhile.
        """
        in_memory = EmbeddedStore.wrapping(ox.Store())
        in_memory._store.load(self._store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        in_memory.path, in_memory.merged_default_graph, in_memory.in_memory = self.path, self.merged_default_graph, True
        return in_memory

    @classmethod
    def wrapping(cls, store: Any) -> EmbeddedStore:
        """An EmbeddedStore over a pyoxigraph store another core module built (the large-graph pipeline, issue 7)."""
        wrapped = cls.__new__(cls)
        wrapped.path = None
        wrapped._store = store
        wrapped.merged_default_graph = False
        wrapped.in_memory = False
        return wrapped

    @classmethod
    def from_dataset(
        cls, dataset: Dataset, path: Path | None = None, *, merge_default_graph: bool = False
    ) -> EmbeddedStore:
        """A store filled with every quad of `dataset` (replacing whatever `path` held)."""
        store = cls(path)
        store.replace_with(dataset, merge_default_graph=merge_default_graph)
        return store

    @classmethod
    def from_graphs(cls, dataset: Dataset, graph_names: Iterable[URIRef]) -> EmbeddedStore:
        """An in-memory store holding those named graphs of `dataset`, added as terms: no document written and parsed
        in between (a fifth of the time), and blank nodes keep their names."""
        store = cls()
        for name in graph_names:
            add_triples(store._store, dataset.graph(name), name)
        return store

    def replace_with(self, dataset: Dataset, *, merge_default_graph: bool = False) -> None:
        """Empty the store, then bulk-load the dataset as N-Quads.

        With `merge_default_graph`, the default graph also receives the RDF merge of the named graphs: Oxigraph's
        own union default graph is a bag (a triple stated in two graphs matches twice), the SPARQL "union of the
        named graphs" a set; queries over the union then read that merge instead (see `merged_default_graph`).
        """
        self._store.clear()
        nquads = dataset.serialize(format="nquads", encoding="utf-8")
        self._store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        if merge_default_graph:
            self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        self.merged_default_graph = merge_default_graph
        self._store.flush()

    def select(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        substitutions: Mapping[str, Node] | None = None,
    ) -> list[dict[str, Node]]:
        """Run a SELECT and return its rows as rdflib terms (for the core's own trusted queries).

        `substitutions` binds variables to RDF terms (never pasted into the text); each must be projected.
        """
        solutions = self._store.query(
            sparql,
            use_default_graph_as_union=self._union(union_default_graph),
            substitutions=_substitutions(substitutions),
        )
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
        self,
        sparql: str,
        *,
        prefixes: dict[str, str] | None = None,
        union_default_graph: bool = True,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        substitutions: Mapping[str, Node] | None = None,
    ) -> Any:
        """Evaluate a query and return pyoxigraph's own result object (solutions, boolean or triples).

        `default_graph` / `named_graphs` (graph IRIs) set the query's dataset, as the protocol's
        default-graph-uri / named-graph-uri do; leave `union_default_graph` False with them. `substitutions`
        binds variables to RDF terms (SEP-0007, as Oxigraph implements it: the variables must be projected).
        """
        return self._store.query(
            sparql,
            prefixes=prefixes,
            use_default_graph_as_union=self._union(union_default_graph),
            default_graph=None if default_graph is None else [ox.NamedNode(g) for g in default_graph],
            named_graphs=None if named_graphs is None else [ox.NamedNode(g) for g in named_graphs],
            substitutions=_substitutions(substitutions),
        )

    def _union(self, union_default_graph: bool) -> bool:
        """Oxigraph's bag union, unless the default graph already holds the merge (then it is the union)."""
        return union_default_graph and not self.merged_default_graph

    def named_graphs(self) -> list[str]:
        """The IRIs of the store's named graphs, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count_by_graph(self) -> dict[str, int]:
        """Number of triples in each named graph (and the default graph under the key "")."""
        counts: dict[str, int] = {}
        for row in self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            union_default_graph=False,
        ):
            counts[str(row["g"])] = int(row["n"])  # type: ignore[call-overload]
        return counts

    def dump_graph(self, path: Path, graph: str | None) -> int:
        """Write one graph (None: the default graph) to `path` as N-Triples; return its triple count."""
        source = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        self._store.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=source)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, source))

    def ping(self) -> None:
        """Ask the store a trivial question (readiness)."""
        self._store.query("ASK { ?s ?p ?o }")

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


def to_oxigraph(term: Node) -> Any:
    """Convert an rdflib IRI, blank node or literal to its pyoxigraph equal (the inverse of to_rdflib)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def add_triples(store: ox.Store, triples: Iterable[tuple[Node, Node, Node]], graph: URIRef | None = None) -> None:
    """rdflib triples into `store` (its default graph, or the named `graph`) as terms: their blank nodes keep their
    names (a load of a document would rename them, and inferred triples must name the same nodes as the graphs they
    come from)."""
    target = ox.DefaultGraph() if graph is None else ox.NamedNode(str(graph))
    store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), target) for s, p, o in triples)


def _substitutions(values: Mapping[str, Node] | None) -> dict[Any, Any] | None:
    """Variable name → rdflib term, as pyoxigraph's `substitutions` argument."""
    if not values:
        return None
    return {ox.Variable(name): to_oxigraph(term) for name, term in values.items()}


def prefixes_used(triples: list[Any], prefixes: dict[str, str]) -> dict[str, str]:
    """The output prefixes some IRI of `triples` starts with: Turtle stays readable without a wall of PREFIX lines."""
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {
        prefix: namespace for prefix, namespace in prefixes.items() if any(iri.startswith(namespace) for iri in iris)
    }
