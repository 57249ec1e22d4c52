"""Repeated queries are answered from the result cache, with an ETag and 304; a new data version never is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, fixture_settings, serve_in_thread, write_fixture_project

from app.core.result_cache import ResultCache

QUERY = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folders = write_fixture_project(tmp_path_factory.mktemp("cache-project"))
    with serve_in_thread(lambda url: fixture_settings(folders, url, cache_dir=folders["data"].parent / "cache")) as s:
        yield s


def cache_of(server: LiveServer) -> ResultCache:
    cache: ResultCache = server.app.state.result_cache
    return cache


def test_a_repeated_query_is_a_hit_with_the_same_bytes_and_etag(server: LiveServer) -> None:
    cache = cache_of(server)
    first = httpx.get(f"{server.url}/sparql", params={"query": QUERY}, headers=JSON)
    hits = cache.stats().hits
    layout = QUERY.replace(" WHERE", "\n   WHERE")  # same query, other layout: same entry
    second = httpx.get(f"{server.url}/sparql", params={"query": layout}, headers=JSON)
    third = httpx.get(f"{server.url}/sparql", params={"query": QUERY}, headers=JSON)  # the shortcut's road
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.content == second.content == third.content
    assert first.headers["etag"] == second.headers["etag"] == third.headers["etag"]
    assert third.headers["content-type"] == first.headers["content-type"]
    assert cache.stats().hits >= hits + 2


def test_another_format_is_another_entry(server: LiveServer) -> None:
    as_json = httpx.get(f"{server.url}/sparql", params={"query": QUERY}, headers=JSON)
    as_csv = httpx.get(f"{server.url}/sparql", params={"query": QUERY}, headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200 and as_csv.content != as_json.content
    assert as_csv.headers["etag"] != as_json.headers["etag"]
    assert as_csv.headers["content-type"].startswith("text/csv")


def test_if_none_match_gets_304_without_a_body(server: LiveServer) -> None:
    first = httpx.get(f"{server.url}/sparql", params={"query": QUERY}, headers=JSON)
    revalidated = httpx.get(
        f"{server.url}/sparql", params={"query": QUERY}, headers={**JSON, "If-None-Match": first.headers["etag"]}
    )
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert revalidated.headers["etag"] == first.headers["etag"]
    stale = httpx.get(f"{server.url}/sparql", params={"query": QUERY}, headers={**JSON, "If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_errors_are_not_cached(server: LiveServer) -> None:
    misses = cache_of(server).stats().misses
    for _ in range(2):
        assert httpx.get(f"{server.url}/sparql", params={"query": "SELECT * WHERE {"}).status_code == 400
    assert cache_of(server).stats().entries < 100 and cache_of(server).stats().misses >= misses


@pytest.mark.slow
def test_a_reload_with_new_data_is_never_answered_from_the_old_entries(tmp_path: Path) -> None:
    folders = write_fixture_project(tmp_path / "project")
    with serve_in_thread(lambda url: fixture_settings(folders, url, cache_dir=tmp_path / "cache")) as live:
        before = httpx.get(f"{live.url}/sparql", params={"query": QUERY}, headers=JSON)
        httpx.get(f"{live.url}/sparql", params={"query": QUERY}, headers=JSON)  # now remembered by the shortcut
        extra = folders["data"] / "sources" / "002-extra.ttl"
        extra.write_text('<http://example.org/test/a-new> <http://www.w3.org/2000/01/rdf-schema#label> "new"@en .\n')
        from app.api.state import reload_state

        reload_state(live.app)
        after = httpx.get(f"{live.url}/sparql", params={"query": QUERY}, headers=JSON)
        assert b"http://example.org/test/a-new" in after.content and after.content != before.content
        assert after.headers["etag"] != before.headers["etag"]
        gone = httpx.get(
            f"{live.url}/sparql", params={"query": QUERY}, headers={**JSON, "If-None-Match": before.headers["etag"]}
        )
        assert gone.status_code == 200
