"""The result cache: keys (layout-insensitive, everything else sensitive), LRU eviction by bytes, counters."""

from __future__ import annotations

from rdflib import Literal, URIRef

from app.core.query_guard import QueryForm
from app.core.query_worker import QueryJob, QueryResult
from app.core.result_cache import ResultCache, cache_key, normalise_query, result_cache_stats

Q = "SELECT ?s WHERE { ?s ?p ?o }"


def result(size: int) -> QueryResult:
    return QueryResult(b"x" * size, "json", QueryForm.SELECT, 1)


def test_layout_does_not_matter_but_strings_iris_and_comments_do() -> None:
    assert normalise_query("SELECT ?s\n  WHERE {  ?s ?p ?o }  ") == normalise_query("SELECT ?s\nWHERE { ?s ?p ?o }")
    assert normalise_query('SELECT * { ?s ?p "a  b" }') != normalise_query('SELECT * { ?s ?p "a b" }')
    assert normalise_query("SELECT * { ?s ?p '''a\n\n b''' }") != normalise_query("SELECT * { ?s ?p '''a\n b''' }")
    assert normalise_query("SELECT * { <http://x#a> ?p ?o }") != normalise_query("SELECT * { <http://x#b> ?p ?o }")
    commented = "SELECT * # a comment\n{ ?s ?p ?o }"
    assert normalise_query(commented) != normalise_query("SELECT * # a comment { ?s ?p ?o }")
    assert "\n" in normalise_query(commented)  # the comment still ends where it ended


def test_the_key_changes_with_everything_the_bytes_depend_on() -> None:
    base = QueryJob(Q)
    key = cache_key(base, "v1")
    assert cache_key(QueryJob("SELECT ?s  WHERE {\n ?s ?p ?o }"), "v1") == key
    variants = [
        cache_key(base, "v2"),
        cache_key(QueryJob(Q, results_format="csv"), "v1"),
        cache_key(QueryJob(Q, graph_format="ntriples"), "v1"),
        cache_key(QueryJob(Q, default_graph_uris=("http://g",)), "v1"),
        cache_key(QueryJob(Q, named_graph_uris=("http://g",)), "v1"),
        cache_key(QueryJob(Q, union_of_all_graphs=True), "v1"),
        cache_key(QueryJob(Q, substitutions=(("s", URIRef("http://a")),)), "v1"),
        cache_key(QueryJob(Q, substitutions=(("s", Literal("http://a")),)), "v1"),
    ]
    assert len({key, *variants}) == len(variants) + 1


def test_least_recently_used_entries_are_evicted_to_stay_within_the_budget() -> None:
    cache = ResultCache(max_bytes=3 * 1_400)
    for name in "abc":
        cache.put(name, result(1_000))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("d", result(1_000))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("d") is not None
    stats = cache.stats()
    assert stats.evictions == 1 and stats.bytes <= stats.max_bytes and stats.entries == 3
    cache.put("huge", result(10_000))  # larger than the whole budget: not kept, nothing evicted for it
    assert cache.get("huge") is None and cache.stats().evictions == 1


def test_hits_and_misses_are_counted_for_the_metrics_hook() -> None:
    cache = ResultCache(max_bytes=1_000_000)
    assert cache.get("k") is None
    cache.put("k", result(10))
    assert cache.get("k") is not None
    counters = result_cache_stats(cache)
    assert (counters["hits"], counters["misses"], counters["entries"]) == (1, 1, 1)
    assert not ResultCache(0).enabled
