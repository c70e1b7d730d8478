"""Partners' 'Did the actions work?': the previous round's actions counted by theme, with each
theme's compliance then and now as published, on the partner page, workbook and board pack;
checked against counts made here from the actions table and the two rounds' answers."""

from __future__ import annotations

import io
import math
from datetime import date
from fractions import Fraction

import docx
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import or_, select

from qa_toolkit.db import get_session
from qa_toolkit.models import Action, Audit, Programme, Role, User
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services.demo import DEMO_LOGINS
from reports.disclosure import DEFAULT_MIN_FILES
from tests.support.databases import require_demo
from tests.support.world import LoginAs

VIEWER = next(login.email for login in DEMO_LOGINS if login.role == Role.VIEWER)


def _whole(met: int, answered: int) -> int:
    """Half up on the exact fraction, as the partner object publishes a percentage."""
    return (200 * met + answered) // (2 * answered)


def _points(then: Fraction, now: Fraction) -> int:
    """The change in whole points from the unrounded shares, half away from zero."""
    difference = (now - then) * 100
    size = math.floor(abs(difference) + Fraction(1, 2))
    return size if difference >= 0 else -size


Line = tuple[int, int, int, int, int]


def _expected(app: Flask) -> tuple[int, dict[str, Line], set[str]]:
    """(autumn's id, {theme: (raised, completed, before %, after %, change)}, action titles)."""
    with app.app_context():
        session = get_session()
        spring, autumn = (
            session.scalars(
                select(Programme).where(Programme.name == f"IRO footprint audit, {s}")
            ).one()
            for s in ("spring", "autumn")
        )
        before = findings_service.findings(session, spring).rollup
        after = findings_service.findings(session, autumn).rollup
        assert before.files >= DEFAULT_MIN_FILES and after.files >= DEFAULT_MIN_FILES
        actions = session.scalars(
            select(Action)
            .outerjoin(Audit, Action.audit_id == Audit.id)
            .where(or_(Action.programme_id == spring.id, Audit.programme_id == spring.id))
        ).all()
        assert autumn.launched_at is not None
        launched: date = autumn.launched_at.date()
        question_themes = {q.question_id: set(q.themes) for q in after.questions}
        found: dict[str, Line] = {}
        for theme in after.themes:
            mine = [
                a for a in actions
                if a.theme_id == theme.theme_id
                or (a.theme_id is None and theme.theme_id in question_themes.get(a.question_id
                                                                                 or "", set()))
            ]  # fmt: skip
            if not mine:
                continue
            then = next(t for t in before.themes if t.theme_id == theme.theme_id).result
            now = theme.result
            done = sum(
                a.status == "completed" and a.completed_on is not None
                and a.completed_on <= launched
                for a in mine
            )  # fmt: skip
            found[theme.title] = (
                len(mine), done, _whole(then.successes, then.n), _whole(now.successes, now.n),
                _points(Fraction(then.successes, then.n), Fraction(now.successes, now.n)),
            )  # fmt: skip
        return autumn.id, found, {a.title for a in actions}


@pytest.mark.demo
def test_partners_see_the_actions_by_theme_with_the_published_before_and_after(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs
) -> None:
    require_demo(app)
    autumn_id, expected, titles = _expected(app)
    assert expected and any(done for _r, done, _b, _a, _c in expected.values())
    with app.app_context():
        viewer = get_session().scalars(select(User).where(User.email == VIEWER)).one()
    client = login_as(viewer)

    page = client.get(f"/findings/{autumn_id}").get_data(as_text=True)
    section = page.split('id="reaudit-title">Did the actions work?', 1)[1].split("</section>")[0]
    rows = section.split("<tbody>", 1)[1].split("<tr>")[1:]
    shown = {}
    for row in rows:
        theme = row.split('<th scope="row">', 1)[1].split("</th>", 1)[0]
        cells = [c.split("</td>", 1)[0] for c in row.split('<td class="num">')[1:]]
        shown[theme] = tuple(int(c) for c in cells[:5])
    assert shown == expected

    book = load_workbook(io.BytesIO(client.get(f"/findings/{autumn_id}/workbook").data))
    sheet = book["Did the actions work"]
    header = next(i for i, r in enumerate(sheet.iter_rows(values_only=True)) if r[0] == "Theme")
    table = list(sheet.iter_rows(min_row=header + 2, values_only=True))
    assert {r[0]: tuple(r[1:6]) for r in table if r[0]} == expected

    pack = docx.Document(io.BytesIO(client.get(f"/findings/{autumn_id}/board-pack.docx").data))
    grid = next(t for t in pack.tables if t.rows[0].cells[0].text == "Theme"
                and t.rows[0].cells[1].text == "Actions raised")  # fmt: skip
    in_pack = {
        r.cells[0].text: tuple(int(c.text) for c in r.cells[1:6]) for r in list(grid.rows)[1:]
    }
    assert in_pack == expected

    every_text = page + "".join(str(c.value) for ws in book for row in ws for c in row)
    every_text += "".join(p.text for p in pack.paragraphs)
    every_text += "".join(c.text for t in pack.tables for r in t.rows for c in r.cells)
    assert not [t for t in titles if t in every_text]  # no action's words reach partners
