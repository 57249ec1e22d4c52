"""A restart on unchanged data imports only what serving needs (issue 7: the seed graph's startup time)."""

import subprocess
import sys

# rdflib's SPARQL grammar: built by the query workers and by a build, not by the service process before a query
BUILD_ONLY = ("openpyxl", "pyshacl", "owlrl", "httpx", "rdflib.plugins.sparql")


def test_the_service_and_cli_load_without_build_backend_or_workbook_libraries() -> None:
    probe = (
        "import sys, app.cli, app.api.main, app.api.server, app.core.query_worker; "
        f"print(sorted(m for m in {BUILD_ONLY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_build_still_finds_them() -> None:
    probe = "import app.core.inference as i, app.core.validation as v; i.faster_owlrl_semantics(); print('ok')"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "ok\n"
