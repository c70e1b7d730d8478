"""The internal workbook's sheets beyond the figures: strengths, small-number cautions, whether
the actions worked, moderation, limitations, and the case-level answers a figure can be
recomputed from. Plain data in, `Sheet`s out (reports.workbook assembles them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conventions.display import interval_cells
from reports.agreement import Agreement
from reports.excel import CellValue, Column, Sheet
from reports.intervals import SMALL_COUNT, SMALL_N, Proportion
from reports.limitations import limitation_rows as limitation_rows
from reports.rollup import BREAKDOWN_FIELDS, SMALL_CELL, Rollup


@dataclass(frozen=True)
class CaseLine:
    """One audited file, for the internal workbook only: who audited and moderated it, when,
    its answers in words by question id and its score on each theme by theme id."""

    case_ref: str
    team: str | None
    iro: str | None
    stratum: str
    grade: str | None
    overall: float | None
    auditor: str | None = None
    submitted: dt.date | None = None
    finalised: dt.date | None = None
    moderator: str | None = None
    moderated: dt.date | None = None
    answers: Mapping[str, str] = field(default_factory=dict)
    themes: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionRef:
    """A question as the case-level sheet heads its column."""

    question_id: str
    number: str
    text: str


@dataclass(frozen=True)
class ModerationLine:
    """Agreement on one question (or, with `question` "All questions", over them all)."""

    question: str
    figures: Agreement


@dataclass(frozen=True)
class Moderation:
    """How many finalised files a second auditor moderated, and how far the two agreed."""

    moderated: int
    files: int
    lines: Sequence[ModerationLine]  # the first is over all questions


@dataclass(frozen=True)
class ReauditItem:
    """A theme or question that had actions closed between the rounds: before and after."""

    title: str
    before: Proportion | None
    after: Proportion | None
    actions: Sequence[tuple[str, dt.date | None]]  # the action's title and when it was completed


def _cells(p: Proportion | None) -> tuple[CellValue, CellValue, CellValue, CellValue, CellValue]:
    if p is None or p.estimate is None:
        return (None if p is None else p.successes, None if p is None else p.n, None, None, None)
    return (p.successes, p.n, p.estimate, *interval_cells(p.low, p.high))


FIGURE_COLUMNS = (
    Column("Met", "integer"),
    Column("Answered", "integer"),
    Column("Compliance", "percent"),
    Column("Lower 95%", "percent"),
    Column("Upper 95%", "percent"),
)


def strengths_sheet(rollup: Rollup) -> Sheet:
    """Questions well above their target (10 points, or 95% without one), on enough files."""
    rows = [(q.number, q.text, *_cells(q.result), q.target) for q in rollup.strengths]
    return Sheet(
        "Strengths",
        "Strengths: questions well above their target",
        [
            Column("No.", width=6),
            Column("Question", wrap=True, width=60),
            *FIGURE_COLUMNS,
            Column("Target", "percent"),
        ],  # fmt: skip
        rows,
        notes=(
            f"A strength is at least 10 points above its target (95% without one), on at least "
            f"{SMALL_CELL} answers."
            + ("" if rows else " No question is a strength in this round."),
        ),
    )


def cautions_sheet(rollup: Rollup) -> Sheet:
    """Every figure that rests on few files, with the reason, so it is read with care."""
    rows: list[tuple[CellValue, ...]] = []
    for t in rollup.themes:
        if t.result.small:
            rows.append(("Themes", t.title, *_cells(t.result)[:3], t.result.caution))
    for q in rollup.questions:
        if q.result.small:
            rows.append(("Questions", f"{q.number} {q.text}", *_cells(q.result)[:3],
                         q.result.caution))  # fmt: skip
    for name, breakdown in rollup.breakdowns.items():
        for row in breakdown:
            if row.small:
                rows.append((f"By {BREAKDOWN_FIELDS[name].lower()}", row.group,
                             *_cells(row.result)[:3],
                             f"{row.files} file{'s' if row.files != 1 else ''}: fewer than "
                             f"{SMALL_CELL}, so partners do not see this group."))  # fmt: skip
    return Sheet(
        "Small-number cautions",
        "Figures to read with care: they rest on few files",
        [
            Column("Table", width=20),
            Column("Figure", wrap=True, width=50),
            Column("Met", "integer"),
            Column("Answered", "integer"),
            Column("Compliance", "percent"),
            Column("Why", wrap=True, width=60),
        ],  # fmt: skip
        rows,
        notes=(
            f"Flagged: fewer than {SMALL_N} answers, or fewer than {SMALL_COUNT} meeting or not "
            f"meeting the standard (the interval is then wide and a single file moves the "
            f"figure a lot); a breakdown group of fewer than {SMALL_CELL} files."
            + ("" if rows else " No figure in this round is flagged."),
        ),
    )


def reaudit_sheet(items: Sequence[ReauditItem], previous: str | None) -> Sheet:
    """Before and after for each theme or question whose actions were completed in between."""
    since = previous or "the previous round"
    rows = [
        (i.title, *_cells(i.before)[:3], *_cells(i.after)[:3],
         "; ".join(f"{title} ({done:%-d %b %Y})" if done else title for title, done in i.actions))
        for i in items
    ]  # fmt: skip
    return Sheet(
        "Did the actions work",
        "Did the actions work? Before and after",
        [
            Column("Theme or question", wrap=True, width=40),
            Column("Met before", "integer"),
            Column("Answered before", "integer"),
            Column("Before", "percent"),
            Column("Met after", "integer"),
            Column("Answered after", "integer"),
            Column("After", "percent"),
            Column("Actions completed in between", wrap=True, width=60),
        ],  # fmt: skip
        rows,
        notes=(
            f"Themes and questions where actions from {since} were completed before this round "
            "began. A change is not proof that the actions caused it: see the Trend sheet for "
            "whether it is more than chance." + ("" if rows else " No such actions this round."),
        ),
    )


def _agreement_cells(a: Agreement) -> tuple[CellValue, ...]:
    return (a.n_pairs, None if a.percent is None else a.percent / 100, a.kappa, a.ac1,
            a.note or None)  # fmt: skip


def moderation_sheet(moderation: Moderation | None, files: int) -> Sheet:
    """Moderation rate and agreement between auditor and moderator, overall and by question."""
    columns = [
        Column("Question", wrap=True, width=60),
        Column("Answers compared", "integer"),
        Column("Agreement", "percent"),
        Column("Cohen's kappa", "number", number_format="0.00"),
        Column("Gwet's AC1", "number", number_format="0.00"),
        Column("Note", wrap=True, width=50),
    ]
    if moderation is None:
        return Sheet(
            "Moderation",
            "Moderation: how far auditors and moderators agree",
            columns,
            [],
            notes=(f"None of the {files} finalised files has been moderated yet.",),
        )
    rate = moderation.moderated / moderation.files if moderation.files else None
    return Sheet(
        "Moderation",
        "Moderation: how far auditors and moderators agree",
        columns,
        [(line.question, *_agreement_cells(line.figures)) for line in moderation.lines],
        notes=(
            f"{moderation.moderated} of {moderation.files} finalised files were moderated"
            + (f" ({rate:.0%})." if rate is not None else "."),
            "Agreement is the share of answers the moderator kept. Kappa corrects for chance but "
            "is misleadingly low when most files meet a standard; AC1 does not have that "
            "problem. Read them together. Questions are listed least agreement first.",
        ),
    )


def limitations_sheet(rows: Sequence[tuple[str, str]]) -> Sheet:
    return Sheet(
        "Limitations",
        "Limitations: what these figures cannot tell you",
        [Column("Item", width=34), Column("Detail", wrap=True, width=90)],
        list(rows),
        autofilter=False,
    )


def case_sheets(
    cases: Sequence[CaseLine],
    questions: Sequence[QuestionRef],
    themes: Sequence[tuple[str, str]],
) -> list[Sheet]:
    """The audited files three ways, each narrow enough to print legibly: every answer (one row
    per file and question), each file's theme scores, and each file with its auditor and dates.
    """
    answers = Sheet(
        "Case-level answers",
        "Every answer that counts, by file and question (internal: identifies children)",
        [
            Column("Case reference"),
            Column("No.", width=6),
            Column("Question", wrap=True, width=70),
            Column("Answer", width=24),
        ],  # fmt: skip
        [
            (c.case_ref, q.number, q.text, c.answers.get(q.question_id))
            for c in cases
            for q in questions
        ],  # fmt: skip
        notes=(
            "The answers after moderation, numbered as on the Questions sheet; a blank is a "
            "question hidden by an earlier answer. Counting them by question gives every figure "
            "of the Questions and Themes sheets.",
        ),
    )
    scores = Sheet(
        "Case-level theme scores",
        "Each file's score on each theme (internal: identifies children)",
        [Column("Case reference"), *(Column(title, "percent", width=14) for _i, title in themes)],
        [(c.case_ref, *(c.themes.get(theme_id) for theme_id, _t in themes)) for c in cases],
        notes=(
            "A file's theme score is its answers meeting the standard over its applicable ones "
            "in that theme; blank where none applied.",
        ),
    )
    files = Sheet(
        "Case-level data",
        "Every audited file (internal: identifies children)",
        [
            Column("Case reference"),
            Column("Team", width=26),
            Column("IRO", width=22),
            Column("Stratum", width=40),
            Column("Grade", width=28),
            Column("Overall", "percent"),
            Column("Auditor", width=22),
            Column("Submitted", "date"),
            Column("Finalised", "date"),
            Column("Moderator", width=22),
            Column("Moderated", "date"),
        ],
        [
            (
                c.case_ref,
                c.team,
                c.iro,
                c.stratum,
                c.grade,
                c.overall,
                c.auditor,
                c.submitted,
                c.finalised,
                c.moderator,
                c.moderated,
            )
            for c in cases
        ],  # fmt: skip
    )
    return [answers, scores, files]
