"""Rows → triples against the shipped project: label matching, minting, dates, inverses, and located problems.

The project's graphs are parsed once per module; each test gets a fresh index (the importer adds its rows to it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest
from curation_fixtures import ROOT
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.collection import Collection

from app.core.config import Settings
from app.core.curation.importer import ImportResult, import_tables
from app.core.curation.matching import EntityIndex, Vocabulary, index_entities, read_vocabulary
from app.core.curation.tables import Table, TableProblem, TableRow
from app.core.curation.template import SHEETS_BY_NAME
from app.core.curation.workflow import column_for
from app.core.namespaces import COOP, ID
from app.core.sources import SourceRole, discover_sources, load_dataset
from app.core.validation import union_of

SOURCE_ID = "900-fictitious-test"
SOURCE_ROW = {"id": SOURCE_ID, "language": "en", "source_file": "tests/fixtures/fictitious-release.txt"}
Convert = Callable[[Mapping[str, Sequence[Mapping[str, str]]]], ImportResult]


@pytest.fixture(scope="module")
def project() -> tuple[Graph, Vocabulary]:
    settings = Settings(_env_file=None, data_dir=ROOT / "data", ontology_dir=ROOT / "ontology")  # type: ignore[call-arg]
    sources = discover_sources(settings)
    dataset = load_dataset(sources)
    data = union_of(dataset, sources, SourceRole.DATA)
    return data, read_vocabulary(union_of(dataset, sources, SourceRole.ONTOLOGY), data)


@pytest.fixture
def convert(project: tuple[Graph, Vocabulary]) -> Convert:
    data, vocabulary = project

    def run(rows_by_sheet: Mapping[str, Sequence[Mapping[str, str]]]) -> ImportResult:
        rows = {"sources": [SOURCE_ROW], **rows_by_sheet}
        tables = [
            Table(f"{name}.csv", SHEETS_BY_NAME[name], (), tuple(TableRow(n, r) for n, r in enumerate(sheet, 2)))
            for name, sheet in rows.items()
        ]
        index: EntityIndex = index_entities(data)
        return import_tables(tables, SOURCE_ID, index, vocabulary)

    return run


def where(problem: TableProblem) -> tuple[str | None, int | None, str | None]:
    return problem.sheet, problem.row, problem.column


PARTNERSHIP = {
    "kind": "Collaboration",
    "label_en": "Fictitious collaboration",
    "label_fr": "Collaboration fictive",
    "status": "under-discussion",
    "evidence_en": "A fictitious sentence.",
}


def test_parties_are_matched_by_label_with_accents_and_case_folded(convert: Convert) -> None:
    result = convert({"partnerships": [{**PARTNERSHIP, "parties": "ÉCOLE SUPÉRIEURE polytechnique dakar; imt"}]})
    assert not result.problems
    partnership = ID["partnership/esp-dakar--imt--collaboration"]
    assert set(result.graph.objects(partnership, COOP.hasParty)) == {ID["org/esp-dakar"], ID["org/imt"]}
    assert (ID["org/imt"], COOP.partyTo, partnership) in result.graph  # the inverse the data asserts explicitly


def test_an_unknown_label_is_reported_with_its_row_and_column_never_guessed(convert: Convert) -> None:
    result = convert({"partnerships": [PARTNERSHIP, {**PARTNERSHIP, "label_en": "Other", "parties": "IMT; Sorbonne"}]})
    (problem,) = result.problems
    assert where(problem) == ("partnerships", 3, "parties")
    assert problem.value == "Sorbonne" and "matches no label" in problem.message
    assert not any(o == Literal("Sorbonne") for o in result.graph.objects())


def test_an_ambiguous_label_is_reported_with_every_candidate(convert: Convert) -> None:
    new_org = {"kind": "University", "label_en": "Institut Mines Test", "label_fr": "Institut Mines Test"}
    result = convert(
        {
            "organisations": [{**new_org, "alt_labels_en": "IMT"}],
            "partnerships": [{**PARTNERSHIP, "parties": "IMT; ESP"}],
        }
    )
    (problem,) = result.problems
    assert where(problem) == ("partnerships", 2, "parties")
    assert "ambiguous" in problem.message
    assert "o:imt " in problem.message and "o:institut-mines-test" in problem.message


def test_minted_slugs_are_ascii_and_never_collide_with_existing_iris(convert: Convert) -> None:
    # "IMT-Atlantique" is not the label of o:imt-atlantique (the hyphen differs), but its slug is taken.
    result = convert(
        {
            "organisations": [
                {"kind": "EngineeringSchool", "label_en": "IMT-Atlantique", "label_fr": "IMT-Atlantique"},
                {"kind": "University", "label_en": "Université de Thiès", "label_fr": "Université de Thiès"},
            ]
        }
    )
    assert not result.problems
    assert set(result.minted) == {ID["org/imt-atlantique-2"], ID["org/universite-de-thies"]}


def test_a_new_row_with_an_existing_entitys_label_is_told_to_use_its_id(convert: Convert) -> None:
    result = convert({"organisations": [{"kind": "University", "label_en": "Imt Atlantique", "label_fr": "x"}]})
    (problem,) = result.problems
    assert where(problem) == ("organisations", 2, "label_en")
    assert "o:imt-atlantique" in problem.message and "id" in problem.message


def test_kinds_are_checked_against_the_ontologys_subclasses(convert: Convert) -> None:
    result = convert(
        {
            "partnerships": [{**PARTNERSHIP, "kind": "University", "parties": "IMT; ESP"}],
            "events": [{"kind": "Table ronde", "label_en": "A round table", "label_fr": "Une table ronde"}],
            "organisations": [{"label_en": "No kind here", "label_fr": "Sans nature"}],
        }
    )
    by_sheet = {p.sheet: p for p in result.problems}
    assert "MemorandumOfUnderstanding" in by_sheet["partnerships"].message
    assert "a new entity needs a kind" in by_sheet["organisations"].message
    assert "events" not in by_sheet  # the French label of coop:RoundTable names the kind too
    assert (ID["event/a-round-table"], ns.RDF.type, COOP.RoundTable) in result.graph


def test_dates_at_any_precision_give_precision_bounds_and_wording(convert: Convert) -> None:
    result = convert(
        {
            "partnerships": [
                {
                    **PARTNERSHIP,
                    "parties": "IMT; ESP",
                    "date": "2018-04",
                    "date_text_en": "at the end of April 2018",
                    "earliest": "2018-04-20",
                }
            ]
        }
    )
    assert not result.problems
    subject = ID["partnership/imt--esp-dakar--collaboration"]
    graph = result.graph
    assert graph.value(subject, COOP.date) == Literal("2018-04", datatype=ns.XSD.gYearMonth)
    assert graph.value(subject, COOP.datePrecision) == ns.TIME.unitMonth
    assert graph.value(subject, COOP.earliest) == Literal("2018-04-20", datatype=ns.XSD.date)  # the override
    assert graph.value(subject, COOP.latest) == Literal("2018-04-30", datatype=ns.XSD.date)  # from the date
    assert graph.value(subject, COOP.dateText) == Literal("at the end of April 2018", lang="en")


def test_positions_and_partnerships_are_minted_from_what_they_link(convert: Convert) -> None:
    result = convert(
        {
            "people_positions": [
                {"kind": "Person", "label_en": "Awa Ndiaye", "label_fr": "Awa Ndiaye", "evidence_en": "x"},
                {
                    "kind": "Position",
                    "label_en": "Dean, ESP",
                    "label_fr": "Doyenne, ESP",
                    "held_by": "awa ndiaye",
                    "role": "dean",
                    "position_in": "ESP Dakar",
                    "evidence_en": "x",
                },
            ],
            "partnerships": [
                {
                    **PARTNERSHIP,
                    "kind": "Memorandum of understanding",
                    "parties": "ESP; IMT",
                    "signatories": "Awa Ndiaye",
                }
            ],
        }
    )
    assert not result.problems
    person, position = ID["person/awa-ndiaye"], ID["position/awa-ndiaye--dean--esp-dakar"]
    mou = ID["partnership/esp-dakar--imt--mou"]
    assert (position, COOP.heldBy, person) in result.graph and (person, COOP.holds, position) in result.graph
    assert (mou, COOP.signatory, person) in result.graph and (person, COOP.signed, mou) in result.graph
    assert result.graph.value(position, COOP.role) == ID["role/dean"]


def test_every_problem_is_reported_at_once_each_with_its_place(convert: Convert) -> None:
    result = convert(
        {
            "partnerships": [{**PARTNERSHIP, "parties": "IMT; ESP", "status": "finished", "date": "12/04/2018"}],
            "people_positions": [
                {"kind": "Person", "label_en": "Awa Ndiaye", "label_fr": "Awa Ndiaye", "role": "dean"},
            ],
            "figures": [{"kind": "Figure", "label_en": "n", "label_fr": "n", "value": "1,600"}],
            "events": [{"kind": "Meeting", "label_en": "m", "label_fr": "m", "place": "Dakar; Paris"}],
        }
    )
    found = {where(p) for p in result.problems}
    assert found == {
        ("partnerships", 2, "status"),
        ("partnerships", 2, "date"),
        ("people_positions", 2, "role"),
        ("figures", 2, "value"),
        ("events", 2, "place"),
    }
    messages = " ".join(p.message for p in result.problems)
    assert "signed" in messages and "YYYY-MM-DD" in messages and "digits only" in messages


def test_rows_default_to_the_imported_source_and_the_source_row_is_required(
    convert: Convert, project: tuple[Graph, Vocabulary]
) -> None:
    result = convert({"partnerships": [{**PARTNERSHIP, "parties": "IMT; ESP"}]})
    source = ID[f"source/{SOURCE_ID}"]
    assert (ID["partnership/imt--esp-dakar--collaboration"], ns.PROV.wasDerivedFrom, source) in result.graph
    assert result.graph.value(source, ns.RDFS.label) == Literal(f"Source article {SOURCE_ID}", lang="en")
    data, vocabulary = project
    table = Table("events.csv", SHEETS_BY_NAME["events"], (), ())
    missing = import_tables([table], SOURCE_ID, index_entities(data), vocabulary)
    assert "sources sheet needs one row" in missing.problems[0].message


def test_an_ordered_member_list_becomes_an_rdf_collection(convert: Convert) -> None:
    result = convert(
        {
            "delegations": [
                {
                    "kind": "Delegation",
                    "label_en": "Test delegation",
                    "label_fr": "Délégation de test",
                    "members_in_order": "Stéphane Roy\nSamir Saoudi",
                    "evidence_en": "x",
                }
            ]
        }
    )
    assert not result.problems
    head = result.graph.value(ID["delegation/test-delegation"], COOP.memberList)
    assert head is not None
    assert list(Collection(result.graph, head)) == [ID["person/stephane-roy"], ID["person/samir-saoudi"]]


def test_an_id_may_add_facts_to_an_existing_entity_without_a_kind(convert: Convert) -> None:
    result = convert({"organisations": [{"id": "o:imt", "evidence_en": "IMT, again"}]})
    assert not result.problems
    assert (URIRef(ID["org/imt"]), COOP.evidence, Literal("IMT, again", lang="en")) in result.graph
    assert (ID["org/imt"], ns.RDF.type, None) not in result.graph


def test_a_shape_report_is_pointed_at_the_column_holding_its_path() -> None:
    assert column_for("partnerships", str(COOP.status)) == "status"
    assert column_for("organisations", str(ns.RDFS.label)) == "label_en, label_fr"
    assert column_for("events", str(ns.RDF.type)) == "kind"
    # An alternative path (hasParty | ^partyTo) reaches the report as a blank node: the message names its terms.
    message = "A partnership needs at least two distinct parties (coop:hasParty / coop:partyTo)."
    assert column_for("partnerships", "nb1a2b3c", message) == "parties"
    assert column_for("partnerships", None, "no term named") is None
