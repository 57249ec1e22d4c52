"""The service description's serialisations: rdflib's nested output when small, pyoxigraph's when large (issue 7)."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, Literal, Namespace
from rdflib.compare import isomorphic

from app.core import service_description
from app.core.config import Settings
from app.core.namespaces import source_graph
from app.core.service_description import DESCRIPTION_FORMATS, describe_service, serialize_description
from app.core.store import EmbeddedStore

EX = Namespace("http://example.org/")
PARSERS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


@pytest.fixture(scope="module")
def description() -> Graph:
    dataset = Dataset()
    for article in range(40):
        graph = dataset.graph(source_graph(f"article-{article}"))
        graph.add((EX[f"thing{article}"], EX.label, Literal(f"thing «{article}»", lang="fr")))
        graph.add((EX[f"thing{article}"], EX.rank, Literal(article)))
    store = EmbeddedStore.from_dataset(dataset, merge_default_graph=True)
    described = describe_service(store, Settings(_env_file=None), "v1")  # type: ignore[call-arg]
    assert len(described) > 300  # 40 graphs, their counts, the class and property partitions
    return described


@pytest.mark.parametrize("pretty_max", [100_000, 0], ids=["rdflib", "pyoxigraph"])
@pytest.mark.parametrize("key", DESCRIPTION_FORMATS)
def test_each_syntax_holds_the_whole_description(
    description: Graph, key: str, pretty_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_description, "PRETTY_MAX_TRIPLES", pretty_max)
    written = serialize_description(description)[key]
    assert isomorphic(Graph().parse(data=written, format=PARSERS[key]), description)
    if key == "turtle":
        assert b"@prefix void: <http://rdfs.org/ns/void#>" in written
