"""The catalogue described for its readers: JSON for the query page (/api/queries) and RDF for the service description.

Both come from the same loaded headers, so the gallery, the API and the service description cannot disagree.
The RDF reuses standard terms: each query is a SHACL `sh:SPARQLSelectExecutable` (its text in `sh:select`) with
`sh:Parameter`s, and a schema.org `SearchAction` whose `EntryPoint` gives the URL template to run it.
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from app.core.canned_queries import CannedQuery, Catalogue, Parameter, ParameterType, compact_iri, to_term
from app.core.namespaces import SCHEMA, SH

XSD_BY_TYPE = {
    ParameterType.STRING: XSD.string,
    ParameterType.LANGSTRING: RDF.langString,
    ParameterType.DATE: XSD.date,
    ParameterType.YEAR: XSD.integer,
    ParameterType.INTEGER: XSD.integer,
}


def query_url(base: str, query: CannedQuery) -> str:
    """Where the query runs (and its IRI in the service description)."""
    return f"{base}/api/queries/{query.name}"


def catalogue_json(catalogue: Catalogue, base: str) -> dict[str, Any]:
    """The document GET /api/queries returns: every query with what a page needs to offer, fill in and draw it."""
    return {
        "queries": [query_json(query, base) for query in catalogue],
        "formats": {
            "SELECT": ["json", "xml", "csv", "tsv"],
            "CONSTRUCT": ["turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig"],
        },
    }


def query_json(query: CannedQuery, base: str) -> dict[str, Any]:
    """One query: names, texts en/fr, typed parameters (with picker hints), default view, columns and SPARQL."""
    header = query.header
    return {
        "name": query.name,
        "url": query_url(base, query),
        "title": header.title.model_dump(),
        "description": header.description.model_dump(),
        "form": query.form,
        "view": {"type": header.view.type, **header.view.options()},
        "parameters": [parameter_json(p, base) for p in header.parameters],
        "columns": list(query.columns),
        "sparql": query.sparql,
        "file": f"queries/{query.path.name}",
    }


def parameter_json(parameter: Parameter, base: str) -> dict[str, Any]:
    """A parameter as the query page renders its input: type, required/default/example, allowed values, picker."""
    document: dict[str, Any] = {
        "name": parameter.name,
        "type": str(parameter.type),
        "required": parameter.required,
        "default": parameter.default,
        "example": parameter.example,
        "title": parameter.title.model_dump(),
        "description": parameter.description.model_dump() if parameter.description else None,
    }
    if parameter.type is ParameterType.IRI and parameter.example:
        document["exampleIri"] = str(to_term(parameter, parameter.example))
    if parameter.values:
        document["values"] = [
            {
                "value": v.value,
                "term": str(to_term(parameter, v.value)),
                "title": v.title.model_dump() if v.title else {"en": v.value, "fr": v.value},
            }
            for v in parameter.values
        ]
    if parameter.values_from is not None:
        hint = parameter.values_from
        document["valuesFrom"] = {
            "query": hint.query,
            "url": f"{base}/api/queries/{hint.query}",
            "value": hint.value,
            "label": hint.label,
        }
    if parameter.minimum is not None or parameter.maximum is not None:
        document["minimum"], document["maximum"] = parameter.minimum, parameter.maximum
    return document


def openapi_schema(parameter: Parameter) -> dict[str, Any]:
    """The JSON Schema of a parameter's value, for its OpenAPI operation."""
    schema: dict[str, Any]
    if parameter.type is ParameterType.ENUM:
        schema = {"type": "string", "enum": [v.value for v in parameter.values]}
    elif parameter.type in (ParameterType.YEAR, ParameterType.INTEGER):
        schema = {"type": "integer"}
        if parameter.type is ParameterType.YEAR:
            schema.update(minimum=1000, maximum=9999)
        if parameter.minimum is not None:
            schema["minimum"] = parameter.minimum
        if parameter.maximum is not None:
            schema["maximum"] = parameter.maximum
    elif parameter.type is ParameterType.DATE:
        schema = {"type": "string", "format": "date"}
    elif parameter.type is ParameterType.IRI:
        schema = {"type": "string", "format": "iri"}
    elif parameter.type is ParameterType.LANGSTRING:
        schema = {"type": "string", "pattern": r"^.+@[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"}
    else:
        schema = {"type": "string", "maxLength": 1000}
    if parameter.default is not None:
        schema["default"] = parameter.default
    if parameter.example is not None:
        schema["example"] = parameter.example
    return schema


def describe_catalogue(catalogue: Catalogue, base: str) -> Graph:
    """Each canned query in RDF, linked from the SPARQL service (`schema:potentialAction`)."""
    graph = Graph()
    for prefix, namespace in {"sh": SH, "schema": SCHEMA, "dcterms": DCTERMS}.items():
        graph.bind(prefix, namespace)
    service = URIRef(f"{base}/sparql#service")
    for query in catalogue:
        node = URIRef(query_url(base, query))
        graph.add((service, SCHEMA.potentialAction, node))
        _describe_query(graph, node, query)
    return graph


def _describe_query(graph: Graph, node: URIRef, query: CannedQuery) -> None:
    header = query.header
    executable = SH.SPARQLSelectExecutable if query.form in ("SELECT", "ASK") else SH.SPARQLConstructExecutable
    graph.add((node, RDF.type, executable))
    graph.add((node, RDF.type, SCHEMA.SearchAction))
    graph.add((node, SCHEMA.identifier, Literal(query.name)))
    for language in ("en", "fr"):
        graph.add((node, RDFS.label, Literal(getattr(header.title, language), lang=language)))
        graph.add((node, DCTERMS.description, Literal(getattr(header.description, language), lang=language)))
    text_property = SH.select if query.form == "SELECT" else SH.ask if query.form == "ASK" else SH.construct
    graph.add((node, text_property, Literal(query.sparql)))
    names = ",".join(p.name for p in header.parameters)
    entry = BNode()
    graph.add((node, SCHEMA.target, entry))
    graph.add((entry, RDF.type, SCHEMA.EntryPoint))
    graph.add((entry, SCHEMA.urlTemplate, Literal(f"{node}{{?{names}}}" if names else str(node))))
    for method in ("GET", "POST"):
        graph.add((entry, SCHEMA.httpMethod, Literal(method)))
    for parameter in header.parameters:
        graph.add((node, SH.parameter, _describe_parameter(graph, node, parameter)))


def _describe_parameter(graph: Graph, query: URIRef, parameter: Parameter) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, SH.Parameter))
    graph.add((node, SH.path, URIRef(f"{query}#{parameter.name}")))
    graph.add((node, SH.name, Literal(parameter.name)))
    for language in ("en", "fr"):
        graph.add((node, RDFS.label, Literal(getattr(parameter.title, language), lang=language)))
        if parameter.description is not None:
            text = getattr(parameter.description, language)
            graph.add((node, SH.description, Literal(text, lang=language)))
    graph.add((node, SH.optional, Literal(not parameter.required)))
    if parameter.type is ParameterType.IRI:
        graph.add((node, SH.nodeKind, SH.IRI))
    elif parameter.type in XSD_BY_TYPE:
        graph.add((node, SH.datatype, XSD_BY_TYPE[parameter.type]))
    if parameter.values:
        values = BNode()
        Collection(graph, values, [to_term(parameter, v.value) for v in parameter.values])
        graph.add((node, SH["in"], values))
    if parameter.default is not None:
        graph.add((node, SH.defaultValue, to_term(parameter, parameter.default)))
    if parameter.example is not None:
        example = to_term(parameter, parameter.example)
        graph.add(
            (node, SCHEMA.example, Literal(compact_iri(str(example))) if isinstance(example, URIRef) else example)
        )
    return node
