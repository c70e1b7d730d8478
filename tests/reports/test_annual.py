"""The annual report's figures against a small service counted by hand (10 children).

Period: the financial year 1 April 2025 to 31 March 2026; quarters Q1 Apr-Jun 2025, Q2 Jul-Sep,
Q3 Oct-Dec, Q4 Jan-Mar 2026. Due dates worked out by hand from the statutory timetable: the
first review within 20 working days (start day not counted, weekends and England bank holidays
skipped), the second within 3 months of the first, later ones within 6 months.

C01 T1 IRO A, in care 10 Jan 2024: #1 due 7 Feb 2024 (held 5 Feb); #2 due 5 May 2024 (3 May);
    #3 due 3 Nov 2024 (1 Nov); #4 due 1 May 2025, held 28 Apr 2025 ON TIME Q1 PN1;
    #5 due 28 Oct 2025, held 10 Nov 2025 LATE Q3 PN7. -> 2 held, 1 on time
C02 T1 A, 6 May 2025 (Spring bank holiday 26 May skipped): #1 due 4 Jun 2025, held 4 Jun ON TIME
    Q1; #2 due 4 Sep, held 10 Sep LATE Q2; #3 due 10 Mar 2026, held 9 Mar ON TIME Q4; all PN0.
    -> 3 held, 2 on time
C03 T2 B, 6 Jan 2025: #1 due 3 Feb 2025 (held 30 Jan); #2 due 30 Apr 2025, held 29 Apr ON TIME
    Q1 PN2; #3 due 29 Oct 2025, held 29 Oct ON TIME Q3 PN3. -> 2 held, 2 on time
C04 T2 B, start date not known: held 15 Jul 2025 PN1 and 15 Jan 2026 PN5. -> 2 held, not timed
C05 T1 B, 2 Sep 2024: #1 due 30 Sep 2024 (20 Sep); #2 due 20 Dec 2024 (18 Dec); #3 due 18 Jun
    2025, held 2 Jul LATE Q2 PN4; #4 due 2 Jan 2026, held 19 Dec 2025 ON TIME Q3 PN6.
    -> 2 held, 1 on time
C06 T2 A, 3 Nov 2025: #1 due 1 Dec 2025, held 5 Dec LATE Q3, no code. -> 1 held, 0 on time
C07 T2 A, 20 Mar 2026: no review yet. -> 0 held
C08 T1 A, 1 Apr 2025 (Good Friday 18 Apr, Easter Monday 21 Apr skipped): #1 due 1 May 2025, held
    1 May ON TIME Q1; #2 due 1 Aug, held 30 Jul ON TIME Q2; #3 due 30 Jan 2026, held 2 Feb LATE
    Q4; all PN1. -> 3 held, 2 on time
C09 T2 B, 1 Oct 2024 (left in the year): #1 due 29 Oct 2024 (25 Oct); #2 due 25 Jan 2025 (20
    Jan); #3 due 20 Jul 2025, held 30 Jun 2025 ON TIME Q1 PN5. -> 1 held, 1 on time
C10 T1 B, 1 Aug 2025 (Summer bank holiday 25 Aug skipped): #1 due 1 Sep 2025, held 29 Aug ON TIME
    Q2 PN2; #2 due 29 Nov, held 28 Nov ON TIME Q3 PN2. -> 2 held, 2 on time

Held 2+3+2+2+2+1+0+3+1+2 = 18; timed 16 (C04's two are not); on time 1+2+2+1+0+2+1+2 = 11.
"""

from __future__ import annotations

from datetime import date

import pytest
from scipy import stats

from problems import Problem
from reports.actions import DEFAULT_STAGES
from reports.annual import (
    ActionFact,
    AnnualData,
    CaseList,
    ChildReviews,
    Count,
    EscalationFact,
    Listed,
    Period,
    figures,
    financial_year,
)
from reports.annual_text import apply_edits, sections
from reports.disclosure import Rules
from reports.disclosure_annual import annual as partner_annual

D = date
YEAR = Period(D(2025, 4, 1), D(2026, 3, 31))

CHILDREN = [
    ChildReviews("C01", "T1", "A", D(2024, 1, 10), (
        (D(2024, 2, 5), "PN1"), (D(2024, 5, 3), "PN1"), (D(2024, 11, 1), "PN1"),
        (D(2025, 4, 28), "PN1"), (D(2025, 11, 10), "PN7"),
    )),
    ChildReviews("C02", "T1", "A", D(2025, 5, 6), (
        (D(2025, 6, 4), "PN0"), (D(2025, 9, 10), "PN0"), (D(2026, 3, 9), "PN0"),
    )),
    ChildReviews("C03", "T2", "B", D(2025, 1, 6), (
        (D(2025, 1, 30), "PN2"), (D(2025, 4, 29), "PN2"), (D(2025, 10, 29), "PN3"),
    )),
    ChildReviews("C04", "T2", "B", None, ((D(2025, 7, 15), "PN1"), (D(2026, 1, 15), "PN5"))),
    ChildReviews("C05", "T1", "B", D(2024, 9, 2), (
        (D(2024, 9, 20), "PN4"), (D(2024, 12, 18), "PN4"), (D(2025, 7, 2), "PN4"),
        (D(2025, 12, 19), "PN6"),
    )),
    ChildReviews("C06", "T2", "A", D(2025, 11, 3), ((D(2025, 12, 5), None),)),
    ChildReviews("C07", "T2", "A", D(2026, 3, 20), ()),
    ChildReviews("C08", "T1", "A", D(2025, 4, 1), (
        (D(2025, 5, 1), "PN1"), (D(2025, 7, 30), "PN1"), (D(2026, 2, 2), "PN1"),
    )),
    ChildReviews("C09", "T2", "B", D(2024, 10, 1), (
        (D(2024, 10, 25), "PN5"), (D(2025, 1, 20), "PN5"), (D(2025, 6, 30), "PN5"),
    )),
    ChildReviews("C10", "T1", "B", D(2025, 8, 1), (
        (D(2025, 8, 29), "PN2"), (D(2025, 11, 28), "PN2"),
    )),
]  # fmt: skip


def _list(day: date, pairs: str) -> CaseList:
    """'C01A C03B' -> the children and their IROs on a list dated `day`."""
    team = {c.ref: c.team for c in CHILDREN}
    return CaseList(day, tuple(Listed(p[:3], team[p[:3]], p[3]) for p in pairs.split()))


# L0 just before the period; C04 moves from A to B by L1, C10 from A to B by L2; C09 left.
LISTS = [
    _list(D(2025, 3, 28), "C01A C03B C04A C05B C09B"),
    _list(D(2025, 9, 30), "C01A C02A C03B C04B C05B C08A C10A"),
    _list(D(2026, 3, 27), "C01A C02A C03B C04B C05B C06A C07A C08A C10B"),
]

ESCALATIONS = [
    # Raised Thu 10 Apr 2025, resolved 24 Apr: 8 working days (Good Friday, Easter Monday out).
    EscalationFact(D(2025, 4, 10), "resolved", D(2025, 4, 24), "informal", "R1", "T1", "A",
                   "IRO", "Team manager", None),
    # 1 May to 12 Jun 2025: 28 working days (5 May and 26 May out); 42 calendar days.
    EscalationFact(D(2025, 5, 1), "resolved", D(2025, 6, 12), "stage2", "R1", "T2", "B",
                   "IRO", "Service manager", None),
    # Open, its stage's response due 11 Aug 2025 and never in: overdue on 31 March 2026.
    EscalationFact(D(2025, 8, 4), "open", None, "informal", "R2", "T1", "A",
                   "IRO", "Team manager", D(2025, 8, 11)),
    EscalationFact(D(2025, 10, 1), "withdrawn", D(2025, 10, 3), "informal", "R2", "T1", "B",
                   "IRO", "Team manager", None),
    # 5 Jan to 30 Jan 2026: 19 working days; 25 calendar days.
    EscalationFact(D(2026, 1, 5), "resolved", D(2026, 1, 30), "stage1", "R2", "T2", "A",
                   None, None, None),
    # Raised before the period: not counted.
    EscalationFact(D(2025, 3, 20), "resolved", D(2025, 3, 25), "informal", "R1", "T1", "A",
                   "IRO", "Team manager", None),
]  # fmt: skip

ACTIONS = [
    ActionFact(D(2025, 5, 1), D(2025, 6, 1), "completed", D(2025, 5, 20)),
    ActionFact(D(2025, 6, 1), D(2025, 12, 1), "open", None),  # overdue on the last day
    ActionFact(D(2026, 2, 1), D(2026, 6, 1), "open", None),
    ActionFact(D(2024, 12, 1), D(2025, 2, 1), "completed", D(2025, 4, 15)),  # done in the year
    ActionFact(D(2025, 9, 1), D(2025, 10, 1), "cancelled", None),
]


def _data(period: Period = YEAR) -> AnnualData:
    return AnnualData(period, LISTS, CHILDREN, ESCALATIONS, ACTIONS, DEFAULT_STAGES)


def test_financial_year_and_quarters() -> None:
    assert financial_year(D(2026, 1, 15)) == YEAR
    assert financial_year(D(2025, 4, 1)) == YEAR
    assert [p for _label, p in YEAR.quarters()] == [
        Period(D(2025, 4, 1), D(2025, 6, 30)),
        Period(D(2025, 7, 1), D(2025, 9, 30)),
        Period(D(2025, 10, 1), D(2025, 12, 31)),
        Period(D(2026, 1, 1), D(2026, 3, 31)),
    ]
    with pytest.raises(Problem, match="swap the two dates") as refused:
        Period(D(2026, 1, 1), D(2025, 1, 1))
    assert refused.value.field == "to"
    assert refused.value.message.startswith("The period ends (2025-01-01) before it starts")


def test_children_counted_by_hand() -> None:
    found = figures(_data()).children
    # In the period: the 9 on L1 or L2, and C09, who left but had a review in Q1.
    assert found.in_period == 10
    assert found.on_last_day == 9  # L2
    assert found.last_list == D(2026, 3, 27)
    assert found.lists == 2


def test_reviews_counted_by_hand() -> None:
    r = figures(_data()).reviews
    assert (r.held, r.timed, r.on_time) == (18, 16, 11)
    # Q1: C01, C02, C03, C08, C09 all on time; Q2: C02 late, C05 late, C08, C10 on time;
    # Q3: C01 late, C03, C05 on time, C06 late, C10 on time; Q4: C02 on time, C08 late.
    assert [(c.n, c.met) for c in r.by_quarter] == [(5, 5), (4, 2), (5, 3), (2, 1)]
    # T1: C01 2/1, C02 3/2, C05 2/1, C08 3/2, C10 2/2 = 12/8; T2: C03 2/2, C06 1/0, C09 1/1.
    assert r.by_team == (Count("T1", 12, 8), Count("T2", 4, 3))
    # A: C01 2/1, C02 3/2, C06 1/0, C08 3/2 = 9/5; B: C03 2/2, C05 2/1, C09 1/1, C10 2/2 = 7/6.
    assert r.by_iro == (Count("A", 9, 5), Count("B", 7, 6))


def test_participation_counted_by_hand() -> None:
    p = figures(_data()).participation
    counts = {c.group.split(":")[0]: c.n for c in p.by_code}
    # PN0: C02 x3. PN1: C01, C04, C08 x3 = 5. PN2: C03, C10 x2 = 3. PN3: C03. PN4: C05.
    # PN5: C04, C09. PN6: C05. PN7: C01. Not recorded: C06.
    assert counts == {
        "PN0": 3, "PN1": 5, "PN2": 3, "PN3": 1, "PN4": 1, "PN5": 2, "PN6": 1, "PN7": 1,
        "Not recorded": 1,
    }  # fmt: skip
    assert sum(counts.values()) == 18
    assert (p.taking_part, p.aged_four_plus) == (13, 14)  # PN1-PN6 of PN1-PN7


def test_caseloads_and_changes_counted_by_hand() -> None:
    c = figures(_data()).caseloads
    # L2: A holds C01 C02 C06 C07 C08 (5), B holds C03 C04 C05 C10 (4).
    assert c.on_last_day == (Count("A", 5), Count("B", 4))
    assert (c.average, c.low, c.high) == (4.5, 4, 5)
    # L1: A C01 C02 C08 C10 (4), B C03 C04 C05 (3).
    assert c.over_year == (
        (D(2025, 9, 30), 2, 7, 3.5, 3, 4),
        (D(2026, 3, 27), 2, 9, 4.5, 4, 5),
    )
    # L0->L1: C01 C03 C04 C05 followed, C04 changed; L1->L2 adds C02 C08 C10, C10 changed.
    assert (c.followed, c.changed_children, c.changes) == (7, 2, 2)


def test_escalations_counted_by_hand() -> None:
    e = figures(_data()).escalations
    assert e.raised == 5  # the one raised on 20 March 2025 is before the period
    assert (e.open, e.resolved, e.withdrawn, e.overdue) == (1, 3, 1, 1)
    assert e.within == 2  # 8 and 19 working days; not 28
    assert e.median_working_days == 19  # of 8, 28, 19
    assert e.median_days == 25  # of 14, 42, 25
    assert [(c.n, c.met) for c in e.by_quarter] == [(2, 1), (1, 0), (0, 0), (1, 1)]
    assert e.by_iro == (Count("A", 3), Count("B", 1))
    assert e.by_team == (Count("T1", 2), Count("T2", 2))
    assert e.by_addressed_to == (
        Count("Team manager", 2),
        Count("Not recorded", 1),
        Count("Service manager", 1),
    )
    assert dict((c.group, c.n) for c in e.by_stage)["Informal resolution"] == 2


def test_actions_counted_by_hand() -> None:
    a = figures(_data()).actions
    assert (a.raised, a.completed, a.overdue) == (4, 2, 1)


def test_review_paragraph_tests_the_change_with_fisher() -> None:
    previous = figures(_data(YEAR.previous()))
    # 2024-25: C01 3 May, 1 Nov 2024; C03 30 Jan 2025; C05 20 Sep, 18 Dec; C09 25 Oct, 20 Jan.
    assert (previous.reviews.timed, previous.reviews.on_time) == (7, 7)
    text = sections(figures(_data()), previous)[1].paragraph
    assert "11 (69%) were held within the statutory timescale" in text
    p = stats.fisher_exact([[7, 0], [11, 5]]).pvalue  # independent of reports.intervals
    assert f"p = {p:.2f}" in text
    assert "fell from 100% to 69%" in text
    assert "could be chance" in text  # p is about 0.13
    assert "2 reviews could not be timed" in text


def test_edits_replace_the_generated_paragraph() -> None:
    found = sections(figures(_data()))
    edited = apply_edits(found, {"reviews": "Our own words.", "children": "  "})
    assert edited[1].paragraph == "Our own words." and edited[1].edited
    assert edited[1].generated == found[1].paragraph
    assert not edited[0].edited  # blank edits are ignored


def test_partner_version_names_nobody_and_suppresses_small_groups() -> None:
    found = partner_annual(figures(_data()), Rules(min_files=3))
    assert found.shown
    f = found.figures
    assert f.reviews.by_iro == () and f.escalations.by_iro == ()
    assert f.caseloads.on_last_day == () and f.caseloads.low is None
    # Escalations by quarter: 2, 1, 0, 1 with k = 3: every non-empty quarter is small, and
    # with the total published no protection holds: the table is given empty.
    assert f.escalations.by_quarter == ()
    assert f.escalations.open is None and f.escalations.resolved == 3
    # T2 (4 reviews) is published; T1 has 12.
    assert f.reviews.by_team == (Count("T1", 12, 8), Count("T2", 4, 3))
    text = " ".join(s.paragraph for s in sections(f, k=3))
    assert " A " not in text and "IRO A" not in text


def test_partner_version_withheld_under_k_children() -> None:
    found = partner_annual(figures(_data()), Rules(min_files=10))
    assert not found.shown


def test_tidy_rows_follow_the_sections_and_flag_suppressed_cells() -> None:
    from reports.annual_tidy import rows

    f = figures(_data())
    found = rows("Annual", f, sections(f))
    [on_time] = [r for r in found if r.measure == "within the statutory timescale"]
    assert (on_time.n, on_time.numerator, on_time.estimate) == (16, 11, 11 / 16)
    quarters = [r for r in found if r.table == "Reviews by quarter"]
    assert [(r.n, r.numerator) for r in quarters] == [(5, 5), (4, 2), (5, 3), (2, 1)]
    # Partner, k = 5: T2's 4 reviews are primary; T1 = total - T2 would give it away, and a
    # table with every row hidden is withheld whole (reports.protection.suppress).
    protected = partner_annual(f, Rules(min_files=5)).figures
    teams = [
        r for r in rows("Annual", protected, sections(protected)) if r.table == "Reviews by team"
    ]
    assert teams == []
    # Quarters 5, 4, 5, 2: Q2 and Q4 are under k and hide each other (together 6 reviews, so
    # either could be 1 to 5); Q1 and Q3 are published.
    assert [(c.n, c.met) for c in protected.reviews.by_quarter] == [
        (5, 5), (None, None), (5, 3), (None, None)
    ]  # fmt: skip
    tidy_quarters = [r for r in rows("A", protected, sections(protected)) if "quarter" in r.table]
    assert [r.suppressed for r in tidy_quarters if r.table == "Reviews by quarter"] == [
        False, True, False, True
    ]  # fmt: skip
    assert not any(r.table == "Reviews by IRO" for r in rows("A", protected, sections(protected)))
