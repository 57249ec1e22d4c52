"""A bounded in-memory cache of serialised query results, so a repeated query is answered without re-evaluating it.

The served data is read-only between loads, so the bytes of a result depend only on the query text (up to
whitespace), its bound parameters, the dataset it reads (default/named graphs, union), the format and the data
version. The key holds all of them: a reload (new version) can never serve a stale answer, and the old version's
entries simply age out. Bounded by bytes with least-recently-used eviction; only successful results are kept
(errors, timeouts and busy answers always go back to the workers). The key doubles as a strong ETag.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from rdflib.term import Node

from app.core.query_worker import QueryJob, QueryResult

ENTRY_OVERHEAD_BYTES = 300  # the key, the entry object and the dictionary slot, roughly
IRI_TOKEN = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')


@lru_cache(maxsize=4096)
def normalise_query(sparql: str) -> str:
    """The query with each run of whitespace between tokens made one space (a newline after a comment).

    String literals, IRIs and comments are kept byte for byte, so two queries get the same text only when they
    differ in layout alone (a comment still ends at a newline, so nothing after it is swallowed).
    """
    out: list[str] = []
    i, n = 0, len(sparql)
    pending = False  # a whitespace run waits to be written
    after_comment = False
    while i < n:
        char = sparql[i]
        if char.isspace():
            pending = True
            i += 1
            continue
        if pending or after_comment:
            if out:
                out.append("\n" if after_comment else " ")
            pending = after_comment = False
        if char in "\"'":
            end = string_end(sparql, i)
        elif char == "<" and (match := IRI_TOKEN.match(sparql, i)):
            end = match.end()
        elif char == "#":
            newline = sparql.find("\n", i)
            end = n if newline < 0 else newline
            after_comment = True
        else:
            end = i + 1
        out.append(sparql[i:end])
        i = end
    return "".join(out)


def string_end(text: str, start: int) -> int:
    """The index just past the string literal opening at `start` (short or long form, escapes honoured)."""
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    i = start + len(delimiter)
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(delimiter, i):
            return i + len(delimiter)
        if len(delimiter) == 1 and text[i] == "\n":  # a short string cannot span lines: stop (the engine will refuse)
            return i
        i += 1
    return len(text)


def cache_key(job: QueryJob, version: str) -> str:
    """A digest of everything the result bytes depend on (also used, quoted, as the response's ETag)."""
    parts = {
        "query": normalise_query(job.sparql),
        "bindings": sorted((name, _term_key(term)) for name, term in job.substitutions),
        "version": version,
        "results_format": job.results_format,
        "graph_format": job.graph_format,
        "default_graphs": list(job.default_graph_uris),
        "named_graphs": list(job.named_graph_uris),
        "union": job.union_of_all_graphs,
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _term_key(term: Node) -> str:
    """A term's kind and full value (an IRI and a string with the same text must not collide)."""
    return f"{type(term).__name__}:{term.n3()}"


def etag_of(key: str) -> str:
    """The strong entity tag of a cached representation."""
    return f'"{key[:32]}"'


@dataclass(frozen=True)
class CacheStats:
    """Counters for monitoring (the operations side exports them, e.g. to Prometheus)."""

    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int
    max_bytes: int


class ResultCache:
    """Least-recently-used results, at most `max_bytes` of them; thread-safe (routes and threads share it)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, QueryResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: str) -> QueryResult | None:
        """The cached result (now the most recently used), or None (counted as a miss)."""
        with self._lock:
            result = self._entries.get(key)
            if result is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return result

    def put(self, key: str, result: QueryResult) -> None:
        """Keep `result` unless it alone is over the budget; evict the least recently used to make room."""
        size = _size(key, result)
        if size > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= _size(key, previous)
            self._entries[key] = result
            self._bytes += size
            while self._bytes > self.max_bytes:
                old_key, old = self._entries.popitem(last=False)
                self._bytes -= _size(old_key, old)
                self.evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.hits, self.misses, self.evictions, len(self._entries), self._bytes, self.max_bytes)


def _size(key: str, result: QueryResult) -> int:
    return len(result.body) + len(key) + ENTRY_OVERHEAD_BYTES


def result_cache_stats(cache: ResultCache) -> dict[str, int]:
    """The hook for metrics: hits, misses, evictions, entries, bytes and the byte budget, as plain numbers.

    The operations side reads it from `app.state.result_cache` (e.g. a Prometheus collector calling this on scrape).
    """
    stats = cache.stats()
    return {
        "hits": stats.hits,
        "misses": stats.misses,
        "evictions": stats.evictions,
        "entries": stats.entries,
        "bytes": stats.bytes,
        "max_bytes": stats.max_bytes,
    }
