"""Run a query for the CLI over the built knowledge (read-only; the HTTP face adds timeouts and caps)."""

from __future__ import annotations

import pyoxigraph as ox

from app.core.knowledge import Knowledge
from app.core.namespaces import PREFIXES
from app.core.stats import compact
from app.core.store import EmbeddedStore, to_rdflib


class QueryRejectedError(Exception):
    """The query does not parse or asks for something this service never does."""


RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}


def run_cli_query(knowledge: Knowledge, sparql: str, output_format: str) -> str | tuple[list[str], list[list[str]]]:
    """Serialised results (json/csv/tsv/xml/turtle/ntriples) or, for "table", columns and compacted rows."""
    store = EmbeddedStore.from_dataset(knowledge.dataset)
    try:
        result = store.raw_query(sparql, prefixes=PREFIXES)
    except SyntaxError as error:
        raise QueryRejectedError(str(error)) from error
    if isinstance(result, ox.QueryTriples):
        fmt = GRAPH_FORMATS.get(output_format, ox.RdfFormat.TURTLE)
        return _text(result.serialize(format=fmt))
    if output_format in RESULT_FORMATS:
        return _text(result.serialize(format=RESULT_FORMATS[output_format]))
    if isinstance(result, ox.QueryBoolean):
        return (["ask"], [[str(bool(result)).lower()]])
    columns = [v.value for v in result.variables]
    rows = [[compact(str(to_rdflib(s[c]))) if s[c] is not None else "" for c in columns] for s in result]
    return columns, rows


def _text(serialised: bytes | None) -> str:
    """pyoxigraph returns bytes when no output file is given."""
    return (serialised or b"").decode("utf-8")
