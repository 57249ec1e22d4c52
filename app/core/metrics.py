"""The service's Prometheus metrics: one registry per app, typed methods to record events, no web framework.

Each app owns a `ServiceMetrics` (its own CollectorRegistry), so tests and several apps in one process never share
counters. The core reports what only it sees through small protocols (`QueryEvents`: timeouts, crashed workers,
cache hits and misses) and never imports the HTTP layer; the HTTP layer records requests, latencies and refusals.

Several service processes (`coopgraph serve --workers N`) share one port, so a scrape reaches one of them at random:
per-process counters would jump about. They therefore run in prometheus-client's multiprocess mode (its own switch,
the PROMETHEUS_MULTIPROC_DIR environment variable, set by `coopgraph serve` before the workers start): counters and
histograms are written to files there and summed over every process at scrape time. Facts about the loaded data
(triples per graph, load duration, query workers) are read at scrape time from the process that answers; every
process serves the same persisted store, so they agree.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    values,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

REJECTION_REASONS = ("update", "service", "graph", "size", "syntax", "uninspectable", "protocol", "parameter", "busy")
"""Why a query request was refused (the `reason` label of coopgraph_queries_rejected_total)."""

TRUNCATION_REASONS = ("row-limit", "size-limit")
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
QUERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


class QueryEvents(Protocol):
    """What the query execution layer reports (QueryExecutor holds one; a result cache may use it too)."""

    def query_timed_out(self) -> None:
        """A query ran past the time limit and its worker was killed."""

    def query_worker_crashed(self) -> None:
        """A worker died while evaluating a query (most often: over its memory allowance)."""

    def cache_lookup(self, cache: str, hit: bool) -> None:
        """A lookup in the cache named `cache` (e.g. "results"), answered from it (`hit`) or not."""


class NoQueryEvents:
    """The events of an executor nobody watches (scripts, tests of the core)."""

    def query_timed_out(self) -> None:
        return None

    def query_worker_crashed(self) -> None:
        return None

    def cache_lookup(self, cache: str, hit: bool) -> None:
        return None


NO_QUERY_EVENTS = NoQueryEvents()


@dataclass(frozen=True)
class LoadFacts:
    """What the last load of the graph produced: its version, how it got there, how long it took, what it holds."""

    version: str
    reused: bool  # opened a persisted store as it was (True) or built it now (False)
    seconds: float
    triples_by_graph: dict[str, int]
    loaded_at: float  # Unix time

    @property
    def triples(self) -> int:
        """Triples over the named graphs (a triple stated in two graphs counts twice, as in the dumps)."""
        return sum(self.triples_by_graph.values())


@dataclass(frozen=True)
class WorkerCounts:
    """The query worker pool right now: configured size, processes alive, and those idle."""

    configured: int
    alive: int
    idle: int

    @property
    def busy(self) -> int:
        return max(self.alive - self.idle, 0)


def multiprocess_mode() -> bool:
    """True when prometheus-client writes values to PROMETHEUS_MULTIPROC_DIR (decided when it was first imported)."""
    return values.ValueClass is not values.MutexValue  # type: ignore[attr-defined]


class ServiceMetrics:
    """The metrics of one app and the methods that record them."""

    def __init__(self) -> None:
        self.multiprocess = multiprocess_mode()
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "coopgraph_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "coopgraph_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["route"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.in_progress = Gauge(
            "coopgraph_http_requests_in_progress",
            "HTTP requests being answered now",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.sparql_seconds = Histogram(
            "coopgraph_sparql_query_duration_seconds",
            "Time to answer a /sparql request carrying a query (guard, queue, evaluation, serialisation)",
            buckets=QUERY_BUCKETS,
            registry=registry,
        )
        self.canned_seconds = Histogram(
            "coopgraph_canned_query_duration_seconds",
            "Time to answer a canned query (/api/queries/{name}), by query name",
            ["query"],
            buckets=QUERY_BUCKETS,
            registry=registry,
        )
        self.timed_out = Counter(
            "coopgraph_queries_timed_out", "Queries stopped at the time limit (query_timeout_s)", registry=registry
        )
        self.rejected = Counter(
            "coopgraph_queries_rejected",
            "Query requests refused before evaluation, by reason: " + ", ".join(REJECTION_REASONS),
            ["reason"],
            registry=registry,
        )
        self.worker_crashes = Counter(
            "coopgraph_query_worker_crashes", "Query workers that died while evaluating a query", registry=registry
        )
        self.truncated = Counter(
            "coopgraph_results_truncated",
            "Responses whose results were cut at a cap, by reason (row-limit = max_rows, size-limit = "
            "max_response_bytes)",
            ["reason"],
            registry=registry,
        )
        self.cache_lookups = Counter(
            "coopgraph_cache_lookups",
            "Cache lookups by cache and result (hit or miss)",
            ["cache", "result"],
            registry=registry,
        )
        self.cache_evictions = Counter(
            "coopgraph_cache_evictions", "Entries evicted to make room, by cache", ["cache"], registry=registry
        )
        for reason in REJECTION_REASONS:  # present at 0 from the start, so rate() and alerts see them
            self.rejected.labels(reason)
        for reason in TRUNCATION_REASONS:
            self.truncated.labels(reason)
        self._last_load: LoadFacts | None = None
        self._worker_counts: Callable[[], WorkerCounts | None] = lambda: None
        self._caches: dict[str, _WatchedCache] = {}
        self._state = _LoadedStateCollector(self)
        registry.register(self._state)
        if not self.multiprocess:  # the library cannot sum these over processes
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)

    # --- what the HTTP layer records ---

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route).observe(seconds)

    def observe_query(self, canned_name: str | None, seconds: float) -> None:
        """A request that carried a query: /sparql (no name) or the canned query `canned_name`."""
        if canned_name is None:
            self.sparql_seconds.observe(seconds)
        else:
            self.canned_seconds.labels(canned_name).observe(seconds)

    def query_rejected(self, reason: str) -> None:
        self.rejected.labels(reason).inc()

    def results_truncated(self, reason: str) -> None:
        self.truncated.labels(reason).inc()

    def declare_canned_queries(self, names: Iterable[str]) -> None:
        """Make each canned query's histogram exist (at 0) before its first run."""
        for name in names:
            self.canned_seconds.labels(name)

    # --- QueryEvents: what the core records ---

    def query_timed_out(self) -> None:
        self.timed_out.inc()

    def query_worker_crashed(self) -> None:
        self.worker_crashes.inc()

    def cache_lookup(self, cache: str, hit: bool) -> None:
        self.cache_lookups.labels(cache, "hit" if hit else "miss").inc()

    def watch_cache(self, cache: str, stats: Callable[[], Mapping[str, int] | None]) -> None:
        """Follow a cache that keeps its own counters (hits, misses, evictions, entries, bytes, max_bytes).

        `sync_caches` turns the growth of its counters into increments of ours (so they are summed over processes
        like every other counter), and its sizes are gauges at scrape time. Do not also call `cache_lookup` for it.
        """
        self._caches[cache] = _WatchedCache(stats)

    def sync_caches(self) -> None:
        """Bring the watched caches' counters into ours (after each request, and before a scrape)."""
        for name, watched in self._caches.items():
            for counter, delta in watched.growth():
                if counter == "evictions":
                    self.cache_evictions.labels(name).inc(delta)
                else:
                    self.cache_lookups.labels(name, "hit" if counter == "hits" else "miss").inc(delta)

    def cache_sizes(self) -> dict[str, Mapping[str, int]]:
        return {name: watched.latest for name, watched in self._caches.items() if watched.latest}

    # --- the loaded graph ---

    def record_load(self, facts: LoadFacts) -> None:
        """Called once per (re)load, from the thread that loaded."""
        self._last_load = facts

    @property
    def last_load(self) -> LoadFacts | None:
        return self._last_load

    def watch_query_workers(self, counts: Callable[[], WorkerCounts | None]) -> None:
        """Where to read the current pool's counts at scrape time (the pool changes when the graph is reloaded)."""
        self._worker_counts = counts

    def worker_counts(self) -> WorkerCounts | None:
        return self._worker_counts()

    # --- exposition ---

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The metrics in the text format the scraper accepts (Prometheus text, or OpenMetrics when asked)."""
        encode, content_type = choose_encoder(accept or "")
        self.sync_caches()
        return encode(self._exposed_registry()), content_type

    def _exposed_registry(self) -> CollectorRegistry:
        if not self.multiprocess:
            return self.registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(self._state)
        return registry

    def process_exiting(self) -> None:
        """Multiprocess mode: drop this process's live gauges (its counters stay in the sums)."""
        if self.multiprocess:
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class _LoadedStateCollector(Collector):
    """Gauges read at scrape time from the loaded graph and the query worker pool."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        facts = self._metrics.last_load
        if facts is not None:
            yield from _load_families(facts)
        counts = self._metrics.worker_counts()
        if counts is not None:
            workers = GaugeMetricFamily(
                "coopgraph_query_workers", "Query worker processes of this service process, by state", labels=["state"]
            )
            workers.add_metric(["configured"], counts.configured)
            workers.add_metric(["alive"], counts.alive)
            workers.add_metric(["busy"], counts.busy)
            yield workers
        sizes = self._metrics.cache_sizes()
        if sizes:
            for key, help_text in CACHE_SIZE_HELP.items():
                family = GaugeMetricFamily(f"coopgraph_cache_{key}", help_text, labels=["cache"])
                for cache, stats in sorted(sizes.items()):
                    if key in stats:
                        family.add_metric([cache], stats[key])
                yield family


CACHE_SIZE_HELP = {
    "entries": "Entries held by each cache (in the process answering the scrape)",
    "bytes": "Bytes held by each cache (in the process answering the scrape)",
    "max_bytes": "Byte budget of each cache",
}
COUNTED = ("hits", "misses", "evictions")


class _WatchedCache:
    """A cache's own counters as last seen, to turn their growth into increments."""

    def __init__(self, stats: Callable[[], Mapping[str, int] | None]) -> None:
        self._stats = stats
        self._seen: dict[str, int] = dict.fromkeys(COUNTED, 0)
        self.latest: Mapping[str, int] = {}

    def growth(self) -> list[tuple[str, int]]:
        current = self._stats()
        if current is None:
            return []
        self.latest = current
        grown = []
        for counter in COUNTED:
            now = int(current.get(counter, 0))
            delta = now - self._seen[counter] if now >= self._seen[counter] else now  # a new cache starts at 0
            self._seen[counter] = now
            if delta:
                grown.append((counter, delta))
        return grown


def _load_families(facts: LoadFacts) -> Iterator[Metric]:
    triples = GaugeMetricFamily("coopgraph_triples", "Triples in each named graph of the store", labels=["graph"])
    for graph, count in sorted(facts.triples_by_graph.items()):
        triples.add_metric([graph], count)
    yield triples
    yield GaugeMetricFamily(
        "coopgraph_store_load_duration_seconds",
        "How long the last load took: building the store (or opening the persisted one) and starting the workers",
        value=facts.seconds,
    )
    info = GaugeMetricFamily("coopgraph_data_info", "The data version served (always 1)", labels=["version"])
    info.add_metric([facts.version], 1)
    yield info
    yield GaugeMetricFamily(
        "coopgraph_data_loaded_timestamp_seconds", "When the data served was loaded (Unix time)", value=facts.loaded_at
    )


def load_facts(version: str, reused: bool, started: float, triples_by_graph: dict[str, int]) -> LoadFacts:
    """LoadFacts for a load that began at `started` (time.monotonic()) and ends now."""
    return LoadFacts(version, reused, time.monotonic() - started, dict(triples_by_graph), time.time())
