"""An action's history: every change from the audit log, in words a social worker reads.

Its own module because it reads the audit log, not the action table, and turns stored values
into labels, dates and names (never ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import Action, AuditEvent, Priority, Staff, User
from qa_toolkit.services.actions.queries import teams_by_id
from reports.actions import ActionStatus


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


_FIELD_LABELS = {
    "status": "Status",
    "completion_evidence": "Completion evidence",
    "completed_on": "Date completed",
    "due_date": "Due date",
    "priority": "Priority",
    "owner_staff_id": "Owner",
    "team_id": "Team",
    "title": "Title",
    "good_looks_like": "What good looks like",
}


def _shown(field: str, value: object, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "":
        return "(none)"
    if field == "status":
        return ActionStatus(str(value)).label
    if field == "priority":
        return Priority(str(value)).label
    if field in ("due_date", "completed_on"):
        try:
            return f"{date.fromisoformat(str(value)):%-d %B %Y}"
        except ValueError:
            return str(value)
    if field in names and isinstance(value, int):
        return names[field].get(value, str(value))
    return str(value)


def history(session: Session, action: Action) -> list[tuple[AuditEvent, str, list[Change]]]:
    """Every change of this action from the audit log, oldest first, with who made it and
    each changed field in words (labels, dates as written, names not ids)."""
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.entity_type == "action", AuditEvent.entity_id == str(action.id))
        .order_by(AuditEvent.id)
    ).all()
    names = {
        "owner_staff_id": dict(
            session.execute(
                select(Staff.id, Staff.name).where(Staff.organisation_id == action.organisation_id)
            ).all()
        ),
        "team_id": teams_by_id(session, action.organisation_id),
    }
    found = []
    for event, who in rows:
        changes = [
            Change(
                _FIELD_LABELS[field], _shown(field, pair[0], names), _shown(field, pair[1], names)
            )
            for field, pair in (event.changes or {}).items()
            if field in _FIELD_LABELS and event.action == "update"
        ]
        found.append((event, who or "The system", changes))
    return found
