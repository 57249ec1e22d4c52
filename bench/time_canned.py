"""Every canned query timed in process, straight on a served store with pyoxigraph (no worker, no HTTP).

    python bench/time_canned.py --data bench/_data/100k-seed1              # build (or reuse) its store, then time
    python bench/time_canned.py --store var/cache/project-…/oxigraph-…      # an existing store folder
    python bench/time_canned.py --data data --queries /tmp/old-queries     # other query texts (before/after)
    python bench/time_canned.py --data bench/_data/1M-seed1 --timeout 60 --only places-map,organisations

The store is the one the service serves (`--data` builds it under `--cache`, default bench/_data/_stores/, with the
service's own pipeline; a rebuild happens only when the inputs change). It is opened read-only; its default graph
holds the RDF merge of the named graphs, so queries run over the default graph as the workers do (Oxigraph's bag
union only for a store without that merge). Parameters are picked as bench/run_bench.py does (the required ones:
`organisation` and `resource` from this data, else the header's example; the optional ones take their defaults)
and written into the text when the service would (app/core/bound_queries.py), else bound by substitution.

Each query runs `--runs` times (after one warm-up run) in a child process stopped after `--timeout` seconds, every
row read (at most `--max-rows` + 1, as the query worker reads them: the service's max_rows, default 10000); the
table gives rows, p50, min and max in milliseconds (a row count of max-rows + 1 means the service would cut there).
`--json FILE` keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from app.core.bound_queries import inline_parameters  # noqa: E402
from app.core.canned_queries import CannedQuery, bind_parameters, load_catalogue  # noqa: E402
from app.core.namespaces import PREFIXES  # noqa: E402
from app.core.store import to_oxigraph  # noqa: E402

STORES = ROOT / "bench" / "_data" / "_stores"
# The values run_bench.py picks for the IRI parameters (the examples name the shipped articles' nodes).
LOOKUPS = {
    "organisation": "SELECT ?x WHERE { ?x coop:partnerOf ?y } ORDER BY ?x LIMIT 1",
    "resource": "SELECT ?x WHERE { ?x a coop:Agreement } ORDER BY ?x LIMIT 1",
}


def build_store(data: Path, cache: Path) -> Path:
    """The service's store for `data` (built once with the service's pipeline, reused while the inputs match)."""
    from app.core.config import Settings
    from app.core.persisted_store import prepare_store

    settings = Settings(_env_file=None, data_dir=data.resolve(), cache_dir=cache.resolve())  # type: ignore[call-arg]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coopgraph-time-") as tmp:
        prepared = prepare_store(settings, Path(tmp))
    how = "reused" if prepared.reused else f"built in {time.perf_counter() - began:.1f} s"
    print(f"store {prepared.store_dir} ({how})", file=sys.stderr, flush=True)
    return prepared.store_dir


def open_store(store_dir: Path) -> tuple[Any, bool]:
    """(read-only store, whether to use Oxigraph's union default graph): not when the default graph holds the merge."""
    store = ox.Store.read_only(str(store_dir))
    merged = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
    return store, not merged


def pick_parameters(store: Any, union: bool) -> dict[str, str]:
    found = {}
    for name, query in LOOKUPS.items():
        rows = list(store.query(query, prefixes=dict(PREFIXES), use_default_graph_as_union=union))
        if rows:
            found[name] = rows[0]["x"].value
    return found


def parameters_for(query: CannedQuery, picked: dict[str, str]) -> list[tuple[str, str]]:
    """The required parameters (a value from this data, else their example) and nothing else (as run_bench.py)."""
    return [(p.name, picked.get(p.name) or p.example or "") for p in query.header.parameters if p.required]


def prepared_query(query: CannedQuery, pairs: list[tuple[str, str]]) -> tuple[str, dict[Any, Any]]:
    """(text, substitutions) as the /api/queries route sends them: values written in when that is safe."""
    bindings = bind_parameters(query, pairs)
    inlined = inline_parameters(query.sparql, bindings)
    if inlined is not None:
        return inlined, {}
    return query.sparql, {ox.Variable(name): to_oxigraph(term) for name, term in bindings.items()}


def evaluate(
    store: Any, union: bool, text: str, substitutions: dict[Any, Any], max_rows: int | None = None
) -> list[Any]:
    """Every row (or the first `max_rows` + 1, as the worker reads them), as tuples of terms (None when unbound)."""
    result = store.query(
        text, prefixes=dict(PREFIXES), use_default_graph_as_union=union, substitutions=substitutions or None
    )
    rows = result if max_rows is None else islice(result, max_rows + 1)
    return [tuple(solution) for solution in rows]


def _child(
    store_dir: str, text: str, substitutions: dict[Any, Any], runs: int, budget_s: float, max_rows: int, pipe: Any
) -> None:
    store, union = open_store(Path(store_dir))
    rows = len(evaluate(store, union, text, substitutions, max_rows))  # warm-up
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < runs and not (samples and time.perf_counter() - started > budget_s):
        began = time.perf_counter()
        rows = len(evaluate(store, union, text, substitutions, max_rows))
        samples.append((time.perf_counter() - began) * 1000)
    pipe.send((rows, samples))


def time_query(
    store_dir: Path,
    text: str,
    substitutions: dict[Any, Any],
    runs: int,
    budget_s: float,
    timeout_s: float,
    max_rows: int,
) -> dict[str, Any]:
    """rows and p50/min/max ms of up to `runs` runs after a warm-up (fewer past `budget_s` of timed runs, at least
    one), in a child process stopped after `timeout_s`."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    began = time.perf_counter()
    child = context.Process(
        target=_child, args=(str(store_dir), text, substitutions, runs, budget_s, max_rows, send), daemon=True
    )
    child.start()
    send.close()
    if receive.poll(timeout_s):
        rows, samples = receive.recv()
        child.join()
        p50, low, high = statistics.median(samples), min(samples), max(samples)
        return {"rows": rows, "runs": len(samples), "p50": p50, "min": low, "max": high}
    child.kill()
    child.join()
    return {"rows": None, "stopped_after_s": round(time.perf_counter() - began, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="an oxigraph-* store folder (opened read-only)")
    where.add_argument("--data", type=Path, help="a data folder: its store is built (or reused) under --cache")
    parser.add_argument("--cache", type=Path, help="knowledge cache for --data (default bench/_data/_stores/NAME)")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries", help="folder of canned *.rq")
    parser.add_argument("--only", help="comma-separated query names")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query after a warm-up (default 5)")
    parser.add_argument("--budget", type=float, default=20.0, help="no further timed run past this (seconds)")
    parser.add_argument("--timeout", type=float, default=120.0, help="a query (all its runs) is stopped after this")
    parser.add_argument(
        "--max-rows",
        type=int,
        default=10000,
        help="rows read at most, plus one (the service's max_rows, default 10000)",
    )
    parser.add_argument("--param", action="append", default=[], help="NAME=VALUE for an IRI parameter's pick")
    parser.add_argument("--json", type=Path, help="write the figures there")
    args = parser.parse_args()

    store_dir = args.store or build_store(args.data, args.cache or STORES / args.data.resolve().name)
    store, union = open_store(store_dir)
    picked = pick_parameters(store, union)
    picked.update(dict(p.split("=", 1) for p in args.param))
    del store
    catalogue = list(load_catalogue(args.queries))
    if args.only:
        wanted = set(args.only.split(","))
        catalogue = [q for q in catalogue if q.name in wanted]
    print(f"parameters: {picked}", file=sys.stderr)
    results: dict[str, Any] = {}
    print(f"| {'query':26} | {'rows':>6} | {'p50 ms':>9} | {'min ms':>9} | {'max ms':>9} |")
    print(f"|{'-' * 28}|{'-' * 7}:|{'-' * 10}:|{'-' * 10}:|{'-' * 10}:|")
    for query in catalogue:
        text, substitutions = prepared_query(query, parameters_for(query, picked))
        figures = time_query(store_dir, text, substitutions, args.runs, args.budget, args.timeout, args.max_rows)
        results[query.name] = figures
        if figures["rows"] is None:
            print(f"| {query.name:26} | {'-':>6} | > {figures['stopped_after_s'] * 1000:>7.0f} | {'':>9} | {'':>9} |")
        else:
            print(
                f"| {query.name:26} | {figures['rows']:>6} | {figures['p50']:>9.1f} | {figures['min']:>9.1f} "
                f"| {figures['max']:>9.1f} |",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps({"store": str(store_dir), "parameters": picked, "queries": results}, indent=1))


if __name__ == "__main__":
    main()
