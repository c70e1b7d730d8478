"""Which rows of the partner tables are hidden: reports.protection applied to a roll-up's
breakdowns and the design's strata together (reports.disclosure uses it; see its docstring).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Protocol

from reports.protection import Link, compliance_model, sizes_model, suppress
from reports.rollup import BREAKDOWN_FIELDS, Rollup
from sampling.fields import NAMES_PEOPLE


class _Rules(Protocol):
    @property
    def min_files(self) -> int: ...

    @property
    def protection(self) -> int: ...


class _Stratum(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def population(self) -> int: ...

    @property
    def sample(self) -> int: ...


def percent(met: int, answered: int) -> int:
    """The whole percentage of met over answered, half up on the exact fraction."""
    return math.floor(Fraction(100 * met, answered) + Fraction(1, 2))


def _stratum_groups(label: str) -> set[tuple[str, str]]:
    """The breakdown groups a stratum label names ('Team: North · Age band: 10 to 15')."""
    by_label = {v: k for k, v in BREAKDOWN_FIELDS.items()}
    found = set()
    for part in label.split(" · "):
        field_label, _, value = part.partition(": ")
        if field_label in by_label and value:
            found.add((by_label[field_label], value))
    return found


def _breakdown_hidden(
    name: str, rollup: Rollup, rules: _Rules, forced: set[str]
) -> frozenset[int] | None:
    rows = rollup.breakdowns[name]
    cells = [(r.files, r.result.successes, r.result.n) for r in rows]
    primary = [r.files < rules.min_files or r.group in forced for r in rows]
    model = compliance_model(max(1, len(rollup.questions)), percent)
    return suppress(cells, primary, model, width=rules.protection)


def _strata_hidden(
    strata: Sequence[_Stratum],
    minimum: int,
    rules: _Rules,
    forced: set[int],
    links: Sequence[Link],
    files: int,
) -> frozenset[int] | None:
    k = rules.min_files
    cells = [(s.population, s.sample) for s in strata]
    primary = [s.population < k or s.sample < k or i in forced for i, s in enumerate(strata)]
    model = sizes_model(minimum, links, files)
    found = suppress(cells, primary, model, width=rules.protection, size=lambda i: cells[i][1])
    return None if found is None or len(found) >= len(strata) else found


def _links(
    rollup: Rollup,
    hidden: Mapping[str, frozenset[int] | None],
    groups: Sequence[set[tuple[str, str]]],
) -> list[Link]:
    """The groups of the one breakdown the strata are named after, if any (strata by team)."""
    for name, gone in hidden.items():
        if gone is None or not any(field == name for g in groups for field, _v in g):
            continue
        return [
            Link(
                row.files,
                i in gone,
                tuple(j for j, g in enumerate(groups) if (name, row.group) in g),
            )
            for i, row in enumerate(rollup.breakdowns[name])
        ]
    return []


def suppression(
    rollup: Rollup, strata: Sequence[_Stratum], minimum: int, rules: _Rules
) -> tuple[dict[str, frozenset[int] | None], frozenset[int] | None]:
    """Hidden rows of every breakdown and of the strata, made consistent with each other.

    A stratum named after a group (strata by team: its sample is the team's files) shares its
    cells with that group's row, so hiding either hides the other, until nothing changes.
    """
    names = [n for n in rollup.breakdowns if n not in NAMES_PEOPLE]
    groups = [_stratum_groups(s.label) for s in strata]
    forced: dict[str, set[str]] = {n: set() for n in names}
    forced_strata: set[int] = set()
    while True:
        hidden = {n: _breakdown_hidden(n, rollup, rules, forced[n]) for n in names}
        links = _links(rollup, hidden, groups)
        strata_hidden = (
            _strata_hidden(strata, minimum, rules, forced_strata, links, rollup.files)
            if strata
            else frozenset()
        )
        changed = False
        for i, linked in enumerate(groups):
            for name, value in linked:
                if name not in hidden:
                    continue
                rows = rollup.breakdowns[name]
                gone = hidden[name]
                group_hidden = gone is None or any(
                    r.group == value and j in gone for j, r in enumerate(rows)
                )
                stratum_hidden = strata_hidden is None or i in strata_hidden
                if group_hidden and not stratum_hidden and i not in forced_strata:
                    forced_strata.add(i)
                    changed = True
                if stratum_hidden and not group_hidden and value not in forced[name]:
                    forced[name].add(value)
                    changed = True
        if not changed:
            return hidden, strata_hidden
