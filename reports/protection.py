"""Secondary (complementary) cell suppression by a linear-programming protection check.

The method is the one tau-ARGUS calls the "optimal"/"modular" family (Fischetti and Salazar's
audit of a suppression pattern), in its simplest greedy form:

1. The primary cells (rows of a table) are the ones the threshold rule suppresses.
2. An intruder who knows everything published about the table writes it as a linear programme:
   one variable per hidden count, the published totals as equalities, the published rounded
   percentages as inequalities, and what anyone knows of the data (a listed group has at
   least one file; met answers never exceed answered ones; a file answers at most Q scored
   questions). For every hidden count `scipy.optimize.linprog` finds the smallest and largest
   value consistent with all of it (the suppression interval).
3. The pattern is safe when every interval holds at least two whole counts. While it is not,
   the published row with the fewest files is suppressed too (the cheapest complement) and
   the audit runs again. When every row is hidden and it is still not safe, the table is
   withheld whole.

Each table type here says what its intruder knows (`_Model`); totals are always published
(they are whole-programme figures, themselves under the threshold rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

_EPS = 1e-7


@dataclass(frozen=True)
class LinearProgramme:
    """Everything published about one table, as linear constraints on its cells."""

    variables: int
    a_ub: list[list[float]]
    b_ub: list[float]
    a_eq: list[list[float]]
    b_eq: list[float]
    bounds: list[tuple[float, float | None]]
    also_check: tuple[int, ...] = ()  # further hidden cells (of a linked table) to protect


def interval(lp: LinearProgramme, variable: int) -> tuple[float, float]:
    """The smallest and largest value of one cell consistent with everything published."""
    from scipy.optimize import linprog  # when first used: 62 MB and over a second to import

    ends = []
    for sign in (1.0, -1.0):
        objective = np.zeros(lp.variables)
        objective[variable] = sign
        found = linprog(
            objective,
            A_ub=np.array(lp.a_ub) if lp.a_ub else None,
            b_ub=np.array(lp.b_ub) if lp.b_ub else None,
            A_eq=np.array(lp.a_eq) if lp.a_eq else None,
            b_eq=np.array(lp.b_eq) if lp.b_eq else None,
            bounds=lp.bounds,
            method="highs",
        )
        if found.status != 0:  # Infeasible cannot happen with the true data; be safe anyway.
            return (0.0, 0.0)
        ends.append(sign * float(found.fun))
    return ends[0], ends[1]


def counts_in(low: float, high: float) -> int:
    """How many whole counts lie in [low, high] (a little slack for the solver's rounding)."""
    return max(0, math.floor(high + _EPS) - math.ceil(low - _EPS) + 1)


# A model builds the intruder's linear programme from the true rows and the hidden set, and
# names the variables of each hidden row that must be protected.
Model = Callable[[Sequence[Sequence[int]], frozenset[int]], LinearProgramme]


def protected(
    rows: Sequence[Sequence[int]], hidden: frozenset[int], model: Model, width: int
) -> bool:
    """Whether every hidden cell's interval holds at least `width` + 1 whole counts."""
    if not hidden:
        return True
    lp = model(rows, hidden)
    dims = len(rows[0])
    for row in sorted(hidden):
        for dim in range(dims):
            low, high = interval(lp, row * dims + dim)
            if counts_in(low, high) < width + 1:
                return False
    for variable in lp.also_check:
        low, high = interval(lp, variable)
        if counts_in(low, high) < width + 1:
            return False
    return True


def suppress(
    rows: Sequence[Sequence[int]],
    primary: Sequence[bool],
    model: Model,
    *,
    width: int = 1,
    size: Callable[[int], int] | None = None,
) -> frozenset[int] | None:
    """The rows to suppress (primary and complementary), or None to withhold the table.

    Complements are taken cheapest first: the published row with the smallest `size` (its
    first count unless given). A table whose every row would be hidden is withheld (None):
    a list of group names with nothing against them tells a reader nothing but who is there.
    """
    hidden = frozenset(i for i, flag in enumerate(primary) if flag)
    cost = size or (lambda i: rows[i][0])
    while not protected(rows, hidden, model, width):
        left = [i for i in range(len(rows)) if i not in hidden]
        if not left:
            return None
        hidden = hidden | {min(left, key=lambda i: (cost(i), i))}
    if hidden and len(hidden) == len(rows):
        return None
    return hidden


# ---- The intruders of each kind of table -----------------------------------------------------


def _eq_sums(rows: Sequence[Sequence[int]]) -> tuple[list[list[float]], list[float]]:
    dims = len(rows[0])
    a_eq, b_eq = [], []
    for dim in range(dims):
        line = [0.0] * (len(rows) * dims)
        for r in range(len(rows)):
            line[r * dims + dim] = 1.0
        a_eq.append(line)
        b_eq.append(float(sum(row[dim] for row in rows)))
    return a_eq, b_eq


def compliance_model(questions: int, percent_of: Callable[[int, int], int]) -> Model:
    """Rows (files, met, answered) of a breakdown; published rows show files and a rounded
    percentage; the Summary publishes the totals; a file answers at most `questions`."""

    def build(rows: Sequence[Sequence[int]], hidden: frozenset[int]) -> LinearProgramme:
        n = len(rows) * 3
        a_eq, b_eq = _eq_sums(rows)
        a_ub: list[list[float]] = []
        b_ub: list[float] = []
        bounds: list[tuple[float, float | None]] = []
        for r, (files, met, answered) in enumerate(rows):
            f, m, a = 3 * r, 3 * r + 1, 3 * r + 2
            line = [0.0] * n
            line[m], line[a] = 1.0, -1.0  # met <= answered
            a_ub.append(line)
            b_ub.append(0.0)
            line = [0.0] * n
            line[a], line[f] = 1.0, -float(questions)  # answered <= Q files
            a_ub.append(line)
            b_ub.append(0.0)
            if r in hidden:
                bounds += [(1.0, None), (0.0, None), (0.0, None)]
                continue
            if answered == 0:
                bounds += [(float(files), float(files)), (0.0, 0.0), (0.0, 0.0)]
                continue
            bounds += [(float(files), float(files)), (0.0, None), (0.0, None)]
            p = percent_of(met, answered)
            low, high = max(0.0, (p - 0.5) / 100), min(1.0, (p + 0.5) / 100)
            line = [0.0] * n
            line[a], line[m] = low, -1.0  # low * answered <= met
            a_ub.append(line)
            b_ub.append(0.0)
            line = [0.0] * n
            line[m], line[a] = 1.0, -high  # met <= high * answered
            a_ub.append(line)
            b_ub.append(0.0)
        return LinearProgramme(n, a_ub, b_ub, a_eq, b_eq, bounds)

    return build


@dataclass(frozen=True)
class Link:
    """A breakdown group whose files are drawn from some strata (strata by team): its files
    are at most those strata's samples added up."""

    files: int
    hidden: bool
    strata: tuple[int, ...]


def sizes_model(minimum: int, links: Sequence[Link] = (), files: int = 0) -> Model:
    """Rows (on the list, sampled) of the Method sheet's strata: at least `minimum` sampled
    per stratum (the design says so), never more sampled than on the list. `links` are the
    groups of a breakdown published beside them (their files add up to `files`): the
    intruder reads both tables together, and the groups' hidden files are checked too."""

    def build(rows: Sequence[Sequence[int]], hidden: frozenset[int]) -> LinearProgramme:
        n = len(rows) * 2 + len(links)
        a_eq, b_eq = _eq_sums(rows)
        a_eq = [line + [0.0] * len(links) for line in a_eq]
        a_ub: list[list[float]] = []
        b_ub: list[float] = []
        bounds: list[tuple[float, float | None]] = []
        for r, (population, sample) in enumerate(rows):
            line = [0.0] * n
            line[2 * r + 1], line[2 * r] = 1.0, -1.0  # sampled <= on the list
            a_ub.append(line)
            b_ub.append(0.0)
            if r in hidden:
                bounds += [(float(max(minimum, 1)), None), (float(minimum), None)]
            else:
                bounds += [(float(population),) * 2, (float(sample),) * 2]
        base = 2 * len(rows)
        if links:
            a_eq.append([0.0] * base + [1.0] * len(links))
            b_eq.append(float(files))
        for j, link in enumerate(links):
            line = [0.0] * n
            line[base + j] = 1.0
            for r in link.strata:
                line[2 * r + 1] = -1.0  # a group's files <= its strata's samples
            a_ub.append(line)
            b_ub.append(0.0)
            bounds.append((1.0, None) if link.hidden else (float(link.files),) * 2)
        check = tuple(base + j for j, link in enumerate(links) if link.hidden)
        return LinearProgramme(n, a_ub, b_ub, a_eq, b_eq, bounds, check)

    return build


def caseload_model() -> Model:
    """Rows (children, overdue, due soon) of a team table: a listed team has a child; a
    child's review is overdue or due soon, not both."""

    def build(rows: Sequence[Sequence[int]], hidden: frozenset[int]) -> LinearProgramme:
        n = len(rows) * 3
        a_eq, b_eq = _eq_sums(rows)
        a_ub: list[list[float]] = []
        b_ub: list[float] = []
        bounds: list[tuple[float, float | None]] = []
        for r, row in enumerate(rows):
            line = [0.0] * n
            line[3 * r + 1], line[3 * r + 2], line[3 * r] = 1.0, 1.0, -1.0
            a_ub.append(line)
            b_ub.append(0.0)
            if r in hidden:
                bounds += [(1.0, None), (0.0, None), (0.0, None)]
            else:
                bounds += [(float(v), float(v)) for v in row]
        return LinearProgramme(n, a_ub, b_ub, a_eq, b_eq, bounds)

    return build
