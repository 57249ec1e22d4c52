"""One source article's graph → the rows of the template, and the proof that importing them gives the graph back.

The exporter walks the same column declarations the importer reads, so the two stay inverse by construction;
what no cell can hold is returned as `unexpressed` rather than dropped silently, and `check_round_trip` imports
the rows again and compares the result with the original graph (rdflib.compare.isomorphic, blank nodes included).
Every id and reference is written as a prefixed name, so a re-import never depends on label matching.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from app.core.curation.importer import DateFormatError, import_tables, parse_date
from app.core.curation.matching import EntityIndex, Vocabulary, compact, segment_of
from app.core.curation.tables import Table, TableProblem, TableRow
from app.core.curation.template import (
    ID_HEADER,
    KIND_HEADER,
    SHEET_FOR_SEGMENT,
    SHEETS,
    Column,
    Sheet,
    ValueKind,
)
from app.core.namespaces import COOP

Triple = tuple[Node, Node, Node]
Row = dict[str, str]
INTEGER_TYPES = {ValueKind.INTEGER: XSD.integer, ValueKind.POSITIVE_INTEGER: XSD.positiveInteger}


@dataclass
class ExportedSource:
    """The rows of one source's graph by sheet, and the triples no cell of the template can hold."""

    source_id: str
    rows: dict[str, list[Row]] = field(default_factory=lambda: {sheet.name: [] for sheet in SHEETS})
    unexpressed: list[Triple] = field(default_factory=list)


@dataclass(frozen=True)
class RoundTrip:
    """What re-importing an export changed: triples lost, triples added, and problems the import reported."""

    missing: list[Triple]
    added: list[Triple]
    problems: list[TableProblem]

    @property
    def exact(self) -> bool:
        return not self.missing and not self.added and not self.problems


class _Exporter:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.consumed: set[Triple] = set()

    def mirrored(self) -> set[Triple]:
        """Inverse triples the importer adds by itself (o partyTo s for s hasParty o): no cell needs to hold them."""
        covered: set[Triple] = set()
        for sheet in SHEETS:
            for column in sheet.columns:
                if column.inverse is None:
                    continue
                for subject, obj in self.graph.subject_objects(column.predicate):
                    owner = SHEET_FOR_SEGMENT.get(segment_of(subject) or "") if isinstance(subject, URIRef) else None
                    if owner is sheet and (obj, column.inverse, subject) in self.graph:
                        covered.add((obj, column.inverse, subject))
        return covered

    def row(self, subject: URIRef, sheet: Sheet) -> Row:
        row: Row = {ID_HEADER: compact(subject)}
        if sheet.fixed_kind is not None:
            self.take_values(subject, RDF.type, [sheet.fixed_kind])
        else:
            kinds = [k for k in self.graph.objects(subject, RDF.type) if isinstance(k, URIRef) and k.startswith(COOP)]
            self.take_values(subject, RDF.type, kinds)
            row[KIND_HEADER] = _lines(k.split("#")[-1] for k in kinds)
        for column in sheet.columns:
            text = self.cell(subject, column)
            if text:
                row[column.header] = text
        return row

    def take_values(self, subject: Node, predicate: Node, values: Iterable[Node]) -> None:
        self.consumed.update((subject, predicate, value) for value in values)

    def pending(self, subject: Node, predicate: Node) -> list[Node]:
        return [o for o in self.graph.objects(subject, predicate) if (subject, predicate, o) not in self.consumed]

    def cell(self, subject: URIRef, column: Column) -> str:
        """The cell for one column, consuming the triples it holds; empty when nothing (faithful) fits."""
        if column.kind is ValueKind.DATE:
            return self.date_cell(subject, column)
        if column.kind is ValueKind.ORDERED_REFS:
            return self.ordered_cell(subject, column)
        chosen = self.values(subject, column)
        if not chosen or (len(chosen) > 1 and not column.multiple):
            return ""
        if column.multiple and any("\n" in str(v) for v in chosen):
            return ""  # a value holding a line break cannot share a cell: left unexpressed
        for predicate in column.predicates:
            self.take_values(subject, predicate, chosen)
        return _lines(self.render(column, v) for v in chosen)

    def values(self, subject: URIRef, column: Column) -> list[Node]:
        """The objects of every predicate of the column that the column can write (labels: in both predicates)."""
        per_predicate = [{o for o in self.pending(subject, p) if _fits(column, o)} for p in column.predicates]
        return sorted(set.intersection(*per_predicate), key=str) if per_predicate else []

    def render(self, column: Column, value: Node) -> str:
        if column.kind in (ValueKind.REF, ValueKind.ORDERED_REFS):
            assert isinstance(value, URIRef)
            return compact(value)
        if column.kind is ValueKind.CONCEPT:
            assert isinstance(value, URIRef)
            return str(value).rsplit("/", 1)[-1] if segment_of(value) == column.scheme else compact(value)
        return str(value)

    def date_cell(self, subject: URIRef, column: Column) -> str:
        """The date at its precision; its precision and bounds are consumed only where the import would rebuild them."""
        dates = self.pending(subject, column.predicate)
        if len(dates) != 1 or not isinstance(dates[0], Literal):
            return ""
        try:
            date = parse_date(str(dates[0]))
        except DateFormatError:
            return ""
        if date.literal != dates[0]:
            return ""
        self.take_values(subject, column.predicate, dates)
        if (subject, COOP.datePrecision, date.precision) in self.graph:
            self.take_values(subject, COOP.datePrecision, [date.precision])
        for predicate, bound in ((COOP.earliest, date.earliest), (COOP.latest, date.latest)):
            expected = Literal(bound.isoformat(), datatype=XSD.date)
            if self.pending(subject, predicate) == [expected]:
                self.take_values(subject, predicate, [expected])
        return str(dates[0])

    def ordered_cell(self, subject: URIRef, column: Column) -> str:
        heads = self.pending(subject, column.predicate)
        if len(heads) != 1 or not isinstance(heads[0], BNode):
            return ""
        members = list(Collection(self.graph, heads[0]))
        if not all(isinstance(m, URIRef) for m in members):
            return ""
        self.take_values(subject, column.predicate, heads)
        node: Node | None = heads[0]
        while node is not None and node != RDF.nil:
            for predicate in (RDF.first, RDF.rest):
                self.take_values(node, predicate, self.graph.objects(node, predicate))
            node = self.graph.value(node, RDF.rest)
        return _lines(compact(m) for m in members if isinstance(m, URIRef))


def _fits(column: Column, value: Node) -> bool:
    """Whether a cell of this column can write `value` exactly as the importer will read it back."""
    kind = column.kind
    if kind is ValueKind.TEXT:
        return isinstance(value, Literal) and value.language == column.lang
    if kind is ValueKind.PLAIN:
        return isinstance(value, Literal) and value.language is None and value.datatype in (None, XSD.string)
    if kind in (ValueKind.REF, ValueKind.CONCEPT):
        return isinstance(value, URIRef)
    if kind in INTEGER_TYPES:
        return isinstance(value, Literal) and value.datatype == INTEGER_TYPES[kind]
    if kind is ValueKind.DAY:
        return isinstance(value, Literal) and value.datatype == XSD.date
    return False


def _lines(values: Iterable[str]) -> str:
    return "\n".join(values)


def export_graph(graph: Graph, source_id: str) -> ExportedSource:
    """The template rows describing one source's graph, one row per described entity, sorted by id."""
    exporter = _Exporter(graph)
    mirrored = exporter.mirrored()
    exported = ExportedSource(source_id)
    subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)}, key=str)
    for subject in subjects:
        own = {t for t in graph.triples((subject, None, None))} - mirrored
        sheet = SHEET_FOR_SEGMENT.get(segment_of(subject) or "")
        if own and sheet is not None:
            exported.rows[sheet.name].append(exporter.row(subject, sheet))
    exported.unexpressed = sorted((t for t in graph if t not in exporter.consumed and t not in mirrored), key=str)
    return exported


def tables_of(exported: ExportedSource) -> list[Table]:
    """The exported rows as the importer's tables (numbered as a spreadsheet would: header row 1)."""
    tables = []
    for sheet in SHEETS:
        rows = tuple(TableRow(number, row) for number, row in enumerate(exported.rows[sheet.name], 2))
        tables.append(Table(f"{sheet.name}.csv", sheet, tuple(sheet.headers), rows))
    return tables


def check_round_trip(exported: ExportedSource, graph: Graph, index: EntityIndex, vocabulary: Vocabulary) -> RoundTrip:
    """Import the exported rows again (against `index`, the project's entities) and compare with `graph`."""
    result = import_tables(tables_of(exported), exported.source_id, index, vocabulary)
    if isomorphic(result.graph, graph):
        return RoundTrip([], [], result.problems)
    _both, missing, added = graph_diff(to_isomorphic(graph), to_isomorphic(result.graph))
    return RoundTrip(sorted(missing, key=str), sorted(added, key=str), result.problems)
