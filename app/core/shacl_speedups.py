"""Remove pure overhead from pyshacl's inner loop, without changing what it decides or what run_shapes reports.

Issue 7: at ~0.5 ms of Python per asserted triple, pyshacl was most of a large build. Profiling a batch of 40
generated articles (11k triples; `pyinstrument` on file_validation.validate_batch) showed where the time went, and
none of it was a fixed cost per call (the batch holds many articles and the reference graphs once; the SPARQL-based
shapes are parsed once, sparql_parse_memo.py): it is per value node, in work whose output run_shapes never reads:

1. `Shape.validate` — run once per shape *and per value node* of every nested shape (sh:qualifiedValueShape, sh:node,
   sh:not, sh:or…) — finds the shape's constraint parameters with `p in search_parameters`, a *list* of ~35 IRIs:
   every predicate of the shape that is not a parameter (rdf:type, rdfs:label, sh:message, …) cost ~35 calls of
   rdflib's Python-level `URIRef.__eq__` (~45% of the time). Here that list is replaced by one whose membership test
   is a set lookup: same items, same order, same copy()/append(), so the same constraints are found in the same order.
2. Every result gets a human-readable description (`make_v_result_description`: several `stringify_node` calls, a
   walk of the shape's RDF lists), used only for pyshacl's text report and debug logs. run_shapes reads the results
   graph only and throws the text away: the description is left empty.
3. The shapes graph is read again for every value node (each shape's parameters, each constraint component's
   settings, the sh:languageIn list walked per label): `memoised_shapes` gives pyshacl a view of the same store and
   namespaces whose triple lookups are remembered (any add or remove forgets them).
4. A nested shape evaluated for sh:qualifiedValueShape, sh:not, sh:and, sh:or or sh:xone only matters by its
   conformance (pyshacl itself drops those "upstream" reports, after a debug log): e.g. every rdfs:label and
   skos:prefLabel checked against EnglishText/FrenchText, half of them failing, each failure building messages,
   stringified nodes and result triples that are discarded. Inside such a nested evaluation a result is made
   minimal — its node, its severity and its focus node, the only parts anything reads (Shape.validate decides
   conformance from the severity when warnings are allowed; sh:node counts the nested results) — while the results
   that reach the report are built in full as before.
5. The remaining cost was the number of `Shape.validate` calls (~0.1 ms each): pyshacl validates a property shape
   once per focus node, and a qualified value shape once per value node. A property shape now validates all the
   value nodes at once (each result still names its own focus node), and a *leaf* qualified value shape (a node
   shape of severity Violation made only of per-value constraints: sh:languageIn, sh:datatype, sh:class, …) judges
   all the value nodes at once, the failing ones being the focus nodes of its results. On 80 generated articles
   (25k triples): 40,475 calls before, 2,822 after.

6. Still per focus node: a SPARQL-based constraint's text went through ~10 regular expressions (pyshacl's check
   for MINUS, VALUES, SERVICE, nested SELECT…) before every query; a text that passed is now checked once per run.
   The minimal results of 4 get a counter's label rather than a uuid4, and skip rdflib's slow `SH.x` look-ups.

Together, with the batch parsed by Oxigraph (file_validation.article_triples): ~8 s of CPU for those 80 articles
before, ~2 s after.

Shortcuts 1, 2, 4, 5 and 6 apply only inside `faster_pyshacl()` (re-entrant, thread-safe); 3 is `memoised_shapes`.
validation.run_shapes uses both around every pyshacl run, unless called with fast=False (pyshacl as it ships).
tests/shapes and tests/core/test_shacl_speedups.py prove the reports equal with and without them.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, SupportsIndex
from warnings import warn

from pyshacl import shape as _shape_module
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.constraint_component import ConstraintComponent
from pyshacl.constraints.core.logical_constraints import (
    AndConstraintComponent,
    NotConstraintComponent,
    OrConstraintComponent,
    XoneConstraintComponent,
)
from pyshacl.constraints.core.shape_based_constraints import (
    PropertyConstraintComponent,
    QualifiedValueShapeConstraintComponent,
    SH_QualifiedMaxCountConstraintComponent,
    SH_QualifiedMinCountConstraintComponent,
)
from pyshacl.errors import ShapeRecursionWarning
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from pyshacl.shape import Shape
from rdflib import BNode, Graph
from rdflib.namespace import SH
from rdflib.paths import Path

from app.core.reentrant_patch import ReentrantPatch

shape_module: Any = _shape_module  # patched attributes are not in its typed interface

# Components whose nested shape evaluations count by conformance only (their upstream reports are dropped).
CONFORMANCE_ONLY = (
    QualifiedValueShapeConstraintComponent,
    NotConstraintComponent,
    AndConstraintComponent,
    OrConstraintComponent,
    XoneConstraintComponent,
)


class SetBackedList(list[Any]):
    """A list whose `in` is a hash lookup (its items are hashable IRIs); copy() and the mutators keep that."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._members = set(self)

    def __contains__(self, item: object) -> bool:
        try:
            return item in self._members
        except TypeError:  # an unhashable item: the list's own comparison
            return super().__contains__(item)

    def copy(self) -> SetBackedList:  # type: ignore[override]
        return SetBackedList(self)

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def extend(self, items: Iterable[Any]) -> None:
        items = list(items)
        super().extend(items)
        self._members.update(items)

    def insert(self, index: SupportsIndex, item: Any) -> None:
        super().insert(index, item)
        self._members.add(item)

    def __iadd__(self, items: Iterable[Any]) -> SetBackedList:  # type: ignore[override,misc]
        self.extend(items)
        return self

    def _resync(self) -> None:
        self._members = set(self)

    def remove(self, item: Any) -> None:
        super().remove(item)
        self._resync()

    def pop(self, index: SupportsIndex = -1) -> Any:
        item = super().pop(index)
        self._resync()
        return item

    def clear(self) -> None:
        super().clear()
        self._resync()

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._resync()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._resync()


class MemoisedGraph(Graph):
    """A view of another graph's store (same identifier, same namespaces) whose triple lookups are remembered."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)
        self._memo: dict[tuple[Any, Any, Any], tuple[Any, ...]] = {}

    def triples(self, triple: Any) -> Any:  # type: ignore[override]
        if isinstance(triple[1], Path):
            yield from super().triples(triple)
            return
        found = self._memo.get(triple)
        if found is None:
            found = self._memo[tuple(triple)] = tuple(super().triples(triple))  # type: ignore[index]
        yield from found

    def add(self, triple: Any) -> Any:  # type: ignore[override]
        self._memo.clear()
        return super().add(triple)

    def addN(self, quads: Any) -> Any:  # type: ignore[override]  # noqa: N802
        self._memo.clear()
        return super().addN(quads)

    def remove(self, triple: Any) -> Any:  # type: ignore[override]
        self._memo.clear()
        return super().remove(triple)


def memoised_shapes(shapes: Graph) -> Graph:
    """What to hand pyshacl as its shapes graph: `shapes` itself, with its lookups remembered for one run."""
    return MemoisedGraph(shapes) if type(shapes) is Graph else shapes


_local = threading.local()  # .discarding: how many conformance-only evaluations enclose this thread's code

_ORIGINAL_PARAMS = getattr(shape_module, "CONSTRAINT_PARAMS", None)
_ORIGINAL_VALIDATE = Shape.validate
_ORIGINAL_MAKE_RESULT = ConstraintComponent.make_v_result
_ORIGINAL_DESCRIPTION = ConstraintComponent.make_v_result_description
_ORIGINAL_PROPERTY_SHAPE = PropertyConstraintComponent._evaluate_property_shape
_ORIGINAL_VALUE_SHAPE = QualifiedValueShapeConstraintComponent._evaluate_value_shape
_ORIGINAL_CHECK_SPARQL = SPARQLQueryHelper.check_invalid_sparql
_leaf_shapes: dict[int, tuple[Any, bool]] = {}
_checked_texts: set[tuple[Any, ...]] = set()
# rdflib's SH.x is a DefinedNamespace look-up of ~15 us (two per discarded result: a third of their cost)
_RESULT_SEVERITY, _FOCUS_NODE = SH.resultSeverity, SH.focusNode
_discarded_numbers = itertools.count()  # labels of the minimal results of shortcut 4 (never reach a report)

# Constraint parameters whose component judges each value node on its own and reports it as the focus node: a node
# shape made only of these can be asked about many value nodes at once and answer for each (see _failing).
LEAF_PARAMETERS = frozenset(
    SH[name]
    for name in (
        "class",
        "datatype",
        "nodeKind",
        "languageIn",
        "pattern",
        "flags",
        "in",
        "hasValue",
        "minLength",
        "maxLength",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
    )
)


def _discarding() -> int:
    return getattr(_local, "discarding", 0)


def _validate(self: Any, executor: Any, target_graph: Any, focus: Any = None, _evaluation_path: Any = None) -> Any:
    caller = _evaluation_path[-1] if _evaluation_path else None
    if not isinstance(caller, CONFORMANCE_ONLY):
        return _ORIGINAL_VALIDATE(self, executor, target_graph, focus=focus, _evaluation_path=_evaluation_path)
    _local.discarding = _discarding() + 1
    try:
        return _ORIGINAL_VALIDATE(self, executor, target_graph, focus=focus, _evaluation_path=_evaluation_path)
    finally:
        _local.discarding -= 1


def _make_v_result(self: Any, datagraph: Any, focus_node: Any, *args: Any, **kwargs: Any) -> Any:
    if not _discarding():
        return _ORIGINAL_MAKE_RESULT(self, datagraph, focus_node, *args, **kwargs)
    node = BNode(f"discarded{next(_discarded_numbers)}")  # a counter, not a uuid4 (~15 us each, 10k per batch)
    return "", node, [(node, _RESULT_SEVERITY, self.shape.severity), (node, _FOCUS_NODE, focus_node)]


def _evaluate_property_shape(
    self: Any,
    executor: Any,
    prop_shape: Any,
    target_graph: Any,
    focus_value_nodes: dict[Any, Any],
    potentially_recursive: Any,
    _evaluation_path: list[Any],
) -> tuple[bool, list[Any]]:
    """pyshacl's own, but the property shape validates all the value nodes in one call rather than one call each."""
    found_prop_shape = self.shape.get_other_shape(prop_shape)
    if potentially_recursive and found_prop_shape in potentially_recursive:
        warn(ShapeRecursionWarning(_evaluation_path), stacklevel=2)  # type: ignore[no-untyped-call]
        return False, []
    if not found_prop_shape or not found_prop_shape.is_property_shape:
        return _ORIGINAL_PROPERTY_SHAPE(  # type: ignore[no-any-return,no-untyped-call]
            self, executor, prop_shape, target_graph, focus_value_nodes, potentially_recursive, _evaluation_path
        )
    values = list(dict.fromkeys(v for value_nodes in focus_value_nodes.values() for v in value_nodes))
    if not values:
        return False, []
    conforms, reports = found_prop_shape.validate(
        executor, target_graph, focus=values, _evaluation_path=_evaluation_path[:]
    )
    return not conforms, reports


def _is_leaf_shape(shape: Any) -> bool:
    """A node shape, severity Violation, not deactivated, whose constraints are all LEAF_PARAMETERS ones."""
    kept = _leaf_shapes.get(id(shape))
    if kept is not None:
        return kept[1]
    parameters = {p for p, _ in shape.sg.predicate_objects(shape.node) if p in shape_module.CONSTRAINT_PARAMS[0]}
    known = bool(
        not shape.is_property_shape
        and not shape.deactivated
        and shape.severity == SH.Violation
        and parameters <= LEAF_PARAMETERS
        and not shape.find_custom_constraints()
    )
    _leaf_shapes[id(shape)] = (shape, known)  # the shape is kept alive with its id until the run ends
    return known


def _evaluate_value_shape(
    self: Any,
    executor: Any,
    _v_shape: Any,
    target_graph: Any,
    focus_value_nodes: dict[Any, Any],
    potentially_recursive: Any,
    _evaluation_path: list[Any],
) -> tuple[bool, list[Any]]:
    """pyshacl's own, but a leaf value shape (e.g. EnglishText: sh:languageIn ("en")) judges every value node of
    every focus node in one call, instead of one call per value node; the counts and results are the same.

    With warnings allowed, pyshacl counts a value node as conforming to a Violation-severity shape unless a result
    of severity Violation was made for it; a leaf shape's results are made by its own components, with its severity
    and the value node as focus: so the value nodes that fail are exactly the focus nodes of the batch's results.
    """
    other_shape = self.shape.get_other_shape(_v_shape)
    if (
        self.is_disjoint
        or not other_shape
        or (potentially_recursive and other_shape in potentially_recursive)
        or not _is_leaf_shape(other_shape)
    ):
        return _ORIGINAL_VALUE_SHAPE(  # type: ignore[no-any-return,no-untyped-call]
            self, executor, _v_shape, target_graph, focus_value_nodes, potentially_recursive, _evaluation_path
        )
    values = list(dict.fromkeys(v for value_nodes in focus_value_nodes.values() for v in value_nodes))
    failing: set[Any] = set()
    if values:
        _conforms, results = other_shape.validate(
            executor, target_graph, focus=values, _evaluation_path=_evaluation_path[:]
        )
        for _text, node, parts in results:
            failing.update(o for s, p, o in parts if s == node and p == _FOCUS_NODE)
    reports = []
    non_conformant = False
    for f, value_nodes in focus_value_nodes.items():
        number_conforms = sum(1 for v in value_nodes if v not in failing)
        if self.max_count is not None and number_conforms > self.max_count:
            non_conformant = True
            reports.append(
                self.make_v_result(target_graph, f, constraint_component=SH_QualifiedMaxCountConstraintComponent)
            )
        if self.min_count is not None and number_conforms < self.min_count:
            non_conformant = True
            reports.append(
                self.make_v_result(target_graph, f, constraint_component=SH_QualifiedMinCountConstraintComponent)
            )
    return non_conformant, reports


def _no_description(self: Any, *args: Any, **kwargs: Any) -> str:
    return ""


def _checked_sparql(self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None) -> bool:
    """pyshacl's check of a SPARQL text (MINUS, VALUES, SERVICE, nested SELECT…), once per text: it ran ~10 regular
    expressions over the same text for every focus node. Only a pass is remembered (a failure raises every time)."""
    key = (type(self), sparql_text, valuenode is not None, tuple(sorted(extravars)) if extravars else ())
    if key not in _checked_texts:
        _ORIGINAL_CHECK_SPARQL(self, sparql_text, valuenode=valuenode, extravars=extravars)  # type: ignore[no-untyped-call]
        _checked_texts.add(key)
    return True


def faster_pyshacl() -> AbstractContextManager[None]:
    """Within the block, pyshacl runs with shortcuts 1, 2, 4, 5 and 6 above (re-entrant, thread-safe)."""
    return _PATCH.active()


def _apply() -> None:
    shape_module.CONSTRAINT_PARAMS = (SetBackedList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)
    Shape.validate = _validate  # type: ignore[method-assign]
    ConstraintComponent.make_v_result = _make_v_result  # type: ignore[method-assign]
    ConstraintComponent.make_v_result_description = _no_description  # type: ignore[method-assign]
    PropertyConstraintComponent._evaluate_property_shape = _evaluate_property_shape  # type: ignore[method-assign]
    QualifiedValueShapeConstraintComponent._evaluate_value_shape = _evaluate_value_shape  # type: ignore[method-assign]
    SPARQLQueryHelper.check_invalid_sparql = _checked_sparql  # type: ignore[method-assign]


def _restore() -> None:
    if _ORIGINAL_PARAMS is None:
        shape_module.__dict__.pop("CONSTRAINT_PARAMS", None)
    else:
        shape_module.CONSTRAINT_PARAMS = _ORIGINAL_PARAMS
    Shape.validate = _ORIGINAL_VALIDATE  # type: ignore[method-assign]
    ConstraintComponent.make_v_result = _ORIGINAL_MAKE_RESULT  # type: ignore[method-assign]
    ConstraintComponent.make_v_result_description = _ORIGINAL_DESCRIPTION  # type: ignore[method-assign]
    PropertyConstraintComponent._evaluate_property_shape = _ORIGINAL_PROPERTY_SHAPE  # type: ignore[method-assign]
    QualifiedValueShapeConstraintComponent._evaluate_value_shape = _ORIGINAL_VALUE_SHAPE  # type: ignore[method-assign]
    SPARQLQueryHelper.check_invalid_sparql = _ORIGINAL_CHECK_SPARQL  # type: ignore[method-assign]
    _leaf_shapes.clear()
    _checked_texts.clear()


_PATCH = ReentrantPatch(_apply, _restore)
