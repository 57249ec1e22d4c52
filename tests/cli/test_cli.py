"""The `coopgraph` command, run as a user runs it: a real subprocess, real exit codes, real files."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from app.core.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, source_graph

ROOT = Path(__file__).resolve().parents[2]
COOPGRAPH = Path(sys.executable).parent / "coopgraph"
COMMANDS = ["validate", "build", "stats", "query", "format", "serve"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COOPGRAPH), *args], cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=240, check=False
    )


def data_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command: str | None) -> None:
    result = run(*([command] if command else []), "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: coopgraph" in result.stdout


def test_malformed_turtle_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open\n', encoding="utf-8")
    result = run("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:3" in result.stderr
    assert "conforms" not in result.stderr  # nothing was validated: the file never loaded


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nope.ttl"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    before = data_digest()
    result = run("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert data_digest() == before, "build must never write into data/"
    return out


def test_build_writes_every_dump_with_valid_checksums(built: Path) -> None:
    sums = (built / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    names = {line.split("  ")[1] for line in sums}
    for part in ("asserted", "inferred", "ontology"):
        assert {f"coopgraph-{part}.{ext}" for ext in ("ttl", "nt", "jsonld")} <= names
    assert {"coopgraph.trig", "coopgraph.nq"} <= names
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest


def test_trig_dump_keeps_named_graphs_apart(built: Path) -> None:
    dataset = Dataset()
    dataset.parse(built / "coopgraph.trig", format="trig")
    names = {g.identifier for g in dataset.graphs()}
    assert {INFERRED_GRAPH, ONTOLOGY_GRAPH, source_graph("000-da136021c989c901")} <= names
    asserted = Graph().parse(built / "coopgraph-asserted.ttl", format="turtle")
    inferred = Graph().parse(built / "coopgraph-inferred.ttl", format="turtle")
    assert len(inferred) > 0
    assert not set(asserted) & set(inferred), "the inferred graph holds only new triples"


def test_stats_prints_classes_sources_and_countries() -> None:
    result = run("stats")
    assert result.returncode == 0, result.stderr
    for expected in ("Entities per class", "coop:Person", "000-da136021c989c901", "Facts per source", "Morocco"):
        assert expected in result.stdout


def test_query_answers_in_csv_and_rejects_updates() -> None:
    result = run("query", "--format", "csv", "SELECT (COUNT(*) AS ?n) WHERE { ?s a coop:SourceArticle }")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "5"]
    refused = run("query", "DELETE WHERE { ?s ?p ?o }")
    assert refused.returncode != 0
    assert "rejected" in refused.stderr


def test_query_reads_a_file_and_stdin(tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("ASK { ?s a coop:Country }", encoding="utf-8")
    assert "true" in run("query", str(query)).stdout
    assert "true" in run("query", "-", stdin="ASK { ?s a coop:Continent }").stdout
