"""Dereferenceable IRIs: what the graph says about one resource, as an RDF document or as the parts of a page.

A resource is looked up by its IRI, `id_base + "id/{type}/{slug}"`, whatever host serves it: a laptop on 127.0.0.1
and a deployment behind w3id.org answer for the same IRIs. Its description holds the triples it is the subject of
(asserted, and inferred apart), the blank nodes they lead to (the delegation's ordered member list), the triples
pointing at it, and the labels of everything it links to, so a program needs no second request to show names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from app.core.graph_store import GraphStore
from app.core.namespaces import COOP, INFERRED_GRAPH, INSTANCE_TYPES, ONTOLOGY_GRAPH, PREFIXES
from app.core.stats import compact

RESOURCE_TYPES = frozenset(INSTANCE_TYPES.values())
SLUG = re.compile(r"^[a-z0-9]+(?:-{1,2}[a-z0-9]+)*$")
MAX_BLANK_DEPTH = 8

OUTGOING = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
INCOMING = "SELECT ?o ?s ?p ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
LABELS = """
SELECT ?s ?p ?label WHERE {
  VALUES ?p { <http://www.w3.org/2004/02/skos/core#prefLabel> <http://www.w3.org/2000/01/rdf-schema#label> }
  ?s ?p ?label .
  FILTER (isIRI(?s) && isLiteral(?label))
}
"""

LABEL_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, RDFS.label)
DATE_PROPERTIES = (
    COOP.date,
    COOP.startDate,
    COOP.datePrecision,
    COOP.dateText,
    COOP.earliest,
    COOP.latest,
    COOP.datelineDate,
)
PROVENANCE_PROPERTIES = (PROV.wasDerivedFrom, COOP.evidence)
PRECISION_BY_DATATYPE = {XSD.date: "day", XSD.gYearMonth: "month", XSD.gYear: "year"}


class UnknownResourceError(Exception):
    """No resource of that type and slug: the IRI is not one the graph describes."""

    def __init__(self, iri: str, reason: str) -> None:
        self.iri = iri
        super().__init__(f"{iri}: {reason}")


@dataclass(frozen=True)
class Statement:
    """One triple and the named graph that holds it."""

    subject: Node
    predicate: URIRef
    object: Node
    graph: URIRef

    @property
    def inferred(self) -> bool:
        return self.graph == INFERRED_GRAPH


@dataclass
class ResourceDescription:
    """Everything the graph says about one resource, with the graphs that say it."""

    iri: URIRef
    outgoing: list[Statement]
    incoming: list[Statement]
    blank: list[Statement] = field(default_factory=list)

    def asserted(self) -> list[Statement]:
        """Triples with the resource as subject in the data, ontology and reference graphs."""
        return [s for s in self.outgoing if not s.inferred]

    def inferred(self) -> list[Statement]:
        """Triples about the resource that only inference adds (those also asserted are left out)."""
        stated = {(s.predicate, s.object) for s in self.asserted()}
        return [s for s in self.outgoing if s.inferred and (s.predicate, s.object) not in stated]

    def linked_iris(self) -> set[URIRef]:
        """Every IRI the description mentions (to fetch names for)."""
        iris: set[URIRef] = set()
        for statement in (*self.outgoing, *self.incoming, *self.blank):
            for term in (statement.subject, statement.predicate, statement.object):
                if isinstance(term, URIRef):
                    iris.add(term)
        return iris


def resource_iri(id_base: str, kind: str, slug: str) -> URIRef:
    """The IRI `/id/{kind}/{slug}` stands for, or UnknownResourceError if it cannot be one of ours."""
    iri = f"{id_base.rstrip('/')}/id/{kind}/{slug}"
    if kind not in RESOURCE_TYPES:
        raise UnknownResourceError(
            iri, f"{kind!r} is not a type of resource here (types: {', '.join(sorted(RESOURCE_TYPES))})"
        )
    if not SLUG.match(slug):
        raise UnknownResourceError(iri, "a slug is lowercase ASCII letters and digits joined by hyphens")
    return URIRef(iri)


def describe_resource(store: GraphStore, iri: URIRef) -> ResourceDescription:
    """The resource's description, or UnknownResourceError when no graph has a triple about it."""
    outgoing = [_statement(row) for row in store.select(OUTGOING, union_default_graph=False, substitutions={"s": iri})]
    if not outgoing:
        raise UnknownResourceError(str(iri), "no graph says anything about this resource")
    incoming = [_statement(row) for row in store.select(INCOMING, union_default_graph=False, substitutions={"o": iri})]
    incoming = [s for s in incoming if s.subject != iri]
    blank = list(_blank_closure(store, outgoing))
    return ResourceDescription(iri, _unique(outgoing), _unique(incoming), _unique(blank))


def _statement(row: dict[str, Node]) -> Statement:
    predicate, graph = row["p"], row["g"]
    assert isinstance(predicate, URIRef) and isinstance(graph, URIRef)
    return Statement(row["s"], predicate, row["o"], graph)


def _unique(statements: Iterable[Statement]) -> list[Statement]:
    return list(dict.fromkeys(statements))


def _blank_closure(store: GraphStore, statements: list[Statement]) -> Iterable[Statement]:
    """The triples of the blank nodes the resource points at (an RDF list of members, say), recursively."""
    frontier = [s.object for s in statements if isinstance(s.object, BNode)]
    seen: set[Node] = set()
    for _ in range(MAX_BLANK_DEPTH):
        found = []
        for node in frontier:
            if node in seen:
                continue
            seen.add(node)
            rows = store.select(OUTGOING, union_default_graph=False, substitutions={"s": node})
            found += [_statement(row) for row in rows]
        yield from found
        frontier = [s.object for s in found if isinstance(s.object, BNode)]
        if not frontier:
            return


class LabelIndex:
    """The names of every IRI in the store (skos:prefLabel first, then rdfs:label), built once per data version."""

    def __init__(self, labels: dict[URIRef, dict[tuple[URIRef, str], str]]) -> None:
        self._labels = labels

    @classmethod
    def from_store(cls, store: GraphStore) -> LabelIndex:
        labels: dict[URIRef, dict[tuple[URIRef, str], str]] = defaultdict(dict)
        for row in store.select(LABELS):
            subject, predicate, label = row["s"], row["p"], row["label"]
            if isinstance(subject, URIRef) and isinstance(predicate, URIRef) and isinstance(label, Literal):
                labels[subject].setdefault((predicate, label.language or ""), str(label))
        return cls(dict(labels))

    def label(self, iri: Node, lang: str = "en") -> str | None:
        """The name to show for `iri` in `lang`, falling back to the other language, then to no language."""
        known = self._labels.get(iri) if isinstance(iri, URIRef) else None
        if not known:
            return None
        other = "fr" if lang == "en" else "en"
        for key in (
            (SKOS.prefLabel, lang),
            (RDFS.label, lang),
            (SKOS.prefLabel, other),
            (RDFS.label, other),
            (RDFS.label, ""),
            (SKOS.prefLabel, ""),
        ):
            if key in known:
                return known[key]
        return next(iter(known.values()))

    def literals(self, iri: URIRef) -> list[tuple[URIRef, Literal]]:
        """Every label of `iri` as (property, literal), for RDF documents."""
        return [
            (predicate, Literal(text, lang=lang or None))
            for (predicate, lang), text in sorted(self._labels.get(iri, {}).items())
        ]


def description_graph(description: ResourceDescription, labels: LabelIndex) -> Graph:
    """The RDF document about the resource: its triples (asserted and inferred), its blank nodes, the triples
    pointing at it from the data, and the labels of the IRIs it mentions."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for statement in (*description.outgoing, *description.blank):
        graph.add((statement.subject, statement.predicate, statement.object))
    for statement in description.incoming:
        if not statement.inferred and statement.graph != ONTOLOGY_GRAPH:
            graph.add((statement.subject, statement.predicate, statement.object))
    for iri in description.linked_iris() - {description.iri}:
        for predicate, literal in labels.literals(iri):
            graph.add((iri, predicate, literal))
    return graph


# --- the parts of a resource page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A named link: `href` on this service for our own IRIs, the IRI itself otherwise."""

    iri: str
    text: str
    href: str


@dataclass(frozen=True)
class Value:
    """An object shown on a page: a link, a literal (with its language or datatype), or an ordered list."""

    link: Link | None = None
    text: str = ""
    lang: str | None = None
    datatype: str | None = None
    items: tuple[Link, ...] = ()


@dataclass(frozen=True)
class PropertyValues:
    """One property and its values."""

    property: Link
    values: tuple[Value, ...]


@dataclass(frozen=True)
class DateFacts:
    """A resource's dates as the article gives them, with their precision and the span they can mean."""

    date: str | None
    precision: str | None
    text: tuple[Value, ...]
    earliest: str | None
    latest: str | None
    start: str | None
    dateline: str | None

    @property
    def empty(self) -> bool:
        return not (self.date or self.text or self.earliest or self.latest or self.start or self.dateline)


@dataclass(frozen=True)
class ProvenanceEntry:
    """What one named graph says about the resource: its sources and their quotations."""

    graph: str
    sources: tuple[Link, ...]
    quotations: tuple[Value, ...]
    statements: int


@dataclass(frozen=True)
class ResourcePage:
    """Everything a resource page shows, in the page's language, links already resolved."""

    iri: str
    title: str
    labels: tuple[tuple[str, Value], ...]
    types: tuple[Link, ...]
    inferred_types: tuple[Link, ...]
    dates: DateFacts
    statements: tuple[PropertyValues, ...]
    incoming: tuple[PropertyValues, ...]
    inferred: tuple[PropertyValues, ...]
    provenance: tuple[ProvenanceEntry, ...]
    notes: tuple[Value, ...]


class Linker:
    """Turns IRIs into named links: our own IRIs resolve on this service, ontology terms on /def."""

    def __init__(self, labels: LabelIndex, id_base: str, public_base: str, lang: str) -> None:
        self.labels = labels
        self.id_prefix = id_base.rstrip("/") + "/id/"
        self.def_prefix = id_base.rstrip("/") + "/def#"
        self.public_base = public_base.rstrip("/")
        self.lang = lang

    def href(self, iri: str) -> str:
        if iri.startswith(self.id_prefix):
            return f"{self.public_base}/id/{iri[len(self.id_prefix) :]}"
        if iri.startswith(self.def_prefix):
            return f"{self.public_base}/def#{iri[len(self.def_prefix) :]}"
        return iri

    def link(self, iri: Node) -> Link:
        text = self.labels.label(iri, self.lang) or compact(str(iri))
        return Link(str(iri), text, self.href(str(iri)))

    def value(self, node: Node, blank: dict[Node, list[Statement]]) -> Value:
        if isinstance(node, URIRef):
            return Value(link=self.link(node))
        if isinstance(node, Literal):
            datatype = None if node.language or node.datatype in (None, XSD.string) else compact(str(node.datatype))
            return Value(text=str(node), lang=node.language, datatype=datatype)
        members = _list_members(node, blank)
        if members is not None:
            return Value(items=tuple(self.link(m) for m in members if isinstance(m, URIRef)))
        return Value(text="(blank node)")


def resource_page(
    description: ResourceDescription, labels: LabelIndex, id_base: str, public_base: str, lang: str = "en"
) -> ResourcePage:
    """Shape the description for a page: labels, types, dates, links both ways, inferred facts, provenance."""
    linker = Linker(labels, id_base, public_base, lang)
    blank: dict[Node, list[Statement]] = defaultdict(list)
    for statement in description.blank:
        blank[statement.subject].append(statement)
    asserted = description.asserted()
    by_predicate = _group(asserted)
    shown_apart = {*LABEL_PROPERTIES, RDF.type, *DATE_PROPERTIES, *PROVENANCE_PROPERTIES, SKOS.editorialNote}
    labels_shown = tuple(
        (compact(str(p)), linker.value(o, blank))
        for p in LABEL_PROPERTIES
        for o in sorted(by_predicate.get(p, []), key=lambda o: (getattr(o, "language", "") or "", str(o)))
    )
    types = tuple(linker.link(t) for t in by_predicate.get(RDF.type, []) if isinstance(t, URIRef))
    inferred = description.inferred()
    inferred_types = tuple(
        linker.link(s.object) for s in inferred if s.predicate == RDF.type and isinstance(s.object, URIRef)
    )
    return ResourcePage(
        iri=str(description.iri),
        title=labels.label(description.iri, lang) or compact(str(description.iri)),
        labels=labels_shown,
        types=types,
        inferred_types=inferred_types,
        dates=_dates(by_predicate, linker, blank),
        statements=_property_values(
            [s for s in asserted if s.predicate not in shown_apart], linker, blank, lambda s: s.object
        ),
        incoming=_property_values(
            [s for s in description.incoming if not s.inferred], linker, blank, lambda s: s.subject
        ),
        inferred=_property_values([s for s in inferred if s.predicate != RDF.type], linker, blank, lambda s: s.object),
        provenance=_provenance(asserted, linker, blank),
        notes=tuple(linker.value(o, blank) for o in by_predicate.get(SKOS.editorialNote, [])),
    )


def _group(statements: Iterable[Statement]) -> dict[URIRef, list[Node]]:
    grouped: dict[URIRef, list[Node]] = defaultdict(list)
    for statement in statements:
        if statement.object not in grouped[statement.predicate]:
            grouped[statement.predicate].append(statement.object)
    return grouped


def _property_values(
    statements: list[Statement],
    linker: Linker,
    blank: dict[Node, list[Statement]],
    other_end: Callable[[Statement], Node],
) -> tuple[PropertyValues, ...]:
    grouped: dict[URIRef, list[Node]] = defaultdict(list)
    for statement in statements:
        node = other_end(statement)
        if node not in grouped[statement.predicate]:
            grouped[statement.predicate].append(node)
    rows = []
    for predicate, nodes in grouped.items():
        values = sorted((linker.value(n, blank) for n in nodes), key=lambda v: v.link.text if v.link else v.text)
        rows.append(PropertyValues(linker.link(predicate), tuple(values)))
    return tuple(sorted(rows, key=lambda row: row.property.text.lower()))


def _dates(by_predicate: dict[URIRef, list[Node]], linker: Linker, blank: dict[Node, list[Statement]]) -> DateFacts:
    def first(predicate: URIRef) -> Node | None:
        values = by_predicate.get(predicate, [])
        return values[0] if values else None

    date = first(COOP.date)
    unit = first(COOP.datePrecision)
    precision = str(unit).rsplit("#unit", 1)[-1].lower() if isinstance(unit, URIRef) and "#unit" in str(unit) else None
    if precision is None and isinstance(date, Literal) and date.datatype in PRECISION_BY_DATATYPE:
        precision = PRECISION_BY_DATATYPE[date.datatype]
    return DateFacts(
        date=str(date) if date is not None else None,
        precision=precision,
        text=tuple(linker.value(t, blank) for t in by_predicate.get(COOP.dateText, [])),
        earliest=_text(first(COOP.earliest)),
        latest=_text(first(COOP.latest)),
        start=_text(first(COOP.startDate)),
        dateline=_text(first(COOP.datelineDate)),
    )


def _provenance(
    statements: list[Statement], linker: Linker, blank: dict[Node, list[Statement]]
) -> tuple[ProvenanceEntry, ...]:
    by_graph: dict[URIRef, list[Statement]] = defaultdict(list)
    for statement in statements:
        by_graph[statement.graph].append(statement)
    entries = []
    for graph, held in sorted(by_graph.items()):
        sources = tuple(linker.link(s.object) for s in held if s.predicate == PROV.wasDerivedFrom)
        quotations = tuple(linker.value(s.object, blank) for s in held if s.predicate == COOP.evidence)
        entries.append(ProvenanceEntry(str(graph), sources, quotations, len(held)))
    return tuple(entries)


def _list_members(node: Node, blank: dict[Node, list[Statement]]) -> list[Node] | None:
    """The items of an RDF list starting at `node`, or None if it is not one."""
    graph = Graph()
    for statement in (s for statements in blank.values() for s in statements):
        graph.add((statement.subject, statement.predicate, statement.object))
    if (node, RDF.first, None) not in graph:
        return None
    return list(Collection(graph, node))


def _text(node: Node | None) -> str | None:
    return str(node) if node is not None else None
