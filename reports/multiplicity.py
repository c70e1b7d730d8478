"""Many changes tested at once: Holm's adjustment, so the words do not over-claim.

Nine themes (and 31 questions) each tested against the last round at the 5% level would call at
least one change "unlikely to be chance" far more often than 5% of the time when nothing
changed. Holm's step-down method (Holm 1979) controls the chance of any false call across the
family, is never less powerful than Bonferroni and needs no assumption about how the tests
depend on one another: sort the m raw p-values, p₍₁₎ ≤ … ≤ p₍ₘ₎; the adjusted value of the
i-th is max over j ≤ i of min(1, (m − j + 1) p₍ⱼ₎). It is what statsmodels'
`multipletests(method="holm")` and R's `p.adjust(method = "holm")` compute.

The raw p-values are kept and shown beside the adjusted ones; the words ("improved", "unlikely to
be chance") follow the adjusted ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reports.intervals import Comparison, change_verdict

__all__ = ["adjust_comparisons", "holm"]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def adjust_comparisons(comparisons: Sequence[Comparison | None]) -> list[Comparison | None]:
    """The comparisons with Holm-adjusted p-values over those that were tested, words to match."""
    tested = [i for i, c in enumerate(comparisons) if c is not None and c.p_value is not None]
    family = len(tested)
    adjusted = holm([comparisons[i].p_value or 0.0 for i in tested])  # type: ignore[union-attr]
    out = list(comparisons)
    for index, value in zip(tested, adjusted, strict=True):
        c = comparisons[index]
        assert c is not None and c.p_value is not None  # noqa: S101 (tested above)
        assert c.before.estimate is not None and c.after.estimate is not None  # noqa: S101
        out[index] = replace(
            c,
            adjusted_p=value,
            family=family,
            significant=value < c.significance_level,
            verdict=change_verdict(
                c.before.estimate,
                c.after.estimate,
                c.test,
                c.p_value,
                c.significance_level,
                value if family > 1 else None,
                family,
            ),
        )
    return out
