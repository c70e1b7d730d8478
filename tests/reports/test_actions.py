"""Action RAG ratings and IRO escalations: stages, skips and the figures, worked by hand."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from reports.actions import (
    ACTION_STATUSES,
    CLOSED,
    DEFAULT_END_TO_END_WORKING_DAYS,
    DEFAULT_STAGES,
    ActionStatus,
    EscalationRecord,
    Rag,
    StageRule,
    is_skip,
    next_stage,
    parse_stages,
    rag,
    response_due,
    summarise_escalations,
)

# --- RAG -------------------------------------------------------------------------------------

WED_3_DEC_2025 = date(2025, 12, 3)


def test_labels_go_beside_the_colours() -> None:
    assert [(r.value, r.label) for r in Rag] == [
        ("red", "Overdue"),
        ("amber", "Due soon"),
        ("green", "On track"),
    ]
    assert [(s.value, s.label) for s in ACTION_STATUSES] == [
        ("open", "Open"),
        ("in_progress", "In progress"),
        ("completed", "Completed"),
        ("cancelled", "Cancelled"),
    ]
    assert frozenset({"completed", "cancelled"}) == CLOSED


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2025, 12, 2), Rag.RED),  # yesterday
        (date(2025, 11, 3), Rag.RED),  # a month ago
        (date(2025, 12, 3), Rag.AMBER),  # today
        (date(2025, 12, 4), Rag.AMBER),  # Thu 4: 1 working day away
        # Wed 10 Dec: Thu 4 (1), Fri 5 (2), Mon 8 (3), Tue 9 (4), Wed 10 (5): the last amber.
        (date(2025, 12, 10), Rag.AMBER),
        (date(2025, 12, 11), Rag.GREEN),  # Thu 11 Dec: 6 working days away
        (date(2026, 3, 3), Rag.GREEN),
    ],
)
def test_rag_boundaries(due: date, expected: Rag) -> None:
    assert rag(due, "open", WED_3_DEC_2025) is expected
    assert rag(due, ActionStatus.IN_PROGRESS, WED_3_DEC_2025) is expected


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # From Mon 22 Dec 2025: Tue 23 (1), Wed 24 (2), Christmas and Boxing Day, the
        # weekend, Mon 29 (3), Tue 30 (4), Wed 31 (5), New Year's Day, Fri 2 Jan 2026 (6).
        # Without the bank holidays Tue 30 Dec would be 6 working days away and green.
        (date(2025, 12, 30), Rag.AMBER),
        (date(2025, 12, 31), Rag.AMBER),
        (date(2026, 1, 1), Rag.AMBER),  # the bank holiday itself: still 5
        (date(2026, 1, 2), Rag.GREEN),
    ],
)
def test_bank_holidays_move_the_amber_boundary(due: date, expected: Rag) -> None:
    assert rag(due, "open", date(2025, 12, 22)) is expected


def test_due_at_the_weekend_and_a_narrower_amber_window() -> None:
    friday = date(2025, 12, 5)
    assert rag(date(2025, 12, 6), "open", friday) is Rag.AMBER  # Saturday: 0 working days
    assert rag(date(2025, 12, 8), "open", friday, amber_within=0) is Rag.GREEN  # Monday: 1
    assert rag(friday, "open", friday, amber_within=0) is Rag.AMBER  # due today


def test_no_due_date_is_amber_while_open_and_closed_actions_have_no_rating() -> None:
    assert rag(None, "open", WED_3_DEC_2025) is Rag.AMBER
    assert rag(None, "in_progress", WED_3_DEC_2025) is Rag.AMBER
    for status in ("completed", "cancelled"):
        assert rag(date(2025, 1, 1), status, WED_3_DEC_2025) is None  # long overdue: closed
        assert rag(None, status, WED_3_DEC_2025) is None


def test_unknown_status_and_negative_window_are_refused() -> None:
    with pytest.raises(ValueError) as error:
        rag(WED_3_DEC_2025, "done", WED_3_DEC_2025)
    assert str(error.value) == (
        "Unknown action status 'done': expected one of "
        "'open', 'in_progress', 'completed', 'cancelled'"
    )
    with pytest.raises(ValueError, match="amber_within must be 0 or more working days, not -1"):
        rag(WED_3_DEC_2025, "open", WED_3_DEC_2025, amber_within=-1)


# --- Stages ----------------------------------------------------------------------------------


def test_default_stages() -> None:
    assert [(s.key, s.name, s.working_days) for s in DEFAULT_STAGES] == [
        ("informal", "Informal resolution", 5),
        ("stage1", "Stage 1: team manager", 5),
        ("stage2", "Stage 2: service manager", 5),
        ("stage3", "Stage 3: head of service", 5),
        ("stage4", "Stage 4: director", 5),
        ("cafcass", "Referral to CAFCASS", 5),
    ]
    assert DEFAULT_END_TO_END_WORKING_DAYS == 20


def test_parse_stages_reads_a_json_list() -> None:
    raw = [dataclasses.asdict(stage) for stage in DEFAULT_STAGES]
    assert parse_stages(raw) == DEFAULT_STAGES
    custom = [
        {"key": "informal", "name": "  Informal chat  ", "working_days": 3},
        {"key": "formal_1", "name": "Formal", "working_days": 60},
    ]
    assert parse_stages(custom) == (
        StageRule("informal", "Informal chat", 3),  # the name is trimmed
        StageRule("formal_1", "Formal", 60),
    )


def _stages_with(third: object) -> list[object]:
    good = [
        {"key": "informal", "name": "Informal resolution", "working_days": 5},
        {"key": "stage1", "name": "Stage 1: team manager", "working_days": 5},
    ]
    return [*good, third]


def _third(**changes: object) -> dict[str, object]:
    stage: dict[str, object] = {"key": "stage2", "name": "Stage 2", "working_days": 5}
    stage.update(changes)
    return {k: v for k, v in stage.items() if v is not _DROP}


_DROP = object()
RANGE = "'working_days' must be a whole number of days from 1 to 60"
KEY_RULE = (
    "'key' must be a short code of lower-case letters, digits and underscores, starting with "
    "a letter (such as 'stage1')"
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"key": "informal"},
            "Escalation stages must be a list of stages, each with a key, a name and a number "
            "of working days, not {'key': 'informal'}",
        ),
        (
            "informal",
            "Escalation stages must be a list of stages, each with a key, a name and a number "
            "of working days, not 'informal'",
        ),
        ([], "Escalation stages must include at least one stage"),
        (
            _stages_with("stage2"),
            "Escalation stage 3 must have a key, a name and working_days, not 'stage2'",
        ),
        (
            _stages_with(_third(working_days="five")),
            f"Escalation stage 3: {RANGE}, not 'five'",
        ),
        (_stages_with(_third(working_days=0)), f"Escalation stage 3: {RANGE}, not 0"),
        (_stages_with(_third(working_days=61)), f"Escalation stage 3: {RANGE}, not 61"),
        (_stages_with(_third(working_days=-5)), f"Escalation stage 3: {RANGE}, not -5"),
        (_stages_with(_third(working_days=5.0)), f"Escalation stage 3: {RANGE}, not 5.0"),
        (_stages_with(_third(working_days=True)), f"Escalation stage 3: {RANGE}, not True"),
        (_stages_with(_third(working_days=None)), f"Escalation stage 3: {RANGE}, not None"),
        (
            _stages_with(_third(working_days=_DROP)),
            "Escalation stage 3: 'working_days' is missing "
            "(a stage needs 'key', 'name' and 'working_days')",
        ),
        (
            _stages_with(_third(key=_DROP)),
            "Escalation stage 3: 'key' is missing (a stage needs 'key', 'name' and 'working_days')",
        ),
        (
            _stages_with(_third(name=_DROP)),
            "Escalation stage 3: 'name' is missing "
            "(a stage needs 'key', 'name' and 'working_days')",
        ),
        (
            _stages_with(_third(days=5)),
            "Escalation stage 3: unknown field 'days' "
            "(a stage has only 'key', 'name' and 'working_days')",
        ),
        (_stages_with(_third(name="   ")), "Escalation stage 3: 'name' must not be empty"),
        (_stages_with(_third(name=2)), "Escalation stage 3: 'name' must be text, not 2"),
        (_stages_with(_third(key="Stage 2")), f"Escalation stage 3: {KEY_RULE}, not 'Stage 2'"),
        (_stages_with(_third(key="")), f"Escalation stage 3: {KEY_RULE}, not ''"),
        (_stages_with(_third(key=2)), f"Escalation stage 3: {KEY_RULE}, not 2"),
        (
            _stages_with(_third(key="stage1")),
            "Escalation stage 3: 'key' 'stage1' is already used by stage 2",
        ),
    ],
)
def test_parse_stages_explains_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_stages(raw)
    assert str(error.value) == message


def test_response_due_counts_the_stage_in_working_days() -> None:
    stage1 = DEFAULT_STAGES[1]
    # Started Mon 22 Dec 2025: 23, 24, 29, 30, 31 Dec, so due Wed 31 Dec.
    assert response_due(date(2025, 12, 22), stage1) == date(2025, 12, 31)
    # Started Mon 1 Dec 2025 with 10 working days: 2-5 (4), 8-12 (9), Mon 15 (10).
    assert response_due(date(2025, 12, 1), StageRule("x", "X", 10)) == date(2025, 12, 15)


def test_next_stage() -> None:
    assert next_stage(DEFAULT_STAGES, "informal") == DEFAULT_STAGES[1]
    assert next_stage(DEFAULT_STAGES, "stage4") == DEFAULT_STAGES[5]
    assert next_stage(DEFAULT_STAGES, "cafcass") is None
    with pytest.raises(ValueError) as error:
        next_stage(DEFAULT_STAGES, "stage5")
    assert str(error.value) == (
        "Unknown escalation stage 'stage5': the stages are "
        "'informal', 'stage1', 'stage2', 'stage3', 'stage4', 'cafcass'"
    )


@pytest.mark.parametrize(
    ("from_key", "to_key", "expected"),
    [
        ("informal", "stage1", False),
        ("stage3", "stage4", False),
        ("stage4", "cafcass", False),
        ("informal", "stage2", True),  # past stage 1
        ("stage1", "cafcass", True),  # past stages 2, 3 and 4
        (None, "informal", False),  # a new escalation at the first stage
        (None, "stage1", True),  # a new escalation straight to stage 1, past informal
    ],
)
def test_is_skip(from_key: str | None, to_key: str, expected: bool) -> None:
    assert is_skip(DEFAULT_STAGES, from_key, to_key) is expected


@pytest.mark.parametrize(
    ("from_key", "to_key", "message"),
    [
        (
            "stage2",
            "stage1",
            "An escalation moves on to a later stage: 'stage1' is not after 'stage2'",
        ),
        (
            "stage2",
            "stage2",
            "An escalation moves on to a later stage: 'stage2' is not after 'stage2'",
        ),
        ("stage9", "stage1", "Unknown escalation stage 'stage9'"),
        ("stage1", "stage9", "Unknown escalation stage 'stage9'"),
    ],
)
def test_is_skip_refuses_backwards_moves_and_unknown_stages(
    from_key: str, to_key: str, message: str
) -> None:
    with pytest.raises(ValueError) as error:
        is_skip(DEFAULT_STAGES, from_key, to_key)
    assert str(error.value).startswith(message)


# --- Escalation figures ----------------------------------------------------------------------

TODAY = date(2026, 1, 14)  # Wednesday
DRIFT, PLAN = "Drift in care planning", "Care plan not progressed"
RECORDS = [
    # A, resolved: Mon 1 Dec to Fri 5 Dec 2025 = 4 calendar days; 2, 3, 4, 5 Dec = 4 working.
    EscalationRecord("informal", "North", DRIFT, date(2025, 12, 1), date(2025, 12, 5), None),
    # B, resolved: Mon 8 Dec 2025 to Fri 2 Jan 2026 = 23 + 2 = 25 calendar days. Working:
    # 9-12 Dec (4), 15-19 (5), 22-24 (3), 29-31 (3), 2 Jan (1) = 16, within 20.
    EscalationRecord("stage1", "South", DRIFT, date(2025, 12, 8), date(2026, 1, 2), None),
    # C, resolved: Mon 1 Dec 2025 to Fri 9 Jan 2026 = 30 + 9 = 39 calendar days. Working:
    # 2-5 Dec (4), 8-12 (5), 15-19 (5), 22-24 (3), 29-31 (3), 2 Jan (1), 5-9 Jan (5) = 26.
    EscalationRecord("stage2", "North", PLAN, date(2025, 12, 1), date(2026, 1, 9), None),
    # G, resolved: Mon 12 Jan to Tue 13 Jan 2026 = 1 calendar day, 1 working day.
    EscalationRecord("stage1", "West", DRIFT, date(2026, 1, 12), date(2026, 1, 13), None),
    # D, open: its stage's response was due Mon 12 Jan 2026, before today: overdue.
    EscalationRecord("stage1", None, DRIFT, date(2026, 1, 5), None, date(2026, 1, 12)),
    # E, open: due Tue 20 Jan 2026.
    EscalationRecord("stage3", "South", PLAN, date(2026, 1, 6), None, date(2026, 1, 20)),
    # F, open: due today, so not overdue yet.
    EscalationRecord("stage1", "North", DRIFT, date(2026, 1, 7), None, TODAY),
]


def test_summary_of_a_hand_worked_set() -> None:
    summary = summarise_escalations(RECORDS, DEFAULT_STAGES, TODAY)
    assert (summary.total, summary.open, summary.overdue, summary.resolved) == (7, 3, 1, 4)
    assert summary.by_stage == [
        ("Informal resolution", 1),  # A
        ("Stage 1: team manager", 4),  # B, G, D, F
        ("Stage 2: service manager", 1),  # C
        ("Stage 3: head of service", 1),  # E
        ("Stage 4: director", 0),
        ("Referral to CAFCASS", 0),
    ]
    # North A, C, F; South B, E; D and G tie at 1, in order of name.
    assert summary.by_team == [
        ("North", 3),
        ("South", 2),
        ("No team recorded", 1),
        ("West", 1),
    ]
    assert summary.by_reason == [(DRIFT, 5), (PLAN, 2)]  # A B D F G; C E
    # Calendar days 1, 4, 25, 39: the median is the mean of the middle two, (4 + 25) / 2.
    assert summary.median_days_to_resolution == 14.5
    # Working days 1, 4, 16, 26: (4 + 16) / 2.
    assert summary.median_working_days_to_resolution == 10.0
    # Within 20 working days: G (1), A (4), B (16); not C (26).
    assert summary.resolved_within_end_to_end == 3
    assert summary.end_to_end_working_days == 20


def test_end_to_end_boundary_is_inclusive() -> None:
    # B took exactly 16 working days.
    assert summarise_escalations(RECORDS, DEFAULT_STAGES, TODAY, 16).resolved_within_end_to_end == 3
    assert summarise_escalations(RECORDS, DEFAULT_STAGES, TODAY, 15).resolved_within_end_to_end == 2


def test_median_of_an_odd_number_is_the_middle_one() -> None:
    # Without G: calendar 4, 25, 39 and working 4, 16, 26.
    summary = summarise_escalations(RECORDS[:3], DEFAULT_STAGES, TODAY)
    assert summary.median_days_to_resolution == 25.0
    assert summary.median_working_days_to_resolution == 16.0


def test_no_escalations() -> None:
    summary = summarise_escalations([], DEFAULT_STAGES[:2], TODAY)
    assert (summary.total, summary.open, summary.overdue, summary.resolved) == (0, 0, 0, 0)
    assert summary.by_stage == [("Informal resolution", 0), ("Stage 1: team manager", 0)]
    assert (summary.by_team, summary.by_reason) == ([], [])
    assert summary.median_days_to_resolution is None
    assert summary.median_working_days_to_resolution is None
    assert summary.resolved_within_end_to_end == 0


def test_stages_no_longer_configured_keep_their_own_rows_and_blanks_are_labelled() -> None:
    records = [
        EscalationRecord("stage1", " ", " ", date(2026, 1, 5), None, None),
        EscalationRecord("legacy_b", "North", PLAN, date(2026, 1, 5), None, None),
        EscalationRecord("legacy_a", "North", PLAN, date(2026, 1, 5), None, None),
    ]
    summary = summarise_escalations(records, DEFAULT_STAGES[:2], TODAY)
    assert summary.by_stage == [
        ("Informal resolution", 0),
        ("Stage 1: team manager", 1),
        ("Stage no longer configured: legacy_a", 1),
        ("Stage no longer configured: legacy_b", 1),
    ]
    assert summary.by_team == [("North", 2), ("No team recorded", 1)]
    assert summary.by_reason == [(PLAN, 2), ("No reason recorded", 1)]
    assert summary.overdue == 0  # open without a due date is not counted overdue


def test_resolved_before_raised_is_refused() -> None:
    bad = EscalationRecord("stage1", "North", DRIFT, date(2026, 1, 5), date(2026, 1, 2), None)
    with pytest.raises(ValueError) as error:
        summarise_escalations([bad], DEFAULT_STAGES, TODAY)
    assert str(error.value) == (
        "An escalation raised on 2026-01-05 cannot be resolved on 2026-01-02, before it was raised"
    )


def test_amber_until_draws_the_line_rag_draws_for_every_due_date() -> None:
    """Over Christmas, Easter 2026 and ordinary weeks, with 0 to 6 working days of amber."""
    from datetime import date, timedelta

    from reports.actions import Rag, amber_until, rag

    for today in (date(2025, 12, 19), date(2026, 3, 31), date(2026, 6, 10), date(2026, 12, 24)):
        for within in range(7):
            line = amber_until(today, within)
            for offset in range(-3, 40):
                due = today + timedelta(days=offset)
                expected = Rag.RED if due < today else Rag.AMBER if due <= line else Rag.GREEN
                assert rag(due, "open", today, within) == expected, (today, within, due)
    # By hand: Friday 19 December 2025, 5 working days: 22, 23, 24 Dec, (25, 26 holidays),
    # 29, 30 Dec; the 31st would be the sixth.
    assert amber_until(date(2025, 12, 19), 5) == date(2025, 12, 30)
