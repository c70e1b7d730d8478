"""Peer observations, and the practitioner's response to an audit's feedback."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Role, Staff
from qa_toolkit.services.templates import FRAMEWORKS, publish
from tests.conftest import LoginAs, World


def _observation_template(app: Flask) -> int:
    with app.app_context():
        session = get_session()
        raw = (FRAMEWORKS / "peer_observation.yaml").read_bytes()
        row = publish(session, raw, "peer_observation.yaml", None).row
        session.commit()
        return row.id


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
    page = worker_client.get(url).get_data(as_text=True)
    assert "The child&#39;s views run through the plan" in page
    early = worker_client.post(url, data={"response": "Thanks"}, follow_redirects=True)
    assert "once the audit is finalised" in early.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        stored = session.get(Audit, world.audit_id)
        assert stored is not None
        stored.status = "finalised"
        session.commit()
    worker_client.post(url, data={"response": "Thank you, we will keep it up."})
    with app.app_context():
        stored = get_session().scalar(select(Audit).where(Audit.id == world.audit_id))
        assert (
            stored is not None and stored.practitioner_response == "Thank you, we will keep it up."
        )
        assert stored.response_by_id == worker_user.id
    assert login_as(world.b.users[Role.VIEWER]).get(url).status_code == 404
    assert login_as(world.shared_user).get(url).status_code == 404  # Not their case.
