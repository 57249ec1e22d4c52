"""The build-side figures alone, for sizes where the full `make bench` run is too long (e.g. 1M on 2 cores).

python bench/measure_build.py --size 1M        # startup (empty cache) with peak RSS and stages, restart,
                                               # serving RSS, and every canned query's p50/p99 in process
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, parse_size
from run_bench import (
    DATA,
    RESULTS,
    children,
    coopgraph,
    in_process,
    pick_parameters,
    proc_kb,
    stage_times,
)

from app.core.canned_queries import load_catalogue

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--query-budget", type=float, default=5.0)
    args = parser.parse_args()
    data = DATA / f"{args.size}-seed{args.seed}"
    files, triples = generate(parse_size(args.size), args.seed, data)
    result: dict[str, object] = {"size": args.size, "articles": files, "asserted_triples": triples}
    print(f"{args.size}: {files} articles, {triples} asserted triples", flush=True)
    with tempfile.TemporaryDirectory(prefix="coopgraph-build-") as tmp:
        cache, log = Path(tmp) / "cache", Path(tmp) / "server.log"
        with coopgraph(data, cache, log, result_cache_mb=0, log_level="info") as server:
            result["startup_s"] = server.ready_s
            result["startup_peak_rss_mb"] = proc_kb(server.process.pid, "VmHWM") / 1024
            result["startup_stages_s"] = stage_times(log)
        print(json.dumps(result), flush=True)
        with coopgraph(data, cache, log, result_cache_mb=0) as server:
            result["restart_s"] = server.ready_s
            picked = pick_parameters(server.url)
            pids = [server.process.pid, *children(server.process.pid)]
            result["serving_rss_mb"] = sum(proc_kb(pid, "VmRSS") for pid in pids) / 1024
        print(json.dumps(result), flush=True)
        store_dir = next(cache.glob("project-*/oxigraph-*"))
        result["in_process"] = in_process(store_dir, list(load_catalogue(ROOT / "queries")), picked, args.query_budget)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"build-{args.size}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
