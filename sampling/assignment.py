"""Sharing the sampled case files among auditors, with no conflicts of interest.

The rules: nobody audits a case on which their own staff record is the IRO or the social
worker; when the manager asks, nobody audits a case from their own team; nobody is given more
than their capacity. Within those rules every case that can be placed is placed, and the load
is spread as evenly as the rules allow.

How. This is a flow problem: cases on one side, auditors on the other, an edge wherever there
is no conflict, each auditor able to take up to their capacity. Cases are placed one at a
time, the most constrained first (fewest auditors free of a conflict; ties in a seeded random
order). For each case we find every auditor it can reach, directly or by moving already-placed
cases along a chain of auditors who could also take them (an alternating path), and give the
new case to the least-loaded reachable auditor with room, moving the chain along. This is the
successive-shortest-path method for a minimum-cost flow with the cost of an auditor's j-th
case equal to j, so:

* a case is left unassigned only when no conflict-free arrangement within capacity could take
  it (no augmenting path exists: the placement is a maximum matching), and
* the loads are as even as possible for the cases placed (the sum of squared loads is the
  smallest any conflict-free arrangement of them allows).

Ties between equally good auditors go to the shorter chain (fewer cases moved), then to a
seeded random order of auditors, so the same inputs and seed always give the same result and
no auditor is always first in line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Auditor:
    """A person who can audit: their user id, their staff record (if any), team and capacity."""

    id: int
    staff_id: int | None
    team: str | None
    capacity: int


@dataclass(frozen=True)
class CaseToAssign:
    """A sampled case with the people whose work it is (staff record ids) and its team."""

    case_ref: str
    team: str | None
    iro_staff_id: int | None
    social_worker_staff_id: int | None


@dataclass(frozen=True)
class Assignment:
    """Who audits what (case_ref -> auditor id), what could not be placed and why, the loads."""

    seed: int
    exclude_own_team: bool
    pairs: dict[str, int]
    unassigned: list[tuple[str, str]]
    loads: dict[int, int] = field(default_factory=dict)


def _same_team(one: str | None, other: str | None) -> bool:
    """Team names match ignoring case and surrounding spaces (lists and user records differ)."""
    if one is None or other is None:
        return False
    first, second = one.strip().casefold(), other.strip().casefold()
    return bool(first) and first == second


def conflict(case: CaseToAssign, auditor: Auditor, *, exclude_own_team: bool = False) -> str | None:
    """Why this auditor may not audit this case, in plain words; None if they may.

    Also for a manager's manual override: show this before they confirm it.
    """
    if auditor.staff_id is not None:
        if auditor.staff_id == case.iro_staff_id:
            return "the auditor is the child's IRO"
        if auditor.staff_id == case.social_worker_staff_id:
            return "the auditor is the child's social worker"
    if exclude_own_team and _same_team(auditor.team, case.team):
        return f"the auditor works in the case's team ({case.team})"
    return None


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _why_no_auditor(case: CaseToAssign, auditors: Sequence[Auditor], exclude_own_team: bool) -> str:
    if not auditors:
        return "There are no auditors for this programme."
    if len(auditors) == 1:
        only = conflict(case, auditors[0], exclude_own_team=exclude_own_team) or "a conflict"
        return (
            "No auditor can take this case without a conflict of interest: "
            + only.replace("the auditor", "the only auditor chosen", 1)
            + "."
        )
    iro = social_worker = team = 0
    for auditor in auditors:
        reason = conflict(case, auditor, exclude_own_team=exclude_own_team)
        if reason is None:
            continue
        if "IRO" in reason:
            iro += 1
        elif "social worker" in reason:
            social_worker += 1
        else:
            team += 1
    parts = []
    if iro:
        parts.append(f"{_plural(iro, 'is', 'are')} the child's IRO")
    if social_worker:
        parts.append(f"{_plural(social_worker, 'is', 'are')} the child's social worker")
    if team:
        parts.append(f"{_plural(team, 'works', 'work')} in the case's team ({case.team})")
    who = f"Of the {len(auditors)} auditors chosen"
    return (
        f"No auditor can take this case without a conflict of interest. {who}: "
        + "; ".join(parts)
        + "."
    )


def _check(cases: Sequence[CaseToAssign], auditors: Sequence[Auditor]) -> None:
    refs = [case.case_ref for case in cases]
    if len(set(refs)) != len(refs):
        raise ValueError("a case appears twice in the list to assign")
    ids = [auditor.id for auditor in auditors]
    if len(set(ids)) != len(ids):
        raise ValueError("an auditor appears twice")
    for auditor in auditors:
        if auditor.capacity < 0:
            raise ValueError(f"auditor {auditor.id} has a negative capacity")


def assign(
    cases: Sequence[CaseToAssign],
    auditors: Sequence[Auditor],
    *,
    exclude_own_team: bool = False,
    seed: int = 0,
) -> Assignment:
    """Give every case an auditor free of conflict, within capacity, as evenly as possible."""
    _check(cases, auditors)
    rng = np.random.default_rng(seed)
    # Seeded orders for ties: priority[a] is auditor a's place in line (lower goes first).
    priority = rng.permutation(len(auditors)).tolist()
    case_tiebreak = rng.permutation(len(cases)).tolist()
    capacity = [auditor.capacity for auditor in auditors]
    eligible: list[list[int]] = [
        sorted(
            (
                a
                for a, auditor in enumerate(auditors)
                if conflict(case, auditor, exclude_own_team=exclude_own_team) is None
            ),
            key=priority.__getitem__,
        )
        for case in cases
    ]
    eligible_sets = [set(options) for options in eligible]
    size = len(auditors)
    load = [0] * size
    holding: list[set[int]] = [set() for _ in range(size)]  # Cases placed with each auditor.
    # movable[a][b]: how many of auditor a's cases auditor b could take instead.
    movable = [[0] * size for _ in range(size)]
    by_priority = sorted(range(size), key=priority.__getitem__)
    placed: dict[int, int] = {}

    def put(case: int, auditor: int) -> None:
        holding[auditor].add(case)
        load[auditor] += 1
        for other in eligible[case]:
            movable[auditor][other] += 1
        placed[case] = auditor

    def take(case: int, auditor: int) -> None:
        holding[auditor].discard(case)
        load[auditor] -= 1
        for other in eligible[case]:
            movable[auditor][other] -= 1

    order = sorted(range(len(cases)), key=lambda c: (len(eligible[c]), case_tiebreak[c]))
    for case in order:
        # Breadth-first over auditors: directly eligible ones first, then those reachable by
        # moving one of a reached auditor's cases to them.
        parent: dict[int, int | None] = {}
        distance: dict[int, int] = {}
        queue: deque[int] = deque()
        for a in eligible[case]:
            parent[a], distance[a] = None, 0
            queue.append(a)
        while queue:
            a = queue.popleft()
            for b in by_priority:
                if b not in parent and movable[a][b] > 0:
                    parent[b], distance[b] = a, distance[a] + 1
                    queue.append(b)
        room = [a for a in parent if load[a] < capacity[a]]
        if not room:
            continue
        target = min(room, key=lambda a: (load[a], distance[a], priority[a]))
        chain = [target]
        while (previous := parent[chain[-1]]) is not None:
            chain.append(previous)
        chain.reverse()  # chain[0] takes the new case; each hop passes one case along.
        for giver, receiver in reversed(list(zip(chain, chain[1:], strict=False))):
            moving = min(
                (c for c in holding[giver] if receiver in eligible_sets[c]),
                key=case_tiebreak.__getitem__,
            )
            take(moving, giver)
            put(moving, receiver)
        put(case, chain[0])

    pairs = {cases[c].case_ref: auditors[placed[c]].id for c in range(len(cases)) if c in placed}
    unassigned: list[tuple[str, str]] = []
    for c, item in enumerate(cases):
        if c in placed:
            continue
        if eligible[c]:
            free = len(eligible[c])
            reason = (
                f"{'The only auditor' if free == 1 else f'All {free} auditors'} free of a "
                f"conflict with this case {'is' if free == 1 else 'are'} at capacity (after "
                "moving other cases round as far as the rules allow). Add capacity or an "
                "auditor, or assign it by hand."
            )
        else:
            reason = _why_no_auditor(item, auditors, exclude_own_team)
        unassigned.append((item.case_ref, reason))
    return Assignment(
        seed=seed,
        exclude_own_team=exclude_own_team,
        pairs=pairs,
        unassigned=unassigned,
        loads={auditor.id: load[a] for a, auditor in enumerate(auditors)},
    )
