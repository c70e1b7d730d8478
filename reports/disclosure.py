"""What partners may see: the one place that turns a roll-up into its partner version.

Every partner output (the viewer's findings, observation findings, overview and combined pages,
the viewer's dashboard, the partner workbook, the print view, any CSV and any later report)
renders one of the objects made here and nothing else; no other code redacts.

Interface (for writers of new partner outputs):

* `Rules` holds the settings (`Rules.from_config(app.config)`; QA_TOOLKIT_PARTNER_MIN_FILES)
  and `Rules.statements()` gives the lines the Method sheet must print.
* `programme(rollup, rules=..., ...) -> PartnerFindings` for a programme (or one observation
  template's roll-up, with no strata). Its fields hold only publishable values: whole
  percentages (`int`), counts, and text that passed the screen. `PartnerFindings.tables()`
  lays it out as plain `Table`s (title, column headings, rows of str/int/None), the shape a
  CSV, a document or a board pack writes row by row without deciding anything.
* `reports.disclosure_annual.annual(...)` does it for the IRO annual report's figures (nobody
  named, small counts and breakdown rows suppressed with complements); the board pack's
  partner version is laid out from `programme(...)`'s object alone (reports.board_pack).
* `combined(...)`, `overview_round(...)` and `dashboard(...)` (reports.disclosure_views) do
  the same for the shared-service, overview and dashboard figures; `period_blocks(...)` fixes
  the only periods an observation view for partners may cover.

The rules, each with a safe default (README, SECURITY.md, docs/disclosure.md):

1. Threshold: no figure of a table built on fewer than `min_files` files, the whole programme
   included (a smaller programme publishes only how many files were finalised).
2. Secondary suppression: reports.protection, a linear-programming audit of the pattern as in
   tau-ARGUS; a breakdown or strata table that cannot be protected is withheld whole.
3. Rounding: whole percentages (half up on the exact fraction), intervals rounded outward,
   counts; strata sizes only where each is at least `min_files`, the others merged.
4. Free text: a highlight is published only if shared by its auditor, approved for partners by
   a manager, and clear of reports.text_screen's screen (run again here, at every render).
5. Moderation: the rate and the agreement between auditors and moderators are given only when
   at least `min_files` files were moderated (before that, only how many were).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conventions import display
from reports.agreement import Agreement
from reports.disclosure_patterns import percent as percent
from reports.disclosure_patterns import suppression
from reports.disclosure_types import Figure as Figure
from reports.disclosure_types import PartnerHighlight as PartnerHighlight
from reports.disclosure_types import PartnerModeration as PartnerModeration
from reports.disclosure_types import PartnerQuestion as PartnerQuestion
from reports.disclosure_types import PartnerRow as PartnerRow
from reports.disclosure_types import PartnerTable as PartnerTable
from reports.disclosure_types import PartnerTheme as PartnerTheme
from reports.disclosure_types import PartnerTrend as PartnerTrend
from reports.disclosure_types import SharedText as SharedText
from reports.disclosure_types import StratumSize as StratumSize
from reports.disclosure_types import Table as Table
from reports.intervals import Comparison, proportion
from reports.limitations import limitation_rows
from reports.narrative import headline
from reports.rollup import BREAKDOWN_FIELDS, Rollup
from reports.text_screen import Screen, screen
from sampling.fields import NAMES_PEOPLE as NAMES_PEOPLE

DEFAULT_MIN_FILES = 5
SUPPRESSED = "suppressed"


def filter_text(field_name: str, values: Sequence[str]) -> str:
    """A design filter's values as partners read them: counted, not named, if they are people."""
    if field_name in NAMES_PEOPLE:
        return f"{len(values)} chosen"
    return ", ".join(values)


@dataclass(frozen=True)
class Rules:
    """The disclosure settings. `min_files` is k; `protection` is how many whole counts beyond
    one every suppressed cell's interval must hold (1: at least two possible counts)."""

    min_files: int = DEFAULT_MIN_FILES
    protection: int = 1

    def __post_init__(self) -> None:
        if self.min_files < 3:
            raise ValueError(
                f"The partner threshold must be at least 3 files; got {self.min_files}."
            )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        return cls(min_files=int(config.get("PARTNER_MIN_FILES") or DEFAULT_MIN_FILES))

    def withheld_text(self) -> str:
        return f"Figures appear when at least {self.min_files} files are finalised."

    def statements(self) -> list[tuple[str, str]]:
        k = self.min_files
        return [
            ("Disclosure: threshold", f"No figure is given for fewer than {k} files, the whole "
             f"programme included (QA_TOOLKIT_PARTNER_MIN_FILES = {k})."),
            ("Disclosure: secondary suppression", "Where a group is suppressed, enough other "
             "groups are suppressed too that no hidden figure can be worked out from the ones "
             "given (checked by linear programming, as in tau-ARGUS; each hidden count could "
             "be at least two values). Tables that cannot be protected are left out."),
            ("Disclosure: rounding", "Whole percentages; intervals rounded outward; strata "
             f"sizes only where each is at least {k}, other strata merged."),
            ("Disclosure: free text", "A highlight appears only when its auditor shared it, a "
             "manager approved it for partners, and it names no child, case or worker."),
        ]  # fmt: skip


@dataclass(frozen=True)
class PartnerFindings:
    """A programme's findings, as partners may see them (module docstring)."""

    rules: Rules
    files: int
    shown: bool  # False: fewer than rules.min_files files, nothing but `files` is given
    overall: Figure | None = None
    grades: tuple[tuple[str, int], ...] = ()
    themes: tuple[PartnerTheme, ...] = ()
    questions: tuple[PartnerQuestion, ...] = ()
    breakdowns: tuple[PartnerTable, ...] = ()
    withheld_breakdowns: tuple[str, ...] = ()  # labels of breakdowns left out whole
    strata: tuple[StratumSize, ...] = ()  # merged where needed; () when none can be given
    strata_note: str | None = None
    highlights: tuple[PartnerHighlight, ...] = ()
    trend: tuple[PartnerTrend, ...] = ()
    concerns: int = 0
    narrative: tuple[str, ...] = field(default_factory=tuple)
    moderation: PartnerModeration | None = None
    moderated: int = 0  # files moderated (a count of work done, given even when few)
    limitations: tuple[tuple[str, str], ...] = ()

    @property
    def areas_for_development(self) -> list[PartnerQuestion]:
        below = [q for q in self.questions if q.below_target and q.figure.percent is not None]
        return sorted(below, key=lambda q: (q.figure.percent or 0) - (q.target or 0))

    @property
    def strengths(self) -> list[PartnerQuestion]:
        return [q for q in self.questions if q.strength]

    def tables(self) -> list[Table]:
        """Every table of the partner version, in reading order (see reports.disclosure_tables)."""
        from reports.disclosure_tables import tables

        return tables(self)


def _whole_figure(
    estimate: float | None, low: float | None, high: float | None
) -> tuple[int, int, int]:
    """(percent, low, high) as the pages show them: half up, the ends rounded outward."""
    first, last = display.interval_ends(low or 0, high or 0)
    return _percent_or_none(estimate) or 0, int(first), int(last)


def _percent_or_none(value: float | None) -> int | None:
    """The whole percentage the pages show (conventions.display: half up on the exact fraction)."""
    return None if value is None else int(display.percent_value(value))


def _breakdown(name: str, rollup: Rollup, hidden: frozenset[int]) -> PartnerTable:
    return PartnerTable(
        name,
        BREAKDOWN_FIELDS[name],
        tuple(
            PartnerRow(r.group, None, None)
            if i in hidden
            else PartnerRow(r.group, r.files, Figure.of(r.result))
            for i, r in enumerate(rollup.breakdowns[name])
        ),
    )


def _strata(
    strata: Sequence[StratumSize], hidden: frozenset[int] | None, rules: Rules
) -> tuple[tuple[StratumSize, ...], str | None]:
    """Strata sizes where each is at least k; the others merged into one line."""
    k = rules.min_files
    if not strata:
        return (), None
    if hidden is None:
        return (), f"Strata sizes are not given: too many strata have fewer than {k}."
    if not hidden:
        return tuple(strata), None
    merged = [strata[i] for i in sorted(hidden)]
    kept = [s for i, s in enumerate(strata) if i not in hidden]
    together = StratumSize(
        f"{len(merged)} strata merged (fewer than {k} each, or merged to protect them)",
        sum(s.population for s in merged),
        sum(s.sample for s in merged),
    )
    note = f"Strata with fewer than {k} children on the list or sampled are merged."
    return (*kept, together), note


def _highlights(texts: Sequence[SharedText], names: Screen) -> tuple[PartnerHighlight, ...]:
    return tuple(
        PartnerHighlight(t.question, t.themes, t.text)
        for t in texts
        if t.shared and t.approved and not screen(t.text, names)
    )


def programme(
    rollup: Rollup,
    *,
    rules: Rules,
    title: str = "",
    strata: Sequence[StratumSize] = (),
    minimum_per_stratum: int = 1,
    stratum_files: Mapping[str, int] | None = None,
    trend: Sequence[tuple[str, Comparison]] = (),
    previous_files: int | None = None,
    texts: Sequence[SharedText] = (),
    names: Screen | None = None,
    people_strata: bool = False,
    moderation: tuple[int, Agreement] | None = None,
    quality: Sequence[Mapping[str, object]] = (),
) -> PartnerFindings:
    """The partner version of a programme's (or an observation template's) roll-up.

    `strata` are the design's strata sizes for the Method sheet; `stratum_files` the finalised
    files per stratum (weighted estimates are given only when every stratum has k);
    `people_strata` when the strata are named after people (they are numbered instead).
    `texts` are the programme's highlights with their approvals, `names` the screen's lists.
    `moderation` is (files moderated, the agreement over them): its figures are given only when
    at least k files were moderated. `quality` is the case list's field completeness, for the
    Limitations (counts over the whole list, no child's).
    """
    k = rules.min_files
    limitations = tuple(limitation_rows(rollup, min_files=k, quality=quality, partner=True))
    moderated = moderation[0] if moderation is not None else 0
    if rollup.files < k:
        return PartnerFindings(rules, rollup.files, False, narrative=(rules.withheld_text(),),
                               moderated=moderated, limitations=limitations)  # fmt: skip
    if people_strata:
        strata = [replace(s, label=f"Stratum {i}") for i, s in enumerate(strata, start=1)]
    hidden, strata_hidden = suppression(rollup, strata, minimum_per_stratum, rules)
    sizes, strata_note = _strata(strata, strata_hidden, rules)
    weighted_ok = (
        bool(stratum_files)
        and min((stratum_files or {}).values()) >= k
        and (not strata or strata_hidden == frozenset())
    )
    questions = tuple(
        PartnerQuestion(
            q.question_id, q.number, q.text, q.themes, Figure.of(q.result), q.not_applicable,
            (
                _whole_figure(q.weighted.estimate, q.weighted.low, q.weighted.high)
                if weighted_ok and q.weighted is not None and q.weighted.estimate is not None
                else None
            ),
            _percent_or_none(q.target), q.below_target, q.strength, q.clearly_below,
        )
        for q in rollup.questions
    )  # fmt: skip
    breakdowns: list[PartnerTable] = []
    withheld: list[str] = []
    for name, gone in hidden.items():
        if gone is None:
            withheld.append(BREAKDOWN_FIELDS[name])
        else:
            breakdowns.append(_breakdown(name, rollup, gone))
    highlights = _highlights(texts, names or Screen())
    met = sum(q.result.successes for q in rollup.questions)
    answered = sum(q.result.n for q in rollup.questions)
    method = rollup.questions[0].result.method if rollup.questions else "wilson"
    grades = [(label, files) for _v, label, files in rollup.grades]
    ungraded = rollup.files - sum(files for _label, files in grades)
    if ungraded:
        grades.append(("Not graded", ungraded))
    shown_trend = previous_files is not None and previous_files >= k
    narrative = headline(replace(rollup, highlights=[]), title)
    if highlights:
        plural = "s" if len(highlights) != 1 else ""
        narrative.append(f"{len(highlights)} highlight{plural} of good practice are shared here.")
    return PartnerFindings(
        rules=rules,
        files=rollup.files,
        shown=True,
        overall=Figure.of(proportion(met, answered, method=method)),
        grades=tuple(grades),
        themes=tuple(PartnerTheme(t.theme_id, t.title, Figure.of(t.result)) for t in rollup.themes),
        questions=questions,
        breakdowns=tuple(breakdowns),
        withheld_breakdowns=tuple(withheld),
        strata=sizes,
        strata_note=strata_note,
        highlights=highlights,
        trend=tuple(_trend(theme, c) for theme, c in trend) if shown_trend else (),
        concerns=rollup.concerns,
        narrative=tuple(narrative),
        moderation=_moderation(moderation, rollup.files, k),
        moderated=moderated,
        limitations=limitations,
    )


def _moderation(
    moderation: tuple[int, Agreement] | None, files: int, k: int
) -> PartnerModeration | None:
    """Moderation's figures, only when at least k files were moderated (whole percentages)."""
    if moderation is None or moderation[0] < k or not files:
        return None
    moderated, a = moderation
    return PartnerModeration(
        moderated, files, percent(moderated, files), a.n_pairs,
        _percent_or_none(None if a.percent is None else a.percent / 100),
        None if a.kappa is None else round(a.kappa, 2),
        None if a.ac1 is None else round(a.ac1, 2),
    )  # fmt: skip


def _trend(theme: str, c: Comparison) -> PartnerTrend:
    # The change the pages show: from the unrounded figures, rounded once (conventions.display).
    change = (
        None
        if c.before.estimate is None or c.after.estimate is None
        else int(display.change(c.before.estimate, c.after.estimate).points)
    )
    return PartnerTrend(
        theme,
        _percent_or_none(c.before.estimate),
        _percent_or_none(c.after.estimate),
        change,
        c.verdict,
    )
