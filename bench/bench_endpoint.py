"""Throughput and latency of CoopGraph's /sparql against rdflib-endpoint, on the same data, in the same run.

Starts `coopgraph serve` (this project's venv) and `rdflib-endpoint serve` (its own venv under bench/_peers/, never
the project's) on free ports, gives rdflib-endpoint the very dataset CoopGraph serves (its /data/coopgraph.nq dump),
checks that both answer each query with the same number of rows, then runs each query on each server with N
concurrent clients for a fixed time and prints requests/s, p50 and p99 latency and the ratios.

    python bench/bench_endpoint.py                      # project data, 8 clients, 10 s per query and server
    python bench/bench_endpoint.py --seconds 20 --concurrency 8
    python bench/bench_endpoint.py --replicate 20       # the project's articles 20 times over (fresh IRIs)
    COOPGRAPH_DATA_DIR=/path/to/generated/data python bench/bench_endpoint.py   # any data CoopGraph can serve
    python bench/bench_endpoint.py --coopgraph-url http://127.0.0.1:8000  # bench a server already running

The servers run one after the other, never at the same time, so they do not share the CPU with each other (only
with the load generator, which runs on the same machine).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
PEER_VENV = ROOT / "bench" / "_peers" / "rdflib-endpoint"
PEER_PACKAGE = "rdflib-endpoint[cli]==0.6.3"

# Instance types minted per article: a replica renames them (places, concepts and the ontology are shared).
MINTED = ("org", "person", "position", "partnership", "programme", "event", "delegation", "initiative", "figure")
ID = "https://w3id.org/coopgraph/id/"

PREFIXES = """PREFIX coop: <https://w3id.org/coopgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

QUERIES = {
    # A lookup a page makes: every organisation with its English label.
    "cheap": PREFIXES
    + """SELECT ?org ?label WHERE {
  ?org a coop:Organisation ; skos:prefLabel ?label .
  FILTER (LANG(?label) = "en")
} ORDER BY ?org""",
    # A researcher's aggregate: partnerships and organisations per country, through the inferred locatedIn closure.
    "medium": PREFIXES
    + """SELECT ?country (COUNT(DISTINCT ?partnership) AS ?partnerships) (COUNT(DISTINCT ?org) AS ?organisations)
WHERE {
  ?partnership a coop:Partnership ; coop:hasParty ?org .
  ?org coop:locatedIn ?country .
  ?country a coop:Country .
} GROUP BY ?country ORDER BY DESC(?partnerships) ?country""",
}


@dataclass
class Measurement:
    server: str
    query: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout_s: float, process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {process.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


@contextmanager
def running(command: list[str] | None, sparql_url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start a server (unless `command` is None: already running), wait for its endpoint, stop it at the end."""
    if command is None:
        wait_until_up(sparql_url, 10, None)
        yield sparql_url
        return
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(sparql_url, 600, process)
        yield sparql_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def replicate_project(copies: int, target: Path) -> Path:
    """A data folder holding the project's articles `copies` times, each copy with its own IRIs and source ids.

    Every minted IRI of copy k gets the slug prefix `c{k}-`; each article gets a fresh source id; places and concept
    schemes are shared. The copy passes the same shapes and checks as the original (the service validates it).
    """
    data = ROOT / "data"
    target.mkdir(parents=True)
    for item in data.iterdir():
        if item.name != "sources":
            (shutil.copytree if item.is_dir() else shutil.copy)(item, target / item.name)
    (target / "sources").mkdir()
    originals = sorted((data / "sources").glob("*.ttl"))
    for k in range(copies):
        for article in originals:
            digest = hashlib.sha256(f"{k}/{article.stem}".encode()).hexdigest()[:16]
            new_id = f"{k * len(originals) + originals.index(article):03d}-{digest}"
            text = article.read_text(encoding="utf-8").replace(article.stem, new_id)
            for kind in MINTED:
                text = text.replace(f"{ID}{kind}/", f"{ID}{kind}/c{k}-")
            (target / "sources" / f"{new_id}.ttl").write_text(text, encoding="utf-8")
    return target


def coopgraph_server(port: int) -> tuple[list[str], dict[str, str]]:
    executable = Path(sys.executable).parent / "coopgraph"
    env = dict(os.environ)
    env.setdefault("COOPGRAPH_PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("COOPGRAPH_LOG_LEVEL", "warning")
    return [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)], env


def ensure_peer() -> Path:
    """rdflib-endpoint in its own venv (bench/_peers/, gitignored): never installed into the project's venv."""
    executable = PEER_VENV / "bin" / "rdflib-endpoint"
    if not executable.exists():
        print(f"installing {PEER_PACKAGE} into {PEER_VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        pip = [str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, PEER_PACKAGE, "uvicorn"], check=True)
    return executable


def rows_in(url: str, query: str) -> int:
    headers = {"Accept": "application/sparql-results+json"}
    response = httpx.get(url, params={"query": query}, headers=headers, timeout=600)
    response.raise_for_status()
    return len(response.json()["results"]["bindings"])


class KeepAliveConnection:
    """A minimal HTTP/1.1 keep-alive GET client on asyncio streams.

    The load generator shares the CPU with the server under test; httpx costs about a millisecond of CPU per request,
    which capped every server near the same rate on a 2-core machine. This reads exactly what it needs (status,
    Content-Length or chunked body) and nothing else.
    """

    def __init__(self, url: str, query: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        target = (parts.path or "/") + "?" + urlencode({"query": query})
        self.request = (
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: application/sparql-results+json\r\n\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int:
        """Send the request once and read the whole response; its status code."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**24)
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(url: str, query: str, concurrency: int, seconds: float) -> tuple[int, int, list[float], float]:
    """`concurrency` clients sending `query` back to back for `seconds`; (ok, errors, latencies in ms, elapsed)."""
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    stop_at = started + seconds

    async def client_loop() -> None:
        nonlocal errors
        connection = KeepAliveConnection(url, query)
        while time.perf_counter() < stop_at:
            sent = time.perf_counter()
            try:
                ok = await connection.get() == 200
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok, connection = False, KeepAliveConnection(url, query)
            if ok:
                latencies.append((time.perf_counter() - sent) * 1000)
            else:
                errors += 1
        connection.close()

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return len(latencies), errors, latencies, time.perf_counter() - started


def measure(server: str, url: str, concurrency: int, seconds: float) -> list[Measurement]:
    results = []
    for name, query in QUERIES.items():
        for _ in range(3):  # warm-up (and the endpoints' caches of parsed queries)
            rows_in(url, query)
        ok, errors, latencies, elapsed = asyncio.run(load(url, query, concurrency, seconds))
        results.append(Measurement(server, name, ok, errors, elapsed, latencies))
        print(f"  {server:16} {name:7} {ok / elapsed:9.1f} req/s", flush=True)
    return results


def print_table(measurements: list[Measurement], baseline: str, concurrency: int, seconds: float) -> None:
    print(f"\nconcurrency {concurrency}, {seconds:g} s per query and server, same data, same run\n")
    versus = "vs " + baseline
    header = (
        f"| {'query':7} | {'server':16} | {'req/s':>9} | {'p50 ms':>9} | {'p99 ms':>9} | {'errors':>6} | {versus:>26} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for query in QUERIES:
        rows = [m for m in measurements if m.query == query]
        base = next((m for m in rows if m.server == baseline), None)
        for m in rows:
            ratio = f"{m.throughput / base.throughput:.1f}× req/s" if base and base.throughput else "—"
            if base and m is not base and base.percentile(50) > 0:
                ratio += f", {base.percentile(50) / m.percentile(50):.0f}× faster p50"
            print(
                f"| {query:7} | {m.server:16} | {m.throughput:9.1f} | {m.percentile(50):9.1f} | "
                f"{m.percentile(99):9.1f} | {m.errors:6d} | {ratio:>26} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per query and server")
    parser.add_argument("--coopgraph-url", help="bench this running CoopGraph instead of starting one")
    parser.add_argument("--replicate", type=int, default=1, help="serve the project's articles N times over")
    args = parser.parse_args()

    peer = ensure_peer()
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as tmp:
        dump = Path(tmp) / "coopgraph.nq"
        command: list[str] | None = None
        env: dict[str, str] | None = None
        if args.coopgraph_url:
            url = args.coopgraph_url.rstrip("/") + "/sparql"
        else:
            port = free_port()
            command, env = coopgraph_server(port)
            if args.replicate > 1:
                env["COOPGRAPH_DATA_DIR"] = str(replicate_project(args.replicate, Path(tmp) / "data"))
            url = f"http://127.0.0.1:{port}/sparql"
        print("CoopGraph:", flush=True)
        with running(command, url, env):
            base = url.removesuffix("/sparql")
            dump.write_bytes(httpx.get(f"{base}/data/coopgraph.nq", timeout=600).content)
            expected = {q: rows_in(url, text) for q, text in QUERIES.items()}
            measurements += measure("coopgraph", url, args.concurrency, args.seconds)
        print(f"rdflib-endpoint (same data: {dump.stat().st_size} bytes of N-Quads):", flush=True)
        peer_port = free_port()
        peer_url = f"http://127.0.0.1:{peer_port}/"  # rdflib-endpoint's CLI serves the endpoint at /
        with running([str(peer), "serve", "--host", "127.0.0.1", "--port", str(peer_port), str(dump)], peer_url):
            for query, text in QUERIES.items():
                got = rows_in(peer_url, text)
                if got != expected[query]:
                    raise SystemExit(f"{query}: rdflib-endpoint returns {got} rows, CoopGraph {expected[query]}")
            measurements += measure("rdflib-endpoint", peer_url, args.concurrency, args.seconds)
    print(f"\nrows per answer: {expected}")
    print_table(measurements, "rdflib-endpoint", args.concurrency, args.seconds)


if __name__ == "__main__":
    main()
