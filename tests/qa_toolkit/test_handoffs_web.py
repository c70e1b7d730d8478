"""Hand-offs: reflections read by the observer and managers, feedback reaching the social worker
and team manager, links only to what the reader may open, and the record of a concern."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Action,
    Audit,
    AuditEvent,
    CaseRecord,
    Membership,
    Notification,
    Role,
    Staff,
    User,
)
from qa_toolkit.services import audits as audit_service
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World


def _observation(app: Flask, world: World, status: str = "submitted") -> int:
    """The shared user (an auditor in A) observed A's auditor chairing a review."""
    with app.app_context():
        db = get_session()
        audit = Audit(
            organisation_id=world.a.org.id,
            template_version_id=world.template_version_id,
            auditor_id=world.shared_user.id,
            observed_user_id=world.a.users[Role.AUDITOR].id,
            meeting_date=date.today(),
            meeting_type="Child in care review",
            status=status,
        )
        db.add(audit)
        db.commit()
        return audit.id


def _waiting(app: Flask, kind: str) -> int:
    """Notifications of `kind` still on someone's "Waiting for you" list."""
    with app.app_context():
        return len(
            list(
                get_session().scalars(
                    select(Notification.id).where(
                        Notification.kind == kind, Notification.dismissed_at.is_(None)
                    )
                )
            )
        )


def _stored(app: Flask, audit_id: int) -> Audit:
    with app.app_context():
        found = get_session().get(Audit, audit_id)
        assert found is not None
        return found


def test_the_reflection_is_read_by_the_observer_and_managers_only(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    obs = _observation(app, world)
    url = f"/audits/{obs}/response"
    observed = login_as(world.a.users[Role.AUDITOR])
    observed.post(url, data={"response": "   "})
    assert _stored(app, obs).practitioner_response is None, "an empty reflection was saved"
    observed.post(url, data={"response": "I will introduce everyone first."})
    assert _stored(app, obs).practitioner_response == "I will introduce everyone first."

    observer = login_as(world.shared_user)
    for who in (
        observer,
        login_as(world.a.users[Role.MANAGER]),
        login_as(world.a.users[Role.ADMIN]),
    ):
        page = who.get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert (
            "I will introduce everyone first." in text and "Auditor of North Shire Council" in text
        )
        assert 'name="response"' not in text, "someone else may not change the reflection"
    record = observer.get(f"/audits/{obs}").get_data(as_text=True)
    assert "The observed IRO's reflection" in record
    assert "I will introduce everyone first." in record
    listing = observer.get("/observations/").get_data(as_text=True)
    assert f'href="/audits/{obs}/response">Read the reflection' in listing
    # The observer may read, not write; others in A and everyone in B see nothing.
    assert observer.post(url, data={"response": "Changed"}).status_code == 403
    assert _stored(app, obs).practitioner_response == "I will introduce everyone first."
    assert login_as(world.a.users[Role.VIEWER]).get(url).status_code == 404
    assert login_as(world.b.users[Role.MANAGER]).get(url).status_code == 404
    with app.app_context():
        told = get_session().scalars(
            select(Notification.user_id).where(Notification.kind == "reflection_added")
        )
        assert world.shared_user.id in set(told)


def _team_manager(app: Flask, world: World, team: int, role: Role = Role.AUDITOR) -> User:
    """A team manager of A's team `team` (0 or 1) with an account of `role` in A."""
    with app.app_context():
        db = get_session()
        user = User(
            email=f"tm{team}{role.value}@north.example",
            display_name=f"Team manager {team + 1}",
            password_hash="x",
        )
        db.add(user)
        db.flush()
        db.add(Membership(user_id=user.id, organisation_id=world.a.org.id, role=role.value))
        db.add(
            Staff(
                organisation_id=world.a.org.id,
                team_id=world.a.teams[team].id,
                name=f"TM {team + 1}",
                staff_role="team_manager",
                user_id=user.id,
            )
        )
        db.commit()
        db.refresh(user)
        return user


def _finalise_world_audit(app: Flask, world: World) -> None:
    """The world's audit (of A's first case, team 1) with feedback, finalised by the service."""
    with app.app_context():
        db = get_session()
        audit = db.get(Audit, world.audit_id)
        assert audit is not None
        audit.feedback_went_well = "Clear chronology"
        audit.answers = {"consulted": "yes"}
        audit.status = "submitted"
        db.flush()
        audit_service.finalise(db, audit)
        db.commit()


def test_the_team_manager_reads_and_answers_feedback_from_dashboard_and_action(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    tm = _team_manager(app, world, 0)
    other_tm = _team_manager(app, world, 1)
    with app.app_context():
        db = get_session()
        staff_id = db.scalar(select(Staff.id).where(Staff.user_id == tm.id))
        action = Action(
            organisation_id=world.a.org.id, title="Visit within timescales",
            owner_staff_id=staff_id, due_date=date.today() + timedelta(days=10),
            source="audit_question", audit_id=world.audit_id, question_id="consulted",
            raised_by_id=world.a.users[Role.MANAGER].id,
        )  # fmt: skip
        db.add(action)
        db.commit()
        action_id = action.id
    client = login_as(tm)
    url = f"/audits/{world.audit_id}/response"
    assert client.get(url).status_code == 404, "feedback before it is finalised"
    assert 'id="feedback-for-you"' not in client.get("/").get_data(as_text=True)

    _finalise_world_audit(app, world)
    with app.app_context():
        told = set(
            get_session().scalars(
                select(Notification.user_id).where(Notification.kind == "feedback_ready")
            )
        )
    assert told == {tm.id}, "the feedback is for the team manager of the child's team only"
    dashboard = client.get("/").get_data(as_text=True)
    assert "Feedback for you (1)" in dashboard and f'href="{url}"' in dashboard
    assert "Waiting for your response" in dashboard
    # The action's link goes where they may go: the feedback, not the full audit (was a 404).
    shown = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert f'href="{url}">read the audit&#39;s feedback' in shown
    assert f'href="/audits/{world.audit_id}"' not in shown
    assert client.get(f"/audits/{world.audit_id}").status_code == 404
    for link in re.findall(r'href="(/audits/[^"]+)"', shown + dashboard):
        assert client.get(link).status_code == 200, link

    page = client.get(url).get_data(as_text=True)
    assert "Clear chronology" in page and 'name="response"' in page
    client.post(url, data={"response": ""})
    assert _stored(app, world.audit_id).practitioner_response is None
    assert _waiting(app, "feedback_ready") == 1
    client.post(url, data={"response": "We will keep the chronology up to date."})
    assert _waiting(app, "feedback_ready") == 0
    stored = _stored(app, world.audit_id)
    assert stored.practitioner_response == "We will keep the chronology up to date."
    assert stored.response_by_id == tm.id
    assert "Answered" in client.get("/").get_data(as_text=True)
    # The manager of the other team: nothing on the dashboard, no feedback page.
    other = login_as(other_tm)
    assert 'id="feedback-for-you"' not in other.get("/").get_data(as_text=True)
    assert other.get(url).status_code == 404
    assert other.post(url, data={"response": "Not mine"}).status_code == 404
    assert _stored(app, world.audit_id).response_by_id == tm.id
    # The manager sees the response, and the action links them to the full audit.
    manager = login_as(world.a.users[Role.MANAGER])
    assert "We will keep the chronology up to date." in manager.get(url).get_data(as_text=True)
    assert f'href="/audits/{world.audit_id}">open the audit' in manager.get(
        f"/actions/{action_id}"
    ).get_data(as_text=True)


def test_a_social_worker_with_a_viewer_account_sees_feedback_without_the_case(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    worker = world.a.users[Role.VIEWER]
    with app.app_context():
        db = get_session()
        staff = Staff(
            organisation_id=world.a.org.id, name="Jo Worker", staff_role="social_worker",
            user_id=worker.id,
        )  # fmt: skip
        db.add(staff)
        db.flush()
        case = db.scalar(select(CaseRecord).where(CaseRecord.case_ref == world.a.case_refs[0]))
        assert case is not None
        case.social_worker_id = staff.id
        db.commit()
    _finalise_world_audit(app, world)
    client = login_as(worker)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Feedback for you (1)" in dashboard and "a case you work on" in dashboard
    assert world.a.case_refs[0] not in dashboard
    page = client.get(f"/audits/{world.audit_id}/response").get_data(as_text=True)
    assert "Clear chronology" in page and world.a.case_refs[0] not in page


@pytest.mark.demo
def test_auditors_see_links_only_to_actions_they_may_open(app: Flask) -> None:
    """On the demo's finished rounds (actions owned across the service): every action link an
    auditor is shown opens, and the actions they may not open are named without a link."""
    from qa_toolkit.models import Programme
    from qa_toolkit.services import demo

    require_demo(app)
    with app.app_context():
        programmes = list(get_session().scalars(select(Programme.id)))
        titles = {a.id: a.title for a in get_session().scalars(select(Action))}

    def client(email: str):  # type: ignore[no-untyped-def]
        signed_in = app.test_client()
        signed_in.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        return signed_in

    auditor, manager = client("auditor@demo.example"), client("manager@demo.example")
    shown_to = {"auditor": set(), "manager": set()}
    unlinked = 0
    for programme_id in programmes:
        page = auditor.get(f"/findings/{programme_id}").get_data(as_text=True)
        links = {int(n) for n in re.findall(r'href="/actions/(\d+)"', page)}
        for action_id in links:
            assert auditor.get(f"/actions/{action_id}").status_code == 200, action_id
        shown_to["auditor"] |= links
        listed = page.split('id="actions-title"', 1)[-1].split("</section>", 1)[0]
        unlinked += sum(
            1
            for action_id, title in titles.items()
            if action_id not in links and f"<td>{title}</td>" in listed.replace("&#39;", "'")
        )
        managed = manager.get(f"/findings/{programme_id}").get_data(as_text=True)
        shown_to["manager"] |= {int(n) for n in re.findall(r'href="/actions/(\d+)"', managed)}
    assert shown_to["auditor"] < shown_to["manager"], "the auditor should see fewer links"
    assert unlinked > 0, "actions the auditor may not open are still named"
    hidden = shown_to["manager"] - shown_to["auditor"]
    assert all(auditor.get(f"/actions/{a}").status_code == 404 for a in hidden)


def test_an_acknowledged_concern_records_who_what_and_when(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    auditor.post(
        f"/audits/{world.audit_id}",
        data={"version": "1", "action": "save", "concern": "No visit recorded for 9 months"},
    )
    url = f"/audits/{world.audit_id}/acknowledge"
    # Refused: the auditor, another council's manager, and a manager saying nothing was done.
    assert auditor.post(url, data={"action_taken": "x"}).status_code == 403
    assert (
        login_as(world.b.users[Role.MANAGER]).post(url, data={"action_taken": "x"}).status_code
        == 404
    )
    manager = login_as(world.a.users[Role.MANAGER])
    manager.post(url, data={"action_taken": "  "})
    assert "Say what has been done" in manager.get(f"/audits/{world.audit_id}").get_data(
        as_text=True
    )
    stored = _stored(app, world.audit_id)
    assert stored.concern_acknowledged_at is None and stored.concern_action_taken is None

    assert _waiting(app, "immediate_concern") == 2  # A's administrator and manager.
    manager.post(url, data={"action_taken": "Rang the team manager; visit booked for Friday."})
    assert _waiting(app, "immediate_concern") == 0, "still waiting for the other manager"
    stored = _stored(app, world.audit_id)
    assert stored.concern_acknowledged_by_id == world.a.users[Role.MANAGER].id
    assert stored.concern_action_taken == "Rang the team manager; visit booked for Friday."
    assert stored.concern_acknowledged_at is not None
    page = manager.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    record = page.split('id="concern-record"', 1)[1].split("</div>", 1)[0]
    assert "Acknowledged by Manager of North Shire Council" in record
    assert "Rang the team manager; visit booked for Friday." in record
    dashboard = manager.get("/").get_data(as_text=True)
    table = dashboard.split('id="acknowledged-concerns"', 1)[1].split("</section>", 1)[0]
    assert world.a.case_refs[0] in table and "Manager of North Shire Council" in table
    assert "visit booked for Friday" in table
    with app.app_context():
        logged = list(
            get_session().scalars(
                select(AuditEvent).where(
                    AuditEvent.entity_type == "audit",
                    AuditEvent.entity_id == str(world.audit_id),
                    AuditEvent.action == "update",
                )
            )
        )
    assert any("concern_action_taken" in (e.changes or {}) for e in logged)
    assert any(
        e.user_id == world.a.users[Role.MANAGER].id and "concern_acknowledged_by_id" in e.changes
        for e in logged
    )
    # Acknowledged once: a second post changes nothing.
    manager.post(url, data={"action_taken": "Something else"})
    assert _stored(app, world.audit_id).concern_action_taken.startswith("Rang")  # type: ignore[union-attr]


def test_the_dashboard_query_and_the_policy_agree_on_whose_feedback_it_is(
    app: Flask, world: World
) -> None:
    """feedback_for (one query), responder_ids (who is told) and policy 'respond' (who may
    answer) name the same people, for every kind of staff record near the case."""
    from qa_toolkit.security import policy
    from qa_toolkit.services import feedback as feedback_service

    _finalise_world_audit(app, world)
    with app.app_context():
        db = get_session()
        audit = db.get(Audit, world.audit_id)
        assert audit is not None and audit.case_record is not None
        team, other_team = world.a.teams[0].id, world.a.teams[1].id
        assert audit.case_record.team_id == team
        kinds = {
            "social worker of the case": ("social_worker", other_team, True),
            "team manager of the team": ("team_manager", team, True),
            "team manager of another team": ("team_manager", other_team, False),
            "social worker in the team, not of the case": ("social_worker", team, False),
            "IRO in the team": ("iro", team, False),
        }
        people: dict[str, User] = {}
        for label, (staff_role, team_id, _expected) in kinds.items():
            user = User(email=f"{len(people)}@n.example", display_name=label, password_hash="x")
            db.add(user)
            db.flush()
            db.add(Membership(user_id=user.id, organisation_id=world.a.org.id, role="viewer"))
            staff = Staff(
                organisation_id=world.a.org.id, team_id=team_id, name=label,
                staff_role=staff_role, user_id=user.id,
            )  # fmt: skip
            db.add(staff)
            db.flush()
            if label == "social worker of the case":
                audit.case_record.social_worker_id = staff.id
            people[label] = user
        db.flush()
        told = audit_service.responder_ids(db, audit)
        for label, user in people.items():
            expected = kinds[label][2]
            who = policy.principal_of(user, world.a.org.id)
            listed = [f.audit_id for f in feedback_service.feedback_for(db, who)]
            assert policy.can(who, "respond", audit) is expected, label
            assert (listed == [audit.id]) is expected, label
            assert (user.id in told) is expected, label
        db.rollback()
