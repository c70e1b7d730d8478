"""A sample design from its options as people write them: the web form's and the command line's.

`design_from_options` is the one place options become a `SampleDesign`; the readers below turn
the command line's text (`--filter team=North`, `--margin 5%`) and the expected compliance
per stratum ('North × Full care order: 70%') into its parts. Every problem is a
`DesignProblem` whose message a manager understands; `OptionProblem` also names the option
(its `field`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import get_args

from sampling.design import (
    CATEGORY_FIELDS,
    DATE_FIELDS,
    AllocationMethod,
    CategoryFilter,
    DateFilter,
    DesignProblem,
    DrawMethod,
    SampleDesign,
    SizeRule,
    StratumExpectation,
    stratum_label,
)
from sampling.draw import Coordination, Numbers

Key = tuple[str, ...]


class OptionProblem(DesignProblem):
    """An option cannot be read. `field` names it ('--filter'); `usage` marks options that
    cannot go together (or a missing choice) rather than one badly written value."""

    def __init__(self, message: str, option: str | None = None, *, usage: bool = False) -> None:
        super().__init__(message, field=option)
        self.usage = usage


class ExpectationProblem(DesignProblem):
    """A line of the expected compliance per stratum cannot be used; the message says which."""


# ---- The design from its options --------------------------------------------------------------


@dataclass(frozen=True)
class DesignOptions:
    """A design's options once read, before they are checked together as a design."""

    strata: tuple[str, ...] = ()
    categories: tuple[CategoryFilter, ...] = ()
    dates: tuple[DateFilter, ...] = ()
    size: SizeRule = field(default_factory=SizeRule)
    allocation: str = "proportional"
    minimum: int | None = None  # None: the default, 2
    reserves: int | None = None  # None: the default, 2
    method: str = "prn"
    exclude_audited_months: int | None = 12
    numbers: str = "keyed"
    coordination: str = "independent"
    coordinate_with: int | None = None


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise DesignProblem(f"Unknown {what} '{value}': choose {', '.join(allowed)}.")
    return value


def design_from_options(options: DesignOptions) -> SampleDesign:
    """The design the options describe; raises DesignProblem saying what to change."""
    allocation: AllocationMethod = _choice(  # type: ignore[assignment]
        options.allocation, get_args(AllocationMethod), "allocation"
    )
    method: DrawMethod = _choice(  # type: ignore[assignment]
        options.method, get_args(DrawMethod), "selection method"
    )
    # SampleDesign names the unknown scheme or coordination itself.
    numbers: Numbers = options.numbers  # type: ignore[assignment]
    coordination: Coordination = options.coordination  # type: ignore[assignment]
    return SampleDesign(
        strata=options.strata,
        categories=options.categories,
        dates=options.dates,
        size=options.size,
        allocation=allocation,
        minimum=2 if options.minimum is None else options.minimum,
        reserves=2 if options.reserves is None else options.reserves,
        method=method,
        exclude_audited_months=options.exclude_audited_months,
        numbers=numbers,
        coordination=coordination,
        coordinate_with=options.coordinate_with,
    )


# ---- Numbers and shares -----------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def read_proportion(value: str) -> Decimal | None:
    """'70%' and '70' -> 0.7, '0.7' -> 0.7 (a number below 1 with a decimal point is a
    proportion); None if it is not a number. The range is checked by the caller."""
    text = value.strip()
    percent = text.endswith("%")
    number = text.removesuffix("%").strip()
    if not _NUMBER.fullmatch(number):
        return None
    try:
        amount = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None
    if not percent and "." in number and 0 <= amount <= 1:
        return amount
    return amount / 100


def share_from_text(text: str, option: str) -> float:
    """'5%', '5' or '0.05' as 0.05 (the web form's reading); a clear error for anything else."""
    found = read_proportion(text)
    if found is None or not 0 <= found <= 1:
        raise OptionProblem(f"{option} must be a percentage such as 5, 5% or 0.05, not '{text}'.")
    return float(found)


# ---- The command line's options ---------------------------------------------------------------


def strata_from_text(text: str) -> tuple[str, ...]:
    """--strata team,legal_status: the fields in the order given (blanks left out)."""
    return tuple(s.strip() for s in text.split(",") if s.strip())


def filters_from_text(given: Sequence[str]) -> tuple[CategoryFilter, ...]:
    """--filter FIELD=VALUE, repeated: the values kept for each field, in the order given."""
    kept: dict[str, list[str]] = {}
    for item in given:
        name, equals, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise OptionProblem(
                f"'{item}' is not FIELD=VALUE, for example --filter legal_status=C2.", "--filter"
            )
        if name not in CATEGORY_FIELDS:
            raise OptionProblem(
                f"'{name}' cannot be filtered on; use one of {', '.join(CATEGORY_FIELDS)}.",
                "--filter",
            )
        kept.setdefault(name, [])
        if value not in kept[name]:
            kept[name].append(value)
    return tuple(CategoryFilter(name, tuple(values)) for name, values in kept.items())


def date_ranges_from_text(given: Sequence[str]) -> tuple[DateFilter, ...]:
    """--between FIELD=START..END, repeated (either end may be left out: FIELD=..END)."""
    ranges = []
    for item in given:
        name, equals, span = item.partition("=")
        start, dots, end = span.partition("..")
        name = name.strip()
        if not equals or not dots or not (start.strip() or end.strip()):
            raise OptionProblem(
                f"'{item}' is not FIELD=START..END, for example "
                "--between became_looked_after=2025-04-01..2026-03-31.",
                "--between",
            )
        if name not in DATE_FIELDS:
            raise OptionProblem(
                f"'{name}' is not a date field; use one of {', '.join(DATE_FIELDS)}.", "--between"
            )
        try:
            first = date.fromisoformat(start.strip()) if start.strip() else None
            last = date.fromisoformat(end.strip()) if end.strip() else None
        except ValueError:
            raise OptionProblem(f"'{item}': write the dates as YYYY-MM-DD.", "--between") from None
        ranges.append(DateFilter(name, first, last))
    return tuple(ranges)


@dataclass(frozen=True)
class SizeOptions:
    """The command line's ways of giving the sample size: exactly one of the first five."""

    n: int | None = None
    margin: str | None = None
    discovery: str | None = None
    percent: float | None = None
    per_stratum: int | None = None
    max_failures: int = 0
    confidence: str = "95%"
    expected: str = "50%"


def size_rule_from_options(given: SizeOptions) -> SizeRule:
    """The size rule of --n, --margin, --discovery, --percent or --per-stratum (one of them)."""
    chosen = [
        name
        for name, value in (
            ("--n", given.n),
            ("--margin", given.margin),
            ("--discovery", given.discovery),
            ("--percent", given.percent),
            ("--per-stratum", given.per_stratum),
        )
        if value is not None
    ]
    if len(chosen) != 1:
        raise OptionProblem(
            "Give the sample size one way: --n (a number of files), --margin (margin of error "
            "for a proportion), --discovery (a tolerable non-compliance rate), --percent (of "
            "the filtered frame) or --per-stratum (files in each stratum)"
            + (f"; you gave {' and '.join(chosen)}." if chosen else "."),
            usage=True,
        )
    level = share_from_text(given.confidence, "--confidence")
    share = share_from_text(given.expected, "--expected")
    if given.margin is not None:
        return SizeRule(
            method="margin",
            margin=share_from_text(given.margin, "--margin"),
            confidence=level,
            expected=share,
        )
    if given.discovery is not None:
        return SizeRule(
            method="discovery",
            tolerable=share_from_text(given.discovery, "--discovery"),
            max_failures=given.max_failures,
            confidence=level,
        )
    if given.percent is not None:
        return SizeRule(method="percent", percent=given.percent)
    if given.per_stratum is not None:
        return SizeRule(method="per_stratum", per_stratum=given.per_stratum)
    return SizeRule(method="fixed", n=given.n)


# ---- Expected compliance per stratum, for Neyman ----------------------------------------------


def stratum_name(key: Key) -> str:
    """How a stratum is written in the expected-compliance box: 'North × Full care order'."""
    return " × ".join(key) if key else "Whole frame"


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _names(design: SampleDesign, keys: Sequence[Key]) -> dict[str, Key | None]:
    """Every way of writing each stratum (folded), to its key; None when two strata share one."""
    names: dict[str, Key | None] = {}
    for key in keys:
        spellings = {
            stratum_name(key),
            " / ".join(key),
            " x ".join(key),
            stratum_label(design, key),
        }
        for spelling in spellings:
            folded = _fold(spelling)
            if folded:
                names[folded] = key if names.get(folded, key) == key else None
    return names


def expectations_from(
    text: str, design: SampleDesign, keys: Sequence[Key]
) -> tuple[StratumExpectation, ...]:
    """Read 'stratum: 70%' lines into expectations for the strata in `keys` (in key order).

    A stratum may be written as in the box ('North × Full care order'), with ' / ' between the
    values, or as in the allocation table ('Team: North · Legal status: Full care order'); case
    and spacing do not matter. Blank lines, and lines whose value is blank, give nothing (a
    stratum left blank uses the overall expected percentage). Raises ExpectationProblem, naming
    the stratum and the value, for anything else that cannot be used.
    """
    names = _names(design, keys)
    given: dict[Key, tuple[Decimal, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.rpartition(":")
        name = name.strip()
        if not colon or not name:
            raise ExpectationProblem(
                f"Line {number} of the expected compliance ('{line.strip()}') is not written "
                f"as 'stratum: expected compliance', for example "
                f"'{stratum_name(keys[0]) if keys else 'Whole frame'}: 70%'."
            )
        value = value.strip()
        folded = _fold(name)
        if folded not in names:
            if not value:
                continue  # A stratum no longer in the design, with nothing given: no loss.
            shown = "; ".join(stratum_name(key) for key in keys)
            raise ExpectationProblem(
                f"There is no stratum '{name}' in this design, so its expected compliance "
                f"('{value}') cannot be used. The strata are: {shown}."
            )
        key = names[folded]
        if key is None:
            raise ExpectationProblem(
                f"'{name}' could be more than one stratum: write it as in the allocation table."
            )
        if not value:
            continue
        given.setdefault(key, (_expected(key, value, given, number), number))
    return tuple(StratumExpectation(key, float(given[key][0])) for key in keys if key in given)


def _expected(key: Key, value: str, given: dict[Key, tuple[Decimal, int]], line: int) -> Decimal:
    """One stratum's value read and checked (and against the same stratum given earlier)."""
    label = stratum_name(key)
    proportion = read_proportion(value)
    if proportion is None:
        raise ExpectationProblem(
            f"Stratum '{label}': expected compliance must be a percentage such as 70, 70% "
            f"or 0.7, not '{value}'."
        )
    if not 0 <= proportion <= 1:
        raise ExpectationProblem(
            f"Stratum '{label}': expected compliance must be between 0% and 100%, not '{value}'."
        )
    if key in given and given[key][0] != proportion:
        raise ExpectationProblem(
            f"Stratum '{label}' is given twice with different expected compliance "
            f"(lines {given[key][1]} and {line}): keep one."
        )
    return proportion


def expectations_text(design: SampleDesign, keys: Sequence[Key]) -> str:
    """The box filled in: one line per stratum, with its value if one was given, else blank."""
    given = {e.key: e.expected for e in design.stratum_expected}
    lines = []
    for key in keys:
        value = f"{round(given[key] * 100, 2):g}%" if key in given else ""
        lines.append(f"{stratum_name(key)}: {value}".rstrip())
    return "\n".join(lines)
