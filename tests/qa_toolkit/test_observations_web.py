"""Peer observations, and the practitioner's response to an audit's feedback."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from audit_templates.schema import Template
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Role, Staff, TemplateVersion
from qa_toolkit.services.audits import start_observation, template_for
from qa_toolkit.services.templates import FRAMEWORKS, publish
from tests.support.world import LoginAs, World


def _observation_template(app: Flask) -> int:
    with app.app_context():
        session = get_session()
        raw = (FRAMEWORKS / "peer_observation.yaml").read_bytes()
        row = publish(session, raw, "peer_observation.yaml", None).row
        session.commit()
        return row.id


def _complete_form(template: Template, version: int) -> dict[str, str]:
    """A whole observation as the observer would post it: every question answered."""
    data = {"version": str(version), "action": "submit"}
    for question in template.questions():
        scale = template.scale_of(question)
        if scale is not None:
            data[f"q_{question.id}"] = str(scale.options[0].value)
        elif question.options:
            data[f"q_{question.id}"] = question.options[0]
        elif question.type == "date":
            data[f"q_{question.id}"] = date.today().isoformat()
        elif question.type == "number":
            data[f"q_{question.id}"] = str(int(question.min or 0))
        else:
            data[f"q_{question.id}"] = "Seen in the meeting."
        if question.evidence_required_when:
            data[f"ev_{question.id}"] = "Seen in the meeting."
    return data


def _submit_observation(app: Flask, observer: FlaskClient, audit_id: int) -> TestResponse:
    with app.app_context():
        observation = get_session().get_one(Audit, audit_id)
        template, version = template_for(observation), observation.lock_version
    submitted = observer.post(f"/audits/{audit_id}", data=_complete_form(template, version))
    with app.app_context():
        assert get_session().get_one(Audit, audit_id).status == "submitted"
    return submitted


def _start_observation(app: Flask, world: World, status: str) -> int:
    """An observation by A's auditor of the shared user, left at `status`."""
    version_id = _observation_template(app)
    with app.app_context():
        session = get_session()
        observation = start_observation(
            session,
            organisation_id=world.a.org.id,
            template_version=session.get_one(TemplateVersion, version_id),
            observer_id=world.a.users[Role.AUDITOR].id,
            observed_id=world.shared_user.id,
            meeting_date=date.today(),
            meeting_type="Child in care review",
        )
        observation.status = status
        session.commit()
        return observation.id


def test_the_observed_iro_cannot_open_a_draft_observation_until_it_is_submitted(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    audit_id = _start_observation(app, world, "assigned")
    observer = login_as(world.a.users[Role.AUDITOR])
    observed = login_as(world.shared_user)
    url = f"/audits/{audit_id}"
    assert observed.get(url).status_code == 404  # Assigned: the observer has not begun.
    draft = _complete_form(_template_of(app, audit_id), 1) | {"action": "save"}
    assert observer.post(url, data=draft).status_code == 302
    with app.app_context():
        assert get_session().get_one(Audit, audit_id).status == "in_progress"
    assert observed.get(url).status_code == 404  # In progress: still the observer's draft.
    assert observed.post(f"{url}/autosave", json={"version": 2, "values": {}}).status_code == 404
    # The list still shows it, so the observed IRO knows one is on the way.
    assert "Child in care review" in observed.get("/observations/").get_data(as_text=True)
    assert observer.get(url).status_code == 200  # The observer and managers: at all times.
    assert login_as(world.a.users[Role.MANAGER]).get(url).status_code == 200
    assert _submit_observation(app, observer, audit_id).status_code == 302
    assert observed.get(url).status_code == 200
    for status, visible in (("moderated", True), ("finalised", True), ("returned", False)):
        with app.app_context():
            session = get_session()
            session.get_one(Audit, audit_id).status = status
            session.commit()
        assert observed.get(url).status_code == (200 if visible else 404), status
        assert observer.get(url).status_code == 200, status


def _template_of(app: Flask, audit_id: int) -> Template:
    with app.app_context():
        return template_for(get_session().get_one(Audit, audit_id))


def test_an_iro_records_an_observation_and_the_observed_iro_reflects(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    version_id = _observation_template(app)
    observer = login_as(world.a.users[Role.AUDITOR])
    form = {
        "template_version_id": version_id,
        "observed_id": world.shared_user.id,
        "meeting_date": date.today().isoformat(),
        "meeting_type": "Child in care review",
    }
    myself = observer.post(
        "/observations/new", data={**form, "observed_id": world.a.users[Role.AUDITOR].id}
    )
    assert myself.status_code == 400 and "colleague you observed" in myself.get_data(as_text=True)
    started = observer.post("/observations/new", data=form)
    assert started.status_code == 302
    audit_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        observation = get_session().get(Audit, audit_id)
        assert observation is not None
        assert observation.observed_user_id == world.shared_user.id
        assert observation.auditor_id == world.a.users[Role.AUDITOR].id
        assert observation.meeting_type == "Child in care review"
    observed = login_as(world.shared_user)
    assert observed.get(f"/audits/{audit_id}").status_code == 404  # Not while it is a draft.
    assert _submit_observation(app, observer, audit_id).status_code == 302
    assert observed.get(f"/audits/{audit_id}").status_code == 200  # They can read it ...
    assert (
        observed.post(f"/audits/{audit_id}", data={"version": "1"}).status_code == 403
    )  # ... not edit it.
    listing = observed.get("/observations/").get_data(as_text=True)
    assert "Add your reflection" in listing
    observed.post(
        f"/audits/{audit_id}/response", data={"response": "I will introduce the child first."}
    )
    with app.app_context():
        stored = get_session().get(Audit, audit_id)
        assert (
            stored is not None
            and stored.practitioner_response == "I will introduce the child first."
        )
    assert login_as(world.a.users[Role.VIEWER]).get("/observations/").status_code == 403
    assert login_as(world.b.users[Role.MANAGER]).get(f"/audits/{audit_id}").status_code == 404


def test_the_social_worker_reads_finalised_feedback_and_responds(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    worker_user = world.a.users[Role.VIEWER]
    with app.app_context():
        session = get_session()
        worker = Staff(
            organisation_id=world.a.org.id,
            name="Jo Worker",
            staff_role="social_worker",
            user_id=worker_user.id,
        )
        session.add(worker)
        session.flush()
        audit = session.get(Audit, world.audit_id)
        assert audit is not None and audit.case_record_id is not None
        case = session.get(CaseRecord, audit.case_record_id)
        assert case is not None
        case.social_worker_id = worker.id
        audit.feedback_went_well = "The child's views run through the plan"
        session.commit()
    worker_client = login_as(worker_user)
    url = f"/audits/{world.audit_id}/response"
    # Until it is finalised the feedback may still change: it is not theirs to read yet.
    assert worker_client.get(url).status_code == 404
    assert worker_client.post(url, data={"response": "Thanks"}).status_code == 404
    with app.app_context():
        session = get_session()
        stored = session.get(Audit, world.audit_id)
        assert stored is not None
        stored.status = "finalised"
        session.commit()
    page = worker_client.get(url).get_data(as_text=True)
    assert "The child&#39;s views run through the plan" in page
    worker_client.post(url, data={"response": "Thank you, we will keep it up."})
    with app.app_context():
        stored = get_session().scalar(select(Audit).where(Audit.id == world.audit_id))
        assert (
            stored is not None and stored.practitioner_response == "Thank you, we will keep it up."
        )
        assert stored.response_by_id == worker_user.id
    assert login_as(world.b.users[Role.VIEWER]).get(url).status_code == 404
    assert login_as(world.shared_user).get(url).status_code == 404  # Not their case.
