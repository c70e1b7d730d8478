"""The statutory review timetable (reg. 33), with dates worked by hand on a calendar.

England and Wales bank holidays used below (GOV.UK): Thu 25 and Fri 26 Dec 2025, Thu 1 Jan
2026, Good Friday 3 Apr and Easter Monday 6 Apr 2026, the early May bank holiday Mon 4 May
2026.
"""

from __future__ import annotations

from datetime import date

import pytest

from sampling.timetable import (
    Child,
    add_months,
    census_from_json,
    child_timetable,
    first_review_due,
    next_review_after,
    review_schedule,
    summarise,
)


@pytest.mark.parametrize(
    ("became_looked_after", "due"),
    [
        # Mon 2 Mar 2026: four whole weeks, no holiday: Mon 30 Mar.
        (date(2026, 3, 2), date(2026, 3, 30)),
        # Fri 19 Dec 2025: Mon 22 (1), Tue 23 (2), Wed 24 (3), [Thu 25, Fri 26 Christmas],
        # Mon 29 (4), Tue 30 (5), Wed 31 (6), [Thu 1 Jan], Fri 2 (7), 5-9 Jan (8-12),
        # 12-16 Jan (13-17), Mon 19 (18), Tue 20 (19), Wed 21 Jan (20).
        (date(2025, 12, 19), date(2026, 1, 21)),
        # Fri 27 Mar 2026: Mon 30 (1), Tue 31 (2), Wed 1 Apr (3), Thu 2 (4), [Good Friday 3,
        # Easter Monday 6], Tue 7 (5) ... Fri 24 (18), Mon 27 (19), Tue 28 Apr (20).
        (date(2026, 3, 27), date(2026, 4, 28)),
        # Sat 7 Mar 2026 (a weekend start counts from Monday): Mon 9 (1) ... Fri 27 (15),
        # Mon 30 (16), Tue 31 (17), Wed 1 (18), Thu 2 Apr (19), [Easter], Tue 7 Apr (20).
        (date(2026, 3, 7), date(2026, 4, 7)),
        # Fri 17 Apr 2026: Mon 20 (1) ... Fri 1 May (10), [Mon 4 May early May holiday],
        # Tue 5 (11) ... Fri 8 (14), 11-15 May (15-19), Mon 18 May (20).
        (date(2026, 4, 17), date(2026, 5, 18)),
    ],
)
def test_first_review_within_20_working_days(became_looked_after: date, due: date) -> None:
    assert first_review_due(became_looked_after) == due


@pytest.mark.parametrize(
    ("first_held", "due"),
    [
        (date(2025, 9, 30), date(2025, 12, 30)),
        # 3 months after Thu 25 Sep 2025 is Christmas Day: months are not moved off holidays.
        (date(2025, 9, 25), date(2025, 12, 25)),
        # 30 Nov + 3 months: February is shorter, so its last day (a Saturday in 2026).
        (date(2025, 11, 30), date(2026, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),  # a leap year
        (date(2026, 1, 21), date(2026, 4, 21)),
    ],
)
def test_second_review_within_3_months_of_the_first(first_held: date, due: date) -> None:
    assert next_review_after(first_held, 1) == due


@pytest.mark.parametrize(
    ("previous", "due"),
    [
        # 6 months after Fri 3 Oct 2025 is Good Friday, 3 Apr 2026: still due that day.
        (date(2025, 10, 3), date(2026, 4, 3)),
        # 6 months after Tue 4 Nov 2025 is the early May bank holiday, Mon 4 May 2026.
        (date(2025, 11, 4), date(2026, 5, 4)),
        (date(2025, 8, 31), date(2026, 2, 28)),
        (date(2025, 6, 25), date(2025, 12, 25)),
    ],
)
def test_later_reviews_within_6_months_of_the_previous(previous: date, due: date) -> None:
    assert next_review_after(previous, 2) == due
    assert next_review_after(previous, 7) == due


def test_add_months_crosses_years() -> None:
    assert add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert add_months(date(2025, 1, 15), 12) == date(2026, 1, 15)


def test_each_review_runs_from_the_one_held_before_it() -> None:
    # In care Fri 19 Dec 2025: first due Wed 21 Jan 2026 (above), held Fri 23 Jan: 2 days late.
    # Second due 3 months after the first was held: Thu 23 Apr; held Tue 21 Apr: on time.
    # Third due 6 months after that: Wed 21 Oct 2026; held Fri 23 Oct: 2 days late.
    checks = review_schedule(
        date(2025, 12, 19),
        [(date(2026, 10, 23), "PN1"), (date(2026, 1, 23), "PN0"), (date(2026, 4, 21), None)],
    )
    assert [(c.number, c.due, c.held, c.on_time, c.days_late) for c in checks] == [
        (1, date(2026, 1, 21), date(2026, 1, 23), False, 2),
        (2, date(2026, 4, 23), date(2026, 4, 21), True, 0),
        (3, date(2026, 10, 21), date(2026, 10, 23), False, 2),
    ]
    assert [c.participation for c in checks] == ["PN0", None, "PN1"]


def test_reviews_before_the_period_of_care_are_not_counted() -> None:
    checks = review_schedule(date(2026, 3, 2), [(date(2026, 2, 27), "PN1")])
    assert checks == ()


def test_exact_status_on_the_list_date() -> None:
    start = date(2025, 12, 19)
    reviews = [(date(2026, 1, 20), "PN1"), (date(2026, 4, 20), "PN1")]
    # Third due 20 Oct 2026 (6 months after 20 Apr).
    on_time = child_timetable(date(2026, 9, 1), start, reviews=reviews)
    assert (on_time.status, on_time.next_due, on_time.next_number) == (
        "in_timescale",
        date(2026, 10, 20),
        3,
    )
    assert on_time.basis == "exact"
    # 28 days before: due soon; the day after: overdue by one day.
    assert child_timetable(date(2026, 9, 22), start, reviews=reviews).status == "due_soon"
    assert child_timetable(date(2026, 9, 21), start, reviews=reviews).status == "in_timescale"
    late = child_timetable(date(2026, 10, 21), start, reviews=reviews)
    assert (late.status, late.days_overdue) == ("overdue", 1)
    # On the due date itself it is not overdue.
    assert child_timetable(date(2026, 10, 20), start, reviews=reviews).status == "due_soon"


def test_reviews_after_the_list_date_are_not_held_yet() -> None:
    start = date(2026, 3, 2)  # first due Mon 30 Mar 2026
    plan = child_timetable(date(2026, 3, 20), start, reviews=[(date(2026, 3, 25), "PN1")])
    assert (plan.status, plan.next_due, plan.reviews) == ("no_review_yet", date(2026, 3, 30), ())


def test_first_review_overdue_counts_working_days_over_easter() -> None:
    # In care Fri 27 Mar 2026, first due Tue 28 Apr; on Thu 30 Apr it is 2 days overdue.
    plan = child_timetable(date(2026, 4, 30), date(2026, 3, 27), reviews=[])
    assert (plan.status, plan.days_overdue, plan.next_number) == ("overdue", 2, 1)
    assert child_timetable(date(2026, 4, 28), date(2026, 3, 27), reviews=[]).status == (
        "no_review_yet"
    )


def test_estimated_from_the_last_review_date() -> None:
    start = date(2026, 3, 2)  # first due Mon 30 Mar 2026
    # A last review within the first 20 working days was the first: next due in 3 months.
    first = child_timetable(date(2026, 5, 1), start, last_review=date(2026, 3, 27))
    assert (first.next_due, first.basis, first.status) == (
        date(2026, 6, 27),
        "estimated",
        "in_timescale",  # 57 days after 1 May
    )
    assert first.basis_words == "estimated from the last review date"
    # Any later last review: 6 months.
    later = child_timetable(date(2026, 12, 1), start, last_review=date(2026, 5, 15))
    assert (later.next_due, later.status, later.days_overdue) == (
        date(2026, 11, 15),
        "overdue",
        16,
    )
    # No start date: taken as a later review.
    assert child_timetable(date(2026, 5, 1), None, last_review=date(2026, 3, 27)).next_due == (
        date(2026, 9, 27)
    )
    # A last review before the child came in belongs to an earlier period: first review due.
    earlier = child_timetable(date(2026, 5, 1), start, last_review=date(2026, 1, 5))
    assert (earlier.status, earlier.next_due, earlier.days_overdue) == (
        "overdue",
        date(2026, 3, 30),
        32,
    )
    assert child_timetable(date(2026, 5, 1), None).status == "not_known"
    # With nothing else to go on, the list's own next review date.
    listed = child_timetable(date(2026, 5, 1), None, stated_next_due=date(2026, 4, 28))
    assert (listed.status, listed.days_overdue, listed.basis) == ("overdue", 3, "listed")


def test_summary_counts_by_team_and_iro_and_lists_disagreements() -> None:
    as_at = date(2026, 5, 1)
    start = date(2026, 3, 2)
    children = [
        # Overdue by 32 days (first review due 30 Mar, none held).
        Child("A", "North", "Ann Iro", child_timetable(as_at, start, reviews=[])),
        # First held 27 Mar (on time), second due 27 Jun, 57 days after 1 May: in timescale.
        Child(
            "B",
            "North",
            "Bo Iro",
            child_timetable(as_at, start, reviews=[(date(2026, 3, 27), "PN1")]),
            stated_next_due=date(2026, 6, 27),
        ),
        Child(
            "C",
            None,
            "Ann Iro",
            child_timetable(as_at, date(2026, 4, 20), reviews=[]),
            stated_next_due=date(2026, 6, 1),  # the timetable says Tue 19 May
        ),
        Child("D", "South", None, child_timetable(as_at, None)),
    ]
    census = summarise(children, as_at)
    overall = census.overall
    assert (overall.children, overall.overdue, overall.in_timescale) == (4, 1, 1)
    assert (overall.no_review_yet, overall.not_known, overall.judged) == (1, 1, 3)
    assert (overall.reviews_held, overall.reviews_on_time, overall.not_overdue) == (1, 1, 2)
    assert [(t.group, t.children, t.overdue) for t in census.by_team] == [
        ("No team recorded", 1, 0),
        ("North", 2, 1),
        ("South", 1, 0),
    ]
    assert [(i.group, i.children) for i in census.by_iro] == [
        ("Ann Iro", 2),
        ("Bo Iro", 1),
        ("No IRO recorded", 1),
    ]
    assert census.overdue == (("A", 32),)
    assert [(d.case_ref, d.stated, d.timetable) for d in census.disagreements] == [
        ("C", date(2026, 6, 1), date(2026, 5, 19))
    ]
    assert census.participation == {"PN1": 1}
    assert census_from_json(census.to_json()) == census
