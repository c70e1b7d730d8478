"""The findings workbook downloaded as a user gets it, opened with openpyxl, and every figure on
its Themes and Questions sheets checked against findings() and against statsmodels."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select
from statsmodels.stats.proportion import proportion_confint

from conventions.display import interval_cells
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditStatus, Programme, Role, User
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.actions import programme_actions
from qa_toolkit.services.demo import DEMO_LOGINS
from reports.actions import Rag
from reports.intervals import Proportion
from reports.workbook import overall_compliance
from sampling.design import CategoryFilter, SampleDesign, SizeRule
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World

AUTUMN = "IRO footprint audit, autumn"
MANAGER = next(login.email for login in DEMO_LOGINS if login.role == Role.MANAGER)
EXACT = 1e-12  # xlsx keeps 15 significant digits
WILSON_AGREES = 1e-9  # our Wilson against statsmodels' (the same formula, other arithmetic)

THEME_HEADER = ("Theme", "Met", "Answers", "Compliance", "Lower 95%", "Upper 95%")
QUESTION_HEADER = (
    "No.", "Question", "Met", "Answered", "Not applicable", "Compliance", "Lower 95%",
    "Upper 95%", "Whole list (weighted)", "Weighted lower 95%", "Weighted upper 95%", "Target",
    "Below target", "Weighting notes",
)  # fmt: skip


def table(workbook: Any, sheet: str, header: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The rows under a sheet's header row (the title, marking and notes are above it)."""
    rows = list(workbook[sheet].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[: len(header)] == header)
    return [row for row in rows[start + 1 :] if any(value is not None for value in row)]


def close(value: Any, expected: float | None, tolerance: float = EXACT) -> bool:
    if expected is None:
        return value is None
    return value == pytest.approx(expected, abs=tolerance)


def check_wilson(successes: int, n: int, low: Any, high: Any) -> None:
    """The cells are statsmodels' Wilson ends rounded outward to whole percents, as shown."""
    if n == 0:
        return
    expected_low, expected_high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert low == math.floor(float(expected_low) * 100 + 1e-9) / 100, (successes, n)
    assert high == math.ceil(float(expected_high) * 100 - 1e-9) / 100, (successes, n)


def check_proportion(row: tuple[Any, ...], result: Proportion, *, wilson: bool = True) -> None:
    """Met, answered, estimate, low, high in that order, against the roll-up.

    Question figures (one answer per file) are Wilson intervals; theme and overall figures pool
    a file's answers, so their interval is the roll-up's design-based one with the file as the
    unit (tests/reports/test_rollup.py pins it independently), not Wilson on answers."""
    met, answered, estimate, low, high = row
    assert (met, answered) == (result.successes, result.n)
    assert close(estimate, result.estimate)
    assert (low, high) == interval_cells(result.low, result.high)
    if wilson and answered:
        # Wilson, narrowed by the finite population correction where the sampling fraction is
        # material (issue 16): never wider than statsmodels' plain Wilson interval.
        plain_low, plain_high = proportion_confint(met, answered, alpha=0.05, method="wilson")
        assert low >= math.floor(float(plain_low) * 100 + 1e-9) / 100, (met, answered)
        assert high <= math.ceil(float(plain_high) * 100 - 1e-9) / 100, (met, answered)
        assert low <= result.estimate <= high


def download(login_as: LoginAs, user: User, programme_id: int, audience: str) -> Any:
    response = login_as(user).get(f"/findings/{programme_id}/workbook?audience={audience}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


@pytest.mark.demo
def test_every_theme_and_question_figure_is_the_roll_up_and_the_wilson_interval(
    app: Flask, login_as: LoginAs
) -> None:
    audience = "internal"
    require_demo(app)
    with app.app_context():
        session = get_session()
        manager = session.scalars(select(User).where(User.email == MANAGER)).one()
        programme = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one()
        result = findings_service.findings(session, programme)
        lines = programme_actions(session, programme, date.today())
    book = download(login_as, manager, programme.id, audience)
    rollup = result.rollup

    themes = table(book, "Themes", THEME_HEADER)
    assert [row[0] for row in themes] == [t.title for t in rollup.themes] and themes
    for row, theme in zip(themes, rollup.themes, strict=True):
        check_proportion(row[1:6], theme.result, wilson=False)

    questions = table(book, "Questions", QUESTION_HEADER)
    assert len(questions) == len(rollup.questions) == 31
    weighted_notes = 0
    for row, q in zip(questions, rollup.questions, strict=True):
        assert row[:2] == (q.number, q.text)
        check_proportion(row[2:4] + row[5:8], q.result)
        assert row[4] == q.not_applicable
        assert q.weighted is not None  # The demo's strata are sampled at unequal fractions.
        assert close(row[8], q.weighted.estimate)
        assert (row[9], row[10]) == interval_cells(q.weighted.low, q.weighted.high)
        assert close(row[11], q.target)
        # Below target: clearly (Wilson's upper end under the target) or within the interval.
        reading = None
        if q.target is not None and (q.result.estimate or 0) < q.target:
            clearly = q.result.high < q.target
            reading = "clearly below" if clearly else "below, but the target is within the interval"
        assert row[12] == reading
        assert row[13] == (" ".join(q.weighted.notes) or None)
        weighted_notes += bool(q.weighted.notes)
    assert weighted_notes  # Some are 100%: the notes say how their interval was made.

    # The Summary's headline figures.
    summary = {row[0]: row[1:] for row in table(book, "Summary", ("Summary", "Number"))}
    overall = overall_compliance(rollup)
    assert overall.n == sum(q.result.n for q in rollup.questions)
    files = summary["Files audited (finalised)"]
    met = summary["Overall compliance: answers meeting the standard"]
    assert files[0] == rollup.files == 40
    check_proportion(met[:2] + met[2:5], overall, wilson=False)
    for _value, label, count in rollup.grades:
        assert summary[f"Grade: {label}"][:2] == (count, 40)
    assert summary["Immediate concerns raised"][0] == rollup.concerns
    shared = sum(h.shareable for h in rollup.highlights)
    assert summary["Highlights of good practice shared"][0] == shared
    assert "Highlights recorded, shareable or not" in summary
    assert summary["Actions raised from this programme"][0] == len(lines) > 0
    assert summary["Actions completed"][0] == sum(a.action.status == "completed" for a in lines)
    assert summary["Actions overdue"][0] == sum(a.rag == Rag.RED for a in lines)
    assert result.narrative[0] in summary

    grades = table(book, "Grades", ("Grade", "Files"))
    assert [(g[0], g[1]) for g in grades] == [(label, n) for _v, label, n in rollup.grades]
    for grade in grades:
        check_wilson(grade[1], 40, grade[3], grade[4])

    # The trend since the spring round, as findings() compared it.
    trend = table(book, "Trend", ("Theme", "Before"))
    assert [row[0] for row in trend] == [line.theme for line in result.trend] and trend
    for row, line in zip(trend, result.trend, strict=True):
        c = line.comparison
        assert (row[2], row[4]) == (c.before.n, c.after.n)
        assert close(row[1], c.before.estimate) and close(row[3], c.after.estimate)
        # The change as the page shows it: the unrounded difference rounded once, half up
        # (70.548% to 80.137% is 9.59 points: +10, where the whole ends 71% and 80% say +9).
        assert c.difference is not None
        assert row[5] == math.floor(c.difference + 0.5) and close(row[6], c.p_value)
        assert row[7] == c.verdict

    actions = table(book, "Actions", ("Action",))
    assert len(actions) == len(lines)
    titles = {line.action.title for line in lines}
    owners = {line.action.owner.name for line in lines}
    cells = {value for row in actions for value in row if isinstance(value, str)}
    assert titles <= cells and owners <= cells


def _outward(p: Proportion) -> tuple[int, int]:
    return math.floor(p.low * 100 + 1e-12), math.ceil(p.high * 100 - 1e-12)


@pytest.mark.demo
def test_the_partner_workbook_gives_whole_percentages_of_the_same_counts(
    app: Flask, login_as: LoginAs
) -> None:
    """Counts as in the roll-up; percentages half up on the exact fraction (done here by
    hand: floor(100 x met / n + 1/2)); intervals rounded outward; actions by what about."""
    require_demo(app)
    with app.app_context():
        session = get_session()
        manager = session.scalars(select(User).where(User.email == MANAGER)).one()
        programme = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one()
        result = findings_service.findings(session, programme)
        lines = programme_actions(session, programme, date.today())
    book = download(login_as, manager, programme.id, "lscp")
    header = ("Theme", "Met", "Answers", "Compliance (%)", "Lower 95% (%)", "Upper 95% (%)")
    for row, theme in zip(table(book, "Themes", header), result.rollup.themes, strict=True):
        p = theme.result
        assert row == (theme.title, p.successes, p.n,
                       (200 * p.successes + p.n) // (2 * p.n), *_outward(p))  # fmt: skip
    numbers = [v for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r]
    assert not [v for v in numbers if isinstance(v, float) and v != int(v)]
    actions = table(book, "Actions", ("About",))
    assert len(actions) == len(lines)
    titles = {line.action.title for line in lines} | {line.action.owner.name for line in lines}
    assert not titles & {v for row in actions for v in row if isinstance(v, str)}
    assert {row[0] for row in actions} <= {t.title for t in result.rollup.themes} | {
        q.text for q in result.rollup.questions
    }


def _stratified_by_iro(app: Flask, world: World) -> int:
    """North's three cases drawn by IRO (one file per IRO), audited and finalised."""
    with app.app_context():
        session = get_session()
        version = session.get_one(Programme, world.programme_id).template_version
        programme = programme_service.draw_programme(
            session,
            organisation_id=world.a.org.id,
            name="By IRO",
            template_version=version,
            frame=world.a.frame,
            design=SampleDesign(
                strata=("iro",), size=SizeRule(n=2), minimum=1, reserves=0,
                exclude_audited_months=None,
                categories=(CategoryFilter("iro", tuple(iro.name for iro in world.a.iros)),),
            ),
            seed=11,
            due_date=None,
            exclude_own_team=False,
            created_by_id=world.a.users[Role.MANAGER].id,
            today=date.today(),
        )  # fmt: skip
        programme_service.auto_assign(session, programme, {world.shared_user.id: 5})
        programme_service.launch(session, programme)
        audits = session.scalars(select(Audit).where(Audit.programme_id == programme.id)).all()
        for audit, answer in zip(audits, ["yes", "no", "yes"], strict=False):
            audit.answers = {"consulted": answer, "age_band": "Under 16"}
            audit.evidence = {"consulted": "Seen on file."}
            audit.status = AuditStatus.SUBMITTED.value
            audit_service.finalise(session, audit)
        session.commit()
        return programme.id


def test_strata_that_name_iros_are_numbered_in_the_partner_workbook(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    programme_id = _stratified_by_iro(app, world)
    names = [iro.name for iro in world.a.iros]
    manager = world.a.users[Role.MANAGER]

    internal = download(login_as, manager, programme_id, "internal")
    text = [str(v) for s in internal.worksheets for r in s.iter_rows(values_only=True) for v in r]
    assert any(names[0] in t for t in text) and any(names[1] in t for t in text)
    # One file per IRO: the weighted estimate's note says so, naming the strata.
    notes = [row[13] for row in table(internal, "Questions", QUESTION_HEADER) if row[13]]
    assert any("one file answering" in note and names[0] in note for note in notes)

    partner = download(login_as, manager, programme_id, "lscp")
    text = [str(v) for s in partner.worksheets for r in s.iter_rows(values_only=True) for v in r]
    assert not [t for t in text if any(name in t for name in names)]
    # Three files: fewer than 5, so no figure at all, only the count of work done.
    assert "Questions" not in partner.sheetnames and "Themes" not in partner.sheetnames
    assert any("Figures appear when at least 5 files are finalised." in t for t in text)
    filters = dict(table(partner, "Method", ("Item", "Detail")))["Filters"]
    assert filters == "IRO: 2 chosen"
    assert dict(table(internal, "Method", ("Item", "Detail")))["Filters"] == (
        f"IRO: {names[0]}, {names[1]}"
    )
    assert "Trend" not in partner.sheetnames


@pytest.mark.demo
def test_every_question_and_theme_figure_can_be_recomputed_from_the_case_level_sheet(
    app: Flask, login_as: LoginAs
) -> None:
    """Count the words in each question's column by hand (the template says which answers
    meet the standard) and pool the answers of each theme's questions: the Questions and
    Themes sheets' counts come back exactly."""
    require_demo(app)
    with app.app_context():
        session = get_session()
        manager = session.scalars(select(User).where(User.email == MANAGER)).one()
        programme = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one()
        result = findings_service.findings(session, programme)
        auditors = {u.display_name for u in session.scalars(select(User))}
    book = download(login_as, manager, programme.id, "internal")
    template = result.template
    files = table(book, "Case-level data", ("Case reference", "Team"))
    header = next(r for r in book["Case-level data"].iter_rows(values_only=True)
                  if r[:2] == ("Case reference", "Team"))  # fmt: skip
    assert len(files) == 40
    column = {name: i for i, name in enumerate(header)}
    assert {r[column["Auditor"]] for r in files} <= auditors
    assert all(isinstance(r[column["Finalised"]], datetime) for r in files)
    answers = table(book, "Case-level answers", ("Case reference", "No.", "Question", "Answer"))
    assert len(answers) == 40 * len(list(template.questions()))
    words: dict[str, list[Any]] = {}
    for _ref, number, _text, answer in answers:
        words.setdefault(number, []).append(answer)
    themes: dict[str, list[int]] = {t.theme_id: [0, 0] for t in result.rollup.themes}
    for q in result.rollup.questions:
        question = template.question(q.question_id)
        scale = template.scale_of(question)
        assert scale is not None
        meets = {o.label for o in scale.options if o.meets_standard}
        applies = {o.label for o in scale.options if o.meets_standard is not None}
        met = sum(w in meets for w in words[q.number])
        answered = sum(w in applies for w in words[q.number])
        assert (met, answered) == (q.result.successes, q.result.n), q.number
        for theme in q.themes:
            themes[theme][0] += met
            themes[theme][1] += answered
    scores = table(book, "Case-level theme scores", ("Case reference",))
    assert len(scores) == 40
    for i, t in enumerate(result.rollup.themes, start=1):
        assert tuple(themes[t.theme_id]) == (t.result.successes, t.result.n), t.title
        assert all(r[i] is None or 0 <= r[i] <= 1 for r in scores)
    # The demo moderates nothing: the sheet says so, and the Summary counts 0 of 40.
    notes = [r[0] for r in book["Moderation"].iter_rows(values_only=True) if r[0]]
    assert "None of the 40 finalised files has been moderated yet." in notes
    summary = {r[0]: r[1:3] for r in table(book, "Summary", ("Summary", "Number"))}
    assert summary["Files moderated by a second auditor"] == (0, 40)
    expected = {"Strengths", "Small-number cautions", "Limitations", "Did the actions work"}
    assert expected <= set(book.sheetnames)
