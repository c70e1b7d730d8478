"""Checking and importing a case list run as background jobs, never inside the request.

An upload request only stages the file (size, quota, that it is a spreadsheet) and queues
the check: it reads no row of the file, however long, so one manager's upload cannot hold a
server worker. The job page shows how far the job has got and where it ended; what stops a
file is said there plainly and changes nothing.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

import sampling.tables as tables
from qa_toolkit.db import get_session
from qa_toolkit.jobs.consumer import start_in_process
from qa_toolkit.models import Frame, FrameUpload, Job, Organisation, Role
from tests.qa_toolkit.test_frames_web import ROWS, _counts, _form_fields, _messy_csv
from tests.support.jobs import finish, job_id_of, run_queued
from tests.support.world import LoginAs, World

MILLION = 1_000_000


@pytest.fixture(scope="module")
def million_row_workbook() -> bytes:
    """An .xlsx of 1,000,000 cases in three columns, about 8 MB (within every upload limit).

    Written as its sheet XML directly (openpyxl would take minutes), with the <dimension>
    element Excel writes.
    """
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Child ID", "Team", "DOB"])
    small = io.BytesIO()
    book.save(small)
    rows = "".join(
        f'<row r="{n}"><c><v>{n}</v></c><c><v>{n % 9}</v></c><c><v>{40000 + n % 365}</v></c></row>'
        for n in range(2, MILLION + 2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:C{MILLION + 1}"/><sheetData><row r="1">'
        '<c t="inlineStr"><is><t>Child ID</t></is></c><c t="inlineStr"><is><t>Team</t></is></c>'
        '<c t="inlineStr"><is><t>DOB</t></is></c></row>' + rows + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as to:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml.encode()
            to.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every row the case-list reader takes from any CSV or workbook."""
    counted = [0]

    def counting(make: Any) -> Any:
        def records(source: Iterable[Any]) -> Iterator[Any]:
            for record in make(source):
                counted[0] += 1
                yield record

        return records

    monkeypatch.setattr(tables, "_xlsx_cells", counting(tables._xlsx_cells))
    monkeypatch.setattr(tables, "_csv_records", counting(tables._csv_records))
    return counted


def _post_upload(client: FlaskClient, raw: bytes, name: str) -> Any:
    return client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def _staged(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(FrameUpload)) or 0)


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context():
        return get_session().get_one(Job, job_id)


def test_a_million_row_workbook_is_only_staged_in_the_request(
    app: Flask,
    login_as: LoginAs,
    world: World,
    million_row_workbook: bytes,
    rows_read: list[int],
) -> None:
    assert 7_000_000 < len(million_row_workbook) < 9_000_000  # About 8 MB, as in the attack.
    client = login_as(world.a.users[Role.MANAGER])
    before, staged = _counts(app), _staged(app)

    response = _post_upload(client, million_row_workbook, "everyone.xlsx")
    # The test client spooled the 8 MB body to a temporary file, closed only when it follows
    # redirects: close it here.
    response.request.input_stream.close()

    # The request answered with the job's page having read no row: its time does not grow
    # with the list (before, it read all 1,000,000 rows and ran past the server's timeout).
    job_id = job_id_of(response)
    assert rows_read[0] == 0
    assert _job(app, job_id).status == "queued" and _staged(app) == staged + 1
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Checking the case list" in page and "Waiting to start." in page

    # The job reads it, and stops just past the organisation's limit.
    with app.app_context():
        session = get_session()
        session.get_one(Organisation, world.a.org.id).case_list_row_limit = 1000
        session.commit()
    assert run_queued(app) == [job_id]
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed"
    assert state["message"] == (
        "everyone.xlsx has more than 1,000 rows of cases; the most one import can take is "
        "1,000. North Shire Council's limit is 1,000 rows per case list (a setting of the "
        "organisation): split the list, or ask your deployment administrator. Nothing was "
        "imported, and the file was removed: upload it again once it is corrected."
    )
    assert state["result_url"] == "/frames/upload"
    assert 1000 < rows_read[0] <= 1002  # the header, 1,000 rows, and the one too many
    assert _counts(app) == before and _staged(app) == staged


def test_the_in_process_consumer_checks_and_imports_an_upload(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    frames = _counts(app)["frame"]
    consumer = start_in_process(app, workers=1, periodic=False)
    try:

        def finished(job_id: int) -> dict[str, Any]:
            deadline = time.monotonic() + 30
            while True:
                state: dict[str, Any] = client.get(f"/jobs/{job_id}.json").get_json()
                if state["finished"]:
                    return state
                if time.monotonic() > deadline:
                    pytest.fail(f"the consumer did not finish job {job_id}: {state}")
                time.sleep(0.05)

        checked = finished(job_id_of(_post_upload(client, _messy_csv(ROWS[:3]), "lcs.csv")))
        assert checked["status"] == "done", checked
        assert checked["message"].startswith("Checked 3 rows of lcs.csv")
        review = checked["result_url"]
        fields = _form_fields(client.get(review).get_data(as_text=True))
        fields.update({"as_at": "2026-03-31", "label": "By the worker", "action": "import"})
        imported = finished(job_id_of(client.post(review, data=fields)))
    finally:
        consumer.stop(graceful=True)
    assert imported["status"] == "done", imported
    assert imported["message"] == "Imported 3 cases as 'By the worker'."
    with app.app_context():
        frame = get_session().scalar(select(Frame).where(Frame.label == "By the worker"))
        assert frame is not None and frame.row_count == 3
    assert imported["result_url"] == f"/cases/frames/{frame.id}"
    assert _counts(app)["frame"] == frames + 1
    assert client.get(review).status_code == 404  # The imported upload is gone.


def test_a_malformed_file_fails_its_job_plainly_and_changes_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    before, staged = _counts(app), _staged(app)
    unquoted = b"Child ID,Team\r\nC1,North\r\nC2,North,Extra\r\n"
    state = finish(app, client, _post_upload(client, unquoted, "list.csv"))
    assert state["status"] == "failed"
    assert state["message"] == (
        "list.csv: row 3 has more values than there are column headings; a value may contain "
        "a comma or semicolon without quotes round it. Nothing was imported, and the file was "
        "removed: upload it again once it is corrected."
    )
    page = client.get(f"/jobs/{state['id']}").get_data(as_text=True)
    assert "notice notice-error" in page and "row 3 has more values" in page
    assert 'href="/frames/upload">Put it right' in page
    assert _counts(app) == before and _staged(app) == staged

    # Readable, but a date that is no date: the job names the row, the column and what was
    # expected there; the value itself only on the column page.
    bad_date = b"Child ID,Team,DOB\r\nC1,North,03/04/2015\r\nC2,North,31/02/2021\r\n"
    state = finish(app, client, _post_upload(client, bad_date, "dates.csv"))
    assert state["status"] == "failed", state
    assert state["message"].startswith("dates.csv: 1 problem stops the import, so nothing was")
    assert (
        "imported. Row 3, column 'DOB': expected a date written day/month/year, such as "
        "31/03/2026." in state["message"]
    )
    assert "31/02/2021" not in state["message"]
    assert state["result_url"].startswith("/frames/uploads/")  # to the column choices
    review = client.get(state["result_url"]).get_data(as_text=True)
    assert "&#39;31/02/2021&#39; is not a real date" in review
    assert _counts(app) == before


def test_a_job_of_an_upload_is_seen_only_in_its_organisation(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    job_id = job_id_of(_post_upload(manager, _messy_csv(ROWS[:3]), "lcs.csv"))
    outsider = login_as(world.b.users[Role.MANAGER])
    assert outsider.get(f"/jobs/{job_id}").status_code == 404
    assert outsider.get(f"/jobs/{job_id}.json").status_code == 404
    # In A, another manager may follow it; an auditor who did not ask for it may not.
    assert login_as(world.a.users[Role.ADMIN]).get(f"/jobs/{job_id}").status_code == 200
    assert login_as(world.a.users[Role.AUDITOR]).get(f"/jobs/{job_id}").status_code == 404
    run_queued(app)
    assert outsider.get(f"/jobs/{job_id}.json").status_code == 404


def test_the_column_page_sends_to_the_running_job_instead_of_queuing_another(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    job_id = job_id_of(_post_upload(client, _messy_csv(ROWS[:3]), "lcs.csv"))
    with app.app_context():
        upload_id = get_session().scalars(select(FrameUpload.id).order_by(FrameUpload.id)).all()
    review = f"/frames/uploads/{upload_id[-1]}"
    for answer in (client.get(review), client.post(review, data={"action": "import"})):
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/jobs/{job_id}")
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Job)) == 1
