"""`make bench`: startup, restart, canned queries and HTTP throughput of CoopGraph and its peers, on the same data.

    python bench/run_bench.py                         # the default size (100k triples), 8 clients, 15 s per run
    python bench/run_bench.py --sizes 10k,100k --seconds 15 --concurrency 8
    python bench/run_bench.py --sizes 1M --skip-peers # the million-triple build and queries, CoopGraph only

For each size, in one run and on the same generated data (bench/generate.py, fixed seed):

1. startup: `coopgraph serve` on an empty knowledge cache — parse + validate + infer + index (+ dumps) + workers —
   timed until /sparql answers, with the server's peak RSS and its per-stage log lines;
2. restart with unchanged data (the persisted knowledge is reused), timed the same way;
3. each canned query's p50/p99 in process (the worker's own guard + evaluate + serialise, no HTTP) and over HTTP
   (result cache off, so every request is evaluated), with its row count;
4. HTTP throughput (keep-alive clients, N at once, S seconds) on a tiny, a cheap and a medium canned query against
   CoopGraph with its result cache off (every request evaluated), CoopGraph with the cache (repeated queries),
   rdflib-endpoint and `oxigraph serve` in memory — the peers get CoopGraph's own N-Quads dump and the same
   queries with the parameters written in; row counts are checked equal first. Servers never run at the same time;
   each peer is started afresh for each query (a slow one still works on the last run's requests), and a peer that
   does not answer one request within 60 s gets 0 req/s without a load run (rdflib-endpoint on cheap and medium).

Peers live in their own venvs under bench/_peers/ (installed on first use). Results are printed as Markdown tables
and written to bench/results/bench-<size>.json. The load generator shares the machine: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_endpoint import KeepAliveConnection, ensure_peer, free_port
from generate import SIZES, generate, parse_size

from app.core.bound_queries import inline_parameters
from app.core.canned_queries import CannedQuery, bind_parameters, load_catalogue
from app.core.namespaces import PREFIXES
from app.core.query_worker import QueryJob, WorkerConfig, WorkerContext, run_job

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "_data"
RESULTS = ROOT / "bench" / "results"
OXIGRAPH_VENV = ROOT / "bench" / "_peers" / "oxigraph"
OXIGRAPH_PACKAGE = "oxigraph==0.5.13"
JSON_RESULTS = "application/sparql-results+json"
# Throughput queries: a small lookup, a page-sized list, a whole-graph aggregate over the inferred closure.
THROUGHPUT = {"tiny": "provenance", "cheap": "signatories", "medium": "partnerships-in-country"}
STAGE = re.compile(r"build: (\w+) done in ([0-9.]+) s")


@dataclass
class Latency:
    samples_ms: list[float] = field(default_factory=list)

    def pct(self, p: float) -> float:
        if not self.samples_ms:
            return float("nan")
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    ready_s: float  # answering queries
    log: Path
    built_s: float  # and its dumps written (a first build writes them after it is ready)


def proc_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the server exited with code {process.returncode}")
            try:
                if client.get(url, params={"query": "ASK {}"}).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


@contextmanager
def coopgraph(
    data: Path, cache: Path, log: Path, *, result_cache_mb: int, log_level: str = "warning", port: int | None = None
) -> Iterator[Server]:
    """`coopgraph serve` on `data` with the knowledge cache at `cache`; stopped (SIGINT) on exit.

    `port`: a restart passes the first run's, so the settings (public URL included) are those of the first run, as
    for a real restart (the kept service description is keyed by them); else a free port.
    """
    port = port if port is not None else free_port()
    env = dict(os.environ)
    env.update(
        COOPGRAPH_DATA_DIR=str(data),
        COOPGRAPH_CACHE_DIR=str(cache),
        COOPGRAPH_PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        COOPGRAPH_LOG_LEVEL=log_level,  # info for the build stages; warning otherwise (no access log line)
        COOPGRAPH_RESULT_CACHE_MB=str(result_cache_mb),
        COOPGRAPH_QUERY_TIMEOUT_S="300",
        COOPGRAPH_QUERY_QUEUE_TIMEOUT_S="300",
    )
    command = [str(Path(sys.executable).parent / "coopgraph"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/sparql", process, 3600)
        ready_s = time.perf_counter() - started
        wait_dumps(url)
        yield Server(process, url, ready_s, log, time.perf_counter() - started)
    finally:
        stop(process)


def wait_dumps(url: str, timeout_s: float = 3600) -> None:
    """Until /ready no longer says the dumps are being written."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline and client.get(f"{url}/ready").json().get("dumps") == "writing":
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stage_times(log: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = STAGE.search(line)
        if match:
            times[match.group(1)] = float(match.group(2))
    return times


def pick_parameters(url: str) -> dict[str, str]:
    """Values the canned queries' IRI parameters take on this data (the examples name the real articles' nodes)."""
    found = {}
    lookups = {
        "organisation": "SELECT ?x WHERE { ?x coop:partnerOf ?y } ORDER BY ?x LIMIT 1",
        "resource": "SELECT ?x WHERE { ?x a coop:Agreement } ORDER BY ?x LIMIT 1",
    }
    for name, query in lookups.items():
        response = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": JSON_RESULTS}, timeout=120)
        response.raise_for_status()
        bindings = response.json()["results"]["bindings"]
        if bindings:
            found[name] = bindings[0]["x"]["value"]
    return found


def parameters_for(query: CannedQuery, picked: dict[str, str]) -> list[tuple[str, str]]:
    """The required parameters (their example, or a value from this data) and nothing else."""
    pairs = []
    for parameter in query.header.parameters:
        if not parameter.required:
            continue
        value = picked.get(parameter.name) or parameter.example or ""
        pairs.append((parameter.name, value))
    return pairs


def inline(query: CannedQuery, pairs: list[tuple[str, str]]) -> str:
    """The canned query as plain SPARQL for the peers: bound parameters written into the text, as the service does
    (app/core/bound_queries.py), with the project's prefixes declared."""
    text = inline_parameters(query.sparql, bind_parameters(query, pairs))
    if text is None:
        raise ValueError(f"{query.name}: its parameters cannot be written into the text; pick another query")
    prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if f"PREFIX {p}:" not in text)
    return prefixes + text


def in_process(store_dir: Path, queries: list[CannedQuery], picked: dict[str, str], budget_s: float) -> dict[str, Any]:
    """Each canned query through the worker's own path (guard, evaluate, serialise JSON), in this process."""
    context = WorkerContext(WorkerConfig(str(store_dir), prefixes=dict(PREFIXES), sandbox_network=False))
    out = {}
    for query in queries:
        bindings = bind_parameters(query, parameters_for(query, picked))
        inlined = inline_parameters(query.sparql, bindings)  # as the /api/queries route does
        job = QueryJob(
            query.sparql if inlined is None else inlined,
            substitutions=tuple(bindings.items()) if inlined is None else (),
            union_of_all_graphs=True,
            guard_sparql=None if inlined is None else query.sparql,
        )
        latency, deadline, rows = Latency(), time.monotonic() + budget_s, 0
        run_job(context, job)  # warm: the guard's memo and the engine's first use
        while len(latency.samples_ms) < 30 and (time.monotonic() < deadline or len(latency.samples_ms) < 3):
            began = time.perf_counter()
            result = run_job(context, job)
            latency.samples_ms.append((time.perf_counter() - began) * 1000)
            rows = result.count
        out[query.name] = {"rows": rows, "p50": latency.pct(50), "p99": latency.pct(99), "n": len(latency.samples_ms)}
    return out


def canned_path(query: CannedQuery, picked: dict[str, str]) -> str:
    return f"/api/queries/{query.name}?" + urlencode(parameters_for(query, picked))


def over_http(url: str, queries: list[CannedQuery], picked: dict[str, str], budget_s: float) -> dict[str, Any]:
    out = {}
    with httpx.Client(base_url=url, timeout=600, headers={"Accept": JSON_RESULTS}) as client:
        for query in queries:
            path = canned_path(query, picked)
            response = client.get(path)
            response.raise_for_status()
            rows = len(response.json()["results"]["bindings"])
            latency, deadline = Latency(), time.monotonic() + budget_s
            while len(latency.samples_ms) < 30 and (time.monotonic() < deadline or len(latency.samples_ms) < 3):
                began = time.perf_counter()
                client.get(path).raise_for_status()
                latency.samples_ms.append((time.perf_counter() - began) * 1000)
            out[query.name] = {"rows": rows, "p50": latency.pct(50), "p99": latency.pct(99)}
    return out


class PathConnection(KeepAliveConnection):
    """bench_endpoint's keep-alive client, for any GET target (a canned query's URL or /sparql?query=…)."""

    def __init__(self, url: str, target: str) -> None:
        super().__init__(url, "")
        self.request = (
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: {JSON_RESULTS}\r\n\r\n"
        ).encode()


async def hammer(url: str, target: str, concurrency: int, seconds: float) -> dict[str, float]:
    latency, errors = Latency(), 0
    started = time.perf_counter()
    stop_at = started + seconds

    async def client_loop() -> None:
        nonlocal errors
        connection = PathConnection(url, target)
        while time.perf_counter() < stop_at:
            sent = time.perf_counter()
            try:
                ok = await asyncio.wait_for(connection.get(), timeout=max(stop_at - sent, 0.001) + 60) == 200
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
                ok, connection = False, PathConnection(url, target)
            if ok:
                latency.samples_ms.append((time.perf_counter() - sent) * 1000)
            else:
                errors += 1
        connection.close()

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "rps": len(latency.samples_ms) / elapsed,
        "p50": latency.pct(50),
        "p99": latency.pct(99),
        "errors": errors,
        "requests": len(latency.samples_ms),
    }


def throughput(url: str, targets: dict[str, str], concurrency: int, seconds: float, name: str) -> dict[str, Any]:
    out = {}
    for kind, target in targets.items():
        with httpx.Client(timeout=600) as client:  # warm-up (and, with the cache, the first evaluation)
            for _ in range(2):
                client.get(url + target, headers={"Accept": JSON_RESULTS})
        out[kind] = asyncio.run(hammer(url, target, concurrency, seconds))
        print(f"  {name:18} {kind:6} {out[kind]['rps']:9.1f} req/s  p50 {out[kind]['p50']:8.1f} ms", flush=True)
    return out


def rows_at(url: str, sparql: str, timeout_s: float = 900) -> int:
    response = httpx.get(url, params={"query": sparql}, headers={"Accept": JSON_RESULTS}, timeout=timeout_s)
    response.raise_for_status()
    return len(response.json()["results"]["bindings"])


def ensure_oxigraph() -> Path:
    executable = OXIGRAPH_VENV / "bin" / "oxigraph"
    if not executable.exists():
        print(f"installing {OXIGRAPH_PACKAGE} into {OXIGRAPH_VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(OXIGRAPH_VENV)], check=True)
        pip = [str(OXIGRAPH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", OXIGRAPH_PACKAGE]
        subprocess.run(pip, check=True)
    return executable


@contextmanager
def peer(
    command: list[str], sparql_url: str, load: Path | None = None, merge: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = sparql_url.rsplit("/", 1)[0]
        wait_ready(sparql_url, process, 1800)
        if load is not None:  # oxigraph serve in memory: load the dump through the Graph Store endpoint
            with load.open("rb") as body:
                httpx.post(
                    f"{base}/store", content=body, headers={"Content-Type": "application/n-quads"}, timeout=1800
                ).raise_for_status()
        if merge:  # the default graph holds the merge of the named graphs, as CoopGraph's store does
            httpx.post(
                f"{base}/update",
                content="INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                headers={"Content-Type": "application/sparql-update"},
                timeout=1800,
            ).raise_for_status()
        yield process
    finally:
        stop(process)


# A peer that does not answer one request within this gets 0 req/s, without a load run: one answer in 30 s is
# 0.03 req/s at most, so CoopGraph's ratio over it is ≥ 20× from 0.7 req/s up (and the default run stays < 10 min)
PEER_ANSWER_S = 30.0


def peer_throughput(
    name: str,
    start: Callable[[int], tuple[list[str], str]],
    texts: dict[str, str],
    expected: dict[str, int],
    args: Any,
    load: Path | None = None,
    merge: bool = False,
) -> dict[str, Any]:
    """Each query against a fresh peer (`start(port)`: its command and SPARQL URL), so requests a slow peer still
    evaluates from the last run (it cannot cancel them) do not slow the next; its first answer checks the rows."""
    print(f"{name}:", flush=True)
    out = {}
    for kind, text in texts.items():
        command, sparql_url = start(free_port())
        with peer(command, sparql_url, load, merge):
            try:
                got = rows_at(sparql_url, text, timeout_s=PEER_ANSWER_S)
            except httpx.TimeoutException:
                out[kind] = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": 0, "requests": 0}
                out[kind]["unanswered_after_s"] = PEER_ANSWER_S
                print(f"  {name:18} {kind:6} no answer within {PEER_ANSWER_S:g} s: 0 req/s", flush=True)
                continue
            if got != expected[kind]:
                print(f"  WARNING {kind}: {name} returns {got} rows, CoopGraph {expected[kind]}", flush=True)
            path = urlsplit(sparql_url).path
            base = sparql_url[: -len(path)] if path else sparql_url
            out |= throughput(
                base, {kind: f"{path}?" + urlencode({"query": text})}, args.concurrency, args.seconds, name
            )
    return out


def bench_size(size: str, args: argparse.Namespace) -> dict[str, Any]:
    data = DATA / f"{size}-seed{args.seed}"
    files, triples = generate(parse_size(size), args.seed, data)
    print(f"\n== {size}: {files} articles, {triples} asserted triples in {data}", flush=True)
    result: dict[str, Any] = {"size": size, "articles": files, "asserted_triples": triples}
    catalogue = list(load_catalogue(ROOT / "queries"))
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as tmp:
        cache, log = Path(tmp) / "cache", Path(tmp) / "server.log"
        port = free_port()  # the restart serves on the same port (same public URL) as the first start, like a restart
        with coopgraph(data, cache, log, result_cache_mb=0, log_level="info", port=port) as server:
            result["startup_s"] = server.ready_s
            result["startup_built_s"] = server.built_s
            result["startup_peak_rss_mb"] = proc_kb(server.process.pid, "VmHWM") / 1024
            result["startup_stages_s"] = stage_times(log)
        print(
            f"startup {result['startup_s']:.1f} s (dumps written at {result['startup_built_s']:.1f} s), "
            f"peak RSS {result['startup_peak_rss_mb']:.0f} MB",
            flush=True,
        )
        log.write_text("")
        with coopgraph(data, cache, log, result_cache_mb=0, port=port) as server:
            result["restart_s"] = server.ready_s
            url = server.url
            picked = pick_parameters(url)
            dump = Path(tmp) / "coopgraph.nq"
            dump.write_bytes(httpx.get(f"{url}/data/coopgraph.nq", timeout=900).content)
            result["served_quads"] = sum(1 for line in dump.open("rb") if line.strip() and not line.startswith(b"#"))
            print(f"restart {result['restart_s']:.2f} s; {result['served_quads']} quads served", flush=True)
            result["http"] = over_http(url, catalogue, picked, args.query_budget)
            by_name = {q.name: q for q in catalogue}
            targets = {kind: canned_path(by_name[name], picked) for kind, name in THROUGHPUT.items()}
            expected = {kind: result["http"][name]["rows"] for kind, name in THROUGHPUT.items()}
            runs = {"coopgraph (no cache)": throughput(url, targets, args.concurrency, args.seconds, "coopgraph")}
            pids = [server.process.pid, *children(server.process.pid)]
            result["serving_rss_mb"] = sum(proc_kb(pid, "VmRSS") for pid in pids) / 1024
            result["serving_rss_main_mb"] = proc_kb(server.process.pid, "VmRSS") / 1024
        store_dir = next(cache.glob("project-*/oxigraph-*"))
        result["in_process"] = in_process(store_dir, catalogue, picked, args.query_budget)
        with coopgraph(data, cache, log, result_cache_mb=256) as server:
            result["restart_cached_s"] = server.ready_s
            runs["coopgraph (result cache)"] = throughput(
                server.url, targets, args.concurrency, args.seconds, "coopgraph+cache"
            )
        texts = {
            kind: inline(by_name[name], parameters_for(by_name[name], picked)) for kind, name in THROUGHPUT.items()
        }
        if not args.skip_peers:
            rdflib_endpoint, oxigraph = str(ensure_peer()), str(ensure_oxigraph())
            runs["rdflib-endpoint"] = peer_throughput(
                "rdflib-endpoint",
                lambda port: (
                    [rdflib_endpoint, "serve", "--host", "127.0.0.1", "--port", str(port), str(dump)],
                    f"http://127.0.0.1:{port}/",
                ),
                texts,
                expected,
                args,
            )
            runs["oxigraph serve"] = peer_throughput(  # the same layout as CoopGraph: default graph = the merge
                "oxigraph serve",
                lambda port: ([oxigraph, "serve", "--bind", f"127.0.0.1:{port}"], f"http://127.0.0.1:{port}/query"),
                texts,
                expected,
                args,
                load=dump,
                merge=True,
            )
            if args.union_peer:
                runs["oxigraph serve (union default graph)"] = peer_throughput(
                    "oxigraph serve --union-default-graph",
                    lambda port: (
                        [oxigraph, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                        f"http://127.0.0.1:{port}/query",
                    ),
                    texts,
                    expected,
                    args,
                    load=dump,
                )
        result["throughput"] = runs
    return result


def fmt(value: float) -> str:
    return "—" if value != value else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def ratio(a: dict[str, Any], b: dict[str, Any] | None) -> str:
    if b is None or not b["rps"]:
        return "—" if b is None else "∞"
    return f"{a['rps'] / b['rps']:.2f}×"


def print_report(result: dict[str, Any], args: argparse.Namespace) -> None:
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result["startup_stages_s"].items())
    print(
        f"\n### {result['size']}: {result['asserted_triples']} asserted triples, {result['served_quads']} quads served"
    )
    print("\n| measure | value |\n|---|---|")
    print(f"| startup, empty cache (parse + validate + infer + index + workers) | {result['startup_s']:.2f} s |")
    print(f"| — and the dumps written (after the service is ready) | {result['startup_built_s']:.2f} s |")
    print(f"| — stages | {stages} |")
    print(f"| startup peak RSS (server process) | {result['startup_peak_rss_mb']:.0f} MB |")
    print(f"| restart, unchanged data | {result['restart_s']:.2f} s (again: {result['restart_cached_s']:.2f} s) |")
    print(
        f"| serving RSS (server + query workers) | {result['serving_rss_mb']:.0f} MB "
        f"(server {result['serving_rss_main_mb']:.0f} MB) |"
    )
    print(
        "\n| canned query | rows | in process p50 ms | p99 ms | HTTP p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|"
    )
    for name, local in result["in_process"].items():
        http = result["http"][name]
        print(
            f"| {name} | {http['rows']} | {fmt(local['p50'])} | {fmt(local['p99'])} | "
            f"{fmt(http['p50'])} | {fmt(http['p99'])} |"
        )
    runs = result["throughput"]
    print(f"\nthroughput: {args.concurrency} clients, {args.seconds:g} s per query and server, same data, same run")
    print("\n| query | server | req/s | p50 ms | p99 ms | errors | vs rdflib-endpoint | vs oxigraph serve |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind, name in THROUGHPUT.items():
        for server, measured in runs.items():
            m = measured[kind]
            print(
                f"| {kind} ({name}) | {server} | {fmt(m['rps'])} | {fmt(m['p50'])} | {fmt(m['p99'])} | "
                f"{m['errors']} | {ratio(m, runs.get('rdflib-endpoint', {}).get(kind))} | "
                f"{ratio(m, runs.get('oxigraph serve', {}).get(kind))} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k", help=f"comma-separated: {', '.join(SIZES)} or any N[k|M]")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0, help="throughput measuring time per query and server")
    parser.add_argument("--query-budget", type=float, default=3.0, help="seconds of samples per canned query")
    parser.add_argument("--skip-peers", action="store_true", help="CoopGraph only (no rdflib-endpoint, no oxigraph)")
    parser.add_argument(
        "--union-peer",
        action="store_true",
        help="also oxigraph serve --union-default-graph (Oxigraph's bag union; what CoopGraph's merge avoids)",
    )
    for kind, name in THROUGHPUT.items():
        parser.add_argument(f"--{kind}", default=name, help=f"the {kind} canned query (default {name})")
    args = parser.parse_args()
    THROUGHPUT.update({kind: getattr(args, kind) for kind in THROUGHPUT})
    RESULTS.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        result = bench_size(size.strip(), args)
        (RESULTS / f"bench-{size.strip()}.json").write_text(json.dumps(result, indent=1, default=str))
        print_report(result, args)


if __name__ == "__main__":
    main()
