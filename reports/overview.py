"""The service overview and combined findings: roll-ups of several programmes side by side.

Plain data in, plain data out. The caller rolls each programme up once (reports.rollup) and
hands the roll-ups over with their labels; nothing here reads a database.

* `theme_trend` lays out each theme's compliance round by round, and the change between
  consecutive rounds with the file as the unit (reports.rollup.theme_change), Holm-adjusted.
  Themes are matched by id, as the programme findings page does: a later template version keeps
  its theme ids.
* `combine` pools the latest round of one template across the organisations of a shared
  service: successes over n summed across them, with a Wilson interval. Pooling treats the
  samples as one and is unweighted between authorities (a large sample counts for more).
* `trend_chart` is the geometry of a small dot-and-line chart of the trend; the data table
  beside it carries the same figures, so the chart is never the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from conventions import display
from reports.intervals import Comparison, Proportion, proportion
from reports.multiplicity import adjust_comparisons
from reports.rollup import Rollup, theme_change

POOLING_NOTE = (
    "The combined figure pools the organisations' files as if they were one sample: the files "
    "that met the standard in every organisation, over all the files that answered. It is "
    "unweighted between authorities, so an organisation that audited more files counts for "
    "more, and it is not an estimate for the whole shared service's caseload."
)


@dataclass(frozen=True)
class Round:
    """One launched programme of a template, rolled up."""

    programme_id: int
    name: str
    launched: date
    version: int
    rollup: Rollup


@dataclass(frozen=True)
class ThemeTrend:
    """One theme across rounds: `results[i]` is round i (None: not in that round's template);
    `changes[i]` compares round i with round i + 1 (None: not comparable)."""

    theme_id: str
    title: str
    results: list[Proportion | None]
    changes: list[Comparison | None]


def grade_summary(rollup: Rollup) -> str:
    """'Good 2 · Inadequate 1' (best grade first, grades no file got left out)."""
    parts = [f"{label} {files}" for _value, label, files in rollup.grades if files]
    return " · ".join(parts) if parts else "No grades yet"


def theme_trend(rounds: Sequence[Round]) -> list[ThemeTrend]:
    """Each theme's compliance per round and each consecutive change; `rounds` oldest first.

    Themes come in the latest round's order, then any that only earlier rounds had. A change
    is tested only when both rounds have the theme and at least one answer in it, as on the
    programme page (reports.intervals.compare refuses nothing, but says nothing useful then).
    """
    titles: dict[str, str] = {}
    for round_ in reversed(rounds):
        for theme in round_.rollup.themes:
            titles.setdefault(theme.theme_id, theme.title)
    by_round = [{t.theme_id: t for t in r.rollup.themes} for r in rounds]
    themes = {theme_id: [found.get(theme_id) for found in by_round] for theme_id in titles}
    trends = []
    for theme_id, title in titles.items():
        results = [t.result if t is not None else None for t in themes[theme_id]]
        changes: list[Comparison | None] = []
        for before, after in zip(themes[theme_id], themes[theme_id][1:], strict=False):
            if before is not None and after is not None and before.result.n and after.result.n:
                changes.append(theme_change(before, after))
            else:
                changes.append(None)
        trends.append(ThemeTrend(theme_id, title, results, changes))
    # Each pair of consecutive rounds tests every theme at once: Holm within each pair.
    for step in range(max(len(rounds) - 1, 0)):
        adjusted = adjust_comparisons([t.changes[step] for t in trends])
        for trend, change in zip(trends, adjusted, strict=True):
            trend.changes[step] = change
    return trends


# ---- Combined findings for a shared service ---------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One organisation's latest round of the template."""

    organisation: str
    programme: str
    launched: date
    version: int
    rollup: Rollup


@dataclass(frozen=True)
class CombinedRow:
    """A theme or question: each site's figure (None: its template lacks it) and the pool."""

    key: str
    label: str
    figures: list[Proportion | None]
    combined: Proportion

    @property
    def pooled_sites(self) -> int:
        return sum(1 for f in self.figures if f is not None)


@dataclass(frozen=True)
class Combined:
    sites: list[Site]
    themes: list[CombinedRow]
    questions: list[CombinedRow]

    @property
    def files(self) -> int:
        return sum(site.rollup.files for site in self.sites)

    @property
    def mixed_versions(self) -> bool:
        """Whether the sites answered different versions (questions are then matched by id)."""
        return len({site.version for site in self.sites}) > 1


def _pooled(key: str, label: str, figures: list[Proportion | None]) -> CombinedRow:
    present = [f for f in figures if f is not None]
    combined = proportion(sum(f.successes for f in present), sum(f.n for f in present))
    return CombinedRow(key, label, figures, combined)


def combine(sites: Sequence[Site]) -> Combined:
    """Each site's figures per theme and per question beside the pooled ones (Wilson).

    Rows come in the first site's order, then any that only later sites' templates have; a
    site whose template lacks a row contributes nothing to that row's pool.
    """
    theme_labels: dict[str, str] = {}
    question_labels: dict[str, str] = {}
    for site in sites:
        for theme in site.rollup.themes:
            theme_labels.setdefault(theme.theme_id, theme.title)
        for question in site.rollup.questions:
            question_labels.setdefault(question.question_id, f"{question.number} {question.text}")
    theme_results = [{t.theme_id: t.result for t in s.rollup.themes} for s in sites]
    question_results = [{q.question_id: q.result for q in s.rollup.questions} for s in sites]
    return Combined(
        sites=list(sites),
        themes=[
            _pooled(key, label, [found.get(key) for found in theme_results])
            for key, label in theme_labels.items()
        ],
        questions=[
            _pooled(key, label, [found.get(key) for found in question_results])
            for key, label in question_labels.items()
        ],
    )


# ---- The trend chart's geometry ----------------------------------------------------------------

WIDTH = 640
LEFT = 48  # room for the percentage labels
RIGHT = 16
TOP = 12
PLOT_HEIGHT = 200
AXIS_LABELS = 40  # two lines under the plot: the round and its launch month
LEGEND_ROW = 20
MARKER = 5
# Okabe and Ito's palette, which stays distinguishable with the common colour-vision
# deficiencies; the marker shape differs too, so colour is never the only cue.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
SHAPES = ("square", "triangle", "diamond", "down")


@dataclass(frozen=True)
class Point:
    round: int  # 1 for the oldest round
    x: float
    y: float
    low: float  # y of the interval's ends
    high: float
    marker: str  # the polygon's points
    text: str  # '70% (95% CI 40–89%)', for the marker's tooltip


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    shape: str
    points: list[Point]
    lines: list[str]  # polyline point lists; broken where a round lacks the theme
    legend_y: float
    legend_marker: str


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str, str]]  # (x, 'Round 1', 'Mar 2026')
    series: list[Series]


def _marker(shape: str, x: float, y: float, size: float = MARKER) -> str:
    corners: list[tuple[float, float]] = {
        "square": [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)],
        "triangle": [(0, -1.2), (1.1, 0.9), (-1.1, 0.9)],
        "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
        "down": [(-1.1, -0.9), (1.1, -0.9), (0, 1.2)],
    }[shape]
    return " ".join(f"{x + dx * size:.1f},{y + dy * size:.1f}" for dx, dy in corners)


def _figure_text(p: Proportion) -> str:
    assert p.estimate is not None  # noqa: S101 (only rounds with answers are plotted)
    return f"{display.percent(p.estimate)} (95% CI {display.interval(p.low, p.high)})"


def trend_chart(trends: Sequence[ThemeTrend], rounds: Sequence[Round]) -> TrendChart:
    """Dots with interval whiskers per theme and round, joined by a line per theme.

    Rounds are evenly spaced bands, oldest on the left, each theme nudged sideways within its
    band so that the whiskers of equal figures do not hide one another. y runs from 100% at
    the top of the plot to 0% at the bottom. `rounds` oldest first, as given to theme_trend.
    """
    plot_right = WIDTH - RIGHT
    plot_width = plot_right - LEFT
    plot_bottom = TOP + PLOT_HEIGHT
    band = plot_width / max(1, len(rounds))
    nudge = min(8.0, band / (len(trends) + 1))

    def y_of(share: float) -> float:
        return TOP + (1 - share) * PLOT_HEIGHT

    legend_top = plot_bottom + AXIS_LABELS + 8
    series = []
    for index, trend in enumerate(trends):
        shape = SHAPES[index % len(SHAPES)]
        offset = (index - (len(trends) - 1) / 2) * nudge
        points: list[Point] = []
        lines: list[str] = []
        run: list[str] = []
        for position, result in enumerate(trend.results):
            if result is None or result.estimate is None:
                if len(run) > 1:
                    lines.append(" ".join(run))
                run = []
                continue
            x = LEFT + band * (position + 0.5) + offset
            y = y_of(result.estimate)
            points.append(
                Point(position + 1, x, y, y_of(result.low), y_of(result.high),
                      _marker(shape, x, y), _figure_text(result))
            )  # fmt: skip
            run.append(f"{x:.1f},{y:.1f}")
        if len(run) > 1:
            lines.append(" ".join(run))
        legend_y = legend_top + index * LEGEND_ROW
        series.append(
            Series(
                label=trend.title,
                colour=COLOURS[index % len(COLOURS)],
                shape=shape,
                points=points,
                lines=lines,
                legend_y=legend_y,
                legend_marker=_marker(shape, LEFT + 6, legend_y - 4),
            )
        )
    return TrendChart(
        width=WIDTH,
        height=legend_top + len(trends) * LEGEND_ROW,
        plot_left=LEFT,
        plot_right=plot_right,
        plot_top=TOP,
        plot_bottom=plot_bottom,
        y_ticks=[(y_of(share), display.percent(share)) for share in (0, 0.25, 0.5, 0.75, 1)],
        x_labels=[
            (LEFT + band * (i + 0.5), f"Round {i + 1}", display.month(r.launched))
            for i, r in enumerate(rounds)
        ],
        series=series,
    )
