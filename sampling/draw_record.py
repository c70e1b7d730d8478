"""What a draw leaves on the record: the cases drawn and why, and the fingerprint that checks it.

Its own module because these records outlive the draw: they are stored with the programme,
read back to replace an excluded case or to re-check a sample, and fingerprinted so anyone can
confirm a stored record is the one that was drawn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sampling.allocation import AllocationLine

DrawMethod = Literal["prn", "systematic"]
Numbers = Literal["keyed", "seeded"]
Coordination = Literal["independent", "negative", "positive"]
Key = tuple[str, ...]
Role = Literal["selected", "reserve"]


@dataclass(frozen=True)
class Selected:
    """A drawn case: its random number and its rank in the stratum, kept as evidence.

    `rank_in_stratum` is the order of use (1 .. n_h for the sample, then the reserves). For a
    systematic draw `position` is the case's 1-based place in the ordered stratum list.
    """

    case_ref: str
    stratum: Key
    prn: float
    rank_in_stratum: int
    position: int | None = None


@dataclass(frozen=True)
class Exclusion:
    """A drawn case taken out, why, and the reserve that took its place (None if none left)."""

    case_ref: str
    stratum: Key
    reason: str
    role: Role
    replaced_by: str | None


@dataclass(frozen=True)
class SystematicPlan:
    """The start and interval of a systematic draw in one stratum (0-based positions)."""

    stratum: Key
    start: float
    interval: float


@dataclass(frozen=True)
class Draw:
    """What was drawn, from which seed and how; selected and reserves in stratum, rank order."""

    seed: int
    method: DrawMethod
    selected: list[Selected]
    reserves: list[Selected]
    fingerprint: str
    allocation: list[AllocationLine]
    frame_size: int
    exclusions: list[Exclusion] = field(default_factory=list)
    systematic: list[SystematicPlan] = field(default_factory=list)
    numbers: Numbers = "seeded"
    coordination: Coordination = "independent"

    def case_refs(self) -> list[str]:
        return [s.case_ref for s in self.selected]

    def shortfalls(self) -> dict[Key, int]:
        """Strata where excluded cases could not be replaced because the reserves ran out."""
        short: dict[Key, int] = {}
        for exclusion in self.exclusions:
            if exclusion.role == "selected" and exclusion.replaced_by is None:
                short[exclusion.stratum] = short.get(exclusion.stratum, 0) + 1
        return short

    def weights(self) -> dict[Key, float | None]:
        """Design weight per stratum, N_h / (cases now in the sample), for weighting back.

        After exclusions without a replacement the achieved n_h is smaller than planned, so the
        weight uses what is actually in the sample.
        """
        counts: dict[Key, int] = {}
        for case in self.selected:
            counts[case.stratum] = counts.get(case.stratum, 0) + 1
        return {
            line.key: (line.population / counts[line.key] if counts.get(line.key) else None)
            for line in self.allocation
        }


def fingerprint(
    seed: int, method: DrawMethod, selected: Sequence[Selected], reserves: Sequence[Selected]
) -> str:
    """SHA-256 of the record, so stored rows can be checked against the draw's fingerprint.

    Covers the seed, the method and every selected and reserve case with its stratum, random
    number (repr, which round-trips exactly) and rank, in stratum and rank order; rebuild
    `Selected` rows from storage and compare with the fingerprint kept with the programme.
    """

    def rows(cases: Sequence[Selected]) -> list[list[Any]]:
        ordered = sorted(cases, key=lambda c: (c.stratum, c.rank_in_stratum))
        return [[c.case_ref, list(c.stratum), repr(c.prn), c.rank_in_stratum] for c in ordered]

    text = json.dumps(
        {"seed": seed, "method": method, "selected": rows(selected), "reserves": rows(reserves)},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
