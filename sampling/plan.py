"""Planning a dip sample, before anything is drawn: the cases in scope, the size, the allocation.

Pure: the services read the frame's rows and store the programme; everything between (which
cases the filters keep, each stratum's size, the sample size worked out, the allocation and the
notes a manager should read about it) is here, so the web, the command line and the re-check of
a stored sample plan alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from problems import Problem
from sampling import sizes
from sampling.allocation import Allocation, AllocationProblem, Stratum, allocate
from sampling.design import SampleDesign, keeps, stratum_label, stratum_of
from sampling.records import CaseRow


class PlanProblem(Problem):
    """A design cannot be planned (or a programme drawn or changed) as asked; the message says
    why. The services know it as ProgrammeProblem."""


Key = tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """The cases a design's filters keep and its strata, before any sample size or allocation.

    Only the frame, the filters and the stratification fields go into it, so the same scope
    serves any design that shares them (for example once the expected compliance per stratum
    has been read, which needs the strata first).
    """

    frame_id: int
    design: SampleDesign
    frame_size: int
    rows: list[tuple[int, CaseRow]]  # (case_record id, row) after the filters
    sizes: dict[Key, int]  # N_h of every stratum with cases, in key order

    @property
    def keys(self) -> list[Key]:
        return list(self.sizes)

    def serves(self, frame_id: int, design: SampleDesign) -> bool:
        return (
            self.frame_id == frame_id
            and self.design.strata == design.strata
            and self.design.categories == design.categories
            and self.design.dates == design.dates
        )


def _folded(p: float) -> float:
    """The smaller of p and 1 - p, worked in exact decimals: the same spread sqrt(p(1 - p)).

    Given to the allocation so that mirror-image figures (30% and 70%) give exactly equal
    spreads, and so exactly the proportional shares, not shares a rounding error apart that
    could break a tie in the largest-remainder rounding the other way.
    """
    exact = Decimal(repr(p))
    return float(min(exact, 1 - exact))


def percent_text(share: float) -> str:
    """0.9 -> '90%', 0.125 -> '12.5%' (to two decimal places, without trailing zeros)."""
    return f"{round(share * 100, 2):g}%"


@dataclass(frozen=True)
class Plan:
    """Everything shown before drawing: who is in scope, the size worked out, the allocation."""

    design: SampleDesign
    frame_size: int
    rows: list[tuple[int, CaseRow]]  # (case_record id, row) after the filters
    size: sizes.SampleSize
    allocation: Allocation
    # With Neyman: the expected compliance each stratum's allocation used, and the strata
    # that had none given and so used the overall expected percentage (design.size.expected).
    expected: dict[Key, float] = field(default_factory=dict)
    defaulted: tuple[Key, ...] = ()

    def labelled(self) -> list[tuple[str, int, int, float, float | None]]:
        return [
            (stratum_label(self.design, line.key), line.population, line.sample, line.fraction,
             line.weight)
            for line in self.allocation
        ]  # fmt: skip

    def expected_text(self, key: Key) -> str | None:
        """'90%', or '50% (default)' for a stratum that used the overall figure; None if unused."""
        if key not in self.expected:
            return None
        shown = percent_text(self.expected[key])
        return f"{shown} (default)" if key in self.defaulted else shown

    def table_rows(self) -> list[tuple[str, int, int, float, float | None, str | None]]:
        """The labelled rows plus the expected compliance (None when Neyman is not used)."""
        return [
            (*row, self.expected_text(line.key))
            for row, line in zip(self.labelled(), self.allocation, strict=True)
        ]

    @property
    def notes(self) -> list[str]:
        """The allocation's notes, then what the manager should know about the Neyman inputs."""
        notes = list(self.allocation.notes)
        if not self.expected:
            return notes
        default = percent_text(self.design.size.expected)
        if self.defaulted and len(self.defaulted) == len(self.expected):
            notes.append(
                "No expected compliance was given for any stratum, so every stratum uses the "
                f"overall expected percentage ({default})."
            )
        elif self.defaulted:
            count = len(self.defaulted)
            listed = "; ".join(stratum_label(self.design, key) for key in self.defaulted)
            notes.append(
                f"No expected compliance was given for {count} "
                f"{'stratum' if count == 1 else 'strata'}, so "
                f"{'it uses' if count == 1 else 'they use'} the overall expected percentage "
                f"({default}): {listed}."
            )
        values = set(self.expected.values())
        if len(self.expected) > 1:
            if len(values) == 1:
                notes.append(
                    f"Every stratum has the same expected compliance ({percent_text(*values)}), "
                    "so Neyman allocation gives the same shares as proportional allocation."
                )
            elif len({_folded(p) for p in values}) == 1:
                shown = " and ".join(percent_text(p) for p in sorted(values))
                notes.append(
                    f"The expected compliance figures ({shown}) are equally far from 50%, so "
                    "results vary as much in every stratum and Neyman allocation gives the same "
                    "shares as proportional allocation."
                )
        return notes


def uses_neyman(design: SampleDesign) -> bool:
    """Whether the allocation is Neyman (a fixed number per stratum shares equally instead)."""
    return design.allocation == "neyman" and design.size.method != "per_stratum"


def size_of(design: SampleDesign, population: int, strata: list[Stratum]) -> sizes.SampleSize:
    rule = design.size
    try:
        if rule.method == "margin":
            if rule.margin is None:
                raise PlanProblem("Enter the margin of error, for example 0.05 for ±5%.")
            return sizes.for_proportion(rule.margin, rule.confidence, rule.expected, population)
        if rule.method == "discovery":
            if rule.tolerable is None:
                raise PlanProblem("Enter the tolerable rate, for example 0.05 for 5%.")
            return sizes.discovery(rule.tolerable, rule.confidence, rule.max_failures, population)
        if rule.method == "percent":
            if rule.percent is None:
                raise PlanProblem("Enter the percentage of the list to audit.")
            return sizes.percentage_of(population, rule.percent)
        if rule.method == "per_stratum":
            if not rule.per_stratum:
                raise PlanProblem("Enter how many files to take from each stratum.")
            return sizes.per_stratum(rule.per_stratum, [s.size for s in strata])
    except ValueError as exc:
        if isinstance(exc, PlanProblem):
            raise
        raise PlanProblem(str(exc)) from exc
    if not rule.n or rule.n < 1:
        raise PlanProblem("Enter how many files to sample (a whole number above 0).")
    return sizes.fixed(rule.n)


def scope_of(frame_id: int, rows: list[tuple[int, CaseRow]], design: SampleDesign) -> Scope:
    """The scope of (id, row) pairs: of a stored frame, or of a case list read from a file."""
    kept = [(record_id, row) for record_id, row in rows if keeps(design, row)]
    if not kept:
        raise PlanProblem("No cases on the list match the filters: widen them.")
    counts = Counter(stratum_of(design, row) for _, row in kept)
    return Scope(frame_id, design, len(rows), kept, dict(sorted(counts.items())))


def _expectations(design: SampleDesign, keys: list[Key]) -> tuple[dict[Key, float], list[Key]]:
    """Each stratum's expected compliance for Neyman, and the strata that used the default."""
    given = {e.key: e.expected for e in design.stratum_expected}
    for key in given:
        if key not in keys:
            raise PlanProblem(
                f"Stratum '{stratum_label(design, key)}' has an expected compliance but no cases "
                "in scope: take it out, or change the filters."
            )
    defaulted = [key for key in keys if key not in given]
    if defaulted and not 0 <= design.size.expected <= 1:  # Also refuses NaN.
        raise PlanProblem(
            "The expected percentage meeting the standard must be between 0% and 100%: it is "
            "used for the strata with no expected compliance of their own."
        )
    return {key: given.get(key, design.size.expected) for key in keys}, defaulted


def plan_of(scoped: Scope, design: SampleDesign) -> Plan:
    """The size and allocation of the design on the cases in scope (`scoped.serves(design)`)."""
    expected: dict[Key, float] = {}
    defaulted: list[Key] = []
    if uses_neyman(design):
        expected, defaulted = _expectations(design, scoped.keys)
    strata = [
        Stratum(key, size, _folded(expected[key]) if key in expected else None)
        for key, size in scoped.sizes.items()
    ]
    size = size_of(design, len(scoped.rows), strata)
    try:
        if design.size.method == "per_stratum":
            # Each stratum's minimum is the fixed number, so every stratum gets exactly that
            # (or all of it when smaller) and the total is their sum.
            each = design.size.per_stratum or 0
            allocation = allocate(strata, size.n, "equal", minimum=each)
        else:
            allocation = allocate(strata, size.n, design.allocation, design.minimum)
    except AllocationProblem as exc:
        raise PlanProblem(str(exc)) from exc
    return Plan(
        design, scoped.frame_size, scoped.rows, size, allocation, expected, tuple(defaulted)
    )


def allocation_record(planned: Plan) -> list[dict[str, Any]]:
    """The allocation as a programme stores it: one line per stratum, JSON-friendly."""
    design = planned.design
    return [
        {
            "stratum": stratum_label(design, line.key),
            "key": list(line.key),
            "population": line.population,
            "sample": line.sample,
            "fraction": line.fraction,
            "weight": line.weight,
            # With Neyman, what the share used: kept so the record shows it.
            **(
                {
                    "expected": planned.expected[line.key],
                    "expected_default": line.key in planned.defaulted,
                }
                if line.key in planned.expected
                else {}
            ),
        }
        for line in planned.allocation
    ]
