"""The dataset described in VoID and DCAT: what it is, under which licence, from which sources, in which files.

Served at `/.well-known/void` (the location the VoID specification registers), so crawlers and catalogues find it
without knowing the service. The dataset node is the one the SPARQL service description names
(`{base}/sparql#dataset`): both descriptions speak of the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, XSD

from app.core.dumps import Dump
from app.core.graph_store import GraphStore
from app.core.namespaces import COOP, PREFIXES

VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3 (2024); rdflib's DCAT namespace predates it and warns
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
PART_TEXT = {
    "asserted": ("What the source articles say (every data graph, merged)", "Ce que disent les articles sources"),
    "inferred": ("What follows from it by inference", "Ce qui s'en déduit par inférence"),
    "ontology": ("The CoopGraph vocabulary and its alignments", "Le vocabulaire CoopGraph et ses alignements"),
    "dataset": ("Everything, in its named graphs", "L'ensemble, dans ses graphes nommés"),
}

SOURCES = """
PREFIX coop: <https://w3id.org/coopgraph/def#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?source ?title ?identifier ?language WHERE {
  { ?source a coop:SourceArticle } UNION { ?anything prov:wasDerivedFrom ?source . ?source a prov:Entity }
  FILTER (isIRI(?source))
  OPTIONAL { ?source dcterms:title ?title }
  OPTIONAL { ?source dcterms:identifier ?identifier }
  OPTIONAL { ?source dcterms:language ?language }
}
"""


@dataclass(frozen=True)
class DatasetFacts:
    """What the description states, gathered by the service at startup."""

    base: str
    id_base: str
    version: str
    built_at: datetime
    dumps: Sequence[Dump]


def dataset_iri(base: str) -> URIRef:
    """The dataset's IRI, shared with the SPARQL service description."""
    return URIRef(f"{base}/sparql#dataset")


def describe_dataset(facts: DatasetFacts, store: GraphStore) -> Graph:
    """VoID + DCAT: title and description en/fr, licence CC BY 4.0, version, sources, distributions with checksums."""
    graph = Graph()
    for prefix, namespace in {
        "void": VOID,
        "dcat": DCAT,
        "dcterms": DCTERMS,
        "spdx": SPDX,
        "foaf": FOAF,
        "src": PREFIXES["src"],
        "xsd": XSD,
    }.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    dataset = dataset_iri(facts.base)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("CoopGraph", lang="en")))
    graph.add((dataset, DCTERMS.title, Literal("CoopGraph", lang="fr")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "The open knowledge graph of Franco-African academic cooperation: organisations, people, partnerships, "
                "programmes and events as five news articles report them, each fact with its source and quotation.",
                lang="en",
            ),
        )
    )
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Le graphe de connaissances ouvert de la coopération académique franco-africaine : organismes, "
                "personnes, partenariats, programmes et événements tels que les rapportent cinq articles, chaque fait "
                "avec sa source et sa citation.",
                lang="fr",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, LICENSE))
    graph.add((dataset, DCAT_VERSION, Literal(facts.version)))
    graph.add((dataset, DCTERMS.hasVersion, Literal(facts.version)))
    graph.add((dataset, OWL.versionInfo, Literal(facts.version)))
    graph.add((dataset, DCTERMS.modified, Literal(facts.built_at.isoformat(), datatype=XSD.dateTime)))
    graph.add((dataset, DCAT.landingPage, URIRef(f"{facts.base}/")))
    graph.add((dataset, FOAF.homepage, URIRef(f"{facts.base}/")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{facts.base}/sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{facts.id_base.rstrip('/')}/id/")))
    graph.add((dataset, VOID.vocabulary, URIRef(str(COOP).rstrip("#"))))
    for keyword in ("academic cooperation", "France", "Africa", "higher education", "partnerships"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    for row in store.select(SOURCES):
        source = row["source"]
        graph.add((dataset, DCTERMS.source, source))
        for key, predicate in (
            ("title", DCTERMS.title),
            ("identifier", DCTERMS.identifier),
            ("language", DCTERMS.language),
        ):
            if key in row:
                graph.add((source, predicate, row[key]))
    for dump in facts.dumps:
        _describe_dump(graph, dataset, facts.base, dump)
    total = next((d.triples for d in facts.dumps if d.part == "dataset"), None)
    if total is not None:
        graph.add((dataset, VOID.triples, Literal(total, datatype=XSD.integer)))
    return graph


def _describe_dump(graph: Graph, dataset: URIRef, base: str, dump: Dump) -> None:
    url = URIRef(f"{base}/data/{dump.name}")
    graph.add((dataset, DCAT.distribution, url))
    graph.add((dataset, VOID.dataDump, url))
    graph.add((url, RDF.type, DCAT.Distribution))
    english, french = PART_TEXT.get(dump.part, (dump.part, dump.part))
    graph.add((url, DCTERMS.title, Literal(f"{dump.name} — {english}", lang="en")))
    graph.add((url, DCTERMS.title, Literal(f"{dump.name} — {french}", lang="fr")))
    graph.add((url, DCAT.downloadURL, url))
    graph.add((url, DCAT.accessURL, URIRef(f"{base}/data/")))
    graph.add((url, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + dump.media_type)))
    graph.add((url, DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)))
    graph.add((url, DCTERMS.license, LICENSE))
    graph.add((url, VOID.triples, Literal(dump.triples, datatype=XSD.integer)))
    checksum = BNode()
    graph.add((url, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
