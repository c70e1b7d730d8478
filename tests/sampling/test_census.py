"""The census of a case list: the statutory timetable run over every row, by team and IRO.

The rule itself is tested by hand in test_timetable.py; these check the list-wide counts
against the per-child timetable worked out one child at a time.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.census import census
from sampling.records import CaseRow
from sampling.synthetic import generate
from sampling.timetable import NO_TEAM, child_timetable

AS_AT = date(2026, 3, 31)  # a Tuesday


def case(
    ref: str = "C1",
    *,
    team: str | None = "North",
    iro: str | None = "Pat IRO",
    started: date | None = None,
    last: date | None = None,
    due: date | None = None,
) -> CaseRow:
    return CaseRow(
        ref,
        team=team,
        iro=iro,
        became_looked_after=started,
        last_review=last,
        next_review_due=due,
    )


def test_census_by_team_worked_by_hand() -> None:
    rows = [
        # Later review 1 Dec 2025: next due 1 Jun 2026, within timescale; the list agrees.
        case("N1", started=date(2020, 1, 1), last=date(2025, 12, 1), due=date(2026, 6, 1)),
        # Later review 1 Jun 2025: next due 1 Dec 2025, 120 days overdue on 31 Mar 2026
        # (30 in Dec + 31 + 28 + 31). The list says 1 Jan 2026: a disagreement.
        case("N2", started=date(2020, 1, 1), last=date(2025, 6, 1), due=date(2026, 1, 1)),
        # In care Fri 20 Mar 2026, no review: first due Tue 21 Apr (20 working days over
        # Good Friday 3 Apr and Easter Monday 6 Apr): no review yet.
        case("N3", started=date(2026, 3, 20)),
        case("N4", iro=None),  # nothing to go on
        # The first review, 5 Jan 2026, held within 20 working days of 10 Dec 2025: the
        # second is due 5 Apr 2026, within 28 days of 31 Mar.
        case("S1", team="South", started=date(2025, 12, 10), last=date(2026, 1, 5)),
        case("X1", team=None, started=date(2024, 1, 1), last=date(2025, 12, 1)),
    ]
    result = census(rows, AS_AT)
    overall = result.overall
    assert (overall.children, overall.in_timescale, overall.overdue) == (6, 2, 1)
    assert (overall.no_review_yet, overall.due_soon, overall.not_known) == (1, 1, 1)
    assert overall.estimated == 5 and overall.most_days_overdue == 120  # N4 is not known
    assert result.overdue == (("N2", 120),)
    assert [(d.case_ref, d.stated, d.timetable) for d in result.disagreements] == [
        ("N2", date(2026, 1, 1), date(2025, 12, 1))
    ]
    teams = {t.group: t for t in result.by_team}
    assert list(teams) == [NO_TEAM, "North", "South"]
    assert (teams["North"].children, teams["North"].overdue) == (4, 1)
    assert teams["South"].due_soon == 1
    iros = {i.group: i.children for i in result.by_iro}
    assert iros == {"No IRO recorded": 1, "Pat IRO": 5}


def test_an_empty_list() -> None:
    result = census([], AS_AT)
    assert result.overall.children == 0
    assert result.by_team == ()


def test_census_of_a_synthetic_service_adds_up() -> None:
    service = generate(np.random.default_rng(11), AS_AT, children=2000)
    result = census(service.cases, AS_AT)
    assert result.overall.children == 2000
    assert sum(t.children for t in result.by_team) == 2000
    assert sum(t.overdue for t in result.by_team) == result.overall.overdue
    assert sum(i.children for i in result.by_iro) == 2000
    assert {t.group for t in result.by_team} == set(service.teams)


_maybe_day = st.none() | st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 1, 1))


@settings(deadline=None)
@given(
    st.lists(
        st.builds(
            case,
            st.text("AB", min_size=1, max_size=3),
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
    plans = [
        child_timetable(
            AS_AT,
            r.became_looked_after,
            last_review=r.last_review,
            stated_next_due=r.next_review_due,
        )
        for r in rows
    ]
    assert result.overall.children == len(rows)
    for status in ("overdue", "no_review_yet", "due_soon", "in_timescale", "not_known"):
        assert getattr(result.overall, status) == sum(p.status == status for p in plans)
    for team in result.by_team:
        mine = [p for r, p in zip(rows, plans, strict=True) if (r.team or NO_TEAM) == team.group]
        assert team.overdue == sum(p.status == "overdue" for p in mine)
