"""The annual report's figures as a tidy CSV, from the page and the command line: the internal
one consistent with itself, the partner one giving nothing its partner workbook does not."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Role, Staff, User
from qa_toolkit.services.demo import DEMO_LOGINS
from tests.conftest import LoginAs

MANAGER = next(login.email for login in DEMO_LOGINS if login.role == Role.MANAGER)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_annual_report_figures_download_as_tidy_csv(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs, tmp_path: Path
) -> None:
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        session = get_session()
        manager = session.scalars(select(User).where(User.email == MANAGER)).one()
        iros = set(session.scalars(select(Staff.name).where(Staff.staff_role == "iro")))
    client = login_as(manager)
    internal = client.get("/reports/annual/report.csv")
    assert internal.status_code == 200 and internal.mimetype == "text/csv"
    rows = _rows(internal.get_data(as_text=True))
    assert len(rows) > 20 and {r["programme"] for r in rows} == {rows[0]["programme"]}
    for r in rows:
        if r["numerator"]:  # a share: numerator of n, and the estimate their ratio
            n, met = int(r["n"]), int(r["numerator"])
            assert 0 <= met <= n
            assert (float(r["estimate"]) if n else None) == (met / n if n else None)
    assert any(name in " ".join(r["group"] for r in rows) for name in iros)  # internal: named

    partner_text = client.get("/reports/annual/report.csv?audience=partner").get_data(True)
    partner = _rows(partner_text)
    assert partner and not any(name in partner_text for name in iros)
    # Nothing beyond what the partner workbook publishes: every count in the CSV is a cell of
    # the workbook (both are written from the partner version's tables alone).
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/annual/report.xlsx?audience=partner").data)
    )
    published = {v for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r
                 if isinstance(v, int | float)}  # fmt: skip
    for r in partner:
        for key in ("n", "numerator"):
            if r[key]:
                assert int(r[key]) in published, r

    out = tmp_path / "annual.csv"
    result = runner.invoke(args=["report", "annual", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == internal.data
