"""The large-graph road (store-first build, shapes per article) gives the rdflib road's store, dumps and verdicts."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from app.core import file_validation
from app.core.config import Settings
from app.core.knowledge import InvalidDataError, build_knowledge
from app.core.knowledge_cache import kept_graph_counts
from app.core.persisted_store import prepare_store
from app.core.sources import RdfSyntaxError, SourceRole, discover_sources, load_dataset
from app.core.store import EmbeddedStore
from app.core.store_pipeline import build_store
from app.core.validation import Severity, run_shapes, union_of

ROOT = Path(__file__).resolve().parents[2]


def settings_for(data: Path, cache: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, data_dir=data, cache_dir=cache, **overrides)  # type: ignore[call-arg]


def quads(store_dir: Path) -> set[str]:
    """Every quad of the named graphs, as N-Quads lines (blank nodes renamed by the store: left out)."""
    store = ox.Store.read_only(str(store_dir))
    lines = set()
    for quad in store.quads_for_pattern(None, None, None, None):
        if isinstance(quad.graph_name, ox.DefaultGraph) or "_:" in str(quad):
            continue
        lines.add(str(quad))
    return lines


def whole_graph_issues(settings: Settings) -> set[Any]:
    sources = discover_sources(settings)
    dataset = load_dataset(sources)
    data = union_of(dataset, sources, SourceRole.DATA)
    return set(
        run_shapes(data, union_of(dataset, sources, SourceRole.SHAPES), union_of(dataset, sources, SourceRole.ONTOLOGY))
    )


@pytest.mark.slow
def test_the_store_first_build_serves_the_same_quads_as_the_rdflib_road(tmp_path: Path) -> None:
    settings = settings_for(ROOT / "data", tmp_path / "cache")
    knowledge = build_knowledge(settings)
    EmbeddedStore.from_dataset(knowledge.dataset, tmp_path / "reference", merge_default_graph=True)
    built = build_store(settings, tmp_path / "store", tmp_path / "dumps")
    assert built.version == knowledge.version
    assert quads(tmp_path / "store") == quads(tmp_path / "reference")
    store = ox.Store.read_only(str(tmp_path / "store"))  # the default graph is the merge of the named graphs
    merged = {
        ox.Triple(q.subject, q.predicate, q.object) for q in store if not isinstance(q.graph_name, ox.DefaultGraph)
    }
    assert set(store.quads_for_pattern(None, None, None, ox.DefaultGraph())) == {
        ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in merged
    }
    del store
    served = EmbeddedStore.open_read_only(tmp_path / "store").triple_count_by_graph()
    assert kept_graph_counts(tmp_path / "dumps", lambda: {}) == served  # counted by the build, not at the start
    assert [(d.name, d.triples) for d in built.write_dumps() if d.part != "dataset"] == [
        (name, triples)
        for name, triples in ((d.name, d.triples) for d in _rdflib_dumps(knowledge, tmp_path / "rdflib-dumps"))
        if not name.startswith("coopgraph.")
    ]
    severe = {(i.severity, i.focus, i.message) for i in built.report.issues if i.severity is not Severity.INFO}
    assert severe == {
        (i.severity, i.focus, i.message) for i in knowledge.report.issues if i.severity is not Severity.INFO
    }


def _rdflib_dumps(knowledge: Any, out: Path) -> Any:
    from app.core.dumps import write_dumps

    return write_dumps(knowledge, out)


@pytest.mark.slow
def test_per_article_shapes_match_the_whole_graph_but_for_info_on_the_shipped_data(tmp_path: Path) -> None:
    settings = settings_for(ROOT / "data", tmp_path / "cache")
    per_article = set(file_validation.validate_articles(discover_sources(settings), None, workers=1))
    whole = whole_graph_issues(settings)
    assert {i for i in per_article if i.severity is not Severity.INFO} == {
        i for i in whole if i.severity is not Severity.INFO
    }
    extra = per_article - whole  # organisations whose seat only another article states
    assert all(i.severity is Severity.INFO and "basedIn" in (i.path or "") for i in extra)
    assert whole <= per_article


@pytest.mark.slow
def test_per_article_shapes_match_the_whole_graph_exactly_on_a_10k_graph_and_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(10_000, 3, tmp_path / "data")
    settings = settings_for(tmp_path / "data", tmp_path / "cache")
    sources = discover_sources(settings)
    first = file_validation.validate_articles(sources, settings.cache_dir, workers=2)
    assert set(first) == whole_graph_issues(settings)
    monkeypatch.setattr(file_validation, "validate_batch", lambda *a: pytest.fail("validated again"))
    assert set(file_validation.validate_articles(sources, settings.cache_dir, workers=1)) == set(first)


@pytest.mark.slow
def test_a_large_project_is_built_by_the_store_first_road_and_restarts_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    settings = settings_for(tmp_path / "data", tmp_path / "cache", large_graph_bytes=0)
    first = prepare_store(settings, tmp_path / "work")
    assert first.knowledge is None and not first.reused  # no rdflib Knowledge was built
    monkeypatch.setattr("app.core.persisted_store.build_store", lambda *a: pytest.fail("built again"))
    assert prepare_store(settings, tmp_path / "work").reused


def test_a_file_that_does_not_parse_stops_the_shapes_and_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shapes start before the parse (issue 7); a malformed article stops them and is reported, file and line."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    broken = sorted((tmp_path / "data" / "sources").glob("*.ttl"))[-1]
    broken.write_text(broken.read_text(encoding="utf-8") + "\n<urn:x> <urn:p> .\n", encoding="utf-8")
    stopped = []
    validate = file_validation.validate_articles

    def watched(*args: Any, stop: threading.Event, **kwargs: Any) -> Any:
        assert stop.wait(60)  # the shapes are still at work when the parse fails
        try:
            return validate(*args, **{**kwargs, "stop": stop})
        except file_validation.ValidationStoppedError:
            stopped.append(True)
            raise

    monkeypatch.setattr("app.core.store_pipeline.validate_articles", watched)
    monkeypatch.setattr(file_validation, "validate_batch", lambda *a: pytest.fail("a batch ran after the stop"))
    settings = settings_for(tmp_path / "data", tmp_path / "cache", large_graph_bytes=0)
    with pytest.raises(RdfSyntaxError) as error:
        build_store(settings, tmp_path / "store", tmp_path / "dumps")
    bad_line = len(broken.read_text(encoding="utf-8").splitlines())
    assert f"{broken.name}:{bad_line}:" in str(error.value)
    assert stopped == [True] and not (tmp_path / "dumps").exists()


def test_validation_told_to_stop_validates_nothing(tmp_path: Path) -> None:
    sources = discover_sources(settings_for(ROOT / "data", tmp_path / "cache"))
    stop = threading.Event()
    stop.set()
    for workers in (1, 2):
        with pytest.raises(file_validation.ValidationStoppedError):
            file_validation.validate_articles(sources, tmp_path / "cache", workers=workers, stop=stop)
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_data_that_violates_leaves_no_store_behind(tmp_path: Path) -> None:
    """The asserted graphs go to disk while the data is validated (issue 7): a violation removes them again."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    article = sorted((tmp_path / "data" / "sources").glob("*.ttl"))[0]
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text + "\n<https://w3id.org/coopgraph/id/org/x> <https://w3id.org/coopgraph/def#partnerOf> "
        "<https://w3id.org/coopgraph/id/org/y> .\n",
        encoding="utf-8",
    )
    settings = settings_for(tmp_path / "data", tmp_path / "cache", large_graph_bytes=0)
    with pytest.raises(InvalidDataError) as error:
        build_store(settings, tmp_path / "store", tmp_path / "dumps")
    assert any("partnerOf" in issue.message for issue in error.value.report.issues)
    assert not (tmp_path / "store").exists()


@pytest.mark.slow
def test_inferred_triples_name_the_blank_nodes_of_the_asserted_graphs(tmp_path: Path) -> None:
    """An inferred triple about a blank node joins that node in the served store (issue 7: loading the inferred
    graph, or the schema closure of a fresh parse of the ontology, renamed them)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    with (tmp_path / "ontology" / "coop.ttl").open("a", encoding="utf-8") as ontology:
        ontology.write(
            "\n<https://w3id.org/coopgraph/def#Organisation> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
            '[ <http://www.w3.org/2000/01/rdf-schema#comment> "an unnamed superclass"@en ] .\n'
        )
    settings = settings_for(
        tmp_path / "data", tmp_path / "cache", ontology_dir=tmp_path / "ontology", large_graph_bytes=0
    )
    build_store(settings, tmp_path / "store", tmp_path / "dumps")
    store = ox.Store.read_only(str(tmp_path / "store"))
    joined = store.query(
        """PREFIX coop: <https://w3id.org/coopgraph/def#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(DISTINCT ?organisation) AS ?n) WHERE {
          GRAPH <https://w3id.org/coopgraph/graph/ontology> { coop:Organisation rdfs:subClassOf ?superclass }
          FILTER isBlank(?superclass)
          GRAPH <https://w3id.org/coopgraph/graph/inferred> {
            coop:University rdfs:subClassOf ?superclass .  # the schema part of the closure
            ?organisation a ?superclass                    # its data part
          }
        }"""
    )
    assert isinstance(joined, ox.QuerySolutions)
    assert int(next(iter(joined))["n"].value) > 10
