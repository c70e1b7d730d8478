"""Findings pages on the demo's two finished rounds: full for managers, pseudonymous for viewers."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Programme
from qa_toolkit.services import demo
from tests.support.databases import require_demo


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
    return client


@pytest.mark.demo
def test_findings_for_managers_and_the_partner_view_for_viewers(app: Flask) -> None:
    require_demo(app)
    with app.app_context():
        programme = get_session().scalar(
            select(Programme).where(Programme.name == "IRO footprint audit, autumn")
        )
        assert programme is not None
        url = f"/findings/{programme.id}"
    manager = _client(app, "manager@demo.example").get(url).get_data(as_text=True)
    assert "40 files were audited with the IRO footprint audit" in manager
    # 40 of the 800 children (5%, material): the correction is applied and the page says so.
    assert "Finite population correction applied: 40 of 800 cases sampled (5%)." in manager
    assert re.search(r"\d+ of \d+ answers \(\d+%, 95% CI \d+–\d+%\)", manager)
    assert "Themes: share of files meeting the standard" in manager and "<svg" in manager
    assert "By iro" in manager and "By team" in manager
    # The spring round came first: each theme is compared with it, the file as the unit, and
    # the words follow the Holm-adjusted p-value (answers within a file are not independent).
    assert "Since the last round (IRO footprint audit, spring)" in manager
    assert "with the file as the unit" in manager and "Holm-adjusted" in manager
    assert " points" in manager
    viewer_page = _client(app, "viewer@demo.example").get(url)
    viewer = viewer_page.get_data(as_text=True)
    assert viewer_page.status_code == 200
    assert "partner view" in viewer and "By iro" not in viewer
    assert not re.search(r"C\d{6}", viewer)  # No case reference anywhere.
    assert "not for partner reports" not in viewer


@pytest.mark.demo
def test_the_partner_workbook_identifies_nobody_and_carries_no_formula(app: Flask) -> None:
    """Scan every cell of the LSCP workbook built from the demo, with a hostile highlight added."""
    import io

    from openpyxl import load_workbook

    from qa_toolkit.models import Audit, CaseRecord, HighlightApproval, Staff, User
    from qa_toolkit.services.partner import text_hash

    require_demo(app)
    hostile = '=HYPERLINK("http://evil.example","Click me")'
    with app.app_context():
        session = get_session()
        programme = session.scalar(
            select(Programme).where(Programme.name == "IRO footprint audit, autumn")
        )
        assert programme is not None
        audit = session.scalar(select(Audit).where(Audit.programme_id == programme.id))
        assert audit is not None
        first_question = next(iter(audit.answers))
        audit.highlights = {first_question: {"text": hostile, "share": True}}
        manager_id = session.scalar(select(User.id).where(User.email == "manager@demo.example"))
        assert manager_id is not None
        session.add(  # A manager approved it for partners (it is shared only then).
            HighlightApproval(
                organisation_id=audit.organisation_id, audit_id=audit.id,
                question_id=first_question, text_sha256=text_hash(hostile),
                approved_by_id=manager_id,
            )
        )  # fmt: skip
        session.commit()
        refs = set(session.scalars(select(CaseRecord.case_ref)))
        names = {n for n in session.scalars(select(Staff.name))}
        url = f"/findings/{programme.id}/workbook"
    viewer = _client(app, "viewer@demo.example")
    assert viewer.get(url + "?audience=internal").status_code == 403
    response = viewer.get(url + "?audience=lscp")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert len(cells) > 100
    texts = [str(cell.value) for cell in cells]
    assert not [t for t in texts if any(ref in t for ref in refs)]
    assert not [t for t in texts if any(name in t for name in names)]
    assert all(cell.data_type != "f" for cell in cells)
    assert any(t == "'" + hostile for t in texts)  # Shared, but as inert text.
    assert "Case-level data" not in book.sheetnames and "By iro" not in book.sheetnames
    manager = _client(app, "manager@demo.example")
    internal = load_workbook(io.BytesIO(manager.get(url + "?audience=internal").data))
    assert "Case-level data" in internal.sheetnames
    themes = internal["Themes"]
    values = [row for row in themes.iter_rows(values_only=True) if row and isinstance(row[1], int)]
    assert values and all(0 <= row[3] <= 1 for row in values)


@pytest.mark.demo
def test_the_autumn_round_shows_before_and_after_beside_the_actions_completed_between(
    app: Flask,
) -> None:
    """Re-audit: themes with actions from spring completed before autumn began, both figures."""
    from qa_toolkit.models import Action
    from qa_toolkit.services.findings import findings

    require_demo(app)
    with app.app_context():
        session = get_session()
        spring, autumn = (
            session.scalar(select(Programme).where(Programme.name == f"IRO footprint audit, {s}"))
            for s in ("spring", "autumn")
        )
        assert spring is not None and autumn is not None
        completed = list(
            session.scalars(
                select(Action).where(Action.programme_id == spring.id, Action.status == "completed")
            )
        )
        assert completed, "the demo completes actions from the spring round"
        before = {t.theme_id: t for t in findings(session, spring).rollup.themes}
        after = {t.theme_id: t for t in findings(session, autumn).rollup.themes}
        url = f"/findings/{autumn.id}"
    page = _client(app, "manager@demo.example").get(url).get_data(as_text=True)
    section = page.split("Did the actions work? Before and after", 1)[1].split("</section>")[0]
    for action in completed:
        theme_before, theme_after = before[action.theme_id], after[action.theme_id]
        row = next(r for r in section.split("<tr>") if f">{theme_before.title}<" in r)
        b, a = theme_before.result, theme_after.result
        assert f"{b.successes} of {b.n}" in row and f"{a.successes} of {a.n}" in row
        assert action.title in row
    viewer = _client(app, "viewer@demo.example").get(url).get_data(as_text=True)
    # Partners read it theme by theme (tests/qa_toolkit/test_partner_reaudit.py), no titles.
    assert "Since the last round" in viewer and 'id="reaudit-title"' in viewer
    assert all(a.title not in viewer for a in completed)  # Partners see no action titles.
    # The spring round has no earlier round: no before-and-after section.
    spring_page = _client(app, "manager@demo.example").get(f"/findings/{spring.id}")
    assert "Did the actions work?" not in spring_page.get_data(as_text=True)


@pytest.mark.demo
def test_below_target_reads_clearly_below_or_within_the_interval(app: Flask) -> None:
    """Each question below target is tagged by its interval: upper end under the target or not."""
    from qa_toolkit.services.findings import findings

    require_demo(app)
    with app.app_context():
        session = get_session()
        programme = session.scalar(
            select(Programme).where(Programme.name == "IRO footprint audit, autumn")
        )
        assert programme is not None
        url = f"/findings/{programme.id}"
        questions = findings(session, programme).rollup.questions
        below = [q for q in questions if q.target is not None and q.result.estimate is not None
                 and q.result.estimate < q.target]  # fmt: skip
        # The rule, from the counts: clearly below when Wilson's upper end is under the target.
        clearly = [q for q in below if q.result.high < (q.target or 0)]
    assert below and len(clearly) < len(below)  # the demo has both kinds
    page = _client(app, "manager@demo.example").get(url).get_data(as_text=True)
    table = page.split('id="questions-title"', 1)[1]
    assert table.count('<span class="tag tag-red">clearly below</span>') == len(clearly)
    within = len(below) - len(clearly)
    assert table.count('<span class="tag tag-amber">below, within the interval</span>') == within
    develop = page.split('id="develop-title"', 1)[1].split("</section>", 1)[0]
    assert develop.count("<td>Clearly below</td>") == len(clearly)
    assert develop.count("<td>Below, but the target is within the interval</td>") == within
    narrative = next(line for line in findings_narrative(app, programme.id) if "below" in line)
    assert f"{len(below)} questions were below target" in narrative
    assert (
        f": {len(clearly)} clearly (the whole interval under the target) and {within} "
        "with the target within the interval;"
    ) in narrative


def findings_narrative(app: Flask, programme_id: int) -> list[str]:
    from qa_toolkit.services.findings import findings

    with app.app_context():
        session = get_session()
        programme = session.get(Programme, programme_id)
        assert programme is not None
        return findings(session, programme).narrative


def test_the_margin_asked_for_is_read_from_the_stored_design() -> None:
    from qa_toolkit.services.findings import _asked_margin
    from sampling.design import SampleDesign, SizeRule

    def stored(size: SizeRule) -> Programme:
        return Programme(design=SampleDesign(size=size).to_dict())

    assert _asked_margin(stored(SizeRule(method="margin", margin=0.05))) == 0.05
    assert _asked_margin(stored(SizeRule(method="fixed", n=40))) is None
