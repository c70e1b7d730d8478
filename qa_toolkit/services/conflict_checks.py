"""Whether conflicts of interest can be checked for each auditor, said honestly.

A conflict is found by matching the auditor's own staff record to the case list's IROs and
social workers. With no staff record linked to their account, or a record the case list
never names (an import that spelled them differently and made a second record), nothing can
be found for them: "no conflicts" would be a guess, so the assignment page says so and asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit.models import CaseRecord, Programme
from qa_toolkit.services.programmes import Candidate

NOT_LINKED = "no staff record is linked to their account"
NOT_ON_LIST = "their staff record is not on this case list as an IRO or social worker"


@dataclass(frozen=True)
class ConflictCheck:
    user_id: int
    name: str
    cases_on_list: int  # cases on the list where they are the IRO or the social worker
    reason: str | None  # why conflicts cannot be checked; None when they can

    @property
    def checked(self) -> bool:
        return self.reason is None


def conflict_checks(
    session: Session, programme: Programme, people: Sequence[Candidate]
) -> list[ConflictCheck]:
    """One check per candidate auditor, in their order."""
    counts: dict[int, int] = {}
    for column in (CaseRecord.iro_id, CaseRecord.social_worker_id):
        for staff_id, n in session.execute(
            select(column, func.count())
            .where(CaseRecord.frame_id == programme.frame_id, column.is_not(None))
            .group_by(column)
        ):
            if staff_id is not None:
                counts[staff_id] = counts.get(staff_id, 0) + int(n)
    checks = []
    for person in people:
        staff_id = person.staff_id
        on_list = counts.get(staff_id, 0) if staff_id is not None else 0
        reason = NOT_LINKED if staff_id is None else (None if on_list else NOT_ON_LIST)
        checks.append(ConflictCheck(person.user_id, person.name, on_list, reason))
    return checks
