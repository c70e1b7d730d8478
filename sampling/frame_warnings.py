"""The case list's warnings: what a manager should know about, none of which stops an import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import cast

from sampling.dates import format_date
from sampling.frame_report import Report, Said, at, placeholder

__all__ = ["warn"]


def warn(
    values: dict[str, Sequence[object]],
    numbers: list[int],
    columns: dict[str, str],
    as_at: date,
    report: Report,
) -> None:
    """Things a manager should know about, none of which stops the import."""
    if "ethnicity" not in columns:
        report.warn(
            "ethnicity_column_missing",
            "the file has no ethnicity column, so samples cannot be checked for fair "
            "representation",
        )
    else:
        header, recorded = columns["ethnicity"], values["ethnicity"]
        missing = {text for text in set(recorded) if text is None or placeholder(text)}

        def not_recorded(i: int) -> Said:
            text = recorded[i]
            said = "not recorded" if text is None else f"recorded as '{text}'"
            return at(numbers[i], header, f"ethnicity is {said}")

        hits = [i for i, text in enumerate(recorded) if text in missing]
        report.many("warning", "ethnicity_missing", hits, not_recorded)
    _warn_disability(values, numbers, columns, report)
    if "date_of_birth" in values:
        _warn_ages(values, numbers, columns, as_at, report)
    today = format_date(as_at)
    for name in ("date_of_birth", "became_looked_after", "last_review", "next_review_due"):
        if name not in values:
            continue
        header, column = columns[name], cast(list[date | None], values[name])
        if name == "next_review_due":
            code, late = "review_overdue", {d for d in set(column) if d is not None and d < as_at}
            wording = "the next review was due on {}, before " + today + ": it is overdue"
        else:
            code, late = "date_in_future", {d for d in set(column) if d is not None and d > as_at}
            wording = "{} is after the date of this list (" + today + ")"
        hits = [i for i, day in enumerate(column) if day in late]
        report.many("warning", code, hits, _dated_words(numbers, header, column, wording))
    for later, earlier, code, wording in _ORDER_CHECKS:
        if later in values and earlier in values:
            _warn_order(
                values[later], values[earlier], numbers, columns[later], code, wording, report
            )


def _warn_disability(
    values: dict[str, Sequence[object]],
    numbers: list[int],
    columns: dict[str, str],
    report: Report,
) -> None:
    if "disability" not in columns:
        return
    header, recorded = columns["disability"], values["disability"]
    missing = {text for text in set(recorded) if text is None or placeholder(text)}
    hits = [i for i, text in enumerate(recorded) if text in missing]
    report.many(
        "warning",
        "disability_missing",
        hits,
        lambda i: at(numbers[i], header, "disability is not recorded"),
    )


_LEAVING_CARE = ("leaving care", "care leaver", "16+", "16 plus", "aftercare", "after care")


def _warn_ages(
    values: dict[str, Sequence[object]],
    numbers: list[int],
    columns: dict[str, str],
    as_at: date,
    report: Report,
) -> None:
    """Ages that do not fit the list: 18 or over on a children-in-care list, under 16 in a
    leaving-care team."""
    births = cast(list[date | None], values["date_of_birth"])
    ages = {b: _age(b, as_at) for b in set(births) if b is not None}
    header = columns["date_of_birth"]
    old = {b for b, age in ages.items() if age >= 18}
    adults = [i for i, b in enumerate(births) if b in old] if old else []

    def adult(i: int) -> Said:
        born = format_date(births[i] or date.min)
        said = f"the child is 18 or over on the list's date (born {born}): check they belong here"
        return at(numbers[i], header, said)

    report.many("warning", "aged_18_or_over", adults, adult)
    if "team" not in values:
        return
    teams = values["team"]
    leaving = {
        t
        for t in set(teams)
        if isinstance(t, str) and any(w in t.casefold() for w in _LEAVING_CARE)
    }
    young = [
        i
        for i, (b, t) in enumerate(zip(births, teams, strict=True))
        if t in leaving and b is not None and ages[b] < 16
    ]

    def too_young(i: int) -> Said:
        said = (
            f"a child aged {ages[births[i] or date.min]} is in the leaving-care team '{teams[i]}'"
        )
        return at(numbers[i], columns["team"], said)

    report.many("warning", "under_16_in_leaving_care", young, too_young)


def _age(born: date, as_at: date) -> int:
    return as_at.year - born.year - ((as_at.month, as_at.day) < (born.month, born.day))


# Two dates of one row that should not come in this order: (later, earlier, code, wording).
_ORDER_CHECKS = (
    (
        "last_review",
        "became_looked_after",
        "review_before_looked_after",
        "the last review ({}) is before the child became looked after ({}): "
        "check it belongs to this period of care",
    ),
    (
        "became_looked_after",
        "date_of_birth",
        "born_after_looked_after",
        "the child became looked after ({}) before the date of birth ({})",
    ),
)


def _dated_words(
    numbers: list[int], header: str, column: list[date | None], wording: str
) -> Callable[[int], Said]:
    """Word a warning about one date only when it is going to be kept."""

    def word(i: int) -> Said:
        return at(numbers[i], header, wording.format(format_date(column[i] or date.min)))

    return word


def _warn_order(
    later: Sequence[object],
    earlier: Sequence[object],
    numbers: list[int],
    header: str,
    code: str,
    wording: str,
    report: Report,
) -> None:
    """Warn where the `later` date comes before the `earlier` one in the same row."""
    late, early = cast(list[date], later), cast(list[date], earlier)
    wrong = [
        i
        for i, (one, other) in enumerate(zip(late, early, strict=True))
        if one is not None and other is not None and one < other
    ]

    def out_of_order(i: int) -> Said:
        return at(numbers[i], header, wording.format(format_date(late[i]), format_date(early[i])))

    report.many("warning", code, wrong, out_of_order)
