"""Bounded reads and atomic writes: the only ways terms-scan reads an input or writes an output.

- :func:`read_file` reads a **regular file** of at most ``limit`` bytes. A device
  (``/dev/zero``), a FIFO (which would block forever), a socket or a directory is refused with
  one line; a file that grows while it is read is cut at ``limit + 1`` bytes and refused, so
  nothing is ever read without bound.
- :func:`read_stream` does the same for standard input.
- :func:`write_atomic` writes a temporary file beside the target, flushes it to disk and renames
  it over the target: a reader sees the old file or the new one, never half of one; a full
  disk leaves the old file in place.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from .errors import InputError, StateError, UsageError

MB = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


def read_file(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; InputError (one line) otherwise."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError as err:
        raise InputError(f"{path}: no such file") from err
    except PermissionError as err:
        raise InputError(f"{path}: permission denied") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from err
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory; give one agreement {what} (PDF, Word .docx, text, Markdown, HTML or an image)")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
        raise InputError(f"{path}: is {kind}, not a regular file; save the {what} as a file first "
                         "(or pipe it to standard input with -)")
    if st.st_size > limit:
        raise InputError(f"{path}: {_mb(st.st_size)} is too large (limit {_mb(limit)})")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InputError(f"{path}: is not a regular file")
            data = f.read(limit + 1)
    except PermissionError as err:
        raise InputError(f"{path}: permission denied") from err
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from err
    if len(data) > limit:
        raise InputError(f"{path}: more than {_mb(limit)} (the file grew while it was read; limit {_mb(limit)})")
    return data


def read_stream(stream: BinaryIO | None, limit: int, label: str = "standard input") -> bytes:
    """At most ``limit`` bytes of a stream; InputError when it is closed or longer."""
    if stream is None:
        raise InputError(f"{label} is closed; give a file, or pipe the agreement in")
    chunks: list[bytes] = []
    total = 0
    try:
        while total <= limit:
            chunk = stream.read(min(1 * MB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (OSError, ValueError) as err:
        raise InputError(f"{label} cannot be read ({getattr(err, 'strerror', None) or err})") from err
    if total > limit:
        raise InputError(f"{label} is larger than {_mb(limit)}; an agreement is far smaller (limit {_mb(limit)})")
    return b"".join(chunks)


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_atomic(path: Path, text: str | bytes, inputs: tuple[Path, ...] = ()) -> None:
    """Write ``text`` (UTF-8; bytes as they are) to ``path`` through a temporary file and a rename.

    Refuses (UsageError) to overwrite one of ``inputs``; a disk or permission problem is a
    StateError or UsageError with one line, and the old file stays as it was."""
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    for src in inputs:
        if same_file(path, src):
            raise UsageError(f"{path}: is the input; refusing to overwrite the agreement with its report "
                             "(choose another -o file)")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: is a directory")
    target_dir = path.parent if str(path.parent) else Path(".")
    if path.exists() and not stat.S_ISREG(os.stat(path).st_mode):
        # /dev/stdout, a FIFO or a terminal: write in place, there is nothing to keep whole
        try:
            with open(path, "wb") as f:
                f.write(data)
            return
        except OSError as err:
            raise _write_error(path, err) from err
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=target_dir)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        raise _write_error(path, err) from err
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _write_error(path: Path, err: OSError) -> Exception:
    import errno

    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS):
        return StateError(f"cannot write {path}: {err.strerror or err}")
    return UsageError(f"cannot write {path}: {err.strerror or err}")
