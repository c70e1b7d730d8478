"""Nobody moderates or finalises an audit they answered, or an observation of themselves."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Role, TemplateVersion
from qa_toolkit.security import policy
from qa_toolkit.services.templates import FRAMEWORKS, publish
from tests.support.world import LoginAs, World


def _submitted_audit(app: Flask, world: World, auditor_id: int) -> int:
    with app.app_context():
        session = get_session()
        audit = Audit(
            organisation_id=world.a.org.id,
            template_version_id=world.template_version_id,
            case_record_id=session.scalar(
                select(CaseRecord.id).where(CaseRecord.case_ref == world.a.case_refs[1])
            ),
            auditor_id=auditor_id,
            status="submitted",
            answers={"consulted": "yes", "age_band": "10 to 15"},
        )
        session.add(audit)
        session.commit()
        return audit.id


def _observation_of(app: Flask, world: World, observed_id: int) -> int:
    with app.app_context():
        session = get_session()
        raw = (FRAMEWORKS / "peer_observation.yaml").read_bytes()
        version: TemplateVersion = publish(session, raw, "peer_observation.yaml", None).row
        observation = Audit(
            organisation_id=world.a.org.id,
            template_version_id=version.id,
            auditor_id=world.a.users[Role.AUDITOR].id,
            observed_user_id=observed_id,
            meeting_date=date.today(),
            meeting_type="Child in care review",
            status="submitted",
            answers={},
        )
        session.add(observation)
        session.commit()
        return observation.id


def _status(app: Flask, audit_id: int) -> tuple[str, int | None]:
    with app.app_context():
        audit = get_session().get_one(Audit, audit_id)
        return audit.status, audit.moderator_id


def test_a_manager_who_did_the_audit_neither_moderates_nor_finalises_it(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = world.a.users[Role.MANAGER]
    audit_id = _submitted_audit(app, world, manager.id)
    client = login_as(manager)
    assert client.get(f"/audits/{audit_id}/moderate").status_code == 403
    assert client.post(f"/audits/{audit_id}/moderate", data={"comment": "fine"}).status_code == 403
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert f"/audits/{audit_id}/finalise" not in page
    assert "another manager moderates and finalises it" in page
    client.post(f"/audits/{audit_id}/finalise", data={"confirm": "yes"})
    assert _status(app, audit_id)[0] == "submitted"
    # Nor can they name themselves moderator, and they are not offered.
    admin = login_as(world.a.users[Role.ADMIN])
    offered = admin.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert f'<option value="{manager.id}"' not in offered
    admin.post(f"/audits/{audit_id}/moderator", data={"moderator_id": str(manager.id)})
    assert _status(app, audit_id)[1] is None
    # Someone else finalises it.
    assert admin.post(f"/audits/{audit_id}/finalise", data={"confirm": "yes"}).status_code == 302
    assert _status(app, audit_id)[0] == "finalised"


def test_the_observed_iro_is_not_offered_as_moderator_and_cannot_moderate(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    observed = world.a.users[Role.MANAGER]
    observation_id = _observation_of(app, world, observed.id)
    admin = login_as(world.a.users[Role.ADMIN])
    page = admin.get(f"/audits/{observation_id}").get_data(as_text=True)
    assert f'<option value="{observed.id}"' not in page, "the observed IRO offered as moderator"
    admin.post(f"/audits/{observation_id}/moderator", data={"moderator_id": str(observed.id)})
    assert _status(app, observation_id)[1] is None
    client = login_as(observed)
    assert client.get(f"/audits/{observation_id}/moderate").status_code == 403
    client.post(f"/audits/{observation_id}/finalise", data={"confirm": "yes"})
    assert _status(app, observation_id)[0] == "submitted"


def test_the_policy_rules_for_audits() -> None:
    audit = Audit(
        organisation_id=1, auditor_id=10, observed_user_id=11, moderator_id=12, status="submitted"
    )
    manager = policy.Principal(13, Role.MANAGER, 1)
    assert policy.can(manager, "finalise", audit) and policy.can(manager, "moderate", audit)
    for took_part in (10, 11):
        who = policy.Principal(took_part, Role.MANAGER, 1)
        assert not policy.can(who, "moderate", audit)
        assert not policy.can(who, "finalise", audit)
        assert not policy.can(who, "be_moderator", audit)
    assert policy.can(policy.Principal(12, Role.AUDITOR, 1), "moderate", audit)
    assert not policy.can(policy.Principal(13, Role.MANAGER, 2), "open", audit), "other org"
    assert not policy.can(policy.Principal(14, Role.VIEWER, 1), "see_case", audit)
    assert not policy.can(policy.Principal(10, Role.AUDITOR, 1), "edit", audit), "submitted"
    audit.status = "in_progress"
    assert policy.can(policy.Principal(10, Role.AUDITOR, 1), "edit", audit)
    assert not policy.can(manager, "edit", audit)
