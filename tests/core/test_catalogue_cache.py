"""The canned-query catalogue at startup: kept between starts, else fully checked in a child during the load."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core import canned_queries, catalogue_cache
from app.core.canned_queries import CatalogueError, load_catalogue
from app.core.catalogue_cache import load_catalogue_cached
from app.core.config import Settings
from app.core.forked_call import BACKGROUND_NICENESS

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "#+ name: {name}\n#+ title: {{en: A query, fr: Une requête}}\n#+ description: {{en: It, fr: Elle}}\n"
    "#+ view: table\n"
)


def queries_with(tmp_path: Path, shipped: tuple[str, ...] = ("countries", "provenance"), **extra: str) -> Path:
    """`shipped` queries (no values_from between these two) and `extra` ones: name → SPARQL."""
    folder = tmp_path / "queries"
    folder.mkdir(parents=True)
    for name in shipped:
        shutil.copy(ROOT / "queries" / f"{name}.rq", folder)
    for name, sparql in extra.items():
        (folder / f"{name}.rq").write_text(HEADER.format(name=name) + sparql, encoding="utf-8")
    return folder


def settings_for(tmp_path: Path, queries: Path) -> Settings:
    return Settings(_env_file=None, cache_dir=tmp_path / "cache", queries_dir=queries)  # type: ignore[call-arg]


def test_a_first_start_checks_in_a_child_then_the_next_reads_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path, queries_with(tmp_path, describe="DESCRIBE <http://example.org/x>"))
    first = load_catalogue_cached(settings)
    assert first.process is not None  # the guard's parse runs in the child
    assert [(q.name, q.form) for q in first.catalogue] == [
        ("countries", "SELECT"),
        ("describe", "DESCRIBE"),
        ("provenance", "SELECT"),
    ]
    assert first.wait() is first.catalogue
    assert list((tmp_path / "cache").glob("catalogue-*.pickle"))

    monkeypatch.setattr(catalogue_cache, "load_catalogue", lambda *_, **__: pytest.fail("checked again"))
    again = load_catalogue_cached(settings)
    assert again.process is None
    assert [(q.name, q.sparql, q.form, q.columns) for q in again.wait()] == [
        (q.name, q.sparql, q.form, q.columns) for q in first.catalogue
    ]


def test_a_query_only_the_safety_check_refuses_is_reported_and_refused_where_it_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The engine takes FROM <any graph>, the guard only graphs the store holds: refused once the child is done.
    The service does not wait for that verdict to answer: it logs it, and the workers' guard refuses the query."""
    sparql = "SELECT ?s FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }"
    settings = settings_for(tmp_path, queries_with(tmp_path, elsewhere=sparql))
    check = load_catalogue_cached(settings)
    assert "elsewhere" in check.catalogue.names()
    with pytest.raises(CatalogueError, match=r"elsewhere\.rq.*FROM"):
        check.wait()
    assert not list((tmp_path / "cache").glob("catalogue-*.pickle"))

    from app.api.main import create_app

    caplog.set_level(logging.ERROR, logger="coopgraph")
    with TestClient(create_app(settings)) as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        refused = client.get("/api/queries/elsewhere")
        assert refused.status_code == 400 and "FROM" in refused.text
        assert client.get("/api/queries/countries").status_code == 200
        deadline = time.monotonic() + 30
        while "elsewhere.rq" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "safety check refused the catalogue" in caplog.text and "elsewhere.rq" in caplog.text
    assert not list((tmp_path / "cache").glob("catalogue-*.pickle"))  # refused again at the next start


def test_a_service_stopped_at_once_lets_the_check_end_and_keep_its_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.api.main import create_app

    settings = settings_for(tmp_path, queries_with(tmp_path))
    slower = "import time; time.sleep(4); " + catalogue_cache.CHECK_COMMAND  # still checking when the client leaves
    monkeypatch.setattr(catalogue_cache, "CHECK_COMMAND", slower)
    catalogue_cache.prestart_check(settings)
    with TestClient(create_app(settings)) as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    assert list((tmp_path / "cache").glob("catalogue-*.pickle"))  # the next start reads it back
    assert load_catalogue_cached(settings).process is None


def test_the_port_opens_before_the_check_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A first start serves while the full check still runs (here, one that never ends); a service stopped
    meanwhile lets it run FINISH_GRACE_S more, then stops it, without reporting it as a refusal."""
    import subprocess
    import sys
    from subprocess import PIPE

    from app.api.main import create_app

    slow: list[subprocess.Popen[bytes]] = []

    def never_done(*_: object) -> subprocess.Popen[bytes]:
        slow.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], stdout=PIPE, stderr=PIPE))
        return slow[0]

    monkeypatch.setattr(catalogue_cache, "_start_check", never_done)
    monkeypatch.setattr(catalogue_cache, "FINISH_GRACE_S", 0.5)
    caplog.set_level(logging.ERROR, logger="coopgraph")
    with TestClient(create_app(settings_for(tmp_path, queries_with(tmp_path)))) as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert client.get("/api/queries/countries").status_code == 200
        assert slow[0].poll() is None  # still checking
    assert slow[0].returncode is not None  # stopped and reaped with the service
    assert "refused" not in caplog.text


def test_a_query_naming_a_service_is_refused_before_the_engine_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's column check evaluates the query: never one that names a SERVICE (Oxigraph would call it)."""
    monkeypatch.setattr(canned_queries, "_columns", lambda *_: pytest.fail("evaluated"))
    for sparql in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    ):
        folder = queries_with(tmp_path / str(len(sparql)), shipped=(), remote=sparql)
        with pytest.raises(CatalogueError, match=r"remote\.rq.*SERVICE"):
            load_catalogue(folder, guard=False)


def test_the_forms_read_without_the_guard_are_the_guards() -> None:
    guarded = load_catalogue(ROOT / "queries")
    assert [(q.name, q.form, q.columns) for q in load_catalogue(ROOT / "queries", guard=False)] == [
        (q.name, q.form, q.columns) for q in guarded
    ]
    for sparql, form in [
        ("PREFIX a: <http://x/#>\n# SELECT in a comment\nBASE <http://y/> ASK {}", "ASK"),
        ("prefix b:<http://x/> construct { ?s ?p ?o } where { ?s ?p ?o }", "CONSTRUCT"),
        ("#PREFIX c: <x>\nDESCRIBE <http://x/>", "DESCRIBE"),
    ]:
        assert canned_queries.written_form(sparql) == form


def niceness_of(pid: int) -> int:
    """The process's niceness once its first line has lowered it (it may still be starting), read from /proc."""
    deadline = time.monotonic() + 10
    while True:
        niceness = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        if niceness != os.nice(0) or time.monotonic() > deadline:
            return niceness
        time.sleep(0.01)


def test_a_check_started_ahead_is_taken_up_not_started_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server starts the check before its own imports (prestart_check); the app's load takes that one up."""
    settings = settings_for(tmp_path, queries_with(tmp_path))
    catalogue_cache.prestart_check(settings)
    catalogue_cache.prestart_check(settings)  # once per verdict file
    assert len(catalogue_cache._prestarted) == 1
    started = next(iter(catalogue_cache._prestarted.values()))
    monkeypatch.setattr(catalogue_cache, "_start_check", lambda *_: pytest.fail("a second check was started"))
    assert niceness_of(started.pid) == min(os.nice(0) + BACKGROUND_NICENESS, 19)  # background: the service first
    check = load_catalogue_cached(settings)
    assert check.process is started and not catalogue_cache._prestarted
    assert [q.name for q in check.wait()] == ["countries", "provenance"]

    catalogue_cache.prestart_check(settings)  # the verdict is kept now: nothing to start
    assert not catalogue_cache._prestarted


def test_a_check_started_ahead_is_stopped_when_a_header_is_malformed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, queries_with(tmp_path))
    (settings.queries_dir / "broken.rq").write_text("#+ name: [unclosed\nSELECT * {}", encoding="utf-8")
    catalogue_cache.prestart_check(settings)
    started = next(iter(catalogue_cache._prestarted.values()))
    with pytest.raises(CatalogueError, match=r"broken\.rq"):
        load_catalogue_cached(settings)
    assert started.returncode is not None and not catalogue_cache._prestarted  # killed and reaped


def test_checks_never_taken_up_are_killed_at_exit(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, queries_with(tmp_path))
    catalogue_cache.prestart_check(settings)
    started = next(iter(catalogue_cache._prestarted.values()))
    catalogue_cache._discard_prestarted()  # what atexit runs
    assert started.returncode is not None and not catalogue_cache._prestarted
