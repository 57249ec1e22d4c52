"""SHACL shapes compiled to SPARQL and evaluated by Oxigraph over the whole graph: the large build's fast path.

pyshacl judges each focus node in Python. On the generated graphs three shapes were 57 % of its time (issue 7, 100k
triples, `bench`-style batch of 77 articles: 6.8 → 2.95 s of CPU without them): the labels of every typed node
(LabelledNodeShape), the signatories' positions and the date precisions (two SPARQL-based constraints run once per
focus node). Here a node shape made only of the parts below becomes one SPARQL query per constraint, answered for all
focus nodes at once; pyshacl keeps every other shape (file_validation.py leaves the compiled ones out).

The subset (a shape using anything else stays with pyshacl):
- targets: sh:targetClass (instances of the class or of a subclass, as pyshacl finds them), sh:targetSubjectsOf,
  sh:targetObjectsOf, SPARQL-based targets;
- SPARQL-based constraints whose query is made of triple patterns, OPTIONAL, FILTER (with EXISTS) and BIND, in which
  $this is bound by a triple pattern outside any OPTIONAL and every expression that reads it sits over such a pattern:
  joining that query with the focus nodes then gives what pre-binding $this to each focus node gives (SHACL 5.3.1);
- property shapes with an IRI path and sh:uniqueLang, or sh:qualifiedValueShape (a shape of sh:languageIn only) with
  sh:qualifiedMinCount / sh:qualifiedMaxCount;
- every result has sh:message text without {?var} templates (pyshacl's generic messages are not reproduced).

Each issue has pyshacl's severity, focus, message (joined as validation.run_shapes joins them), path, value and source
shape; tests/core/test_compiled_shapes.py proves the issues equal pyshacl's on the shipped data, the 10k graph (as
generated and with faults injected) and every fixture. The rdflib road (the seed graph) keeps pyshacl for all shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from app.core.namespaces import SH
from app.core.validation import Severity, ValidationIssue

_DOCUMENTATION = {RDF.type, RDFS.label, RDFS.comment, SH.description, SH.name, SH.order, SH.group}
_NODE_SHAPE_PARTS = _DOCUMENTATION | {
    SH.severity,
    SH.message,
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.property,
    SH.sparql,
}
_PROPERTY_SHAPE_PARTS = _DOCUMENTATION | {
    SH.severity,
    SH.message,
    SH.path,
    SH.uniqueLang,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
}
_LANGUAGE_SHAPE_PARTS = _DOCUMENTATION | {SH.languageIn}
_SPARQL_PARTS = {RDF.type, SH.select, SH.prefixes, SH.message}
_TARGET_PARTS = {RDF.type, SH.select, SH.prefixes}
_TEMPLATE = re.compile(r"\{[?$]")
_PROLOGUE = re.compile(r"^\s*(PREFIX|BASE)\b", re.IGNORECASE | re.MULTILINE)
_PRE_BOUND = re.compile(r"[?$](shapesGraph|currentShape|PATH)\b")
_SEVERITIES = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}
# algebra nodes of a query whose join with the focus nodes equals pre-binding $this (see _bound_before_read)
_FLAT_ALGEBRA = {"SelectQuery", "Project", "Distinct", "Filter", "Extend", "BGP", "Join", "LeftJoin", "ToMultiSet"}


class UnsupportedShapeError(ValueError):
    """A shape uses SHACL beyond this module's subset: pyshacl validates it."""


@dataclass(frozen=True)
class ShapeQuery:
    """One constraint of a compiled shape: a SELECT whose rows (?this, maybe ?path and ?value) are its results."""

    sparql: str
    severity: Severity
    message: str
    shape: str  # the results' sh:sourceShape
    path: str | None = None  # the results' sh:resultPath, unless the query selects ?path
    selects: tuple[str, ...] = ("this",)
    value_is_focus: bool = False  # a SPARQL constraint of a node shape: sh:value is the focus when ?value is unbound


@dataclass(frozen=True)
class CompiledShapes:
    """The node shapes compiled to queries (pyshacl leaves them), and those queries."""

    shapes: tuple[str, ...]
    queries: tuple[ShapeQuery, ...]

    def validate(self, store: ox.Store, union_of_graphs: bool = False) -> list[ValidationIssue]:
        """The issues of the compiled shapes over `store`'s default graph (the merged data and ontology), or over the
        union of its graphs (a triple several graphs state then matches once per graph: every query counts and
        selects DISTINCT values, so the issues are the same)."""
        return [issue for query in self.queries for issue in _issues(store, query, union_of_graphs)]


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Every top-level node shape of `shapes` within the subset, compiled; the others are left to pyshacl."""
    compiled: list[str] = []
    queries: list[ShapeQuery] = []
    referenced = {o for _s, p, o in shapes if p != RDF.type}
    for node in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        if not isinstance(node, URIRef) or node in referenced:
            continue  # a blank shape, or one another shape uses: pyshacl needs it whole
        try:
            queries += _node_shape(shapes, node)
        except UnsupportedShapeError:
            continue
        compiled.append(str(node))
    return CompiledShapes(tuple(compiled), tuple(queries))


def without_shapes(shapes: Graph, names: Iterable[str]) -> Graph:
    """`shapes` less the statements of the named node shapes (their property shapes stay, now without a target)."""
    kept = Graph()
    left_out = {URIRef(name) for name in names}
    for triple in shapes:
        if triple[0] not in left_out:
            kept.add(triple)
    for prefix, namespace in shapes.namespaces():
        kept.bind(prefix, namespace, override=True)
    return kept


def _node_shape(g: Graph, node: URIRef) -> list[ShapeQuery]:
    _only(g, node, _NODE_SHAPE_PARTS)
    if {RDFS.Class, OWL.Class} & set(g.objects(node, RDF.type)):
        raise UnsupportedShapeError("an implicit class target")
    focus = _focus_nodes(g, node)
    queries = [_sparql_constraint(g, node, constraint, focus) for constraint in g.objects(node, SH.sparql)]
    for property_shape in g.objects(node, SH.property):
        queries += _property_shape(g, property_shape, focus)
    return queries


@dataclass(frozen=True)
class _Focus:
    """The focus nodes of a shape: a group pattern binding ?this to each once, and the prefixes it uses."""

    pattern: str
    prefixes: dict[str, str]


def _focus_nodes(g: Graph, node: URIRef) -> _Focus:
    prefixes: dict[str, str] = {}
    parts = [f"?this <{RDF.type}>/<{RDFS.subClassOf}>* {_iri(c)} ." for c in g.objects(node, SH.targetClass)]
    parts += [f"?this {_iri(p)} [] ." for p in g.objects(node, SH.targetSubjectsOf)]
    parts += [f"[] {_iri(p)} ?this ." for p in g.objects(node, SH.targetObjectsOf)]
    for target in g.objects(node, SH.target):
        _only(g, target, _TARGET_PARTS)
        if set(g.objects(target, RDF.type)) != {SH.SPARQLTarget}:
            raise UnsupportedShapeError("a target other than a SPARQL-based one")
        parts.append(_select_text(g, target))
        prefixes = _merged(prefixes, _prefixes(g, target))
    if not parts:
        raise UnsupportedShapeError("no target")
    union = " UNION ".join("{ " + part + " }" for part in parts)
    return _Focus(f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}", prefixes)


def _sparql_constraint(g: Graph, shape: URIRef, constraint: Node, focus: _Focus) -> ShapeQuery:
    _only(g, constraint, _SPARQL_PARTS)
    if set(g.objects(constraint, RDF.type)) - {SH.SPARQLConstraint}:
        raise UnsupportedShapeError("a SPARQL constraint of another type")
    select = _select_text(g, constraint)
    prefixes = _prefixes(g, constraint)
    projected = _checked_projection(_prologue(prefixes) + select)
    texts = [*g.objects(shape, SH.message), *g.objects(constraint, SH.message)]
    # pyshacl drops the language of a SPARQL-based result's message (it formats the templates): one text each
    message = "; ".join(sorted({str(text) for text in _messages(texts)}))
    variables = " ".join(f"?{name}" for name in projected)
    prologue = _prologue(_merged(focus.prefixes, prefixes))
    sparql = f"{prologue}SELECT DISTINCT {variables} WHERE {{ {focus.pattern} {{ {select} }} }}"
    return ShapeQuery(sparql, _severity(g, shape), message, str(shape), selects=tuple(projected), value_is_focus=True)


def _property_shape(g: Graph, shape: Node, focus: _Focus) -> list[ShapeQuery]:
    if not isinstance(shape, URIRef):
        raise UnsupportedShapeError("a blank property shape (its results would name no stable shape)")
    _only(g, shape, _PROPERTY_SHAPE_PARTS)
    path = g.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise UnsupportedShapeError("a path other than one IRI")
    texts = _messages(g.objects(shape, SH.message))
    message = "; ".join(str(m) for m in sorted(texts, key=lambda m: (m.language or "", m)))
    severity = _severity(g, shape)
    prologue, focus_pattern = _prologue(focus.prefixes), focus.pattern
    queries = []

    def query(select: str) -> ShapeQuery:
        return ShapeQuery(f"{prologue}{select}", severity, message, str(shape), path=str(path))

    unique = _single(g, shape, SH.uniqueLang)
    if unique is not None:
        if not (isinstance(unique, Literal) and isinstance(unique.value, bool)):
            raise UnsupportedShapeError("sh:uniqueLang that is not a boolean")
        if unique.value:
            queries.append(
                query(
                    f"SELECT ?this WHERE {{ {focus_pattern} {{ SELECT ?this WHERE {{ ?this {_iri(path)} ?value . "
                    'FILTER (isLITERAL(?value) && LANG(?value) != "") } '
                    "GROUP BY ?this (LCASE(LANG(?value)) AS ?language) HAVING (COUNT(DISTINCT ?value) > 1) } }"
                )
            )
    qualified = _single(g, shape, SH.qualifiedValueShape)
    bounds = {"<": _count(g, shape, SH.qualifiedMinCount), ">": _count(g, shape, SH.qualifiedMaxCount)}
    if qualified is None:
        if any(bound is not None for bound in bounds.values()):
            raise UnsupportedShapeError("a qualified count without a qualified value shape")
        return queries
    conforms = _language_test(g, qualified)
    for comparison, bound in bounds.items():
        if bound is None:
            continue
        queries.append(
            query(
                f"SELECT ?this WHERE {{ {focus_pattern} OPTIONAL {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?count) "
                f"WHERE {{ ?this {_iri(path)} ?value . FILTER ({conforms}) }} GROUP BY ?this }} "
                f"FILTER (COALESCE(?count, 0) {comparison} {bound}) }}"
            )
        )
    return queries


def _language_test(g: Graph, shape: Node) -> str:
    """A SPARQL expression true when ?value conforms to `shape`, a shape made of sh:languageIn only (pyshacl's test:
    the tag, or its part before the first hyphen, equals one of the list's, ignoring case; "*" takes any tag)."""
    _only(g, shape, _LANGUAGE_SHAPE_PARTS)
    if set(g.objects(shape, RDF.type)) - {SH.NodeShape}:
        raise UnsupportedShapeError("a value shape of another type")
    listed = _single(g, shape, SH.languageIn)
    if listed is None:
        raise UnsupportedShapeError("a value shape without sh:languageIn")
    tags = list(Collection(g, listed))
    if not tags or not all(isinstance(t, Literal) and isinstance(t.value, str) and str(t) for t in tags):
        raise UnsupportedShapeError("sh:languageIn other than a list of non-empty strings")
    tagged = 'isLITERAL(?value) && LANG(?value) != ""'
    if any(str(t) == "*" for t in tags):
        return tagged
    wanted = ", ".join(_string(str(t).lower()) for t in tags)
    return f'{tagged} && (LCASE(LANG(?value)) IN ({wanted}) || LCASE(STRBEFORE(LANG(?value), "-")) IN ({wanted}))'


def _checked_projection(query: str) -> list[str]:
    """The variables a SPARQL-based constraint selects, once its query is known to join like it pre-binds $this."""
    if _PRE_BOUND.search(query):
        raise UnsupportedShapeError("a pre-bound variable other than $this")
    from rdflib.plugins.sparql import prepareQuery  # a build's import (the grammar), not a start's

    try:
        algebra = prepareQuery(query).algebra
    except Exception as error:  # pyshacl reports a query it cannot run
        raise UnsupportedShapeError(f"a query rdflib cannot read: {error}") from error
    projected = [str(v) for v in algebra["PV"]] if "PV" in algebra else []
    if "this" not in projected or "failure" in projected:
        raise UnsupportedShapeError("a query that does not select $this, or selects ?failure")
    if not this_bound_before_read(algebra):
        raise UnsupportedShapeError("$this read where it may not be bound yet")
    return projected


def this_bound_before_read(algebra: Any) -> bool:
    """Whether a query is made of triple patterns, OPTIONAL, FILTER and BIND (anything inside EXISTS), binds $this
    outside any OPTIONAL, and every FILTER or BIND that reads $this sits over a pattern that binds it — then joining the
    query with the focus nodes gives what pre-binding $this gives: a part that does not bind $this does not read it, a
    part that binds it keeps the focus node's rows only, and an EXISTS sees the solution it filters, $this included."""

    def bound(node: Any) -> set[str] | None:
        name = getattr(node, "name", None)
        if name not in _FLAT_ALGEBRA:
            return None
        if name == "BGP":
            return {str(term) for triple in node["triples"] for term in triple if isinstance(term, Variable)}
        if name in ("Join", "LeftJoin"):
            left, right = bound(node["p1"]), bound(node["p2"])
            if left is None or right is None:
                return None
            if name == "Join":
                return left | right
            reads_this = "this" in _variables(node.get("expr"))
            return None if reads_this and "this" not in left else left  # the optional part may not match
        inner = bound(node["p"])
        if inner is None:
            return None
        if name in ("Filter", "Extend") and "this" in _variables(node["expr"]) and "this" not in inner:
            return None
        return inner

    found = bound(algebra)
    return found is not None and "this" in found


def _variables(expression: Any) -> Iterator[str]:
    if isinstance(expression, Variable):
        yield str(expression)
    elif isinstance(expression, dict):  # rdflib's CompValue
        for key, value in expression.items():
            if key != "graph":  # an EXISTS pattern: evaluated with the current solution, $this included
                yield from _variables(value)
    elif isinstance(expression, list | tuple):
        for item in expression:
            yield from _variables(item)


def _issues(store: ox.Store, query: ShapeQuery, union_of_graphs: bool) -> Iterator[ValidationIssue]:
    solutions = store.query(query.sparql, use_default_graph_as_union=union_of_graphs)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        focus = row["this"]
        value = row["value"] if "value" in query.selects else None
        if value is None and query.value_is_focus:
            value = focus
        path = row["path"] if "path" in query.selects else None
        yield ValidationIssue(
            severity=query.severity,
            focus=focus.value,
            message=query.message,
            path=path.value if path is not None else query.path,
            value=value.value if value is not None else None,
            shape=query.shape,
        )


def _only(g: Graph, node: Node, allowed: set[URIRef]) -> None:
    extra = {p for p in g.predicates(node) if p not in allowed}
    if extra:
        raise UnsupportedShapeError(f"{node} uses {sorted(str(p) for p in extra)}")


def _single(g: Graph, node: Node, predicate: URIRef) -> Node | None:
    values = list(g.objects(node, predicate))
    if len(values) > 1:
        raise UnsupportedShapeError(f"several {predicate}")
    return values[0] if values else None


def _count(g: Graph, node: Node, predicate: URIRef) -> int | None:
    value = _single(g, node, predicate)
    if value is None:
        return None
    if not (isinstance(value, Literal) and value.datatype == XSD.integer and isinstance(value.value, int)):
        raise UnsupportedShapeError(f"{predicate} that is not an integer")
    return value.value


def _severity(g: Graph, shape: Node) -> Severity:
    severity = _single(g, shape, SH.severity) or SH.Violation
    if severity not in _SEVERITIES:
        raise UnsupportedShapeError(f"severity {severity}")
    return _SEVERITIES[severity]  # type: ignore[index]


def _messages(texts: Iterable[Node]) -> list[Literal]:
    messages = list(dict.fromkeys(texts))
    if not messages:
        raise UnsupportedShapeError("no sh:message (pyshacl's generic messages are not reproduced)")
    if not all(isinstance(m, Literal) and isinstance(m.value, str) and not _TEMPLATE.search(m) for m in messages):
        raise UnsupportedShapeError("a message with a template, or not a string")
    return messages  # type: ignore[return-value]


def _select_text(g: Graph, node: Node) -> str:
    select = _single(g, node, SH.select)
    if not (isinstance(select, Literal) and isinstance(select.value, str)) or _PROLOGUE.search(str(select)):
        raise UnsupportedShapeError("sh:select that is not a SELECT without a prologue")
    return str(select)


def _prefixes(g: Graph, node: Node) -> dict[str, str]:
    """The sh:prefixes declarations (sh:declare) of a SPARQL-based constraint or target."""
    found: dict[str, str] = {}
    for holder in g.objects(node, SH.prefixes):
        if (holder, OWL.imports, None) in g:
            raise UnsupportedShapeError("prefixes from an imported graph")
        for declaration in g.objects(holder, SH.declare):
            prefix, namespace = g.value(declaration, SH.prefix), g.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise UnsupportedShapeError("an incomplete prefix declaration")
            if found.get(str(prefix), str(namespace)) != str(namespace):
                raise UnsupportedShapeError(f"prefix {prefix} declared twice")
            found[str(prefix)] = str(namespace)
    return found


def _prologue(prefixes: dict[str, str]) -> str:
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in sorted(prefixes.items()))


def _merged(prefixes: dict[str, str], more: dict[str, str]) -> dict[str, str]:
    if any(prefixes.get(prefix, namespace) != namespace for prefix, namespace in more.items()):
        raise UnsupportedShapeError("one prefix declared for two namespaces")
    return {**prefixes, **more}


def _iri(node: Node) -> str:
    if not isinstance(node, URIRef):
        raise UnsupportedShapeError(f"{node} is not an IRI")
    return f"<{node}>"


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
