"""Escalations of drift and delay through the web: stages, history, access, RAG and the log."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from conventions.working_days import add_working_days
from qa_toolkit.db import get_session
from qa_toolkit.models import Escalation, EscalationStep, Role
from qa_toolkit.services.escalations import REASONS
from reports.actions import DEFAULT_STAGES
from tests.support.world import LoginAs, World

STAGE_NAMES = {stage.key: stage.name for stage in DEFAULT_STAGES}


# --- Helpers ---------------------------------------------------------------------------------


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count()).select_from(Escalation)) or 0,
            session.scalar(select(func.count()).select_from(EscalationStep)) or 0,
        )


def _escalation(app: Flask, escalation_id: int) -> Escalation:
    with app.app_context():
        session = get_session()
        found = session.get_one(Escalation, escalation_id)
        _ = list(found.steps)  # Loaded while the session is open.
        _ = found.team
        return found


def _form(case_ref: str, stage: str = "informal", **extra: str) -> dict[str, str]:
    return {
        "case_ref": case_ref,
        "reason": REASONS[1],
        "issue": "The review's recommendations have not been carried out in three months.",
        "stage": stage,
        "skip_reason": "",
        "raised_on": "",
        **extra,
    }


def _open(client: FlaskClient, form: dict[str, str]) -> int:
    response = client.post("/escalations/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _post(client: FlaskClient, escalation_id: int, what: str, **data: str) -> int:
    return client.post(f"/escalations/{escalation_id}/{what}", data=data).status_code


def _row(page: str, text: str) -> str:
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if text in r]
    assert len(rows) == 1, f"expected one row with {text!r}, found {len(rows)}"
    return rows[0]


def _table(sheet: object, first_heading: str) -> list[tuple[object, ...]]:
    """The body of the table on `sheet` whose header row starts with `first_heading`."""
    values = list(sheet.values)  # type: ignore[attr-defined]
    start = next(i for i, row in enumerate(values) if row[0] == first_heading) + 1
    return [row for row in values[start:] if row[0] is not None]


# --- Opening ----------------------------------------------------------------------------------


def test_an_auditor_opens_an_escalation_at_the_informal_stage(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    today = date.today()
    before = _counts(app)
    escalation_id = _open(auditor, _form(world.a.case_refs[1].lower()))
    assert _counts(app) == (before[0] + 1, before[1] + 1)
    stored = _escalation(app, escalation_id)
    assert stored.organisation_id == world.a.org.id
    assert stored.case_ref == world.a.case_refs[1]
    assert stored.team_id == world.a.teams[1].id  # The child's team, from the case list.
    assert stored.raised_by_id == world.a.users[Role.AUDITOR].id
    assert (stored.stage_key, stored.stage_name) == ("informal", STAGE_NAMES["informal"])
    assert stored.status == "open" and stored.raised_on == today
    assert stored.response_due == add_working_days(today, 5)
    [step] = stored.steps
    assert step.stage_key == "informal" and step.started_on == today
    assert step.response_due == stored.response_due and step.skip_reason is None
    page = auditor.get(f"/escalations/{escalation_id}").get_data(as_text=True)
    assert f"{stored.response_due:%-d %B %Y}" in page

    # Raised on a date in the past: the 5 working days step over the weekend and Christmas.
    backdated = _open(auditor, _form(world.a.case_refs[2], raised_on="2025-12-19"))
    due = _escalation(app, backdated).response_due
    assert due == add_working_days(date(2025, 12, 19), 5) == date(2025, 12, 30)


def test_a_case_reference_outside_the_councils_case_lists_is_refused(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    before = _counts(app)
    for case_ref in (world.b.case_refs[0], "N99999"):
        refused = auditor.post("/escalations/new", data=_form(case_ref))
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert case_ref in page and "is in your case lists" in page
        assert _counts(app) == before


def test_starting_beyond_informal_needs_a_reason_that_is_kept_on_the_first_step(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    before = _counts(app)
    refused = auditor.post("/escalations/new", data=_form(world.a.case_refs[1], "stage2"))
    assert refused.status_code == 400
    assert "why you are starting beyond the first stage" in refused.get_data(as_text=True)
    assert _counts(app) == before
    reason = "The child is at risk of a placement breakdown this week."
    escalation_id = _open(auditor, _form(world.a.case_refs[1], "stage2", skip_reason=reason))
    stored = _escalation(app, escalation_id)
    assert stored.stage_key == "stage2" and stored.stage_name == STAGE_NAMES["stage2"]
    assert stored.response_due == add_working_days(date.today(), 5)
    [step] = stored.steps
    assert step.stage_key == "stage2" and step.skip_reason == reason
    assert reason in auditor.get(f"/escalations/{escalation_id}").get_data(as_text=True)


# --- Moving on --------------------------------------------------------------------------------


def test_responses_and_stages_are_kept_as_history_and_never_go_back(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    eid = world.escalation_id
    today = date.today()
    answer = "The team manager will convene a permanence planning meeting."
    assert _post(auditor, eid, "response", response=answer, responded_on="") == 302
    assert _post(auditor, eid, "move", stage="stage1", skip_reason="") == 302
    moved = _escalation(app, eid)
    assert moved.stage_key == "stage1" and moved.stage_name == STAGE_NAMES["stage1"]
    assert moved.stage_started_on == today
    assert moved.response_due == add_working_days(today, 5)
    first, second = moved.steps
    assert first.stage_key == "informal" and first.response == answer
    assert first.responded_on == today
    assert second.stage_key == "stage1" and second.response is None
    assert second.skip_reason is None and second.response_due == moved.response_due
    page = auditor.get(f"/escalations/{eid}").get_data(as_text=True)
    assert STAGE_NAMES["informal"] in page and STAGE_NAMES["stage1"] in page and answer in page

    for back in ("informal", "stage1"):  # Back, or staying put, is not an escalation.
        refused = auditor.post(f"/escalations/{eid}/move", data={"stage": back})
        assert refused.status_code == 400, back
        assert "never back" in refused.get_data(as_text=True)
    assert [s.stage_key for s in _escalation(app, eid).steps] == ["informal", "stage1"]

    skip = auditor.post(f"/escalations/{eid}/move", data={"stage": "stage3", "skip_reason": ""})
    assert skip.status_code == 400
    assert "why you are skipping a stage" in skip.get_data(as_text=True)
    assert _escalation(app, eid).stage_key == "stage1"
    why = "No response at stage 1 and the child's placement ends on Friday."
    assert _post(auditor, eid, "move", stage="stage3", skip_reason=why) == 302
    skipped = _escalation(app, eid)
    assert [s.stage_key for s in skipped.steps] == ["informal", "stage1", "stage3"]
    assert skipped.steps[-1].skip_reason == why and skipped.stage_key == "stage3"
    assert skipped.steps[0].response == answer  # The history is untouched.


def test_a_resolved_escalation_takes_no_more_responses(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    eid = world.escalation_id
    missing = auditor.post(f"/escalations/{eid}/close", data={"status": "resolved", "outcome": ""})
    assert missing.status_code == 400
    assert _escalation(app, eid).status == "open"
    outcome = "A permanence plan was agreed with a date for the final hearing."
    assert _post(auditor, eid, "close", status="resolved", outcome=outcome, resolved_on="") == 302
    closed = _escalation(app, eid)
    assert closed.status == "resolved" and closed.outcome == outcome
    assert closed.resolved_on == date.today()
    page = auditor.get(f"/escalations/{eid}").get_data(as_text=True)
    assert outcome in page

    before = _counts(app)
    late = auditor.post(f"/escalations/{eid}/response", data={"response": "Too late."})
    assert late.status_code == 400
    assert "This escalation is closed" in late.get_data(as_text=True)
    assert _post(auditor, eid, "move", stage="stage1") == 400
    assert _post(auditor, eid, "close", status="withdrawn", outcome="Again.") == 400
    after = _escalation(app, eid)
    assert after.steps[-1].response is None and after.status == "resolved"
    assert after.outcome == outcome and _counts(app) == before
    assert world.a.case_refs[0] not in auditor.get("/escalations/").get_data(as_text=True)
    resolved = auditor.get("/escalations/?status=resolved").get_data(as_text=True)
    assert "Resolved" in _row(resolved, world.a.case_refs[0])


# --- Who sees an escalation -------------------------------------------------------------------


def test_only_the_raiser_and_the_councils_managers_see_an_escalation(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    url = f"/escalations/{world.escalation_id}"
    ref = world.a.case_refs[0]
    other_auditor = login_as(world.shared_user)  # An auditor in A who did not raise it.
    assert other_auditor.get(url).status_code == 404
    assert _post(other_auditor, world.escalation_id, "response", response="Mine.") == 404
    assert (
        _post(other_auditor, world.escalation_id, "close", status="withdrawn", outcome="x") == 404
    )
    assert ref not in other_auditor.get("/escalations/?status=any").get_data(as_text=True)
    foreign = login_as(world.b.users[Role.MANAGER])
    assert foreign.get(url).status_code == 404
    assert _post(foreign, world.escalation_id, "move", stage="stage1") == 404
    assert ref not in foreign.get("/escalations/?status=any").get_data(as_text=True)
    unchanged = _escalation(app, world.escalation_id)
    assert unchanged.status == "open" and len(unchanged.steps) == 1
    assert unchanged.steps[0].response is None
    manager = login_as(world.a.users[Role.MANAGER])
    assert manager.get(url).status_code == 200
    assert ref in manager.get("/escalations/").get_data(as_text=True)
    assert login_as(world.a.users[Role.AUDITOR]).get(url).status_code == 200
    assert login_as(world.a.users[Role.VIEWER]).get(url).status_code == 403
    assert login_as(world.a.users[Role.VIEWER]).get("/escalations/").status_code == 403


# --- RAG --------------------------------------------------------------------------------------


def test_a_late_response_is_red_on_the_list_until_one_comes_back(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    today = date.today()
    with app.app_context():
        session = get_session()
        late = session.get_one(Escalation, world.escalation_id)
        late.response_due = today - timedelta(days=1)
        late.steps[-1].response_due = today - timedelta(days=1)
        session.commit()
    auditor = login_as(world.a.users[Role.AUDITOR])
    fresh = _open(auditor, _form(world.a.case_refs[1]))
    assert _escalation(app, fresh).response_due == add_working_days(today, 5)
    for client in (auditor, login_as(world.a.users[Role.MANAGER])):
        page = client.get("/escalations/").get_data(as_text=True)
        assert 'tag-red">Overdue<' in _row(page, world.a.case_refs[0])
        # Due in 5 working days: on track until the last 2 (ESCALATION_AMBER_DAYS).
        assert 'tag-green">On track<' in _row(page, world.a.case_refs[1])
    assert 'tag-red">Overdue<' in auditor.get(f"/escalations/{world.escalation_id}").get_data(
        as_text=True
    )
    assert _post(auditor, world.escalation_id, "response", response="Agreed today.") == 302
    page = auditor.get("/escalations/").get_data(as_text=True)
    assert 'tag-green">On track<' in _row(page, world.a.case_refs[0])


# --- The escalation log -----------------------------------------------------------------------


def _open_and_close(
    client: FlaskClient,
    case_ref: str,
    reason: str,
    raised_on: str,
    closed_on: str | None,
    status: str = "resolved",
    **extra: str,
) -> int:
    eid = _open(client, _form(case_ref, reason=reason, raised_on=raised_on, **extra))
    if closed_on is not None:
        assert (
            _post(client, eid, "close", status=status, outcome="Agreed.", resolved_on=closed_on)
            == 302
        )
    return eid


def test_the_escalation_log_counts_what_was_raised_and_the_median_time_to_resolve(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    n1, n2, n3 = world.a.case_refs  # Teams: N Team 1, N Team 2, N Team 1.
    r0, r1, r2, r3 = REASONS[:4]
    # The fixture's escalation: n1, r0, informal, open, raised today.
    # Resolved, with hand-worked times (England and Wales bank holidays):
    #   3 Mar 2025 (Mon) -> 5 Mar (Wed):  2 calendar days,  2 working days
    #   3 Mar 2025 (Mon) -> 10 Mar (Mon): 7 calendar days,  5 working days
    #   7 Mar 2025 (Fri) -> 31 Mar (Mon): 24 calendar days, 16 working days
    #   14 Apr 2025 (Mon) -> 25 Apr (Fri): 11 calendar days, 7 working days (Good Friday 18 Apr
    #   and Easter Monday 21 Apr are bank holidays)
    # Medians: calendar (7 + 11) / 2 = 9; working (5 + 7) / 2 = 6.
    _open_and_close(auditor, n2, r1, "2025-03-03", "2025-03-05")
    _open_and_close(auditor, n2, r1, "2025-03-03", "2025-03-10")
    _open_and_close(
        auditor, n2, r2, "2025-03-07", "2025-03-31", stage="stage2", skip_reason="Risk of harm."
    )
    _open_and_close(auditor, n1, r0, "2025-04-14", "2025-04-25")
    # Withdrawn: in the log, but neither resolved nor open, so left out of the figures.
    _open_and_close(auditor, n3, r3, "2025-05-01", "2025-05-02", status="withdrawn")
    # Open, the response due 9 June 2025 and none back: overdue.
    overdue = _open_and_close(auditor, n2, r1, "2025-06-02", None)
    # Another council's escalation is not in this council's log.
    _open(login_as(world.b.users[Role.AUDITOR]), _form(world.b.case_refs[0]))

    response = login_as(world.a.users[Role.MANAGER]).get("/escalations/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Summary", "By stage", "By team", "By reason", "Escalation log"]
    # Counts in one column, formatted as whole numbers; medians in another, in days.
    table = _table(workbook["Summary"], "Measure")
    summary = {row[0]: row[1] if row[1] is not None else row[2] for row in table}
    assert all(
        c.number_format == "#,##0"
        for row in workbook["Summary"].iter_rows()
        for c in row[1:2]
        if isinstance(c.value, int | float)
    )
    assert summary == {
        "Escalations raised (withdrawn ones left out)": 6,
        "Open": 2,
        "Open with the response overdue": 1,
        "Resolved": 4,
        "Resolved within 20 working days": 4,
        "Median calendar days to resolution": 9,
        "Median working days to resolution": 6,
    }
    by_stage = [tuple(row[:2]) for row in _table(workbook["By stage"], "Stage")]
    assert by_stage == [
        (STAGE_NAMES["informal"], 5),
        (STAGE_NAMES["stage1"], 0),
        (STAGE_NAMES["stage2"], 1),
        (STAGE_NAMES["stage3"], 0),
        (STAGE_NAMES["stage4"], 0),
        (STAGE_NAMES["cafcass"], 0),
    ]
    by_team = [tuple(row[:2]) for row in _table(workbook["By team"], "Team")]
    assert by_team == [("N Team 2", 4), ("N Team 1", 2)]  # Most first.
    by_reason = [tuple(row[:2]) for row in _table(workbook["By reason"], "Reason")]
    assert by_reason == [(r1, 3), (r0, 2), (r2, 1)]

    log_sheet = workbook["Escalation log"]
    headings = next(row for row in log_sheet.values if row[0] == "Ref")
    log = [dict(zip(headings, row, strict=True)) for row in _table(log_sheet, "Ref")]
    assert len(log) == 7  # All of this council's, the withdrawn one too.
    assert {row["Case reference"] for row in log} == {n1, n2, n3}
    statuses = sorted(str(row["Status"]) for row in log)
    assert statuses == ["Open", "Open", "Resolved", "Resolved", "Resolved", "Resolved", "Withdrawn"]
    late = next(row for row in log if row["Ref"] == overdue)
    assert late["RAG"] == "Overdue" and late["Stage"] == STAGE_NAMES["informal"]
    assert sum(row["Stages skipped"] == "Yes" for row in log) == 1
    assert all(row["RAG"] is None for row in log if row["Status"] != "Open")


def test_the_summary_agrees_with_the_log_on_which_responses_are_overdue(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Raised 2 June 2025 at informal (response due 9 June); the response came on 4 June and the
    escalation is still open. The log and the lists rate it On track; the summary's count of
    responses overdue must agree with them."""
    auditor = login_as(world.a.users[Role.AUDITOR])
    eid = _open(auditor, _form(world.a.case_refs[1], raised_on="2025-06-02"))
    assert _post(auditor, eid, "response", response="Done.", responded_on="2025-06-04") == 302
    page = auditor.get("/escalations/").get_data(as_text=True)
    assert 'tag-green">On track<' in _row(page, world.a.case_refs[1])
    workbook = load_workbook(
        io.BytesIO(login_as(world.a.users[Role.MANAGER]).get("/escalations/export.xlsx").data)
    )
    log_sheet = workbook["Escalation log"]
    headings = next(row for row in log_sheet.values if row[0] == "Ref")
    log = [dict(zip(headings, row, strict=True)) for row in _table(log_sheet, "Ref")]
    overdue_in_log = sum(row["RAG"] == "Overdue" for row in log)
    assert overdue_in_log == 0
    summary = {row[0]: row[1] for row in _table(workbook["Summary"], "Measure")}
    assert summary["Open with the response overdue"] == overdue_in_log
