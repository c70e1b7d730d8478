"""Turn a programme's roll-up into the internal workbook's sheets (managers only).

The internal workbook identifies children: case references, IRO names, every breakdown and
every highlight. The partner workbook is another thing altogether: reports.partner_workbook
writes it from the partner object of reports.disclosure, which alone decides what partners
may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reports.excel import Properties, WorkbookSpec
from reports.rollup import Rollup
from reports.workbook_extra import (
    CaseLine,
    Moderation,
    QuestionRef,
    ReauditItem,
    case_sheets,
    cautions_sheet,
    limitations_sheet,
    moderation_sheet,
    reaudit_sheet,
    strengths_sheet,
)
from reports.workbook_records import (
    ActionFigures,
    ActionItem,
    MethodNote,
    TrendItem,
    overall_compliance,
)
from reports.workbook_sheets import (
    actions_sheet,
    areas_sheet,
    breakdown_sheets,
    good_practice_sheet,
    grades_sheet,
    method_sheet,
    questions_sheet,
    summary_sheet,
    themes_sheet,
    trend_sheet,
)

__all__ = [
    "ActionFigures",
    "ActionItem",
    "CaseLine",
    "MethodNote",
    "Moderation",
    "ReauditItem",
    "TrendItem",
    "build",
    "overall_compliance",
]


def build(
    *,
    title: str,
    programme: str,
    rollup: Rollup,
    narrative: Sequence[str],
    method: MethodNote,
    cases: Sequence[CaseLine] = (),
    author: str = "",
    created: dt.datetime | None = None,
    actions: Sequence[ActionItem] = (),
    action_figures: ActionFigures | None = None,
    trend: Sequence[TrendItem] = (),
    previous: str | None = None,
    moderation: Moderation | None = None,
    reaudit: Sequence[ReauditItem] = (),
    limitations: Sequence[tuple[str, str]] = (),
    questions: Sequence[QuestionRef] = (),
) -> WorkbookSpec:
    """The internal workbook (it identifies children: managers only).

    `questions` head the case-level sheet's answer columns (every question of the template,
    scored or not, in order); without them the scored ones of the roll-up are used."""
    sheets = [
        summary_sheet(programme, rollup, narrative, action_figures, moderation),
        grades_sheet(rollup),
        themes_sheet(rollup),
        questions_sheet(rollup),
    ]
    if trend:
        sheets.append(trend_sheet(trend, previous))
    sheets += breakdown_sheets(rollup)
    sheets.append(good_practice_sheet(rollup))
    sheets.append(strengths_sheet(rollup))
    sheets.append(areas_sheet(rollup))
    if action_figures is not None or actions:
        sheets.append(actions_sheet(actions))
    if previous is not None:
        sheets.append(reaudit_sheet(reaudit, previous))
    sheets.append(moderation_sheet(moderation, rollup.files))
    sheets.append(cautions_sheet(rollup))
    sheets.append(method_sheet(method, rollup))
    if limitations:
        sheets.append(limitations_sheet(limitations))
    if cases:
        refs = list(questions) or [
            QuestionRef(q.question_id, q.number, q.text) for q in rollup.questions
        ]
        themes = [(t.theme_id, t.title) for t in rollup.themes]
        sheets += case_sheets(cases, refs, themes)
    return WorkbookSpec(
        title=f"{title}: {programme}",
        audience="internal",
        sheets=sheets,
        properties=Properties(author=author, subject=programme, created=created),
    )
