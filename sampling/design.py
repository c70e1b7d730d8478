"""A sample design as data: filters, strata and the size rule, stored with each programme.

The design plus the seed plus the frame's fingerprint is everything needed to draw the
same sample again, so it is a plain, JSON-friendly value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from problems import Problem
from sampling.draw import Coordination, Numbers

# The fields a design may filter or stratify on: the field catalogue's (re-exported here).
from sampling.fields import CATEGORY_FIELDS as CATEGORY_FIELDS
from sampling.fields import DATE_FIELDS as DATE_FIELDS
from sampling.records import CaseRow

NOT_RECORDED = "(not recorded)"
MAX_STRATA_FIELDS = 3

SizeMethod = Literal["fixed", "margin", "discovery", "percent", "per_stratum"]
AllocationMethod = Literal["proportional", "equal", "neyman"]
DrawMethod = Literal["prn", "systematic"]
COORDINATION_TEXT: dict[str, str] = {
    "independent": "None: the children of earlier rounds are as likely to be drawn as any other",
    "negative": "Negative: children audited in the earlier round are drawn only when a stratum "
    "has no one else left",
    "positive": "Positive: children audited in the earlier round are re-audited first",
}


class DesignProblem(Problem):
    """The design cannot be used as it stands; the message says what to change."""


@dataclass(frozen=True)
class CategoryFilter:
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class DateFilter:
    field: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class SizeRule:
    method: SizeMethod = "fixed"
    n: int | None = None
    margin: float | None = None
    confidence: float = 0.95
    expected: float = 0.5
    tolerable: float | None = None
    max_failures: int = 0
    percent: float | None = None
    per_stratum: int | None = None


@dataclass(frozen=True)
class StratumExpectation:
    """The proportion expected to meet the standard in one stratum, given for Neyman allocation.

    `key` has one value per stratification field, as `stratum_of` gives it. Strata without one
    use the design's overall `size.expected`, so the stored design alone fixes the allocation.
    """

    key: tuple[str, ...]
    expected: float


@dataclass(frozen=True)
class StratumReserves:
    """Reserves drawn in one stratum beyond the design's `reserves` (to make up a shortfall)."""

    key: tuple[str, ...]
    extra: int


@dataclass(frozen=True)
class SampleDesign:
    strata: tuple[str, ...] = ()
    categories: tuple[CategoryFilter, ...] = ()
    dates: tuple[DateFilter, ...] = ()
    size: SizeRule = field(default_factory=SizeRule)
    allocation: AllocationMethod = "proportional"
    minimum: int = 2
    reserves: int = 2
    method: DrawMethod = "prn"
    exclude_audited_months: int | None = 12
    stratum_expected: tuple[StratumExpectation, ...] = ()
    # How each case's random number is made: "keyed" permanent random numbers (sampling.prn)
    # for every new design; "seeded" for samples drawn before them (the design had no entry).
    numbers: Numbers = "keyed"
    coordination: Coordination = "independent"
    coordinate_with: int | None = None  # The earlier programme coordinated with.
    extra_reserves: tuple[StratumReserves, ...] = ()

    def __post_init__(self) -> None:
        if len(self.strata) > MAX_STRATA_FIELDS:
            raise DesignProblem(f"Stratify on at most {MAX_STRATA_FIELDS} fields.")
        if len(set(self.strata)) != len(self.strata):
            raise DesignProblem("Each stratification field can be chosen once.")
        for name in self.strata:
            if name not in CATEGORY_FIELDS:
                raise DesignProblem(f"'{name}' cannot be used to stratify.")
        for category in self.categories:
            if category.field not in CATEGORY_FIELDS:
                raise DesignProblem(f"'{category.field}' cannot be used to filter.")
            if not category.values:
                raise DesignProblem(f"Choose at least one value of {category.field} to keep.")
        for dates in self.dates:
            if dates.field not in DATE_FIELDS:
                raise DesignProblem(f"'{dates.field}' is not a date field.")
            if dates.start and dates.end and dates.start > dates.end:
                raise DesignProblem(f"The {DATE_FIELDS[dates.field]} range ends before it starts.")
        if self.minimum < 0 or self.reserves < 0:
            raise DesignProblem("The minimum per stratum and the reserves cannot be negative.")
        if self.numbers not in ("keyed", "seeded"):
            raise DesignProblem(f"Unknown random-number scheme '{self.numbers}'.")
        if self.coordination not in COORDINATION_TEXT:
            raise DesignProblem(
                f"Unknown coordination '{self.coordination}': choose independent, negative or "
                "positive."
            )
        if self.coordination != "independent":
            if self.coordinate_with is None:
                raise DesignProblem("Choose the earlier programme to coordinate with.")
            if self.method != "prn":
                raise DesignProblem(
                    "Coordination with an earlier round works with the random-number method, "
                    "not a systematic draw."
                )
        if any(r.extra < 0 for r in self.extra_reserves):
            raise DesignProblem("Extra reserves cannot be negative.")
        seen: set[tuple[str, ...]] = set()
        for given in self.stratum_expected:
            if len(given.key) != len(self.strata):
                raise DesignProblem(
                    f"The expected compliance for {' / '.join(given.key) or 'the whole frame'} "
                    "does not name one value for each stratification field."
                )
            label = stratum_label(self, given.key)
            if given.key in seen:
                raise DesignProblem(f"The expected compliance for {label} is given twice.")
            seen.add(given.key)
            if not (math.isfinite(given.expected) and 0 <= given.expected <= 1):
                raise DesignProblem(
                    f"The expected compliance for {label} must be between 0% and 100%."
                )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry in data["dates"]:
            for key in ("start", "end"):
                entry[key] = entry[key].isoformat() if entry[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SampleDesign:
        return cls(
            strata=tuple(data.get("strata", ())),
            categories=tuple(
                CategoryFilter(c["field"], tuple(c["values"])) for c in data.get("categories", ())
            ),
            dates=tuple(
                DateFilter(
                    d["field"],
                    date.fromisoformat(d["start"]) if d.get("start") else None,
                    date.fromisoformat(d["end"]) if d.get("end") else None,
                )
                for d in data.get("dates", ())
            ),
            size=SizeRule(**data.get("size", {})),
            allocation=data.get("allocation", "proportional"),
            minimum=int(data.get("minimum", 2)),
            reserves=int(data.get("reserves", 2)),
            method=data.get("method", "prn"),
            exclude_audited_months=data.get("exclude_audited_months", 12),
            stratum_expected=tuple(
                StratumExpectation(tuple(e["key"]), float(e["expected"]))
                for e in data.get("stratum_expected", ())
            ),
            # A design stored before permanent random numbers was drawn with seeded numbers.
            numbers=data.get("numbers", "seeded"),
            coordination=data.get("coordination", "independent"),
            coordinate_with=data.get("coordinate_with"),
            extra_reserves=tuple(
                StratumReserves(tuple(e["key"]), int(e["extra"]))
                for e in data.get("extra_reserves", ())
            ),
        )

    def reserves_in(self, key: tuple[str, ...]) -> int:
        """The reserves drawn in one stratum: the design's number plus any drawn later."""
        return self.reserves + sum(r.extra for r in self.extra_reserves if r.key == key)


def category_value(row: CaseRow, name: str) -> str:
    value = getattr(row, name)
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def keeps(design: SampleDesign, row: CaseRow) -> bool:
    """Whether the row passes every filter of the design."""
    for category in design.categories:
        if category_value(row, category.field) not in category.values:
            return False
    for dates in design.dates:
        value = getattr(row, dates.field)
        if value is None:
            return False
        if (dates.start and value < dates.start) or (dates.end and value > dates.end):
            return False
    return True


def stratum_of(design: SampleDesign, row: CaseRow) -> tuple[str, ...]:
    return tuple(category_value(row, name) for name in design.strata)


def stratum_label(design: SampleDesign, key: tuple[str, ...]) -> str:
    """'Team: North · Legal status: Full care order', or 'Whole frame' when unstratified."""
    if not design.strata:
        return "Whole frame"
    return " · ".join(
        f"{CATEGORY_FIELDS[name]}: {value}" for name, value in zip(design.strata, key, strict=True)
    )
