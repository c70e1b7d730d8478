"""A case list is checked and imported by a background job, within the organisation's row
limit, and staged uploads have a quota per organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, Frame, Organisation, Role
from tests.conftest import LoginAs, World, make_test_app
from tests.qa_toolkit.test_frames_web import (
    HEADER,
    ROWS,
    _form_fields,
    _job_done,
    _messy_csv,
    _upload,
    app_with_consumer,
)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    yield from app_with_consumer(database_url, tmp_path)


def _cases(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(CaseRecord)) or 0)


def test_the_request_reads_only_the_first_rows_and_the_job_reads_the_rest(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    # Row 300 has a value under no heading: reading the whole file refuses it. The upload
    # request does not read that far; the job does, and says so.
    body = "".join(ROWS[i % 3].replace("LCS00", f"R{i:04d}") for i in range(298))
    raw = (HEADER + body + "R9999,North,,,,,,,,,stray value\r\n").encode("cp1252")
    client = login_as(world.a.users[Role.MANAGER])
    url = _upload(client, raw, "long.csv")  # Before: refused here, inside the request.
    fields = _form_fields(client.get(url).get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "label": "Long", "action": "import"})
    job = _job_done(client, client.post(url, data=fields))
    assert (
        job["status"] == "failed"
        and "row 300 has more values than there are column headings" in job["message"]
    ), job
    assert _cases(app) == 6  # The world's own cases only.


def test_a_list_longer_than_the_organisations_limit_is_refused_clearly(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    with app.app_context():
        session = get_session()
        session.get_one(Organisation, world.a.org.id).case_list_row_limit = 2
        session.commit()
    client = login_as(world.a.users[Role.MANAGER])
    url = _upload(client, _messy_csv(ROWS[:3]), "three.csv")
    fields = _form_fields(client.get(url).get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "label": "Too long", "action": "import"})
    job = _job_done(client, client.post(url, data=fields))
    assert job["status"] == "failed"
    assert "North Shire Council's limit is 2 rows per case list" in job["message"], job
    with app.app_context():
        assert get_session().scalar(select(Frame).where(Frame.label == "Too long")) is None
    # Another organisation's limit is its own: B imports the same three rows.
    other = login_as(world.b.users[Role.MANAGER])
    url = _upload(other, _messy_csv(ROWS[:3]), "three.csv")
    fields = _form_fields(other.get(url).get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "label": "South three", "action": "import"})
    assert _job_done(other, other.post(url, data=fields))["status"] == "done"


def test_staged_uploads_have_a_quota_per_organisation(
    database_url: str, login_as: LoginAs, world: World
) -> None:
    strict = make_test_app(database_url, STAGED_UPLOADS_MAX=2)
    try:
        client = strict.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = str(world.a.users[Role.MANAGER].id)
        assert _upload(client, _messy_csv(ROWS[:3]), "one.csv")  # A's second waiting upload.
        refused = client.post(
            "/frames/upload",
            data={"file": (__import__("io").BytesIO(_messy_csv(ROWS[:3])), "two.csv")},
            content_type="multipart/form-data",
        )
        assert refused.status_code == 400
        assert "already has 2 case list(s) waiting" in refused.get_data(as_text=True)
        # B's quota is its own.
        other = strict.test_client()
        with other.session_transaction() as sess:
            sess["_user_id"] = str(world.b.users[Role.MANAGER].id)
        assert _upload(other, _messy_csv(ROWS[:3]), "b.csv")
    finally:
        strict.extensions["qa_engine"].dispose()
