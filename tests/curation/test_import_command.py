"""`coopgraph import` and `coopgraph export-table` as a curator runs them: real subprocesses on a copy of data/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from curation_fixtures import DATA, ROOT, SHIPPED, csv_uploads, fictitious_source, folder_digest, make_project
from rdflib import Graph

COOPGRAPH = Path(sys.executable).parent / "coopgraph"
NEW_ID = "900-fictitious-test"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COOPGRAPH_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(COOPGRAPH), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )


def write_uploads(folder: Path, rows: dict[str, list[dict[str, str]]]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for upload in csv_uploads(rows):
        (folder / upload.name).write_bytes(upload.content)
    return [str(folder / f"{name}.csv") for name in rows]


def test_an_unmatched_party_is_printed_with_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    settings = make_project(tmp_path, SHIPPED[:1])  # IMT and ESP Dakar are described in the first article
    before = folder_digest(settings.data_dir)
    files = write_uploads(tmp_path / "upload", fictitious_source(NEW_ID, "A", parties="IMT; Université imaginaire"))
    result = run(settings.data_dir, "import", *files, "--source", NEW_ID)
    assert result.returncode == 1, result.stderr
    assert "partnerships.csv, sheet partnerships, row 2, column parties" in result.stderr
    assert "'Université imaginaire' matches no label" in result.stderr
    assert "nothing was written" in result.stderr
    assert folder_digest(settings.data_dir) == before


def test_a_shape_violation_is_printed_with_focus_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    settings = make_project(tmp_path, SHIPPED[:1])
    before = folder_digest(settings.data_dir)
    files = write_uploads(tmp_path / "upload", fictitious_source(NEW_ID, "B", status=""))
    result = run(settings.data_dir, "import", *files, "--source", NEW_ID)
    assert result.returncode == 1, result.stderr
    line = next(line for line in result.stderr.splitlines() if "coop:status" in line)
    assert "row 2, column status" in line and "id/partnership/imt--esp-dakar--collaboration" in line
    assert folder_digest(settings.data_dir) == before


def test_the_worked_example_imports_and_states_only_what_article_004_states(tmp_path: Path) -> None:
    source_id = SHIPPED[4]
    settings = make_project(tmp_path, SHIPPED[:4])
    result = run(settings.data_dir, "import", str(ROOT / "templates"), "--source", source_id)
    assert result.returncode == 0, result.stderr
    assert "minted https://w3id.org/coopgraph/id/partnership/fimme--arts-et-metiers--mou" in result.stdout
    imported = Graph().parse(settings.data_dir / "sources" / f"{source_id}.ttl")
    shipped = Graph().parse(DATA / "sources" / f"{source_id}.ttl")
    assert len(imported) > 100
    assert [t for t in imported if t not in shipped] == []  # every fact of the example is the article's own


def test_an_existing_source_is_not_overwritten_and_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    settings = make_project(tmp_path, SHIPPED[:1])
    before = folder_digest(settings.data_dir)
    files = write_uploads(tmp_path / "upload", fictitious_source(SHIPPED[0], "C"))
    refused = run(settings.data_dir, "import", *files, "--source", SHIPPED[0])
    assert refused.returncode == 1 and "already exists" in refused.stderr
    files = write_uploads(tmp_path / "upload2", fictitious_source(NEW_ID, "D"))
    dry = run(settings.data_dir, "import", *files, "--source", NEW_ID, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would write" in dry.stdout
    assert folder_digest(settings.data_dir) == before


def test_export_table_writes_every_source_and_checks_its_round_trip(tmp_path: Path) -> None:
    result = run(DATA, "export-table", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("round trip exact") == len(SHIPPED)
    assert sorted(p.name for p in tmp_path.iterdir()) == SHIPPED
    assert (tmp_path / SHIPPED[0] / "partnerships.csv").read_text(encoding="utf-8").startswith("id,kind,label_en")
