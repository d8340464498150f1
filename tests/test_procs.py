"""analyzer.procs.run_parallel: the one executor of scan_many, PDF pages and watch."""
from __future__ import annotations

import os
import time

import pytest

from analyzer import procs
from analyzer.procs import map_parallel, run_parallel


def square(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x * x


def pid_and_worker(_: int) -> tuple[int, bool]:
    return os.getpid(), procs.in_worker()


def nested(_: int) -> list[int]:
    # a pool inside a worker would fail ("daemonic processes are not allowed to have children")
    return [pid for pid, _w in map_parallel(pid_and_worker, [1, 2, 3], 3)]


def die(x: int) -> int:
    if x == 1:
        os._exit(3)  # a worker killed in the middle of a job
    time.sleep(0.2)
    return x


def slow(x: int) -> int:
    if x:
        time.sleep(30)
    return x


def test_results_in_order_and_errors_as_values():
    got = dict(run_parallel(square, [1, 2, 3, 4], 2))
    assert got[0] == 1 and got[1] == 4 and got[3] == 16 and isinstance(got[2], ValueError)
    assert [i for i, _ in run_parallel(square, [1, 2, 4], 2, ordered=True)] == [0, 1, 2]
    with pytest.raises(ValueError):
        map_parallel(square, [1, 3], 2)


def test_workers_are_marked_and_never_start_a_pool_of_their_own():
    parent = os.getpid()
    runs = map_parallel(pid_and_worker, [1, 2], 2)
    assert all(pid != parent and marked for pid, marked in runs)
    inner = map_parallel(nested, [1, 2], 2)  # runs serially inside each worker
    assert all(len(set(pids)) == 1 for pids in inner)


def test_one_worker_runs_here():
    assert map_parallel(pid_and_worker, [1, 2], 1) == [(os.getpid(), procs.in_worker())] * 2


def test_a_dead_worker_is_an_error_value_not_a_hang():
    t = time.monotonic()
    got = dict(run_parallel(die, [0, 1, 2], 2))
    assert time.monotonic() - t < 20
    assert any(isinstance(v, BaseException) for v in got.values())


def test_stopping_early_kills_the_workers():
    children_before = _children()
    it = run_parallel(slow, [0, 1, 2], 2, ordered=True)
    assert next(it) == (0, 0)  # the pool is running, the other two jobs sleep
    assert _children() - children_before
    t = time.monotonic()
    it.close()  # scan_many's caller stops iterating
    assert time.monotonic() - t < 10
    time.sleep(0.5)
    assert not (_children() - children_before)


def _children() -> set[int]:
    me = str(os.getpid())
    out = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                out.add(int(pid))
    return out


def test_spawned_workers_where_there_is_no_fork(monkeypatch):
    # Windows has no fork and macOS's is unsafe: the workers are spawned there; the same results
    monkeypatch.setenv(procs.START_METHOD_ENV, "spawn")
    assert procs.start_method() == "spawn"
    got = dict(run_parallel(square, [0, 1, 2, 3], 2))
    assert [got[i] for i in (0, 1, 2)] == [0, 1, 4]
    assert isinstance(got[3], ValueError)
    marks = map_parallel(pid_and_worker, [1, 2, 3], 2)
    assert all(w for _pid, w in marks) and os.getpid() not in {pid for pid, _w in marks}


def test_fork_only_on_linux(monkeypatch):
    monkeypatch.delenv(procs.START_METHOD_ENV, raising=False)
    monkeypatch.setattr(procs.sys, "platform", "win32")
    assert procs.start_method() == "spawn"
    monkeypatch.setattr(procs.sys, "platform", "linux")
    assert procs.start_method() == "fork"


def test_background_returns_its_value_or_raises_its_error_and_restores_the_switch_interval():
    """procs.Background (issue 12: a cold scan builds its pattern library while PDFium reads)."""
    import sys

    from analyzer.errors import PatternError
    from analyzer.procs import Background

    before = sys.getswitchinterval()
    assert Background(lambda: 6 * 7).result() == 42
    assert sys.getswitchinterval() == before

    def fail() -> None:
        raise PatternError("patterns/x.yaml: broken")

    job = Background(fail)
    with pytest.raises(PatternError, match="broken"):
        job.result()
    assert sys.getswitchinterval() == before


def test_no_pool_starts_while_a_background_thread_runs():
    """A process forked while our own thread holds a lock (an import's) waits for it forever: the
    OCR page pool forked while the scanner's thread was still importing hung a screenshot scan.
    run_parallel waits for the Background threads first (procs.settle)."""
    import threading
    import time

    from analyzer.procs import Background

    started, done = threading.Event(), []

    def building() -> str:
        started.set()
        time.sleep(0.3)
        done.append(time.monotonic())
        return "built"

    job = Background(building)
    started.wait(5)
    results = run_parallel(square, [1, 2, 4], workers=2)
    first = next(results)
    assert done, "a worker answered while the background thread was still running"
    assert dict([first, *results]) == {0: 1, 1: 4, 2: 16} and job.result() == "built"


def test_background_then_runs_after_the_value_and_stops_when_the_result_is_taken():
    """The library's thread goes on compiling regexes while the PDF is read (issue 12); taking
    the result stops it, so it never competes with the scan itself."""
    import threading

    from analyzer.procs import Background

    ticks: list[int] = []
    go = threading.Event()

    def then(value: int, stop: threading.Event) -> None:
        go.set()
        while not stop.is_set():
            ticks.append(value)
            stop.wait(0.001)

    job = Background(lambda: 7, then=then)
    go.wait(5)
    assert job.result() == 7
    n = len(ticks)
    assert n > 0 and not job._thread.is_alive() and len(ticks) == n   # stopped, and no more ticks
