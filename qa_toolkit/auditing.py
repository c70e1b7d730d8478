"""Write the audit log: automatically for audited models, explicitly for logins and views.

Every create, update and delete of a model marked `__audited__` is logged with what changed
(for a JSON object column, only the keys that changed) inside the same transaction, so a change
and its log entry commit or roll back together. Entries are gathered as the transaction goes
and written into the hash chain (qa_toolkit/audit_chain.py) just before it commits, so the
chain's lock is held only for the commit. An auditor's draft saves of one audit are gathered for
up to 10 minutes into one entry (qa_toolkit/audit_autosave.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_app_context, has_request_context
from flask import session as cookie_session
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from qa_toolkit import audit_autosave, audit_cases, audit_chain
from qa_toolkit.models import AuditEvent
from qa_toolkit.models.types import utcnow

_PENDING = "qa_audit_pending"
# The sign-in under way (qa_toolkit/security/signin.py): its password has been proven.
_SIGN_IN_UNDER_WAY = "_qa_pending"


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
    """The person acting: the signed-in user, or the one part-way through signing in."""
    actor = session.info.get("actor")
    if isinstance(actor, Actor):
        return actor
    if has_app_context():
        found = g.get("qa_actor")
        if isinstance(found, Actor):
            if found.user_id is None and has_request_context():
                under_way = cookie_session.get(_SIGN_IN_UNDER_WAY)
                if isinstance(under_way, dict) and isinstance(under_way.get("u"), int):
                    return Actor(under_way["u"], found.organisation_id, found.ip_address)
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


def _pending(session: Session) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    return found


def record(
    session: Session,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    actor: Actor | None = None,
    case_refs: Iterable[str] = (),
) -> None:
    """Add an explicit entry (a login, a failed login, a view of case-level data).

    `case_refs` names the children's case references the entry is about (a list page's
    references); for an audit, action or escalation they are found from the record itself.
    """
    who = actor or current_actor(session)
    _pending(session).append(
        {
            "at": utcnow(),
            "user_id": who.user_id,
            "organisation_id": organisation_id
            if organisation_id is not None
            else who.organisation_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": None if entity_id is None else str(entity_id),
            "summary": summary[:500],
            "changes": changes or {},
            "ip_address": who.ip_address,
            "case_ref_list": list(case_refs),
        }
    )


def _is_audited(obj: object) -> bool:
    return bool(getattr(type(obj), "__audited__", False))


def _changed(key: str, before: Any, after: Any) -> dict[str, list[Any]]:
    """A column's change; for two JSON objects, only the keys that changed ("answers.q3")."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            f"{key}.{name}": [_jsonable(before.get(name)), _jsonable(after.get(name))]
            for name in sorted(set(before) | set(after), key=str)
            if before.get(name) != after.get(name)
        }
    return {key: [_jsonable(before), _jsonable(after)]}


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
        if kind == "update":
            changes.update(_changed(key, before, after))
        else:
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
            row = {
                "at": utcnow(),
                "user_id": actor.user_id,
                "organisation_id": org if org is not None else actor.organisation_id,
                "action": kind,
                "entity_type": type(obj).__tablename__,
                "entity_id": None if identity[0] is None else str(identity[0]),
                "summary": "",
                "changes": changes,
                "ip_address": actor.ip_address,
                "case_ref_list": audit_cases.refs_on(obj),
            }
            if kind == "update" and audit_autosave.is_draft_save(obj, changes, actor.user_id):
                row["autosave"] = True
            rows.append(row)
    return rows


def install(session_class: type[Session] = Session) -> None:
    """Hook the log into every session. Idempotent."""
    if event.contains(session_class, "after_flush", _after_flush):
        return
    event.listen(session_class, "before_flush", _refuse_log_changes)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "before_commit", _write_entries)
    event.listen(session_class, "after_transaction_create", _mark_savepoint)
    event.listen(session_class, "after_soft_rollback", _forget_savepoint_entries)
    event.listen(session_class, "after_transaction_end", _forget_entries)


def _refuse_log_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError(
                "The audit log is append-only: entries are written by qa_toolkit.auditing "
                "and cannot be changed."
            )


def _after_flush(session: Session, _ctx: Any) -> None:
    rows = _entity_rows(session)
    if rows:
        _pending(session).extend(rows)


def _write_entries(session: Session) -> None:
    """Write the transaction's entries into the chain, just before it commits."""
    if session.in_nested_transaction():
        return  # A savepoint released: its entries are written with the transaction's own.
    if session.dirty or session.new or session.deleted:
        session.flush()
    rows = session.info.pop(_PENDING, [])
    if not rows:
        return
    connection = session.connection()
    entries = audit_autosave.gather(connection, rows, utcnow())
    audit_cases.fill(connection, entries)
    audit_chain.append(connection, entries)


_SAVEPOINTS = "qa_audit_savepoints"


def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks: dict[int, int] = session.info.setdefault(_SAVEPOINTS, {})
        marks[id(transaction)] = len(_pending(session))


def _forget_savepoint_entries(session: Session, previous: SessionTransaction) -> None:
    """A savepoint rolled back: the entries of what it undid go with it."""
    if previous.nested:
        mark = session.info.get(_SAVEPOINTS, {}).pop(id(previous), None)
        if mark is not None:
            del _pending(session)[mark:]


def _forget_entries(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_SAVEPOINTS, None)
