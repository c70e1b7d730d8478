"""The IRO annual report from the database: the demo's figures against its own rows, the
command line's Word document and workbook (rendered by LibreOffice), edits, bad input."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import (
    AnnualReportText,
    AuditEvent,
    CaseRecord,
    CaseReview,
    Escalation,
    Frame,
    Organisation,
    Role,
)
from qa_toolkit.services import annual_report
from reports.annual import financial_year
from reports.disclosure import Rules
from reports.marking import INTERNAL, PARTNER
from tests.support.databases import require_demo
from tests.support.rendering import render
from tests.support.world import LoginAs, World


def _report(app: Flask, audience: str = "internal") -> annual_report.AnnualReport:
    with app.app_context():
        session = get_session()
        org = session.scalars(select(Organisation)).one()
        return annual_report.report(
            session, org, financial_year(date.today()), audience,
            stages=app.config["ESCALATION_STAGES"], end_to_end=20, rules=Rules(),
            today=date.today(),
        )  # fmt: skip


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> Flask:
    require_demo(app)
    return app


@pytest.mark.demo
def test_demo_figures_match_its_own_rows(demo: Flask) -> None:
    found = _report(demo)
    period = found.period
    with demo.app_context():
        session = get_session()
        latest = session.scalars(select(Frame).order_by(Frame.as_at.desc())).first()
        assert latest is not None
        on_list = session.scalar(
            select(func.count()).select_from(CaseRecord).where(CaseRecord.frame_id == latest.id)
        )
        # Reviews held in the period and on time, counted straight from the stored rows.
        in_period = (CaseReview.held >= period.start, CaseReview.held <= period.end)
        held = session.scalar(select(func.count()).select_from(CaseReview).where(*in_period))
        on_time = session.scalar(
            select(func.count()).select_from(CaseReview).where(*in_period, CaseReview.on_time)
        )
        raised = session.scalar(
            select(func.count())
            .select_from(Escalation)
            .where(Escalation.raised_on >= period.start, Escalation.raised_on <= period.end)
        )
    f = found.figures
    assert f.children.on_last_day == on_list == 800
    assert (f.reviews.timed, f.reviews.on_time) == (held, on_time)
    assert held > 100 and 0 < on_time < held
    assert f.escalations.raised == raised > 0
    assert f.caseloads.followed > 0 and f.caseloads.changed_children
    assert [s.key for s in found.sections][:2] == ["children", "reviews"]
    assert "were held within the statutory timescale" in found.sections[1].paragraph


@pytest.mark.demo
def test_partner_report_names_no_iro(demo: Flask) -> None:
    found = _report(demo, "partner")
    with demo.app_context():
        names = {n for n in get_session().scalars(select(CaseRecord.iro_name).distinct()) if n}
    text = " ".join(
        [s.paragraph for s in found.sections]
        + [str(cell) for s in found.sections for t in s.tables for row in t.rows for cell in row]
    )
    assert names and not [n for n in names if n in text]
    assert found.figures.reviews.by_iro == ()


@pytest.mark.demo
def test_cli_writes_word_and_workbook_and_they_render(
    demo: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    year = financial_year(date.today())
    span = ["--from", year.start.isoformat(), "--to", year.end.isoformat()]
    internal = tmp_path / "report.docx"
    result = runner.invoke(args=["report", "annual", *span, "-o", str(internal)])
    assert result.exit_code == 0, result.output
    partner = tmp_path / "partner.docx"
    result = runner.invoke(
        args=["report", "annual", *span, "--audience", "partner", "-o", str(partner)]
    )
    assert result.exit_code == 0, result.output
    book = tmp_path / "report.xlsx"
    assert runner.invoke(args=["report", "annual", *span, "-o", str(book)]).exit_code == 0
    assert "Summary" in openpyxl.load_workbook(book).sheetnames
    sheets = render(book, tmp_path / "book")
    assert sheets.page_count >= 5 and all(p.exists() for p in sheets.pages)
    for path, marking in ((internal, INTERNAL), (partner, PARTNER)):
        shown = render(path, tmp_path / path.stem)
        assert shown.page_count >= 2 and all(p.exists() for p in shown.pages)
        # Every page carries the marking in its header.
        assert shown.text.count(marking.split(" · ")[1]) >= shown.page_count
    with demo.app_context():
        logged = get_session().scalars(
            select(AuditEvent.summary).where(AuditEvent.entity_type == "annual_report")
        )
        assert len(list(logged)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13-01", "--to", "2026-03-31"], "YYYY-MM-DD"),
        (["--from", "2026-04-01", "--to", "2025-03-31"], "swap the two dates"),
    ],
)
def test_cli_refuses_bad_dates_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    with app.app_context():
        session = get_session()
        session.add(Organisation(name="Only Council", slug="only"))
        session.commit()
    out = tmp_path / "r.docx"
    result = runner.invoke(args=["report", "annual", *args, "-o", str(out)])
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()


def test_the_page_says_why_a_period_is_refused_and_saves_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    swapped = {"from": "2026-04-01", "to": "2025-03-31"}
    page = manager.get("/reports/annual/", query_string=swapped)
    assert page.status_code == 400
    assert "swap the two dates" in page.get_data(as_text=True)
    saved = manager.post(
        "/reports/annual/edit", data={**swapped, "section": "actions", "text": "x"}
    )
    assert saved.status_code == 400 and "swap the two dates" in saved.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(AnnualReportText)) == 0


def test_cli_refuses_other_file_types(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["report", "annual", "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code != 0 and ".docx or .xlsx or .csv" in result.output


@pytest.mark.demo
def test_edits_are_kept_with_the_report_and_partner_edits_screened(demo: Flask) -> None:
    period = financial_year(date.today())
    with demo.app_context():
        session = get_session()
        org = session.scalars(select(Organisation)).one()
        annual_report.save_edit(session, org.id, period, "internal", "reviews", "Ours.", None)
        name = session.scalars(
            select(CaseRecord.iro_name).where(CaseRecord.iro_name.is_not(None))
        ).first()
        with pytest.raises(annual_report.ReportProblem, match="Partners cannot be shown"):
            annual_report.save_edit(
                session, org.id, period, "partner", "reviews", f"Thanks to {name}.", None
            )
        session.commit()
    found = _report(demo)
    assert found.sections[1].paragraph == "Ours." and found.sections[1].edited
    assert not _report(demo, "partner").sections[1].edited
    with demo.app_context():
        session = get_session()
        org = session.scalars(select(Organisation)).one()
        annual_report.save_edit(session, org.id, period, "internal", "reviews", "  ", None)
        session.commit()
    assert not _report(demo).sections[1].edited


def _manager(app: Flask, role: str = "manager") -> object:
    with app.app_context():
        from qa_toolkit.models import User

        return get_session().scalars(select(User).where(User.email == f"{role}@demo.example")).one()


@pytest.mark.demo
def test_page_edit_and_download_for_managers_only(demo: Flask, login_as: LoginAs) -> None:
    manager = login_as(_manager(demo))  # type: ignore[arg-type]
    page = manager.get("/reports/annual/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Reviews held within the statutory timescale" in html and "Save paragraph" in html
    year = financial_year(date.today())
    span = {"from": year.start.isoformat(), "to": year.end.isoformat()}
    saved = manager.post(
        "/reports/annual/edit",
        data={**span, "audience": "internal", "section": "actions", "text": "Our words here."},
    )
    assert saved.status_code == 302 and "#actions" in saved.headers["Location"]
    assert "Our words here." in manager.get("/reports/annual/").get_data(as_text=True)
    # The demo's year is over EXPORT_QUEUE_ABOVE rows, so the report is queued by default
    # (tests/qa_toolkit/test_export_jobs.py); here the direct download, as for a small one.
    queued = manager.get("/reports/annual/report.docx", query_string=span)
    assert queued.status_code == 302 and queued.headers["Location"].startswith("/jobs/")
    demo.config["EXPORT_QUEUE_ABOVE"] = 10**9
    word = manager.get("/reports/annual/report.docx", query_string=span)
    assert word.status_code == 200 and word.data[:2] == b"PK"
    # Tidy CSV: the reviews-on-time headline row is the figures' own count.
    rows = list(csv.DictReader(io.StringIO(
        manager.get("/reports/annual/report.csv", query_string=span).get_data(as_text=True)
    )))  # fmt: skip
    f = _report(demo).figures
    [on_time] = [r for r in rows if r["measure"] == "within the statutory timescale"]
    assert (int(on_time["n"]), int(on_time["numerator"])) == (f.reviews.timed, f.reviews.on_time)
    by_team = [r for r in rows if r["table"] == "Reviews by team"]
    assert sum(int(r["n"]) for r in by_team) == f.reviews.timed
    partner = manager.get("/reports/annual/", query_string={**span, "audience": "partner"})
    assert "Reviews by IRO" not in partner.get_data(as_text=True)
    assert manager.get("/reports/annual/", query_string={"from": "x", "to": "y"}).status_code == 400
    assert manager.get("/reports/annual/", query_string={"audience": "all"}).status_code == 400
    viewer = login_as(_manager(demo, "viewer"))  # type: ignore[arg-type]
    assert viewer.get("/reports/annual/").status_code == 403
    with demo.app_context():
        actions = list(
            get_session().scalars(
                select(AuditEvent.action).where(AuditEvent.entity_type == "annual_report")
            )
        )
    assert actions.count("view") == 3 and actions.count("export") == 2


def test_an_escalation_records_who_raised_it_and_to_whom(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    from qa_toolkit.models import Role
    from qa_toolkit.services.escalations import REASONS

    auditor = login_as(world.a.users[Role.AUDITOR])
    form = {
        "case_ref": world.a.case_refs[1], "reason": REASONS[1], "issue": "Not carried out.",
        "stage": "informal", "skip_reason": "", "raised_on": "",
        "raised_by": "IRO", "addressed_to": "Team manager",
    }  # fmt: skip
    assert "Addressed to" in auditor.get("/escalations/new").get_data(as_text=True)
    assert auditor.post("/escalations/new", data=form).status_code == 302
    refused = auditor.post("/escalations/new", data={**form, "addressed_to": "Ms Smith"})
    assert refused.status_code in (200, 400) and "Not a valid choice" in refused.get_data(
        as_text=True
    )
    with app.app_context():
        rows = get_session().execute(select(Escalation.raised_by, Escalation.addressed_to)).all()
    assert ("IRO", "Team manager") in rows and ("IRO", "Ms Smith") not in rows
