"""Run a query for the CLI over the built knowledge: through the same guard as the HTTP face, then evaluated.

The CLI runs in the user's own process, so it has no timeout or caps; it refuses what the endpoint refuses
(updates, SERVICE, FROM of graphs not in the store) with the same messages.
"""

from __future__ import annotations

import pyoxigraph as ox

from app.core.knowledge import Knowledge
from app.core.namespaces import PREFIXES
from app.core.query_guard import GuardPolicy, QueryRejectedError, inspect_query
from app.core.query_worker import engine_syntax_check, engine_syntax_error
from app.core.stats import compact
from app.core.store import EmbeddedStore, to_rdflib

__all__ = ["QueryRejectedError", "run_cli_query"]

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
    policy = GuardPolicy(frozenset(store.named_graphs()), frozenset(), dict(PREFIXES))
    inspected = inspect_query(sparql, policy, lambda text: engine_syntax_check(text, dict(PREFIXES)))
    try:
        result = store.raw_query(sparql, prefixes=PREFIXES, union_default_graph=not inspected.has_dataset_clause)
    except SyntaxError as error:
        raise engine_syntax_error(error) from error
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
