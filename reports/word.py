"""Word documents (python-docx): plain tables and paragraphs in, a .docx a council can file.

Every page's header carries the handling marking (reports.marking) and the document's title;
the footer says when it was produced and "Page x of y" (Word fields, which LibreOffice fills
in too). Tables are `reports.disclosure.Table`s, the shape every partner writer uses, so a
document decides nothing about what is shown. Charts come in as PNG bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reports.disclosure import Table

__all__ = ["Writer"]

SUPPRESSED = "[c]"
TEXT_WIDTH_CM = 17.0  # A4 less 2 cm margins  # the official statistics' sign for a suppressed cell


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader fills in."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for part in (begin, code, separate, shown, end):
        run._r.append(part)


def _cell(value: object) -> str:
    if value is None:
        return SUPPRESSED
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class Writer:
    """One document: `heading`, `paragraph`, `table`, `image`, then `save`."""

    def __init__(self, title: str, marking: str, footer: str, *, author: str = "") -> None:
        self.doc: Any = Document()
        self.doc.core_properties.title = title
        self.doc.core_properties.author = author or "QA toolkit"
        style = self.doc.styles["Normal"]
        style.font.name = "Liberation Sans"
        style.font.size = Pt(10.5)
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Cm(2.0))
        header = section.header.paragraphs[0]
        mark = header.add_run(marking)
        mark.bold = True
        mark.font.size = Pt(9)
        header.add_run(f"\n{title}").font.size = Pt(8)
        foot = section.footer.paragraphs[0]
        foot.add_run(f"{footer} · Page ").font.size = Pt(8)
        _field(foot, "PAGE")
        foot.add_run(" of ").font.size = Pt(8)
        _field(foot, "NUMPAGES")
        self.doc.add_heading(title, level=0)

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(text, level=level)

    def paragraph(self, text: str, *, italic: bool = False) -> None:
        for part in text.split("\n\n"):
            run = self.doc.add_paragraph().add_run(part.strip())
            run.italic = italic

    def bullets(self, items: Iterable[str]) -> None:
        for item in items:
            self.doc.add_paragraph(item, style="List Bullet")

    def table(self, table: Table) -> None:
        """A table with a header row repeated on every page; None is shown as suppressed."""
        self.doc.add_heading(table.title, level=3)
        if not table.rows:
            self.paragraph("Nothing to show, or withheld to protect small numbers.", italic=True)
            return
        grid = self.doc.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.text = name
            cell.paragraphs[0].runs[0].bold = True
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        grid.rows[0]._tr.get_or_add_trPr().append(repeat)
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = _cell(value)
        # The first column holds the words: give it the room, the figures share the rest.
        first = 7.0 if len(table.columns) > 2 else 5.0
        rest = (TEXT_WIDTH_CM - first) / max(len(table.columns) - 1, 1)
        grid.autofit = False
        for i, column in enumerate(grid.columns):  # the grid LibreOffice reads
            column.width = Cm(first if i == 0 else rest)
        for row in grid.rows:  # and each cell, which Word reads
            for i, cell in enumerate(row.cells):
                cell.width = Cm(first if i == 0 else rest)
        for note in table.notes:
            self.paragraph(note, italic=True)

    def image(self, png: bytes, width_cm: float = 16.0, caption: str = "") -> None:
        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
        if caption:
            self.paragraph(caption, italic=True)

    def page_break(self) -> None:
        self.doc.add_page_break()

    def save(self, target: BinaryIO | str) -> None:
        self.doc.save(target)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
