"""The census of a whole case list on its date: review timeliness by the statutory timetable.

The timetable's rules are `sampling.timetable`'s; this module runs them over a list column
by column, as an import has it, working each distinct (start, last review) pair out once (a
list of 100,000 children repeats a few thousand dates), and counts the result per team and
per IRO. A list read from an SSDA903 return passes each child's reviews, so every timetable
is exact; any other list is estimated from its last review dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sampling.records import CaseRow
from sampling.timetable import Census, ChildTimetable, child_timetable, summarise_columns

__all__ = ["census", "list_census"]

Reviews = Mapping[str, Sequence[tuple[date, str | None]]]


def list_census(
    as_at: date,
    case_refs: Sequence[str],
    teams: Sequence[str | None],
    iros: Sequence[str | None],
    started: Sequence[date | None],
    last_reviews: Sequence[date | None],
    stated_next_due: Sequence[date | None],
    *,
    reviews: Reviews | None = None,
) -> tuple[list[ChildTimetable], Census]:
    """Each child's timetable, in the list's order, and the census over them."""
    plans: list[ChildTimetable]
    if reviews is not None:
        plans = [
            child_timetable(as_at, start, reviews=reviews.get(ref, ()))
            for ref, start in zip(case_refs, started, strict=True)
        ]
    else:
        worked: dict[tuple[date | None, date | None, date | None], ChildTimetable] = {}
        plans = []
        for start, last, stated in zip(started, last_reviews, stated_next_due, strict=True):
            key = (start, last, stated)
            plan = worked.get(key)
            if plan is None:
                plan = worked[key] = child_timetable(
                    as_at, start, last_review=last, stated_next_due=key[2]
                )
            plans.append(plan)
    return plans, summarise_columns(as_at, case_refs, teams, iros, plans, stated_next_due)


def census(rows: Iterable[CaseRow], as_at: date, *, reviews: Reviews | None = None) -> Census:
    """The census of a list given as rows (the web layer's stored rows, tests)."""
    listed = list(rows)
    return list_census(
        as_at,
        [r.case_ref for r in listed],
        [r.team for r in listed],
        [r.iro for r in listed],
        [r.became_looked_after for r in listed],
        [r.last_review for r in listed],
        [r.next_review_due for r in listed],
        reviews=reviews,
    )[1]
