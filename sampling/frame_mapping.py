"""Which column of a file holds which field: headings compared loosely, and the age bands."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sampling.fields import FIELDS

__all__ = ["AGE_BANDS", "age_band_at", "guess_mapping", "normalise_header"]

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1", 0, 0),
    ("1-4", 1, 4),
    ("5-9", 5, 9),
    ("10-15", 10, 15),
    ("16-17", 16, 17),
    ("18+", 18, 200),
)
_BAND_BY_AGE = {age: band for band, low, high in AGE_BANDS for age in range(low, high + 1)}
_NOT_WORD = re.compile(r"[\W_]+")
_EXACT_OWNER = {  # normalised spelling -> the field it belongs to (the first field wins)
    _NOT_WORD.sub("", alias.casefold()): spec.name
    for spec in reversed(list(FIELDS.values()))
    for alias in spec.aliases
}


def normalise_header(text: str) -> str:
    """Compare headings ignoring case, spaces, punctuation and underscores."""
    return _NOT_WORD.sub("", text.casefold())


def guess_mapping(headers: Sequence[str]) -> dict[str, str | None]:
    """Guess which column holds each field; a column is never given to two fields.

    An exact match (after normalising) on any known spelling wins; otherwise a heading that
    contains a long spelling ("Child's legal status") is taken, the shortest such heading first.
    """
    keys = [normalise_header(h) for h in headers]
    used: set[int] = set()
    mapping: dict[str, str | None] = dict.fromkeys(FIELDS)
    for spec in FIELDS.values():
        for alias in (spec.name, *spec.aliases):
            wanted = normalise_header(alias)
            index = next((i for i, k in enumerate(keys) if k == wanted and i not in used), None)
            if index is not None:
                mapping[spec.name] = headers[index]
                used.add(index)
                break
    for spec in FIELDS.values():
        if mapping[spec.name] is not None:
            continue
        aliases = [a for a in map(normalise_header, spec.aliases) if len(a) >= 6]
        candidates = [
            i
            for i, key in enumerate(keys)
            if i not in used
            and any(a in key for a in aliases)
            and (spec.kind == "date" or "date" not in key)
            and _EXACT_OWNER.get(key, spec.name) == spec.name  # "Worker team" is a team
        ]
        if candidates:
            index = min(candidates, key=lambda i: len(keys[i]))
            mapping[spec.name] = headers[index]
            used.add(index)
    return mapping


def age_band_at(date_of_birth: date, as_at: date) -> str | None:
    """The child's age band on the list's date; None when the birth date is after it."""
    age = as_at.year - date_of_birth.year
    if (as_at.month, as_at.day) < (date_of_birth.month, date_of_birth.day):
        age -= 1
    return _BAND_BY_AGE.get(age, "18+" if age > 17 else None)
