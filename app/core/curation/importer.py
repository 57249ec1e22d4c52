"""Rows of the template → one source article's graph, with every problem located by file, sheet, row and column.

Conversion runs in three passes, because a row may name another row of the same upload by its label: (1) read
each row's kind and id, minting an IRI from the label where the id is blank; (2) mint the IRIs that are built
from other entities (a position from its holder, role and organisation; a partnership from its parties and
kind); (3) turn every cell into triples. Nothing is guessed: a cell that cannot be read is reported and left out,
and the caller writes nothing while any problem remains.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, TIME, XSD
from rdflib.term import Node

from app.core.curation.matching import (
    SLUG,
    EntityIndex,
    ResolutionError,
    Vocabulary,
    compact,
    expand,
    instance_iri,
    segment_of,
    slugify,
)
from app.core.curation.tables import Table, TableProblem, TableRow
from app.core.curation.template import (
    EARLIEST_HEADER,
    ID_HEADER,
    KIND_HEADER,
    LATEST_HEADER,
    PARTNERSHIPS,
    SOURCE_HEADER,
    SOURCES,
    Column,
    Sheet,
    ValueKind,
)
from app.core.namespaces import COOP

DATE_FORMS = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
SHORT_KIND_SLUGS = {COOP.MemorandumOfUnderstanding: "mou"}


@dataclass(frozen=True)
class RowRef:
    """Where an entity was described: the file, the sheet and the row (as the spreadsheet numbers it)."""

    file: str
    sheet: str
    row: int


@dataclass(frozen=True)
class DateValue:
    """A date at its precision: the typed literal, the OWL-Time unit, and the first and last day it covers."""

    literal: Literal
    precision: URIRef
    earliest: dt.date
    latest: dt.date


@dataclass
class ImportResult:
    """The graph the rows describe, the problems found, and which row each entity came from."""

    graph: Graph
    problems: list[TableProblem] = field(default_factory=list)
    origins: dict[URIRef, RowRef] = field(default_factory=dict)
    minted: dict[URIRef, RowRef] = field(default_factory=dict)


class DateFormatError(ValueError):
    """A date cell that is not YYYY, YYYY-MM or YYYY-MM-DD (or names a day that does not exist)."""


def parse_date(text: str) -> DateValue:
    """Read YYYY, YYYY-MM or YYYY-MM-DD into the typed literal (xsd:gYear, xsd:gYearMonth, xsd:date) and bounds."""
    match = DATE_FORMS.match(text.strip())
    if match is None:
        raise DateFormatError(
            f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2018, 2018-04, 2018-04-12)"
        )
    year, month, day = int(match[1]), match[2], match[3]
    try:
        if month is None:
            return DateValue(
                Literal(match[1], datatype=XSD.gYear), TIME.unitYear, dt.date(year, 1, 1), dt.date(year, 12, 31)
            )
        last = calendar.monthrange(year, int(month))[1] if 1 <= int(month) <= 12 else 0
        if day is None:
            first, final = dt.date(year, int(month), 1), dt.date(year, int(month), last)
            return DateValue(Literal(f"{match[1]}-{month}", datatype=XSD.gYearMonth), TIME.unitMonth, first, final)
        exact = dt.date(year, int(month), int(day))
    except ValueError as error:
        raise DateFormatError(f"{text!r} is not a date of the calendar ({error})") from error
    return DateValue(Literal(exact.isoformat(), datatype=XSD.date), TIME.unitDay, exact, exact)


def cell_values(text: str, column: Column) -> list[str]:
    """The values of a cell: one per line for text, one per line or `;` for references and concepts."""
    if column.kind is ValueKind.TEXT and not column.multiple:
        return [text] if text else []
    separators = r"\n" if column.kind in (ValueKind.TEXT, ValueKind.PLAIN) else r"[\n;]"
    return [value.strip() for value in re.split(separators, text) if value.strip()]


@dataclass(eq=False)
class _Entity:
    """One row on its way to triples."""

    table: Table
    row: TableRow
    kinds: list[URIRef]
    segment: str | None
    iri: URIRef | None
    is_new: bool

    @property
    def sheet(self) -> Sheet:
        return self.table.sheet

    def cell(self, header: str) -> str:
        return self.row.cells.get(header, "")

    @property
    def where(self) -> RowRef:
        return RowRef(self.table.file, self.sheet.name, self.row.number)


class _Importer:
    """One conversion: the project's index and vocabulary, the graph being built, and the problems met."""

    def __init__(self, source_id: str, index: EntityIndex, vocabulary: Vocabulary) -> None:
        self.source_id = source_id
        self.source_iri = instance_iri("source", source_id)
        self.index = index
        self.vocabulary = vocabulary
        self.result = ImportResult(Graph())
        self.taken: set[URIRef] = set()

    def problem(self, entity: _Entity | None, column: str | None, message: str, value: str | None = None) -> None:
        if entity is None:
            self.result.problems.append(TableProblem("", SOURCES.name, None, column, message, value))
            return
        where = entity.where
        self.result.problems.append(TableProblem(where.file, where.sheet, where.row, column, message, value))

    def run(self, tables: Iterable[Table]) -> ImportResult:
        entities = [entity for table in tables for row in table.rows if (entity := self.declare(table, row))]
        self.require_source_row(entities)
        dependent = [e for e in entities if e.iri is None and self.minted_from_references(e)]
        independent = [e for e in entities if not any(e is d for d in dependent)]
        for entity in independent:
            if entity.iri is None:
                entity.iri = self.mint_from_label(entity)
        self.register(independent)
        for entity in dependent:
            entity.iri = self.mint_from_references(entity)
        self.register(dependent)
        self.reject_duplicates(entities)
        for entity in entities:
            if entity.iri is not None:
                self.describe(entity)
        return self.result

    # Pass 1: kinds and ids

    def declare(self, table: Table, row: TableRow) -> _Entity | None:
        """Read the row's kind(s) and id; None (with a problem) when the row cannot name an entity."""
        sheet = table.sheet
        entity = _Entity(table, row, [], None, None, True)
        entity.kinds = [sheet.fixed_kind] if sheet.fixed_kind is not None else self.read_kinds(entity)
        single = entity.sheet.segments[0] if len(entity.sheet.segments) == 1 else None
        entity.segment = self.segment_of_kinds(entity) or single
        identifier = row.cells.get(ID_HEADER, "")
        if sheet is SOURCES and not identifier:
            identifier = str(self.source_iri)
        if identifier:
            entity.iri = self.read_id(entity, identifier)
            if entity.iri is None:
                return None
            entity.segment = entity.segment or segment_of(entity.iri)
        if entity.segment is None:
            if not entity.cell(KIND_HEADER):
                self.problem(entity, KIND_HEADER, "give the row a kind (or an existing IRI in the id column)")
            return None
        entity.is_new = entity.iri is None or entity.iri not in self.index.iris
        if entity.is_new and not entity.kinds and not entity.cell(KIND_HEADER):
            kinds = ", ".join(sorted(k.split("#")[-1] for k in self.vocabulary.kinds_under(sheet.kinds)))
            self.problem(entity, KIND_HEADER, f"a new entity needs a kind; one of: {kinds}")
        return entity

    def read_kinds(self, entity: _Entity) -> list[URIRef]:
        kinds = []
        for token in cell_values(entity.cell(KIND_HEADER), Column(KIND_HEADER, (), ValueKind.REF, "")):
            try:
                kinds.append(self.vocabulary.resolve_kind(token, entity.sheet.kinds))
            except ResolutionError as error:
                self.problem(entity, KIND_HEADER, str(error), token)
        return kinds

    def segment_of_kinds(self, entity: _Entity) -> str | None:
        """The IRI segment the kinds call for (a position → position/); a problem when they disagree."""
        segments = {
            segment
            for kind in entity.kinds
            for root, segment in entity.sheet.kinds.items()
            if kind in self.vocabulary.kinds_under([root])
        }
        if len(segments) > 1:
            self.problem(entity, KIND_HEADER, f"these kinds belong to different types of entity: {sorted(segments)}")
        return next(iter(segments)) if len(segments) == 1 else None

    def read_id(self, entity: _Entity, text: str) -> URIRef | None:
        """The row's IRI: a full IRI, a prefixed name (o:imt) or a bare slug in the sheet's type segment."""
        iri = expand(text)
        if iri is None and SLUG.match(text) and entity.segment is not None:
            iri = instance_iri(entity.segment, text)
        if iri is None:
            self.problem(entity, ID_HEADER, "not an IRI, prefixed name (o:…) or lowercase-hyphenated slug", text)
            return None
        segment = segment_of(iri)
        local = str(iri).rsplit("/", 1)[-1]
        if (
            segment not in entity.sheet.segments
            or (entity.segment and segment != entity.segment)
            or not SLUG.match(local)
        ):
            expected = " or ".join(
                f"{instance_iri(s, '')}{{slug}}"
                for s in ([entity.segment] if entity.segment else entity.sheet.segments)
            )
            self.problem(entity, ID_HEADER, f"an id on this sheet is {expected} (slug: lowercase ASCII, hyphens)", text)
            return None
        if entity.sheet is SOURCES and iri != self.source_iri:
            self.problem(
                entity, ID_HEADER, f"this import is for source {self.source_id}: describe only that article here", text
            )
            return None
        return iri

    def require_source_row(self, entities: list[_Entity]) -> None:
        if not any(e.sheet is SOURCES and e.iri == self.source_iri for e in entities):
            self.problem(None, None, f"the sources sheet needs one row describing the article {self.source_id}")

    # Minting

    def mint_from_label(self, entity: _Entity) -> URIRef | None:
        """A new IRI from the English (else French) label, refusing a label that already names an existing entity."""
        label = entity.cell("label_en") or entity.cell("label_fr")
        assert entity.segment is not None
        if not label:
            self.problem(entity, "label_en", "give label_en or label_fr (the IRI is minted from it) or an id")
            return None
        existing = sorted(self.index.matches(label, [entity.segment]))
        if existing:
            named = ", ".join(compact(i) for i in existing)
            self.problem(
                entity,
                "label_en" if entity.cell("label_en") else "label_fr",
                f"{label!r} already names {named}: to add facts about it write {compact(existing[0])} in the id "
                "column; for a different entity give a distinguishing label",
                label,
            )
            return None
        return self.unique(entity.segment, slugify(label), entity)

    def minted_from_references(self, entity: _Entity) -> bool:
        """Positions and partnerships take their IRI from what they link, as the shipped data does."""
        return entity.segment == "position" or entity.sheet is PARTNERSHIPS

    def mint_from_references(self, entity: _Entity) -> URIRef | None:
        """position/{person}--{role}--{org}, partnership/{party}--{party}…--{kind}; from the label otherwise."""
        parts = self.reference_slugs(entity)
        if parts is None:
            return self.mint_from_label(entity)
        assert entity.segment is not None
        return self.unique(entity.segment, "--".join(parts), entity)

    def reference_slugs(self, entity: _Entity) -> list[str] | None:
        try:
            if entity.segment == "position":
                person = self.index.resolve(entity.cell("held_by"), ("person",))
                role = self.vocabulary.resolve_concept(entity.cell("role"), "role")
                organisation = self.index.resolve(entity.cell("position_in"), ("org",))
                return [_slug_of(person), _slug_of(role), _slug_of(organisation)]
            parties = [
                self.index.resolve(v, ("org",)) for v in cell_values(entity.cell("parties"), PARTNERSHIPS_PARTIES)
            ]
        except ResolutionError:
            return None  # reported with its row and column when the cell is read in pass 3
        if len(parties) < 2 or len(entity.kinds) != 1:
            return None
        kind = entity.kinds[0]
        kind_slug = SHORT_KIND_SLUGS.get(kind) or re.sub(r"(?<!^)(?=[A-Z])", "-", kind.split("#")[-1]).lower()
        return [*(_slug_of(p) for p in dict.fromkeys(parties)), kind_slug]

    def unique(self, segment: str, slug: str, entity: _Entity) -> URIRef | None:
        """`segment/slug`, or slug-2, slug-3… when the project or the upload already uses it."""
        if not slug:
            self.problem(entity, "label_en", "the label has no letter or digit to mint an IRI from; give an id")
            return None
        candidate, number = instance_iri(segment, slug), 2
        while candidate in self.index.iris or candidate in self.taken:
            candidate, number = instance_iri(segment, f"{slug}-{number}"), number + 1
        self.taken.add(candidate)
        self.result.minted[candidate] = entity.where
        return candidate

    def register(self, entities: Iterable[_Entity]) -> None:
        """Make the upload's rows nameable by label and IRI from any other row."""
        for entity in entities:
            if entity.iri is None:
                continue
            labels = [entity.cell("label_en"), entity.cell("label_fr")]
            labels += cell_values(entity.cell("alt_labels_en"), ALT) + cell_values(entity.cell("alt_labels_fr"), ALT)
            self.index.add(entity.iri, labels)
            self.taken.add(entity.iri)

    def reject_duplicates(self, entities: list[_Entity]) -> None:
        first: dict[URIRef, _Entity] = {}
        for entity in entities:
            if entity.iri is None:
                continue
            if entity.iri in first:
                earlier = first[entity.iri].where
                self.problem(
                    entity,
                    ID_HEADER,
                    f"{compact(entity.iri)} is already described by {earlier.sheet} row {earlier.row}: "
                    "one row per entity",
                )
                entity.iri = None
            else:
                first[entity.iri] = entity

    # Pass 3: cells → triples

    def describe(self, entity: _Entity) -> None:
        assert entity.iri is not None
        subject = entity.iri
        self.result.origins[subject] = entity.where
        for kind in entity.kinds:
            self.result.graph.add((subject, RDF.type, kind))
        for column in entity.sheet.columns:
            text = entity.cell(column.header)
            if not text:
                continue
            if column.segments and entity.segment not in column.segments:
                self.problem(entity, column.header, f"only for rows of type {', '.join(column.segments)}", text)
                continue
            self.read_cell(entity, subject, column, text)
        if entity.sheet is SOURCES:
            self.add_source_defaults(entity, subject)
        elif not entity.cell(SOURCE_HEADER):
            self.result.graph.add((subject, PROV.wasDerivedFrom, self.source_iri))

    def add_source_defaults(self, entity: _Entity, subject: URIRef) -> None:
        """What every source article states the same way: its labels and identifier from its id, if left blank."""
        defaults = (
            ("label_en", (RDFS.label, SKOS.prefLabel), Literal(f"Source article {self.source_id}", lang="en")),
            ("label_fr", (RDFS.label, SKOS.prefLabel), Literal(f"Article source {self.source_id}", lang="fr")),
            ("identifier", (DCTERMS.identifier,), Literal(self.source_id)),
        )
        for header, predicates, value in defaults:
            if not entity.cell(header):
                for predicate in predicates:
                    self.result.graph.add((subject, predicate, value))

    def read_cell(self, entity: _Entity, subject: URIRef, column: Column, text: str) -> None:
        values = cell_values(text, column)
        if len(values) > 1 and not column.multiple:
            self.problem(entity, column.header, "takes one value, not several", text)
            return
        if column.kind is ValueKind.DATE:
            self.read_date(entity, subject, column, values[0])
            return
        if column.kind is ValueKind.ORDERED_REFS:
            self.read_ordered(entity, subject, column, values)
            return
        for value in values:
            try:
                term = self.term(column, value)
            except (ResolutionError, ValueError) as error:
                self.problem(entity, column.header, str(error), value)
                continue
            for predicate in column.predicates:
                self.result.graph.add((subject, predicate, term))
            if column.inverse is not None:
                self.result.graph.add((term, column.inverse, subject))

    def term(self, column: Column, value: str) -> Node:
        """The RDF term one value stands for; ResolutionError or ValueError says why it cannot be read."""
        kind = column.kind
        if kind is ValueKind.TEXT:
            return Literal(value, lang=column.lang)
        if kind is ValueKind.PLAIN:
            return Literal(value)
        if kind is ValueKind.REF:
            return self.index.resolve(value, column.targets)
        if kind is ValueKind.CONCEPT:
            assert column.scheme is not None
            return self.vocabulary.resolve_concept(value, column.scheme)
        if kind in (ValueKind.INTEGER, ValueKind.POSITIVE_INTEGER):
            return _integer(value, positive=kind is ValueKind.POSITIVE_INTEGER)
        if kind is ValueKind.DAY:
            return Literal(_day(value).isoformat(), datatype=XSD.date)
        raise ValueError(f"no reader for {kind}")

    def read_date(self, entity: _Entity, subject: URIRef, column: Column, value: str) -> None:
        """The typed date, its precision, and the bounds it gives unless the row's earliest/latest override them."""
        try:
            date = parse_date(value)
        except DateFormatError as error:
            self.problem(entity, column.header, str(error), value)
            return
        graph = self.result.graph
        graph.add((subject, column.predicate, date.literal))
        graph.add((subject, COOP.datePrecision, date.precision))
        if not entity.cell(EARLIEST_HEADER):
            graph.add((subject, COOP.earliest, Literal(date.earliest.isoformat(), datatype=XSD.date)))
        if not entity.cell(LATEST_HEADER):
            graph.add((subject, COOP.latest, Literal(date.latest.isoformat(), datatype=XSD.date)))

    def read_ordered(self, entity: _Entity, subject: URIRef, column: Column, values: list[str]) -> None:
        """Entities in the order given, as an RDF collection (rdf:first/rdf:rest)."""
        members: list[Node] = []
        for value in values:
            try:
                members.append(self.index.resolve(value, column.targets))
            except ResolutionError as error:
                self.problem(entity, column.header, str(error), value)
        if len(members) == len(values):
            head = BNode()
            Collection(self.result.graph, head, members)
            self.result.graph.add((subject, column.predicate, head))


PARTNERSHIPS_PARTIES = PARTNERSHIPS.column("parties") or Column("parties", (), ValueKind.REF, "")
ALT = Column("alt_labels", (), ValueKind.TEXT, "", multiple=True)


def _slug_of(iri: URIRef) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _integer(value: str, *, positive: bool) -> Literal:
    if not re.fullmatch(r"[+-]?\d+", value):
        raise ValueError(f"{value!r} is not a whole number: write digits only (1600, not 1,600 or 1 600)")
    number = int(value)
    if positive and number < 1:
        raise ValueError(f"{value!r} must be 1 or more")
    return Literal(str(number), datatype=XSD.positiveInteger) if positive else Literal(number)


def _day(value: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{value!r} is not a day: write YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a day of the calendar ({error})") from error


def import_tables(tables: Iterable[Table], source_id: str, index: EntityIndex, vocabulary: Vocabulary) -> ImportResult:
    """Convert the tables of one upload into the graph of source `source_id` (index: the project's entities)."""
    return _Importer(source_id, index, vocabulary).run(tables)
