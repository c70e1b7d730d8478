"""Write the audit log: automatically for audited models, explicitly for logins and views.

Every create, update and delete of a model marked `__audited__` is logged with its
before and after values inside the same transaction, so a change and its log entry
commit or roll back together.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_app_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from qa_toolkit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user (or None for the system) in an organisation, from an address."""

    user_id: int | None
    organisation_id: int | None = None
    ip_address: str | None = None


SYSTEM = Actor(user_id=None)


def set_actor(session: Session, actor: Actor) -> None:
    """Attribute every change made through this session to `actor` (used by the CLI)."""
    session.info["actor"] = actor


def current_actor(session: Session) -> Actor:
    actor = session.info.get("actor")
    if isinstance(actor, Actor):
        return actor
    if has_app_context():
        found = g.get("qa_actor")
        if isinstance(found, Actor):
            return found
    return SYSTEM


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def record(
    session: Session,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """Add an explicit entry (a login, a failed login, a view of case-level data)."""
    who = actor or current_actor(session)
    session.add(
        AuditEvent(
            user_id=who.user_id,
            organisation_id=organisation_id if organisation_id is not None else who.organisation_id,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            summary=summary[:500],
            changes=changes or {},
            ip_address=who.ip_address,
        )
    )


def _is_audited(obj: object) -> bool:
    return bool(getattr(type(obj), "__audited__", False))


def _column_changes(obj: object, kind: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    excluded: frozenset[str] = getattr(type(obj), "__audit_exclude__", frozenset())
    ignored: frozenset[str] = getattr(type(obj), "__audit_ignore__", frozenset())
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ignored:
            continue
        hist = state.attrs[key].history
        if kind == "create":
            before, after = None, getattr(obj, key)
        elif kind == "delete":
            before = hist.deleted[0] if hist.deleted else getattr(obj, key)
            after = None
        else:
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
        if key in excluded:
            changes[key] = ["(hidden)", "(changed)"] if kind == "update" else ["(hidden)"] * 2
            continue
        if before is None and after is None:
            continue
        changes[key] = [_jsonable(before), _jsonable(after)]
    return changes


def _entity_rows(session: Session) -> list[dict[str, Any]]:
    actor = current_actor(session)
    rows: list[dict[str, Any]] = []
    for kind, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not _is_audited(obj):
                continue
            if kind == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, kind)
            if kind == "update" and not changes:
                continue
            # After the INSERT, before the identity map is updated: read the key off the row.
            identity = inspect(obj).mapper.primary_key_from_instance(obj)
            org = getattr(obj, "organisation_id", None)
            if type(obj).__tablename__ == "organisation":
                org = getattr(obj, "id", None)
            rows.append(
                {
                    "at": datetime.now().astimezone(),
                    "user_id": actor.user_id,
                    "organisation_id": org if org is not None else actor.organisation_id,
                    "action": kind,
                    "entity_type": type(obj).__tablename__,
                    "entity_id": None if identity[0] is None else str(identity[0]),
                    "summary": "",
                    "changes": changes,
                    "ip_address": actor.ip_address,
                }
            )
    return rows


def install(session_class: type[Session] = Session) -> None:
    """Hook the log into every session. Idempotent."""
    if event.contains(session_class, "after_flush", _after_flush):
        return
    event.listen(session_class, "before_flush", _refuse_log_changes)
    event.listen(session_class, "after_flush", _after_flush)


def _refuse_log_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("The audit log is append-only: entries cannot be changed.")


def _after_flush(session: Session, _ctx: Any) -> None:
    rows = _entity_rows(session)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)
