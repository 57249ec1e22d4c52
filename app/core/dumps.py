"""Dataset downloads: the asserted, inferred and ontology graphs in every common RDF syntax, with checksums."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from app.core.knowledge import Knowledge
from app.core.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from app.core.sources import SourceRole
from app.core.store import add_triples

GRAPH_FORMATS = {"ttl": "longturtle", "nt": "nt", "jsonld": "json-ld"}
# The whole dataset by Oxigraph's writers (issue 7: rdflib's TriG took 0.4 s of a first start on the seed graph)
DATASET_FORMATS = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}
CHECKSUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class Dump:
    """One written file and what it holds."""

    name: str
    part: str
    media_type: str
    triples: int
    size: int
    sha256: str


MEDIA_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "trig": "application/trig",
    "nq": "application/n-quads",
}


def written(dumps: list[Dump]) -> Future[list[Dump]]:
    """Dumps already written, as the future a build in the background would give."""
    done: Future[list[Dump]] = Future()
    done.set_result(dumps)
    return done


def dump_parts(knowledge: Knowledge) -> dict[str, Graph]:
    """The three parts users download: what the articles say, what follows from it, and the vocabulary."""
    return {
        "asserted": _with_prefixes(knowledge.asserted()),  # (a union of its own: the project's prefixes bound here)
        "inferred": _copy(knowledge.dataset.graph(INFERRED_GRAPH)),
        "ontology": _copy(knowledge.dataset.graph(ONTOLOGY_GRAPH)),
    }


def write_dumps(knowledge: Knowledge, out_dir: Path) -> list[Dump]:
    """Write every part in every syntax plus the whole dataset (named graphs) and a SHA256SUMS file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dumps = []
    for part, graph in dump_parts(knowledge).items():
        for extension, rdflib_format in GRAPH_FORMATS.items():
            data = graph.serialize(format=rdflib_format, encoding="utf-8")
            dumps.append(_write(out_dir, f"coopgraph-{part}.{extension}", part, extension, data, len(graph)))
    dataset = _served_dataset(knowledge)
    total = len(dataset)
    for extension, rdf_format in DATASET_FORMATS.items():
        written = dataset.dump(format=rdf_format, prefixes=PREFIXES)
        assert written is not None  # (None only when an output is given)
        dumps.append(_write(out_dir, f"coopgraph.{extension}", "dataset", extension, written, total))
    lines = "".join(f"{d.sha256}  {d.name}\n" for d in dumps)
    (out_dir / CHECKSUMS_FILE).write_text(lines, encoding="utf-8")
    return dumps


def _served_dataset(knowledge: Knowledge) -> ox.Store:
    """Named graphs only (data per source, places, concepts, ontology, inferred): no empty default graph."""
    dataset = ox.Store()
    names = [s.graph for s in knowledge.sources if s.role is not SourceRole.SHAPES] + [INFERRED_GRAPH]
    for name in dict.fromkeys(names):  # as terms, not loaded: a load would rename the blank nodes in each graph
        add_triples(dataset, knowledge.dataset.graph(name), name)
    return dataset


def _copy(graph: Graph) -> Graph:
    copy = _with_prefixes(Graph())
    for triple in graph:
        copy.add(triple)
    return copy


def _with_prefixes(graph: Graph) -> Graph:
    """`graph` with the project's prefixes bound (else its Turtle says `ns1:` for coop:, `ns2:` for geo:…)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _write(out_dir: Path, name: str, part: str, extension: str, data: bytes, triples: int) -> Dump:
    (out_dir / name).write_bytes(data)
    return Dump(name, part, MEDIA_TYPES[extension], triples, len(data), hashlib.sha256(data).hexdigest())
