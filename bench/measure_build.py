"""The build-side figures alone, for sizes where the full `make bench` run is too long (e.g. 1M on 2 cores).

python bench/measure_build.py --size 1M        # startup (empty cache) with peak RSS and stages, restart,
                                               # serving RSS, and every canned query's p50/p99 in process
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, parse_size
from run_bench import (
    DATA,
    RESULTS,
    children,
    coopgraph,
    free_port,
    parameters_for,
    pick_parameters,
    proc_kb,
    stage_times,
)

from app.core.bound_queries import inline_parameters
from app.core.canned_queries import CannedQuery, bind_parameters, load_catalogue
from app.core.config import Settings
from app.core.query_execution import QueryTimeoutError, executor_for
from app.core.query_worker import QueryJob

ROOT = Path(__file__).resolve().parents[1]


def in_worker(store_dir: Path, queries: list[CannedQuery], picked: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Each canned query once, in a query worker process (no HTTP), stopped after `timeout_s` like the service does."""
    settings = Settings(_env_file=None, query_workers=1, query_timeout_s=timeout_s)  # type: ignore[call-arg]
    executor = executor_for(settings, store_dir)
    executor.start()
    out: dict[str, Any] = {}
    try:
        for query in queries:
            bindings = bind_parameters(query, parameters_for(query, picked))
            inlined = inline_parameters(query.sparql, bindings)
            job = QueryJob(
                query.sparql if inlined is None else inlined,
                substitutions=tuple(bindings.items()) if inlined is None else (),
                union_of_all_graphs=True,
                guard_sparql=None if inlined is None else query.sparql,
            )
            began = time.perf_counter()
            try:
                rows: int | str = executor.run_blocking(job).count
            except QueryTimeoutError:
                rows = f"stopped after {timeout_s:g} s"
            out[query.name] = {"rows": rows, "ms": (time.perf_counter() - began) * 1000}
            print(f"  {query.name:28} {out[query.name]}", flush=True)
    finally:
        executor.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--query-budget", type=float, default=5.0)
    parser.add_argument("--query-timeout", type=float, default=120.0, help="a canned query running longer is stopped")
    parser.add_argument("--cache", type=Path, help="reuse this knowledge cache (skip the first build)")
    args = parser.parse_args()
    data = DATA / f"{args.size}-seed{args.seed}"
    files, triples = generate(parse_size(args.size), args.seed, data)
    result: dict[str, object] = {"size": args.size, "articles": files, "asserted_triples": triples}
    print(f"{args.size}: {files} articles, {triples} asserted triples", flush=True)
    with tempfile.TemporaryDirectory(prefix="coopgraph-build-") as tmp:
        cache, log = args.cache or Path(tmp) / "cache", Path(tmp) / "server.log"
        port = free_port()  # the restart serves on the same port (same settings) as the first build, as a restart does
        if args.cache is None:
            with coopgraph(data, cache, log, result_cache_mb=0, log_level="info", port=port) as server:
                result["startup_s"] = server.ready_s
                result["startup_built_s"] = server.built_s  # the dumps are written after the service is ready
                result["startup_peak_rss_mb"] = proc_kb(server.process.pid, "VmHWM") / 1024
                result["startup_stages_s"] = stage_times(log)
            print(json.dumps(result), flush=True)
        with coopgraph(data, cache, log, result_cache_mb=0, log_level="info", port=port) as server:
            result["restart_s"] = server.ready_s
            picked = pick_parameters(server.url)
            pids = [server.process.pid, *children(server.process.pid)]
            result["serving_rss_mb"] = sum(proc_kb(pid, "VmRSS") for pid in pids) / 1024
        print(json.dumps(result), flush=True)
        store_dir = next(cache.glob("project-*/oxigraph-*"))
        catalogue = list(load_catalogue(ROOT / "queries"))
        result["in_worker"] = in_worker(store_dir, catalogue, picked, args.query_timeout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"build-{args.size}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
