"""Issue 7: the faster validation (shacl_speedups.py, Oxigraph-parsed batches) reports exactly what pyshacl did.

Three proofs, each against pyshacl as it ships (`run_shapes(..., fast=False)`: no patch, the data copied, not mixed
in place):

- on the whole shipped data and on a whole generated 10k graph, the fast run gives the same issues, field by field
  (severity, focus, message, path, value, shape);
- the per-article road of the store-first build (file_validation.validate_articles: Oxigraph parse, fast pyshacl,
  in-place mixing, batches) gives the same report as the road it replaced (rdflib parse of each article, plain
  pyshacl), on the shipped data and on the 10k graph;
- every fixture of tests/fixtures (expected violations, warnings and infos) gets the same report both ways.

The 10k part runs in well under a minute on two cores.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_isomorphic

from app.core import file_validation, validation
from app.core.config import Settings
from app.core.sources import RdfSyntaxError, SourceRole, article_triples, discover_sources, load_dataset, parse_turtle
from app.core.validation import ValidationIssue, run_shapes, union_of

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "tests" / "shapes"))
BLANK_LABEL = re.compile(r"[A-Za-z0-9]{16,}")  # rdflib's and Oxigraph's generated blank node labels


def settings_for(data: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data, cache_dir=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def generated_10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp("coop10k") / "data"
    generate(10_000, 1, out)
    return out


def whole_graph(settings: Settings) -> tuple[Graph, Graph, Graph]:
    sources = discover_sources(settings)
    dataset = load_dataset(sources)
    return (
        union_of(dataset, sources, SourceRole.DATA),
        union_of(dataset, sources, SourceRole.SHAPES),
        union_of(dataset, sources, SourceRole.ONTOLOGY),
    )


def comparable(issues: list[ValidationIssue]) -> set[tuple[Any, ...]]:
    """Issues as tuples, a blank node's label (new at every parse) replaced by a marker."""
    out = set()
    for issue in issues:
        record = asdict(issue)
        if ":" not in record["focus"]:  # a focus is an IRI (with its scheme) or a blank node
            record["focus"] = "_:"
        if record["value"] is not None and BLANK_LABEL.fullmatch(record["value"]):
            record["value"] = "_:"
        out.add(tuple(sorted(record.items())))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("which", ["shipped", "10k"])
def test_the_fast_pyshacl_run_reports_what_pyshacl_reports_on_a_whole_graph(which: str, request: Any) -> None:
    data_dir = ROOT / "data" if which == "shipped" else request.getfixturevalue("generated_10k")
    data, shapes, ontology = whole_graph(settings_for(data_dir))
    fast = run_shapes(data, shapes, ontology)  # not in place: `data` is the same graph for the plain run
    plain = run_shapes(data, shapes, ontology, fast=False)
    assert len(plain) > 0
    assert set(fast) == set(plain)
    assert len(fast) == len(plain)


def rdflib_batch(paths: list[str], references: file_validation.ReferenceFiles) -> dict[str, list[dict[str, object]]]:
    """file_validation.validate_batch as it was before issue 7's speed-ups: rdflib parse, plain pyshacl."""
    reference_data, shapes, ontology = file_validation._reference_graphs(references)
    data = Graph()
    for triple in reference_data:
        data.add(triple)
    subjects: dict[str, set[URIRef]] = {}
    for path in paths:
        article = parse_turtle(Path(path))
        subjects[path] = {s for s in article.subjects() if isinstance(s, URIRef)}
        for triple in article:
            data.add(triple)
    per_file: dict[str, list[dict[str, object]]] = {path: [] for path in paths}
    for issue in run_shapes(data, shapes, ontology, fast=False) if len(shapes) else []:
        owners = [path for path in paths if URIRef(issue.focus) in subjects[path]] or paths
        for path in owners:
            per_file[path].append(asdict(issue))
    return per_file


@pytest.mark.slow
@pytest.mark.parametrize("which", ["shipped", "10k"])
def test_the_per_article_road_reports_what_it_reported_before_the_speed_ups(
    which: str, request: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = ROOT / "data" if which == "shipped" else request.getfixturevalue("generated_10k")
    sources = discover_sources(settings_for(data_dir))
    monkeypatch.setattr(file_validation, "BATCH_BYTES", 150_000)  # several batches even at 10k
    now = file_validation.validate_articles(sources, None, workers=1)
    monkeypatch.setattr(file_validation, "validate_batch", rdflib_batch)
    before = file_validation.validate_articles(sources, None, workers=1)
    assert len(before) > 0
    assert comparable(now) == comparable(before)


def test_articles_parsed_by_oxigraph_hold_the_triples_rdflib_parses(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(3_000, 2, tmp_path / "data")
    files = sorted((ROOT / "data").rglob("*.ttl")) + sorted((tmp_path / "data").rglob("*.ttl"))
    files += sorted(FIXTURES.rglob("*.ttl"))
    for path in files:
        try:
            expected = parse_turtle(path)
        except RdfSyntaxError:  # a fixture that does not parse: article_triples raises the same error
            with pytest.raises(RdfSyntaxError):
                list(article_triples(path, "x", {}))
            continue
        graph = Graph()
        for triple in article_triples(path, "x", {}):
            graph.add(triple)
        assert to_isomorphic(graph) == to_isomorphic(expected), path


def test_blank_nodes_of_two_articles_stay_apart(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.ttl").write_text('_:x <http://example.org/p> "v" .\n', encoding="utf-8")
    terms: dict[object, Any] = {}
    first = list(article_triples(tmp_path / "a.ttl", "a0x", terms))
    second = list(article_triples(tmp_path / "b.ttl", "a1x", terms))
    assert isinstance(first[0][0], BNode) and first[0][0] != second[0][0]


@pytest.mark.slow
def test_every_fixture_gets_the_same_report_with_and_without_the_speed_ups(monkeypatch: pytest.MonkeyPatch) -> None:
    from fixture_validation import EXPECTED, family_role, load_reference

    reference = load_reference()
    fixtures = sorted(FIXTURES.rglob("*.ttl"))
    assert len(fixtures) > 40
    fast = {}
    for path in fixtures:
        role = family_role(path.stem) if path.stem in EXPECTED else SourceRole.DATA
        fast[path] = reference.validate(path, role).issues
    monkeypatch.setattr(validation, "run_shapes", partial(run_shapes, fast=False))
    for path in fixtures:
        role = family_role(path.stem) if path.stem in EXPECTED else SourceRole.DATA
        plain = reference.validate(path, role).issues
        assert comparable(fast[path]) == comparable(plain), path


def test_a_sparql_text_that_fails_pyshacl_s_check_fails_every_time() -> None:
    from pyshacl.errors import ValidationFailure
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    from app.core.shacl_speedups import faster_pyshacl

    helper: Any = SPARQLQueryHelper.__new__(SPARQLQueryHelper)
    good, bad = "SELECT $this WHERE { $this ?p ?o }", "SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }"
    with faster_pyshacl():
        for _ in range(2):
            assert helper.check_invalid_sparql(good) is True
            with pytest.raises(ValidationFailure):
                helper.check_invalid_sparql(bad)
