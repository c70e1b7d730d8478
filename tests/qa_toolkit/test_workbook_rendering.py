"""Every workbook the app produces, downloaded as a user gets it and printed by LibreOffice (the
free reader partners use) to PDF and PNG pages: each page converts, the rendered text holds
the full headers and whole counts, and openpyxl reads back what makes that so (row heights
for wrapped cells, number formats, chart error bars that point at cells)."""

from __future__ import annotations

import io
import math
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Programme, Role, User
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services.demo import DEMO_LOGINS
from tests.support.databases import require_demo
from tests.support.pdf_words import overlaps, printed, words
from tests.support.rendering import Rendered, render_all
from tests.support.world import LoginAs

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice and poppler are not installed: run scripts/ensure-office",
)

AUTUMN = "IRO footprint audit, autumn"
MANAGER = next(login.email for login in DEMO_LOGINS if login.role == Role.MANAGER)
ADMIN = next(login.email for login in DEMO_LOGINS if login.role == Role.ADMIN)


def _downloads(app: Flask, runner: FlaskCliRunner, login_as: LoginAs) -> dict[str, bytes]:
    require_demo(app)
    with app.app_context():
        session = get_session()
        manager = session.scalars(select(User).where(User.email == MANAGER)).one()
        admin = session.scalars(select(User).where(User.email == ADMIN)).one()
        autumn = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one().id
    # Each file as the request builds it (the demo's year of case lists would otherwise go to
    # the job queue, whose file is the same bytes: test_export_jobs checks that).
    app.config["EXPORT_QUEUE_ABOVE"] = 10**9
    as_manager = login_as(manager)
    urls = {
        "internal": f"/findings/{autumn}/workbook?audience=internal",
        "partner": f"/findings/{autumn}/workbook?audience=lscp",
        "actions": "/actions/export.xlsx?status=any",
        "escalations": "/escalations/export.xlsx",
        "annual": "/reports/annual/report.xlsx",
        "annual-partner": "/reports/annual/report.xlsx?audience=partner",
    }
    out = {}
    for name, url in urls.items():
        response = as_manager.get(url)
        assert response.status_code == 200, url
        out[name] = response.data
    # The exports just made (the whole demo log runs to a hundred pages).
    response = login_as(admin).get("/admin/audit-log?action=downloaded&format=xlsx")
    assert response.status_code == 200
    out["audit-log"] = response.data
    return out


WHOLE_AS_DECIMAL = re.compile(r"(?<![\d.])\d+\.00(?!\d)")
HEADERS = {
    "internal": ("Not applicable", "Whole list (weighted)", "Weighted lower 95%",
                 "Weighted upper 95%", "Weighting notes", "Holm-adjusted p", "Below target",
                 "Estimate to lower end", "Estimate to upper end"),
    "partner": ("Not applicable", "Whole list, weighted (%)", "Weighted lower 95% (%)",
                "Weighted upper 95% (%)", "Lower 95% (%)", "Share of files (%)"),
    "escalations": ("Stages visited", "Stages skipped", "Response due", "Escalations"),
    "actions": ("What good looks like", "Completion evidence", "Raised from"),
    "audit-log": ("When (UTC)",),
    "annual": (),
    "annual-partner": (),
}  # fmt: skip


@pytest.mark.long
@pytest.mark.demo
def test_every_workbook_prints_in_libreoffice_with_whole_headers_and_counts(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs, tmp_path: Path
) -> None:
    books = _downloads(app, runner, login_as)
    paths = {name: tmp_path / f"{name}.xlsx" for name in books}
    for name, data in books.items():
        paths[name].write_bytes(data)
    rendered = render_all(list(paths.values()), tmp_path / "rendered")
    for name in books:
        result: Rendered = rendered[paths[name]]
        assert result.page_count >= 1, name
        for page in result.pages:  # every page converted to a real image
            assert page.stat().st_size > 1000 and page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        found = words(result.pdf)
        assert len({w.page for w in found}) == result.page_count, name  # no blank page
        for header in HEADERS[name]:
            assert printed(found, header), (name, header)
        # Nothing printed over anything else: wrapped text stays within its row, and a
        # header's second line never covers the first row of numbers.
        clashes = overlaps(found)
        assert not clashes, (name, [(a.text, b.text, a.page) for a, b in clashes[:10]])
        # Counts are whole numbers: no "3.00" anywhere (a stratum's sampling weight, a ratio,
        # is the only figure given to two places).
        lines = [line for line in result.text.splitlines() if "weight " not in line]
        assert not [line for line in lines if WHOLE_AS_DECIMAL.search(line)], name


def _width(ws: Any, column: int) -> float:
    """The width openpyxl read for a 1-based column (it groups equal neighbours)."""
    for dims in ws.column_dimensions.values():
        if dims.min and dims.max and dims.min <= column <= dims.max:
            return float(dims.width)
    return 8.43  # Excel's default


def _fewest_lines(text: str, width: float) -> int:
    """A lower bound on the lines wrapped text needs, however narrow the font: 1.25 characters
    per unit of column width is more than any proportional font fits."""
    return sum(max(1, math.ceil(len(part) / (1.25 * width))) for part in text.split("\n"))


RAG_COLOURS = {"Overdue": "FFC7CE", "Due soon": "FFEB9C", "On track": "C6EFCE"}


@pytest.mark.demo
def test_workbooks_read_back_with_heights_formats_and_error_bars_from_cells(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs
) -> None:
    books = _downloads(app, runner, login_as)
    rag_cells = 0
    for name, data in books.items():
        book = openpyxl.load_workbook(io.BytesIO(data))
        for ws in book.worksheets:
            header = _header_row(ws)
            for row in ws.iter_rows(min_row=header):
                height = ws.row_dimensions[row[0].row].height or 15.0
                for cell in row:
                    if not isinstance(cell.value, str):
                        continue
                    width = _width(ws, cell.column)
                    if len(cell.value) > 1.25 * width:
                        # Too long for one line: wrapped, and the row tall enough for it.
                        assert cell.alignment.wrap_text, (name, ws.title, cell.coordinate)
                        lines = _fewest_lines(cell.value, width)
                        assert height >= 15 * lines, (name, ws.title, cell.coordinate, height)
                    if cell.value in RAG_COLOURS and cell.row > header:
                        rag_cells += 1
                        assert cell.fill.fgColor.rgb[-6:] == RAG_COLOURS[cell.value], (
                            name, ws.title, cell.coordinate)  # fmt: skip
                for cell in row:
                    number = isinstance(cell.value, int | float) and not isinstance(
                        cell.value, bool
                    )
                    # Counts are whole numbers; only p-values and medians show decimals.
                    if number and cell.number_format not in ("0.000", "0.0"):
                        assert "." not in cell.number_format, (name, ws.title, cell.coordinate)
                    if number and cell.value == int(cell.value) and "%" not in cell.number_format:
                        assert cell.number_format in ("#,##0", "0", "General", "+0;-0;0", "0.0",
                                                      "0.000"), (name, ws.title)  # fmt: skip
    assert rag_cells >= 3  # the demo's open actions and escalations are rated
    escalations = openpyxl.load_workbook(io.BytesIO(books["escalations"]))["Summary"]
    counts = [r[1] for r in escalations.iter_rows() if isinstance(r[1].value, int)]
    assert counts and all(c.number_format == "#,##0" for c in counts)

    # The action export names a theme by its title, never by its key.
    with app.app_context():
        template = findings_service.findings(
            get_session(),
            get_session().scalars(select(Programme).where(Programme.name == AUTUMN)).one(),
        ).template
    keys = {t.id for t in template.themes}
    titles = {t.title for t in template.themes}
    actions = openpyxl.load_workbook(io.BytesIO(books["actions"]))["Actions"]
    rows = list(actions.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Ref")
    themes = {r[rows[at].index("Theme")] for r in rows[at + 1 :]} - {None}
    assert themes and themes <= titles and not themes & keys

    # The Themes chart's error bars point at cells (LibreOffice draws those, not literals), and
    # the chart has axis titles and a target series.
    with zipfile.ZipFile(io.BytesIO(books["internal"])) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(archive.read(n).decode() for n in charts)
    assert "<c:errBars>" in xml
    bars = re.findall(r"<c:(?:plus|minus)>(.*?)</c:(?:plus|minus)>", xml, re.S)
    assert len(bars) == 2 and all("<c:numRef><c:f>'Themes'!$" in b for b in bars)
    assert "<c:numLit>" not in "".join(bars)
    assert "Answers meeting the standard" in xml and ">Theme<" in xml and ">Target<" in xml


def _header_row(ws: Any) -> int:
    """The table's header row: the first with the header fill."""
    for row in ws.iter_rows(max_row=40):
        if row[0].fill is not None and str(row[0].fill.fgColor.rgb).endswith("1F4E79"):
            return int(row[0].row)
    return 1
