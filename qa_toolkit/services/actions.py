"""Practice-development actions: raised from where the learning was found, owned, chased, closed.

An action keeps the link to its source (an audit question, a moderation, a peer observation,
a programme's theme or question, or nothing). The owner is a staff record, because the people
who own actions (social workers, team managers) often have no account; where their record is
linked to a user, that user sees the action under "My actions" and can close it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from audit_templates.schema import Template
from problems import Problem
from qa_toolkit.models import (
    Action,
    ActionSource,
    Audit,
    AuditEvent,
    CaseRecord,
    Priority,
    Programme,
    Role,
    Staff,
    Team,
    TemplateVersion,
    User,
)
from qa_toolkit.notifications import events
from qa_toolkit.security import policy
from qa_toolkit.services.paging import Page, paged
from qa_toolkit.services.templates import template_of
from reports.action_workbook import ActionRow
from reports.actions import CLOSED, ActionStatus, Rag, amber_until, rag
from reports.intervals import Proportion
from reports.rollup import Rollup

MAX_TITLE = 200
MAX_TEXT = 10_000
# Any select over the action table: the lists load rows, the dashboard counts read three columns.
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class ActionProblem(Problem):
    """An action that cannot be raised or changed as asked; the message says why, and `field`
    names the form field it is about (so the page can mark that field)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


class Scope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    ALL = "all"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            "mine": "My actions",
            "team": "My team's actions",
            "all": "All actions",
            "overdue": "Overdue",
        }[self.value]


@dataclass(frozen=True)
class NewAction:
    title: str
    owner_staff_id: int | None
    due_date: date | None
    good_looks_like: str = ""
    priority: str = Priority.MEDIUM.value
    source: str = ActionSource.STANDALONE.value
    audit_id: int | None = None
    programme_id: int | None = None
    question_id: str | None = None
    theme_id: str | None = None


@dataclass(frozen=True)
class ActionLine:
    """An action as lists show it: RAG computed for today, never stored."""

    action: Action
    rag: Rag | None
    source_text: str
    # The title of the theme the action is filed under, as its template names it (the
    # stored theme id is a key, not a label).
    theme_title: str | None = None

    @property
    def closed(self) -> bool:
        return self.action.status in CLOSED


@dataclass(frozen=True)
class Viewer:
    """Who is looking, for object-level checks: their role, account and staff record."""

    user_id: int
    role: Role
    staff_id: int | None
    team_id: int | None


def viewer_of(session: Session, organisation_id: int, user_id: int, role: Role) -> Viewer:
    staff = session.scalar(
        select(Staff).where(Staff.organisation_id == organisation_id, Staff.user_id == user_id)
    )
    return Viewer(user_id, role, staff.id if staff else None, staff.team_id if staff else None)


def _principal(action: Action, viewer: Viewer) -> policy.Principal:
    return policy.Principal(
        viewer.user_id, viewer.role, action.organisation_id,
        staff_id=viewer.staff_id, staff_team_id=viewer.team_id,
    )  # fmt: skip


def can_see(action: Action, viewer: Viewer) -> bool:
    """The rule is security/policy.py's ("open" an action), asked for this viewer."""
    return policy.can(_principal(action, viewer), "open", action)


def can_update(action: Action, viewer: Viewer) -> bool:
    """The rule is security/policy.py's ("update" an action), asked for this viewer."""
    return policy.can(_principal(action, viewer), "update", action)


def _text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise ActionProblem(f"{what} is too long: keep it under {limit:,} characters.")
    return cleaned


def _owner(session: Session, organisation_id: int, staff_id: int | None) -> Staff:
    owner = session.get(Staff, staff_id) if staff_id else None
    if owner is None or owner.organisation_id != organisation_id:
        raise ActionProblem("Choose who owns this action.", "owner_staff_id")
    return owner


def _check_source(session: Session, organisation_id: int, new: NewAction) -> NewAction:
    """Refuse a source that is not this organisation's, or a question the template lacks."""
    if new.source not in set(ActionSource):
        raise ActionProblem("Choose where this action comes from.")
    audit = session.get(Audit, new.audit_id) if new.audit_id else None
    if new.audit_id and (audit is None or audit.organisation_id != organisation_id):
        raise ActionProblem("The audit this action comes from was not found.")
    programme = session.get(Programme, new.programme_id) if new.programme_id else None
    if new.programme_id and (programme is None or programme.organisation_id != organisation_id):
        raise ActionProblem("The programme this action comes from was not found.")
    if audit is not None:
        # An action from an audit is filed under that audit's programme, whatever was posted.
        new = replace(new, programme_id=audit.programme_id)
        programme = session.get(Programme, audit.programme_id) if audit.programme_id else None
    version = (
        audit.template_version
        if audit is not None
        else programme.template_version
        if programme is not None
        else None
    )
    template = template_of(version) if version is not None else None
    questions = {q.id for q in template.questions()} if template else set()
    themes = {t.id for t in template.themes} if template else set()
    if new.question_id and new.question_id not in questions:
        raise ActionProblem("The question this action comes from is not in the template.")
    if new.theme_id and new.theme_id not in themes:
        raise ActionProblem("The theme this action comes from is not in the template.")
    needs = {
        ActionSource.AUDIT_QUESTION: audit is not None and bool(new.question_id),
        ActionSource.MODERATION: audit is not None,
        ActionSource.OBSERVATION: audit is not None and audit.observed_user_id is not None,
        ActionSource.THEME: programme is not None and bool(new.theme_id),
        ActionSource.QUESTION: programme is not None and bool(new.question_id),
        ActionSource.STANDALONE: True,
    }
    if not needs[ActionSource(new.source)]:
        raise ActionProblem(
            "This action's source is incomplete: raise it from the page it is about."
        )
    return new


def raise_action(
    session: Session, organisation_id: int, new: NewAction, raised_by_id: int, today: date
) -> Action:
    """Validate everything first, then add the action (nothing is written when it is refused)."""
    try:
        title = _text(new.title, "The title", MAX_TITLE)
    except ActionProblem as exc:
        raise ActionProblem(str(exc), "title") from exc
    if not title:
        raise ActionProblem("Enter a title: what needs to happen.", "title")
    owner = _owner(session, organisation_id, new.owner_staff_id)
    if new.due_date is None:
        raise ActionProblem("Enter the date the action is due.", "due_date")
    if new.due_date < today:
        raise ActionProblem(
            "The due date is in the past: choose today or a later date.", "due_date"
        )
    if new.priority not in set(Priority):
        raise ActionProblem("Choose a priority: high, medium or low.", "priority")
    checked = _check_source(session, organisation_id, new)
    action = Action(
        organisation_id=organisation_id,
        title=title,
        good_looks_like=_text(new.good_looks_like, "What good looks like") or None,
        owner_staff_id=owner.id,
        team_id=owner.team_id,
        due_date=new.due_date,
        priority=new.priority,
        status=ActionStatus.OPEN.value,
        source=checked.source,
        audit_id=checked.audit_id,
        programme_id=checked.programme_id,
        question_id=checked.question_id or None,
        theme_id=checked.theme_id or None,
        raised_by_id=raised_by_id,
    )
    session.add(action)
    session.flush()
    events.action_assigned(session, action, raised_by_id)
    return action


def update_action(
    session: Session,
    action: Action,
    *,
    status: str,
    evidence: str | None,
    completed_on: date | None,
    due_date: date | None,
    owner_staff_id: int | None,
    priority: str,
    today: date,
) -> Action:
    """Move an action on. Completing needs the evidence that closes it and its date."""
    if status not in set(ActionStatus):
        raise ActionProblem("Choose a status.", "status")
    if priority not in set(Priority):
        raise ActionProblem("Choose a priority: high, medium or low.", "priority")
    if due_date is None:
        raise ActionProblem("Enter the date the action is due.", "due_date")
    owner = _owner(session, action.organisation_id, owner_staff_id)
    evidence_text = _text(evidence, "The completion evidence")
    if status == ActionStatus.COMPLETED:
        if not evidence_text:
            raise ActionProblem(
                "Say what shows the action is done (the completion evidence) before you mark "
                "it completed.",
                "completion_evidence",
            )
        completed_on = completed_on or today
        if completed_on > today:
            raise ActionProblem("The completion date cannot be in the future.", "completed_on")
    else:
        completed_on = None
    action.status = status
    action.completion_evidence = evidence_text or None
    action.completed_on = completed_on
    action.due_date = due_date
    action.priority = priority
    reassigned = owner.id != action.owner_staff_id
    if reassigned:
        action.owner_staff_id = owner.id
        action.team_id = owner.team_id
    action.updated_at = datetime.now(UTC)
    session.flush()
    if reassigned:
        events.action_assigned(session, action, None)
    return action


def action_for(session: Session, organisation_id: int, action_id: int) -> Action | None:
    found = session.get(Action, action_id)
    return found if found is not None and found.organisation_id == organisation_id else None


def _source_texts(session: Session, actions: list[Action]) -> tuple[dict[int, str], dict[int, str]]:
    """Where each action came from, in words: programme, case reference, question number,
    theme title; and each themed action's theme title. Loaded once for the whole list
    (templates are parsed once and cached)."""
    programme_ids = {a.programme_id for a in actions if a.programme_id}
    audit_ids = {a.audit_id for a in actions if a.audit_id}
    programmes = (
        {p.id: p for p in session.scalars(select(Programme).where(Programme.id.in_(programme_ids)))}
        if programme_ids
        else {}
    )
    audits = (
        {
            row.id: row
            for row in session.execute(
                select(
                    Audit.id, Audit.template_version_id, Audit.observed_user_id, CaseRecord.case_ref
                )
                .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
                .where(Audit.id.in_(audit_ids))
            )
        }
        if audit_ids
        else {}
    )
    version_ids = {p.template_version_id for p in programmes.values()}
    version_ids |= {row.template_version_id for row in audits.values()}
    templates = {
        v.id: template_of(v)
        for v in session.scalars(select(TemplateVersion).where(TemplateVersion.id.in_(version_ids)))
    } if version_ids else {}  # fmt: skip
    texts: dict[int, str] = {}
    themes: dict[int, str] = {}
    for action in actions:
        where: list[str] = []
        version_id = None
        if action.programme_id and action.programme_id in programmes:
            programme = programmes[action.programme_id]
            where.append(programme.name)
            version_id = programme.template_version_id
        if action.audit_id and action.audit_id in audits:
            row = audits[action.audit_id]
            where.append("an observation" if row.observed_user_id else f"audit of {row.case_ref}")
            version_id = row.template_version_id
        template = templates.get(version_id) if version_id else None
        if template is not None and action.question_id:
            number = question_numbers(template).get(action.question_id)
            where.append(f"question {number}" if number else "a question no longer in use")
        if template is not None and action.theme_id:
            title = next((t.title for t in template.themes if t.id == action.theme_id), None)
            where.append(title or action.theme_id)
            if title:
                themes[action.id] = title
        label = ActionSource(action.source).label
        texts[action.id] = f"{label} ({', '.join(where)})" if where else label
    return texts, themes


def question_numbers(template: Template) -> dict[str, str]:
    """Question numbers as the audit form shows them (section.question)."""
    return {
        q.id: f"{s_no}.{q_no}"
        for s_no, section in enumerate(template.sections, start=1)
        for q_no, q in enumerate(section.questions, start=1)
    }


def _lines(session: Session, actions: list[Action], today: date) -> list[ActionLine]:
    texts, themes = _source_texts(session, actions)
    return [
        ActionLine(a, rag(a.due_date, a.status, today), texts[a.id], themes.get(a.id))
        for a in actions
    ]


@dataclass(frozen=True)
class Filters:
    status: str = "active"  # active (open or in progress), closed, or one ActionStatus
    programme_id: int | None = None
    theme_id: str | None = None
    owner_staff_id: int | None = None
    sort: str = "due"  # due, priority, status, owner, raised


_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_STATUS_ORDER = {s.value: i for i, s in enumerate(ActionStatus)}


def _scoped(query: _Query, viewer: Viewer, scope: Scope) -> _Query:
    if scope == Scope.MINE:
        return (
            query.where(Action.owner_staff_id == viewer.staff_id)
            if viewer.staff_id
            else (query.where(Action.id.is_(None)))
        )
    if scope == Scope.TEAM:
        return (
            query.where(Action.team_id == viewer.team_id)
            if viewer.team_id
            else (query.where(Action.id.is_(None)))
        )
    if viewer.role not in (Role.ADMIN, Role.MANAGER):
        visible = [Action.raised_by_id == viewer.user_id]
        if viewer.staff_id is not None:
            visible.append(Action.owner_staff_id == viewer.staff_id)
        if viewer.team_id is not None:
            visible.append(Action.team_id == viewer.team_id)
        query = query.where(or_(*visible))
    return query


def _listed(
    organisation_id: int, viewer: Viewer, scope: Scope, today: date, chosen: Filters
) -> Select[Action]:
    """The actions this viewer may see in `scope`, filtered and sorted in the database (the
    status and due-date sort by the index on organisation, status, due date and id)."""
    query = (
        select(Action)
        .join(Staff, Staff.id == Action.owner_staff_id)
        .options(contains_eager(Action.owner), joinedload(Action.team))
        .where(Action.organisation_id == organisation_id)
        .order_by(Action.id)  # ties in the chosen sort keep the order they were raised in
    )
    query = _scoped(query, viewer, scope)
    closed = [s.value for s in CLOSED]
    if scope == Scope.OVERDUE:
        query = query.where(Action.status.not_in(closed), Action.due_date < today)
    elif chosen.status == "active":
        query = query.where(Action.status.not_in(closed))
    elif chosen.status == "closed":
        query = query.where(Action.status.in_(closed))
    elif chosen.status in set(ActionStatus):
        query = query.where(Action.status == chosen.status)
    if chosen.programme_id:
        query = query.where(Action.programme_id == chosen.programme_id)
    if chosen.theme_id:
        query = query.where(Action.theme_id == chosen.theme_id)
    if chosen.owner_staff_id:
        query = query.where(Action.owner_staff_id == chosen.owner_staff_id)
    priority = case(_PRIORITY_ORDER, value=Action.priority, else_=len(_PRIORITY_ORDER))
    status = case(_STATUS_ORDER, value=Action.status, else_=len(_STATUS_ORDER))
    orders = {
        "due": (Action.due_date, Action.id),
        "priority": (priority, Action.due_date, Action.id),
        "status": (status, Action.due_date, Action.id),
        "owner": (Staff.name, Action.due_date, Action.id),
        "raised": (Action.id.desc(),),
    }
    return query.order_by(*orders.get(chosen.sort, orders["due"]))


def list_actions(
    session: Session,
    organisation_id: int,
    viewer: Viewer,
    scope: Scope,
    today: date,
    filters: Filters | None = None,
) -> list[ActionLine]:
    """Every action this viewer may see in `scope`, filtered and sorted, with RAG for today
    (the download: the page shows `page_of_actions`)."""
    query = _listed(organisation_id, viewer, scope, today, filters or Filters())
    return _lines(session, list(session.scalars(query)), today)


def page_of_actions(
    session: Session,
    organisation_id: int,
    viewer: Viewer,
    scope: Scope,
    today: date,
    filters: Filters | None,
    page: int,
    per_page: int,
) -> Page[ActionLine]:
    """One page of `list_actions`, with the total."""
    query = _listed(organisation_id, viewer, scope, today, filters or Filters())
    found = paged(session, query, page, per_page)
    lines = _lines(session, list(found.items), today)
    return Page(lines, found.total, found.page, found.pages, found.per_page)


def _of_programme(programme: Programme) -> Select[Action]:
    """Every action raised from this programme: its findings and its audits, soonest due."""
    return (
        select(Action)
        .outerjoin(Audit, Action.audit_id == Audit.id)
        .where(
            Action.organisation_id == programme.organisation_id,
            or_(Action.programme_id == programme.id, Audit.programme_id == programme.id),
        )
        .order_by(Action.due_date, Action.id)
    )


def programme_actions(session: Session, programme: Programme, today: date) -> list[ActionLine]:
    """Every action raised from this programme (the workbook: the page shows a page of them)."""
    query = _of_programme(programme).options(joinedload(Action.owner))
    return _lines(session, list(session.scalars(query)), today)


def page_of_programme_actions(
    session: Session, programme: Programme, today: date, page: int, per_page: int
) -> Page[ActionLine]:
    found = paged(
        session, _of_programme(programme).options(joinedload(Action.owner)), page, per_page
    )
    lines = _lines(session, list(found.items), today)
    return Page(lines, found.total, found.page, found.pages, found.per_page)


def programme_action_totals(session: Session, programme: Programme, today: date) -> dict[str, int]:
    """`programme_action_counts` counted in the database: by status, and overdue by `rag`."""
    query = _of_programme(programme).order_by(None).subquery()
    found: dict[str, int] = {s.label: 0 for s in ActionStatus}
    for status, number in session.execute(
        select(query.c.status, func.count()).group_by(query.c.status)
    ):
        found[ActionStatus(status).label] = int(number)
    closed = [s.value for s in CLOSED]
    found["Overdue"] = int(
        session.scalar(
            select(func.count()).where(query.c.status.not_in(closed), query.c.due_date < today)
        )
        or 0
    )
    return found


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


@dataclass(frozen=True)
class ActionCounts:
    open: int
    overdue: int
    due_soon: int
    mine_open: int
    mine_overdue: int


def counts(session: Session, organisation_id: int, viewer: Viewer, today: date) -> ActionCounts:
    """The figures the dashboard shows, by the lists' RAG rule (`reports.actions.rag`) counted
    in the database: overdue before today, due soon from today to `amber_until(today)`."""
    last_amber = amber_until(today)
    mine = Action.owner_staff_id == viewer.staff_id if viewer.staff_id else false()
    red = Action.due_date < today
    amber = Action.due_date.between(today, last_amber)

    def tally(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        func.count(), tally(red), tally(amber), tally(mine), tally(and_(mine, red))
    ).where(
        Action.organisation_id == organisation_id,
        Action.status.not_in([s.value for s in CLOSED]),
    )
    row = session.execute(_scoped(query, viewer, Scope.ALL)).one()
    return ActionCounts(*(int(value or 0) for value in row))


def owners(session: Session, organisation_id: int) -> list[Staff]:
    """Everyone who can own an action: active staff, team managers and social workers first."""
    order = {"team_manager": 0, "social_worker": 1, "iro": 2, "other": 3}
    found = list(
        session.scalars(
            select(Staff)
            .options(joinedload(Staff.team))
            .where(Staff.organisation_id == organisation_id, Staff.active.is_(True))
            .order_by(Staff.id)  # two people of the same name keep one order
        )
    )
    found.sort(key=lambda s: (order.get(s.staff_role, 9), s.name))
    return found


def teams_by_id(session: Session, organisation_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Team.id, Team.name).where(Team.organisation_id == organisation_id)
        ).all()
    )


def source_of(action: Action) -> NewAction:
    """The source fields of an existing action, in the shape `describe_source` reads."""
    return NewAction(
        title=action.title,
        owner_staff_id=action.owner_staff_id,
        due_date=action.due_date,
        source=action.source,
        audit_id=action.audit_id,
        programme_id=action.programme_id,
        question_id=action.question_id,
        theme_id=action.theme_id,
    )


def describe_source(session: Session, organisation_id: int, new: NewAction) -> str | None:
    """A sentence naming what an action is (or will be) raised from, for its page."""
    audit = session.get(Audit, new.audit_id) if new.audit_id else None
    programme = session.get(Programme, new.programme_id) if new.programme_id else None
    if audit is not None and audit.organisation_id != organisation_id:
        audit = None
    if programme is not None and programme.organisation_id != organisation_id:
        programme = None
    version = audit.template_version if audit else programme.template_version if programme else None
    if version is None:
        return None
    template = template_of(version)
    detail = ""
    if new.question_id and new.question_id in {q.id for q in template.questions()}:
        detail = template.text_of(template.question(new.question_id))
    elif new.theme_id:
        detail = next((t.title for t in template.themes if t.id == new.theme_id), "")
    if audit is not None:
        what = (
            f"the observation of a {audit.meeting_type or 'meeting'}"
            if audit.observed_user_id
            else f"the audit of {audit.case_record.case_ref if audit.case_record else 'a case'}"
        )
        if new.source == ActionSource.MODERATION:
            what = "the moderation of " + what.removeprefix("the ")
    elif programme is not None:
        what = f"the findings of {programme.name}"
    return f"From {what}: {detail}" if detail else f"From {what} ({template.title})"


def line_of(session: Session, action: Action, today: date) -> ActionLine:
    return _lines(session, [action], today)[0]


def themes_in_use(session: Session, organisation_id: int) -> list[str]:
    """The theme ids that actions of this organisation are filed under, for the filter."""
    return sorted(
        t
        for t in session.scalars(
            select(Action.theme_id)
            .where(Action.organisation_id == organisation_id, Action.theme_id.is_not(None))
            .distinct()
        )
        if t
    )


def _humane(key: str | None) -> str | None:
    """A theme key whose template is gone, as words ("family_time" -> "Family time")."""
    return key.replace("_", " ").capitalize() if key else None


def workbook_rows(lines: list[ActionLine]) -> list[ActionRow]:
    """Plain rows for the action tracker workbook (reports.action_workbook)."""
    return [
        ActionRow(
            reference=line.action.id,
            title=line.action.title,
            owner=line.action.owner.name,
            team=line.action.team.name if line.action.team else None,
            priority=Priority(line.action.priority).label,
            status=ActionStatus(line.action.status).label,
            rag=line.rag.label if line.rag else None,
            raised_on=line.action.created_at.date(),
            due=line.action.due_date,
            completed_on=line.action.completed_on,
            source=line.source_text,
            theme=line.theme_title or _humane(line.action.theme_id),
            good_looks_like=line.action.good_looks_like,
            evidence=line.action.completion_evidence,
        )
        for line in lines
    ]


def actions_of_audit(session: Session, audit: Audit) -> list[Action]:
    """The actions raised from one audit or observation (its questions or its moderation)."""
    return list(
        session.scalars(
            select(Action)
            .options(joinedload(Action.owner))
            .where(Action.organisation_id == audit.organisation_id, Action.audit_id == audit.id)
            .order_by(Action.id)
        )
    )


@dataclass(frozen=True)
class ReauditLine:
    """A theme or question that had actions: its figure before and after, and those actions."""

    kind: str  # "theme" or "question"
    key: str
    title: str
    before: Proportion | None
    after: Proportion | None
    actions: list[Action]


def reaudit(
    session: Session,
    previous: Programme,
    previous_rollup: Rollup,
    current: Programme,
    current_rollup: Rollup,
) -> list[ReauditLine]:
    """For each theme or question of the previous round with actions closed before this round
    began, the figures before and after, so a manager sees whether the actions worked."""
    cutoff = current.launched_at.date() if current.launched_at else date.today()
    closed = list(
        session.scalars(
            select(Action)
            .options(joinedload(Action.owner))
            .outerjoin(Audit, Action.audit_id == Audit.id)
            .where(
                Action.organisation_id == current.organisation_id,
                or_(Action.programme_id == previous.id, Audit.programme_id == previous.id),
                Action.status == ActionStatus.COMPLETED.value,
                Action.completed_on <= cutoff,
                or_(Action.theme_id.is_not(None), Action.question_id.is_not(None)),
            )
            .order_by(Action.completed_on, Action.id)
        ).unique()
    )
    titles = {("theme", t.theme_id): t.title for t in previous_rollup.themes}
    titles |= {("theme", t.theme_id): t.title for t in current_rollup.themes}
    titles |= {("question", q.question_id): q.text for q in previous_rollup.questions}
    titles |= {("question", q.question_id): q.text for q in current_rollup.questions}
    before: dict[tuple[str, str], Proportion] = {
        ("theme", t.theme_id): t.result for t in previous_rollup.themes
    } | {("question", q.question_id): q.result for q in previous_rollup.questions}
    after: dict[tuple[str, str], Proportion] = {
        ("theme", t.theme_id): t.result for t in current_rollup.themes
    } | {("question", q.question_id): q.result for q in current_rollup.questions}
    grouped: dict[tuple[str, str], list[Action]] = {}
    for action in closed:
        group = ("theme", action.theme_id) if action.theme_id else ("question", action.question_id)
        grouped.setdefault((group[0], group[1] or ""), []).append(action)
    return [
        ReauditLine(
            kind,
            key,
            titles.get((kind, key), key),
            before.get((kind, key)),
            after.get((kind, key)),
            actions,
        )  # fmt: skip
        for (kind, key), actions in grouped.items()
    ]


def programme_action_counts(lines: list[ActionLine]) -> dict[str, int]:
    """Counts by status for a partner view: no titles, no owners."""
    found: dict[str, int] = {s.label: 0 for s in ActionStatus}
    for line in lines:
        found[ActionStatus(line.action.status).label] += 1
    found["Overdue"] = sum(line.rag == Rag.RED for line in lines)
    return found
