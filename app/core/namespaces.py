"""The project's namespaces, graph names and prefix table: the one place IRIs are spelled out."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, VANN, XSD

BASE = "https://w3id.org/coopgraph/"
COOP = Namespace(BASE + "def#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VIVO = Namespace("http://vivoweb.org/ontology/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")

ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")
INFERRED_GRAPH = URIRef(GRAPH + "inferred")
PLACES_GRAPH = URIRef(GRAPH + "places")
CONCEPTS_GRAPH = URIRef(GRAPH + "concepts")
SHAPES_GRAPH = URIRef(GRAPH + "shapes")
LOAD_GRAPH = URIRef(GRAPH + "load")  # scale-out backend: the record of the last `coopgraph load` (issue 7)


def source_graph(source_id: str) -> URIRef:
    """Name of the graph that holds one source article's facts."""
    return URIRef(f"{GRAPH}source/{source_id}")


# One prefix per instance type: Turtle cannot write `id:org/imt` as a prefixed name.
INSTANCE_TYPES: dict[str, str] = {
    "o": "org",
    "pe": "person",
    "po": "position",
    "ag": "partnership",
    "pr": "programme",
    "ev": "event",
    "dg": "delegation",
    "pl": "place",
    "in": "initiative",
    "fg": "figure",
    "src": "source",
    "status": "status",
    "role": "role",
    "scope": "scope",
    "measure": "measure",
    "scheme": "scheme",
}

PREFIXES: dict[str, str] = {
    "coop": str(COOP),
    **{prefix: f"{ID}{segment}/" for prefix, segment in INSTANCE_TYPES.items()},
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "time": str(TIME),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "vann": str(VANN),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "vivo": str(VIVO),
    "sh": str(SH),
    "geo": str(GEO),
}


def sparql_prefix_header() -> str:
    """PREFIX declarations for every project prefix, for queries typed by people."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
