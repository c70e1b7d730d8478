"""The annual report's sections: each a generated paragraph in plain English and its tables.

A paragraph gives the figures, the change from the previous period and whether it is more than
chance (Fisher's exact test for a share, `reports.intervals.compare`; the design-based test on
files for audit rounds, `reports.survey.compare_ratios`), and what stands out. Counts of every
child or every escalation are not samples, so they are compared without a test. The author may
replace any paragraph before exporting (`apply_edits`); the edit is kept with the report.

The same writer serves the partner version: it is given the figures reports.disclosure_annual
protected, where a suppressed count is None and people's breakdowns are empty, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from conventions import display
from reports.annual import AnnualFigures, Count
from reports.disclosure import Table
from reports.intervals import compare, format_p_value
from reports.survey import compare_ratios

__all__ = ["SECTION_TITLES", "Section", "apply_edits", "sections", "withheld"]

SECTION_TITLES = {
    "children": "Children looked after",
    "reviews": "Reviews held within the statutory timescale",
    "participation": "Children's participation in their reviews",
    "caseloads": "IRO caseloads and changes of IRO",
    "escalations": "Dispute resolution: escalations and their outcomes",
    "audits": "Footprint audits: what the IROs' files show",
    "observations": "Peer observations of review chairing",
    "actions": "Practice-development actions",
}
SMALL = "fewer than {k}"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraph: str
    generated: str  # the paragraph as generated (kept beside an edit)
    tables: tuple[Table, ...] = ()

    @property
    def edited(self) -> bool:
        return self.paragraph != self.generated


def _n(value: int | None, k: int) -> str:
    return SMALL.format(k=k) if value is None else display.count(value)


def _share(met: int | None, n: int | None) -> str:
    if met is None or n is None:
        return "suppressed"
    if n == 0:
        return "none to count"
    return display.percent(Fraction(met, n))


def _count_rows(
    rows: Sequence[Count], with_share: bool
) -> tuple[tuple[str | int | None, ...], ...]:
    if with_share:
        return tuple((r.group, r.n, r.met, _share(r.met, r.n)) for r in rows)
    return tuple((r.group, r.n) for r in rows)


def _table(title: str, group: str, rows: Sequence[Count], measure: str = "") -> Table:
    if measure:
        columns: tuple[str, ...] = (group, "Number", measure, "Share")
        return Table(title, columns, _count_rows(rows, True))
    return Table(title, (group, "Number"), _count_rows(rows, False))


def _verdict(met: int, n: int, before_met: int | None, before_n: int | None) -> str:
    """'Last year: 88%; improved from 88% to 93% (Fisher's exact test, p = 0.01): unlikely...'"""
    if before_met is None or before_n is None or not before_n or not n:
        return "There is nothing from the previous period to compare with."
    c = compare(before_met, before_n, met, n)
    return f"Compared with the previous period the share {c.verdict}."


def _rise_or_fall(met: int, n: int, before_met: int, before_n: int, what: str) -> str:
    """A share where neither direction is better (changes of IRO): 'rose' or 'fell', tested."""
    c = compare(before_met, before_n, met, n)
    moved = display.change(Fraction(before_met, before_n), Fraction(met, n), 1)
    word = "rose" if moved.points > 0 else "fell" if moved.points < 0 else "stayed"
    ends = f"from {moved.before} to {moved.after}" if word != "stayed" else f"at {moved.after}"
    judgement = "unlikely to be chance" if c.significant else "could be chance"
    p = format_p_value(c.p_value) if c.p_value is not None else ""
    return f"Compared with the previous period {what} {word} {ends} ({c.test} {p}): {judgement}."


def _children(f: AnnualFigures, prev: AnnualFigures | None, k: int) -> Section:
    c = f.children
    last = display.date(c.last_list) if c.last_list else "no list"
    text = (
        f"On {display.date(f.as_at)}, {_n(c.on_last_day, k)} children were looked after "
        f"(the case list dated {last}). {_n(c.in_period, k)} different children were on the "
        f"{c.lists} case list{'s' if c.lists != 1 else ''} dated in the period."
    )
    if prev is not None and prev.children.on_last_day and c.on_last_day is not None:
        before = prev.children.on_last_day or 0
        text += (
            f" A year earlier {display.count(before)} were looked after "
            f"({c.on_last_day - before:+,}): a count of every child, not a sample, so no test "
            "of chance applies."
        )
    return _section("children", text)


def _reviews(f: AnnualFigures, prev: AnnualFigures | None, k: int) -> Section:
    r = f.reviews
    text = f"IROs chaired {_n(r.held, k)} reviews in the period."
    if r.timed:
        text += (
            f" Of the {display.count(r.timed)} whose due date is known, "
            f"{display.count(r.on_time)} ({_share(r.on_time, r.timed)}) were held within the "
            "statutory timescale (first review within 20 working days, the second within 3 "
            "months, then every 6 months)."
        )
        before = prev.reviews if prev is not None else None
        text += " " + _verdict(
            r.on_time, r.timed, before.on_time if before else None, before.timed if before else None
        )
    if r.held > r.timed:
        text += (
            f" {display.count(r.held - r.timed)} reviews could not be timed: the date the child "
            "became looked after is not on the list."
        )
    lowest = _lowest(r.by_quarter, k)
    if lowest is not None:
        text += f" The lowest quarter was {lowest.group}, at {_share(lowest.met, lowest.n)}."
    lowest_team = _lowest(r.by_team, k)
    if lowest_team is not None and len(r.by_team) > 1:
        text += (
            f" Of the teams with at least {k} reviews, {lowest_team.group} had the lowest share "
            f"on time ({_share(lowest_team.met, lowest_team.n)})."
        )
    tables = [
        _table("Reviews by quarter", "Quarter", r.by_quarter, "On time"),
        _table("Reviews by team", "Team", r.by_team, "On time"),
    ]
    if r.by_iro:
        tables.append(_table("Reviews by IRO", "IRO", r.by_iro, "On time"))
    return _section("reviews", text, tables)


def _lowest(rows: Sequence[Count], k: int) -> Count | None:
    counted = [r for r in rows if r.n is not None and r.met is not None and r.n >= k]
    return min(counted, key=lambda r: (Fraction(r.met or 0, r.n or 1), r.group), default=None)


def _participation(f: AnnualFigures, prev: AnnualFigures | None, k: int) -> Section:
    p = f.participation
    if not p.aged_four_plus:
        text = "No review of a child aged 4 or over has a participation code in the period."
    else:
        text = (
            f"In {display.count(p.taking_part)} of the {display.count(p.aged_four_plus)} "
            f"reviews of children aged 4 and over ({_share(p.taking_part, p.aged_four_plus)}) "
            "the child took part: attended and spoke, or conveyed their views through an "
            "advocate or another way (PN1 to PN6)."
        )
        before = prev.participation if prev is not None else None
        text += " " + _verdict(
            p.taking_part,
            p.aged_four_plus,
            before.taking_part if before else None,
            before.aged_four_plus if before else None,
        )
        coded = [r for r in p.by_code if r.n and not r.group.startswith("PN0")]
        if coded:
            top = max(coded, key=lambda r: r.n or 0)
            text += f" The most usual way was {top.group.split(': ', 1)[1].lower()}."
    missing = p.by_code[-1].n if p.by_code else 0
    if missing:
        text += f" {display.count(missing)} reviews have no participation code recorded."
    return _section("participation", text, [_table("Participation by PN code", "Code", p.by_code)])


def _caseloads(f: AnnualFigures, prev: AnnualFigures | None, k: int) -> Section:
    c = f.caseloads
    if c.average is None:
        text = "No case list on or before the last day names the children's IROs."
    else:
        text = f"On the last day the average IRO caseload was {c.average:.1f} children"
        if c.low is not None and c.high is not None:
            text += f" (from {c.low} to {c.high})"
        text += "."
    if c.over_year:
        averages = [a for *_rest, a, _lo, _hi in c.over_year if a is not None]
        if averages:
            text += (
                f" Over the {len(c.over_year)} case lists dated in the period the average "
                f"caseload ran from {min(averages):.1f} to {max(averages):.1f}."
            )
    if c.followed:
        text += (
            f" {_n(c.changed_children, k)} of the {display.count(c.followed)} children on two "
            f"consecutive lists had a change of IRO"
            + (f" ({c.changes} changes)." if c.changes and not f.partner else ".")
        )
        if (
            prev is not None
            and prev.caseloads.followed
            and c.changed_children is not None
            and prev.caseloads.changed_children is not None
        ):
            text += " " + _rise_or_fall(
                c.changed_children, c.followed, prev.caseloads.changed_children or 0,
                prev.caseloads.followed, "the share changing IRO",
            )  # fmt: skip
    year = Table(
        "Caseloads on each case list in the period",
        ("Case list dated", "IROs", "Children", "Average caseload", "Lowest", "Highest"),
        tuple(
            (display.date(day), iros, children, None if a is None else f"{a:.1f}", lo, hi)
            for day, iros, children, a, lo, hi in c.over_year
        ),
    )
    tables = [year]
    if c.on_last_day:
        tables.insert(0, _table("Caseload per IRO on the last day", "IRO", c.on_last_day))
    return _section("caseloads", text, tables)


def _escalations(f: AnnualFigures, prev: AnnualFigures | None, k: int) -> Section:
    e = f.escalations
    text = (
        f"IROs raised {_n(e.raised, k)} escalations in the period: {_n(e.resolved, k)} resolved, "
        f"{_n(e.open, k)} still open ({_n(e.overdue, k)} with a response overdue) and "
        f"{_n(e.withdrawn, k)} withdrawn."
    )
    if e.resolved:
        text += (
            f" {_n(e.within, k)} of those resolved ({_share(e.within, e.resolved)}) were resolved "
            f"within {e.end_to_end} working days"
        )
        if e.median_working_days is not None:
            text += (
                f"; the median time to resolution was {e.median_working_days:g} working days "
                f"({e.median_days:g} calendar days)"
            )
        text += "."
        before = prev.escalations if prev is not None else None
        if e.within is not None and e.resolved is not None:
            text += " " + _verdict(
                e.within, e.resolved, before.within if before else None,
                before.resolved if before else None,
            )  # fmt: skip
    top = [r for r in e.by_reason if r.n]
    if top:
        text += f" The most frequent reason was '{top[0].group}'."
    tables = [
        _table("Escalations by quarter raised", "Quarter", e.by_quarter, "Resolved in timescale"),
        _table("Escalations by stage reached", "Stage", e.by_stage),
        _table("Escalations by reason", "Reason", e.by_reason),
        _table("Escalations by team", "Team", e.by_team),
        _table("Escalations by who raised them", "Raised by", e.by_raised_by),
        _table("Escalations by who they were addressed to", "Addressed to", e.by_addressed_to),
    ]
    if e.by_iro:
        tables.insert(4, _table("Escalations by IRO", "IRO", e.by_iro))
    outcomes = (
        ("Resolved", e.resolved), ("Still open", e.open), ("Withdrawn", e.withdrawn),
    )  # fmt: skip
    tables.append(Table("Outcomes", ("Outcome", "Number"), outcomes))
    return _section("escalations", text, tables)


def _audits(f: AnnualFigures, _prev: AnnualFigures | None, k: int) -> Section:
    rounds = f.rounds
    if not rounds:
        return _section("audits", "No footprint audit round was launched in the period.")
    parts = []
    for r in rounds:
        if r.overall is None or r.overall.estimate is None:
            parts.append(f"{r.name} ({r.files} files: too few to give a figure)")
            continue
        p = r.overall.as_proportion()
        parts.append(
            f"{r.name} ({r.files} files: {display.percent(p.estimate)} of the standards met, "
            f"95% interval {display.interval(p.low, p.high)})"
        )
    text = "Footprint audit rounds: " + "; ".join(parts) + "."
    shown = [r for r in rounds if r.overall is not None and r.overall.estimate is not None]
    if len(shown) >= 2:
        c = compare_ratios(shown[-2].overall, shown[-1].overall)  # type: ignore[arg-type]
        text += f" From {shown[-2].name} to {shown[-1].name} the share met {c.verdict}."
    themes = {title for r in shown for title, _p in r.themes}
    rows = []
    for title in sorted(themes):
        line: list[str | int | None] = [title]
        for r in shown:
            found = dict(r.themes).get(title)
            line.append(None if found is None else display.percent(found.estimate))
        rows.append(tuple(line))
    table = Table("Theme compliance by round", ("Theme", *(r.name for r in shown)), tuple(rows))
    return _section("audits", text, [table] if shown else [])


def _observations(f: AnnualFigures, _prev: AnnualFigures | None, k: int) -> Section:
    o = f.observations
    if o is None or o.observations == 0:
        return _section("observations", "No peer observation was finalised in the period.")
    if not o.shown:
        text = (
            f"{_n(o.observations if o.observations >= k else None, k)} peer observations were "
            f"finalised: figures are given once at least {k} are."
        )
        return _section("observations", text)
    text = f"{display.count(o.observations)} peer observations of review chairing were finalised."
    known = [(t, p) for t, p in o.themes if p is not None]
    if known:
        best = max(known, key=lambda item: item[1])
        worst = min(known, key=lambda item: item[1])
        text += f" The strongest theme was {best[0]} ({best[1]}%)"
        text += f", the weakest {worst[0]} ({worst[1]}%)." if worst != best else "."
    rows = tuple((t, None if p is None else f"{p}%") for t, p in o.themes)
    return _section("observations", text, [Table("Observation themes", ("Theme", "Met"), rows)])


def _actions(f: AnnualFigures, prev: AnnualFigures | None, k: int) -> Section:
    a = f.actions
    text = (
        f"{_n(a.raised, k)} practice-development actions were raised in the period and "
        f"{_n(a.completed, k)} completed; on {display.date(f.as_at)} {_n(a.overdue, k)} "
        f"{'was' if a.overdue == 1 else 'were'} overdue."
    )
    if prev is not None and prev.actions.raised:
        text += f" The year before, {display.count(prev.actions.raised)} were raised."
    rows = (
        ("Raised", a.raised),
        ("Completed", a.completed),
        ("Overdue on the last day", a.overdue),
    )
    return _section("actions", text, [Table("Actions", ("Actions", "Number"), rows)])


def _section(key: str, text: str, tables: Sequence[Table] = ()) -> Section:
    return Section(key, SECTION_TITLES[key], text, text, tuple(tables))


_WRITERS = (
    _children, _reviews, _participation, _caseloads, _escalations, _audits, _observations,
    _actions,
)  # fmt: skip


def sections(
    figures: AnnualFigures, previous: AnnualFigures | None = None, *, k: int = 5
) -> list[Section]:
    """Every section in reading order; `k` is the partner threshold the words name."""
    return [write(figures, previous, k) for write in _WRITERS]


def withheld(figures: AnnualFigures, k: int) -> Section:
    """The partner report of a service with fewer than k children: only that is said."""
    return _section(
        "children",
        f"Fewer than {k} children were looked after on {display.date(figures.as_at)}, so no "
        "figure of this report can be given to partners without identifying a child.",
    )


def apply_edits(found: Sequence[Section], edits: Mapping[str, str]) -> list[Section]:
    """The sections with the author's paragraphs in place of the generated ones."""
    return [
        replace(s, paragraph=edits[s.key]) if edits.get(s.key, "").strip() else s for s in found
    ]
