"""The synthetic graphs of bench/generate.py: the same seed gives the same bytes, and a 10k graph passes the shapes."""

from __future__ import annotations

import sys
from pathlib import Path

from app.core.config import Settings
from app.core.sources import discover_sources, load_dataset
from app.core.validation import Severity, validate_dataset

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    generate(3_000, 7, tmp_path / "a")
    generate(3_000, 7, tmp_path / "b")
    generate(3_000, 8, tmp_path / "c")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_a_10k_graph_conforms_to_the_shapes_and_checks_without_warnings(tmp_path: Path) -> None:
    files, triples = generate(10_000, 1, tmp_path / "data")
    assert files > 10 and 10_000 <= triples < 11_000
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    sources = discover_sources(settings)
    report = validate_dataset(load_dataset(sources), sources, settings.queries_dir / "checks")
    problems = [i for i in report.issues if i.severity is not Severity.INFO]
    assert report.conforms and not problems, problems[:5]


def test_the_graph_has_what_the_queries_look_for(tmp_path: Path) -> None:
    generate(3_000, 1, tmp_path)
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "sources").glob("*.ttl"))
    for needle in ("^^xsd:date", "^^xsd:gYearMonth", "^^xsd:gYear", "coop:signatory", "coop:hasParty", "coop:place"):
        assert needle in text
    parties = [block.count("o:") for block in text.split("coop:hasParty")[1:]]
    assert parties and min(parties) >= 2
