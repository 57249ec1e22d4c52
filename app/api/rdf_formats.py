"""The formats the linked-data face writes (HTML for people; Turtle, JSON-LD, N-Triples, RDF/XML for programs).

Offered in this order for `Accept: */*` (curl): Turtle first; browsers name text/html and get the page. N-Triples
also answers `text/plain`, which rdflib asks for when told `format="nt"`.
"""

from __future__ import annotations

from rdflib import Graph
from starlette.requests import Request

from app.core.namespaces import PREFIXES
from app.core.result_formats import ResultFormat

TURTLE = ResultFormat("turtle", "text/turtle", ("application/turtle", "application/x-turtle"), ("turtle", "ttl"))
HTML = ResultFormat("html", "text/html", ("application/xhtml+xml",), ("html",))
JSONLD = ResultFormat("jsonld", "application/ld+json", ("application/json",), ("jsonld", "json-ld", "json"))
NTRIPLES = ResultFormat("ntriples", "application/n-triples", ("text/plain",), ("ntriples", "n-triples", "nt"))
RDFXML = ResultFormat("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), ("rdfxml", "rdf", "xml"))
LINKED_DATA_OFFERS = (TURTLE, HTML, JSONLD, NTRIPLES, RDFXML)

EXTENSIONS = {"ttl": TURTLE, "html": HTML, "jsonld": JSONLD, "nt": NTRIPLES, "rdf": RDFXML}
EXTENSION_OF = {f.key: ext for ext, f in EXTENSIONS.items()}
NAMES = {"turtle": "Turtle", "html": "HTML", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML"}
_RDFLIB_FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}


def serialise_graph(graph: Graph, chosen: ResultFormat) -> bytes:
    """The graph in the chosen RDF format; JSON-LD compacted with the project prefixes as an inline context."""
    if chosen.key == "jsonld":
        return graph.serialize(format="json-ld", context=dict(PREFIXES), encoding="utf-8")
    return graph.serialize(format=_RDFLIB_FORMATS[chosen.key], encoding="utf-8")


def preferred_language(request: Request) -> str:
    """`?lang=` when given (en or fr), else fr when the browser prefers French to English, else en."""
    asked = request.query_params.get("lang")
    if asked in ("en", "fr"):
        return asked
    for item in request.headers.get("accept-language", "").split(","):
        tag = item.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return "fr"
        if tag.startswith("en"):
            return "en"
    return "en"
