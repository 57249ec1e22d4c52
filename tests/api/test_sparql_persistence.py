"""`--store PATH`: a restart with unchanged data opens the stored graph instead of parsing again; a change rebuilds."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import fixture_settings, serve_in_thread, write_fixture_project

from app.core import persisted_store
from app.core.knowledge import Knowledge

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(url: str) -> int:
    response = httpx.get(f"{url}/sparql", params={"query": COUNT})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every run of the pipeline by the persisted store, by data version."""
    runs: list[str] = []
    real = persisted_store.build_knowledge

    def counting(settings: object, **options: object) -> Knowledge:
        knowledge = real(settings, **options)  # type: ignore[arg-type]
        runs.append(knowledge.version)
        return knowledge

    monkeypatch.setattr(persisted_store, "build_knowledge", counting)
    return runs


@pytest.mark.slow
def test_restart_with_unchanged_data_does_not_parse_again(tmp_path: Path, builds: list[str]) -> None:
    folders = write_fixture_project(tmp_path / "project")
    store = tmp_path / "store"

    def settings(url: str):  # type: ignore[no-untyped-def]
        return fixture_settings(folders, url, store_path=store)

    with serve_in_thread(settings) as first:
        triples = count(first.url)
        assert first.app.state.coop.dumps
    assert len(builds) == 1

    with serve_in_thread(settings) as second:
        assert count(second.url) == triples
        assert httpx.get(f"{second.url}/data/").status_code == 200
    assert len(builds) == 1, "the second start parsed the data again"

    source = folders["data"] / "sources" / "000-fixture.ttl"
    source.write_text(
        source.read_text(encoding="utf-8") + '\no:new-school a coop:University ; rdfs:label "New"@en .\n',
        encoding="utf-8",
    )
    with serve_in_thread(settings) as third:
        assert count(third.url) > triples
    assert len(builds) == 2 and builds[0] != builds[1]
    stores = sorted(p.name for p in store.iterdir() if p.name.startswith("oxigraph-"))
    assert stores == sorted(f"oxigraph-{v[:16]}" for v in builds), "the replaced store is kept, no older one"


def test_a_damaged_manifest_means_a_rebuild(tmp_path: Path, builds: list[str]) -> None:
    folders = write_fixture_project(tmp_path / "project")
    settings = fixture_settings(folders, "http://127.0.0.1:8000", store_path=tmp_path / "store")
    first = persisted_store.prepare_store(settings, tmp_path / "work")
    again = persisted_store.prepare_store(settings, tmp_path / "work")
    assert (first.reused, again.reused) == (False, True)
    assert again.knowledge is None and again.version == first.version
    (tmp_path / "store" / persisted_store.MANIFEST).write_text("{not json", encoding="utf-8")
    rebuilt = persisted_store.prepare_store(settings, tmp_path / "work")
    assert rebuilt.reused is False
    assert len(builds) == 2


def test_a_rebuild_keeps_the_version_it_replaces_and_removes_older_ones(tmp_path: Path, builds: list[str]) -> None:
    folders = write_fixture_project(tmp_path / "project")
    settings = fixture_settings(folders, "http://127.0.0.1:8000", store_path=tmp_path / "store")
    source = folders["data"] / "sources" / "000-fixture.ttl"
    for n in range(3):
        persisted_store.prepare_store(settings, tmp_path / "work")
        source.write_text(
            source.read_text(encoding="utf-8") + f"\no:school-{n} a coop:University .\n", encoding="utf-8"
        )
    stores = sorted(p.name for p in (tmp_path / "store").iterdir() if p.name.startswith("oxigraph-"))
    assert stores == sorted(f"oxigraph-{v[:16]}" for v in builds[-2:])
