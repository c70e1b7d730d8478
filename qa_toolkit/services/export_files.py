"""Files made by export jobs: kept private until they expire, then removed.

A job writes its file whole or not at all (qa_toolkit.private_files) into the exports folder
(QA_TOOLKIT_EXPORTS_FOLDER; default `exports` in the instance folder), made readable by its
owner only. A file's name is its job's id and a random token, kept in the job's row: nothing
from a request ever names a file. A file is kept EXPORT_KEEP_HOURS after it was made; the
download refuses it after that, and a periodic task removes it. Several servers share the
folder (one mounted volume) as they share the database.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask

from qa_toolkit.private_files import complete_or_nothing

SUFFIXES = (".xlsx", ".docx", ".csv")
_NAME = re.compile(r"\A[0-9]+-[0-9a-f]{32}\.(xlsx|docx|csv)\Z")


def folder(app: Flask) -> Path:
    """The exports folder, made (readable by its owner only) if it is missing."""
    configured = app.config.get("EXPORTS_FOLDER")
    path = Path(configured) if configured else Path(app.instance_path) / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def keep_for(app: Flask) -> timedelta:
    return timedelta(hours=int(app.config.get("EXPORT_KEEP_HOURS") or 24))


def store(app: Flask, job_id: int, body: bytes, suffix: str) -> str:
    """Write `body` as the job's file; its name (to keep in the job's row)."""
    if suffix not in SUFFIXES:
        raise ValueError(f"Exports are {', '.join(SUFFIXES)}, not {suffix!r}")
    name = f"{int(job_id)}-{secrets.token_hex(16)}{suffix}"
    with complete_or_nothing(folder(app) / name) as path:
        Path(path).write_bytes(body)
    return name


def path_of(app: Flask, name: object) -> Path | None:
    """The stored file of that name, or None (no such file, or not a name we give)."""
    if not isinstance(name, str) or not _NAME.match(name):
        return None
    path = folder(app) / name
    return path if path.is_file() else None


def remove(app: Flask, name: object) -> None:
    path = path_of(app, name)
    if path is not None:
        path.unlink(missing_ok=True)


def remove_expired(app: Flask, now: datetime) -> int:
    """Remove every export older than the keeping time; how many were removed."""
    cutoff = (now - keep_for(app)).timestamp()
    removed = 0
    for path in folder(app).iterdir():
        if _NAME.match(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
