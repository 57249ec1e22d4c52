"""The template as declared: its columns are ontology fields, its shipped files match it, its cells read right."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from curation_fixtures import ROOT
from openpyxl import load_workbook
from rdflib import Graph, Literal
from rdflib import namespace as ns

from app.core.curation.importer import DateFormatError, cell_values, parse_date
from app.core.curation.matching import compact, expand, fold, slugify
from app.core.curation.tables import read_tables, workbook_bytes
from app.core.curation.template import SHEETS, SHEETS_BY_NAME, ValueKind, column_letter
from app.core.namespaces import COOP, ID


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in (ROOT / "ontology").glob("*.ttl"):
        graph.parse(path)
    return graph


def test_every_column_fills_a_declared_property_and_every_kind_is_a_declared_class(ontology: Graph) -> None:
    declared = set(ontology.subjects(ns.RDF.type, None))
    for sheet in SHEETS:
        assert set(sheet.kinds) <= declared, sheet.name
        for column in sheet.columns:
            assert set(column.predicates) <= declared, (sheet.name, column.header)


def test_the_inverses_the_importer_adds_are_the_ontologys(ontology: Graph) -> None:
    for sheet in SHEETS:
        for column in sheet.columns:
            if column.inverse is not None:
                pair = {(column.predicate, column.inverse), (column.inverse, column.predicate)}
                assert any(p in pair for p in ontology.subject_objects(ns.OWL.inverseOf)), column.header


def test_headers_are_unique_snake_case_and_start_with_id() -> None:
    for sheet in SHEETS:
        assert sheet.headers[0] == "id"
        assert len(set(sheet.headers)) == len(sheet.headers), sheet.name
        assert all(h == h.lower() and " " not in h for h in sheet.headers)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_the_shipped_template_file_has_the_declared_columns(sheet: object) -> None:
    name = sheet.name  # type: ignore[attr-defined]
    with (ROOT / "templates" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == SHEETS_BY_NAME[name].headers


@pytest.mark.parametrize(
    ("text", "literal", "precision", "earliest", "latest"),
    [
        ("2019", Literal("2019", datatype=ns.XSD.gYear), ns.TIME.unitYear, dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
        (
            "2024-02",
            Literal("2024-02", datatype=ns.XSD.gYearMonth),
            ns.TIME.unitMonth,
            dt.date(2024, 2, 1),
            dt.date(2024, 2, 29),
        ),
        (
            "2018-04-12",
            Literal("2018-04-12", datatype=ns.XSD.date),
            ns.TIME.unitDay,
            dt.date(2018, 4, 12),
            dt.date(2018, 4, 12),
        ),
    ],
)
def test_a_date_at_each_precision_gives_its_typed_literal_and_bounds(
    text: str, literal: Literal, precision: object, earliest: dt.date, latest: dt.date
) -> None:
    value = parse_date(text)
    assert (value.literal, value.precision, value.earliest, value.latest) == (literal, precision, earliest, latest)


@pytest.mark.parametrize("text", ["12/04/2018", "2018-13", "2018-02-30", "April 2018", "18"])
def test_a_malformed_date_says_how_to_write_one(text: str) -> None:
    with pytest.raises(DateFormatError, match=r"YYYY|calendar"):
        parse_date(text)


def test_folding_ignores_accents_case_quotes_dashes_and_spacing() -> None:
    assert fold("  École  Supérieure\tPolytechnique ") == fold("ecole superieure polytechnique")
    assert fold("IMT’s “Digital” – MOOC") == fold('imt\'s "digital" - mooc')


def test_slugs_are_ascii_lowercase_hyphenated() -> None:
    assert slugify("Université Cheikh Anta Diop de Dakar") == "universite-cheikh-anta-diop-de-dakar"
    assert slugify("Emmanuel Macron's visit to Dakar") == "emmanuel-macrons-visit-to-dakar"
    assert slugify("  ¡¿  ") == ""
    assert len(slugify("word " * 40)) <= 80


def test_iris_are_written_as_prefixed_names_and_read_back() -> None:
    iri = ID["org/imt-atlantique"]
    assert compact(iri) == "o:imt-atlantique"
    assert expand("o:imt-atlantique") == iri
    assert expand(f"<{iri}>") == iri
    assert expand("IMT Atlantique") is None
    assert expand("Note: not an IRI") is None


def test_cells_split_on_lines_and_references_also_on_semicolons() -> None:
    parties = SHEETS_BY_NAME["partnerships"].column("parties")
    evidence = SHEETS_BY_NAME["partnerships"].column("evidence_en")
    assert parties is not None and evidence is not None
    assert cell_values("IMT; ESP Dakar\n o:atos ", parties) == ["IMT", "ESP Dakar", "o:atos"]
    assert cell_values("one; still one\nsecond", evidence) == ["one; still one", "second"]


def test_column_letters_are_the_spreadsheets() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]


def test_csv_from_a_french_spreadsheet_with_semicolons_and_a_bom_reads_the_same() -> None:
    text = "\ufeffid;kind;label_en;label_fr\n;University;Université X;Université X\n"
    read = read_tables("organisations.csv", text.encode("utf-8"))
    assert not read.problems
    assert read.tables[0].rows[0].cells["label_en"] == "Université X"
    assert read.tables[0].rows[0].number == 2


def test_a_workbook_reads_back_its_rows_with_typed_cells_as_text() -> None:
    content = workbook_bytes({"figures": [{"id": "fg:x", "min_value": "1600", "date": "2018"}]})
    workbook = load_workbook(io.BytesIO(content))
    workbook["figures"]["G2"] = 1600  # a spreadsheet that typed the number
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_tables("upload.xlsx", buffer.getvalue())
    figures = next(t for t in read.tables if t.sheet.name == "figures")
    assert figures.rows[0].cells["min_value"] == "1600"
    assert figures.rows[0].cells["date"] == "2018"
    assert {t.sheet.name for t in read.tables} == {s.name for s in SHEETS}


def test_unknown_sheets_and_columns_are_reported_with_where() -> None:
    read = read_tables("partnerhsips.csv", b"id\n")
    assert "not a sheet of the template" in read.problems[0].message
    read = read_tables("partnerships.csv", b"id,kind,partys\n,Collaboration,IMT\n")
    (problem,) = read.problems
    assert (problem.sheet, problem.row, problem.column) == ("partnerships", 1, "partys")


def test_value_kinds_cover_every_column() -> None:
    kinds = {column.kind for sheet in SHEETS for column in sheet.columns}
    assert kinds == set(ValueKind)
    assert all(c.scheme for s in SHEETS for c in s.columns if c.kind is ValueKind.CONCEPT)
    assert COOP.status in {c.predicate for c in SHEETS_BY_NAME["partnerships"].columns}


def test_the_templates_readme_documents_every_sheet_and_column() -> None:
    text = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    for sheet in SHEETS:
        section = text.split(f"### `{sheet.name}`", 1)[1].split("\n### ", 1)[0]
        assert all(f"| `{header}` |" in section for header in sheet.headers), sheet.name
