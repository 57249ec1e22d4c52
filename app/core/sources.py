"""Find the project's RDF files, name the graph each one fills, and parse them all or none."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

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


def load_dataset(sources: Iterable[RdfSource]) -> Dataset:
    """Parse every source into its named graph; if any file fails, raise before anything is kept."""
    parsed = [(source, parse_turtle(source.path)) for source in sources]
    dataset = Dataset()
    for source, graph in parsed:
        target = dataset.graph(source.graph)
        for triple in graph:
            target.add(triple)
        for prefix, namespace in graph.namespaces():
            dataset.bind(prefix, namespace, override=False)
    return dataset
