"""Object-level permissions in one place: `can(who, action, obj)`, and `can(action, obj)` in Jinja.

`@roles(...)` says which roles reach a route; this module says what one person may do to one
object (this audit, this account). Views, services, the error pages and the templates all ask
here, so a rule ("only the auditor edits", "nobody moderates their own audit") is written once.

A rule is a plain function of a `Principal` (who, with which role in which organisation; see
security/principal.py) and the
object; the table `RULES` maps (type, action) to it. Asking for an action no rule covers is a
programming error (LookupError), never a silent yes or no.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import ColumnElement, and_, false, or_

from qa_toolkit.models import (
    Action,
    Audit,
    AuditStatus,
    Escalation,
    Organisation,
    Role,
    StaffRole,
    User,
)
from qa_toolkit.security.principal import Principal as Principal
from qa_toolkit.security.principal import acting as acting
from qa_toolkit.security.principal import current as current
from qa_toolkit.security.principal import principal_of as principal_of
from qa_toolkit.security.principal import signed_in

# The roles that run the service (programmes, case lists, every action and escalation), and those
# that see case-level detail (never a viewer). `@roles(...)` uses the same sets for routes.
MANAGING = frozenset({Role.ADMIN, Role.MANAGER})
CASE_LEVEL = frozenset({Role.ADMIN, Role.MANAGER, Role.AUDITOR})
# The statuses an auditor may still change, and those a second person reviews.
EDITABLE = frozenset(
    {AuditStatus.ASSIGNED.value, AuditStatus.IN_PROGRESS.value, AuditStatus.RETURNED.value}
)
REVIEWABLE = frozenset({AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value})
# When the observed IRO may read an observation of themselves: once the observer submitted it.
VISIBLE_TO_OBSERVED = frozenset(
    {AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value, AuditStatus.FINALISED.value}
)
# Who may be asked to moderate (an auditor or a manager of the audit's organisation).
MODERATOR_ROLES = frozenset({Role.AUDITOR, Role.MANAGER})


# ---- What a role may do in its organisation ---------------------------------------------------


def manages(role: Role | None) -> bool:
    """Whether the role runs the service: every audit, action and escalation of it, the
    programmes, the internal (case-level) workbooks and board packs, other people's jobs."""
    return role in MANAGING


def sees_case_level(role: Role | None) -> bool:
    """Whether the role may see case-level detail (case references, the internal marking)."""
    return role in CASE_LEVEL


def may_be_observed(role: Role | None) -> bool:
    """Whom a peer observation may be of: the auditors (IROs) and managers, who chair reviews."""
    return role is not None and role in MODERATOR_ROLES


def _manage_service(who: Principal, organisation: Organisation) -> bool:
    return who.organisation_id == organisation.id and manages(who.role)


def _see_cases(who: Principal, organisation: Organisation) -> bool:
    return who.organisation_id == organisation.id and sees_case_level(who.role)


def _administer(who: Principal, organisation: Organisation) -> bool:
    """The organisation's settings, members and template library."""
    return who.organisation_id == organisation.id and who.role == Role.ADMIN


# ---- Audits and observations ----------------------------------------------------------------


def _in_org(who: Principal, audit: Audit) -> bool:
    return who.role is not None and who.organisation_id == audit.organisation_id


def _took_part(who: Principal, audit: Audit) -> bool:
    """Whether `who` answered the audit or is the person observed: they never review it."""
    return who.user_id in (audit.auditor_id, audit.observed_user_id)


def _open(who: Principal, audit: Audit) -> bool:
    """Managers see their organisation's audits; auditors those they do or moderate, and an
    observation of themselves once it is submitted."""
    if not _in_org(who, audit):
        return False
    if who.role in MANAGING:
        return True
    if who.role == Role.AUDITOR:
        if who.user_id in (audit.auditor_id, audit.moderator_id):
            return True
        return who.user_id == audit.observed_user_id and audit.status in VISIBLE_TO_OBSERVED
    return False


def _answer(who: Principal, audit: Audit) -> bool:
    """Only the audit's own auditor sends answers (the service then says if it is too late)."""
    return _in_org(who, audit) and who.user_id == audit.auditor_id


def _edit(who: Principal, audit: Audit) -> bool:
    """Only the audit's own auditor, and only while it is theirs to change."""
    return _answer(who, audit) and audit.status in EDITABLE


def _manage(who: Principal, audit: Audit) -> bool:
    """The manager's panel: return for amendment, choose a moderator, acknowledge a concern."""
    return _in_org(who, audit) and who.role in MANAGING


def _moderate(who: Principal, audit: Audit) -> bool:
    """The assigned moderator, or a manager; never the auditor or the person observed."""
    if not _in_org(who, audit) or audit.status not in REVIEWABLE or _took_part(who, audit):
        return False
    return who.user_id == audit.moderator_id or who.role in MANAGING


def _finalise(who: Principal, audit: Audit) -> bool:
    """A manager who neither answered the audit nor is the person observed."""
    return (
        _in_org(who, audit)
        and who.role in MANAGING
        and audit.status in REVIEWABLE
        and not _took_part(who, audit)
    )


def _be_moderator(who: Principal, audit: Audit) -> bool:
    """Whether `who` may be chosen as the audit's moderator (asked of the candidate)."""
    return _in_org(who, audit) and who.role in MODERATOR_ROLES and not _took_part(who, audit)


def _see_case(who: Principal, audit: Audit) -> bool:
    """Case-level detail (the case reference) of an audit: never for a viewer."""
    return _in_org(who, audit) and who.role in CASE_LEVEL


def staff_responds(
    staff_id: int | None, team_id: int | None, staff_role: str | None, audit: Audit
) -> bool:
    """Whether this staff record's practice is the subject of a case audit's feedback: the
    child's social worker, or a team manager of the child's team."""
    case = audit.case_record if audit.observed_user_id is None else None
    if case is None or staff_id is None:
        return False
    if case.social_worker_id == staff_id:
        return True
    return (
        staff_role == StaffRole.TEAM_MANAGER.value
        and team_id is not None
        and case.team_id == team_id
    )


def _respond(who: Principal, audit: Audit) -> bool:
    """The person the feedback is for: the observed IRO once the observation is submitted; the
    child's social worker and team manager once the audit is finalised. Any role (a social
    worker may have only a viewer's account): the page shows them no case reference unless
    they may see case-level detail."""
    if not _in_org(who, audit):
        return False
    if audit.observed_user_id is not None:
        return who.user_id == audit.observed_user_id and audit.status in VISIBLE_TO_OBSERVED
    return audit.status == AuditStatus.FINALISED.value and staff_responds(
        who.staff_id, who.staff_team_id, who.staff_role, audit
    )


def _read_feedback(who: Principal, audit: Audit) -> bool:
    """The feedback and the response or reflection: those it is for, the managers, and the
    auditor who wrote it (for an observation, the observer reads the observed IRO's
    reflection)."""
    if not _in_org(who, audit):
        return False
    return who.role in MANAGING or who.user_id == audit.auditor_id or _respond(who, audit)


# ---- Practice-development actions -----------------------------------------------------------


def _action_ties(who: Principal) -> dict[str, int] | None:
    """Which actions of their organisation `who` may open: None for every one (managers), else
    those with any of these column values (auditors: raised by them, owned by their staff record,
    of their team); an empty map for none (viewers see only pseudonymous findings and exports).

    `_open_action` (one action, in Python) and `action_filter` (a list or count, in SQL) both
    read it, so the page that opens an action and the lists and counts cannot disagree."""
    if who.role in MANAGING:
        return None
    if who.role != Role.AUDITOR:
        return {}
    ties = {"raised_by_id": who.user_id}
    if who.staff_id is not None:
        ties["owner_staff_id"] = who.staff_id
    if who.staff_team_id is not None:
        ties["team_id"] = who.staff_team_id
    return ties


def _open_action(who: Principal, action: Action) -> bool:
    """Managers see every action of their organisation; auditors the ones they own or raised,
    and their team's; viewers none."""
    if who.role is None or who.organisation_id != action.organisation_id:
        return False
    ties = _action_ties(who)
    return ties is None or any(getattr(action, column) == value for column, value in ties.items())


def action_filter(who: Principal) -> ColumnElement[bool]:
    """The "open" rule for actions as a SQL condition: the rows of `Action` that `who` may open."""
    if who.role is None or who.organisation_id is None:
        return false()
    here = Action.organisation_id == who.organisation_id
    ties = _action_ties(who)
    if ties is None:
        return here
    return and_(here, or_(false(), *(getattr(Action, c) == v for c, v in ties.items())))


def _update_action(who: Principal, action: Action) -> bool:
    """The owner, whoever raised it, and managers may move an action on or close it."""
    if who.role is None or who.organisation_id != action.organisation_id:
        return False
    if who.role in MANAGING:
        return True
    return who.role == Role.AUDITOR and (
        (who.staff_id is not None and action.owner_staff_id == who.staff_id)
        or action.raised_by_id == who.user_id
    )


def _raised_by(who: Principal) -> int | None:
    """Whose escalations `who` may open beyond their organisation's managers' view: their own
    (an auditor, an IRO, raised them); None for every one (managers), 0 for none (viewers).

    `_open_escalation` (one, in Python) and `escalation_filter` (the list, in SQL) both read
    it, so the page and the list cannot disagree."""
    if manages(who.role):
        return None
    return who.user_id if who.role == Role.AUDITOR else 0


def _open_escalation(who: Principal, escalation: Escalation) -> bool:
    """Managers see all of their organisation's escalations; an auditor the ones they raised."""
    if who.role is None or who.organisation_id != escalation.organisation_id:
        return False
    raiser = _raised_by(who)
    return raiser is None or escalation.raised_by_id == raiser


def escalation_filter(who: Principal) -> ColumnElement[bool]:
    """The "open" rule for escalations as a SQL condition: the rows `who` may open."""
    if who.role is None or who.organisation_id is None:
        return false()
    here = Escalation.organisation_id == who.organisation_id
    raiser = _raised_by(who)
    return here if raiser is None else and_(here, Escalation.raised_by_id == raiser)


# ---- Accounts -------------------------------------------------------------------------------


def _member_here(who: Principal, account: User) -> bool:
    return who.organisation_id is not None and any(
        m.organisation_id == who.organisation_id for m in account.memberships
    )


def _manage_membership(who: Principal, account: User) -> bool:
    """An organisation's administrator changes the role in, or removes from, their own
    organisation only."""
    return who.role == Role.ADMIN and _member_here(who, account)


def _change_account(who: Principal, account: User) -> bool:
    """Password resets, removing the authenticator app, disabling: things that act on the
    account everywhere. An organisation's administrator may do them only to an account that
    belongs to their organisation alone; a deployment administrator to any."""
    if who.deployment_admin:
        return True
    return (
        who.role == Role.ADMIN
        and _member_here(who, account)
        and all(m.organisation_id == who.organisation_id for m in account.memberships)
    )


Rule = Callable[[Principal, Any], bool]
RULES: dict[tuple[type, str], Rule] = {
    (Audit, "open"): _open,
    (Audit, "answer"): _answer,
    (Audit, "edit"): _edit,
    (Audit, "manage"): _manage,
    (Audit, "moderate"): _moderate,
    (Audit, "finalise"): _finalise,
    (Audit, "be_moderator"): _be_moderator,
    (Audit, "see_case"): _see_case,
    (Audit, "respond"): _respond,
    (Audit, "read_feedback"): _read_feedback,
    (Organisation, "manage"): _manage_service,
    (Organisation, "see_cases"): _see_cases,
    (Organisation, "administer"): _administer,
    (Escalation, "open"): _open_escalation,
    (Action, "open"): _open_action,
    (Action, "update"): _update_action,
    (User, "manage_membership"): _manage_membership,
    (User, "reset_password"): _change_account,
    (User, "reset_mfa"): _change_account,
    (User, "disable"): _change_account,
}


def can(who: Principal | User | None, action: str, obj: object) -> bool:
    """Whether `who` may do `action` to `obj`. A `User` is seen in the object's organisation
    (or, for an account, in the one being worked in)."""
    rule = RULES.get((type(obj), action))
    if rule is None:
        raise LookupError(f"No permission rule for {action!r} on {type(obj).__name__}")
    if who is None:
        return False
    if isinstance(who, User):
        org = getattr(obj, "organisation_id", None)
        if org is None:
            here = current()
            org = here.organisation_id if here is not None else None
        who = principal_of(who, org)
    return rule(who, obj)


def _can_here(action: str, obj: object | None = None) -> bool:
    """Jinja's `can`: `can('edit', audit)`, or `can('manage')` of the organisation being
    worked in (no organisation: nothing)."""
    if obj is None:
        obj = g.get("organisation") if has_request_context() else None
        if obj is None:
            return False
    return can(signed_in() if isinstance(obj, Organisation) else current(), action, obj)


def init_app(app: Flask) -> None:
    """Templates ask `can('edit', audit)`, or `can('manage')`, of the signed-in person."""
    app.jinja_env.globals["can"] = _can_here
