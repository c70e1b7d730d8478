"""Reading the audit log for information governance (writing it is `qa_toolkit.auditing`).

One organisation's log is its own entries plus the sign-in entries (which belong to no
organisation: they happen before one is chosen) by or about its members, filed under it in
audit_event_org as they are written. Each part is read through its own index, newest first,
and merged: an OR across them made the database read the whole table. Filters: who acted, a
date range, the kind of record and the action (in words), and a case reference ("every view
and change of C000123's data").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlalchemy.orm import Session

from qa_toolkit.models import AuditEvent, Membership, User
from qa_toolkit.models.audit_log import REF_KEPT, AuditEventCase, AuditEventOrganisation
from qa_toolkit.services.paging import Page, window

PER_PAGE = 50
DOWNLOAD_LIMIT = 200_000
# Entries counted for a page's total, at most: past it the page says "more than 10,000" (200
# pages of 50) and the dates or filters narrow the list. Counting an organisation's whole log
# (a million entries in a region) on every view was the page's one cost that grew with it.
COUNT_UP_TO = 10_000

# Kinds of record, in words, and the entity types each covers.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "audit": ("Audit or observation", ("audit", "audit_list", "audit_feedback")),
    "case-list": ("Case list", ("case_list", "frame", "column_mapping")),
    "programme": (
        "Dip sample (programme)",
        ("programme", "programme_sample", "sample_case", "programme_findings"),
    ),
    "action": ("Action", ("action",)),
    "escalation": ("Escalation", ("escalation", "escalation_step", "escalation_list")),
    "dashboard": ("Dashboard", ("dashboard",)),
    "account": ("User account", ("user_account", "membership", "mfa_requirement")),
    "staff": ("Team or staff", ("team", "staff")),
    "template": ("Audit template", ("template_version",)),
    "organisation": ("Organisation", ("organisation",)),
    "page": ("Page (refused requests)", ("page",)),
    "system": ("Database and audit log", ("database", "audit_log")),
}
# Actions, in words; some words cover several actions.
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "viewed": ("Viewed or downloaded", ("view", "export")),
    "changed": ("Created, changed or removed", ("create", "update", "delete")),
    "created": ("Created", ("create",)),
    "updated": ("Changed", ("update",)),
    "deleted": ("Removed", ("delete",)),
    "downloaded": ("Downloaded", ("export",)),
    "refused": ("Refused (no access or not found)", ("refused_403", "refused_404")),
    "sign-in": ("Signed in or out", ("login", "logout")),
    "sign-in-failed": ("Failed sign-in or lock-out", ("login_failed", "login_locked")),
    "security": (
        "Password or authenticator changed",
        ("password_changed", "mfa_enabled", "mfa_disabled", "mfa_recovery_codes"),
    ),
}
_ACTION_WORDS = {
    "view": "viewed", "export": "downloaded", "create": "created", "update": "changed",
    "delete": "removed", "login": "signed in", "logout": "signed out",
    "login_failed": "failed sign-in", "refused_403": "refused (no access)",
    "refused_404": "refused (not found)", "archive": "archived",
}  # fmt: skip
_KIND_WORDS = {kind: words for words, kinds in KINDS.values() for kind in kinds}


def action_words(action: str) -> str:
    return _ACTION_WORDS.get(action, action.replace("_", " "))


def kind_words(entity_type: str) -> str:
    return _KIND_WORDS.get(entity_type, entity_type.replace("_", " ").capitalize())


def _key_for(given: str, table: Mapping[str, tuple[str, tuple[str, ...]]]) -> str | None:
    """The key of a filter value, given as its key, its words or an internal name."""
    wanted = given.strip().lower().replace("_", " ")
    for key, (words, names) in table.items():
        if wanted in (key.replace("-", " "), words.lower()) or wanted in (
            n.replace("_", " ") for n in names
        ):
            return key
    return None


@dataclass(frozen=True)
class Filters:
    person: int | None = None
    start: date | None = None
    end: date | None = None
    kind: str = ""
    action: str = ""
    case_ref: str = ""

    def query_args(self) -> dict[str, str]:
        found = {
            "person": str(self.person) if self.person else "",
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "kind": self.kind,
            "action": self.action,
            "case": self.case_ref,
        }
        return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class Parsed:
    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors[name] = f"'{text[:20]}' is not a date: use the date picker or YYYY-MM-DD."
        return None


def parse(args: Mapping[str, str]) -> Parsed:
    """Read the filters from a query string; a value that cannot be used is named, not a 500."""
    errors: dict[str, str] = {}
    person_text = (args.get("person") or "").strip()
    person = int(person_text) if person_text.isdigit() and len(person_text) < 10 else None
    if person_text and person is None:
        errors["person"] = "Choose a person from the list."
    kind = _key_for(args.get("kind") or "", KINDS) if args.get("kind") else ""
    if kind is None:
        errors["kind"] = f"'{args.get('kind', '')[:40]}' is not a kind of record in the list."
    action = _key_for(args.get("action") or "", ACTIONS) if args.get("action") else ""
    if action is None:
        errors["action"] = f"'{args.get('action', '')[:40]}' is not an action in the list."
    start = _day(args.get("from") or "", "from", errors)
    end = _day(args.get("to") or "", "to", errors)
    if start and end and end < start:
        errors["to"] = "The end date is before the start date."
    case_ref = (args.get("case") or "").strip().upper()[:REF_KEPT]
    return Parsed(Filters(person, start, end, kind or "", action or "", case_ref), errors)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.person is not None:
        found.append(AuditEvent.user_id == filters.person)
    if filters.start is not None:
        found.append(AuditEvent.at >= datetime.combine(filters.start, time(0), tzinfo=UTC))
    if filters.end is not None:
        after = datetime.combine(filters.end + timedelta(days=1), time(0), tzinfo=UTC)
        found.append(AuditEvent.at < after)
    if filters.kind:
        found.append(AuditEvent.entity_type.in_(KINDS[filters.kind][1]))
    if filters.action:
        found.append(AuditEvent.action.in_(ACTIONS[filters.action][1]))
    return found


def _parts(organisation_id: int, filters: Filters) -> list[Select[Any]]:
    """The organisation's own entries, and the sign-in entries by or about its members."""
    where = _conditions(filters)
    if filters.case_ref:
        return [
            select(AuditEvent.id)
            .join(AuditEventCase, AuditEventCase.event_id == AuditEvent.id)
            .where(
                AuditEventCase.organisation_id == organisation_id,
                AuditEventCase.case_ref == filters.case_ref,
                AuditEvent.organisation_id == organisation_id,
                *where,
            )
        ]
    filed = AuditEventOrganisation.event_id
    return [
        select(AuditEvent.id).where(AuditEvent.organisation_id == organisation_id, *where),
        # Sign-ins and the like (no organisation), filed under it when they were written.
        select(filed.label("id"))
        .join(AuditEvent, AuditEvent.id == filed)
        .where(AuditEventOrganisation.organisation_id == organisation_id, *where),
    ]


def page_query(organisation_id: int, filters: Filters, limit: int, offset: int) -> Select[Any]:
    """The ids of one page, newest first: each part takes its newest through its index."""
    firsts = [
        select(sub.c.id)
        for part in _parts(organisation_id, filters)
        for sub in [part.order_by(part.selected_columns[0].desc()).limit(limit + offset).subquery()]
    ]
    merged = (union_all(*firsts) if len(firsts) > 1 else firsts[0]).subquery()
    return select(merged.c.id).order_by(merged.c.id.desc()).limit(limit).offset(offset)


@dataclass(frozen=True)
class Line:
    event: AuditEvent
    who: str

    @property
    def what(self) -> str:
        return action_words(self.event.action)

    @property
    def kind(self) -> str:
        return kind_words(self.event.entity_type)


def _lines(session: Session, ids: list[int]) -> list[Line]:
    if not ids:
        return []
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.id.in_(ids))
        .order_by(AuditEvent.id.desc())
    )
    return [Line(event, name or "System") for event, name in rows]


def count(
    session: Session, organisation_id: int, filters: Filters, up_to: int | None = None
) -> tuple[int, bool]:
    """The matching entries, and whether counting stopped at `up_to` (each part reads at most
    `up_to + 1` of its index entries, so the cost is bounded whatever the log's size)."""
    total = 0
    for part in _parts(organisation_id, filters):
        bounded = part if up_to is None else part.limit(up_to + 1)
        total += session.scalar(select(func.count()).select_from(bounded.subquery())) or 0
    if up_to is not None and total > up_to:
        return up_to, True
    return total, False


def search(
    session: Session, organisation_id: int, filters: Filters, page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Line]:  # fmt: skip
    """One page of the organisation's entries matching the filters, newest first, and totals
    counted up to COUNT_UP_TO (services/paging's page: its window; the rows come by id, see
    `page_query`)."""
    total, stopped = count(session, organisation_id, filters, COUNT_UP_TO)
    page, pages = window(total, page, per_page)
    query = page_query(organisation_id, filters, per_page, (page - 1) * per_page)
    ids = [int(i) for i in session.scalars(query)]
    return Page(_lines(session, ids), total, page, pages, per_page, stopped)


def everything(session: Session, organisation_id: int, filters: Filters) -> list[Line]:
    """Every matching entry, newest first (for the download), up to DOWNLOAD_LIMIT."""
    ids = [int(i) for i in session.scalars(page_query(organisation_id, filters, DOWNLOAD_LIMIT, 0))]
    return _lines(session, ids)


def people(session: Session, organisation_id: int) -> list[tuple[int, str]]:
    """The organisation's members, for the person filter."""
    return [
        (int(i), str(n))
        for i, n in session.execute(
            select(User.id, User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id)
            .order_by(User.display_name)
        )
    ]


def recent(
    session: Session, organisation_id: int, *, entity: str = "", limit: int = 100
) -> list[tuple[AuditEvent, str | None]]:
    """The newest entries of one organisation, with the name of who acted."""
    filters = Filters(kind=_key_for(entity, KINDS) or "") if entity else Filters()
    found = search(session, organisation_id, filters, 1, limit)
    return [(line.event, None if line.event.user_id is None else line.who) for line in found.items]
