"""The tidy CSV of every figure, from the findings pages and `qa-toolkit export --format csv`,
checked against the roll-up (internal) and the partner object (nothing below the threshold)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Programme, Role, Staff, User
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services.demo import DEMO_LOGINS
from reports.disclosure import DEFAULT_MIN_FILES
from reports.rollup import BREAKDOWN_FIELDS
from tests.support.databases import require_demo
from tests.support.world import LoginAs

AUTUMN = "IRO footprint audit, autumn"
MANAGER = next(login.email for login in DEMO_LOGINS if login.role == Role.MANAGER)
VIEWER = next(login.email for login in DEMO_LOGINS if login.role == Role.VIEWER)


def _rows(text: str) -> dict[tuple[str, str, str], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    keyed = {(r["table"], r["group"], r["measure"]): r for r in rows}
    assert len(keyed) == len(rows)  # one row per table x group x measure
    return keyed


@pytest.mark.demo
def test_the_figures_csv_is_the_roll_up_and_the_partner_csv_the_partner_object(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs, tmp_path: Path
) -> None:
    require_demo(app)
    with app.app_context():
        session = get_session()
        manager = session.scalars(select(User).where(User.email == MANAGER)).one()
        viewer = session.scalars(select(User).where(User.email == VIEWER)).one()
        programme = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one()
        result = findings_service.findings(session, programme)
        iros = set(session.scalars(select(Staff.name).where(Staff.staff_role == "iro")))
    rollup = result.rollup
    client = login_as(manager)
    response = client.get(f"/findings/{programme.id}/figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    internal = _rows(response.get_data(as_text=True))
    assert {key[0] for key in internal} >= {"Summary", "Grades", "Themes", "Questions", "Trend"}
    assert internal[("Summary", "Files audited (finalised)", "files")]["n"] == "40"
    for t in rollup.themes:
        row = internal[("Themes", t.title, "compliance")]
        assert (int(row["numerator"]), int(row["n"])) == (t.result.successes, t.result.n)
        assert float(row["estimate"]) == t.result.estimate  # unrounded, exactly
        assert (float(row["low"]), float(row["high"])) == (t.result.low, t.result.high)
    assert len(rollup.questions) == 31
    for q in rollup.questions:
        row = internal[("Questions", f"{q.number} {q.text}", "compliance")]
        assert (int(row["numerator"]), int(row["n"])) == (q.result.successes, q.result.n)
        na = internal[("Questions", f"{q.number} {q.text}", "not applicable")]
        assert int(na["n"]) == q.not_applicable
    for name, breakdown in rollup.breakdowns.items():
        table = f"By {BREAKDOWN_FIELDS[name].lower()}"
        counted = {g: int(r["n"]) for (t, g, m), r in internal.items() if (t, m) == (table,
                   "files")}  # fmt: skip
        assert counted == {row.group: row.files for row in breakdown}
        assert sum(counted.values()) == 40
    assert "By iro" in {key[0] for key in internal}  # internal: staff are named

    partner_text = client.get(f"/findings/{programme.id}/partner.csv").get_data(as_text=True)
    partner = _rows(partner_text)
    assert not [t for t in iros if t in partner_text] and "By iro" not in partner_text
    for (table, _group, measure), row in partner.items():
        if table.startswith("By ") and measure == "files" and row["suppressed"] == "FALSE":
            assert int(row["n"]) >= DEFAULT_MIN_FILES
        if row["suppressed"] == "TRUE":
            assert not any(row[k] for k in ("n", "numerator", "estimate", "low", "high"))
    for t in rollup.themes:  # whole percentages, half up on the exact fraction, as published
        row = partner[("Themes", t.title, "compliance")]
        expected = (200 * t.result.successes + t.result.n) // (2 * t.result.n)
        assert round(float(row["estimate"]) * 100) == expected
    # A viewer sees the partner figures only.
    assert login_as(viewer).get(f"/findings/{programme.id}/figures.csv").status_code == 403
    assert login_as(viewer).get(f"/findings/{programme.id}/partner.csv").data.decode() == (
        partner_text
    )

    # The command line gives the same CSVs: partner by default, to standard output.
    printed = runner.invoke(args=["export", AUTUMN, "--format", "csv"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == partner_text.replace("\r\n", "\n")  # the runner's newlines
    saved = tmp_path / "autumn.csv"
    written = runner.invoke(
        args=["export", AUTUMN, "--format", "csv", "--audience", "internal", "-o", str(saved)]
    )
    assert written.exit_code == 0, written.output
    assert f"Wrote {len(internal)} figures" in written.output
    assert saved.read_bytes() == response.data
    wrong = runner.invoke(args=["export", AUTUMN, "--format", "csv", "-o", str(tmp_path / "x")])
    assert wrong.exit_code == 1 and ".csv" in wrong.output
    no_audience = runner.invoke(args=["export", AUTUMN, "-o", str(tmp_path / "x.xlsx")])
    assert no_audience.exit_code == 2 and "--audience" in no_audience.output
    with app.app_context():
        logged = list(
            get_session().scalars(
                select(AuditEvent.summary)
                .where(AuditEvent.action == "export")
                .order_by(AuditEvent.id)  # In the order they were made (PostgreSQL has none).
            )
        )
    assert logged[:4] == ["internal CSV", "partner CSV", "partner CSV", logged[3]]
    assert "lscp CSV" in logged[3] and "internal CSV" in logged[4] and len(logged) == 5
