"""A remote SPARQL 1.1 server as the store (the scale-out backend): the core's trusted reads over the protocol.

`coopgraph load --backend URL` (backend_load.py) writes the named graphs there, the RDF merge of them into the
default graph (the layout of the embedded store), and a load record — the data version — into its own graph
`LOAD_GRAPH`, written last. This module reads it back: `select` for the core's own queries (descriptions, resource
pages, labels), `data_version` for the record. Queries from users never come through here unguarded: they go
through remote_execution.py, which applies the same guard as the embedded store's workers before forwarding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from app.core.bound_queries import inline_parameters
from app.core.graph_store import BackendError, BackendNotLoadedError
from app.core.namespaces import LOAD_GRAPH, PREFIXES

SPARQL_JSON = "application/sparql-results+json"
DECLARED_PREFIX = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:")
VERSION_QUERY = f"""SELECT ?version WHERE {{
  GRAPH <{LOAD_GRAPH}> {{ <{LOAD_GRAPH}> <http://purl.org/dc/terms/hasVersion> ?version }}
}}"""


class RemoteStore:
    """A SPARQL 1.1 query endpoint whose default graph holds the merge of the named graphs CoopGraph loaded."""

    def __init__(self, query_url: str, *, timeout_s: float = 30.0, connections: int = 16) -> None:
        self.query_url = query_url
        self.timeout_s = timeout_s
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=5.0), limits=limits, trust_env=False)

    def select(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        substitutions: Mapping[str, Node] | None = None,
    ) -> list[dict[str, Node]]:
        """A SELECT's rows as rdflib terms (the default graph is the merge, whatever `union_default_graph` says)."""
        text = with_prefixes(bind_terms(sparql, substitutions or {}))
        response = self.post(text, SPARQL_JSON)
        try:
            document = response.json()
            variables: list[str] = document["head"]["vars"]
            bindings: list[dict[str, Any]] = document["results"]["bindings"]
        except (ValueError, KeyError, TypeError) as error:
            raise BackendError(f"{self.query_url} answered a SELECT with no SPARQL JSON results ({error})") from None
        return [{name: from_json(row[name]) for name in variables if name in row} for row in bindings]

    def ask(self, sparql: str) -> bool:
        """An ASK's answer."""
        try:
            return bool(self.post(with_prefixes(sparql), SPARQL_JSON).json()["boolean"])
        except (ValueError, KeyError, TypeError) as error:
            raise BackendError(f"{self.query_url} answered an ASK with no SPARQL JSON boolean ({error})") from None

    def post(self, sparql: str, accept: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """POST a query (form-encoded, as the protocol allows for any length); BackendError unless 2xx."""
        try:
            response = self.client.post(
                self.query_url, data={"query": sparql, **(params or {})}, headers={"Accept": accept}
            )
        except httpx.HTTPError as error:
            raise BackendError(f"the backend {self.query_url} did not answer: {describe_http_error(error)}") from None
        if response.status_code >= 300:
            raise BackendError(
                f"the backend {self.query_url} answered {response.status_code}: {response.text.strip()[:300]}"
            )
        return response

    def named_graphs(self) -> list[str]:
        """The named graphs CoopGraph loaded (the load record's own graph left out)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(str(row["g"]) for row in rows if isinstance(row.get("g"), URIRef) and row["g"] != LOAD_GRAPH)

    def triple_count_by_graph(self) -> dict[str, int]:
        """Number of triples in each named graph CoopGraph loaded."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {str(row["g"]): int(str(row["n"])) for row in rows if row["g"] != LOAD_GRAPH}

    def ping(self) -> None:
        """Raise BackendError if the backend does not answer a trivial question."""
        self.ask("ASK { }")

    def data_version(self) -> str:
        """The data version of the last complete `coopgraph load`; BackendNotLoadedError if there was none."""
        rows = self.select(VERSION_QUERY)
        if not rows:
            raise BackendNotLoadedError(
                f"the backend {self.query_url} holds no CoopGraph data yet: run `coopgraph load --backend "
                f"{self.query_url}` first"
            )
        return str(rows[0]["version"])

    def close(self) -> None:
        self.client.close()


def with_prefixes(sparql: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The query with the service's well-known prefixes declared (the embedded engine gets them as an argument;
    a remote server has to read them); a prefix the query declares itself is left to it."""
    declared = {match.group(1) or "" for match in DECLARED_PREFIX.finditer(sparql)}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items() if name not in declared]
    return "\n".join([*lines, sparql])


def bind_terms(sparql: str, bindings: Mapping[str, Node]) -> str:
    """`bindings` written into the query: as its terms (bound_queries), else as a final VALUES clause, which
    joins the same rows in (for projected variables, what substitution means)."""
    if not bindings:
        return sparql
    inlined = inline_parameters(sparql, bindings)
    if inlined is not None:
        return inlined
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(term.n3() for term in bindings.values())
    return f"{sparql}\nVALUES ({names}) {{ ({terms}) }}"


def from_json(term: Mapping[str, Any]) -> Node:
    """One term of SPARQL 1.1 JSON results (and the 1.0 `typed-literal`) as its rdflib equal."""
    kind, value = term.get("type"), str(term.get("value", ""))
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        datatype = term.get("datatype")
        if "xml:lang" in term:
            return Literal(value, lang=term["xml:lang"])
        return Literal(value, datatype=URIRef(datatype) if datatype else None)
    raise BackendError(f"the backend sent a term of unknown type {kind!r}")


def describe_http_error(error: httpx.HTTPError) -> str:
    """`connection refused`, `timed out` … rather than httpx's class names."""
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(error, httpx.ConnectError):
        return f"could not connect ({error})"
    return f"{type(error).__name__}: {error}"
