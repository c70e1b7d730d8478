"""Changes to an account are written to the log of every organisation it belongs to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.models import Membership


def organisations_of(session: Session, user_id: int) -> set[int]:
    return set(
        session.scalars(select(Membership.organisation_id).where(Membership.user_id == user_id))
    )


def record_account_change(
    session: Session, user_id: int, action: str, summary: str, also: tuple[int, ...] = ()
) -> None:
    """One entry per organisation of the account (and `also`), or one with none if it has none.

    Whoever acts, and from which organisation, each organisation sees what happened to its
    member: an administrator elsewhere cannot change one of its accounts unseen.
    """
    orgs: list[int | None] = [*sorted(organisations_of(session, user_id) | set(also))]
    for org_id in orgs or [None]:
        auditing.record(session, action, "user_account", user_id, summary, organisation_id=org_id)
