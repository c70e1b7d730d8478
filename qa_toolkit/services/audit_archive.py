"""Moving the oldest audit-log entries out to a file: the one path that removes entries.

It runs as the database's owner (the application's own role may not remove entries) and only
on an intact chain. The entries before the first one on or after the date are written, with
their hashes, to a gzip file of JSON lines, read back and checked, and only then removed, the
append-only triggers lifted for that one statement inside the same transaction. The archive is
recorded in `audit_log_archive` (where the kept chain restarts) and logged as an entry.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import DBAPIError

from problems import Problem
from qa_toolkit import audit_autosave, audit_chain, private_files
from qa_toolkit.db import make_engine, writing
from qa_toolkit.models.audit_log import (
    AuditEvent,
    AuditEventCase,
    AuditEventOrganisation,
    AuditLogArchive,
)
from qa_toolkit.models.types import utcnow

FORMAT = "qa-toolkit audit log archive"
_GUARDED = ("audit_event", "audit_event_case", "audit_event_org")
_FIELDS = ("id", "prev_hash", "row_hash", *audit_chain.HASHED)


class ArchiveProblem(Problem, RuntimeError):
    """The archive cannot go ahead; nothing was changed. The message says why."""


@dataclass(frozen=True)
class Archived:
    rows: int
    first_seq: int
    last_seq: int
    path: Path
    kept: int


@dataclass(frozen=True)
class ArchiveFile:
    header: dict[str, Any]
    verdict: audit_chain.Verdict


def _line(row: Mapping[Any, Any]) -> bytes:
    values = {name: row[name] for name in _FIELDS}
    at = row["at"]
    values["at"] = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return json.dumps(values, sort_keys=True, ensure_ascii=True).encode() + b"\n"


def _header(line: bytes, path: Path) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError as exc:
        raise ArchiveProblem(f"{path} is not an audit-log archive: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArchiveProblem(f"{path} is not an audit-log archive (no '{FORMAT}' header).")
    return header


def _rows(lines: Iterator[bytes]) -> Iterator[dict[str, Any]]:
    for raw in lines:
        row: dict[str, Any] = json.loads(raw)
        row["at"] = datetime.fromisoformat(row["at"])
        yield row


def read_archive(path: Path) -> ArchiveFile:
    """Check an archive file's chain from where it says it starts; count its entries."""
    try:
        with gzip.open(path, "rb") as handle:
            header = _header(handle.readline(), path)
            verdict = audit_chain.verify_rows(
                _rows(iter(handle)), int(header["first_seq"]) - 1, str(header["start_hash"])
            )
    except (OSError, EOFError, ValueError, KeyError) as exc:
        raise ArchiveProblem(f"{path} could not be read as an audit-log archive: {exc}") from exc
    if verdict.ok and verdict.checked != int(header["rows"]):
        verdict = audit_chain.Verdict(
            verdict.checked,
            f"The file holds {verdict.checked} entries but says it holds {header['rows']}.",
        )
    return ArchiveFile(header, verdict)


def _check_owner(connection: Connection) -> None:
    """Refuse, before anything is written, to archive as a role that does not own the log."""
    if connection.dialect.name != "postgresql":
        return
    owner, me = connection.exec_driver_sql(
        "SELECT tableowner, current_user FROM pg_tables "
        "WHERE tablename = 'audit_event' AND schemaname = current_schema()"
    ).one()
    if owner != me:
        raise ArchiveProblem(
            f"The archive must run as the owner of the audit log ({owner}), not as {me}: give "
            "--owner-url or set QA_TOOLKIT_MIGRATION_DATABASE_URL."
        )


def _lift_guards(connection: Connection) -> None:
    """Let this transaction remove entries (the owner's privilege on PostgreSQL)."""
    for table in _GUARDED:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_change")
        else:
            for verb in ("update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {table}_no_{verb}")


def _restore_guards(connection: Connection) -> None:
    for table in _GUARDED:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_change")
        else:
            for verb in ("UPDATE", "DELETE"):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {verb} refused'); END"
                )


def _write_file(connection: Connection, target: Path, header: dict[str, Any], last: int) -> str:
    """Write the entries up to place `last` beside the target, then move it into place."""
    digest = hashlib.sha256()
    with private_files.complete_or_nothing(target) as temporary:
        with gzip.open(temporary, "wb") as out:
            out.write(json.dumps(header, sort_keys=True).encode() + b"\n")
            after = int(header["first_seq"]) - 1
            while after < last:
                batch = connection.execute(
                    select(*(getattr(AuditEvent, name) for name in _FIELDS))
                    .where(AuditEvent.seq > after, AuditEvent.seq <= last)
                    .order_by(AuditEvent.seq)
                    .limit(5_000)
                ).all()
                for row in batch:
                    out.write(_line(row._mapping))
                after = int(batch[-1].seq)
        with open(temporary, "rb") as done:
            for block in iter(lambda: done.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def archive(owner_url: str, before: date, target: Path, *, actor_ip: str | None = None) -> Archived:
    """Archive every entry before the first one on or after `before` to `target`; remove them."""
    if target.exists():
        raise ArchiveProblem(f"{target} is already there: choose a new file name.")
    if not target.parent.is_dir():
        raise ArchiveProblem(f"There is no folder {target.parent} to write to.")
    cutoff = datetime.combine(before, time(0), tzinfo=UTC)
    engine = make_engine(owner_url)
    try:
        with writing(), engine.begin() as connection:
            _check_owner(connection)
            audit_chain.append(connection, audit_autosave.close_all(connection))
            # The chain's lock: no entry is written while the oldest are moved out.
            audit_chain.lock(connection)
            verdict = audit_chain.verify(connection)
            if not verdict.ok:
                raise ArchiveProblem(
                    f"The audit log's chain is broken, so nothing was archived: {verdict.problem}"
                )
            start_seq, start_hash = audit_chain.start_of_chain(connection)
            kept_from = connection.execute(
                select(func.min(AuditEvent.seq)).where(AuditEvent.at >= cutoff)
            ).scalar()
            newest = connection.execute(select(func.max(AuditEvent.seq))).scalar() or start_seq
            last = int(kept_from) - 1 if kept_from is not None else int(newest)
            if last <= start_seq:
                raise ArchiveProblem(f"No entries before {before:%d %B %Y}: nothing to archive.")
            count = last - start_seq
            header = {
                "format": FORMAT, "version": 1, "before": before.isoformat(),
                "first_seq": start_seq + 1, "last_seq": last, "rows": count,
                "start_hash": start_hash,
                "archived_at": utcnow().isoformat(),
            }  # fmt: skip
            file_hash = _write_file(connection, target, header, last)
            written = read_archive(target)
            if not written.verdict.ok or written.verdict.checked != count:
                target.unlink()
                raise ArchiveProblem(f"The archive did not read back: {written.verdict.problem}")
            last_hash = connection.execute(
                select(AuditEvent.row_hash).where(AuditEvent.seq == last)
            ).scalar_one()
            ids = select(AuditEvent.id).where(AuditEvent.seq <= last).scalar_subquery()
            _lift_guards(connection)
            connection.execute(delete(AuditEventCase).where(AuditEventCase.event_id.in_(ids)))
            connection.execute(
                delete(AuditEventOrganisation).where(AuditEventOrganisation.event_id.in_(ids))
            )
            connection.execute(delete(AuditEvent).where(AuditEvent.seq <= last))
            _restore_guards(connection)
            connection.execute(
                insert(AuditLogArchive).values(
                    archived_at=utcnow(), before=before, first_seq=start_seq + 1,
                    last_seq=last, rows=count, last_hash=last_hash,
                    file_name=str(target)[:500], file_sha256=file_hash,
                )
            )  # fmt: skip
            audit_chain.append(
                connection,
                [
                    {
                        "at": utcnow(), "user_id": None, "organisation_id": None,
                        "action": "archive", "entity_type": "audit_log", "entity_id": None,
                        "summary": f"{count} entries before {before.isoformat()} (places "
                        f"{start_seq + 1} to {last}) moved to {target.name}",
                        "changes": {"sha256": [None, file_hash]}, "ip_address": actor_ip,
                    }
                ],
            )  # fmt: skip
            kept = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    except DBAPIError as exc:
        if target.exists() and not _recorded(engine, target):
            target.unlink()
        raise ArchiveProblem(
            "The database refused the archive (it must run as the database's owner role: "
            f"--owner-url or QA_TOOLKIT_MIGRATION_DATABASE_URL): {exc.orig}"
        ) from exc
    except BaseException:
        if target.exists() and not _recorded(engine, target):
            target.unlink()
        raise
    finally:
        engine.dispose()
    return Archived(count, start_seq + 1, last, target, int(kept))


def _recorded(engine: Any, target: Path) -> bool:
    """Whether an archive of this file was committed (then the file must stay)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(AuditLogArchive.id).where(AuditLogArchive.file_name == str(target)[:500])
            ).first()
        return found is not None
    except Exception:  # noqa: BLE001 (the database is unreachable: keep the file, to be safe)
        return True
