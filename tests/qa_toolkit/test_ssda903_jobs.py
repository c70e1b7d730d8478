"""An SSDA903 return's check and import run as jobs; job pages are logged and quote no child.

The upload request stages the three files (size, quota, that they are a return by their
headings) and reads no row; the check and the import are jobs on the one queue, the check's
report kept for the return's page. What stops a job is said by file, row and column, never by
a value of the files, on the job's page or in its stored message.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, FrameUpload, Job, Organisation, Role
from qa_toolkit.models.audit_log import AuditEventCase
from qa_toolkit.models.types import utcnow
from qa_toolkit.services import job_pages
from tests.qa_toolkit.test_case_list_jobs import _staged, rows_read  # noqa: F401 (a fixture)
from tests.qa_toolkit.test_frames_web import _counts, _form_fields
from tests.sampling import ssda903_files as files
from tests.support.jobs import finish, job_id_of, run_queued
from tests.support.world import LoginAs, World


def _post_return(client: FlaskClient, data: dict[str, bytes]) -> Any:
    return client.post(
        "/frames/upload",
        data={"file": [(io.BytesIO(raw), name) for name, raw in data.items()]},
        content_type="multipart/form-data",
    )


def _job_row(app: Flask, job_id: int) -> Job:
    with app.app_context():
        return get_session().get_one(Job, job_id)


def _job_views(app: Flask, job_id: int) -> list[tuple[int | None, int | None]]:
    """(user, organisation) of each view entry of the job, oldest first."""
    with app.app_context():
        rows = get_session().execute(
            select(AuditEvent.user_id, AuditEvent.organisation_id)
            .where(
                AuditEvent.entity_type == "job",
                AuditEvent.entity_id == str(job_id),
                AuditEvent.action == "view",
            )
            .order_by(AuditEvent.id)
        )
        return [(user, org) for user, org in rows]


def _logged_views(app: Flask) -> set[str]:
    """Every case reference a view of a staged upload's page has logged."""
    with app.app_context():
        return set(
            get_session().scalars(
                select(AuditEventCase.case_ref)
                .join(AuditEvent, AuditEvent.id == AuditEventCase.event_id)
                .where(AuditEvent.action == "view", AuditEvent.entity_type == "case_list_upload")
            )
        )


def test_a_return_is_only_staged_in_the_request_then_checked_by_a_job(
    app: Flask,
    login_as: LoginAs,
    world: World,
    rows_read: list[int],  # noqa: F811
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    before, staged = _counts(app), _staged(app)
    job_id = job_id_of(_post_return(client, files.as_bytes()))
    # Only each file's heading row was read (before: all 300 + 400 + 500 rows, in the request).
    assert rows_read[0] <= 3
    assert _job_row(app, job_id).status == "queued" and _staged(app) == staged + 1
    assert run_queued(app) == [job_id]
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "done", state
    assert state["title"] == "Checking the SSDA903 return"
    # The check's report is kept with the upload: the return's page shows it, reading no file.
    with app.app_context():
        upload = get_session().scalars(select(FrameUpload).order_by(FrameUpload.id)).all()[-1]
        report = dict(upload.report or {})
    assert report["files"]["header"] == ["header.csv", 300] and report["result"]["ok"]
    read_by_the_job = rows_read[0]
    page = client.get(state["result_url"]).get_data(as_text=True)
    assert "Header: <code>header.csv</code> (300 children)" in page
    assert rows_read[0] == read_by_the_job
    assert _counts(app) == before


def test_a_return_over_its_organisations_row_limit_is_refused_by_its_check(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    with app.app_context():
        session = get_session()
        session.get_one(Organisation, world.a.org.id).case_list_row_limit = 100
        session.commit()
    before, staged = _counts(app), _staged(app)
    state = finish(app, client, _post_return(client, files.as_bytes()))
    assert state["status"] == "failed"
    assert state["message"].startswith(
        "header.csv has more than 100 rows of cases; the most one import can take is 100. "
        "North Shire Council's limit is 100 rows per case list"
    )
    assert _counts(app) == before and _staged(app) == staged  # the unusable upload is removed


def test_a_malformed_return_fails_its_job_plainly_and_changes_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    before, staged = _counts(app), _staged(app)
    data = files.as_bytes()
    data["reviews.csv"] += b"C0000,01/05/2012,26/06/2025,PN1,extra\n"
    state = finish(app, client, _post_return(client, data))
    assert state["status"] == "failed"
    assert state["message"].startswith("reviews.csv: row ")
    assert "has more values than there are column headings" in state["message"]
    assert "Nothing was imported, and the file was removed" in state["message"]
    assert "C0000" not in state["message"]
    assert _counts(app) == before and _staged(app) == staged


def test_no_job_message_shown_or_stored_quotes_a_case_reference(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """The bad cells are case references: a child twice in the Header file, an episode of a
    child the Header file does not have; and in a case list, a reference repeated."""
    client = login_as(world.a.users[Role.MANAGER])
    before = _counts(app)
    data = files.as_bytes()
    first = data["header.csv"].split(b"\n")[1]
    data["header.csv"] += first + b"\n"  # C0000 again
    data["episodes.csv"] += b"ZX9876,02/06/2025,S,C2,N1,U1,PR1,,,,,,\n"
    state = finish(app, client, _post_return(client, data))
    assert state["status"] == "failed", state
    assert (
        "header.csv, row 302, column 'CHILD': expected a case reference no other row has "
        "(row 2 has the same one)" in (state["message"])
    )
    assert "expected the ID of a child who is in the Header file" in state["message"]
    page = client.get(f"/jobs/{state['id']}").get_data(as_text=True)
    stored = _job_row(app, state["id"]).message
    for shown in (state["message"], page, stored):
        assert "C0000" not in shown and "ZX9876" not in shown
    # The return's page (case-level, the managers') says which child, and its view is logged.
    review = client.get(state["result_url"]).get_data(as_text=True)
    assert "child C0000 is also on row 2" in review and "ZX9876" in review
    assert {"C0000", "ZX9876"} <= _logged_views(app)

    case_list = b"Child ID,Team\r\nQQ4321,North\r\nQQ4321,South\r\n"
    listed = finish(
        app,
        client,
        client.post(
            "/frames/upload",
            data={"file": (io.BytesIO(case_list), "list.csv")},
            content_type="multipart/form-data",
        ),
    )
    assert listed["status"] == "failed"
    page = client.get(f"/jobs/{listed['id']}").get_data(as_text=True)
    for shown in (listed["message"], page, _job_row(app, listed["id"]).message):
        assert "QQ4321" not in shown
    assert (
        "Row 3, column 'Child ID': expected a case reference no other row has "
        "(row 2 has the same one)" in (listed["message"])
    )
    assert _counts(app) == before


def test_a_return_its_page_and_its_jobs_are_not_found_in_another_organisation(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    state = finish(app, manager, _post_return(manager, files.as_bytes()))
    review = state["result_url"]
    fields = _form_fields(manager.get(review).get_data(as_text=True))
    outsider = login_as(world.b.users[Role.MANAGER])
    assert outsider.get(f"/jobs/{state['id']}").status_code == 404
    assert outsider.get(f"/jobs/{state['id']}.json").status_code == 404
    assert outsider.get(review).status_code == 404
    fields.update({"as_at": "2026-03-31", "action": "import"})
    before = _counts(app)
    assert outsider.post(review, data=fields).status_code == 404
    assert run_queued(app) == [] and _counts(app) == before


def test_every_view_of_a_job_is_logged_once_per_person_per_ten_minutes(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager_id = world.a.users[Role.MANAGER].id
    manager = login_as(world.a.users[Role.MANAGER])
    job_id = job_id_of(_post_return(manager, files.as_bytes()))
    for _ in range(3):  # The page, and the JSON it polls every 2 seconds.
        assert manager.get(f"/jobs/{job_id}").status_code == 200
        assert manager.get(f"/jobs/{job_id}.json").status_code == 200
    assert _job_views(app, job_id) == [(manager_id, world.a.org.id)]
    admin = login_as(world.a.users[Role.ADMIN])
    assert admin.get(f"/jobs/{job_id}.json").status_code == 200
    assert _job_views(app, job_id) == [
        (manager_id, world.a.org.id),
        (world.a.users[Role.ADMIN].id, world.a.org.id),
    ]
    with app.test_request_context():
        session = get_session()
        job = session.get_one(Job, job_id)
        assert not job_pages.log_view(session, job, manager_id, utcnow() + timedelta(minutes=9))
        job = session.get_one(Job, job_id)
        assert job_pages.log_view(session, job, manager_id, utcnow() + timedelta(minutes=11))
    assert len(_job_views(app, job_id)) == 3
    # A refused look is in the log of the job's organisation too.
    outsider = login_as(world.b.users[Role.MANAGER])
    assert outsider.get(f"/jobs/{job_id}.json").status_code == 404
    with app.app_context():
        refused = get_session().scalars(
            select(AuditEvent.organisation_id).where(
                AuditEvent.action == "refused_404", AuditEvent.summary.contains(f"/jobs/{job_id}")
            )
        )
        assert {world.a.org.id, world.b.org.id} <= set(refused)


def test_a_staged_return_is_cancelled_by_its_organisation_only(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    state = finish(app, manager, _post_return(manager, files.as_bytes()))
    cancel = state["result_url"] + "/cancel"
    staged = _staged(app)
    outsider = login_as(world.b.users[Role.MANAGER])
    assert outsider.post(cancel).status_code == 404 and _staged(app) == staged
    answer = manager.post(cancel)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/frames/")
    assert _staged(app) == staged - 1
    page = manager.get("/frames/").get_data(as_text=True)
    assert "The upload was cancelled and the file removed." in page
