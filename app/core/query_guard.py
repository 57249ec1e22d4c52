"""The guard every query from outside passes, whichever face or backend: read-only, no SERVICE, no fetching.

The query is parsed with rdflib's SPARQL grammar (a real parser, not regexes) and its parse tree is inspected before
anything is evaluated: SERVICE anywhere in the tree (subqueries, OPTIONAL, UNION, MINUS, FILTER EXISTS …) is refused
unless its IRI is allow-listed, FROM / FROM NAMED may only name graphs already in the store (they are never
dereferenced, so `file:` or `http://127.0.0.1/…` IRIs are never read), and updates are refused outright. The engine's
own parser stays the one whose syntax-error message and position users see (`engine_syntax_check`).

A lexical count of the SERVICE keyword, over the text as typed and with its `\\uXXXX` escapes expanded, guards
against the two parsers reading the same text differently: when it sees more SERVICE keywords than the parse tree,
the query is refused as uninspectable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from rdflib.term import URIRef, Variable

if TYPE_CHECKING:
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

# rdflib's SPARQL grammar is built when its module is imported (~0.15 s): imported where a query is first parsed,
# so a process that never parses one — the service over an unchanged store — never pays it (load_grammar: ahead).


def load_grammar() -> None:
    """Build rdflib's SPARQL grammar now (a query worker does, while it waits for its configuration)."""
    import rdflib.plugins.sparql.parser  # noqa: F401


class QueryRejectedError(Exception):
    """The query is refused before evaluation; the message says why and what to do instead."""


class QuerySyntaxError(QueryRejectedError):
    """The query is not valid SPARQL 1.1 (the message carries the parser's position)."""


class UpdateRefusedError(QueryRejectedError):
    """A SPARQL Update (or an `update` parameter): this service is read-only."""


class ServiceRefusedError(QueryRejectedError):
    """A SERVICE clause whose endpoint is not in the allow-list (or is a variable)."""


class UnknownGraphError(QueryRejectedError):
    """FROM / FROM NAMED / default-graph-uri / named-graph-uri names a graph the store does not hold."""


class UninspectableQueryError(QueryRejectedError):
    """The engine parses the query but the guard cannot read it, so it cannot vouch that it is safe."""


class QueryForm(StrEnum):
    """The four SPARQL query forms; the first two return results, the other two RDF graphs."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def returns_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


_FORMS = {
    "SelectQuery": QueryForm.SELECT,
    "AskQuery": QueryForm.ASK,
    "ConstructQuery": QueryForm.CONSTRUCT,
    "DescribeQuery": QueryForm.DESCRIBE,
}

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

READ_ONLY_MESSAGE = (
    "this endpoint is read-only: SPARQL Update ({}) is refused and changes nothing; "
    "send a SELECT, ASK, CONSTRUCT or DESCRIBE query"
)


@dataclass(frozen=True)
class GuardPolicy:
    """What the guard allows: the graphs a query may select, the SERVICE endpoints it may call, default prefixes."""

    known_graphs: frozenset[str]
    service_allowlist: frozenset[str] = frozenset()
    prefixes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InspectedQuery:
    """What the guard learnt from the parse tree, all of it allowed by the policy."""

    form: QueryForm
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    @property
    def has_dataset_clause(self) -> bool:
        """The query picks its own dataset (FROM / FROM NAMED), which then overrides the default graph setting."""
        return bool(self.from_graphs or self.from_named_graphs)


EngineSyntaxCheck = Callable[[str], None]
"""Parses with the evaluating engine: raises QuerySyntaxError with its message and position, returns if valid."""


def inspect_query(
    sparql: str, policy: GuardPolicy, engine_syntax_check: EngineSyntaxCheck | None = None
) -> InspectedQuery:
    """Parse `sparql` and return what it asks for, or raise a QueryRejectedError saying why it may not run."""
    tree = _parse(sparql, engine_syntax_check)
    prologue, query = tree[0], tree[1]
    names = _NameResolver(prologue, policy.prefixes)
    form = _FORMS.get(query.name)
    if form is None:
        raise UninspectableQueryError(f"unexpected query form {query.name!r}")
    services = tuple(_allowed_services(query, names, policy))
    typed_services = typed_service_count(sparql)
    if typed_services > len(services):
        raise UninspectableQueryError(
            "the query text holds a SERVICE keyword the safety check cannot locate in the parsed query; "
            "write SERVICE plainly (no escapes) — and note SERVICE is not allowed here"
        )
    default_graphs, named_graphs = _dataset_clauses(query, names)
    _require_known(default_graphs, "FROM", policy)
    _require_known(named_graphs, "FROM NAMED", policy)
    return InspectedQuery(form, default_graphs, named_graphs, services)


def check_protocol_dataset(
    default_graph_uris: Sequence[str], named_graph_uris: Sequence[str], policy: GuardPolicy
) -> None:
    """`default-graph-uri` / `named-graph-uri` may only select graphs already in the store (never fetched)."""
    _require_known(tuple(default_graph_uris), "default-graph-uri", policy)
    _require_known(tuple(named_graph_uris), "named-graph-uri", policy)


def refuse_update(what: str = "an update request") -> UpdateRefusedError:
    """The one message for every update, whatever route or method it came by."""
    return UpdateRefusedError(READ_ONLY_MESSAGE.format(what))


def _parse(sparql: str, engine_syntax_check: EngineSyntaxCheck | None) -> ParseResults:
    """rdflib's parse tree; when rdflib cannot parse, explain why with the engine's own message if possible."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return parseQuery(sparql)
    except (ParseBaseException, ValueError, RecursionError) as error:
        rdflib_error = error
    if _is_update(sparql):
        raise refuse_update(f"{first_keyword(sparql) or 'update'}")
    typed_services = typed_service_count(sparql)
    if engine_syntax_check is not None and typed_services == 0:
        engine_syntax_check(sparql)  # raises with the engine's message and position when the engine agrees
        raise UninspectableQueryError(
            f"the query uses syntax this endpoint's safety check does not read ({_describe(rdflib_error)}); "
            "only SPARQL 1.1 queries are accepted"
        )
    raise QuerySyntaxError(f"syntax error: {_describe(rdflib_error)}")


def _describe(error: BaseException) -> str:
    from pyparsing import ParseBaseException

    if isinstance(error, ParseBaseException):
        return f"{error.msg} at line {error.lineno}, column {error.col}"
    if isinstance(error, RecursionError):
        return "the query is nested too deeply"
    return str(error)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")


def first_keyword(sparql: str) -> str | None:
    """The first keyword after the prologue (comments and escapes removed): INSERT, SELECT, …"""
    text = _strip_comments(_expand_escapes(sparql))
    prologue = _PROLOGUE.match(text)
    word = _WORD.match(text, prologue.end() if prologue else 0)
    return word.group(0).upper() if word else None


def _is_update(sparql: str) -> bool:
    """An update, by rdflib's update grammar or (for a broken one) by its first keyword (an empty text is none)."""
    keyword = first_keyword(sparql)
    if keyword is None or keyword in UPDATE_KEYWORDS:
        return keyword is not None
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(sparql)
    except (ParseBaseException, ValueError, RecursionError):
        return False
    return True


def _expand_escapes(sparql: str) -> str:
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        return expandUnicodeEscapes(sparql)
    except ValueError:
        return sparql


class _NameResolver:
    """Turns the parse tree's IRIs and prefixed names into absolute IRIs, as the query's prologue says."""

    def __init__(self, prologue: ParseResults, defaults: Mapping[str, str]) -> None:
        self.base: str | None = None
        self.prefixes: dict[str, str] = dict(defaults)
        for declaration in prologue:
            if declaration.name == "Base":
                self.base = self._absolute(str(_param(declaration, "iri")))
            elif declaration.name == "PrefixDecl":
                prefix = str(_param(declaration, "prefix") or "")
                self.prefixes[prefix] = self._absolute(str(_param(declaration, "iri")))

    def _absolute(self, iri: str) -> str:
        return urljoin(self.base, iri) if self.base and ":" not in iri else iri

    def resolve(self, term: Any) -> str:
        """An absolute IRI for an IRI or prefixed-name node (a QuerySyntaxError for an undeclared prefix)."""
        from rdflib.plugins.sparql.parserutils import CompValue

        if isinstance(term, CompValue) and term.name == "pname":
            prefix = str(_param(term, "prefix") or "")
            if prefix not in self.prefixes:
                raise QuerySyntaxError(f"syntax error: the prefix {prefix}: is not declared")
            return self.prefixes[prefix] + str(_param(term, "localname") or "")
        return self._absolute(str(term))


def _param(node: CompValue, key: str) -> Any:
    """A parse-tree parameter, or None (CompValue.get returns the key itself when it is missing)."""
    return dict.get(node, key)


def _nodes(tree: Any) -> Iterator[CompValue]:
    """Every CompValue of a parse tree, depth first (subqueries, OPTIONAL, UNION, MINUS, EXISTS included)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())


def _allowed_services(query: CompValue, names: _NameResolver, policy: GuardPolicy) -> Iterator[str]:
    """Each SERVICE endpoint of the query, refusing variables and IRIs outside the allow-list."""
    for node in _nodes(query):
        if node.name != "ServiceGraphPattern":
            continue
        term = _param(node, "term")
        if isinstance(term, Variable):
            raise ServiceRefusedError(
                f"SERVICE ?{term} is refused: a SERVICE endpoint must be a fixed IRI, and this endpoint answers from "
                "its own store only (no federated query)"
            )
        if isinstance(term, URIRef) and not _SCHEME.match(str(term)):
            raise ServiceRefusedError(f"SERVICE <{term}> is refused: a SERVICE endpoint must be an absolute IRI")
        iri = names.resolve(term)
        if iri not in policy.service_allowlist:
            allowed = ", ".join(f"<{i}>" for i in sorted(policy.service_allowlist)) or "none"
            raise ServiceRefusedError(
                f"SERVICE <{iri}> is refused: this endpoint makes no outgoing requests except to the allow-listed "
                f"SERVICE endpoints (setting service_allowlist; allowed: {allowed})"
            )
        yield iri


def _dataset_clauses(query: CompValue, names: _NameResolver) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The IRIs of the query's FROM and FROM NAMED clauses, in order."""
    default: list[str] = []
    named: list[str] = []
    for clause in _param(query, "datasetClause") or ():
        if _param(clause, "default") is not None:
            default.append(names.resolve(_param(clause, "default")))
        if _param(clause, "named") is not None:
            named.append(names.resolve(_param(clause, "named")))
    return tuple(default), tuple(named)


def _require_known(graphs: tuple[str, ...], where: str, policy: GuardPolicy) -> None:
    for graph in graphs:
        if graph not in policy.known_graphs:
            raise UnknownGraphError(
                f"{where} <{graph}>: the store holds no graph of that name. {where} only selects graphs already "
                "loaded and never fetches anything; the service description (GET /sparql) lists the graphs"
            )


# One token at a time: comments, strings and IRIs are skipped whole, so a SERVICE inside them does not count.
_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<name>[?$@]?[\w:.\-%\\]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def typed_service_count(sparql: str) -> int:
    """How many SERVICE keywords the text holds, written plainly or with \\u escapes (never fewer than it has)."""
    return max(count_service_keywords(sparql), count_service_keywords(_expand_escapes(sparql)))


def count_service_keywords(sparql: str) -> int:
    """How many SERVICE keywords the text holds outside comments, strings, IRIs, variables and prefixed names."""
    count = 0
    for match in _TOKENS.finditer(sparql):
        name = match.group("name")
        if name is not None and name.strip(".").upper() == "SERVICE":
            count += 1
    return count


def _strip_comments(sparql: str) -> str:
    """The text with its comments removed (strings and IRIs kept as they are)."""
    return "".join(m.group(0) for m in _TOKENS.finditer(sparql) if m.group("comment") is None)
