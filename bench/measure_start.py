"""How soon `coopgraph serve` answers on a small graph (the shipped seed by default), in its three kinds of start.

    python bench/measure_start.py                       # 5 rounds on data/
    python bench/measure_start.py --rounds 9 --against /tmp/old-tree     # and an older checkout, interleaved

Each round, for each tree (this checkout, and `--against` another one, e.g. a `git worktree` of an older commit,
run with PYTHONPATH pointing at it): a **first start** with an empty cache (a fresh clone: the canned queries' full
check, parse, validate, infer, index), a **restart** with nothing changed (the persisted store and catalogue), and a
**rebuild** with only the catalogue kept (what follows an edit of data/: the store is built again). Each figure is
the time from launching the process until `/sparql` answers `ASK {}`, and the CPU time all its processes used
until it stopped (query workers, the catalogue check and forked children included; the dumps too, which a build
writes after it answers); medians, minima and maxima are printed. A third table gives the **build** of the first
start and of the rebuild as the issue's "startup" counts it (parse + validate + infer + index, the stage times the
server logs: the inference runs beside the validation and logs only what is left of it), without the interpreter's
start, the imports, the query workers and the service description.
Trees are interleaved round by round so that a busy period of a shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_bench import coopgraph, free_port, stage_times

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("first start", "restart", "rebuild, catalogue kept")
BUILD_STAGES = ("parse", "validate", "infer", "index")


def cpu_seconds() -> float:
    """CPU time of this process's reaped children, and of theirs (a server reaps its workers and forks)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_round(tree: Path, data: Path) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """The three starts of one tree, one after the other, each with its own server process: seconds until it
    answers, CPU seconds of the whole run (every process of it, until its dumps are written and it stops), and
    seconds of the build stages it logged (the starts that build)."""
    times, cpu, build = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="coopgraph-start-") as tmp:
        cache, port = Path(tmp) / "cache", free_port()
        for number, kind in enumerate(KINDS):
            if kind == "rebuild, catalogue kept":
                for built in cache.glob("project-*"):  # the store, dumps and manifest; the checked catalogue stays
                    shutil.rmtree(built)
            log = Path(tmp) / f"server-{number}.log"
            before = cpu_seconds()
            with coopgraph(data, cache, log, result_cache_mb=0, log_level="info", port=port) as server:
                times[kind] = server.ready_s
            cpu[kind] = cpu_seconds() - before
            stages = stage_times(log)
            if all(name in stages for name in BUILD_STAGES):
                build[kind] = sum(stages[name] for name in BUILD_STAGES)
    return times, cpu, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="the data folder (default: the seed)")
    parser.add_argument("--against", type=Path, help="another checkout of CoopGraph, measured in the same rounds")
    args = parser.parse_args()
    trees = {"this checkout": ROOT} | ({f"{args.against}": args.against.resolve()} if args.against else {})
    figures: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in KINDS} for name in trees}
    cpu: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in KINDS} for name in trees}
    build: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in KINDS} for name in trees}
    for number in range(1, args.rounds + 1):
        for name, tree in trees.items():
            os.environ["PYTHONPATH"] = str(tree)  # the server and its child interpreters import that tree's `app`
            times, used, built = one_round(tree, args.data.resolve())
            for kind in KINDS:
                figures[name][kind].append(times[kind])
                cpu[name][kind].append(used[kind])
                if kind in built:
                    build[name][kind].append(built[kind])
        print(f"round {number}/{args.rounds} done", flush=True)
    tables = (
        ("until /sparql answers", figures, "s"),
        ("CPU of the whole run", cpu, "CPU-s"),
        ("build: parse + validate + infer + index, as the server logs them", build, "s"),
    )
    for title, table, unit in tables:
        print(f"\n{title}\n| tree | {' | '.join(f'{kind}: median (min–max)' for kind in KINDS)} |")
        print(f"|---|{'---|' * len(KINDS)}")
        for name, kinds in table.items():
            cells = [
                f"{statistics.median(v):.2f} {unit} ({min(v):.2f}–{max(v):.2f})" if v else "—" for v in kinds.values()
            ]
            print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
