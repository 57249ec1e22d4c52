"""Read a SPARQL 1.1 Protocol request strictly: GET ?query=, POST form, POST application/sparql-query.

Strict on purpose: malformed percent-encoding, invalid UTF-8, a charset other than UTF-8, a second query, both or
neither of query and update, an unknown media type — each is a 400 with a message, never a guess and never a 500.
Any `update` (parameter or media type) is refused as read-only, whatever the method.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from starlette.requests import Request

from app.core.query_guard import refuse_update

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
ACCEPTED_MEDIA_TYPES = (FORM, SPARQL_QUERY)

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


class ProtocolError(Exception):
    """The request does not follow the SPARQL 1.1 Protocol (the message says which rule)."""


class RequestTooLargeError(Exception):
    """The request body (or query string) is over the configured cap."""


@dataclass(frozen=True)
class SparqlRequest:
    """A protocol request: one query (or none: the client wants the service description) and its dataset."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format: str | None = None


def decode_form(raw: bytes, where: str) -> list[tuple[str, str]]:
    """`a=1&b=%C3%A9` → [("a", "1"), ("b", "é")], refusing bad percent-encoding and invalid UTF-8."""
    pairs = []
    for field in raw.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        pairs.append((_decode(name, where), _decode(value, where)))
    return pairs


def _decode(component: bytes, where: str) -> str:
    if _BAD_PERCENT.search(component):
        raise ProtocolError(f"malformed percent-encoding in the {where}: '%' must be followed by two hex digits")
    try:
        return unquote_to_bytes(component.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(f"the {where} is not valid UTF-8 (this endpoint reads UTF-8 only)") from None


def _media_type(request: Request) -> tuple[str, dict[str, str]]:
    header = request.headers.get("content-type", "")
    media, *parameters = (part.strip() for part in header.split(";"))
    params = {}
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        params[name.strip().lower()] = value.strip().strip('"').lower()
    return media.lower(), params


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused with 413 once it passes `max_bytes` (announced or actually sent)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ProtocolError("Content-Length is not a number")
        if int(declared) > max_bytes:
            raise RequestTooLargeError(f"the request body is larger than the {max_bytes}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise RequestTooLargeError(f"the request body is larger than the {max_bytes}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in pairs if key == name]
    if len(values) > 1:
        raise ProtocolError(f"the request has {len(values)} '{name}' parameters; send exactly one")
    return values[0] if values else None


def query_string_pairs(request: Request, max_bytes: int) -> list[tuple[str, str]]:
    """The URL's parameters, in order, refused with 413 past `max_bytes`."""
    raw: bytes = request.scope.get("query_string", b"")
    if len(raw) > max_bytes:
        raise RequestTooLargeError(f"the query string is longer than the {max_bytes}-byte limit")
    return decode_form(raw, "URL query string")


async def read_sparql_request(request: Request, max_bytes: int) -> SparqlRequest:
    """Parse the request into a SparqlRequest, or raise ProtocolError / RequestTooLargeError / UpdateRefusedError."""
    pairs = query_string_pairs(request, max_bytes)
    direct_query: str | None = None
    if request.method == "POST":
        media, params = _media_type(request)
        if media == SPARQL_UPDATE:
            raise refuse_update("an application/sparql-update request")
        if media not in ACCEPTED_MEDIA_TYPES:
            shown = media or "none"
            raise ProtocolError(
                f"unsupported Content-Type {shown!r}: POST a query as {SPARQL_QUERY} or as {FORM} (query=…)"
            )
        if params.get("charset", "utf-8") not in ("utf-8", "utf8"):
            raise ProtocolError(f"charset {params['charset']!r} is not supported: send UTF-8")
        body = await read_body(request, max_bytes)
        if media == FORM:
            pairs += decode_form(body, "form body")
        else:
            try:
                direct_query = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError("the query is not valid UTF-8 (this endpoint reads UTF-8 only)") from None
    return _sparql_request(pairs, direct_query, is_post=request.method == "POST")


def _sparql_request(pairs: list[tuple[str, str]], direct_query: str | None, *, is_post: bool) -> SparqlRequest:
    query = _one(pairs, "query")
    has_update = any(key == "update" for key, _ in pairs)
    if direct_query is not None:
        if query is not None:
            raise ProtocolError(f"the query is both in the {SPARQL_QUERY} body and in a 'query' parameter; send one")
        query = direct_query
    if has_update and query is not None:
        raise ProtocolError("the request has both 'query' and 'update'; send exactly one query")
    if has_update:
        raise refuse_update("an 'update' parameter")
    default_graphs = tuple(value for key, value in pairs if key == "default-graph-uri")
    named_graphs = tuple(value for key, value in pairs if key == "named-graph-uri")
    if query is None and (is_post or default_graphs or named_graphs):
        raise ProtocolError("the request has no 'query': send exactly one SPARQL query")
    if query is not None and not query.strip():
        raise ProtocolError("the query is empty")
    return SparqlRequest(query, default_graphs, named_graphs, _one(pairs, "format"))
