"""The canned-query catalogue, checked once per version of queries/*.rq and kept under `cache_dir`.

Checking a catalogue parses each query with the safety check's grammar (rdflib: ~2.3 s for the 16 shipped queries,
a quarter of a first start on the seed graph). A start with unchanged queries reads the checked catalogue back. A
start with new or changed ones (a fresh clone, an edited query) serves the routes from the catalogue checked without
that parse — header, engine parse, columns — while a child interpreter runs the full check, at a lower priority,
during the build and after: the port opens without waiting for it (`settle_in_background`), since the query
workers' guard judges every canned query again where it runs. Its verdict is logged (a refusal names the file) and
the child keeps the checked catalogue for the next start.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path

from app import __version__
from app.core.canned_queries import Catalogue, CatalogueError, load_catalogue
from app.core.config import Settings
from app.core.forked_call import BACKGROUND_NICENESS

# What the child runs (a fresh interpreter, as the query workers: no re-import of the parent's main module), at a
# lower priority than the service from its first line: it is background work that the service only waits for to say
# it is ready, where the build and the query workers starting meanwhile are what the first query waits for
CHECK_COMMAND = (
    f"import os; hasattr(os, 'nice') and os.nice({BACKGROUND_NICENESS}); "
    "import sys; from app.core.catalogue_cache import check_and_keep; check_and_keep(sys.argv[1:])"
)
REFUSED_EXIT = 3
# How long a stopping service waits for a check still running (about 2 s of CPU for the 16 shipped queries)
FINISH_GRACE_S = 30.0

log = logging.getLogger("coopgraph")


@dataclass
class CatalogueCheck:
    """A catalogue for the routes now, and the full check of it running or done."""

    catalogue: Catalogue
    process: subprocess.Popen[bytes] | None = None
    _settling: threading.Thread | None = field(default=None, init=False, repr=False)
    _stopping: bool = field(default=False, init=False, repr=False)

    def wait(self) -> Catalogue:
        """The catalogue, once the full check has passed; CatalogueError if it refused a query."""
        process = self.process
        if process is None:
            return self.catalogue
        stdout, stderr = process.communicate()
        code, self.process = process.returncode, None
        message = stderr.decode("utf-8", "replace").strip()
        if code == REFUSED_EXIT:
            raise CatalogueError(message)
        if code != 0:
            raise CatalogueError(f"the canned queries' check exited with code {code}: {message[-2000:]}")
        if message:  # the check passed, but the checked catalogue could not be kept
            log.warning("%s", message)
        forms = [tuple(pair) for pair in json.loads(stdout)]
        if forms != [(q.name, q.form) for q in self.catalogue]:
            raise CatalogueError(f"the safety check reads the canned queries' forms as {forms}, the engine otherwise")
        return self.catalogue

    def settle_in_background(self) -> None:
        """Wait for the full check in a thread and log its verdict; the service answers meanwhile.

        The check reports early what the query workers' guard decides anyway: every canned query is guarded again
        where it runs (query_worker.guarded), so one the check refuses is refused on each request, with the reason.
        A first start on the seed graph waited two seconds for it before its port opened (issue 7).
        """
        if self.process is None:
            return

        def settle() -> None:
            try:
                self.wait()
            except Exception as error:  # CatalogueError, or a check that could not be read: reported, not raised
                if not self._stopping:
                    log.error("the canned queries' safety check refused the catalogue: %s", error)

        self._settling = threading.Thread(target=settle, name="coopgraph-catalogue-check", daemon=True)
        self._settling.start()

    def finish(self) -> None:
        """Let a check still running end, as a stopping service lets its dumps end: the child keeps the checked
        catalogue for the next start (a start stopped within seconds would otherwise check again next time).
        One still running after FINISH_GRACE_S is stopped."""
        if self._settling is not None:
            self._settling.join(FINISH_GRACE_S)
        self.stop()

    def stop(self) -> None:
        """Stop a check still running (the service is not starting after all, or is stopping)."""
        self._stopping = True
        process, settling = self.process, self._settling
        if settling is not None:  # its thread reaps the process: kill it, let the thread see it end
            if process is not None:
                process.kill()
            settling.join()
        elif process is not None:
            _kill(process)
        self.process = None


def load_catalogue_cached(settings: Settings) -> CatalogueCheck:
    """The kept catalogue if queries/*.rq are unchanged; else one checked here but for the guard's parse, which a
    child interpreter runs meanwhile (started by prestart_check, else now). Without `cache_dir`: the full check here
    and now."""
    kept = _kept_file(settings)
    if kept is None:
        return CatalogueCheck(load_catalogue(settings.queries_dir))
    catalogue = _read(kept)
    if catalogue is not None:
        return CatalogueCheck(catalogue)
    prestarted = _prestarted.pop(kept, None)
    try:
        catalogue = load_catalogue(settings.queries_dir, guard=False)  # a malformed header or query: refused now
    except BaseException:
        if prestarted is not None:
            _kill(prestarted)
        raise
    return CatalogueCheck(catalogue, prestarted or _start_check(settings.queries_dir, kept))


def prestart_check(settings: Settings) -> None:
    """Start the full check now if no checked catalogue is kept, for load_catalogue_cached to take up.

    The server calls it before importing the service (issue 7): the check then overlaps those imports (~1 s) too,
    not only the build, and stops being what a first start on the seed graph waits for last.
    """
    kept = _kept_file(settings)
    if kept is not None and kept not in _prestarted and _read(kept) is None:
        _prestarted[kept] = _start_check(settings.queries_dir, kept)


# checks started ahead by prestart_check, by the file they keep the catalogue in; killed at exit if never taken up
_prestarted: dict[Path, subprocess.Popen[bytes]] = {}


def _kept_file(settings: Settings) -> Path | None:
    if settings.cache_dir is None:
        return None
    return settings.cache_dir / f"catalogue-{_digest(settings.queries_dir)}.pickle"


def _start_check(queries_dir: Path, kept: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", CHECK_COMMAND, str(queries_dir), str(kept)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.communicate()


@atexit.register
def _discard_prestarted() -> None:
    while _prestarted:
        _kill(_prestarted.popitem()[1])


def check_and_keep(argv: list[str]) -> None:
    """The child's work: the full check of the queries at argv[0]; their forms on stdout (JSON), the catalogue
    pickled at argv[1]; a refusal's message on stderr and exit 3."""
    queries_dir, kept = Path(argv[0]), Path(argv[1])
    try:
        catalogue = load_catalogue(queries_dir)
    except CatalogueError as error:
        print(error, file=sys.stderr)
        raise SystemExit(REFUSED_EXIT) from None
    print(json.dumps([(q.name, q.form) for q in catalogue]))
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        temporary = kept.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(catalogue))
        temporary.replace(kept)
    except OSError as error:
        print(f"could not keep the checked catalogue in {kept.parent}: {error}", file=sys.stderr)


def _digest(queries_dir: Path) -> str:
    digest = hashlib.sha256(f"{__version__}\0{package_version('rdflib')}\0{package_version('pyoxigraph')}".encode())
    for path in sorted(queries_dir.glob("*.rq")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _read(kept: Path) -> Catalogue | None:
    try:
        catalogue = pickle.loads(kept.read_bytes())  # noqa: S301 - our own cache file, written by check_and_keep
    except (OSError, pickle.PickleError, AttributeError, EOFError, TypeError, ValueError):
        return None
    return catalogue if isinstance(catalogue, Catalogue) else None
