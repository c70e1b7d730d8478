"""Every figure as a tidy table: one row per programme x table x group x measure.

An analyst's tools (R, pandas, Excel's Power Query) want long data, not the report's layout:
each row says which output it belongs to (`programme`: a programme's name or a report's title),
which `table` of it, which `group` (a theme, a question, a team, a grade) and which `measure`
(compliance, files, ...), then the figure itself: `n` (the denominator or the count),
`numerator`, `estimate`, the 95% interval `low` and `high`, and whether it was `suppressed`.

Units: `estimate`, `low` and `high` are proportions from 0 to 1, never percentages, except
where `measure` ends in "(points)" (a change in percentage points). Internal figures are the
roll-up's unrounded values, so they can be recomputed from the case-level data; partner figures
are what the partner object (reports.disclosure) publishes, whole percentages (0.78) with
intervals rounded outward, and a suppressed cell has `suppressed` TRUE and every figure empty.

Pure: `TidyRow`s in, CSV text out. `internal_rows` reads a roll-up (managers and auditors
only: breakdowns name staff); `partner_rows` reads only the partner object, so it cannot give
anything the partner workbook does not. Other reports (the annual report, a board pack) build
their own `TidyRow`s (`of_proportion` helps) and write them with `csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reports.agreement import Agreement
from reports.disclosure import Figure, PartnerFindings, percent
from reports.excel import neutralise
from reports.intervals import Comparison, Proportion, proportion
from reports.rollup import BREAKDOWN_FIELDS, Rollup
from reports.workbook import overall_compliance

__all__ = [
    "HEADER",
    "TidyRow",
    "csv_text",
    "internal_rows",
    "of_proportion",
    "partner_rows",
]

HEADER = (
    "programme",
    "table",
    "group",
    "measure",
    "n",
    "numerator",
    "estimate",
    "low",
    "high",
    "suppressed",
)

COMPLIANCE = "compliance"
WEIGHTED = "compliance, whole list (weighted)"


@dataclass(frozen=True)
class TidyRow:
    """One figure. `n` is the denominator (or the count, for a measure that is a count)."""

    programme: str
    table: str
    group: str
    measure: str
    n: int | None = None
    numerator: int | None = None
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    suppressed: bool = False


def of_proportion(programme: str, table: str, group: str, measure: str, p: Proportion) -> TidyRow:
    """A proportion with its interval (none when nothing was answered)."""
    known = p.estimate is not None
    return TidyRow(
        programme, table, group, measure, p.n, p.successes, p.estimate,
        p.low if known else None, p.high if known else None,
    )  # fmt: skip


def _count(programme: str, table: str, group: str, measure: str, n: int) -> TidyRow:
    return TidyRow(programme, table, group, measure, n=n)


def _share(programme: str, table: str, group: str, measure: str, part: int, whole: int) -> TidyRow:
    return TidyRow(programme, table, group, measure, whole, part, part / whole if whole else None)


def _change(programme: str, theme: str, c: Comparison) -> list[TidyRow]:
    rows = [
        of_proportion(programme, "Trend", theme, "compliance, previous round", c.before),
        of_proportion(programme, "Trend", theme, "compliance, this round", c.after),
    ]
    if c.difference is not None:
        rows.append(TidyRow(programme, "Trend", theme, "change (points)", estimate=c.difference))
    if c.p_value is not None:
        rows.append(TidyRow(programme, "Trend", theme, "p-value", estimate=c.p_value))
    if c.adjusted_p is not None:
        rows.append(TidyRow(programme, "Trend", theme, "Holm-adjusted p-value",
                            estimate=c.adjusted_p))  # fmt: skip
    return rows


def internal_rows(
    programme: str,
    rollup: Rollup,
    *,
    trend: Sequence[tuple[str, Comparison]] = (),
    moderation: tuple[int, Agreement] | None = None,
) -> list[TidyRow]:
    """Every figure of a programme's roll-up, unrounded (internal: breakdowns name staff).
    `moderation` is (files moderated, the agreement over them)."""
    p = programme
    method = rollup.questions[0].result.method if rollup.questions else "wilson"
    rows = [
        _count(p, "Summary", "Files audited (finalised)", "files", rollup.files),
        of_proportion(p, "Summary", "All answers", COMPLIANCE, overall_compliance(rollup)),
        _share(p, "Summary", "Immediate concerns raised", "share of files", rollup.concerns,
               rollup.files),
        _count(p, "Summary", "Questions below their target", "questions",
               len(rollup.areas_for_development)),
        _count(p, "Summary", "Highlights of good practice shared", "highlights",
               sum(1 for h in rollup.highlights if h.shareable)),
    ]  # fmt: skip
    grades = [(label, files) for _value, label, files in rollup.grades]
    ungraded = rollup.files - sum(files for _label, files in grades)
    if ungraded:
        grades.append(("Not graded", ungraded))
    for label, files in grades:
        rows.append(of_proportion(p, "Grades", label, "share of files",
                                  proportion(files, rollup.files, method=method)))  # fmt: skip
    for t in rollup.themes:
        rows.append(of_proportion(p, "Themes", t.title, COMPLIANCE, t.result))
        tw = t.weighted
        if tw is not None and tw.estimate is not None:
            rows.append(TidyRow(p, "Themes", t.title, WEIGHTED, tw.n, tw.successes, tw.estimate,
                                tw.low, tw.high))  # fmt: skip
    for q in rollup.questions:
        group = f"{q.number} {q.text}"
        rows.append(of_proportion(p, "Questions", group, COMPLIANCE, q.result))
        rows.append(_count(p, "Questions", group, "not applicable", q.not_applicable))
        if q.weighted is not None and q.weighted.estimate is not None:
            w = q.weighted
            rows.append(TidyRow(p, "Questions", group, WEIGHTED, w.n, w.successes, w.estimate,
                                w.low, w.high))  # fmt: skip
        if q.target is not None:
            rows.append(TidyRow(p, "Questions", group, "target", estimate=q.target))
    for theme, comparison in trend:
        rows += _change(p, theme, comparison)
    for name, breakdown in rollup.breakdowns.items():
        table = f"By {BREAKDOWN_FIELDS[name].lower()}"
        for row in breakdown:
            rows.append(_count(p, table, row.group, "files", row.files))
            rows.append(of_proportion(p, table, row.group, COMPLIANCE, row.result))
    moderated = moderation[0] if moderation is not None else 0
    rows.append(_share(p, "Moderation", "Files moderated", "share of files", moderated,
                       rollup.files))  # fmt: skip
    if moderation is not None:
        a = moderation[1]
        kept = None if a.percent is None else a.percent / 100
        rows.append(TidyRow(p, "Moderation", "All questions", "agreement", a.n_pairs,
                            estimate=kept))  # fmt: skip
        if a.kappa is not None:
            rows.append(TidyRow(p, "Moderation", "All questions", "Cohen's kappa", a.n_pairs,
                                estimate=a.kappa))  # fmt: skip
        if a.ac1 is not None:
            rows.append(TidyRow(p, "Moderation", "All questions", "Gwet's AC1", a.n_pairs,
                                estimate=a.ac1))  # fmt: skip
    return rows


def _figure(p: str, table: str, group: str, measure: str, f: Figure | None) -> TidyRow:
    if f is None:
        return TidyRow(p, table, group, measure, suppressed=True)
    return TidyRow(p, table, group, measure, f.answered, f.met, _whole(f.percent), _whole(f.low),
                   _whole(f.high))  # fmt: skip


def _whole(percent: int | None) -> float | None:
    """A published whole percentage as a proportion (78 -> 0.78), exactly as published."""
    return None if percent is None else round(percent / 100, 2)


def partner_rows(programme: str, found: PartnerFindings) -> list[TidyRow]:
    """Every figure of the partner object, as published (nothing below the threshold)."""
    p = programme
    rows = [_count(p, "Summary", "Files audited (finalised)", "files", found.files)]
    if not found.shown:
        return rows
    rows.append(_figure(p, "Summary", "All answers", COMPLIANCE, found.overall))
    rows.append(_count(p, "Summary", "Immediate concerns raised", "files", found.concerns))
    rows.append(_count(p, "Summary", "Questions below their target", "questions",
                       len(found.areas_for_development)))  # fmt: skip
    rows.append(_count(p, "Summary", "Highlights of good practice shared", "highlights",
                       len(found.highlights)))  # fmt: skip
    for label, files in found.grades:
        rows.append(TidyRow(p, "Grades", label, "share of files", found.files, files,
                            _whole(percent(files, found.files))))  # fmt: skip
    for t in found.themes:
        rows.append(_figure(p, "Themes", t.title, COMPLIANCE, t.figure))
    for q in found.questions:
        group = f"{q.number} {q.text}"
        rows.append(_figure(p, "Questions", group, COMPLIANCE, q.figure))
        rows.append(_count(p, "Questions", group, "not applicable", q.not_applicable))
        if q.weighted is not None:
            estimate, low, high = q.weighted
            rows.append(TidyRow(p, "Questions", group, WEIGHTED, estimate=_whole(estimate),
                                low=_whole(low), high=_whole(high)))  # fmt: skip
        if q.target is not None:
            rows.append(TidyRow(p, "Questions", group, "target", estimate=_whole(q.target)))
    for trend in found.trend:
        rows.append(TidyRow(p, "Trend", trend.theme, "compliance, previous round",
                            estimate=_whole(trend.before)))  # fmt: skip
        rows.append(TidyRow(p, "Trend", trend.theme, "compliance, this round",
                            estimate=_whole(trend.after)))  # fmt: skip
        if trend.change is not None:
            rows.append(TidyRow(p, "Trend", trend.theme, "change (points)",
                                estimate=float(trend.change)))  # fmt: skip
    for b in found.breakdowns:
        table = f"By {b.label.lower()}"
        for r in b.rows:
            if r.suppressed:
                rows.append(TidyRow(p, table, r.group, "files", suppressed=True))
                rows.append(TidyRow(p, table, r.group, COMPLIANCE, suppressed=True))
            else:
                rows.append(_count(p, table, r.group, "files", r.files or 0))
                rows.append(_figure(p, table, r.group, COMPLIANCE, r.figure))
    for s in found.strata:
        rows.append(_count(p, "Strata", s.label, "on the list", s.population))
        rows.append(_count(p, "Strata", s.label, "sampled", s.sample))
    m = found.moderation
    if m is None:
        rows.append(_count(p, "Moderation", "Files moderated", "files", found.moderated))
    else:
        rows.append(TidyRow(p, "Moderation", "Files moderated", "share of files", m.files,
                            m.moderated, _whole(m.rate)))  # fmt: skip
        rows.append(TidyRow(p, "Moderation", "All questions", "agreement", m.compared,
                            estimate=_whole(m.agreement)))  # fmt: skip
    return rows


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return repr(float(value))  # the shortest text that reads back as the same float


def csv_text(rows: Iterable[TidyRow]) -> str:
    """The rows as CSV with a header line; text is neutralised against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            (
                neutralise(r.programme),
                neutralise(r.table),
                neutralise(r.group),
                neutralise(r.measure),
                _number(r.n),
                _number(r.numerator),
                _number(r.estimate),
                _number(r.low),
                _number(r.high),
                "TRUE" if r.suppressed else "FALSE",
            )
        )
    return out.getvalue()
