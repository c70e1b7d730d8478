"""One log entry per audit per person per 10 minutes of draft saving, holding only what changed.

An auditor's form saves itself every few seconds. Each save that changes only the draft (the
answers, evidence, highlights and feedback) is merged into the audit's open window in
`audit_autosave` (each field's value before the first save and after the latest); the window is
written to the log as one entry when it closes: at the first save more than 10 minutes after it
opened, at any other change of the audit (submitting it, for one), or when any entry is written
after it has run its 10 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from qa_toolkit.models import Audit
from qa_toolkit.models.audit_log import AuditAutosave

WINDOW = timedelta(minutes=10)
# The columns a draft save changes; a change of anything else is logged at once.
DRAFT_COLUMNS = frozenset(
    {
        "answers",
        "evidence",
        "highlights",
        "feedback_went_well",
        "feedback_even_better",
        "lock_version",
        "updated_at",
    }
)
_DRAFT_STATUSES = frozenset({"assigned", "in_progress", "returned"})


def is_draft_save(obj: object, changes: dict[str, list[Any]], user_id: int | None) -> bool:
    """Whether an update is the audit's own auditor saving a draft (nothing else changed)."""
    if not isinstance(obj, Audit) or user_id is None or obj.auditor_id != user_id:
        return False
    if obj.status not in _DRAFT_STATUSES:
        return False
    return all(key.split(".", 1)[0] in DRAFT_COLUMNS for key in changes)


def merge(gathered: dict[str, list[Any]], more: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Each field's first value before and latest value after; a field back where it was drops."""
    merged = {key: list(pair) for key, pair in gathered.items()}
    for key, (before, after) in more.items():
        merged[key] = [merged[key][0] if key in merged else before, after]
    return {key: pair for key, pair in merged.items() if pair[0] != pair[1]}


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


_KEEP_OUT = frozenset({"lock_version", "updated_at"})


def _entry(window: Any) -> dict[str, Any]:
    started, last = _utc(window.started_at), _utc(window.last_at)
    saves = int(window.saves)
    summary = (
        f"draft saved {saves} times from {started:%H:%M} to {last:%H:%M} UTC"
        if saves > 1
        else "draft saved"
    )
    return {
        "at": last,
        "user_id": window.user_id,
        "organisation_id": window.organisation_id,
        "action": "update",
        "entity_type": "audit",
        "entity_id": str(window.audit_id),
        "summary": summary,
        "changes": {k: v for k, v in dict(window.changes).items() if k not in _KEEP_OUT},
        "ip_address": window.ip_address,
        "case_ref_list": [],
    }


def _close(connection: Connection, *conditions: Any) -> list[dict[str, Any]]:
    windows = connection.execute(
        select(AuditAutosave).where(*conditions).order_by(AuditAutosave.id)
    ).all()
    if windows:
        connection.execute(
            delete(AuditAutosave).where(AuditAutosave.id.in_([w.id for w in windows]))
        )
    return [_entry(w) for w in windows]


def _save(connection: Connection, row: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Merge one draft save into its window; the entry of a window it closes, if any."""
    audit_id, user_id = int(row["entity_id"]), row["user_id"]
    mine = (AuditAutosave.audit_id == audit_id, AuditAutosave.user_id == user_id)
    window = connection.execute(select(AuditAutosave).where(*mine)).first()
    closed: list[dict[str, Any]] = []
    if window is not None and now - _utc(window.started_at) > WINDOW:
        closed = _close(connection, AuditAutosave.id == window.id)
        window = None
    if window is None:
        connection.execute(
            insert(AuditAutosave).values(
                audit_id=audit_id, user_id=user_id, organisation_id=row["organisation_id"],
                started_at=now, last_at=now, saves=1, changes=merge({}, row["changes"]),
                ip_address=row["ip_address"],
            )
        )  # fmt: skip
    else:
        connection.execute(
            update(AuditAutosave)
            .where(AuditAutosave.id == window.id)
            .values(
                last_at=now,
                saves=window.saves + 1,
                changes=merge(dict(window.changes), row["changes"]),
                ip_address=row["ip_address"],
            )
        )
    return closed


def gather(
    connection: Connection, rows: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """The entries to write now: windows that ran their time, then the transaction's own."""
    entries = _close(connection, AuditAutosave.started_at < now - WINDOW)
    for row in rows:
        if row.pop("autosave", False):
            entries.extend(_save(connection, row, now))
            continue
        if row["entity_type"] == "audit" and row.get("entity_id"):
            entries.extend(_close(connection, AuditAutosave.audit_id == int(row["entity_id"])))
        entries.append(row)
    return entries


def close_all(connection: Connection) -> list[dict[str, Any]]:
    """Close every window now (before an archive or a check of the whole log)."""
    return _close(connection)
