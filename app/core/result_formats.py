"""The result formats the service writes, by query form: one table for negotiation, serialisation and description."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResultFormat:
    """One serialisation: its key, canonical media type, media types accepted for it, `format=` names, W3C IRI."""

    key: str
    media_type: str
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    iri: str = ""

    @property
    def content_type(self) -> str:
        """Every response states its charset: the service speaks UTF-8 only."""
        return f"{self.media_type}; charset=utf-8"

    def answers(self, media_type: str) -> bool:
        """True when a client asking for `media_type` (lower case, no parameters) gets this format."""
        return media_type == self.media_type or media_type in self.aliases


FORMATS_NS = "http://www.w3.org/ns/formats/"

RESULTS_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        "application/sparql-results+json",
        ("application/json",),
        ("json", "srj"),
        FORMATS_NS + "SPARQL_Results_JSON",
    ),
    ResultFormat(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        ("xml", "srx"),
        FORMATS_NS + "SPARQL_Results_XML",
    ),
    ResultFormat("csv", "text/csv", (), ("csv",), FORMATS_NS + "SPARQL_Results_CSV"),
    ResultFormat("tsv", "text/tab-separated-values", (), ("tsv",), FORMATS_NS + "SPARQL_Results_TSV"),
)
"""SELECT and ASK results, the first being the default."""

GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "turtle",
        "text/turtle",
        ("application/turtle", "application/x-turtle"),
        ("turtle", "ttl"),
        FORMATS_NS + "Turtle",
    ),
    ResultFormat("ntriples", "application/n-triples", (), ("ntriples", "n-triples", "nt"), FORMATS_NS + "N-Triples"),
    ResultFormat(
        "jsonld", "application/ld+json", ("application/json",), ("jsonld", "json-ld", "json"), FORMATS_NS + "JSON-LD"
    ),
    ResultFormat(
        "rdfxml",
        "application/rdf+xml",
        ("application/xml", "text/xml"),
        ("rdfxml", "rdf+xml", "rdf", "xml"),
        FORMATS_NS + "RDF_XML",
    ),
    ResultFormat("nquads", "application/n-quads", (), ("nquads", "n-quads", "nq"), FORMATS_NS + "N-Quads"),
    ResultFormat("trig", "application/trig", (), ("trig",), FORMATS_NS + "TriG"),
)
"""CONSTRUCT and DESCRIBE results (and the service description), the first being the default."""

BY_KEY: dict[str, ResultFormat] = {f.key: f for f in RESULTS_FORMATS + GRAPH_FORMATS}


class NotAcceptableError(Exception):
    """None of the formats the client accepts is offered for this kind of result."""

    def __init__(self, what: str, offered: tuple[str, ...]) -> None:
        super().__init__(what, offered)
        self.what = what
        self.offered = offered

    def __str__(self) -> str:
        return (
            f"none of the requested media types is offered for {self.what}; offered: {', '.join(self.offered)} "
            "(ask with an Accept header, or add format=json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, …)"
        )
