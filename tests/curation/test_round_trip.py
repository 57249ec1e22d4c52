"""export-table → import reproduces every shipped source graph, into an empty data folder, through the real write path.

The round trip assumes the reference data a source file is validated against: data/places.ttl and data/concepts/
(copied into the empty folder) and the project's ontology/, shapes/ and queries/checks/. Sources are imported in
id order, as each only refers to what earlier ones and the reference data describe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from curation_fixtures import DATA, ROOT, SHIPPED, make_project
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from app.core.config import Settings
from app.core.curation.exporter import check_round_trip, export_graph
from app.core.curation.matching import index_entities, read_vocabulary
from app.core.curation.workflow import export_project, publish, read_upload_paths
from app.core.namespaces import source_graph
from app.core.sources import SourceRole, discover_sources, load_dataset
from app.core.validation import union_of


@pytest.fixture(scope="module")
def shipped() -> tuple[Settings, Dataset]:
    settings = Settings(_env_file=None, data_dir=DATA, ontology_dir=ROOT / "ontology")  # type: ignore[call-arg]
    return settings, load_dataset(discover_sources(settings))


@pytest.fixture(scope="module")
def exported(shipped: tuple[Settings, Dataset], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export_project(shipped[0], out)
    return out


@pytest.mark.parametrize("source_id", SHIPPED)
def test_every_triple_of_a_shipped_source_has_a_cell(shipped: tuple[Settings, Dataset], source_id: str) -> None:
    settings, dataset = shipped
    sources = discover_sources(settings)
    data = union_of(dataset, sources, SourceRole.DATA)
    vocabulary = read_vocabulary(union_of(dataset, sources, SourceRole.ONTOLOGY), data)
    graph = dataset.graph(source_graph(source_id))
    export = export_graph(graph, source_id)
    assert export.unexpressed == []
    trip = check_round_trip(export, graph, index_entities(data), vocabulary)
    assert trip.exact, (trip.missing[:5], trip.added[:5], trip.problems[:5])


def test_importing_the_export_into_an_empty_data_folder_gives_the_same_graphs(exported: Path, tmp_path: Path) -> None:
    settings = make_project(tmp_path)  # places.ttl and concepts/ only
    for source_id in SHIPPED:
        checked = publish(settings, source_id, read_upload_paths([exported / source_id]))
        original = Graph().parse(DATA / "sources" / f"{source_id}.ttl")
        rebuilt = Graph().parse(checked.path)
        assert isomorphic(original, rebuilt), source_id
        # Canonical serialisation on both sides: the files are even byte-identical.
        assert checked.path.read_bytes() == (DATA / "sources" / f"{source_id}.ttl").read_bytes()
    assert sorted(p.stem for p in (settings.data_dir / "sources").glob("*")) == SHIPPED


def test_an_xlsx_export_round_trips_too(shipped: tuple[Settings, Dataset], tmp_path: Path) -> None:
    source_id = SHIPPED[0]  # the first: it needs no other source
    export_project(shipped[0], tmp_path / "out", fmt="xlsx", only=[source_id])
    settings = make_project(tmp_path / "project")
    checked = publish(settings, source_id, read_upload_paths([tmp_path / "out" / f"{source_id}.xlsx"]))
    assert isomorphic(Graph().parse(checked.path), Graph().parse(DATA / "sources" / f"{source_id}.ttl"))
