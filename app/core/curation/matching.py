"""What a table cell may name: existing entities by label or IRI, kinds from the ontology, concepts from the schemes.

Labels are compared folded (Unicode NFKD with the accents dropped, casefold, typographic quotes and dashes made
plain, runs of spaces made one), so "Ecole Superieure Polytechnique" finds "École supérieure polytechnique". A
label that folds to two entities is ambiguous and one that folds to none is unknown: both are reported to the
curator, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from app.core.namespaces import COOP, ID, INSTANCE_TYPES, PREFIXES

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label, SKOS.altLabel)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(--[a-z0-9]+(-[a-z0-9]+)*)*$")
MAX_SLUG_LENGTH = 80
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})
SEGMENT_PREFIX: dict[str, str] = {segment: prefix for prefix, segment in INSTANCE_TYPES.items()}


class ResolutionError(Exception):
    """A cell names nothing, or more than one thing; the message says what was found and how to fix the cell."""


def fold(text: str) -> str:
    """The form labels are compared in: no accents, no case, plain quotes and dashes, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def slugify(text: str) -> str:
    """An ASCII, lowercase, hyphenated slug ("Université Cheikh Anta Diop" → "universite-cheikh-anta-diop")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower().replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0]
    return slug


def segment_of(iri: URIRef) -> str | None:
    """The type segment of an instance IRI (…/id/org/imt → "org"), None outside the instance namespace."""
    text = str(iri)
    if not text.startswith(str(ID)):
        return None
    return text[len(str(ID)) :].split("/", 1)[0] or None


def instance_iri(segment: str, slug: str) -> URIRef:
    return URIRef(f"{ID}{segment}/{slug}")


def compact(iri: URIRef) -> str:
    """The shortest faithful way to write an IRI in a cell: a prefixed name when its local part is a slug."""
    segment = segment_of(iri)
    if segment in SEGMENT_PREFIX:
        local = str(iri)[len(f"{ID}{segment}/") :]
        if SLUG.match(local):
            return f"{SEGMENT_PREFIX[segment]}:{local}"
    return str(iri)


def expand(text: str) -> URIRef | None:
    """The IRI a cell spells out (full http(s) IRI or project prefixed name), or None when it is a label."""
    token = text.strip()
    if token.startswith("<") and token.endswith(">"):
        token = token[1:-1]
    if re.match(r"^https?://\S+$", token):
        return URIRef(token)
    prefix, colon, local = token.partition(":")
    if colon and prefix in PREFIXES and local and not re.search(r"\s", local):
        return URIRef(PREFIXES[prefix] + local)
    return None


@dataclass
class EntityIndex:
    """Every IRI the project already uses, and the entities' folded labels by type segment (the upload's added)."""

    iris: set[URIRef] = field(default_factory=set)
    labels: dict[str, dict[str, set[URIRef]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    names: dict[URIRef, str] = field(default_factory=dict)

    def add(self, iri: URIRef, labels: Iterable[str]) -> None:
        """Record an entity and the labels it can be named by."""
        self.iris.add(iri)
        segment = segment_of(iri)
        for label in labels:
            if segment is not None and label.strip():
                self.labels[segment][fold(label)].add(iri)
                self.names.setdefault(iri, label)

    def matches(self, label: str, segments: Iterable[str]) -> set[URIRef]:
        """Entities of those segments whose label folds like `label`."""
        key = fold(label)
        return {iri for segment in segments for iri in self.labels.get(segment, {}).get(key, set())}

    def resolve(self, token: str, segments: tuple[str, ...]) -> URIRef:
        """The one entity a cell value names: by IRI or prefixed name (which must exist), else by label, else slug."""
        iri = expand(token)
        if iri is not None:
            if segment_of(iri) not in segments:
                raise ResolutionError(
                    f"{token!r} is not {_kinds_phrase(segments)} (its IRI is not under {_under(segments)})"
                )
            if iri not in self.iris:
                raise ResolutionError(
                    f"{token!r} does not exist: no file of the project nor row of the upload describes it"
                )
            return iri
        found = self.matches(token, segments)
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            named = ", ".join(f"{compact(i)} ({self.names.get(i, '')})" for i in sorted(found))
            raise ResolutionError(f"{token!r} is ambiguous: it names {named}; write the IRI of the one you mean")
        by_slug = [
            instance_iri(s, token) for s in segments if SLUG.match(token) and instance_iri(s, token) in self.iris
        ]
        if len(by_slug) == 1:
            return by_slug[0]
        raise ResolutionError(
            f"{token!r} matches no label of {_kinds_phrase(segments)}: check the spelling, write an existing IRI "
            f"(e.g. {SEGMENT_PREFIX.get(segments[0], 'o')}:…), or add a row describing it"
        )


def _kinds_phrase(segments: tuple[str, ...]) -> str:
    return "an entity of type " + " or ".join(segments)


def _under(segments: tuple[str, ...]) -> str:
    return " or ".join(f"{ID}{s}/" for s in segments)


def index_entities(data: Graph) -> EntityIndex:
    """The index of the project's data graphs: every IRI they mention, and every labelled instance's labels."""
    index = EntityIndex()
    for triple in data:
        index.iris.update(term for term in triple if isinstance(term, URIRef))
    for predicate in LABEL_PREDICATES:
        for subject, label in data.subject_objects(predicate):
            if isinstance(subject, URIRef) and isinstance(label, Literal):
                index.add(subject, [str(label)])
    return index


@dataclass(frozen=True)
class Vocabulary:
    """The ontology's classes under each root (the allowed kinds) and the concepts of each scheme."""

    subclasses: dict[URIRef, frozenset[URIRef]]
    class_keys: dict[str, frozenset[URIRef]]
    concepts: dict[str, dict[str, URIRef]]

    def kinds_under(self, roots: Iterable[URIRef]) -> frozenset[URIRef]:
        return frozenset().union(*(self.subclasses.get(root, frozenset({root})) for root in roots))

    def resolve_kind(self, token: str, roots: Iterable[URIRef]) -> URIRef:
        """A class under one of `roots`, named by local name, coop: name, IRI or en/fr label."""
        allowed = self.kinds_under(roots)
        iri = expand(token)
        candidates = {iri} if iri is not None else set(self.class_keys.get(_class_key(token), frozenset()))
        chosen = candidates & allowed
        if len(chosen) == 1:
            return next(iter(chosen))
        names = ", ".join(sorted(k.split("#")[-1] for k in allowed))
        raise ResolutionError(f"{token!r} is not a kind this sheet takes; one of: {names}")

    def resolve_concept(self, token: str, scheme: str) -> URIRef:
        """A concept of `scheme`, by slug (its skos:notation), prefixed name, IRI or label."""
        concepts = self.concepts.get(scheme, {})
        iri = expand(token)
        if iri is not None and iri in concepts.values():
            return iri
        found = concepts.get(token.strip()) or concepts.get(fold(token))
        if found is not None:
            return found
        slugs = ", ".join(sorted(k for k in concepts if SLUG.match(k)))
        raise ResolutionError(f"{token!r} is not in the {scheme} scheme; one of: {slugs}")


def _class_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text).removeprefix("coop:"))


def read_vocabulary(ontology: Graph, data: Graph) -> Vocabulary:
    """The classes of the ontology (with their subclasses, transitively) and the concepts of the data's schemes."""
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    for child, parent in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(child, URIRef) and isinstance(parent, URIRef):
            parents[child].add(parent)
    declared = set(ontology.subjects(RDF.type, OWL.Class)) | set(ontology.subjects(RDF.type, RDFS.Class))
    classes = {c for c in declared if isinstance(c, URIRef) and c.startswith(str(COOP))}
    subclasses: dict[URIRef, set[URIRef]] = defaultdict(set)
    for cls in classes:
        for ancestor in _ancestors(cls, parents):
            subclasses[ancestor].add(cls)
    keys: dict[str, set[URIRef]] = defaultdict(set)
    for cls in classes:
        keys[_class_key(cls.split("#")[-1])].add(cls)
        for label in ontology.objects(cls, RDFS.label):
            keys[_class_key(str(label))].add(cls)
    return Vocabulary(
        {k: frozenset(v) for k, v in subclasses.items()},
        {k: frozenset(v) for k, v in keys.items()},
        _concepts(data),
    )


def _ancestors(cls: URIRef, parents: dict[URIRef, set[URIRef]]) -> set[URIRef]:
    """The class itself and every class above it."""
    seen, todo = {cls}, [cls]
    while todo:
        for parent in parents.get(todo.pop(), set()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _concepts(data: Graph) -> dict[str, dict[str, URIRef]]:
    """For each scheme (by its slug): each concept under its notation, its IRI's slug and its folded labels."""
    concepts: dict[str, dict[str, URIRef]] = defaultdict(dict)
    for concept, scheme in data.subject_objects(SKOS.inScheme):
        if not isinstance(concept, URIRef) or not isinstance(scheme, URIRef):
            continue
        name = str(scheme).rstrip("/").rsplit("/", 1)[-1]
        keys = [str(concept).rsplit("/", 1)[-1], *(str(n) for n in data.objects(concept, SKOS.notation))]
        keys += [fold(str(label)) for p in LABEL_PREDICATES for label in data.objects(concept, p)]
        for key in keys:
            concepts[name].setdefault(key, concept)
    return concepts
