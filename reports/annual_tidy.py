"""The annual report's figures as tidy CSV rows (reports.tidy): one row per figure shown.

Built from the report's own sections, so the partner CSV holds exactly what the partner
document shows (a suppressed cell is `suppressed` TRUE with its figures empty), plus the
headline shares each paragraph states.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.annual import AnnualFigures
from reports.annual_text import Section
from reports.tidy import TidyRow

__all__ = ["rows"]

_HEADLINE = "Headline figures"


def _share(title: str, group: str, measure: str, part: int | None, whole: int | None) -> TidyRow:
    if part is None or whole is None:
        return TidyRow(title, _HEADLINE, group, measure, suppressed=True)
    return TidyRow(title, _HEADLINE, group, measure, whole, part, part / whole if whole else None)


def _headline(title: str, f: AnnualFigures) -> list[TidyRow]:
    r, p, e = f.reviews, f.participation, f.escalations
    return [
        TidyRow(title, _HEADLINE, "Children", "on the last day", f.children.on_last_day),
        TidyRow(title, _HEADLINE, "Children", "looked after in the period", f.children.in_period),
        TidyRow(title, _HEADLINE, "Reviews", "held", r.held),
        _share(title, "Reviews", "within the statutory timescale", r.on_time, r.timed),
        _share(title, "Participation", "took part (PN1 to PN6)", p.taking_part, p.aged_four_plus),
        TidyRow(title, _HEADLINE, "Escalations", "raised", e.raised),
        _share(title, "Escalations", f"resolved within {e.end_to_end} working days", e.within,
               e.resolved),
    ]  # fmt: skip


def rows(title: str, figures: AnnualFigures, sections: Sequence[Section]) -> list[TidyRow]:
    """Headline shares, then every table's rows: a (Number, met, Share) table gives one row a
    group; any other gives one row per whole-number column."""
    found = _headline(title, figures)
    for section in sections:
        for table in section.tables:
            shaped = len(table.columns) == 4 and table.columns[3] == "Share"
            for row in table.rows:
                group = str(row[0])
                if shaped:
                    n, met = row[1], row[2]
                    if not isinstance(n, int) or not isinstance(met, int):
                        found.append(TidyRow(title, table.title, group, table.columns[2],
                                             suppressed=True))  # fmt: skip
                        continue
                    found.append(TidyRow(title, table.title, group, table.columns[2], n, met,
                                         met / n if n else None))  # fmt: skip
                    continue
                for heading, value in zip(table.columns[1:], row[1:], strict=True):
                    if value is None:
                        found.append(TidyRow(title, table.title, group, heading, suppressed=True))
                    elif isinstance(value, int):
                        found.append(TidyRow(title, table.title, group, heading, value))
    return found
