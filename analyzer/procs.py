"""Worker processes never outlive the run that started them.

A ``terms-scan watch`` killed with SIGKILL (or a notebook's ``scan_many`` interrupted hard)
cannot clean up its pool: the forked workers would go on fetching and scanning, holding the
history's files open, for as long as their jobs last (half an hour was seen). Each worker
calls :func:`die_with_parent` first: on Linux the kernel then sends it SIGTERM when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a daemon thread notices the new parent id and exits.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

PR_SET_PDEATHSIG = 1
_WORKER_ENV = "TERMS_SCAN_IN_WORKER"


def cores() -> int:
    """The cores this process may run on (its CPU affinity, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def mark_worker() -> None:
    """This process is a pool worker: it must not start pools of its own (a daemonic process
    may not have children; pools inside pools also oversubscribe the cores)."""
    os.environ[_WORKER_ENV] = "1"


def in_worker() -> bool:
    import multiprocessing

    return bool(os.environ.get(_WORKER_ENV)) or multiprocessing.current_process().daemon


DASK_HINT = "pip install 'terms-scan[dask]'"
START_METHOD_ENV = "TERMS_SCAN_START_METHOD"


def start_method() -> str:
    """How worker processes start: ``fork`` on Linux (they inherit the compiled pattern library),
    ``spawn`` elsewhere (Windows has no fork, and macOS's is unsafe with threads);
    $TERMS_SCAN_START_METHOD chooses (the tests run the spawn path on Linux)."""
    import multiprocessing

    wanted = os.environ.get(START_METHOD_ENV) or ("fork" if sys.platform.startswith("linux") else "spawn")
    return wanted if wanted in multiprocessing.get_all_start_methods() else "spawn"


def run_parallel(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int, scheduler: str | None = None, *,
                 ordered: bool = False, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = (),
                 connect_timeout: float = 20.0) -> Iterator[tuple[int, Any]]:
    """The one way terms-scan runs work in parallel (scan_many, PDF pages, watch): yields
    ``(index, fn(jobs[index]))`` for every job, as results arrive (``ordered``: in job order).
    An exception raised by ``fn``, or a worker that died, is yielded as the exception object.

    Runs here, one job after another, with one worker or one job, inside a worker already (pools
    never nest: a daemonic process may not have children, and nested pools oversubscribe the
    cores); on a Dask cluster with ``scheduler``; else on worker processes (``start_method()``:
    forked on Linux, spawned elsewhere), each of which first arranges to die with its parent, marks itself a
    worker and runs ``initializer(*initargs)``. Stopping the iteration early cancels the jobs
    not started and kills the workers."""
    import multiprocessing

    if not jobs:
        return
    if scheduler:
        yield from _run_dask(fn, jobs, scheduler, connect_timeout)
        return
    if workers <= 1 or len(jobs) <= 1 or in_worker():
        for i, job in enumerate(jobs):
            try:
                yield i, fn(job)
            except Exception as err:
                yield i, err
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    settle()
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=multiprocessing.get_context(start_method()),
                               initializer=_worker_start, initargs=(initializer, initargs))
    futures = [pool.submit(fn, job) for job in jobs]
    index = {fut: i for i, fut in enumerate(futures)}
    finished = False
    try:
        for fut in (futures if ordered else as_completed(futures)):
            try:
                result = fut.result()
            except Exception as err:  # raised by fn, or BrokenProcessPool: a worker died
                result = err
            yield index[fut], result
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # the caller stopped early (or was interrupted): no job left behind
            for fut in futures:
                fut.cancel()
            procs = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
            for proc in procs:
                proc.join(5)


def map_parallel(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int) -> list[Any]:
    """``[fn(job) for job in jobs]`` through run_parallel; the first exception is raised."""
    out = []
    for _, result in run_parallel(fn, jobs, workers, ordered=True):
        if isinstance(result, BaseException):
            raise result
        out.append(result)
    return out


def _worker_start(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    die_with_parent()  # a killed parent leaves no worker behind
    mark_worker()  # and a worker starts no pool of its own
    if initializer is not None:
        initializer(*initargs)


def _run_dask(fn: Callable[[Any], Any], jobs: Sequence[Any], scheduler: str,
              connect_timeout: float) -> Iterator[tuple[int, Any]]:
    from .errors import StateError, UsageError

    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_as_completed
    except ImportError as err:
        raise UsageError(f"--scheduler needs Dask distributed: {DASK_HINT}") from err
    try:
        client = Client(scheduler, timeout=f"{max(connect_timeout, 1.0):g}s")  # type: ignore[no-untyped-call]  # unannotated in distributed
    except Exception as err:
        raise StateError(f"cannot connect to the Dask scheduler {scheduler}: {' '.join(str(err).split())}") from err
    try:
        futures = client.map(fn, list(jobs), pure=False)
        index = {fut.key: i for i, fut in enumerate(futures)}
        for fut in dask_as_completed(futures):  # type: ignore[no-untyped-call]  # unannotated in distributed
            try:
                yield index[fut.key], fut.result()
            except Exception as err:
                yield index[fut.key], err
    finally:
        client.close()  # type: ignore[no-untyped-call]  # unannotated in distributed


def die_with_parent(poll: float = 1.0) -> None:
    parent = os.getppid()
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before the request took effect
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="terms-scan-parent-watch", daemon=True).start()


class Background:
    """``fn()`` run in a thread while the caller goes on; ``result()`` waits for its value and
    returns it, or raises its exception in the caller.

    A cold ``terms-scan FILE.pdf`` builds its pattern library (Python: imports, ~400 pattern
    files) while PDFium reads the pages (C code that lets go of the GIL): on two cores the two
    overlap. The GIL is handed over every ``switch`` seconds meanwhile (Python's default, 5 ms,
    would keep the reading thread waiting after each call into PDFium) and set back by
    ``result()``.

    ``then(value, stop)``, when given, goes on in the same thread after the value is ready (work
    that only saves time later, such as compiling regexes the scan will need) until ``stop`` is
    set: ``result()`` sets it, so that it never competes with the caller's own work."""

    def __init__(self, fn: Callable[[], Any], switch: float = 0.0002,
                 then: Callable[[Any, threading.Event], None] | None = None) -> None:
        self._fn, self._then = fn, then
        self._value: Any = None
        self._error: BaseException | None = None
        self._ready, self._stop = threading.Event(), threading.Event()
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, switch))
        self._thread = threading.Thread(target=self._run, name="terms-scan-background")
        with _background_lock:
            _background.append(self)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as err:  # handed to the caller by result()
            self._error = err
            return
        finally:
            self._ready.set()
        if self._then is not None:
            with contextlib.suppress(Exception):  # only ever a saving: the caller does the work itself
                self._then(self._value, self._stop)

    def result(self) -> Any:
        self._ready.wait()
        self.stop()
        sys.setswitchinterval(self._switch)
        if self._error is not None:
            raise self._error
        return self._value

    def stop(self) -> None:
        """Ask ``then`` to stop, and wait for the thread to end."""
        self._stop.set()
        self._thread.join()
        with _background_lock:
            if self in _background:
                _background.remove(self)


_background: list[Background] = []
_background_lock = threading.Lock()


def settle() -> None:
    """Wait for the Background threads: a process forked while one of them holds a lock (an
    import's, a cache's) would wait for it forever. Called before any pool starts."""
    with _background_lock:
        running = [b for b in _background if b._thread is not threading.current_thread()]
    for b in running:
        b.stop()
