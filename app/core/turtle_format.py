"""The one canonical form of the project's Turtle files (rdflib's longturtle with the project prefixes)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from app.core.namespaces import PREFIXES
from app.core.sources import parse_turtle


def canonical_turtle(graph: Graph) -> str:
    """Serialise `graph` deterministically: same triples, same text."""
    canonical = Graph()
    for prefix, namespace in PREFIXES.items():
        canonical.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        canonical.add(triple)
    return canonical.serialize(format="longturtle")


def needs_formatting(path: Path) -> bool:
    """True when the file's text is not its canonical serialisation."""
    return path.read_text(encoding="utf-8") != canonical_turtle(parse_turtle(path))


def format_file(path: Path) -> bool:
    """Rewrite the file in canonical form; True when it changed."""
    text = canonical_turtle(parse_turtle(path))
    if path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
