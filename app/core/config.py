"""Every setting in one typed object, read from COOPGRAPH_* environment variables and an optional `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    store_path: Path | None = Field(None, description="On-disk Oxigraph store; unset = in memory")

    # HTTP face
    host: str = Field("127.0.0.1", description="Interface to listen on")
    port: int = Field(8000, ge=1, le=65535, description="TCP port")
    public_base_url: str = Field("http://127.0.0.1:8000", description="Public URL of the service")
    id_base: str = Field("https://w3id.org/coopgraph/", description="Base of the graph's own IRIs")
    cors_origins: list[str] = Field(["*"], description="Origins allowed by CORS (no credentials)")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level")

    # Query guard
    default_graph: Literal["union", "asserted", "store"] = Field(
        "union",
        description="Default graph of queries: every graph, the asserted graphs only, or the store's own",
    )
    query_timeout_s: float = Field(30.0, gt=0, description="A query running longer is stopped (seconds)")
    max_rows: int = Field(10_000, gt=0, description="Rows returned at most; more are cut with a marker")
    max_response_bytes: int = Field(50_000_000, gt=0, description="Response size cap (bytes)")
    max_request_bytes: int = Field(1_000_000, gt=0, description="Request body cap (bytes); larger gets 413")
    query_workers: int = Field(2, ge=1, le=32, description="Worker processes evaluating SPARQL")
    service_allowlist: list[str] = Field([], description="SERVICE IRIs a query may call (empty = none)")

    # Curation
    curator_token: SecretStr | None = Field(None, description="Bearer token for POST /api/sources; unset = off")

    @field_validator("public_base_url", "id_base")
    @classmethod
    def _strip_trailing_slash_consistently(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @property
    def public_base(self) -> str:
        """The public URL without a trailing slash, to join paths onto."""
        return self.public_base_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (the CLI and the app factory are the only callers)."""
    return Settings()
