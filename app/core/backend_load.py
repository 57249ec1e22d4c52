"""The scale-out backend's data: `coopgraph load` writes it, a service over the backend mirrors its dumps.

`push_to_backend` writes the built store (the same parse → validate → infer pipeline as the embedded store, reused
when the data is unchanged) to a SPARQL 1.1 server through its Graph Store Protocol endpoint: each named graph by
PUT (replacing what was there), the RDF merge of them into the default graph (so queries without GRAPH read what
they read on the embedded store, whatever the server's union-default-graph setting), CoopGraph graphs no longer in
the data removed (graphs outside CoopGraph's namespace are never touched), and last the load record (`LOAD_GRAPH`:
the data version), which is what services over the backend watch. The Graph Store Protocol has no transactions:
while a load runs, queries may see a mix of old and new graphs; the record changes only once every graph is in.

`mirror_dumps` gives a service over the backend the downloadable files (/data/) without the input files: it reads
each named graph back by the same protocol and writes the dumps with Oxigraph's serialisers, once per data version.
"""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyoxigraph as ox

from app.core.dumps import Dump
from app.core.graph_store import BackendError
from app.core.namespaces import GRAPH, INFERRED_GRAPH, LOAD_GRAPH, ONTOLOGY_GRAPH
from app.core.remote_store import RemoteStore, describe_http_error
from app.core.store import EmbeddedStore
from app.core.store_dumps import write_store_dumps

log = logging.getLogger("coopgraph")

N_TRIPLES = "application/n-triples"
MIRROR_MANIFEST = "mirrored.json"


@dataclass(frozen=True)
class LoadSummary:
    """What a load wrote: the data version, triples per graph (default graph under ""), graphs removed, time."""

    version: str
    triples_by_graph: dict[str, int]
    removed: list[str]
    seconds: float


class GraphStoreClient:
    """The few SPARQL 1.1 Graph Store Protocol calls a load and a mirror make."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url
        self.client = client

    def put(self, graph: str | None, path: Path) -> None:
        """Replace `graph` (None: the default graph) with the N-Triples in `path`."""
        with path.open("rb") as body:
            self._call("PUT", graph, content=body, headers={"Content-Type": N_TRIPLES})

    def delete(self, graph: str) -> None:
        self._call("DELETE", graph)

    def download(self, graph: str, path: Path) -> None:
        """Write `graph` as N-Triples to `path`, streamed."""
        try:
            with self.client.stream("GET", self.url, params=_target(graph), headers={"Accept": N_TRIPLES}) as answer:
                _raise_for(answer, "GET", graph, self.url)
                with path.open("wb") as out:
                    for chunk in answer.iter_bytes():
                        out.write(chunk)
        except httpx.HTTPError as error:
            raise BackendError(f"the graph store {self.url} did not answer: {describe_http_error(error)}") from None

    def _call(self, method: str, graph: str | None, **kwargs: object) -> None:
        try:
            answer = self.client.request(method, self.url, params=_target(graph), **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as error:
            raise BackendError(f"the graph store {self.url} did not answer: {describe_http_error(error)}") from None
        _raise_for(answer, method, graph, self.url)


def push_to_backend(
    store_dir: Path,
    version: str,
    remote: RemoteStore,
    graph_store_url: str,
    progress: Callable[[str], None] = lambda message: None,
) -> LoadSummary:
    """Write the store at `store_dir` to the backend (see the module's docstring); BackendError says what failed."""
    started = time.monotonic()
    store = EmbeddedStore.open_read_only(store_dir)
    target = GraphStoreClient(graph_store_url, remote.client)
    before = set(remote.named_graphs())
    graphs = store.named_graphs()
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="coopgraph-load-") as tmp:
        staged = Path(tmp) / "graph.nt"
        for number, graph in enumerate([*graphs, None], start=1):
            counts[graph or ""] = store.dump_graph(staged, graph)
            target.put(graph, staged)
            progress(f"[{number}/{len(graphs) + 1}] {graph or 'default graph (the merge)'}: {counts[graph or '']}")
        removed = sorted(g for g in before - set(graphs) if g.startswith(str(GRAPH)))
        for graph in removed:
            target.delete(graph)
            progress(f"removed {graph} (no longer in the data)")
        record = Path(tmp) / "load.nt"
        record.write_text(_load_record(version), encoding="utf-8")
        target.put(str(LOAD_GRAPH), record)
    progress(f"load record: data version {version[:12]}")
    return LoadSummary(version, counts, removed, time.monotonic() - started)


def mirror_dumps(remote: RemoteStore, graph_store_url: str, out_dir: Path) -> list[Dump]:
    """The dumps of the data version the backend holds, kept in `out_dir` (read back once, then reused)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with (out_dir.parent / ".lock").open("w") as lock:  # service processes sharing cache_dir mirror once
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _mirror_once(remote, graph_store_url, out_dir)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _mirror_once(remote: RemoteStore, graph_store_url: str, out_dir: Path) -> list[Dump]:
    try:
        listed = json.loads((out_dir / MIRROR_MANIFEST).read_text(encoding="utf-8"))
        return [Dump(**entry) for entry in listed]
    except (OSError, ValueError, TypeError):
        pass
    source = GraphStoreClient(graph_store_url, remote.client)
    graphs = remote.named_graphs()
    staging = out_dir.with_name(f"{out_dir.name}.{time.monotonic_ns()}.tmp")
    staging.mkdir(parents=True)
    try:
        mirror = ox.Store()
        for graph in graphs:
            path = staging / "graph.nt"
            source.download(graph, path)
            mirror.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
            path.unlink()
        asserted = [g for g in graphs if g not in (str(ONTOLOGY_GRAPH), str(INFERRED_GRAPH))]
        parts = {
            "asserted": [ox.NamedNode(g) for g in asserted],
            "inferred": [ox.NamedNode(str(INFERRED_GRAPH))],
            "ontology": [ox.NamedNode(str(ONTOLOGY_GRAPH))],
        }
        counts = EmbeddedStore.wrapping(mirror).triple_count_by_graph()
        dumps = write_store_dumps(mirror, parts, [ox.NamedNode(g) for g in graphs], staging, counts)
        (staging / MIRROR_MANIFEST).write_text(json.dumps([asdict(d) for d in dumps]), encoding="utf-8")
        shutil.rmtree(out_dir, ignore_errors=True)
        staging.replace(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("mirrored the backend's %d graphs into the dumps at %s", len(graphs), out_dir)
    return dumps


def _load_record(version: str) -> str:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return (
        f'<{LOAD_GRAPH}> <http://purl.org/dc/terms/hasVersion> "{version}" .\n'
        f'<{LOAD_GRAPH}> <http://purl.org/dc/terms/modified> "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
    )


def _target(graph: str | None) -> dict[str, str]:
    return {"default": ""} if graph is None else {"graph": graph}


def _raise_for(answer: httpx.Response, method: str, graph: str | None, url: str) -> None:
    if answer.status_code < 300 or (method == "DELETE" and answer.status_code == 404):
        return
    answer.read()
    detail = " ".join(answer.text.split())[:300]
    raise BackendError(
        f"the graph store {url} refused {method} of {graph or 'the default graph'}: {answer.status_code} {detail}"
    )
