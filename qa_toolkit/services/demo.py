"""Seed the demo service: one organisation, its staff, a case list and one login per role."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from conventions import display
from qa_toolkit.models import CaseRecord, Frame, Organisation, Role, Staff, Team
from qa_toolkit.services import case_census
from qa_toolkit.services.demo_actions import seed_actions
from qa_toolkit.services.demo_annual import seed_history
from qa_toolkit.services.demo_audits import seed_rounds
from qa_toolkit.services.templates import publish_shipped
from qa_toolkit.services.users import NewUser, create_user
from sampling.census import list_census
from sampling.frame import fingerprint
from sampling.synthetic import SyntheticService, generate

DEMO_ORGANISATION = "Demo Borough Council"
DEMO_SEED = 20_240_331
# Printed for the demo's own accounts only; no other account has a default password.
DEMO_PASSWORD = "demo-only-password-2026"  # noqa: S105
# A fixed, published sampling key, so the demo draws the same samples on every machine and
# database; a real organisation's key is random and secret (sampling/prn.py).
DEMO_SAMPLING_KEY = hashlib.sha256(b"qa-toolkit demo-only sampling key").hexdigest()


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    display_name: str
    note: str = ""


DEMO_LOGINS = (
    DemoLogin(Role.ADMIN, "admin@demo.example", "Alex Admin"),
    DemoLogin(Role.MANAGER, "manager@demo.example", "Morgan Manager"),
    DemoLogin(Role.AUDITOR, "auditor@demo.example", "Ash Auditor"),
    DemoLogin(Role.AUDITOR, "auditor2@demo.example", "Bea Auditor"),
    DemoLogin(Role.AUDITOR, "auditor3@demo.example", "Cal Auditor"),
    DemoLogin(Role.VIEWER, "viewer@demo.example", "Vic Viewer"),
    # A social work team manager: owns practice-development actions (auditor role, no audits).
    DemoLogin(Role.AUDITOR, "teammanager@demo.example", "Tam Teammanager", "team manager"),
)


def seed(session: Session, today: date) -> bool:
    """Create the demo once. Returns False (and changes nothing) when it already exists."""
    # Idempotent: a framework already published is left as it is; clashes are reported.
    session.info["shipped_skipped"] = publish_shipped(session).skipped
    if session.scalar(select(Organisation.id).where(Organisation.name == DEMO_ORGANISATION)):
        return False
    org = Organisation(name=DEMO_ORGANISATION, slug="demo", sampling_key=DEMO_SAMPLING_KEY)
    session.add(org)
    session.flush()
    service = generate(np.random.default_rng(DEMO_SEED), today)
    team_ids, staff_ids = _seed_staff(session, org, service)
    frame = _seed_frame(session, org, service, team_ids, staff_ids)
    # The demo auditors are IROs of the service, so conflicts of interest are real.
    iro_staff = iter(s for (_name, role), s in staff_ids.items() if role == "iro")
    managers = iter(s for (_name, role), s in staff_ids.items() if role == "team_manager")
    users = {}
    for login in DEMO_LOGINS:
        if login.note:
            continue  # Created after the rounds, so the team manager is given no audits.
        user = create_user(
            session, org, NewUser(login.email, login.display_name, DEMO_PASSWORD, login.role)
        )
        users[login.email] = user
        if login.role == Role.AUDITOR:
            session.get_one(Staff, next(iro_staff)).user_id = user.id
    session.flush()
    # Finished rounds, so a new user sees findings, a trend and highlights straight away.
    seed_rounds(session, org, frame, today)
    team_manager_login = next(login for login in DEMO_LOGINS if login.note)
    team_manager = create_user(
        session,
        org,
        NewUser(
            team_manager_login.email, team_manager_login.display_name, DEMO_PASSWORD,
            team_manager_login.role,
        ),
    )  # fmt: skip
    owner = session.get_one(Staff, next(managers))
    owner.user_id = team_manager.id
    session.flush()
    seed_actions(
        session, org, owner, users["manager@demo.example"],
        [u for e, u in users.items() if e.startswith("auditor")], today,
    )  # fmt: skip
    seed_history(session, org, frame, today)  # last: the figures above stay as they were
    return True


def _seed_staff(
    session: Session, org: Organisation, service: SyntheticService
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    team_ids: dict[str, int] = {}
    for name in service.teams:
        team = Team(organisation_id=org.id, name=name)
        session.add(team)
        session.flush()
        team_ids[name] = team.id
    ids: dict[tuple[str, str], int] = {}
    for person in service.staff:
        row = Staff(
            organisation_id=org.id,
            team_id=team_ids[person.team] if person.team else None,
            name=person.name,
            staff_role=person.staff_role,
        )
        session.add(row)
        session.flush()
        ids[(person.name, person.staff_role)] = row.id
    return team_ids, ids


def _seed_frame(
    session: Session,
    org: Organisation,
    service: SyntheticService,
    team_ids: dict[str, int],
    staff_ids: dict[tuple[str, str], int],
) -> Frame:
    frame = Frame(
        organisation_id=org.id,
        label=f"Children in care at {display.date(service.as_at)} (demo export)",
        source_filename="demo-lcs-export.csv",
        as_at=service.as_at,
        row_count=len(service.cases),
        fingerprint=fingerprint(service.cases),
    )
    cases = service.cases
    plans, report = list_census(
        service.as_at,
        [c.case_ref for c in cases],
        [c.team for c in cases],
        [c.iro for c in cases],
        [c.became_looked_after for c in cases],
        [c.last_review for c in cases],
        [c.next_review_due for c in cases],
    )
    frame.census = report.to_json()  # as an import stores it
    # The people's names the partner text screen checks, kept with the list as an import does.
    frame.screen_names = case_census.screen_names(
        [c.iro for c in cases], [c.social_worker for c in cases]
    )
    session.add(frame)
    session.flush()
    rows: list[dict[str, object]] = [
        {
            "frame_id": frame.id,
            "organisation_id": org.id,
            "row_number": number,
            "case_ref": c.case_ref,
            "team_name": c.team,
            "team_id": team_ids.get(c.team or ""),
            "social_worker_name": c.social_worker,
            "social_worker_id": staff_ids.get((c.social_worker or "", "social_worker")),
            "iro_name": c.iro,
            "iro_id": staff_ids.get((c.iro or "", "iro")),
            "legal_status": c.legal_status,
            "placement_type": c.placement_type,
            "date_of_birth": c.date_of_birth,
            "age_band": c.age_band,
            "gender": c.gender,
            "ethnicity": c.ethnicity,
            "disability": c.disability,
            "uasc": c.uasc,
            "became_looked_after": c.became_looked_after,
            "last_review": c.last_review,
            "next_review_due": c.next_review_due,
            "review_due": plan.next_due,
            "review_status": plan.status,
            "days_overdue": plan.days_overdue,
            "attributes": {},
        }
        # Row 1 of the export is the header.
        for number, (c, plan) in enumerate(zip(cases, plans, strict=True), start=2)
    ]
    session.execute(insert(CaseRecord), rows)
    return frame
