"""Every setting in one typed object: read from the environment, listed by `coopgraph config`, refused when invalid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COOPGRAPH

from app.core.config import Settings, SettingsError, env_var, load_settings
from app.core.config_listing import markdown_table, setting_rows

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS_SETTINGS = {
    "host", "port", "public_base_url", "store_path", "query_timeout_s", "max_rows", "max_request_bytes",
    "cors_origins", "service_allowlist", "backend", "log_level", "curator_token", "trusted_proxies",
    "slow_query_ms", "workers", "shutdown_grace_s",
}  # fmt: skip


def clean_env(**settings: str) -> dict[str, str]:
    """The test's environment without any COOPGRAPH_* variable, plus `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COOPGRAPH_")}
    return env | settings


def coopgraph(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COOPGRAPH), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_config_lists_every_setting_with_env_var_type_default_and_masked_current_value(tmp_path: Path) -> None:
    env = clean_env(
        COOPGRAPH_PORT="9100", COOPGRAPH_CURATOR_TOKEN="s3cret-token", COOPGRAPH_TRUSTED_PROXIES="10.0.0.0/8"
    )
    env["COLUMNS"] = "400"
    result = coopgraph("config", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in Settings.model_fields:
        assert env_var(name) in result.stdout
    assert "s3cret-token" not in result.stdout and "set (hidden)" in result.stdout
    assert "9100" in result.stdout and "http://127.0.0.1:9100" in result.stdout  # public URL follows the port
    assert "10.0.0.0/8" in result.stdout


def test_invalid_settings_stop_the_cli_with_one_line_per_setting_and_exit_2(tmp_path: Path) -> None:
    env = clean_env(COOPGRAPH_PORT="abc", COOPGRAPH_QUERY_TIMEOUT_S="-1")
    for command in (["config"], ["serve"]):
        result = coopgraph(*command, env=env, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith("invalid settings (2 problem(s)")
        assert any(line.strip().startswith("COOPGRAPH_PORT='abc': Input should be a valid integer") for line in lines)
        assert any(
            line.strip().startswith("COOPGRAPH_QUERY_TIMEOUT_S='-1': Input should be greater than 0") for line in lines
        )
        assert "Traceback" not in result.stderr


def test_invalid_settings_stop_uvicorn_factory_startup_with_exit_2(tmp_path: Path) -> None:
    env = clean_env(COOPGRAPH_LOG_LEVEL="loud")
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.api.main:create_app", "--port", "0"]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "COOPGRAPH_LOG_LEVEL='loud': Input should be 'debug', 'info', 'warning' or 'error'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_dot_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COOPGRAPH_SLOW_QUERY_MS=250\nCOOPGRAPH_WORKERS=3\n", encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        settings = Settings()
        os.environ["COOPGRAPH_WORKERS"] = "4"
        try:
            overridden = Settings()
        finally:
            del os.environ["COOPGRAPH_WORKERS"]
    finally:
        os.chdir(cwd)
    assert settings.slow_query_ms == 250 and settings.workers == 3
    assert overridden.workers == 4


def test_lists_are_json_or_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPGRAPH_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("COOPGRAPH_SERVICE_ALLOWLIST", '["https://query.wikidata.org/sparql"]')
    monkeypatch.setenv("COOPGRAPH_TRUSTED_PROXIES", "127.0.0.1,10.1.2.3/8,::1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.service_allowlist == ["https://query.wikidata.org/sparql"]
    assert settings.trusted_proxies == ["127.0.0.1", "10.0.0.0/8", "::1"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("trusted_proxies", "10.0.0.300", "is not an IP address or network"),
        ("backend", "oxigraph:7878", "must be an http(s) URL"),
        ("backend_graph_store", "ftp://host/store", "must be an http(s) URL"),
        ("public_base_url", "coopgraph.example.org", "must be an http(s) URL"),
        ("workers", "0", "greater than or equal to 1"),
        ("slow_query_ms", "-5", "greater than or equal to 0"),
        ("shutdown_grace_s", "soon", "valid number"),
    ],
)
def test_each_operations_setting_is_validated(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(env_var(name), value)
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert env_var(name) in str(raised.value) and message in str(raised.value)


def test_curation_is_refused_on_a_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPGRAPH_BACKEND", "http://127.0.0.1:7878/query")
    monkeypatch.setenv("COOPGRAPH_CURATOR_TOKEN", "secret-token")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert "coopgraph load --backend" in str(raised.value) and "secret-token" not in str(raised.value)


def test_the_graph_store_defaults_to_the_backend_s_sibling_store() -> None:
    oxigraph = Settings(_env_file=None, backend="http://db:7878/query")  # type: ignore[call-arg]
    assert oxigraph.graph_store_url == "http://db:7878/store"
    fuseki = Settings(  # type: ignore[call-arg]
        _env_file=None, backend="http://db:3030/coop/query", backend_graph_store="http://db:3030/coop/data"
    )
    assert fuseki.graph_store_url == "http://db:3030/coop/data"


def test_the_public_base_url_defaults_to_where_the_service_listens() -> None:
    assert Settings(_env_file=None, port=9000).public_base == "http://127.0.0.1:9000"  # type: ignore[call-arg]
    assert Settings(_env_file=None, host="0.0.0.0").public_base == "http://127.0.0.1:8000"  # type: ignore[call-arg]
    explicit = Settings(_env_file=None, port=9000, public_base_url="https://coopgraph.example.org/")  # type: ignore[call-arg]
    assert explicit.public_base == "https://coopgraph.example.org"


def test_the_readme_table_lists_every_operations_setting() -> None:
    table = markdown_table(setting_rows(Settings(_env_file=None)))  # type: ignore[call-arg]
    assert set(Settings.model_fields) >= OPERATIONS_SETTINGS
    for name in Settings.model_fields:
        assert f"| {name} | `{env_var(name)}` |" in table
