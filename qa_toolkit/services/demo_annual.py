"""A year of the demo service's history, so the IRO annual report has something true to show.

* Each child's reviews in the current period of care (`CaseReview`), as an SSDA903 import
  keeps them: on the statutory rhythm from the date the child came into care, most a few days
  early, some late, the last one the case list's own last review date, each with a PN code
  for the child's age.
* The case lists of the four quarters before (earlier exports): the children in care then,
  with the IRO they had then (a few have changed IRO since).
* Escalations over the year, with who raised them, who they went to, and how they ended.

Everything is drawn from one seeded generator, after the rest of the demo, so the demo's
other figures do not move.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from conventions import display
from conventions.working_days import add_working_days
from qa_toolkit.models import CaseRecord, CaseReview, Frame, Organisation, User
from qa_toolkit.services import case_census
from qa_toolkit.services import escalations as escalation_service
from reports.actions import DEFAULT_STAGES
from sampling.timetable import add_months, review_schedule

SEED = 20_250_401
CODES = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7", None)
CODE_SHARES = (0.45, 0.08, 0.07, 0.05, 0.12, 0.13, 0.07, 0.03)


def seed_history(session: Session, org: Organisation, frame: Frame, today: date) -> None:
    """Reviews for every child of `frame`, four earlier case lists, a year of escalations."""
    rng = np.random.default_rng(SEED)
    cases = list(
        session.scalars(
            select(CaseRecord).where(CaseRecord.frame_id == frame.id).order_by(CaseRecord.id)
        )
    )
    _seed_reviews(session, org, frame, cases, rng)
    _seed_earlier_lists(session, org, frame, cases, rng)
    iros = list(
        session.scalars(
            select(User).where(User.email.like("auditor%@demo.example")).order_by(User.email)
        )
    )
    if iros:
        _seed_escalations(session, org, cases, iros, today, rng)
    session.flush()


def _held(rng: np.random.Generator, started: date, last: date) -> list[date]:
    """Review dates ending at `last` (the list's own), built backwards on the statutory rhythm:
    most within 6 months of the one before, about 1 in 12 late; the first two on the 20
    working days and 3 months."""
    first_due = add_working_days(started, 20)
    if last <= first_due + timedelta(days=10):
        return [last]
    days = [last]
    while True:
        late = rng.random() < 1 / 12
        gap = -int(rng.integers(3, 30)) if late else int(rng.integers(1, 15))
        earlier = add_months(days[0], -6) + timedelta(days=gap)
        if earlier <= add_months(first_due, 3) + timedelta(days=20):
            break
        days.insert(0, earlier)
    late = rng.random() < 1 / 12
    first = add_working_days(started, int(rng.integers(21, 35) if late else rng.integers(8, 21)))
    second = add_months(first, 3) - timedelta(days=int(rng.integers(0, 15)))
    if second < days[0] - timedelta(days=20):
        days.insert(0, second)
    if first < days[0] - timedelta(days=20):
        days.insert(0, first)
    return days


def _code(rng: np.random.Generator, born: date | None, day: date) -> str | None:
    if born is not None and add_months(born, 48) > day:
        return "PN0"
    return CODES[int(rng.choice(len(CODES), p=CODE_SHARES))]


def _seed_reviews(
    session: Session,
    org: Organisation,
    frame: Frame,
    cases: list[CaseRecord],
    rng: np.random.Generator,
) -> None:
    rows: list[dict[str, object]] = []
    for case in cases:
        if case.became_looked_after is None or case.last_review is None:
            continue
        held = _held(rng, case.became_looked_after, case.last_review)
        pairs = [(day, _code(rng, case.date_of_birth, day)) for day in held]
        for check in review_schedule(case.became_looked_after, pairs):
            rows.append(
                {
                    "frame_id": frame.id, "organisation_id": org.id, "case_record_id": case.id,
                    "number": check.number, "due": check.due, "held": check.held,
                    "on_time": check.on_time, "days_late": check.days_late,
                    "participation": check.participation,
                }
            )  # fmt: skip
    if rows:
        session.execute(insert(CaseReview), rows)


def _seed_earlier_lists(
    session: Session,
    org: Organisation,
    frame: Frame,
    cases: list[CaseRecord],
    rng: np.random.Generator,
) -> None:
    """The lists of 3, 6, 9 and 12 months before; 1 in 12 children had another IRO before."""
    iros = sorted({(c.iro_name, c.iro_id) for c in cases if c.iro_name}, key=lambda p: p[0] or "")
    if len(iros) < 2:
        return
    before: dict[int, tuple[date, tuple[str | None, int | None]]] = {}
    for case in cases:
        if rng.random() < 1 / 12:
            months = int(rng.integers(1, 22))  # changes over this year and the one before
            other = iros[int(rng.integers(0, len(iros)))]
            if other[0] != case.iro_name:
                before[case.id] = (add_months(frame.as_at, -months), other)
    for months in (12, 9, 6, 3):
        as_at = add_months(frame.as_at, -months)
        listed = [c for c in cases if c.became_looked_after and c.became_looked_after <= as_at]
        # Each child's IRO as this earlier list had them (some changed IRO since).
        iro_on_list: dict[int, tuple[str | None, int | None]] = {}
        for case in listed:
            changed = before.get(case.id)
            if changed is not None and as_at < changed[0]:
                iro_on_list[case.id] = changed[1]
            else:
                iro_on_list[case.id] = (case.iro_name, case.iro_id)
        earlier = Frame(
            organisation_id=org.id,
            label=f"Children in care at {display.date(as_at)} (demo export)",
            source_filename="demo-lcs-export.csv",
            as_at=as_at,
            row_count=len(listed),
            fingerprint=f"{months:02d}" * 32,
            # As an import keeps them, in its one entry: the names the partner screen checks.
            screen_names=case_census.screen_names(name for name, _ in iro_on_list.values()),
        )
        session.add(earlier)
        session.flush()
        rows: list[dict[str, object]] = [
            {
                "frame_id": earlier.id, "organisation_id": org.id, "row_number": number,
                "case_ref": case.case_ref, "team_name": case.team_name,
                "team_id": case.team_id, "iro_name": iro_on_list[case.id][0],
                "iro_id": iro_on_list[case.id][1], "legal_status": case.legal_status,
                "became_looked_after": case.became_looked_after, "attributes": {},
            }
            for number, case in enumerate(listed, start=2)
        ]  # fmt: skip
        if rows:
            session.execute(insert(CaseRecord), rows)


RAISED_BY = ("IRO", "IRO", "IRO", "IRO team manager")
ADDRESSED_TO = (
    "Team manager",
    "Team manager",
    "Service manager",
    "Head of Service",
)  # of the lists
OUTCOMES = (
    "Permanence planning meeting held and a date set for the final hearing.",
    "Review recommendations completed; the IRO checked them with the child.",
    "Care plan updated and shared with the child and carers.",
    "Family time restored to the agreed frequency.",
)


def _seed_escalations(
    session: Session,
    org: Organisation,
    cases: list[CaseRecord],
    iros: list[User],
    today: date,
    rng: np.random.Generator,
) -> None:
    """About two escalations a month over the year before; most resolved, a few withdrawn."""
    reasons = escalation_service.REASONS
    chosen = rng.choice(len(cases), size=min(26, len(cases)), replace=False)
    for n, index in enumerate(sorted(int(i) for i in chosen)):
        raised = today - timedelta(days=int(rng.integers(20, 380)))
        while raised.weekday() >= 5:
            raised -= timedelta(days=1)
        escalation = escalation_service.open_escalation(
            session, org.id,
            escalation_service.NewEscalation(
                case_ref=cases[index].case_ref, reason=reasons[int(rng.integers(0, 10))],
                issue="The plan agreed at the review has not progressed and the child is waiting.",
                stage_key=DEFAULT_STAGES[0].key, raised_on=raised,
                raised_by=RAISED_BY[n % len(RAISED_BY)],
                addressed_to=ADDRESSED_TO[int(rng.integers(0, len(ADDRESSED_TO)))],
            ),
            DEFAULT_STAGES, iros[n % len(iros)].id, today,
        )  # fmt: skip
        moved_on = rng.random() < 0.25
        if moved_on:  # Not resolved informally: on to stage 1.
            moved = add_working_days(raised, 5)
            escalation_service.move_to_stage(
                session, escalation, DEFAULT_STAGES[1].key, "", DEFAULT_STAGES,
                iros[0].id, min(moved, today),
            )  # fmt: skip
        fate = rng.random()
        if fate < 0.08:
            escalation_service.close(
                session, escalation, "withdrawn", "The child moved placement; raised afresh.",
                raised + timedelta(days=3), today,
            )  # fmt: skip
        elif fate < 0.85:
            taken = int(rng.integers(7 if moved_on else 4, 35))
            closed = add_working_days(raised, taken)
            if closed <= today:
                escalation_service.record_response(
                    session, escalation, "The team manager agreed a plan and a date.",
                    closed, iros[0].id, today,
                )  # fmt: skip
                escalation_service.close(
                    session, escalation, "resolved", OUTCOMES[n % len(OUTCOMES)], closed, today
                )
