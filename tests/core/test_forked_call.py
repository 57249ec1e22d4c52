"""A function run in a forked child: its value or its exception comes back; a cancelled child is killed and reaped;
the build infers in one while it validates, with the same knowledge as in one process."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from app.core import forked_call
from app.core.config import Settings
from app.core.dumps import write_dumps
from app.core.forked_call import ForkedCall, can_fork
from app.core.inference import InconsistentDataError
from app.core.knowledge import InvalidDataError, build_knowledge
from app.core.namespaces import INFERRED_GRAPH
from app.core.persisted_store import prepare_store

ROOT = Path(__file__).resolve().parents[2]


def children() -> set[int]:
    """The live (not yet reaped) child processes of this process."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def union(dataset: Dataset) -> Graph:
    merged = Graph()
    for s, p, o, _ in dataset.quads():
        merged.add((s, p, o))
    return merged


def test_the_value_comes_back_from_the_child() -> None:
    parent = os.getpid()
    call = ForkedCall(lambda: (os.getpid(), [("a", 1)] * 100_000), fork=True)
    assert call.forked
    pid, value = call.result()
    assert pid != parent  # computed in another process
    assert value == [("a", 1)] * 100_000  # more than a pipe's buffer: read to the end before reaping


def test_background_work_runs_at_a_lower_priority_than_this_process() -> None:
    here = os.nice(0)
    call = ForkedCall(lambda: os.nice(0), fork=True, niceness=forked_call.BACKGROUND_NICENESS)
    assert call.result() == min(here + forked_call.BACKGROUND_NICENESS, 19)
    assert os.nice(0) == here  # only the child's
    assert ForkedCall(lambda: os.nice(0), fork=False, niceness=5).result() == here  # never this process's


def test_without_fork_the_function_runs_here_when_asked() -> None:
    ran: list[int] = []
    call = ForkedCall(lambda: ran.append(os.getpid()) or "done", fork=False)
    assert not call.forked and ran == []
    assert call.result() == "done"
    assert ran == [os.getpid()]


def test_the_childs_exception_is_raised_with_its_details() -> None:
    def contradiction() -> None:
        raise InconsistentDataError(["x is in two disjoint classes", "y too"])

    with pytest.raises(InconsistentDataError) as raised:
        ForkedCall(contradiction, fork=True).result()
    assert raised.value.messages == ["x is in two disjoint classes", "y too"]


def test_an_exception_that_does_not_pickle_comes_back_as_its_text() -> None:
    class UnpicklableError(Exception):
        pass  # a local class: pickle cannot name it

    def fail() -> None:
        raise UnpicklableError("the reason")

    with pytest.raises(RuntimeError, match="UnpicklableError: the reason"):
        ForkedCall(fail, fork=True).result()


def test_a_child_that_dies_without_an_answer_is_an_error() -> None:
    with pytest.raises(ChildProcessError, match="no result"):
        ForkedCall(lambda: os._exit(3), fork=True).result()


def test_cancel_kills_and_reaps_the_child() -> None:
    before = children()
    call = ForkedCall(lambda: time.sleep(60), fork=True)
    assert children() - before  # the child runs
    started = time.monotonic()
    call.cancel()
    assert time.monotonic() - started < 5
    assert children() == before  # killed and reaped: no zombie left
    call.cancel()  # twice is harmless


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        assert not ForkedCall(lambda: 1).forked
    finally:
        stop.set()
        thread.join()


@pytest.mark.slow
def test_the_build_infers_in_a_child_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped data: the knowledge built with the inference forked equals the one built in one process."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setattr(forked_call, "can_fork", lambda: False)
    alone = build_knowledge(settings)
    monkeypatch.setattr(forked_call, "can_fork", lambda: True)
    forked = build_knowledge(settings)
    assert len(alone.dataset) > 5000
    # each build parses the files again, with new blank nodes: graph by graph and all together, up to their names
    names = {graph.identifier for graph in alone.dataset.graphs()}
    assert {graph.identifier for graph in forked.dataset.graphs()} == names
    assert INFERRED_GRAPH in names
    for name in names:
        assert isomorphic(forked.dataset.graph(name), alone.dataset.graph(name)), name
    assert isomorphic(union(forked.dataset), union(alone.dataset))
    assert forked.report == alone.report
    assert isomorphic(forked.shapes, alone.shapes)


@pytest.mark.slow
def test_data_that_violates_stops_the_forked_inference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    article = sorted((tmp_path / "data" / "sources").glob("*.ttl"))[0]
    article.write_text(
        article.read_text(encoding="utf-8")
        + "\n<https://w3id.org/coopgraph/id/org/x> <https://w3id.org/coopgraph/def#partnerOf> "
        "<https://w3id.org/coopgraph/id/org/y> .\n",
        encoding="utf-8",
    )
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    monkeypatch.setattr(forked_call, "can_fork", lambda: True)
    before = children()
    with pytest.raises(InvalidDataError):
        build_knowledge(settings)
    assert children() == before  # the inference child was stopped and reaped


@pytest.mark.slow
def test_a_small_build_writes_its_dumps_in_a_child_as_it_would_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, cache_dir=tmp_path / "cache")  # type: ignore[call-arg]
    monkeypatch.setattr(forked_call, "can_fork", lambda: True)
    before = children()
    prepared = prepare_store(settings, tmp_path / "work")
    assert children() == before  # the dumps' child has been reaped
    assert prepared.knowledge is not None
    here = write_dumps(prepared.knowledge, tmp_path / "here")
    assert prepared.dumps_written.result() == here  # names, sizes, triples and checksums
    for dump in here:
        assert (prepared.dumps_dir / dump.name).read_bytes() == (tmp_path / "here" / dump.name).read_bytes()
