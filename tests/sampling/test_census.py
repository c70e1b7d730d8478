"""Census indicators: review timeliness by the documented rule, worked by hand; overdue reviews."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.census import NO_TEAM, add_working_days, census, review_timeliness
from sampling.records import CaseRow
from sampling.synthetic import generate

AS_AT = date(2026, 3, 31)  # a Tuesday


def case(
    ref: str = "C1",
    *,
    team: str | None = "North",
    started: date | None = None,
    last: date | None = None,
    due: date | None = None,
) -> CaseRow:
    return CaseRow(
        ref, team=team, became_looked_after=started, last_review=last, next_review_due=due
    )


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday to Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday to Monday
        (date(2026, 3, 2), 20, date(2026, 3, 30)),  # four whole weeks
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
    ],
)
def test_working_days_skip_weekends(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_working_days_skip_bank_holidays_given() -> None:
    easter = {date(2026, 4, 3), date(2026, 4, 6)}
    assert add_working_days(date(2026, 3, 27), 20) == date(2026, 4, 24)
    assert add_working_days(date(2026, 3, 27), 20, easter) == date(2026, 4, 28)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # 1. Looked after 20 working days or fewer: the first review is not due yet.
        (case(started=date(2026, 3, 3)), "in_timescale"),
        (case(started=AS_AT), "in_timescale"),
        # 2. Past the first 20 working days with no review in this period of care.
        (case(started=date(2026, 3, 2)), "out_of_timescale"),
        (case(started=date(2025, 6, 1), last=date(2025, 1, 1)), "out_of_timescale"),
        # 3. The last review was the first one: the second is due within 3 months (92 days).
        (case(started=date(2025, 12, 1), last=date(2025, 12, 29)), "in_timescale"),  # 92 days
        (case(started=date(2025, 12, 1), last=date(2025, 12, 20)), "out_of_timescale"),
        # 4. A later review: the next is due within 6 months (183 days).
        (case(started=date(2025, 6, 1), last=date(2025, 12, 20)), "in_timescale"),
        (case(started=date(2020, 1, 1), last=date(2025, 9, 29)), "in_timescale"),  # 183 days
        (case(started=date(2020, 1, 1), last=date(2025, 9, 28)), "out_of_timescale"),  # 184
        # Only the last review known.
        (case(last=date(2025, 12, 1)), "in_timescale"),
        (case(last=date(2025, 6, 1)), "out_of_timescale"),
        # Cannot be judged.
        (case(), "not_known"),
        (case(started=date(2020, 1, 1), last=date(2026, 4, 2)), "not_known"),
        (case(started=date(2026, 5, 1)), "not_known"),
    ],
)
def test_review_timeliness_rule(row: CaseRow, expected: str) -> None:
    assert review_timeliness(row, AS_AT) == expected


def test_a_bank_holiday_can_keep_a_new_child_within_the_first_review_window() -> None:
    row = case(started=date(2026, 3, 2))
    assert review_timeliness(row, AS_AT) == "out_of_timescale"
    assert review_timeliness(row, AS_AT, {date(2026, 3, 16)}) == "in_timescale"


def test_census_by_team_worked_by_hand() -> None:
    rows = [
        case("N1", started=date(2020, 1, 1), last=date(2025, 12, 1), due=date(2026, 6, 1)),
        case("N2", started=date(2020, 1, 1), last=date(2025, 6, 1), due=date(2025, 12, 1)),
        case("N3", started=date(2026, 3, 20), due=date(2026, 4, 17)),
        case("N4"),
        case("S1", team="South", started=date(2024, 1, 1), last=date(2026, 1, 5),
             due=date(2026, 3, 30)),
        case("S2", team="South", started=date(2024, 1, 1), last=date(2025, 1, 5)),
        case("X1", team=None, last=date(2026, 2, 1), due=date(2026, 8, 1)),
    ]  # fmt: skip
    result = census(rows, AS_AT)
    assert result.as_at == AS_AT
    overall = result.overall
    assert overall.group == "All children"
    assert (overall.children, overall.judged, overall.in_timescale) == (7, 6, 4)
    assert overall.in_timescale_percent == 66.7
    assert (overall.with_due_date, overall.overdue, overall.overdue_percent) == (5, 2, 40.0)
    teams = {figures.group: figures for figures in result.by_team}
    assert list(teams) == [NO_TEAM, "North", "South"]
    north = teams["North"]
    assert (north.children, north.judged, north.in_timescale) == (4, 3, 2)
    assert (north.with_due_date, north.overdue) == (3, 1)
    assert north.overdue_percent == 33.3
    south = teams["South"]
    assert (south.judged, south.in_timescale, south.in_timescale_percent) == (2, 1, 50.0)
    assert (south.with_due_date, south.overdue, south.overdue_percent) == (1, 1, 100.0)
    assert teams[NO_TEAM].in_timescale_percent == 100.0


def test_percentages_are_none_when_nobody_can_be_judged() -> None:
    result = census([case(), case("C2")], AS_AT)
    assert result.overall.judged == 0
    assert result.overall.in_timescale_percent is None
    assert result.overall.overdue_percent is None
    assert census([], AS_AT).overall.children == 0
    assert census([], AS_AT).by_team == ()


def test_census_of_a_synthetic_service_adds_up() -> None:
    service = generate(np.random.default_rng(11), AS_AT, children=2000)
    result = census(service.cases, AS_AT)
    assert result.overall.children == 2000
    assert sum(t.children for t in result.by_team) == 2000
    assert sum(t.in_timescale for t in result.by_team) == result.overall.in_timescale
    assert sum(t.overdue for t in result.by_team) == result.overall.overdue
    assert {t.group for t in result.by_team} == set(service.teams)
    # The generator keeps about 8% of next reviews slipping; most reviews are on time.
    assert result.overall.overdue_percent is not None
    assert 4 < result.overall.overdue_percent < 13
    assert result.overall.in_timescale_percent is not None
    assert result.overall.in_timescale_percent > 80


_maybe_day = st.none() | st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 1, 1))


@settings(deadline=None)
@given(
    st.lists(
        st.builds(
            case,
            st.just("C"),
            team=st.sampled_from(["North", "South", None]),
            started=_maybe_day,
            last=_maybe_day,
            due=_maybe_day,
        ),
        max_size=30,
    )
)
def test_census_matches_the_per_child_rule(rows: list[CaseRow]) -> None:
    result = census(rows, AS_AT)
    judged = [review_timeliness(row, AS_AT) for row in rows]
    assert result.overall.children == len(rows)
    assert result.overall.judged == sum(j != "not_known" for j in judged)
    assert result.overall.in_timescale == judged.count("in_timescale")
    assert result.overall.overdue == sum(
        1 for row in rows if row.next_review_due is not None and row.next_review_due < AS_AT
    )
    for figures in result.by_team:
        assert 0 <= figures.in_timescale <= figures.judged <= figures.children
        assert 0 <= figures.overdue <= figures.with_due_date <= figures.children
