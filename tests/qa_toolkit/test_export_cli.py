"""`qa-toolkit export`: the findings workbook from the command line, as the web downloads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, CaseRecord, Programme, User
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.demo import DEMO_LOGINS
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World

SPRING = "IRO footprint audit, spring"
AUTUMN = "IRO footprint audit, autumn"
MANAGER = next(login.email for login in DEMO_LOGINS if login.role.value == "manager")
PARTNER_SHEETS = [
    "Summary",
    "Grades",
    "Themes",
    "Questions",
    "Trend",
    "By team",
    "By ethnicity",
    "By disability",
    "By gender",
    "By age band",
    "Good practice",
    "Areas for development",
    "Strengths",
    "Small-number cautions",
    "Moderation",
    "Strata",
    "Limitations",
    "Actions",
    "Did the actions work",
    "Method",
]
# The spring round has no round before it: no Trend, and no earlier actions to look back on.
SPRING_SHEETS = [s for s in PARTNER_SHEETS if s not in {"Trend", "Did the actions work"}]


def _exports(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
            )
        )


def _cells(path: Path) -> list[Any]:
    workbook = openpyxl.load_workbook(path)
    return [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]


def _method(path: Path) -> dict[str, str]:
    rows = list(openpyxl.load_workbook(path)["Method"].iter_rows(values_only=True))
    header = rows.index(("Item", "Detail"))
    return {str(item): str(detail) for item, detail in rows[header + 1 :] if item}


@pytest.mark.demo
def test_export_writes_the_lscp_and_internal_workbooks_and_logs_them(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    require_demo(app)
    with app.app_context():
        session = get_session()
        refs = set(session.scalars(select(CaseRecord.case_ref)))
        autumn = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one()
        autumn_id, fingerprints = autumn.id, (autumn.frame_fingerprint, autumn.draw_fingerprint)
    assert len(refs) == 800

    # By name, with --org left out (there is one organisation).
    partner = out / "autumn-lscp.xlsx"
    result = runner.invoke(args=["export", AUTUMN, "--audience", "lscp", "-o", str(partner)])
    assert result.exit_code == 0, result.output
    assert str(partner) in result.output and f"{len(PARTNER_SHEETS)} sheets" in result.output
    workbook = openpyxl.load_workbook(partner)
    assert workbook.sheetnames == PARTNER_SHEETS
    assert "By iro" not in workbook.sheetnames and "Case-level data" not in workbook.sheetnames
    cells = _cells(partner)
    # Not one case reference from the database, anywhere in any cell.
    assert not [c for c in cells if isinstance(c, str) and any(ref in c for ref in refs)]
    method = _method(partner)
    assert (method["Case list fingerprint"], method["Draw fingerprint"]) == fingerprints
    # The same workbook as the web page downloads.
    with app.app_context():
        manager = get_session().scalars(select(User).where(User.email == MANAGER)).one()
    download = login_as(manager).get(f"/findings/{autumn_id}/workbook?audience=lscp")
    assert download.status_code == 200
    (out / "web.xlsx").write_bytes(download.data)
    assert _cells(out / "web.xlsx") == cells
    (out / "web.xlsx").unlink()

    # By number, internal: the case-level sheet, with the audited files' references.
    internal = out / "autumn-internal.xlsx"
    result = runner.invoke(
        args=["export", str(autumn_id), "--audience", "internal", "--org", "Demo Borough Council",
              "-o", str(internal)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(internal).sheetnames
    assert sheets[-1] == "Case-level data" and "By iro" in sheets
    assert f"{len(sheets)} sheets" in result.output
    rows = list(openpyxl.load_workbook(internal)["Case-level data"].iter_rows(values_only=True))
    first = ("Case reference", "Team", "IRO", "Stratum", "Grade", "Overall")
    header = next(i for i, r in enumerate(rows) if r[:6] == first)
    listed = [row[0] for row in rows[header + 1 :]]
    assert len(listed) == 40 and set(listed) <= refs

    # Each export is in the audit log, as a web download is, made by the system.
    logged = _exports(app)
    assert [(e.entity_type, e.entity_id, e.user_id) for e in logged] == [
        ("programme_findings", str(autumn_id), None),
        ("programme_findings", str(autumn_id), manager.id),  # The web download.
        ("programme_findings", str(autumn_id), None),
    ]
    assert logged[0].summary.startswith("lscp workbook") and "command line" in logged[0].summary
    assert logged[2].summary.startswith("internal workbook")
    assert all(e.organisation_id is not None for e in logged)

    # An existing file is kept unless --force; then it is replaced.
    before = partner.read_bytes()
    again = runner.invoke(args=["export", SPRING, "--audience", "lscp", "-o", str(partner)])
    assert again.exit_code == 1
    assert "already there" in again.output and "--force" in again.output
    assert partner.read_bytes() == before and len(_exports(app)) == 3
    forced = runner.invoke(
        args=["export", SPRING, "--audience", "lscp", "-o", str(partner), "--force"]
    )
    assert forced.exit_code == 0, forced.output
    assert partner.read_bytes() != before
    assert openpyxl.load_workbook(partner).sheetnames == SPRING_SHEETS
    assert len(_exports(app)) == 4
    assert sorted(p.name for p in out.iterdir()) == [
        "autumn-internal.xlsx",
        "autumn-lscp.xlsx",
    ]  # No temporary file left behind.


def test_export_says_plainly_why_it_cannot(
    app: Flask, runner: FlaskCliRunner, world: World, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "out.xlsx"
    base = ["export", "--audience", "lscp", "-o", str(target)]

    several = runner.invoke(args=[*base, "North dip sample"])
    assert several.exit_code == 1 and "--org" in several.output

    unknown = runner.invoke(args=[*base, "Nothing like it", "--org", "North Shire Council"])
    assert unknown.exit_code == 1
    assert "no programme 'Nothing like it'" in unknown.output
    assert "North dip sample" in unknown.output  # The names there are.
    elsewhere = runner.invoke(args=[*base, str(world.programme_id), "--org", "south"])
    assert (
        elsewhere.exit_code == 1 and "South Borough Council has no programmes" in elsewhere.output
    )

    drawn = runner.invoke(args=[*base, "North dip sample", "--org", "north"])
    assert drawn.exit_code == 1 and "has not been launched" in drawn.output

    with app.app_context():
        session = get_session()
        programme = session.get_one(Programme, world.programme_id)
        programme_service.auto_assign(session, programme, {world.shared_user.id: 5})
        programme_service.launch(session, programme)
        session.commit()
    launched = runner.invoke(args=[*base, str(world.programme_id), "--org", "north"])
    assert launched.exit_code == 1 and "no finalised audits" in launched.output

    wrong_kind = runner.invoke(
        args=["export", "North dip sample", "--org", "north", "--audience", "lscp",
              "-o", str(out / "out.csv")]
    )  # fmt: skip
    assert wrong_kind.exit_code == 1 and ".xlsx" in wrong_kind.output
    no_folder = runner.invoke(
        args=["export", "North dip sample", "--org", "north", "--audience", "lscp",
              "-o", str(out / "missing" / "out.xlsx")]
    )  # fmt: skip
    assert no_folder.exit_code == 1 and "no folder" in no_folder.output
    assert list(out.iterdir()) == []  # Nothing written, not even a temporary file.
    assert _exports(app) == []
