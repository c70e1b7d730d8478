"""Workbooks for the action tracker and the escalation log (the IRO annual report's tables).

Both are internal: they name owners and, for escalations, children's case references. The
writer neutralises formula injection in every cell, as for the LSCP workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reports.actions import RAG_FILLS, RAG_LEGEND, EscalationSummary
from reports.excel import Column, Properties, Sheet, WorkbookSpec


@dataclass(frozen=True)
class ActionRow:
    reference: int
    title: str
    owner: str
    team: str | None
    priority: str
    status: str
    rag: str | None  # the word: Overdue, Due soon, On track; None when closed
    raised_on: dt.date
    due: dt.date
    completed_on: dt.date | None
    source: str
    theme: str | None  # the theme's title, never its key
    good_looks_like: str | None
    evidence: str | None


@dataclass(frozen=True)
class EscalationRow:
    reference: int
    case_ref: str
    team: str | None
    reason: str
    stage: str
    status: str
    rag: str | None
    raised_on: dt.date
    response_due: dt.date | None
    resolved_on: dt.date | None
    stages_visited: int
    skipped: bool
    outcome: str | None


def actions_workbook(rows: Sequence[ActionRow], organisation: str, today: dt.date) -> WorkbookSpec:
    sheet = Sheet(
        name="Actions",
        title=f"Practice-development actions at {today:%-d %B %Y}",
        columns=[
            Column("Ref", "integer", width=7),
            Column("Action", wrap=True, width=40),
            Column("Owner", width=22),
            Column("Team", width=20),
            Column("Priority", width=10),
            Column("Status", width=12),
            Column("RAG", width=10, fills=RAG_FILLS),
            Column("Raised", "date"),
            Column("Due", "date"),
            Column("Completed", "date"),
            Column("Raised from", wrap=True, width=30),
            Column("Theme", width=22),
            Column("What good looks like", wrap=True, width=40),
            Column("Completion evidence", wrap=True, width=40),
        ],
        rows=[
            [
                r.reference,
                r.title,
                r.owner,
                r.team,
                r.priority,
                r.status,
                r.rag,
                r.raised_on,
                r.due,
                r.completed_on,
                r.source,
                r.theme,
                r.good_looks_like,
                r.evidence,
            ]
            for r in rows
        ],  # fmt: skip
        notes=[RAG_LEGEND],
    )
    return WorkbookSpec(
        title="Practice-development actions",
        audience="internal",
        sheets=[sheet],
        properties=Properties(author=organisation, subject="Action tracker"),
    )


def escalations_workbook(
    rows: Sequence[EscalationRow],
    summary: EscalationSummary,
    organisation: str,
    today: dt.date,
    end_to_end: int,
) -> WorkbookSpec:
    def median(value: float | None) -> float | str:
        return "None resolved" if value is None else value

    # Counts and medians in columns of their own, so each has its format: counts as whole
    # numbers, medians (which can be a half) to one decimal place.
    headline = Sheet(
        name="Summary",
        title=f"Escalations (dispute resolution) at {today:%-d %B %Y}",
        columns=[
            Column("Measure", width=48),
            Column("Escalations", "integer", width=14),
            Column("Days", "number", width=14, number_format="0.0"),
        ],
        rows=[
            ["Escalations raised (withdrawn ones left out)", summary.total, None],
            ["Open", summary.open, None],
            ["Open with the response overdue", summary.overdue, None],
            ["Resolved", summary.resolved, None],
            [
                f"Resolved within {end_to_end} working days",
                summary.resolved_within_end_to_end,
                None,
            ],
            ["Median calendar days to resolution", None, median(summary.median_days_to_resolution)],
            [
                "Median working days to resolution",
                None,
                median(summary.median_working_days_to_resolution),
            ],
        ],  # fmt: skip
        autofilter=False,
    )

    def counts(name: str, title: str, first: str, pairs: Sequence[tuple[str, int]]) -> Sheet:
        return Sheet(
            name=name,
            title=title,
            columns=[Column(first, width=40), Column("Escalations", "integer", width=14)],
            rows=[[label, count] for label, count in pairs],
        )

    log = Sheet(
        name="Escalation log",
        title="Every escalation, with the stage it reached",
        notes=[
            "RAG of an open escalation, in working days: Overdue, filled red, when the current "
            "stage's response is late; Due soon, filled amber, when it is due within 5 working "
            "days; On track, filled green, when it is due later or has come back. Closed ones "
            "have no RAG."
        ],
        columns=[
            Column("Ref", "integer", width=7),
            Column("Case reference", width=16),
            Column("Team", width=20),
            Column("About", wrap=True, width=32),
            Column("Stage", width=28),
            Column("Status", width=11),
            Column("RAG", width=10, fills=RAG_FILLS),
            Column("Raised", "date"),
            Column("Response due", "date"),
            Column("Resolved", "date"),
            Column("Stages visited", "integer", width=10),
            Column("Stages skipped", width=10),
            Column("Outcome", wrap=True, width=40),
        ],
        rows=[
            [
                r.reference,
                r.case_ref,
                r.team,
                r.reason,
                r.stage,
                r.status,
                r.rag,
                r.raised_on,
                r.response_due,
                r.resolved_on,
                r.stages_visited,
                "Yes" if r.skipped else "No",
                r.outcome,
            ]
            for r in rows
        ],  # fmt: skip
    )
    return WorkbookSpec(
        title="Escalation log",
        audience="internal",
        sheets=[
            headline,
            counts("By stage", "Escalations by the stage reached", "Stage", summary.by_stage),
            counts("By team", "Escalations by the child's team", "Team", summary.by_team),
            counts(
                "By reason", "Escalations by what they were about", "Reason", summary.by_reason
            ),  # fmt: skip
            log,
        ],
        properties=Properties(author=organisation, subject="IRO annual report: escalations"),
    )
