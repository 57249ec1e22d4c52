"""Find the project's RDF files, name the graph each one fills, and parse them all or none."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from app.core.config import Settings
from app.core.namespaces import (
    CONCEPTS_GRAPH,
    GRAPH,
    ONTOLOGY_GRAPH,
    PLACES_GRAPH,
    SHAPES_GRAPH,
    source_graph,
)


class SourceRole(StrEnum):
    """What a file contributes: the vocabulary, asserted facts, or constraints."""

    ONTOLOGY = "ontology"
    DATA = "data"
    SHAPES = "shapes"


@dataclass(frozen=True)
class RdfSource:
    """One Turtle file and the named graph it is loaded into."""

    path: Path
    graph: URIRef
    role: SourceRole


class RdfSyntaxError(Exception):
    """A file that does not parse; names the file and the line so a curator can fix it."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


def graph_for_data_file(path: Path, data_dir: Path) -> URIRef:
    """The graph a file under data/ fills: sources/{id}.ttl → graph/source/{id}, concepts/* → graph/concepts."""
    return _graph_for(path.resolve().relative_to(data_dir.resolve()))


def _graph_for(relative: Path) -> URIRef:
    """The graph of the file at `relative` to the data folder."""
    if relative.parts[0] == "sources":
        return source_graph(relative.stem)
    if relative.parts[0] == "concepts":
        return CONCEPTS_GRAPH
    if relative == Path("places.ttl"):
        return PLACES_GRAPH
    return URIRef(f"{GRAPH}{'/'.join(relative.with_suffix('').parts)}")


def discover_sources(settings: Settings) -> list[RdfSource]:
    """Every Turtle file of the project, in a stable order: ontology, then data, then shapes."""
    sources = [RdfSource(p, ONTOLOGY_GRAPH, SourceRole.ONTOLOGY) for p in sorted(settings.ontology_dir.glob("*.ttl"))]
    # relative to the folder as found, not resolved file by file (issue 7: 0.5 s a call at 3,000 articles)
    sources += [
        RdfSource(p, _graph_for(p.relative_to(settings.data_dir)), SourceRole.DATA)
        for p in sorted(settings.data_dir.rglob("*.ttl"))
    ]
    sources += [RdfSource(p, SHAPES_GRAPH, SourceRole.SHAPES) for p in sorted(settings.shapes_dir.glob("*.ttl"))]
    return sources


def sources_for_paths(paths: Sequence[Path], settings: Settings) -> list[RdfSource]:
    """Classify user-given files (or folders) by where they sit; files outside the project count as data."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.ttl")) if path.is_dir() else [path]
    result = []
    for file in files:
        resolved = file.resolve()
        if resolved.is_relative_to(settings.ontology_dir.resolve()):
            result.append(RdfSource(file, ONTOLOGY_GRAPH, SourceRole.ONTOLOGY))
        elif resolved.is_relative_to(settings.shapes_dir.resolve()):
            result.append(RdfSource(file, SHAPES_GRAPH, SourceRole.SHAPES))
        elif resolved.is_relative_to(settings.data_dir.resolve()):
            result.append(RdfSource(file, graph_for_data_file(file, settings.data_dir), SourceRole.DATA))
        else:
            result.append(RdfSource(file, source_graph(file.stem), SourceRole.DATA))
    return result


def parse_turtle(path: Path) -> Graph:
    """Parse one Turtle file, turning any parser failure into an RdfSyntaxError with its line."""
    graph = Graph()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RdfSyntaxError(path, None, f"cannot read file: {error}") from error
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as error:
        raise RdfSyntaxError(path, _bad_syntax_line(error), error._why) from error
    except Exception as error:  # rdflib raises many types for bad input; all mean "does not parse"
        raise RdfSyntaxError(path, _line_from_message(str(error)), str(error)) from error
    return graph


def parse_turtle_files(paths: Iterable[Path]) -> Graph:
    """The triples of several Turtle files in one graph (each parsed as parse_turtle does)."""
    graph = Graph()
    for path in paths:
        for triple in parse_turtle(path):
            graph.add(triple)
    return graph


def _bad_syntax_line(error: BadSyntax) -> int:
    """The line of the error's offset in the text: rdflib's own count (`lines`) drifts in long files (522 read 674).

    rdflib keeps the text UTF-8 encoded and the offset in characters.
    """
    raw, offset = error._str, error._i
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if isinstance(text, str) and isinstance(offset, int):
        return text.count("\n", 0, offset) + 1
    return int(error.lines) + 1


def _line_from_message(message: str) -> int | None:
    """Some rdflib errors only mention the line in their text ("… line 12 …")."""
    words = message.replace(",", " ").split()
    for before, after in pairwise(words):
        if before.lower() == "line" and after.isdigit():
            return int(after)
    return None


# A language tag with a capital (rdflib keeps its case, Oxigraph lowers it) or an explicit xsd:string (rdflib tells
# it from a plain literal, RDF 1.1 does not): such files are parsed by rdflib, as before, so the terms are the same.
_RDFLIB_ONLY = re.compile(rb"[\x22']@[A-Za-z0-9-]*[A-Z]|XMLSchema#string|xsd:string")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class ParsedTurtle:
    """The triples of one Turtle file as rdflib terms, and the prefixes it declares."""

    triples: list[tuple[Node, Node, Node]]
    prefixes: dict[str, str]


def read_turtle(path: Path, blank_prefix: str, terms: dict[object, Node]) -> ParsedTurtle:
    """What `parse_turtle(path)` holds, parsed by Oxigraph: the same triples (tests/core/test_sources.py and
    test_shacl_speedups.py compare both) in a fifth of the time of rdflib's Turtle parser on the seed graph.

    Blank nodes get `blank_prefix` before their label (labels are per file); `terms` caches the other terms across
    files (they repeat the same IRIs and labels many times). A file Oxigraph refuses is parsed by rdflib: its error
    (file, line, rdflib's message) is the one reported, as before, and a file only rdflib accepts is still read.
    """
    try:
        text = path.read_bytes()
    except OSError as error:
        raise RdfSyntaxError(path, None, f"cannot read file: {error}") from error
    if _RDFLIB_ONLY.search(text):
        return _parsed_by_rdflib(path)
    try:
        parser = ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        triples = [quad.triple for quad in parser]
    except SyntaxError:
        return _parsed_by_rdflib(path)  # raises RdfSyntaxError with rdflib's message and line, as before

    def term(node: object) -> Node:
        if isinstance(node, ox.BlankNode):
            return BNode(blank_prefix + node.value)
        found = terms.get(node)
        if found is None:
            if isinstance(node, ox.NamedNode):
                found = URIRef(node.value)
            else:
                assert isinstance(node, ox.Literal)
                if node.language:
                    found = Literal(node.value, lang=node.language)
                elif node.datatype.value == _XSD_STRING:
                    found = Literal(node.value)
                else:
                    found = Literal(node.value, datatype=URIRef(node.datatype.value))
            terms[node] = found
        return found

    rdflib_triples = [(term(t.subject), term(t.predicate), term(t.object)) for t in triples]
    return ParsedTurtle(rdflib_triples, dict(parser.prefixes))


def article_triples(path: Path, blank_prefix: str, terms: dict[object, Node]) -> list[tuple[Node, Node, Node]]:
    """The triples of one Turtle file as rdflib terms (read_turtle)."""
    return read_turtle(path, blank_prefix, terms).triples


def _parsed_by_rdflib(path: Path) -> ParsedTurtle:
    graph = parse_turtle(path)
    return ParsedTurtle(list(graph), {prefix: str(namespace) for prefix, namespace in graph.namespaces()})


def load_dataset(sources: Iterable[RdfSource]) -> Dataset:
    """Parse every source into its named graph; if any file fails, raise before anything is kept.

    Blank nodes are told apart by file and by load (a fresh prefix each time, as rdflib's parser mints fresh ones).
    """
    load = secrets.token_hex(4)
    terms: dict[object, Node] = {}
    parsed = [(source, read_turtle(source.path, f"{load}f{number}x", terms)) for number, source in enumerate(sources)]
    dataset = Dataset()
    for source, turtle in parsed:
        target = dataset.graph(source.graph)
        for triple in turtle.triples:
            target.add(triple)
        for prefix, namespace in turtle.prefixes.items():
            dataset.bind(prefix, namespace, override=False)
    return dataset
