"""Every shipped Turtle file is in its canonical serialisation, so diffs show meaning, not noise."""

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from app.core.config import Settings
from app.core.sources import discover_sources, parse_turtle
from app.core.turtle_format import canonical_turtle, needs_formatting

SOURCES = discover_sources(Settings())


@pytest.mark.parametrize("path", [s.path for s in SOURCES], ids=lambda p: p.name)
def test_file_is_canonical(path: Path) -> None:
    assert not needs_formatting(path), f"{path} is not canonical: run `make format`"


def test_canonical_form_keeps_the_triples_and_is_stable() -> None:
    graph = Graph().parse(data='<http://e/a> <http://e/b> "é"@fr, "x"@en .', format="turtle")
    text = canonical_turtle(graph)
    again = parse_turtle_text(text)
    assert isomorphic(graph, again)
    assert canonical_turtle(again) == text


def parse_turtle_text(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_parse_turtle_reads_a_file(tmp_path: Path) -> None:
    file = tmp_path / "x.ttl"
    file.write_text('<http://e/a> <http://e/b> "c" .\n', encoding="utf-8")
    assert len(parse_turtle(file)) == 1
