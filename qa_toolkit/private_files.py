"""The one way a command writes a file: whole or not at all, readable by its owner only.

Every file the toolkit writes for someone (an export, a report, a board pack, an audit-log
archive, a backup) goes through `complete_or_nothing`. The file is written beside the target
and renamed over it only once it is whole (and flushed to disk), so a reader never sees half a
file and --force replaces the old one only with a complete new one. Until then:

- by default it is an unnamed file (Linux O_TMPFILE): it has no name at all, so a process
  killed at any moment, even by SIGKILL, leaves nothing in the folder;
- with `named=True` (for a writer that needs a real path: SQLite, or another program such as
  pg_dump reading it back) it is a hidden 0600 file, removed on every exit Python sees: an
  error, Ctrl+C, or SIGTERM/SIGHUP (turned into an exit while the file is being written).

`private_scratch` is the same hidden file for work that is never renamed into place.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

FILE_MODE = 0o600
_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400
# Files SQLite may leave beside a database it wrote.
_SIDE_FILES = ("-journal", "-wal", "-shm")
_CAUGHT = (signal.SIGTERM, signal.SIGHUP)


def _link_unnamed(fd: int, name: Path) -> None:
    """Give the unnamed file `fd` a name: linkat(2) following /proc/self/fd (os.link on Linux
    calls link(2), which does not follow it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    source = f"/proc/self/fd/{fd}".encode()
    if libc.linkat(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(name), _AT_SYMLINK_FOLLOW) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), str(name))


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _signals_exit() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP end the process through Python (so `finally` runs).

    Only where nobody else handles them (a job worker or a web server keeps its own) and only
    in the main thread, where Python lets handlers be set.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    replaced = {}
    for signum in _CAUGHT:
        if signal.getsignal(signum) == signal.SIG_DFL:
            replaced[signum] = signal.signal(signum, _exit_on_signal)
    try:
        yield
    finally:
        for signum, previous in replaced.items():
            signal.signal(signum, previous)


def _fsync(path: Path | str) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _hidden_name(target: Path) -> str:
    return f".{target.stem[:40]}-{secrets.token_hex(8)}"


@contextmanager
def private_scratch(
    folder: Path, prefix: str = ".scratch-", suffix: str = ".part"
) -> Iterator[Path]:
    """A new empty file (0600) in `folder`, removed afterwards (with any SQLite side files)
    unless it was moved away."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(handle)
    path = Path(name)
    os.chmod(path, FILE_MODE)
    try:
        with _signals_exit():
            yield path
    finally:
        for leftover in (path, *(Path(f"{path}{end}") for end in _SIDE_FILES)):
            with suppress(FileNotFoundError):
                leftover.unlink()


@contextmanager
def complete_or_nothing(target: Path, *, named: bool = False) -> Iterator[Path]:
    """Yield a path to write the file at; on success it becomes `target` (replacing it)."""
    folder = target.parent
    flag = 0 if named else getattr(os, "O_TMPFILE", 0)
    fd = -1
    if flag:
        try:
            fd = os.open(folder, flag | os.O_RDWR, FILE_MODE)
        except OSError:  # The file system does not offer unnamed files.
            fd = -1
    if fd < 0:
        with private_scratch(folder, _hidden_name(target) + "-", target.suffix) as partial:
            yield partial
            _fsync(partial)
            os.replace(partial, target)
        return
    try:
        with _signals_exit():
            yield Path(f"/proc/self/fd/{fd}")
        os.fsync(fd)
        hidden = folder / f"{_hidden_name(target)}{target.suffix}"
        _link_unnamed(fd, hidden)
        try:
            os.replace(hidden, target)
        finally:
            with suppress(FileNotFoundError):
                hidden.unlink()
    finally:
        os.close(fd)
