"""Counts a researcher asks for first: entities per class, facts per source, organisations per country."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.graph_store import GraphStore
from app.core.namespaces import PREFIXES

_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())

CLASS_COUNTS = (
    _PREFIXES
    + """
SELECT ?class (COUNT(DISTINCT ?s) AS ?count) WHERE {
  GRAPH ?g { ?s a ?class }
  FILTER (STRSTARTS(STR(?g), "https://w3id.org/coopgraph/graph/source/"))
  FILTER (STRSTARTS(STR(?class), STR(coop:)))
} GROUP BY ?class ORDER BY DESC(?count) ?class
"""
)

SOURCE_COUNTS = (
    _PREFIXES
    + """
SELECT ?source (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER (STRSTARTS(STR(?g), "https://w3id.org/coopgraph/graph/source/"))
  BIND (STRAFTER(STR(?g), "https://w3id.org/coopgraph/graph/source/") AS ?source)
} GROUP BY ?source ORDER BY ?source
"""
)

COUNTRY_COUNTS = (
    _PREFIXES
    + """
SELECT ?country (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?org) AS ?organisations)
       (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE {
  ?country a coop:Country .
  OPTIONAL { ?country skos:prefLabel ?name FILTER (LANG(?name) = "en") }
  OPTIONAL { ?org a coop:Organisation ; coop:locatedIn ?country .
             OPTIONAL { ?partnership coop:hasParty ?org } }
} GROUP BY ?country ORDER BY DESC(?organisations) ?country
"""
)


@dataclass(frozen=True)
class Table:
    """A titled table of plain strings, for the CLI to print."""

    title: str
    columns: list[str]
    rows: list[list[str]]


def compute_stats(store: GraphStore) -> list[Table]:
    """The three tables of `coopgraph stats`."""
    return [
        _table(store, "Entities per class (asserted)", CLASS_COUNTS, ["class", "count"]),
        _table(store, "Facts per source article", SOURCE_COUNTS, ["source", "triples", "subjects"]),
        _table(
            store,
            "Organisations and partnerships per country",
            COUNTRY_COUNTS,
            ["country", "label", "organisations", "partnerships"],
        ),
    ]


def _table(store: GraphStore, title: str, query: str, columns: list[str]) -> Table:
    rows = store.select(query)
    return Table(title, columns, [[compact(str(row.get(c, ""))) for c in columns] for row in rows])


def compact(iri: str) -> str:
    """`https://w3id.org/coopgraph/def#University` → `coop:University` (longest matching prefix)."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"
