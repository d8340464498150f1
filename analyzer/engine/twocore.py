"""The pattern search of one document on two cores (issue 12).

Searching the library over a document is most of a scan (each of ~1,000 regex alternatives of
a language reads the whole text once: ~0.2 s for 15,000 Chinese characters, ~0.9 s for 20 KB
of English), and it is Python and regex work that one process does on one core. On Linux,
with two cores free and text enough to pay for it, :func:`run` forks once: the child searches
about half of the patterns (balanced by their number of alternatives) while the parent
searches the rest, and sends back its hits as plain data. The results are put together in the
library's order, so the findings are those of a search in one process, byte for byte.

Anything unexpected (no fork, a child that dies or sends nothing readable) falls back to the
parent doing the child's share itself: the fork can only make a scan faster, never different.
It is not used inside a worker of a pool (pools of processes already use the cores), while
other Python threads run (a fork copies locks they may hold), on one core, when the cores are
busy (a load average of as many processes as cores), or for a short text.
``TERMS_SCAN_SPLIT=0`` turns it off; ``TERMS_SCAN_SPLIT=1`` uses it whatever the text's length
(the tests).
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

SPLIT_ENV = "TERMS_SCAN_SPLIT"
MIN_WORK = 4_000_000  # characters x alternatives: below, the fork (~10 ms) costs more than it saves


def _cores() -> int:
    from ..procs import cores

    return cores()


def _load() -> float:
    """Processes running or waiting for a core, averaged over the last minute (0 where unknown)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not Unix
        return 0.0


def child_share(costs: Sequence[int], text_length: int) -> list[int]:
    """The indexes of the jobs the child runs (about half of the total cost), or [] when the
    search stays in this process."""
    wanted = os.environ.get(SPLIT_ENV, "")
    if wanted == "0" or len(costs) < 2 or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return []
    if wanted != "1" and sum(costs) * text_length < MIN_WORK:
        return []
    from ..procs import in_worker

    cores = _cores()
    if in_worker() or threading.active_count() > 1 or cores < 2:
        return []
    if wanted != "1" and _load() >= cores:
        return []  # the cores are busy (a test suite, a batch beside it): a second process only competes
    # the costliest first, each to the lighter side: two halves within one job's cost
    mine = theirs = 0
    share: list[int] = []
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        if theirs < mine:
            share.append(i)
            theirs += costs[i]
        else:
            mine += costs[i]
    return sorted(share)


def run(count: int, fn: Callable[[int], Any], share: list[int],
        pack: Callable[[Any], Any], unpack: Callable[[int, Any], Any],
        extra: Callable[[], Any] | None = None, take_extra: Callable[[Any], None] | None = None) -> list[Any]:
    """``[fn(0), ..., fn(count - 1)]``, the jobs of ``share`` run in a forked child (``pack``
    makes a result plain data there, ``unpack(i, data)`` the result again here). An exception
    ``fn`` raises in the child is raised here (after this process did its own share). ``extra``:
    more plain data the child sends (its new regex-cache entries), given to ``take_extra``."""
    if not share:
        return [fn(i) for i in range(count)]
    try:
        r, w = os.pipe()
    except OSError:
        return [fn(i) for i in range(count)]
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return [fn(i) for i in range(count)]
    if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
        _child(r, w, fn, share, pack, extra)
    os.close(w)
    results: list[Any] = [None] * count
    done = False
    try:
        theirs = set(share)
        for i in range(count):
            if i not in theirs:
                results[i] = fn(i)
        fd, r = r, -1  # _read_all closes it, whatever happens
        got = _read_all(fd)
        status = _reap(pid)
        pid = 0
        reply = _loads(got) if status == 0 else None
        if reply is not None and reply[0] == "raised":
            raise reply[1]
        if reply is not None and reply[0] == "ok" and sorted(i for i, _ in reply[1]) == share:
            for i, data in reply[1]:
                results[i] = unpack(i, data)
            if take_extra is not None:
                take_extra(reply[2])
        else:  # the child died or said something unreadable: its share, here
            for i in share:
                results[i] = fn(i)
        done = True
        return results
    finally:
        if r >= 0:
            os.close(r)
        if pid:
            if not done:
                _kill(pid)
            _reap(pid)


def _child(r: int, w: int, fn: Callable[[int], Any], share: list[int], pack: Callable[[Any], Any],
           extra: Callable[[], Any] | None) -> None:  # pragma: no cover - runs in the child
    """Run ``share``, write the reply to ``w`` and leave (no atexit handlers, no buffers flushed:
    they are the parent's)."""
    import pickle

    code = 0
    try:
        os.close(r)
        try:
            out = [(i, pack(fn(i))) for i in share]
            payload = pickle.dumps(("ok", out, extra() if extra is not None else None), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # the parent raises it after its own share (BudgetExceeded…)
            try:
                payload = pickle.dumps(("raised", err), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload, code = b"", 1
        view = memoryview(payload)
        while view:
            view = view[os.write(w, view):]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _loads(data: bytes) -> Any:
    """The child's reply (pickled by this very program a moment ago, through a pipe only the
    two processes hold), or None when it is torn."""
    import pickle

    try:
        reply = pickle.loads(data) if data else None
    except Exception:
        return None
    return reply if isinstance(reply, tuple) and reply else None


def _reap(pid: int) -> int:
    import contextlib

    with contextlib.suppress(ChildProcessError):
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    return -1


def _kill(pid: int) -> None:
    import contextlib
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
