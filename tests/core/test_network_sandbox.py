"""The query workers' second wall: once the seccomp filter is in, no Internet socket can be opened at all."""

from __future__ import annotations

import contextlib
import platform
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"),
    reason="the seccomp filter is Linux x86-64/aarch64 only",
)

CHILD = textwrap.dedent(
    """
    import socket, sys
    import pyoxigraph as ox
    from app.core.network_sandbox import deny_internet_sockets
    assert deny_internet_sockets()
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.socket(family, socket.SOCK_STREAM)
        except PermissionError:
            pass
        else:
            sys.exit(f"an Internet socket ({family}) was opened")
    a, b = socket.socketpair()  # Unix sockets still work
    a.sendall(b"ok"); assert b.recv(2) == b"ok"
    try:
        list(ox.Store().query("SELECT * WHERE { SERVICE <http://127.0.0.1:%s/sparql> { ?s ?p ?o } }"))
    except OSError as error:
        print("service failed:", error)
    else:
        sys.exit("SERVICE evaluated")
    """
)


def test_sandboxed_process_cannot_connect() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    accepted: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-c", CHILD % port], capture_output=True, text=True, timeout=60, check=False
    )
    thread.join(2)
    server.close()
    assert result.returncode == 0, result.stderr + result.stdout
    assert "service failed: Permission denied" in result.stdout
    assert accepted == []
