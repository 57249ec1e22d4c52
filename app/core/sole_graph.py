"""An rdflib graph alone in its in-memory store: filled in bulk and read without the store's context bookkeeping.

Issue 7: a validation batch (~25k triples) is one graph in its own `Memory` store, and rdflib's per-triple context
bookkeeping was a third of the batch's CPU outside pyshacl's own logic:

- `Graph.add` dispatched an event nobody listens to, formatted the context's name and kept the triple's contexts in
  two dicts and a copy it then deleted (~0.55 s a batch); `add_all` writes the state `add` ends with (the same
  indices, sets and dicts) directly, at about a third of the cost;
- every look-up (~110k a batch: pyshacl's value nodes, rdflib's SPARQL engine) checked, triple by triple, that the
  triple is in this graph's context and built a generator of its contexts that `Graph.triples` throws away; when the
  store holds this graph only, every triple is in it, and `triples` reads the store's indices as `Memory.triples`
  does (same order, same snapshots), without those checks.

Both fall back to rdflib's own code as soon as the store holds anything else (another graph, a quoted formula, a
listener). tests/core/test_sole_graph.py compares the store's state with `Graph.add`'s and every look-up with
rdflib's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import Graph, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node


class SoleGraph(Graph):
    """A graph in a fresh `Memory` store of its own (what `Graph()` makes), with the two shortcuts above."""

    def __init__(self) -> None:
        super().__init__(store=Memory())
        store: Any = self.store
        self._name = f"{self.identifier.__class__.__name__}:{self.identifier}"  # Memory's name for the context
        self._by_context: dict[Any, set[Any]] = store._Memory__contextTriples
        self._exceptions: dict[Any, Any] = store._Memory__tripleContexts
        self._spo: dict[Any, dict[Any, dict[Any, int]]] = store._Memory__spo
        self._pos: dict[Any, dict[Any, dict[Any, int]]] = store._Memory__pos
        self._osp: dict[Any, dict[Any, dict[Any, int]]] = store._Memory__osp
        self._default = {self._name: False, None: False}  # each triple's contexts: this graph, the store's default

    def _alone(self) -> bool:
        """Every triple of the store is in this graph (and no other context, no quoted triple, no listener)."""
        store: Any = self.store
        contexts = len(self._by_context)
        return (
            not self._exceptions
            and (contexts == 1 or (contexts == 2 and self._name in self._by_context))
            and store.dispatcher._dispatch_map is None
            and store._Memory__defaultContexts in (None, self._default)
        )

    def add_all(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        """`self.add` each triple, leaving the store as those calls would."""
        if not self._alone():
            for triple in triples:
                self.add(triple)  # type: ignore[arg-type]
            return
        store: Any = self.store
        store._Memory__context_obj_map[self._name] = self
        store._Memory__all_contexts.add(self)
        in_default = self._by_context[None]
        in_graph = self._by_context.setdefault(self._name, set())
        if store._Memory__defaultContexts is None:
            store._Memory__defaultContexts = dict(self._default)
        spo, pos, osp = self._spo, self._pos, self._osp
        for triple in triples:
            s, p, o = triple
            objects = spo.setdefault(s, {}).setdefault(p, {})
            if o in objects:
                continue  # already there: Graph.add leaves everything as it was
            objects[o] = 1
            in_default.add(triple)
            in_graph.add(triple)
            pos.setdefault(p, {}).setdefault(o, {})[s] = 1
            osp.setdefault(o, {}).setdefault(s, {})[p] = 1

    def triples(self, triple: Any) -> Iterator[Any]:  # type: ignore[override]
        """Graph.triples; with an IRI or no predicate (not a property path), read from the indices directly."""
        s, p, o = triple
        if (p is not None and type(p) is not URIRef) or (s is None and p is None and o is None) or not self._alone():
            yield from super().triples(triple)
            return
        if s is not None:
            by_predicate = self._spo.get(s)
            if by_predicate is None:
                return
            if p is not None:
                objects = by_predicate.get(p)
                if objects is None:
                    return
                if o is not None:
                    if o in objects:
                        yield s, p, o
                    return
                for obj in list(objects):
                    yield s, p, obj
                return
            for pred in list(by_predicate):
                objects = by_predicate[pred]
                if o is not None:
                    if o in objects:
                        yield s, pred, o
                else:
                    for obj in list(objects):
                        yield s, pred, obj
        elif p is not None:
            by_object = self._pos.get(p)
            if by_object is None:
                return
            if o is not None:
                subjects = by_object.get(o)
                if subjects is not None:
                    for subj in list(subjects):
                        yield subj, p, o
                return
            for obj in list(by_object):
                for subj in list(by_object[obj]):
                    yield subj, p, obj
        else:
            by_subject = self._osp.get(o)
            if by_subject is None:
                return
            for subj in list(by_subject):
                for pred in list(by_subject[subj]):
                    yield subj, pred, o
