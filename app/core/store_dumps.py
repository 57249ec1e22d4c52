"""The downloadable dumps written by Oxigraph's serialisers, straight from the store (the large-graph pipeline).

The same files, names and records as dumps.py — asserted, inferred and ontology parts in Turtle, N-Triples and
JSON-LD, the dataset in TriG and N-Quads, SHA256SUMS — without an rdflib copy of the graph: rdflib's Turtle and
JSON-LD writers take minutes and gigabytes at a million triples, Oxigraph's seconds. (The Turtle is Oxigraph's, not
rdflib's longturtle: the same triples, another layout.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from app.core.dumps import CHECKSUMS_FILE, MEDIA_TYPES, Dump
from app.core.namespaces import PREFIXES

PART_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
DATASET_FORMATS = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}


def merged_graphs(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> ox.Store:
    """The RDF merge of `graphs` (a set of triples) in the default graph of an in-memory store, blank nodes kept."""
    merged = ox.Store()
    # parsed then added, not loaded: a load renames blank nodes (and a Python loop over the quads is slower)
    merged.extend(ox.parse(triples_of(store, graphs), format=ox.RdfFormat.N_TRIPLES))
    return merged


def triples_of(store: ox.Store, graphs: Iterable[ox.NamedNode]) -> bytes:
    """The triples of `graphs` as one N-Triples document (a triple in several graphs appears once per graph)."""
    dumped = [store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) for graph in graphs]
    return b"".join(d for d in dumped if d is not None)  # None only when an output is given


def _only_graphs(store: ox.Store, graphs: list[ox.NamedNode]) -> bool:
    """Whether the store holds exactly `graphs` and nothing in its default graph (then it can be dumped whole)."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        return False
    return set(store.named_graphs()) == set(graphs) and len(set(graphs)) == len(graphs)


def _record(path: Path, part: str, extension: str, triples: int) -> Dump:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return Dump(path.name, part, MEDIA_TYPES[extension], triples, path.stat().st_size, digest.hexdigest())


def write_store_dumps(
    store: ox.Store,
    parts: dict[str, list[ox.NamedNode]],
    dataset_graphs: list[ox.NamedNode],
    out_dir: Path,
    graph_triples: dict[str, int],
) -> list[Dump]:
    """Each part (the RDF merge of its graphs) in each syntax, the named graphs as a dataset, and SHA256SUMS.

    `graph_triples`: the triples in each named graph of `store` (EmbeddedStore.triple_count_by_graph).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    dumps = []
    for part, graphs in parts.items():
        graph: ox.NamedNode | ox.DefaultGraph
        if len(graphs) == 1:  # a set of triples already: dumped from `store` (the inferred part: ~3 s less at 1M)
            source, graph, triples = store, graphs[0], graph_triples.get(graphs[0].value, 0)
        else:
            source, graph = merged_graphs(store, graphs), ox.DefaultGraph()
            triples = len(source)
        for extension, rdf_format in PART_FORMATS.items():
            path = out_dir / f"coopgraph-{part}.{extension}"
            prefixes = PREFIXES if rdf_format is not ox.RdfFormat.N_TRIPLES else None
            source.dump(str(path), format=rdf_format, from_graph=graph, prefixes=prefixes)
            dumps.append(_record(path, part, extension, triples))
    whole = _only_graphs(store, dataset_graphs)  # the store-first build's case: dumped by Oxigraph, no Python loop
    quads = sum(graph_triples.get(graph.value, 0) for graph in dataset_graphs)
    for extension, rdf_format in DATASET_FORMATS.items():
        path = out_dir / f"coopgraph.{extension}"
        prefixes = PREFIXES if rdf_format is ox.RdfFormat.TRIG else None
        if whole:
            store.dump(str(path), format=rdf_format, prefixes=prefixes)
        else:
            every = (q for graph in dataset_graphs for q in store.quads_for_pattern(None, None, None, graph))
            ox.serialize(every, str(path), format=rdf_format, prefixes=prefixes)
        dumps.append(_record(path, "dataset", extension, quads))
    lines = "".join(f"{d.sha256}  {d.name}\n" for d in dumps)
    (out_dir / CHECKSUMS_FILE).write_text(lines, encoding="utf-8")
    return dumps
