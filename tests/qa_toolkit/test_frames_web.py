"""Importing a case list through the web: all or nothing, with a report a manager can act on."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from qa_toolkit.db import Base, get_session
from qa_toolkit.models import (
    AuditEvent,
    CaseRecord,
    ColumnMapping,
    Frame,
    FrameUpload,
    Role,
    Staff,
)
from qa_toolkit.models.audit_log import AuditEventCase
from tests.support.jobs import finish
from tests.support.world import LoginAs, World

HEADER = (
    "Child ID,Allocated Team,Allocated Worker,IRO,Legal Status,DOB,CLA Start Date,"
    "Last Review Date,Next Review Due,Ethnicity\r\n"
)
# Dates in three forms (dd/mm/yyyy, d Mon yyyy / dd-Mon-yyyy, ISO), as real exports mix them.
ROWS = [
    ",".join(cells) + "\r\n"
    for cells in (
        ("LCS001", "Team Café", "Jo Bloggs", "Sam Reviewer", "Full care order", "03/04/2015",
         "3 Apr 2020", "2025-10-01", "01/04/2026", "White"),
        ("LCS002", "Team Café", "Jo Bloggs", "Sam Reviewer", "Section 20", "12/11/2010",
         "12-Nov-2022", "2025-11-01", "01/05/2026", ""),
        ("LCS003", "North", "Ali Khan", "Pat IRO", "Placement order", "25/12/2021",
         "1 Jan 2023", "2025-12-01", "01/06/2026", "Mixed"),
        ("LCS002", "North", "Ali Khan", "Pat IRO", "Full care order", "01/01/2012",
         "1 Feb 2021", "2025-09-01", "01/03/2026", "Black"),
    )
]  # fmt: skip


def _messy_csv(rows: list[str]) -> bytes:
    """A Windows-1252 export with a BOM-less header, a pound-like accent and trailing blank rows."""
    return (HEADER + "".join(rows) + ",,,,,,,,,\r\n\r\n").encode("cp1252")


# The log (a view of case references is logged) and its chain.
LOG_TABLES = (
    "audit_event", "audit_event_case", "audit_event_organisation", "audit_chain_head",
    "audit_log_archive",
)  # fmt: skip


def _counts(app: Flask) -> dict[str, int]:
    """Rows in every table but the log, the staged uploads and the jobs themselves."""
    with app.app_context():
        session = get_session()
        return {
            t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in LOG_TABLES + ("frame_upload", "job")
        }


def _upload(app: Flask, client: FlaskClient, content: bytes, name: str, *, ok: bool = True) -> str:
    """Upload a case list; the request queues its check (a redirect to the job's page); the
    check runs; the column page it links to is returned."""
    response = client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    job = finish(app, client, response)
    assert job["status"] == ("done" if ok else "failed"), job
    url: str = job["result_url"]
    assert url.startswith("/frames/uploads/"), job
    return url


def _submit(app: Flask, client: FlaskClient, url: str, fields: dict[str, str]) -> dict[str, Any]:
    """Post the column page (check or import): it queues a job; run it and return its state."""
    return finish(app, client, client.post(url, data=fields))


def _form_fields(page: str) -> dict[str, str]:
    """The selected value of every select and input on the review page, as a browser posts it."""
    values: dict[str, str] = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        values[name] = next((g for g in chosen.groups() if g is not None), "") if chosen else ""
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        values[name] = value
    return values


def test_a_messy_export_with_a_duplicate_is_rejected_whole_then_imports_when_fixed(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    before = _counts(app)
    # The check (a job) finds the duplicate with the guessed columns: it fails, saying where.
    review_url = _upload(app, client, _messy_csv(ROWS), "lcs export.csv", ok=False)
    page = client.get(review_url).get_data(as_text=True)
    assert "cannot be imported yet" in page and "LCS002" in page
    fields = _form_fields(page)
    assert fields["map_case_ref"] == "Child ID"
    assert fields["map_team"] == "Allocated Team"
    assert fields["map_next_review_due"] == "Next Review Due"
    fields.update({"as_at": "2026-03-31", "label": "March export", "action": "import"})
    rejected = _submit(app, client, review_url, fields)
    assert rejected["status"] == "failed" and rejected["result_url"] == review_url
    assert rejected["message"].startswith("lcs export.csv: 1 problem stops the import")
    # The job's message names the place, never the reference; the column page shows both.
    assert (
        "Row 5, column 'Child ID': expected a case reference no other row has "
        "(row 3 has the same one)" in (rejected["message"])
    )
    assert "LCS002" not in rejected["message"]
    text = client.get(review_url).get_data(as_text=True)
    assert "cannot be imported yet" in text and "Nothing has been imported" in text
    assert re.search(r"rows? 3 and 5", text), text[text.find("problem") :][:800]
    assert "LCS002" in text
    assert _counts(app) == before

    fixed_url = _upload(app, client, _messy_csv(ROWS[:3]), "lcs export.csv")
    fields = _form_fields(client.get(fixed_url).get_data(as_text=True))
    fields.update(
        {
            "as_at": "2026-03-31",
            "label": "March export",
            "save_mapping_as": "LCS CLA",
            "action": "import",
        }
    )
    imported = _submit(app, client, fixed_url, fields)
    assert imported["status"] == "done", imported
    assert imported["message"] == "Imported 3 cases as 'March export'."
    with app.app_context():
        session = get_session()
        frame = session.scalar(select(Frame).where(Frame.label == "March export"))
        assert frame is not None and frame.row_count == 3
        assert imported["result_url"] == f"/cases/frames/{frame.id}"
        assert frame.organisation_id == world.a.org.id
        assert frame.column_mapping["case_ref"] == "Child ID"
        refs = sorted(
            session.scalars(select(CaseRecord.case_ref).where(CaseRecord.frame_id == frame.id))
        )
        assert refs == ["LCS001", "LCS002", "LCS003"]
        cafe = session.scalar(
            select(CaseRecord).where(
                CaseRecord.case_ref == "LCS001", CaseRecord.frame_id == frame.id
            )
        )
        assert cafe is not None and cafe.team_name == "Team Café"
        assert cafe.date_of_birth is not None and (
            cafe.date_of_birth.month,
            cafe.date_of_birth.day,
        ) == (4, 3)
        assert cafe.iro_id is not None
        iro = session.get(Staff, cafe.iro_id)
        assert iro is not None and iro.name == "Sam Reviewer" and iro.staff_role == "iro"
        saved = session.scalar(select(ColumnMapping).where(ColumnMapping.name == "LCS CLA"))
        assert saved is not None and saved.organisation_id == world.a.org.id
        # The imported upload is removed; the rejected one and the world's pending one remain.
        assert session.scalar(select(func.count()).select_from(FrameUpload)) == 2
    # The missing ethnicity is a warning, not an error: shown on a check, import went ahead.
    assert client.get(imported["result_url"]).status_code == 200


def test_the_report_lists_warnings_and_completeness(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    url = _upload(app, client, _messy_csv(ROWS[:3]), "export.csv")
    fields = _form_fields(client.get(url).get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "action": "check"})
    checked = _submit(app, client, url, fields)
    assert checked["status"] == "done" and checked["result_url"] == url
    assert checked["message"].startswith("Checked 3 rows of export.csv: nothing stops")
    page = client.get(url).get_data(as_text=True)
    assert "No problems stop this import: 3 cases" in page
    assert "Things to check" in page and "thnicity" in page
    assert "How complete is each item?" in page
    assert 'value="2026-03-31"' in page  # The form keeps the date it was checked on.
    # The page shows case references (examples, overdue reviews): the view is logged.
    with app.app_context():
        session = get_session()
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "view", AuditEvent.entity_type == "case_list_upload")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None and event.entity_id == url.rsplit("/", 1)[1]
        refs = set(
            session.scalars(
                select(AuditEventCase.case_ref).where(AuditEventCase.event_id == event.id)
            )
        )
    assert {"LCS001", "LCS002", "LCS003"} <= refs


def test_an_xlsx_export_imports(app: Flask, login_as: LoginAs, world: World) -> None:
    import datetime as dt

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Person ID", "Team", "Date of birth", "Next review date"])
    sheet.append([1001, "South", dt.datetime(2014, 4, 3), 46113])
    sheet.append([1002, "South", dt.datetime(2016, 1, 9), dt.datetime(2026, 6, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    client = login_as(world.a.users[Role.ADMIN])
    url = _upload(app, client, buffer.getvalue(), "report.xlsx")
    fields = _form_fields(client.get(url).get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "label": "From Excel", "action": "import"})
    assert _submit(app, client, url, fields)["status"] == "done"
    with app.app_context():
        refs = sorted(
            get_session().scalars(
                select(CaseRecord.case_ref).join(Frame).where(Frame.label == "From Excel")
            )
        )
    assert refs == ["1001", "1002"]


def test_a_file_that_is_not_a_case_list_is_refused_at_upload(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    before = _counts(app)
    response = client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "list.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "PDF" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_another_organisation_cannot_see_a_pending_upload(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    url = _upload(app, login_as(world.a.users[Role.MANAGER]), _messy_csv(ROWS[:3]), "x.csv")
    assert login_as(world.b.users[Role.MANAGER]).get(url).status_code == 404
    assert login_as(world.a.users[Role.AUDITOR]).get(url).status_code == 403


def test_the_case_list_page_reports_review_timeliness_by_team(
    login_as: LoginAs, world: World
) -> None:
    page = login_as(world.a.users[Role.MANAGER]).get(f"/cases/frames/{world.a.frame.id}")
    text = page.get_data(as_text=True)
    # The world's three cases: one review due 3 days ago, the others in 10 and 90 days (no
    # start or review dates, so the list's own next review dates are used).
    assert "Review timeliness and data quality" in text
    assert "<strong>1</strong> overdue (the longest by 3 days)" in text
    assert "<strong>1</strong> due in the next 28 days" in text
    assert re.search(r"N Team 1</th><td class=\"num\">2</td>", text)
