"""The board pack: every figure is the findings page's, both versions render in LibreOffice,
the partner one names nobody, and the command line writes the same document."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from markupsafe import escape
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, Programme, User
from reports.marking import INTERNAL, PARTNER
from tests.support.databases import require_demo
from tests.support.rendering import render
from tests.support.world import LoginAs

AUTUMN = "IRO footprint audit, autumn"


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> Flask:
    require_demo(app)
    return app


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        return get_session().scalars(select(User).where(User.email == email)).one()


def _autumn(app: Flask) -> int:
    with app.app_context():
        return get_session().scalars(select(Programme.id).where(Programme.name == AUTUMN)).one()


def _tables(body: bytes) -> dict[str, list[list[str]]]:
    """Each table of the document under the heading just before it."""
    document = docx.Document(io.BytesIO(body))
    found: dict[str, list[list[str]]] = {}
    heading = ""
    body_items = document.element.body.iterchildren()
    tables = iter(document.tables)
    paragraphs = {p._p: p for p in document.paragraphs}
    for item in body_items:
        if item in paragraphs and paragraphs[item].style.name.startswith("Heading 3"):
            heading = paragraphs[item].text
        elif item.tag.endswith("}tbl"):
            table = next(tables)
            found[heading] = [[c.text for c in row.cells] for row in table.rows[1:]]
    return found


def _row(*cells: str) -> str:
    first, *rest = cells
    return f'<th scope="row">{escape(first)}</th>' + "".join(
        f'<td class="num">{escape(c)}</td>' for c in rest
    )


@pytest.mark.demo
@pytest.mark.parametrize(
    ("email", "audience"), [("manager@demo.example", "internal"), ("viewer@demo.example", "lscp")]
)
def test_every_figure_is_the_findings_pages(
    demo: Flask, login_as: LoginAs, email: str, audience: str
) -> None:
    client = login_as(_user(demo, email))
    programme_id = _autumn(demo)
    page = client.get(f"/findings/{programme_id}").get_data(as_text=True)
    pack = client.get(f"/findings/{programme_id}/board-pack.docx?audience={audience}")
    assert pack.status_code == 200
    tables = _tables(pack.data)
    themes = tables["Themes"]
    assert len(themes) == 9
    for label, met, of, share, interval, _target in themes:
        assert _row(label, met, of, share, interval) in page, label
    areas = tables["Questions below their target"]
    assert areas
    for label, met, of, share, interval, target in areas:
        cells = f'<td class="num">{met} of {of} ({share})</td><td class="num">{interval}</td>'
        assert f'<th scope="row">{escape(label)}</th>{cells}' in page, label
        assert f"{target}</td>" in page
    trend = tables.get("Change by theme", [])
    assert trend  # the spring round comes before
    for theme, before, after, verdict in trend:
        assert str(escape(theme)) in page and before in page and after in page
        assert str(escape(verdict)) in page


@pytest.mark.long
@pytest.mark.demo
def test_both_versions_render_with_the_marking_on_every_page(
    demo: Flask, login_as: LoginAs, tmp_path: Path
) -> None:
    client = login_as(_user(demo, "manager@demo.example"))
    programme_id = _autumn(demo)
    with demo.app_context():
        session = get_session()
        refs = set(session.scalars(select(CaseRecord.case_ref)))
        names = {n for n in session.scalars(select(CaseRecord.iro_name).distinct()) if n}
    for audience, marking in (("lscp", PARTNER), ("internal", INTERNAL)):
        body = client.get(f"/findings/{programme_id}/board-pack.docx?audience={audience}").data
        path = tmp_path / f"{audience}.docx"
        path.write_bytes(body)
        assert len(docx.Document(path).inline_shapes) == 2  # the themes and trend charts
        shown = render(path, tmp_path / audience)
        assert shown.page_count >= 3 and all(p.exists() and p.stat().st_size for p in shown.pages)
        assert shown.text.count(marking) == shown.page_count
        assert "Annex: method" in shown.text and "Good practice" in shown.text
        if audience == "lscp":
            words = shown.text.split()
            assert not refs & set(words)
            assert not [n for n in names if n in shown.text]


@pytest.mark.demo
def test_viewers_get_only_the_partner_pack(demo: Flask, login_as: LoginAs) -> None:
    viewer = login_as(_user(demo, "viewer@demo.example"))
    url = f"/findings/{_autumn(demo)}/board-pack.docx"
    assert viewer.get(url + "?audience=internal").status_code == 403
    assert viewer.get(url + "?audience=other").status_code == 400
    assert viewer.get(url).status_code == 200


@pytest.mark.demo
def test_command_line_writes_the_same_pack(
    demo: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "pack.docx"
    result = runner.invoke(args=["report", "board-pack", AUTUMN, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _tables(out.read_bytes())["Themes"]
    missing = runner.invoke(
        args=["report", "board-pack", "No such", "-o", str(tmp_path / "x.docx")]
    )
    assert missing.exit_code != 0 and "There is no programme 'No such'" in missing.output
    assert not (tmp_path / "x.docx").exists()
