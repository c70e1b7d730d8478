"""How every figure and date reads: the one home of the display rules (pages, narrative, workbooks).

* A percentage is rounded half up on the exact fraction it stands for. 29 of 40 is exactly
  0.725, so 73%, although the binary float nearest 0.725 is a shade below it and "%.0f" prints
  72%. A float is taken back to the fraction it approximates (the nearest fraction with a
  denominator up to a million: counts of files and audit weights are far smaller than that, and
  a float is within 1e-16 of it while any other such fraction is at least 5e-9 away), so a
  weighted score of 149/200 computed as 0.74499999... still reads 75%, as its grade counts it.
* An interval's ends are rounded outward (the lower end down, the upper end up), so the printed
  interval always contains the computed one: 0 of 765 reads 0–1%, never 0–0%.
* A change between two figures is computed from the unrounded figures and rounded once; it is
  shown with ends given to as many decimals as it takes for them to explain it (61.4% to 70.5%
  beside +9 points, not 61% to 71%).
* Dates read "3 December 2026" (or "3 Dec 2026"); times are shown in Europe/London whatever
  the server's zone, and a time without a zone is taken to be UTC (the toolkit stores UTC).

Pure: no Flask, no database. The web app registers these as Jinja filters and the workbook
writers and the narrative call them, so one rule cannot drift into three.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "LONDON",
    "MISSING",
    "Change",
    "change",
    "count",
    "decimal",
    "date",
    "datetime",
    "exact",
    "interval",
    "interval_cells",
    "interval_ends",
    "month",
    "percent",
    "percent_cell",
    "percent_value",
    "points",
    "proportion_text",
]

LONDON = ZoneInfo("Europe/London")
MISSING = "–"  # an en dash: no figure to show
_LIMIT = 1_000_000

Number = int | float | Fraction | Decimal
Rounding = Literal["half_up", "down", "up"]


def exact(value: Number) -> Fraction:
    """The exact fraction a figure stands for (a float is taken back to its small fraction)."""
    if isinstance(value, bool):
        raise TypeError("A yes/no value is not a figure.")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Cannot show {value!r} as a figure.")
        return Fraction(value).limit_denominator(_LIMIT)
    if isinstance(value, int | Fraction | Decimal):
        return Fraction(value)
    raise TypeError(f"Not a figure: {value!r}")


def _round(value: Fraction, places: int, rounding: Rounding) -> Decimal:
    """`value` to `places` decimals: half up (away from zero), down or up, on the exact fraction."""
    scaled = value * 10**places
    if rounding == "down":
        whole = math.floor(scaled)
    elif rounding == "up":
        whole = math.ceil(scaled)
    elif scaled >= 0:
        whole = math.floor(scaled + Fraction(1, 2))
    else:
        whole = -math.floor(-scaled + Fraction(1, 2))
    return Decimal(whole).scaleb(-places)


@lru_cache(maxsize=8192, typed=True)
def percent_value(value: Number, places: int = 0, rounding: Rounding = "half_up") -> Decimal:
    """A proportion (0.725) as the percentage shown (Decimal('73')); `rounding` for ends.

    Remembered per value (a findings page shows the same few hundred stored figures on every
    view, and recovering each float's exact fraction was a tenth of the page's time); `typed`
    keeps 1 and 1.0 and True apart, so a yes/no value is still refused every time."""
    return _round(exact(value) * 100, places, rounding)


def _number_text(value: Decimal) -> str:
    return f"{value:,f}" if value != 0 else "0"


def percent(value: Number | None, places: int = 0, missing: str = MISSING) -> str:
    """'73%' for 29/40 (0.725); `missing` (an en dash) when there is no figure."""
    if value is None:
        return missing
    return f"{_number_text(percent_value(value, places))}%"


def interval_ends(low: Number, high: Number, places: int = 0) -> tuple[Decimal, Decimal]:
    """The ends shown, rounded outward so the printed interval contains the computed one."""
    return percent_value(low, places, "down"), percent_value(high, places, "up")


def interval(
    low: Number | None, high: Number | None, places: int = 0, missing: str = MISSING
) -> str:
    """'62–89%' for (0.624, 0.883): ends rounded outward, joined by an en dash."""
    if low is None or high is None:
        return missing
    first, last = interval_ends(low, high, places)
    return f"{_number_text(first)}–{_number_text(last)}%"


def percent_cell(value: Number | None, places: int = 0) -> float | None:
    """The fraction a workbook cell holds so that Excel's "0%" shows what the page shows."""
    if value is None:
        return None
    return float(percent_value(value, places) / 100)


def interval_cells(
    low: Number | None, high: Number | None, places: int = 0
) -> tuple[float | None, float | None]:
    """A workbook's lower and upper cells, rounded outward as the page rounds them."""
    if low is None or high is None:
        return None, None
    first, last = interval_ends(low, high, places)
    return float(first / 100), float(last / 100)


def proportion_text(successes: int, n: int, noun: str = "file", nouns: str = "files") -> str:
    """'29 of 40 files (73%)': the counts first, as readers check those first."""
    word = noun if n == 1 else nouns
    if n == 0:
        return f"0 of 0 {nouns}"
    return f"{count(successes)} of {count(n)} {word} ({percent(Fraction(successes, n))})"


@dataclass(frozen=True)
class Change:
    """A change in percentage points, rounded once from the unrounded figures.

    `points` is the change shown (Decimal, e.g. 9); `before` and `after` are the ends written to
    as many decimals (`places`) as it takes for their difference to round to `points` too.
    """

    points: Decimal
    before: str
    after: str
    places: int

    @property
    def text(self) -> str:
        """'+9 points', '−3 points', 'no change'."""
        return points(self.points)

    @property
    def explained(self) -> str:
        """'+9 points (61.4% to 70.5%)'."""
        return f"{self.text} ({self.before} to {self.after})"


def points(value: Decimal | Number, places: int = 0) -> str:
    """'+9 points', '−3 points' (a true minus sign), '0 points'; 1 point is singular."""
    shown = value if isinstance(value, Decimal) else _round(exact(value), places, "half_up")
    if shown == 0:
        return "0 points"
    sign = "+" if shown > 0 else "\u2212"
    magnitude = _number_text(abs(shown))
    return f"{sign}{magnitude} point{'' if abs(shown) == 1 else 's'}"


def change(before: Number, after: Number, places: int = 0) -> Change:
    """The change from `before` to `after` (proportions), in points, with ends that explain it."""
    difference = (exact(after) - exact(before)) * 100
    shown = _round(difference, places, "half_up")
    for extra in range(places, places + 4):
        first = percent_value(before, extra)
        last = percent_value(after, extra)
        if _round(Fraction(last - first), places, "half_up") == shown:
            break
    return Change(shown, f"{_number_text(first)}%", f"{_number_text(last)}%", extra)


def decimal(value: Number | None, places: int = 2, missing: str = MISSING) -> str:
    """'0.63' for a coefficient (kappa, AC1) or a design weight: half up on the exact value,
    as percentages are, so 0.625 reads 0.63 wherever it is shown ("%.2f" gives 0.62)."""
    if value is None:
        return missing
    shown = _round(exact(value), places, "half_up")
    return f"{shown:f}"


def count(value: int | None, missing: str = MISSING) -> str:
    """'1,234': thousands separated by commas."""
    return missing if value is None else f"{value:,}"


DateStyle = Literal["long", "short"]


def _local(value: dt.datetime) -> dt.datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(LONDON)


def local_date(value: dt.datetime) -> dt.date:
    """The day a moment falls on in Europe/London (naive means UTC), for a date cell."""
    return _local(value).date()


def date(value: dt.date | dt.datetime | None, style: DateStyle = "long", missing: str = "") -> str:
    """'3 December 2026' ('3 Dec 2026' short); a datetime is taken to its London date first."""
    if value is None:
        return missing
    day = _local(value).date() if isinstance(value, dt.datetime) else value
    month_name = "%b" if style == "short" else "%B"
    return f"{day.day} {day.strftime(month_name)} {day.year}"


def datetime(value: dt.datetime | None, seconds: bool = False, missing: str = "") -> str:
    """'3 Dec 2026 14:05' in Europe/London (British Summer Time included)."""
    if value is None:
        return missing
    local = _local(value)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{date(local.date(), 'short')} {clock}"


def month(value: dt.date) -> str:
    """'Dec 2026'."""
    return f"{value.strftime('%b')} {value.year}"
