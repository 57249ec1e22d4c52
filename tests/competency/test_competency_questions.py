"""Competency questions: a researcher's question, its SPARQL, and the answer the articles give."""

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from app.core.config import Settings
from app.core.knowledge import build_knowledge
from app.core.namespaces import PREFIXES
from app.core.stats import compact
from app.core.store import EmbeddedStore, to_rdflib

HERE = Path(__file__).parent
QUESTIONS: list[dict[str, Any]] = yaml.safe_load((HERE / "questions.yaml").read_text(encoding="utf-8"))
SEED_IDS = {"000", "001", "002", "003", "004"}


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return EmbeddedStore.from_dataset(build_knowledge(Settings()).dataset)


def answer(store: EmbeddedStore, query: str) -> bool | list[dict[str, str]]:
    """The query's answer with IRIs compacted and literals as their lexical form."""
    result = store.raw_query(query, prefixes=PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return [{name: compact(str(to_rdflib(row[name]))) for name in names if row[name] is not None} for row in result]


def test_there_are_enough_questions_covering_every_article() -> None:
    assert len(QUESTIONS) >= 25
    assert len({q["id"] for q in QUESTIONS}) == len(QUESTIONS)
    assert {str(q["source"]).zfill(3) for q in QUESTIONS} >= SEED_IDS


@pytest.mark.parametrize("question", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_competency_question(store: EmbeddedStore, question: dict[str, Any]) -> None:
    got = answer(store, question["query"])
    expected = question["expect"]
    if isinstance(expected, bool):
        assert got is expected, question["question"]
        return
    assert isinstance(got, list)
    wanted = [{k: str(v) for k, v in row.items()} for row in expected]
    if question.get("contains"):
        missing = [row for row in wanted if row not in got]
        assert not missing, f"{question['question']}: missing {missing} in {got}"
    else:
        assert sorted(map(sorted_items, got)) == sorted(map(sorted_items, wanted)), question["question"]


def sorted_items(row: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(row.items())
