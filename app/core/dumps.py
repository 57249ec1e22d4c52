"""Dataset downloads: the asserted, inferred and ontology graphs in every common RDF syntax, with checksums."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph

from app.core.knowledge import Knowledge
from app.core.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from app.core.sources import SourceRole

GRAPH_FORMATS = {"ttl": "longturtle", "nt": "nt", "jsonld": "json-ld"}
DATASET_FORMATS = {"trig": "trig", "nq": "nquads"}
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


def dump_parts(knowledge: Knowledge) -> dict[str, Graph]:
    """The three parts users download: what the articles say, what follows from it, and the vocabulary."""
    return {
        "asserted": knowledge.asserted(),
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
    total = sum(len(g) for g in dataset.graphs())
    for extension, rdflib_format in DATASET_FORMATS.items():
        data = dataset.serialize(format=rdflib_format, encoding="utf-8")
        dumps.append(_write(out_dir, f"coopgraph.{extension}", "dataset", extension, data, total))
    lines = "".join(f"{d.sha256}  {d.name}\n" for d in dumps)
    (out_dir / CHECKSUMS_FILE).write_text(lines, encoding="utf-8")
    return dumps


def _served_dataset(knowledge: Knowledge) -> Dataset:
    """Named graphs only (data per source, places, concepts, ontology, inferred): no empty default graph."""
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    names = [s.graph for s in knowledge.sources if s.role is not SourceRole.SHAPES] + [INFERRED_GRAPH]
    for name in dict.fromkeys(names):
        target = dataset.graph(name)
        for triple in knowledge.dataset.graph(name):
            target.add(triple)
    return dataset


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for prefix, namespace in PREFIXES.items():
        copy.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        copy.add(triple)
    return copy


def _write(out_dir: Path, name: str, part: str, extension: str, data: bytes, triples: int) -> Dump:
    (out_dir / name).write_bytes(data)
    return Dump(name, part, MEDIA_TYPES[extension], triples, len(data), hashlib.sha256(data).hexdigest())
