"""A case list longer than its organisation's row limit is refused clearly by its check (a
background job), and staged uploads have a quota per organisation, refused at upload; a
workbook with broken sheet XML is refused plainly."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from qa_toolkit.db import get_session
from qa_toolkit.models import FrameUpload, Organisation, Role
from tests.qa_toolkit.test_frames_web import ROWS, _messy_csv
from tests.support.app import make_test_app
from tests.support.jobs import finish
from tests.support.world import LoginAs, World


def _post(client: FlaskClient, raw: bytes, name: str = "list.csv") -> tuple[int, str]:
    response = client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def _sent(client: FlaskClient, raw: bytes, name: str = "list.csv") -> TestResponse:
    return client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def _staged(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(FrameUpload)) or 0)


def test_a_list_longer_than_the_organisations_limit_is_refused_clearly(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    with app.app_context():
        session = get_session()
        session.get_one(Organisation, world.a.org.id).case_list_row_limit = 2
        session.commit()
    before = _staged(app)
    a = login_as(world.a.users[Role.MANAGER])
    refused = finish(app, a, _sent(a, _messy_csv(ROWS[:3])))
    assert refused["status"] == "failed"
    assert "North Shire Council's limit is 2 rows per case list" in refused["message"]
    assert _staged(app) == before  # The file that cannot be imported is not kept.
    # Another organisation's limit is its own.
    b = login_as(world.b.users[Role.MANAGER])
    assert finish(app, b, _sent(b, _messy_csv(ROWS[:3])))["status"] == "done"


def test_staged_uploads_have_a_quota_per_organisation(database_url: str, world: World) -> None:
    strict = make_test_app(database_url, STAGED_UPLOADS_MAX=2)
    try:

        def client_of(role_user_id: int) -> FlaskClient:
            client = strict.test_client()
            with client.session_transaction() as sess:
                sess["_user_id"] = str(role_user_id)
            return client

        a = client_of(world.a.users[Role.MANAGER].id)
        assert _post(a, _messy_csv(ROWS[:3]))[0] == 302  # A's second waiting upload.
        status, page = _post(a, _messy_csv(ROWS[:3]))
        assert status == 400 and "already has 2 case list(s) waiting" in page
        assert _post(client_of(world.b.users[Role.MANAGER].id), _messy_csv(ROWS[:3]))[0] == 302
    finally:
        strict.extensions["qa_engine"].dispose()


def test_a_workbook_with_broken_sheet_xml_is_refused_with_a_message(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Child ID", "Team"])
    sheet.append(["C1", "North"])
    good = io.BytesIO()
    book.save(good)
    broken = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # The sheet's XML cut off half way.
            target.writestr(item, data)
    client = login_as(world.a.users[Role.MANAGER])
    state = finish(app, client, _sent(client, broken.getvalue(), "cut.xlsx"))
    assert state["status"] == "failed" and "its worksheet is damaged" in state["message"]
