"""A world of two organisations for the web tests: a user of every role in each, one user who
belongs to both, and one record of each kind (built by the `world` fixture in conftest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import (
    Action,
    Audit,
    CaseRecord,
    Frame,
    FrameUpload,
    Membership,
    Organisation,
    Role,
    Staff,
    Team,
    User,
)
from qa_toolkit.services.escalations import REASONS, NewEscalation, open_escalation
from qa_toolkit.services.programmes import draw_programme
from qa_toolkit.services.templates import publish
from reports.actions import DEFAULT_STAGES
from sampling.design import SampleDesign, SizeRule
from tests.support.app import example_template_yaml

LoginAs = Callable[[User | None], FlaskClient]


@dataclass
class OrgWorld:
    org: Organisation
    users: dict[Role, User]
    teams: list[Team]
    iros: list[Staff]
    frame: Frame
    case_refs: list[str]


@dataclass
class World:
    a: OrgWorld
    b: OrgWorld
    shared_user: User  # Auditor in A, manager in B: a shared staffing arrangement.
    template_version_id: int  # A shared template: the example from the template guide.
    upload_id: int  # A case list uploaded in A, waiting for its columns to be confirmed.
    programme_id: int  # A dip sample of 2 of A's 3 cases.
    audit_id: int  # An audit of one of A's cases, assigned to A's auditor (not yet started).
    action_id: int  # An action in A owned by A's first IRO (A's auditor), raised by A's manager.
    escalation_id: int  # An escalation of A's first case, opened by A's auditor.


def build_org(session: Session, name: str, slug: str, prefix: str, pw_hash: str) -> OrgWorld:
    org = Organisation(name=name, slug=slug)
    session.add(org)
    session.flush()
    users: dict[Role, User] = {}
    for role in Role:
        user = User(
            email=f"{role.value}@{slug}.example",
            display_name=f"{role.value.title()} of {name}",
            password_hash=pw_hash,
        )
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=org.id, role=role.value))
        users[role] = user
    teams = [Team(organisation_id=org.id, name=f"{prefix} Team {i}") for i in (1, 2)]
    session.add_all(teams)
    session.flush()
    iros = [
        Staff(organisation_id=org.id, name=f"{prefix} IRO {i}", staff_role="iro") for i in (1, 2)
    ]
    session.add_all(iros)
    session.flush()
    iros[0].user_id = users[Role.AUDITOR].id
    today = date.today()
    frame = Frame(
        organisation_id=org.id,
        label=f"{name} children in care",
        as_at=today,
        row_count=3,
        fingerprint="0" * 64,
    )
    session.add(frame)
    session.flush()
    refs = [f"{prefix}{n:05d}" for n in (1, 2, 3)]
    dues = [today - timedelta(days=3), today + timedelta(days=10), today + timedelta(days=90)]
    for i, (ref, due) in enumerate(zip(refs, dues, strict=True)):
        session.add(
            CaseRecord(
                frame_id=frame.id,
                organisation_id=org.id,
                row_number=i + 2,
                case_ref=ref,
                team_name=teams[i % 2].name,
                team_id=teams[i % 2].id,
                iro_name=iros[i % 2].name,
                iro_id=iros[i % 2].id,
                legal_status="Full care order",
                next_review_due=due,
            )
        )
    session.flush()
    return OrgWorld(org, users, teams, iros, frame, refs)


def build_world(app: Flask, password_hash: str) -> World:
    """Two organisations with a user of every role each, and one user who belongs to both."""
    with app.app_context():
        from qa_toolkit.db import get_session

        session = get_session()
        a = build_org(session, "North Shire Council", "north", "N", password_hash)
        b = build_org(session, "South Borough Council", "south", "S", password_hash)
        shared = User(
            email="shared@both.example", display_name="Sam Shared", password_hash=password_hash
        )
        session.add(shared)
        session.flush()
        session.add(Membership(user_id=shared.id, organisation_id=a.org.id, role="auditor"))
        session.add(Membership(user_id=shared.id, organisation_id=b.org.id, role="manager"))
        published = publish(session, example_template_yaml().encode(), "voice.yaml", None)
        upload = FrameUpload(
            organisation_id=a.org.id,
            user_id=a.users[Role.MANAGER].id,
            filename="pending.csv",
            content=b"Case reference,Team\r\nN90001,N Team 1\r\n",
        )
        session.add(upload)
        programme = draw_programme(
            session,
            organisation_id=a.org.id,
            name="North dip sample",
            template_version=published.row,
            frame=a.frame,
            design=SampleDesign(size=SizeRule(n=2), reserves=1, exclude_audited_months=None),
            seed=7,
            due_date=None,
            exclude_own_team=False,
            created_by_id=a.users[Role.MANAGER].id,
            today=date.today(),
        )
        audit = Audit(
            organisation_id=a.org.id,
            template_version_id=published.row.id,
            case_record_id=session.scalar(
                select(CaseRecord.id).where(CaseRecord.case_ref == a.case_refs[0])
            ),
            auditor_id=a.users[Role.AUDITOR].id,
            status="assigned",
        )
        session.add(audit)
        session.flush()
        action = Action(
            organisation_id=a.org.id,
            title="Record the child's views before each review",
            owner_staff_id=a.iros[0].id,
            due_date=date.today() + timedelta(days=20),
            priority="medium",
            status="open",
            source="standalone",
            raised_by_id=a.users[Role.MANAGER].id,
        )
        session.add(action)
        escalation = open_escalation(
            session,
            a.org.id,
            NewEscalation(
                case_ref=a.case_refs[0],
                reason=REASONS[0],
                issue="The permanence plan has not moved since the last review.",
                stage_key=DEFAULT_STAGES[0].key,
                raised_on=date.today(),
            ),
            DEFAULT_STAGES,
            a.users[Role.AUDITOR].id,
            date.today(),
        )
        session.commit()
        return World(
            a, b, shared, published.row.id, upload.id, programme.id, audit.id, action.id,
            escalation.id,
        )  # fmt: skip
