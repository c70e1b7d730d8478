"""The partner (LSCP) workbook: the partner object's tables, written as they are.

Nothing here decides what partners may see (reports.disclosure does): every figure comes from
`PartnerFindings.tables()`, percentages as whole numbers in columns headed "(%)", a
suppressed cell as the word "suppressed". The Method sheet adds how the sample was drawn
(no case-level data) and states the disclosure rules with their settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reports.actions import RAG_FILLS, RAG_LEGEND
from reports.disclosure import PartnerFindings, Table
from reports.disclosure_actions import ThemeActions
from reports.disclosure_actions import table as reaudit_table
from reports.excel import CellValue, Column, Properties, Sheet, WorkbookSpec
from reports.workbook import MethodNote
from reports.workbook_extra import limitations_sheet

_WIDE = {"Question", "Highlight", "Verdict", "Summary", "About"}


@dataclass(frozen=True)
class PartnerAction:
    """One action as partners see it: what it is about (a theme or question), never its words."""

    about: str
    status: str
    due: dt.date | None
    completed: dt.date | None
    rag: str | None


def _column(header: str, rows: Sequence[Sequence[object]], index: int) -> Column:
    numeric = any(isinstance(r[index], int) for r in rows)
    if numeric:
        return Column(header, "integer")
    wide = header in _WIDE or header == rows[0][0] if rows else header in _WIDE
    return Column(header, wrap=bool(wide), width=60 if wide else 30)


def sheet(table: Table) -> Sheet:
    rows: list[tuple[CellValue, ...]] = [tuple(r) for r in table.rows]
    return Sheet(
        table.title[:31],
        table.title,
        [_column(h, table.rows, i) for i, h in enumerate(table.columns)],
        rows,
        notes=table.notes,
        autofilter=table.title != "Summary",
    )


def _method(method: MethodNote, found: PartnerFindings) -> Sheet:
    rows: list[tuple[CellValue, ...]] = [
        *method.draw_rows(),
        ("Intervals", "Wilson 95%, rounded outward to whole percentages"),
        ("Statistical methods", "Formulas, when each is used, references: docs/statistics.md"),
        *found.rules.statements(),
    ]
    if found.withheld_breakdowns:
        rows.append(
            ("Breakdowns left out", ", ".join(found.withheld_breakdowns) + ": they cannot be "
             "shown without letting a small group's figures be worked out.")
        )  # fmt: skip
    return Sheet(
        "Method",
        "How the files were chosen, and what this workbook leaves out",
        [Column("Item", width=34), Column("Detail", wrap=True, width=80)],
        rows,
    )


def _actions(actions: Sequence[PartnerAction]) -> Sheet:
    return Sheet(
        "Actions",
        "Practice-development actions raised from this programme",
        [
            Column("About", wrap=True, width=60),
            Column("Status", width=14),
            Column("Due", "date"),
            Column("Completed", "date"),
            Column("RAG", width=12, fills=RAG_FILLS),
        ],
        [(a.about, a.status, a.due, a.completed, a.rag) for a in actions],
        notes=(
            "What each action is about, not its wording or its owner: an action's title can "
            "describe a child.",
            RAG_LEGEND,
        ),
    )


def build(
    found: PartnerFindings,
    *,
    title: str,
    programme: str,
    method: MethodNote,
    actions: Sequence[PartnerAction] = (),
    reaudit: Sequence[ThemeActions] = (),
    previous: str | None = None,
    author: str = "",
    created: dt.datetime | None = None,
) -> WorkbookSpec:
    """The partner workbook of one programme's partner findings; `reaudit` is the theme-level
    'Did the actions work?' of reports.disclosure_actions (since the `previous` round)."""
    sheets = [sheet(t) for t in found.tables()]
    if found.limitations:
        sheets.append(limitations_sheet(found.limitations))
    if actions:
        sheets.append(_actions(actions))
    if reaudit:
        sheets.append(replace(sheet(reaudit_table(reaudit, previous)),
                              name="Did the actions work"))  # fmt: skip
    sheets.append(_method(method, found))
    return WorkbookSpec(
        title=f"{title}: {programme}",
        audience="lscp",
        sheets=sheets,
        properties=Properties(author=author, subject=programme, created=created),
    )
