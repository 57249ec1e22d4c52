"""CoopGraph's own classes and properties with their labels and definitions, for the query editor's autocomplete."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from app.core.graph_store import GraphStore
from app.core.namespaces import COOP, ONTOLOGY_GRAPH

LANGUAGES = ("en", "fr")

TERMS_QUERY = f"""
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?term ?kind ?label ?definition WHERE {{
  GRAPH <{ONTOLOGY_GRAPH}> {{
    VALUES (?type ?kind) {{
      (owl:Class "class") (rdfs:Class "class")
      (owl:ObjectProperty "property") (owl:DatatypeProperty "property") (rdf:Property "property")
    }}
    ?term a ?type .
    FILTER(isIRI(?term) && STRSTARTS(STR(?term), "{COOP}"))
    OPTIONAL {{ ?term rdfs:label ?label }}
    OPTIONAL {{ ?term skos:definition ?definition }}
  }}
}}
"""


@dataclass
class VocabularyTerm:
    """One class or property of the ontology: its IRI, prefixed name, kind, and texts by language."""

    iri: str
    curie: str
    kind: str
    label: dict[str, str] = field(default_factory=dict)
    definition: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "curie": self.curie,
            "kind": self.kind,
            "label": self.label,
            "definition": self.definition,
        }


def _language_of(value: object) -> str | None:
    """The language of an en/fr literal (or of a plain literal, taken as English), else None."""
    if not isinstance(value, Literal):
        return None
    language = (value.language or "en").lower()
    return language if language in LANGUAGES else None


def vocabulary_terms(store: GraphStore) -> list[VocabularyTerm]:
    """Every coop: class and property in the ontology graph, classes first, then by prefixed name."""
    terms: dict[str, VocabularyTerm] = {}
    for row in store.select(TERMS_QUERY, union_default_graph=False):
        term = row.get("term")
        if not isinstance(term, URIRef):
            continue
        iri = str(term)
        entry = terms.get(iri)
        if entry is None:
            kind = str(row.get("kind", "property"))
            entry = terms[iri] = VocabularyTerm(iri, "coop:" + iri.removeprefix(str(COOP)), kind)
        elif str(row.get("kind")) == "class":
            entry.kind = "class"
        for key, texts in (("label", entry.label), ("definition", entry.definition)):
            value = row.get(key)
            language = _language_of(value)
            if language is not None and language not in texts:
                texts[language] = str(value)
    return sorted(terms.values(), key=lambda t: (t.kind != "class", t.curie.lower()))
