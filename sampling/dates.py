"""Read dates the way they appear in English case-management exports, never guessing month-first.

Accepted forms (day always before month, as in every UK export):

- `03/04/2025`, `3/4/25`, `03-04-2025`, `03.04.2025`, each optionally followed by a time
  (`03/04/2025 00:00`), which is what Excel writes when it saves a date column as CSV;
- `3 Apr 2025`, `03-Apr-2025`, `3 April 2025`, `3rd April 25`;
- ISO `2025-04-03`, also with a time (`2025-04-03 00:00:00`, `2025-04-03T00:00:00Z`);
- Excel serial numbers (1900 date system), as numbers or as text: 45750 is 3 April 2025;
- `date` and `datetime` objects, as openpyxl returns date cells.

Two-digit years: 00-69 are read as 2000-2069 and 70-99 as 1970-1999, the rule Excel uses, so
a file read here and opened in Excel shows the same dates.

Excel serials are only accepted from 10000 (18 May 1927) to 73415 (31 December 2100). Every
date on a child's case falls well inside that, while a short number in a date column is far
more likely to be a year or a slip (`2015` read as a serial would be 8 July 1905).

`yyyy/mm/dd` is refused: nothing in UK exports writes it, and accepting slashes with the year
first invites the reverse guess (`2025/13/01`) we refuse to make.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from problems import Problem

__all__ = ["DateProblem", "format_date", "parse_date", "parse_date_text"]

EXCEL_EPOCH = date(
    1899, 12, 30
)  # Serial 1 is 1 Jan 1900; Excel's phantom 29 Feb 1900 sits below 61.
FIRST_SERIAL = 10_000
LAST_SERIAL = 73_415
EXAMPLE = "31/01/2025"

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_NAMED = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?[ /-]+([A-Za-z]{3,9})\.?,?[ /-]+(\d{4}|\d{2})" + _TIME
)
_SERIAL = re.compile(r"\d+(?:\.\d+)?")
_YEAR_ONLY = re.compile(r"(19|20)\d\d")

MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_MONTHS = {name.lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTHS |= {name[:3]: number for name, number in list(_MONTHS.items())} | {"sept": 9}


class DateProblem(Problem):
    """A value in a date column that cannot be read; the message is shown to a manager as is."""


def format_date(day: date) -> str:
    """Write a date so no reader can take it month-first: `3 Apr 2025`."""
    return (
        f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"  # Not %b: it follows the locale.
    )


def parse_date(value: object) -> date | None:
    """Read one cell of a date column; None when it is blank. Raises DateProblem otherwise."""
    if isinstance(value, str):
        return parse_date_text(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):  # bool is an int: TRUE in a date column is not serial 1.
        raise DateProblem(f"'{value}' is not a date: use {EXAMPLE}")
    if isinstance(value, int | float):
        return _from_serial(float(value), _show(value))
    raise DateProblem(f"'{_show(value)}' is not a date: use {EXAMPLE}")


def parse_date_text(text: str) -> date | None:
    """Read a date written as text; cached because exports repeat the same few thousand dates."""
    outcome = _parse_text_cached(text)
    if isinstance(outcome, str):
        raise DateProblem(outcome)
    return outcome


@lru_cache(maxsize=65_536)
def _parse_text_cached(text: str) -> date | str | None:
    """Return the date, None for blank, or the problem as text (lru_cache does not keep raises)."""
    try:
        return _parse_text(text.strip())
    except DateProblem as problem:
        return str(problem)


def _parse_text(text: str) -> date | None:
    if not text:
        return None
    match = _DMY.fullmatch(text)
    if match:
        return _real(text, _year(match[4]), int(match[3]), int(match[1]))
    match = _ISO.fullmatch(text)
    if match:
        return _real(text, int(match[1]), int(match[2]), int(match[3]))
    match = _NAMED.fullmatch(text)
    if match:
        month = _MONTHS.get(match[2].lower())
        if month is not None:
            return _real(text, _year(match[3]), month, int(match[1]))
    elif _SERIAL.fullmatch(text):
        return _from_serial(float(text), text)
    raise DateProblem(f"'{_show(text)}' is not a date in a form we recognise: use {EXAMPLE}")


def _year(digits: str) -> int:
    if len(digits) == 4:
        return int(digits)
    two = int(digits)
    return 2000 + two if two < 70 else 1900 + two


def _real(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"'{_show(text)}' is not a real date") from None


def _from_serial(number: float, shown: str) -> date:
    if _YEAR_ONLY.fullmatch(shown):
        raise DateProblem(f"'{shown}' looks like a year, not a whole date: use {EXAMPLE}")
    if not math.isfinite(number) or not FIRST_SERIAL <= number < LAST_SERIAL + 1:
        raise DateProblem(
            f"'{shown}' is not a date in a form we recognise: use {EXAMPLE}"
            " (as a spreadsheet date number it would fall before 1927 or after 2100)"
        )
    return EXCEL_EPOCH + timedelta(days=int(number))


def _show(value: object) -> str:
    """Quote a bad value in a message without pasting a whole paragraph into it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
