"""Reading the audit log (writing it is `qa_toolkit.auditing`)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from qa_toolkit.models import AuditEvent, Membership, User


def recent(
    session: Session, organisation_id: int, *, entity: str = "", limit: int = 100
) -> list[tuple[AuditEvent, str | None]]:
    """The newest entries of one organisation, with the name of who acted.

    Sign-ins, failed sign-ins and lock-outs belong to no organisation (they happen before one is
    chosen): those about an account that is a member of this organisation are included too.
    """
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    about_a_member = and_(
        AuditEvent.organisation_id.is_(None),
        or_(
            AuditEvent.user_id.in_(members),
            and_(
                AuditEvent.entity_type == "user_account",
                AuditEvent.entity_id.in_(
                    select(Membership.user_id.cast(AuditEvent.entity_id.type)).where(
                        Membership.organisation_id == organisation_id
                    )
                ),
            ),
        ),
    )
    query = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(or_(AuditEvent.organisation_id == organisation_id, about_a_member))
    )
    if entity:
        query = query.where(AuditEvent.entity_type == entity)
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit))
    return [(event, name) for event, name in rows]
