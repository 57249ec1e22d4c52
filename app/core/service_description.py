"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of the dataset it serves.

Clients (and people) learn from it where to send queries, which result formats and features exist, which graphs
the store holds and how big they are, and which classes and properties the data uses. Built once per data version
from the store with the core's own trusted queries.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from app.core.config import Settings
from app.core.graph_store import GraphStore
from app.core.namespaces import GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from app.core.result_formats import GRAPH_FORMATS, RESULTS_FORMATS
from app.core.store import prefixes_used, to_oxigraph

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")

DESCRIPTION_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
PRETTY_MAX_TRIPLES = 5000  # past this, pyoxigraph writes the description (serialize_description)
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
OXIGRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

CLASS_PARTITIONS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class
"""
DISTINCT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PROPERTY_PARTITIONS = """
SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p
"""

DEFAULT_GRAPH_TEXT = {
    "union": "The union of every named graph (asserted data, places, concepts, ontology and inferred triples).",
    "asserted": "The union of the asserted graphs only (data, places, concepts): no ontology, no inferred triples.",
    "store": "The store's own default graph (empty: everything lives in named graphs).",
}


def graph_role(name: str) -> str:
    """A short human description of a named graph, from its IRI."""
    if name == str(ONTOLOGY_GRAPH):
        return "The CoopGraph ontology and its alignments"
    if name == str(INFERRED_GRAPH):
        return "Triples inferred at load time (OWL 2 RL closure and the project's rules)"
    if name.startswith(f"{GRAPH}source/"):
        return f"Facts stated by source article {name.rsplit('/', 1)[-1]}"
    return f"Reference data: {name.rsplit('/', 1)[-1]}"


def describe_service(
    store: GraphStore, settings: Settings, version: str, counts: dict[str, int] | None = None
) -> Graph:
    """The service description graph: endpoint, formats, features, default and named graphs, VoID statistics.

    `counts`: the triples per named graph, when already counted (else the store counts them).
    """
    base = settings.public_base
    endpoint = URIRef(f"{base}/sparql")
    service, dataset = URIRef(f"{base}/sparql#service"), URIRef(f"{base}/sparql#dataset")
    graph = Graph()
    for prefix, namespace in {"sd": SD, "void": VOID, "dcterms": DCTERMS, **PREFIXES}.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for result_format in RESULTS_FORMATS + GRAPH_FORMATS:
        graph.add((service, SD.resultFormat, URIRef(result_format.iri)))
    if settings.default_graph == "union":
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allowlist:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    limits = (
        f"Read-only. Queries stop after {settings.query_timeout_s:g} s; at most {settings.max_rows} rows "
        f"and {settings.max_response_bytes} bytes per response (truncation is marked by the header "
        "X-CoopGraph-Truncated); SERVICE only to allow-listed endpoints; FROM selects loaded graphs only."
    )
    graph.add((service, DCTERMS.description, Literal(limits, lang="en")))
    graph.add((service, SD.defaultDataset, dataset))
    _describe_dataset(graph, store, settings, dataset, endpoint, version, counts)
    return graph


def _describe_dataset(
    graph: Graph,
    store: GraphStore,
    settings: Settings,
    dataset: URIRef,
    endpoint: URIRef,
    version: str,
    counts: dict[str, int] | None,
) -> None:
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("CoopGraph", lang="en")))
    graph.add((dataset, DCTERMS.hasVersion, Literal(version)))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.dataDump, URIRef(f"{settings.public_base}/data/")))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, DCTERMS.description, Literal(DEFAULT_GRAPH_TEXT[settings.default_graph], lang="en")))
    counts = store.triple_count_by_graph() if counts is None else counts
    for name, triples in sorted(counts.items()):
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples, datatype=XSD.integer)))
        graph.add((described, DCTERMS.description, Literal(graph_role(name), lang="en")))
    graph.add((dataset, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    if settings.default_graph == "union":
        merged = store.select(DISTINCT_TRIPLES)
        graph.add((default_graph, VOID.triples, Literal(int(str(merged[0]["n"])), datatype=XSD.integer)))
    classes = store.select(CLASS_PARTITIONS)
    properties = store.select(PROPERTY_PARTITIONS)
    graph.add((dataset, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    graph.add((dataset, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for row in classes:
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], row["class"]))
        graph.add((partition, VOID.entities, Literal(int(str(row["n"])), datatype=XSD.integer)))
    for row in properties:
        partition = BNode()
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, row["p"]))
        graph.add((partition, VOID.triples, Literal(int(str(row["n"])), datatype=XSD.integer)))


def serialize_description(description: Graph) -> dict[str, bytes]:
    """The description in each of DESCRIPTION_FORMATS (JSON-LD with no remote context), by format key.

    rdflib writes it nested and sorted, the easiest to read; past PRETTY_MAX_TRIPLES pyoxigraph does, one block per
    subject (issue 7: rdflib's Turtle, JSON-LD and RDF/XML writers took ~5 s for the ~23k triples describing a
    million-triple store's 3,000 graphs, on each first start of a data version; pyoxigraph's ~0.1 s). The triples are
    sorted and converted once for the four syntaxes (at a million: 1.4 s each time, 5.9 s for the four).
    """
    if len(description) <= PRETTY_MAX_TRIPLES:
        return {key: description.serialize(format=RDFLIB_FORMATS[key], encoding="utf-8") for key in DESCRIPTION_FORMATS}
    # subjects in order, blank nodes last (the same order as rdflib's terms, compared as strings: C, not Python)
    ordered = sorted(description, key=lambda t: (isinstance(t[0], BNode), str(t[0]), str(t[1]), str(t[2])))
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in ordered]
    bound = {prefix: str(namespace) for prefix, namespace in description.namespaces() if prefix}
    prefixes = prefixes_used(triples, bound)
    return {
        key: ox.serialize(triples, format=OXIGRAPH_FORMATS[key], prefixes=None if key == "ntriples" else prefixes)
        or b""
        for key in DESCRIPTION_FORMATS
    }
