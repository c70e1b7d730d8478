"""No case reference where it should not be: a viewer's feedback page, the session cookie."""

from __future__ import annotations

import base64
import zlib

from flask import Flask
from flask.testing import FlaskClient

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Role, Staff
from tests.support.world import LoginAs, World


def test_a_viewer_linked_to_a_staff_record_reads_feedback_without_the_case_reference(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    viewer = world.a.users[Role.VIEWER]
    with app.app_context():
        session = get_session()
        worker = Staff(
            organisation_id=world.a.org.id, name="Jo Worker", staff_role="social_worker",
            user_id=viewer.id,
        )  # fmt: skip
        session.add(worker)
        session.flush()
        audit = session.get_one(Audit, world.audit_id)
        session.get_one(CaseRecord, audit.case_record_id).social_worker_id = worker.id
        audit.feedback_went_well = "The plan reads well"
        audit.status = "finalised"  # Feedback is for the practitioner once it is final.
        session.commit()
    page = login_as(viewer).get(f"/audits/{world.audit_id}/response").get_data(as_text=True)
    assert "The plan reads well" in page
    assert world.a.case_refs[0] not in page, "the case reference was shown to a viewer"
    # The auditor and managers still see which case it is.
    manager_page = login_as(world.a.users[Role.MANAGER]).get(f"/audits/{world.audit_id}/response")
    assert world.a.case_refs[0] in manager_page.get_data(as_text=True)


def _cookie_payload(client: FlaskClient) -> str:
    """The session cookie as anyone holding it can read it (it is signed, not encrypted)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    value = cookie.value
    compressed = value.startswith(".")
    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8", "replace")


def test_a_flashed_message_naming_a_case_is_not_readable_in_the_cookie(
    login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.AUDITOR])
    title = f"Record {world.a.case_refs[0]}'s wishes before the review"
    raised = client.post(
        "/actions/new",
        data={"title": title, "owner_staff_id": str(world.a.iros[0].id), "priority": "medium",
              "due_date": "2027-01-31", "source": "standalone"},
    )  # fmt: skip
    assert raised.status_code == 302, raised.get_data(as_text=True)[-800:]
    assert world.a.case_refs[0] not in _cookie_payload(client)
    shown = client.get(raised.headers["Location"]).get_data(as_text=True)
    assert "Action raised" in shown and world.a.case_refs[0] in shown  # Still shown, once.
    again = client.get(raised.headers["Location"]).get_data(as_text=True)
    assert "Action raised" not in again
