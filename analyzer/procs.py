"""Worker processes never outlive the run that started them.

A ``terms-scan watch`` killed with SIGKILL (or a notebook's ``scan_many`` interrupted hard)
cannot clean up its pool: the forked workers would go on fetching and scanning, holding the
history's files open, for as long as their jobs last (half an hour was seen). Each worker
calls :func:`die_with_parent` first: on Linux the kernel then sends it SIGTERM when its parent
dies (``PR_SET_PDEATHSIG``); elsewhere a daemon thread notices the new parent id and exits.
"""
from __future__ import annotations

import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1
_WORKER_ENV = "TERMS_SCAN_IN_WORKER"


def mark_worker() -> None:
    """This process is a pool worker: it must not start pools of its own (a daemonic process
    may not have children; pools inside pools also oversubscribe the cores)."""
    os.environ[_WORKER_ENV] = "1"


def in_worker() -> bool:
    import multiprocessing

    return bool(os.environ.get(_WORKER_ENV)) or multiprocessing.current_process().daemon


def run_parallel(fn, jobs: list, workers: int) -> list:
    """``[fn(job) for job in jobs]`` on up to ``workers`` forked processes, in order; in a
    worker already (or with one worker, or without fork) it runs here, never nesting pools."""
    import multiprocessing

    if workers <= 1 or len(jobs) <= 1 or in_worker() or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(min(workers, len(jobs)), initializer=mark_worker) as pool:
        return pool.map(fn, jobs)


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
