"""The annual report as partners may see it: reports.disclosure's rules applied to its figures.

Part of the disclosure module (its docstring's rules, its `Rules`): the partner pages,
workbook and document of the annual report render only what `annual` returns.

* Nobody is named: the breakdowns by IRO, the per-IRO caseloads and the caseload range (the
  lowest and highest are one person's caseload each) are left out.
* A small count (1 to k - 1) of escalations, of their outcomes or of children changing IRO is
  suppressed (None); a breakdown row (a quarter, a team, a stage, a reason) with fewer than k is
  suppressed, with complements (reports.protection, as tau-ARGUS) until no hidden row can be
  worked out from the published total; a table that cannot be protected is emptied.
* Under k children on the last day, nothing but that is given (`shown` False).
* Footprint rounds under k files give no figure; peer observations come as their own partner
  object's figures (reports.disclosure.programme over whole blocks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reports.annual import AnnualFigures, Count
from reports.disclosure import Rules
from reports.protection import LinearProgramme, Model, suppress

__all__ = ["PartnerAnnual", "annual"]


@dataclass(frozen=True)
class PartnerAnnual:
    rules: Rules
    shown: bool
    figures: AnnualFigures  # protected: see the module docstring


def _count_model(rows: Sequence[Sequence[int]], hidden: frozenset[int]) -> LinearProgramme:
    """Rows (n[, met]): the totals are published, met <= n, a listed hidden group has one."""
    dims = len(rows[0])
    n = len(rows) * dims
    a_eq, b_eq = [], []
    for dim in range(dims):
        line = [0.0] * n
        for r in range(len(rows)):
            line[r * dims + dim] = 1.0
        a_eq.append(line)
        b_eq.append(float(sum(row[dim] for row in rows)))
    a_ub: list[list[float]] = []
    b_ub: list[float] = []
    bounds: list[tuple[float, float | None]] = []
    for r, row in enumerate(rows):
        if dims == 2:
            line = [0.0] * n
            line[r * 2 + 1], line[r * 2] = 1.0, -1.0
            a_ub.append(line)
            b_ub.append(0.0)
        if r in hidden:
            bounds += [(1.0, None)] + [(0.0, None)] * (dims - 1)
        else:
            bounds += [(float(v), float(v)) for v in row]
    return LinearProgramme(n, a_ub, b_ub, a_eq, b_eq, bounds)


_MODEL: Model = _count_model


def protect_rows(rows: Sequence[Count], rules: Rules) -> tuple[Count, ...]:
    """A breakdown with small groups (and their complements) suppressed; () if it cannot be."""
    k = rules.min_files
    listed = [r for r in rows if r.n]
    empty = tuple(r for r in rows if not r.n)
    if not listed:
        return tuple(rows)
    with_met = all(r.met is not None for r in listed)
    cells = [(r.n or 0, r.met or 0) if with_met else (r.n or 0,) for r in listed]
    primary = [(r.n or 0) < k for r in listed]
    hidden = suppress(cells, primary, _MODEL, width=rules.protection)
    if hidden is None:
        return ()
    kept = tuple(Count(r.group, None, None) if i in hidden else r for i, r in enumerate(listed))
    order = {r.group: i for i, r in enumerate(rows)}
    return tuple(sorted(kept + empty, key=lambda r: order[r.group]))


def _small(value: int | None, rules: Rules) -> int | None:
    return None if value is None or 0 < value < rules.min_files else value


def annual(figures: AnnualFigures, rules: Rules) -> PartnerAnnual:
    """The partner version of the annual report's figures (module docstring)."""
    if figures.children.on_last_day < rules.min_files:
        return PartnerAnnual(rules, False, replace(figures, partner=True))
    r, e, c = figures.reviews, figures.escalations, figures.caseloads
    reviews = replace(
        r,
        by_quarter=protect_rows(r.by_quarter, rules),
        by_team=protect_rows(r.by_team, rules),
        by_iro=(),
    )
    participation = replace(
        figures.participation,
        by_code=protect_rows(figures.participation.by_code, rules),
    )
    caseloads = replace(
        c,
        on_last_day=(),
        low=None,
        high=None,
        over_year=tuple((day, iros, n, a, None, None) for day, iros, n, a, _lo, _hi in c.over_year),
        changed_children=_small(c.changed_children, rules),
    )
    few_resolved = _small(e.resolved, rules) is None
    escalations = replace(
        e,
        # A median of fewer than k resolutions is nearly one escalation's own dates.
        median_days=None if few_resolved else e.median_days,
        median_working_days=None if few_resolved else e.median_working_days,
        open=_small(e.open, rules),
        resolved=_small(e.resolved, rules),
        withdrawn=_small(e.withdrawn, rules),
        overdue=_small(e.overdue, rules),
        within=_small(e.within, rules),
        by_stage=protect_rows(e.by_stage, rules),
        by_reason=protect_rows(e.by_reason, rules),
        by_team=protect_rows(e.by_team, rules),
        by_iro=(),
        by_quarter=protect_rows(e.by_quarter, rules),
        by_raised_by=protect_rows(e.by_raised_by, rules),
        by_addressed_to=protect_rows(e.by_addressed_to, rules),
    )
    rounds = tuple(
        rd if rd.files >= rules.min_files else replace(rd, overall=None, themes=())
        for rd in figures.rounds
    )
    protected = replace(
        figures,
        reviews=reviews,
        participation=participation,
        caseloads=caseloads,
        escalations=escalations,
        rounds=rounds,
        partner=True,
    )
    return PartnerAnnual(rules, True, protected)
