"""Reading the audit log (writing it is `qa_toolkit.auditing`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import AuditEvent, User


def recent(
    session: Session, organisation_id: int, *, entity: str = "", limit: int = 100
) -> list[tuple[AuditEvent, str | None]]:
    """The newest entries of one organisation, with the name of who acted."""
    query = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.organisation_id == organisation_id)
    )
    if entity:
        query = query.where(AuditEvent.entity_type == entity)
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit))
    return [(event, name) for event, name in rows]
