"""The annual report written out: a Word document and a workbook, from its sections alone.

Both take the sections as the web page shows them (the author's edits in place), so what is
exported is what was read; the partner versions are given sections written from
reports.disclosure_annual's figures and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.annual_text import Section
from reports.disclosure import Table
from reports.excel import Column, Properties, Sheet, WorkbookSpec
from reports.marking import marking
from reports.word import Writer

__all__ = ["ReportMeta", "document", "workbook"]

METHOD = (
    "Children looked after: the children on the case lists dated in the period, or reviewed "
    "in it; on the last day, the children on the latest list dated on or before it.",
    "Reviews: each child's reviews are given their due dates by the statutory timetable (Care "
    "Planning, Placement and Case Review (England) Regulations 2010, reg. 33): the first within "
    "20 working days of becoming looked after, the second within 3 months, then every 6 "
    "months. Reviews from a list without the child's review history are counted but not timed.",
    "Participation: the SSDA903 PN codes; the share taking part is PN1 to PN6 of the reviews of "
    "children aged 4 and over (PN1 to PN7).",
    "Changes from the previous period: a share is tested with Fisher's exact test, audit rounds "
    "with the design-based test on files; counts of every child are not samples and are not "
    "tested.",
    "Escalations: withdrawn ones are left out of the times to resolution; working days leave "
    "out weekends and the England and Wales bank holidays.",
)
PARTNER_METHOD = (
    "For partners: nobody is named; counts from 1 to k - 1 are suppressed ([c]) with further "
    "cells where a hidden one could be worked out from the totals.",
)


@dataclass(frozen=True)
class ReportMeta:
    title: str
    organisation: str
    period: str
    partner: bool
    produced: str  # 'produced 3 December 2026 18:02' (conventions.display)


def document(meta: ReportMeta, sections: Sequence[Section]) -> bytes:
    """The Word document: marking in the header, each section's paragraph and tables."""
    writer = Writer(
        meta.title, marking(meta.partner), f"{meta.organisation} · {meta.produced}",
        author=meta.organisation,
    )  # fmt: skip
    writer.paragraph(f"{meta.organisation}. Reporting period {meta.period}.")
    for section in sections:
        writer.heading(section.title)
        writer.paragraph(section.paragraph)
        for table in section.tables:
            writer.table(table)
    writer.heading("How the figures were worked out")
    writer.bullets(METHOD + (PARTNER_METHOD if meta.partner else ()))
    return writer.bytes()


def _sheet_name(title: str, taken: set[str]) -> str:
    base = "".join(c for c in title if c not in "[]:*?/\\")[:28].strip()
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:26]} {n}", n + 1
    taken.add(name.lower())
    return name


def _columns(table: Table) -> list[Column]:
    kinds = []
    for i, heading in enumerate(table.columns):
        values = [row[i] for row in table.rows if row[i] is not None]
        numeric = values and all(isinstance(v, int) for v in values)
        kinds.append(Column(heading, "integer" if numeric else "text", wrap=not numeric))
    return kinds


def workbook(meta: ReportMeta, sections: Sequence[Section]) -> WorkbookSpec:
    """One sheet of paragraphs, then one sheet per table, its section's paragraph above it."""
    taken: set[str] = set()
    summary = Sheet(
        _sheet_name("Summary", taken),
        f"{meta.title}: {meta.organisation}",
        [Column("Section", "text", width=34, wrap=True), Column("Paragraph", wrap=True, width=90)],
        [(s.title, s.paragraph) for s in sections],
        notes=(f"Reporting period {meta.period}; {meta.produced}.",),
    )
    sheets = [summary]
    for section in sections:
        for table in section.tables:
            sheets.append(
                Sheet(
                    _sheet_name(table.title, taken),
                    table.title,
                    _columns(table),
                    [tuple(row) for row in table.rows],
                    notes=(section.title, *table.notes)
                    + (
                        ("A blank figure is suppressed to protect small numbers.",)
                        if meta.partner
                        else ()
                    ),
                    autofilter=bool(table.rows),
                )
            )
    method = [(line,) for line in METHOD + (PARTNER_METHOD if meta.partner else ())]
    sheets.append(
        Sheet(
            "Method",
            "How the figures were worked out",
            [Column("Method", wrap=True, width=110)],
            method,
        )
    )
    return WorkbookSpec(
        title=meta.title,
        audience="lscp" if meta.partner else "internal",
        sheets=sheets,
        properties=Properties(author=meta.organisation, subject=meta.title),
    )
