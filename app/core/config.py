"""Every setting in one typed object, read from COOPGRAPH_* environment variables and an optional `.env`."""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# --- operations (issue 8): lists read from the environment as JSON or as comma-separated values ---
CommaList = Annotated[list[str], NoDecode]
"""A list setting: `COOPGRAPH_X='["a", "b"]'` or simply `COOPGRAPH_X=a,b` (see Settings._split_lists)."""
LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104 (a mapping, not a bind)
# --- end operations ---


class Settings(BaseSettings):
    """Configuration of the CLI and the service; passed in, never read deep inside the code."""

    model_config = SettingsConfigDict(
        env_prefix="COOPGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="forbid"
    )

    # Where the knowledge lives
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Turtle data: sources/, places.ttl, concepts/")
    ontology_dir: Path = Field(PROJECT_ROOT / "ontology", description="The OWL ontology and its alignments")
    shapes_dir: Path = Field(PROJECT_ROOT / "shapes", description="SHACL shapes (core.ttl, recommended.ttl)")
    queries_dir: Path = Field(PROJECT_ROOT / "queries", description="Canned queries (*.rq) and checks/")
    store_path: Path | None = Field(
        None,
        description="Folder of the on-disk Oxigraph store (kept by data version, shared by the service processes); "
        "unset = this project's folder under cache_dir, or a temporary folder if cache_dir is unset too",
    )

    # HTTP face
    host: str = Field("127.0.0.1", description="Interface to listen on")
    port: int = Field(8000, ge=1, le=65535, description="TCP port")
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public URL of the service: the base of the links in pages, the service description and the "
        "dataset description; unset = http://HOST:PORT",
    )
    id_base: str = Field("https://w3id.org/coopgraph/", description="Base of the graph's own IRIs")
    cors_origins: CommaList = Field(["*"], description="Origins allowed by CORS (no credentials)")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level")

    # Query guard
    default_graph: Literal["union", "asserted", "store"] = Field(
        "union",
        description="Default graph of queries: every graph, the asserted graphs only, or the store's own",
    )
    query_timeout_s: float = Field(30.0, gt=0, description="A query running longer is stopped (seconds)")
    query_queue_timeout_s: float = Field(
        30.0, gt=0, description="A query waiting longer than this for a free query worker gets 503 (seconds)"
    )
    max_rows: int = Field(10_000, gt=0, description="Rows returned at most; more are cut with a marker")
    max_response_bytes: int = Field(50_000_000, gt=0, description="Response size cap (bytes)")
    max_request_bytes: int = Field(1_000_000, gt=0, description="Request body cap (bytes); larger gets 413")
    query_workers: int = Field(2, ge=1, le=32, description="Worker processes evaluating SPARQL")
    service_allowlist: CommaList = Field([], description="SERVICE IRIs a query may call (empty = none)")
    query_memory_mb: int | None = Field(
        4096, ge=256, description="Memory a query worker may use (MB); a query needing more is stopped; unset = no cap"
    )

    # Scale (issue 7): result cache, persisted knowledge, inference engine
    query_store_in_memory_mb: int = Field(
        64,
        ge=0,
        description="A store taking at most this much disk (MB; ~100k asserted triples take 33) is copied into each "
        "query worker's memory, where queries run 2–6× faster; a larger one is read from disk. 0 = always from disk",
    )
    result_cache_mb: int = Field(
        64, ge=0, description="Memory for cached query results (MB, least recently used evicted first); 0 = off"
    )
    cache_dir: Path | None = Field(
        PROJECT_ROOT / "var" / "cache",
        description="Where the built knowledge (store, closure, dumps, report) is kept by input hashes when no "
        "store_path is set, so an unchanged restart skips parse, validation and inference; unset = rebuild each start",
    )
    inference: Literal["auto", "owlrl", "rules"] = Field(
        "auto",
        description="OWL RL closure by owlrl (the reference), by SPARQL rules inside Oxigraph (fast, same closure), "
        "or auto: owlrl up to inference_owlrl_max_triples asserted triples, rules above",
    )
    inference_owlrl_max_triples: int = Field(
        5_000,
        ge=0,
        description="Largest asserted graph auto hands to owlrl, the reference (triples; the five articles with "
        "their places and concepts hold ~2,400); larger ones use the rules: the same closure, far faster",
    )
    large_graph_bytes: int = Field(
        5_000_000,
        ge=0,
        description="Turtle input size (bytes) past which the store-first pipeline builds: Oxigraph parse, shapes per "
        "article in parallel (cached), SPARQL-rule inference, Oxigraph dumps",
    )

    # Curation
    curator_token: SecretStr | None = Field(None, description="Bearer token for POST /api/sources; unset = off")

    # --- Operations (issue 8): processes, proxies, logs, shutdown, backend ---
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Service processes `coopgraph serve` starts (uvicorn workers), each with its own query_workers; "
        "the first builds the store under store_path (else cache_dir) and the others open it",
    )
    trusted_proxies: CommaList = Field(
        [],
        description="Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto "
        "are believed; from any other peer those headers are ignored. Empty = none",
    )
    slow_query_ms: int = Field(
        1000, ge=0, description="A query request slower than this is also logged as a slow query (milliseconds)"
    )
    slow_query_log_chars: int = Field(
        2000, ge=0, description="Characters of the query text a slow-query log line keeps (the rest is cut)"
    )
    shutdown_grace_s: float = Field(
        20.0,
        ge=0,
        description="On SIGTERM, how long in-flight requests may run on before they are answered 503 and the "
        "query workers stopped (seconds); keep it below the supervisor's kill delay",
    )
    load_in_background: bool = Field(
        False,
        description="Open the port before the graph is loaded: /health answers at once, /ready and the data "
        "routes answer 503 until it is (for a single process behind probes); off = the port opens once loaded",
    )
    backend: str | None = Field(
        None,
        description="Scale-out backend: the SPARQL 1.1 query endpoint of a store `coopgraph load --backend` filled "
        "(Oxigraph: http://host:7878/query; Fuseki: http://host:3030/ds/query); queries are guarded here before "
        "they are forwarded. Unset = the embedded Oxigraph store",
    )
    backend_graph_store: str | None = Field(
        None,
        description="The backend's SPARQL 1.1 Graph Store Protocol endpoint, which `coopgraph load` writes to "
        "(Fuseki: http://host:3030/ds/data); unset = the backend URL with its last path segment replaced by `store` "
        "(Oxigraph's layout)",
    )
    reload_poll_s: float = Field(
        15.0,
        ge=0,
        description="How often a service process checks whether the data it serves was rebuilt elsewhere — a "
        "`coopgraph load` into the backend, or another process sharing the store folder (a curation upload) — and "
        "if so swaps the new version in without a restart (seconds); 0 = never",
    )
    # --- end operations ---

    @field_validator("public_base_url", "id_base")
    @classmethod
    def _strip_trailing_slash_consistently(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    # --- operations (issue 8) ---
    @field_validator("cors_origins", "service_allowlist", "trusted_proxies", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        """Environment values: a JSON list, or comma-separated items (blanks ignored)."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return json.loads(value)
        return [item.strip() for item in value.split(",") if item.strip()]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        """Each an IP address or network, normalised (a typo would otherwise silently trust nobody)."""
        normalised = []
        for item in value:
            try:
                network = ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8)") from None
            single = network.num_addresses == 1 and "/" not in item
            normalised.append(str(network.network_address) if single else str(network))
        return normalised

    @field_validator("backend", "backend_graph_store")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _curation_needs_the_embedded_store(self) -> Settings:
        """Curation writes data/ and rebuilds the embedded store; on a backend the data is changed by `load`."""
        if self.backend is not None and self.curator_token is not None:
            raise ValueError(
                "COOPGRAPH_CURATOR_TOKEN needs the embedded store: with COOPGRAPH_BACKEND set, edit data/ and run "
                "`coopgraph load --backend URL` instead"
            )
        return self

    @property
    def graph_store_url(self) -> str | None:
        """Where `coopgraph load` writes graphs: backend_graph_store, else the backend URL's sibling `store`."""
        if self.backend_graph_store is not None or self.backend is None:
            return self.backend_graph_store
        return self.backend.rstrip("/").rsplit("/", 1)[0] + "/store"

    @model_validator(mode="after")
    def _public_base_from_host_and_port(self) -> Settings:
        """Without an explicit public URL, links point at where this process listens (not always port 8000)."""
        if "public_base_url" not in self.model_fields_set:
            host = LOOPBACK_FOR.get(self.host, self.host)
            host = f"[{host}]" if ":" in host and not host.startswith("[") else host
            self.public_base_url = f"http://{host}:{self.port}"
        return self

    # --- end operations ---

    @property
    def public_base(self) -> str:
        """The public URL without a trailing slash, to join paths onto."""
        return self.public_base_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (the CLI and the app factory are the only callers); SettingsError if invalid."""
    return load_settings()


# --- operations (issue 8): invalid settings stop startup with one readable line per setting ---
class SettingsError(Exception):
    """The settings do not validate; the message names each bad setting by its environment variable."""


def env_var(field: str) -> str:
    """The environment variable a setting is read from (COOPGRAPH_PORT for `port`)."""
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


def load_settings(**values: Any) -> Settings:
    """Settings from the environment and `.env` (and `values`, which win), or SettingsError saying what is wrong."""
    try:
        return Settings(**values)
    except ValidationError as error:
        raise SettingsError(describe_invalid_settings(error)) from None


def describe_invalid_settings(error: ValidationError) -> str:
    """`invalid settings:` then `  COOPGRAPH_PORT='abc': Input should be a valid integer …`, one line per problem."""
    lines = [f"invalid settings ({error.error_count()} problem(s); fix the environment variables or .env):"]
    for problem in error.errors(include_url=False):
        location = [str(part) for part in problem["loc"]]
        field = location[0] if location else ""
        name = env_var(field) if field in Settings.model_fields else (field or "settings")
        given = problem.get("input")
        shown = "***" if field == "curator_token" else repr(given) if isinstance(given, str | int | float) else ""
        where = f"{name}={shown}" if shown else name
        item = f" (item {location[1]})" if len(location) > 1 else ""
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"  {where}{item}: {message}")
    return "\n".join(lines)


# --- end operations ---
