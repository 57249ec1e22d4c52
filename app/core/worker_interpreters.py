"""Query-worker interpreters, started ahead of need so their imports overlap the service's own start.

A query worker (query_worker.py) is a fresh interpreter (`python -c …`, not multiprocessing's spawn, which
re-imports the parent's main module: that breaks under any main script without a `__main__` guard). Importing the
query code takes it about 0.35 s of CPU; then it waits on its socket for a configuration (the store to open).
`prestart` begins that import when the server process starts, so by the time the store is built or found the
workers only have to open it (issue 7: a restart on the seed graph waited ~0.6 s for them). The query executor takes
a started interpreter if one is waiting, else starts one. Interpreters never taken are killed when the process
exits; one whose parent dies gets EOF on its socket and exits by itself.

Stdlib only: the CLI imports this before anything heavy.
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass

# SIGINT ignored first: Ctrl-C reaches the whole process group, and stopping the workers is the parent's business
WORKER_COMMAND = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "from app.core.query_worker import serve_fd; serve_fd(int(sys.argv[1]))"
)


@dataclass(frozen=True)
class Interpreter:
    """A started worker interpreter and the parent's end of its socket."""

    process: subprocess.Popen[bytes]
    socket: socket.socket


_waiting: list[Interpreter] = []
_lock = threading.Lock()


def start_interpreter() -> Interpreter:
    """Start one worker interpreter now (it imports the query code, then waits for its configuration)."""
    parent_end, child_end = socket.socketpair()
    with child_end:
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER_COMMAND, str(child_end.fileno())],
            pass_fds=[child_end.fileno()],
            stdin=subprocess.DEVNULL,
        )
    return Interpreter(process, parent_end)


def prestart(count: int) -> None:
    """Have `count` interpreters starting in the background for the executor to take (at most `count` waiting)."""
    with _lock:
        while len(_waiting) < count:
            _waiting.append(start_interpreter())


def take_interpreter() -> Interpreter:
    """A prestarted interpreter that is still alive, else a newly started one."""
    with _lock:
        while _waiting:
            interpreter = _waiting.pop(0)
            if interpreter.process.poll() is None:
                return interpreter
            interpreter.socket.close()
    return start_interpreter()


def waiting_count() -> int:
    """Interpreters started and not yet taken."""
    with _lock:
        return len(_waiting)


def discard_waiting() -> None:
    """Kill the interpreters nobody took (at exit, or when the service will not need them)."""
    with _lock:
        interpreters = list(_waiting)
        _waiting.clear()
    for interpreter in interpreters:
        interpreter.process.kill()
        interpreter.process.wait()
        interpreter.socket.close()


atexit.register(discard_waiting)
