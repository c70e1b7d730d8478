"""Partner versions of the other roll-ups: overview rounds, shared-service sites, the
dashboard's counts, and the periods an observation view may cover (reports.disclosure rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from reports.disclosure import Rules
from reports.overview import Site
from reports.protection import caseload_model, suppress
from reports.rollup import Rollup


def overview_round(rollup: Rollup, rules: Rules) -> Rollup:
    """A round of the overview as partners see it: under k files, no figure but its files."""
    if rollup.files >= rules.min_files:
        return replace(rollup, highlights=[])
    return replace(
        rollup, questions=[], themes=[], grades=[], breakdowns={}, highlights=[], concerns=0
    )


def combined_sites(sites: Sequence[Site], rules: Rules) -> tuple[list[Site], list[str]]:
    """The sites a partner's combined figures pool, and the organisations left out.

    A site under k files is left out of the pool as well as the table: pooled figures with
    it in, beside the other sites' own, would give its figures by subtraction.
    """
    kept = [s for s in sites if s.rollup.files >= rules.min_files]
    out = [s.organisation for s in sites if s.rollup.files < rules.min_files]
    return [replace(s, rollup=overview_round(s.rollup, rules)) for s in kept], out


@dataclass(frozen=True)
class TeamCount:
    team: str
    children: int
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class PartnerDashboard:
    """The viewer's dashboard counts: totals, and teams with small counts suppressed (None)."""

    children: int
    overdue: int
    due_soon: int
    teams: tuple[tuple[str, int | None, int | None, int | None], ...]
    teams_withheld: bool
    shown: bool  # False: fewer than k children on the list, only that is said


def dashboard(teams: Sequence[TeamCount], rules: Rules) -> PartnerDashboard:
    """Counts of the latest case list for viewers: no staff, teams protected like a breakdown.

    A team with fewer than k children, or between 1 and k - 1 overdue or due soon, is
    suppressed, with complements until no hidden count can be worked out from the totals.
    """
    k = rules.min_files
    children = sum(t.children for t in teams)
    overdue = sum(t.overdue for t in teams)
    due_soon = sum(t.due_soon for t in teams)
    if children < k:
        return PartnerDashboard(children, 0, 0, (), True, False)
    cells = [(t.children, t.overdue, t.due_soon) for t in teams]
    primary = [t.children < k or 0 < t.overdue < k or 0 < t.due_soon < k for t in teams]
    hidden = suppress(cells, primary, caseload_model(), width=rules.protection)
    if hidden is None:
        return PartnerDashboard(children, overdue, due_soon, (), True, True)
    rows = tuple(
        (t.team, None, None, None) if i in hidden else (t.team, t.children, t.overdue, t.due_soon)
        for i, t in enumerate(teams)
    )
    return PartnerDashboard(children, overdue, due_soon, rows, False, True)


@dataclass(frozen=True)
class Block:
    """A run of whole calendar quarters holding at least k observations."""

    start: date
    end: date


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3


def _quarter_start(key: tuple[int, int]) -> date:
    return date(key[0], key[1] * 3 + 1, 1)


def _quarter_end(key: tuple[int, int]) -> date:
    year, q = key
    return date(year, 12, 31) if q == 3 else date(year, q * 3 + 4, 1) - timedelta(days=1)


def period_blocks(days: Sequence[date], rules: Rules) -> list[Block]:
    """The fixed periods a partner's observation view is made of.

    Calendar quarters, oldest first, each merged with the next until it holds at least k
    observations (a short last run joins the one before). A partner's view covers only whole
    blocks, so any two views differ by whole blocks: never by fewer than k meetings.
    """
    if len(days) < rules.min_files:
        return []
    counts: dict[tuple[int, int], int] = {}
    for day in days:
        counts[_quarter(day)] = counts.get(_quarter(day), 0) + 1
    blocks: list[list[tuple[int, int]]] = []
    held = 0
    for key in sorted(counts):
        if not blocks or held >= rules.min_files:
            blocks.append([])
            held = 0
        blocks[-1].append(key)
        held += counts[key]
    if held < rules.min_files and len(blocks) > 1:
        last = blocks.pop()
        blocks[-1].extend(last)
    return [Block(_quarter_start(b[0]), _quarter_end(b[-1])) for b in blocks]


def blocks_within(
    blocks: Sequence[Block], start: date | None, end: date | None
) -> tuple[date, date] | None:
    """The widest run of whole blocks inside [start, end] (None: no whole block fits)."""
    inside = [
        b for b in blocks if (start is None or b.start >= start) and (end is None or b.end <= end)
    ]
    if not inside:
        return None
    return inside[0].start, inside[-1].end
