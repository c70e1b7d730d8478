"""The overview's and the combined findings' figures as tidy rows (reports.tidy's layout).

Each takes what its page renders: the internal page's roll-ups, or, for partners, the same
structures made by reports.disclosure_views (rounds under k files carry no figure, sites under
k are left out of the pool), so a partner CSV holds only what the partner page shows. Figures
are the pages' unrounded proportions (0 to 1); a change is in percentage points.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.intervals import Comparison
from reports.overview import Combined, CombinedRow, ThemeTrend
from reports.tidy import TidyRow, of_proportion

__all__ = ["COMBINED", "combined_rows", "overview_rows"]

COMBINED = "Combined"


def _change(programme: str, theme: str, c: Comparison) -> list[TidyRow]:
    rows = []
    if c.difference is not None:
        rows.append(TidyRow(programme, "Themes", theme, "change from the previous round (points)",
                            estimate=c.difference))  # fmt: skip
    if c.p_value is not None:
        rows.append(TidyRow(programme, "Themes", theme, "p-value", estimate=c.p_value))
    if c.adjusted_p is not None:
        rows.append(TidyRow(programme, "Themes", theme, "Holm-adjusted p-value",
                            estimate=c.adjusted_p))  # fmt: skip
    return rows


def overview_rows(
    template: str, rounds: Sequence[tuple[str, int]], trend: Sequence[ThemeTrend]
) -> list[TidyRow]:
    """One template's rounds (programme name, files finalised), oldest first, and each
    theme's compliance per round with the change from the round before."""
    rows = [TidyRow(name, "Rounds", template, "files finalised", n=files) for name, files in rounds]
    for t in trend:
        for i, (name, _files) in enumerate(rounds):
            result = t.results[i] if i < len(t.results) else None
            if result is not None:
                rows.append(of_proportion(name, "Themes", t.title, "compliance", result))
            change = t.changes[i - 1] if 0 < i <= len(t.changes) else None
            if change is not None:
                rows += _change(name, t.title, change)
    return rows


def _site_rows(table: str, lines: Sequence[CombinedRow], names: Sequence[str]) -> list[TidyRow]:
    rows = []
    for line in lines:
        for name, figure in zip(names, line.figures, strict=True):
            if figure is not None:
                rows.append(of_proportion(name, table, line.label, "compliance", figure))
        rows.append(of_proportion(COMBINED, table, line.label, "compliance", line.combined))
        rows.append(TidyRow(COMBINED, table, line.label, "organisations pooled",
                            n=line.pooled_sites))  # fmt: skip
    return rows


def combined_rows(combined: Combined) -> list[TidyRow]:
    """Each organisation's latest round ('organisation: programme') beside the pooled figures."""
    names = [f"{s.organisation}: {s.programme}" for s in combined.sites]
    rows = [
        TidyRow(name, "Rounds", "Files finalised", "files", n=site.rollup.files)
        for name, site in zip(names, combined.sites, strict=True)
    ]
    rows.append(TidyRow(COMBINED, "Rounds", "Files finalised", "files", n=combined.files))
    return (
        rows
        + _site_rows("Themes", combined.themes, names)
        + _site_rows("Questions", combined.questions, names)
    )
