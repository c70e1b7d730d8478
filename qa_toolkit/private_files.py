"""Files that appear whole or not at all, and are never left behind readable.

A workbook is written into an unnamed file (Linux O_TMPFILE) in the target's folder: it has no
name until it is complete, so a process killed at any moment (even SIGKILL) leaves nothing in
the folder; it is created readable by its owner only. Where O_TMPFILE is missing, a hidden 0600
file in the folder is used and removed on every exit Python sees.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


def _link_unnamed(fd: int, name: Path) -> None:
    """Give the unnamed file `fd` a name: linkat(2) following /proc/self/fd (os.link on Linux
    calls link(2), which does not follow it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    source = f"/proc/self/fd/{fd}".encode()
    if libc.linkat(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(name), _AT_SYMLINK_FOLLOW) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), str(name))


@contextmanager
def complete_or_nothing(target: Path) -> Iterator[str]:
    """Yield a path to write the file at; on success it becomes `target` (replacing it)."""
    folder = target.parent
    flag = getattr(os, "O_TMPFILE", 0)
    fd = -1
    if flag:
        try:
            fd = os.open(folder, flag | os.O_RDWR, 0o600)
        except OSError:  # The file system does not offer unnamed files.
            fd = -1
    if fd >= 0:
        try:
            yield f"/proc/self/fd/{fd}"
            hidden = folder / f".export-{secrets.token_hex(8)}.xlsx"
            _link_unnamed(fd, hidden)
            os.replace(hidden, target)
        finally:
            os.close(fd)
        return
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".xlsx", dir=folder)
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
