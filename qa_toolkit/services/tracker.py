"""Tracking audits: who has which, where each stands, what is late; one joined query per table.

"All audits" and the programme page read the same lines: each audit with its case reference,
programme, auditor, moderator, status and due date, loaded in one query with the people
joined in (never a query per row). An audit is *overdue* when its due date has passed and it
is still with its auditor (not started, in progress or returned): that is what a reminder
chases; once submitted, the wait is the moderator's or the manager's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from qa_toolkit.models import (
    Audit,
    AuditStatus,
    CaseRecord,
    Programme,
    SampleCase,
    TemplateVersion,
    User,
)
from qa_toolkit.security.policy import EDITABLE
from qa_toolkit.services.paging import Page, window

# The order of the lifecycle, for sorting by status and for the columns of the counts.
LIFECYCLE = (
    AuditStatus.ASSIGNED.value,
    AuditStatus.IN_PROGRESS.value,
    AuditStatus.RETURNED.value,
    AuditStatus.SUBMITTED.value,
    AuditStatus.MODERATED.value,
    AuditStatus.FINALISED.value,
)
STATUS_LABELS = {status: AuditStatus.label_of(status) for status in LIFECYCLE}  # lifecycle order
WITH_AUDITOR = EDITABLE
PER_PAGE = 50
SORTS = ("due", "case", "programme", "auditor", "status")

_auditor = aliased(User, name="auditor")
_moderator = aliased(User, name="moderator")


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Past its due date and still with the auditor (the one definition of overdue)."""
    return and_(Audit.due_date.is_not(None), Audit.due_date < today, Audit.status.in_(WITH_AUDITOR))


def is_overdue(status: str, due: date | None, today: date) -> bool:
    return due is not None and due < today and status in WITH_AUDITOR


@dataclass(frozen=True)
class Filters:
    programme_id: int | None = None
    auditor_id: int | None = None
    status: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue: bool = False

    def where(self, today: date) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.programme_id is not None:
            found.append(Audit.programme_id == self.programme_id)
        if self.auditor_id is not None:
            found.append(Audit.auditor_id == self.auditor_id)
        if self.status is not None:
            found.append(Audit.status == self.status)
        if self.due_from is not None:
            found.append(Audit.due_date >= self.due_from)
        if self.due_to is not None:
            found.append(Audit.due_date <= self.due_to)
        if self.overdue:
            found.append(overdue_clause(today))
        return found


@dataclass(frozen=True)
class Line:
    audit_id: int
    case_ref: str | None
    template_title: str
    programme_id: int | None
    programme_name: str | None
    auditor_id: int | None
    auditor_name: str | None
    moderator_id: int | None
    moderator_name: str | None
    status: str
    due_date: date | None
    overdue: bool
    concern_open: bool
    observation: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Counts:
    """Audits by status, and how many are overdue; `total` is every audit counted."""

    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIFECYCLE, 0))
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def finalised(self) -> int:
        return self.by_status["finalised"]

    def add(self, status: str, overdue: bool, n: int = 1) -> None:
        self.by_status[status] += n
        if overdue:
            self.overdue += n


@dataclass(frozen=True)
class AuditorRow:
    auditor_id: int | None
    name: str
    counts: Counts


def _lines_query(organisation_id: int, today: date) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Audit.id,
            CaseRecord.case_ref,
            TemplateVersion.title,
            Audit.programme_id,
            Programme.name,
            Audit.auditor_id,
            _auditor.display_name,
            Audit.moderator_id,
            _moderator.display_name,
            Audit.status,
            Audit.due_date,
            overdue_clause(today),
            and_(Audit.concern.is_not(None), Audit.concern_acknowledged_at.is_(None)),
            Audit.observed_user_id.is_not(None),
        )
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .outerjoin(Programme, Audit.programme_id == Programme.id)
        .outerjoin(_auditor, Audit.auditor_id == _auditor.id)
        .outerjoin(_moderator, Audit.moderator_id == _moderator.id)
        .where(Audit.organisation_id == organisation_id)
    )


def _line(row: Any) -> Line:
    return Line(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10],
        bool(row[11]), bool(row[12]), bool(row[13]),
    )  # fmt: skip


def _order(sort: str, descending: bool) -> list[Any]:
    lifecycle = case({s: i for i, s in enumerate(LIFECYCLE)}, value=Audit.status, else_=99)
    key: Any = {
        "due": Audit.due_date,
        "case": CaseRecord.case_ref,
        "programme": Programme.name,
        "auditor": _auditor.display_name,
        "status": lifecycle,
    }[sort]
    ordered = key.desc() if descending else key.asc()
    return [ordered.nulls_last(), Audit.id.desc() if descending else Audit.id]


def page_of_audits(
    session: Session,
    organisation_id: int,
    filters: Filters,
    today: date,
    *,
    sort: str = "due",
    descending: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Line]:
    """One page of the organisation's audits, filtered and sorted (a count and one query)."""
    conditions = filters.where(today)
    total = session.scalar(
        select(func.count())
        .select_from(Audit)
        .where(Audit.organisation_id == organisation_id, *conditions)
    )
    total = int(total or 0)
    page, pages = window(total, page, per_page)
    rows = session.execute(
        _lines_query(organisation_id, today)
        .where(*conditions)
        .order_by(*_order(sort if sort in SORTS else "due", descending))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page([_line(r) for r in rows], total, page, pages, per_page)


def counts_by_auditor(
    session: Session, organisation_id: int, filters: Filters, today: date
) -> tuple[Counts, list[AuditorRow]]:
    """The filtered audits counted by status and overdue, overall and per auditor (one query)."""
    return _counted(session, today, Audit.organisation_id == organisation_id, *filters.where(today))


def _counted(
    session: Session, today: date, *conditions: ColumnElement[bool], sampled_in: int | None = None
) -> tuple[Counts, list[AuditorRow]]:
    """The audits meeting `conditions` counted by auditor, status and overdue in one GROUP BY;
    with `sampled_in`, only those drawn in that programme's sample."""
    query = select(
        Audit.auditor_id,
        _auditor.display_name,
        Audit.status,
        case((overdue_clause(today), 1), else_=0).label("late"),
        func.count(),
    )
    if sampled_in is not None:
        query = query.join(SampleCase, SampleCase.audit_id == Audit.id).where(
            SampleCase.programme_id == sampled_in
        )
    rows = session.execute(
        query.outerjoin(_auditor, Audit.auditor_id == _auditor.id)
        .where(*conditions)
        .group_by(Audit.auditor_id, _auditor.display_name, Audit.status, "late")
    ).all()
    return _tally((r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in rows)


def _tally(rows: Any) -> tuple[Counts, list[AuditorRow]]:
    overall = Counts()
    people: dict[int | None, AuditorRow] = {}
    for auditor_id, name, status, late, n in rows:
        overall.add(status, late, n)
        row = people.setdefault(auditor_id, AuditorRow(auditor_id, name or "Nobody", Counts()))
        row.counts.add(status, late, n)
    return overall, sorted(people.values(), key=lambda r: (r.auditor_id is None, r.name))


@dataclass(frozen=True)
class ProgrammeTracker:
    """Where each sampled case of a launched programme stands (by sample case id)."""

    by_sample_case: dict[int, Line]
    counts: Counts
    auditors: list[AuditorRow]


def programme_tracker(
    session: Session, programme: Programme, today: date, shown: Sequence[int] = ()
) -> ProgrammeTracker:
    """The programme's audits counted by auditor, status and overdue in the database, and the
    lines of the sample cases `shown` (a page of them): two queries whatever the programme's
    size, where every audit's line was read on each view (5,000 rows at a quarter region)."""
    overall, auditors = _counted(
        session, today, Audit.organisation_id == programme.organisation_id,
        sampled_in=programme.id,
    )  # fmt: skip
    lines: dict[int, Line] = {}
    if shown:
        rows = session.execute(
            _lines_query(programme.organisation_id, today)
            .add_columns(SampleCase.id)
            .join(SampleCase, SampleCase.audit_id == Audit.id)
            .where(SampleCase.programme_id == programme.id, SampleCase.id.in_(list(shown)))
        ).all()
        lines = {row[-1]: _line(row) for row in rows}
    return ProgrammeTracker(lines, overall, auditors)
