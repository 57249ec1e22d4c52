"""The ontology documented from its own triples: classes, properties, definitions en/fr, alignments, shapes.

What /def shows to a person (the same graph is served as Turtle/JSON-LD to programs). Built from the ontology graph
(coop.ttl + alignments.ttl) and the shapes graph, so the documentation cannot drift from the vocabulary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN
from rdflib.term import Node

from app.core.namespaces import COOP, SH
from app.core.stats import compact

ALIGNMENT_PROPERTIES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
CHARACTERISTICS = (OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty)


@dataclass(frozen=True)
class TermRef:
    """A term mentioned in the documentation: its IRI, its short name, and its anchor when it is ours."""

    iri: str
    name: str
    anchor: str | None


@dataclass(frozen=True)
class ShapeDoc:
    """A SHACL shape that applies to a term, as a reader needs it: what it checks and how severe a failure is."""

    iri: str
    label: str
    description: str
    severity: str
    messages: tuple[str, ...]
    via: str


@dataclass(frozen=True)
class TermDoc:
    """One class or property of the vocabulary."""

    ref: TermRef
    kind: str
    labels: dict[str, str]
    definitions: dict[str, str]
    notes: tuple[str, ...]
    examples: tuple[str, ...]
    parents: tuple[TermRef, ...]
    children: tuple[TermRef, ...]
    alignments: tuple[tuple[str, TermRef], ...]
    domain: tuple[TermRef, ...]
    range: tuple[TermRef, ...]
    characteristics: tuple[str, ...]
    shapes: tuple[ShapeDoc, ...]


@dataclass(frozen=True)
class OntologyDoc:
    """The vocabulary's header and its terms, classes first."""

    iri: str
    title: dict[str, str]
    description: dict[str, str]
    version: str | None
    version_iri: str | None
    license: str | None
    creator: str | None
    prefix: str | None
    namespace: str | None
    classes: tuple[TermDoc, ...]
    properties: tuple[TermDoc, ...]


def document_ontology(ontology: Graph, shapes: Graph, lang: str = "en") -> OntologyDoc:
    """The documentation model of the `coop:` terms in `ontology`, with the `shapes` that apply to each."""
    headers = iris(ontology.subjects(RDF.type, OWL.Ontology))
    main = URIRef(str(COOP).rstrip("#"))
    header = main if main in headers else next(iter(headers), None)
    classes = [t for t in iris(ontology.subjects(RDF.type, OWL.Class)) if _ours(t)]
    properties = [t for t in iris(s for kind in PROPERTY_TYPES for s in ontology.subjects(RDF.type, kind)) if _ours(t)]
    shape_index = _ShapeIndex(shapes, lang)
    return OntologyDoc(
        iri=str(header) if header is not None else str(COOP),
        title=_by_language(ontology, header, DCTERMS.title),
        description=_by_language(ontology, header, DCTERMS.description),
        version=_one(ontology, header, OWL.versionInfo),
        version_iri=_one(ontology, header, OWL.versionIRI),
        license=_one(ontology, header, DCTERMS.license),
        creator=_one(ontology, header, DCTERMS.creator),
        prefix=_one(ontology, header, VANN.preferredNamespacePrefix),
        namespace=_one(ontology, header, VANN.preferredNamespaceUri),
        classes=tuple(_term(ontology, t, "class", shape_index) for t in classes),
        properties=tuple(_term(ontology, t, "property", shape_index) for t in properties),
    )


def iris(nodes: Iterable[Node | None]) -> list[URIRef]:
    """The IRIs among `nodes`, once each, sorted (blank nodes and literals left out)."""
    return sorted({n for n in nodes if isinstance(n, URIRef)}, key=str)


def _ours(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(COOP))


def ref(term: Node) -> TermRef:
    """How a term is named and linked: `coop:Partnership` with anchor `Partnership`, or a compact external name."""
    iri = str(term)
    if _ours(term):
        local = iri[len(str(COOP)) :]
        return TermRef(iri, f"coop:{local}", local)
    return TermRef(iri, compact(iri), None)


def _term(ontology: Graph, term: URIRef, kind: str, shapes: _ShapeIndex) -> TermDoc:
    hierarchy = RDFS.subClassOf if kind == "class" else RDFS.subPropertyOf
    parents = [o for o in iris(ontology.objects(term, hierarchy)) if o != term]
    children = [s for s in iris(ontology.subjects(hierarchy, term)) if _ours(s) and s != term]
    alignments = [
        (compact(str(p)), ref(o)) for p in ALIGNMENT_PROPERTIES for o in iris(ontology.objects(term, p)) if not _ours(o)
    ]
    return TermDoc(
        ref=ref(term),
        kind=kind if kind == "class" else _property_kind(ontology, term),
        labels=_by_language(ontology, term, RDFS.label),
        definitions=_by_language(ontology, term, SKOS.definition),
        notes=tuple(str(n) for n in ontology.objects(term, SKOS.scopeNote)),
        examples=tuple(str(e) for e in ontology.objects(term, SKOS.example)),
        parents=tuple(ref(p) for p in parents if _ours(p)),
        children=tuple(ref(c) for c in children),
        alignments=tuple(alignments),
        domain=tuple(ref(d) for d in iris(ontology.objects(term, RDFS.domain))),
        range=tuple(ref(r) for r in iris(ontology.objects(term, RDFS.range))),
        characteristics=tuple(compact(str(c)) for c in CHARACTERISTICS if (term, RDF.type, c) in ontology),
        shapes=shapes.for_class(ontology, term) if kind == "class" else shapes.for_property(term),
    )


def _property_kind(ontology: Graph, term: URIRef) -> str:
    for kind, name in (
        (OWL.ObjectProperty, "object property"),
        (OWL.DatatypeProperty, "datatype property"),
        (OWL.AnnotationProperty, "annotation property"),
    ):
        if (term, RDF.type, kind) in ontology:
            return name
    return "property"


class _ShapeIndex:
    """Which shapes target which class (sh:targetClass) and which constrain which property (sh:path, targets)."""

    def __init__(self, shapes: Graph, lang: str) -> None:
        self.shapes = shapes
        self.lang = lang
        self.by_class: dict[Node, list[Node]] = defaultdict(list)
        self.by_property: dict[Node, list[tuple[Node, str]]] = defaultdict(list)
        for shape, target in shapes.subject_objects(SH.targetClass):
            self.by_class[target].append(shape)
        for target_kind, via in ((SH.targetSubjectsOf, "subjects of"), (SH.targetObjectsOf, "objects of")):
            for shape, target in shapes.subject_objects(target_kind):
                self.by_property[target].append((shape, via))
        for node_shape, property_shape in shapes.subject_objects(SH.property):
            path = shapes.value(property_shape, SH.path)
            if isinstance(path, URIRef):
                self.by_property[path].append((node_shape, "property shape"))

    def for_class(self, ontology: Graph, term: URIRef) -> tuple[ShapeDoc, ...]:
        """Shapes targeting the class or one of its super-classes (a shape on coop:Organisation binds a University)."""
        found: list[ShapeDoc] = []
        ancestors = [term, *(a for a in iris(ontology.transitive_objects(term, RDFS.subClassOf)) if a != term)]
        for ancestor in ancestors:
            via = "this class" if ancestor == term else f"inherited from {compact(str(ancestor))}"
            found += [self._doc(shape, via) for shape in self.by_class.get(ancestor, [])]
        return tuple(dict.fromkeys(found))

    def for_property(self, term: URIRef) -> tuple[ShapeDoc, ...]:
        return tuple(dict.fromkeys(self._doc(shape, via) for shape, via in self.by_property.get(term, [])))

    def _doc(self, shape: Node, via: str) -> ShapeDoc:
        graph = self.shapes
        severity = graph.value(shape, SH.severity)
        messages = [m for m in graph.objects(shape, SH.message) if isinstance(m, Literal)]
        for part in (*graph.objects(shape, SH.property), *graph.objects(shape, SH.sparql)):
            messages += [m for m in graph.objects(part, SH.message) if isinstance(m, Literal)]
        in_language = [str(m) for m in messages if m.language in (self.lang, None)] or [str(m) for m in messages]
        labels = _by_language(graph, shape, RDFS.label)
        descriptions = _by_language(graph, shape, SH.description)
        return ShapeDoc(
            iri=str(shape),
            label=labels.get(self.lang) or labels.get("en") or compact(str(shape)),
            description=descriptions.get(self.lang) or descriptions.get("en") or "",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            messages=tuple(sorted(set(in_language))),
            via=via,
        )


def _by_language(graph: Graph, subject: Node | None, predicate: URIRef) -> dict[str, str]:
    if subject is None:
        return {}
    texts: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            texts.setdefault(value.language or "", str(value))
    return texts


def _one(graph: Graph, subject: Node | None, predicate: URIRef) -> str | None:
    if subject is None:
        return None
    value = graph.value(subject, predicate)
    return str(value) if value is not None else None
