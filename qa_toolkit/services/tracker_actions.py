"""A manager's actions on several audits at once: chase them, or give them to another auditor.

Both are all-or-nothing: if any chosen audit cannot be chased or reassigned, nothing is done
and the message names the cases (so a bad post changes nothing). Each audit acted on gets
its own audit-log entry; reminders and new assignments go through the notifications outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit import auditing
from qa_toolkit.models import Audit, Programme, SampleCase
from qa_toolkit.notifications import events
from qa_toolkit.services.programmes import candidates
from qa_toolkit.services.tracker import STATUS_LABELS, WITH_AUDITOR
from sampling.assignment import Auditor, CaseToAssign, conflict

MAX_REASON = 2000
MAX_AUDITS = 500  # One post; more than a page of "All audits" holds several times over.


class TrackerProblem(Problem):
    """A chase or reassignment that cannot be done; the message says why."""


@dataclass(frozen=True)
class Done:
    audits: int
    people: int  # Auditors reminded, or 1 (the new auditor).
    unchanged: int = 0  # Already with the chosen auditor.


def _name(audit: Audit) -> str:
    return audit.case_record.case_ref if audit.case_record else f"audit {audit.id}"


def _names(audits: Iterable[Audit]) -> str:
    shown = [_name(a) for a in audits]
    return ", ".join(shown[:10]) + (f" and {len(shown) - 10} more" if len(shown) > 10 else "")


def _chosen(session: Session, organisation_id: int, audit_ids: Iterable[int]) -> list[Audit]:
    wanted = sorted(set(audit_ids))
    if not wanted:
        raise TrackerProblem("Tick at least one audit first.")
    if len(wanted) > MAX_AUDITS:
        raise TrackerProblem(f"Choose at most {MAX_AUDITS} audits at a time.")
    found = list(
        session.scalars(
            select(Audit)
            .where(Audit.organisation_id == organisation_id, Audit.id.in_(wanted))
            .order_by(Audit.id)
        )
    )
    if len(found) != len(wanted):
        raise TrackerProblem(
            f"{len(wanted) - len(found)} of the chosen audits are not in this organisation's "
            "list (perhaps the page is out of date): reload it and choose again."
        )
    return found


def _still_with_auditor(audits: list[Audit], what: str) -> None:
    done = [a for a in audits if a.status not in WITH_AUDITOR]
    if done:
        statuses = sorted({STATUS_LABELS[a.status].lower() for a in done})
        raise TrackerProblem(
            f"Only audits still with their auditor can be {what}: {_names(done)} "
            f"{'is' if len(done) == 1 else 'are'} {' or '.join(statuses)}. Nothing was {what}."
        )


def chase(session: Session, organisation_id: int, audit_ids: Iterable[int]) -> Done:
    """Remind each chosen audit's auditor through the outbox; log each reminder."""
    audits = _chosen(session, organisation_id, audit_ids)
    _still_with_auditor(audits, "chased")
    nobody = [a for a in audits if a.auditor_id is None]
    if nobody:
        raise TrackerProblem(f"{_names(nobody)} has no auditor to remind. Nothing was sent.")
    for audit in audits:
        sent = events.audit_reminder(session, audit)
        auditing.record(
            session, "chase", "audit", audit.id,
            summary=f"Reminder to the auditor ({len(sent)} notification)",
            organisation_id=organisation_id,
        )  # fmt: skip
    session.flush()
    return Done(len(audits), len({a.auditor_id for a in audits}))


def reassign(
    session: Session, organisation_id: int, audit_ids: Iterable[int], auditor_id: int, reason: str
) -> Done:
    """Give the chosen audits to one auditor, with the reason kept in the log.

    Refused (all of them) if the person is not an auditor or manager of this organisation, if
    any audit is already submitted, is an observation, is moderated by that person (nobody
    moderates their own audit), or the person is the child's IRO or social worker (or in the
    case's team, where the programme excludes auditors' own teams)."""
    reason = reason.strip()
    if not reason:
        raise TrackerProblem("Say why the audits are changing hands: the reason is kept.")
    if len(reason) > MAX_REASON:
        raise TrackerProblem(f"Keep the reason under {MAX_REASON:,} characters.")
    people = {c.user_id: c for c in candidates(session, organisation_id)}
    person = people.get(auditor_id)
    if person is None:
        raise TrackerProblem("Choose an auditor or manager of this organisation.")
    audits = _chosen(session, organisation_id, audit_ids)
    observations = [a for a in audits if a.observed_user_id is not None]
    if observations:
        raise TrackerProblem(
            "An observation stays with the colleague who observed the meeting: untick it."
        )
    _still_with_auditor(audits, "reassigned")
    moderating = [a for a in audits if a.moderator_id == auditor_id]
    if moderating:
        raise TrackerProblem(
            f"{person.name} moderates {_names(moderating)}: nobody moderates their own audit. "
            "Nothing was reassigned."
        )
    programmes = {
        p.id: p
        for p in session.scalars(
            select(Programme).where(Programme.id.in_({a.programme_id for a in audits}))
        )
    }
    clashes = []
    for audit in audits:
        case = audit.case_record
        if case is None:
            continue
        programme = programmes.get(audit.programme_id or 0)
        why = conflict(
            CaseToAssign(case.case_ref, case.team_name, case.iro_id, case.social_worker_id),
            Auditor(person.user_id, person.staff_id, person.team, 1),
            exclude_own_team=bool(programme and programme.exclude_own_team),
        )
        if why:
            clashes.append(f"{case.case_ref} ({why.replace('the auditor', person.name, 1)})")
    if clashes:
        raise TrackerProblem(
            f"Conflicts of interest: {'; '.join(clashes[:10])}. Nothing was reassigned."
        )
    moving = [a for a in audits if a.auditor_id != auditor_id]
    samples = {
        s.audit_id: s
        for s in session.scalars(
            select(SampleCase).where(SampleCase.audit_id.in_([a.id for a in moving]))
        )
    }
    names = {c.user_id: c.name for c in people.values()}
    for audit in moving:
        before = names.get(audit.auditor_id or 0, "someone no longer an auditor here")
        audit.auditor_id = auditor_id
        sample = samples.get(audit.id)
        if sample is not None:
            sample.auditor_id = auditor_id
            sample.assignment_note = f"Reassigned by a manager: {reason}"[:MAX_REASON]
        auditing.record(
            session, "reassign", "audit", audit.id,
            summary=f"Auditor changed from {before} to {person.name}: {reason}",
            organisation_id=organisation_id,
        )  # fmt: skip
    session.flush()
    events.audits_reassigned(session, organisation_id, auditor_id, moving)
    return Done(len(moving), 1, len(audits) - len(moving))
