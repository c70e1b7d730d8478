"""What a draw asked for and what it drew, stratum by stratum: a shortfall is part of the result.

A stratum falls short when more of its drawn cases are excluded (audited recently, closed, a
conflict) than it has reserves to replace them. Either its reserves ran out while cases were
still left undrawn (more reserves can be drawn before launch), or every case in the stratum was
already drawn, so nobody is left to take the excluded cases' place.

Design weights come from what was drawn: N_h / (cases in the sample of stratum h), so in every
stratum with a case in the sample the weights of its cases add up to N_h.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sampling.draw import Draw

Key = tuple[str, ...]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class StratumOutcome:
    """One stratum: its size, the cases asked for, drawn, excluded and the reserves drawn."""

    key: Key
    label: str
    population: int
    asked: int
    drawn: int
    excluded: int
    reserves: int

    @property
    def short(self) -> int:
        return max(self.asked - self.drawn, 0)

    @property
    def exhausted(self) -> bool:
        """Whether every case of the stratum was drawn (to audit or as a reserve)."""
        return self.asked + self.reserves >= self.population

    @property
    def more_available(self) -> int:
        """Cases of the stratum never drawn: the most further reserves could bring."""
        return max(self.population - self.asked - self.reserves, 0)

    @property
    def weight(self) -> float | None:
        """N_h / n_h with n_h the cases now in the sample; None when none is."""
        return self.population / self.drawn if self.drawn else None

    def why(self) -> str:
        """'3 of its drawn cases were excluded and it had 2 reserves', and what that means."""
        excluded = f"{self.excluded} excluded, {_plural(self.reserves, 'reserve')}"
        if self.exhausted:
            return (
                f"every one of its {self.population} cases was drawn ({excluded}), so no case "
                "is left to stand in"
            )
        return f"its reserves ran out ({excluded})"

    def text(self) -> str:
        return f"{self.label} (asked {self.asked}, drew {self.drawn}: {self.why()})"


@dataclass(frozen=True)
class Outcome:
    """Every stratum's outcome, in stratum order, and what to say about them."""

    strata: tuple[StratumOutcome, ...]

    @property
    def asked(self) -> int:
        return sum(s.asked for s in self.strata)

    @property
    def drawn(self) -> int:
        return sum(s.drawn for s in self.strata)

    @property
    def short(self) -> tuple[StratumOutcome, ...]:
        return tuple(s for s in self.strata if s.short)

    @property
    def can_draw_more(self) -> tuple[StratumOutcome, ...]:
        """Short strata that still have undrawn cases: more reserves would help there."""
        return tuple(s for s in self.short if s.more_available)

    def summary(self) -> str:
        """'asked 60, drew 57: reserves ran out in 2 strata: ...' or 'asked 60, drew 60'."""
        head = f"asked {self.asked}, drew {self.drawn}"
        if not self.short:
            return head
        count = len(self.short)
        where = "1 stratum" if count == 1 else f"{count} strata"
        listed = "; ".join(s.text() for s in self.short)
        return f"{head}: reserves ran out in {where}: {listed}"

    def weights(self) -> dict[Key, float | None]:
        return {s.key: s.weight for s in self.strata}


def of_draw(first: Draw, final: Draw, label: Callable[[Key], str]) -> Outcome:
    """The outcome of a draw: `first` as drawn, `final` after the exclusions and replacements."""
    drawn = Counter(c.stratum for c in final.selected)
    excluded = Counter(e.stratum for e in final.exclusions)
    reserves = Counter(c.stratum for c in first.reserves)
    return Outcome(
        tuple(
            StratumOutcome(
                line.key,
                label(line.key),
                line.population,
                line.sample,
                drawn[line.key],
                excluded[line.key],
                reserves[line.key],
            )
            for line in sorted(first.allocation, key=lambda line: line.key)
        )
    )


def of_rows(
    strata: Sequence[tuple[Key, str, int, int]],
    rows: Sequence[tuple[str, str, str]],
) -> Outcome:
    """The outcome from stored rows: strata (key, label, N_h, asked) and (label, role, status).

    Roles and statuses as the sample is stored: role 'selected' or 'reserve'; status
    'in_sample', 'reserve' (unused) or 'excluded'.
    """
    drawn = Counter(label for label, _role, status in rows if status == "in_sample")
    excluded = Counter(label for label, _role, status in rows if status == "excluded")
    reserves = Counter(label for label, role, _status in rows if role == "reserve")
    return Outcome(
        tuple(
            StratumOutcome(
                key, label, population, asked, drawn[label], excluded[label], reserves[label]
            )
            for key, label, population, asked in strata
        )
    )
