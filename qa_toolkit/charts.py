"""Server-side SVG geometry for the findings charts (a data table always sits beside each)."""

from __future__ import annotations

from dataclasses import dataclass

from conventions import display
from reports.intervals import Proportion

WIDTH = 640
LABEL = 280
BAR_HEIGHT = 22
GAP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    low: float | None
    high: float | None
    target: float | None
    text: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: float
    plot_x: float
    plot_width: float
    ticks: list[tuple[float, str]]


def compliance_chart(rows: list[tuple[str, Proportion, float | None]]) -> BarChart:
    """Horizontal bars of compliance with interval whiskers and each row's target marker."""
    plot_width = WIDTH - LABEL - 40
    bars = []
    for index, (label, result, target) in enumerate(rows):
        estimate = result.estimate or 0.0
        bars.append(
            Bar(
                label=label,
                y=10 + index * (BAR_HEIGHT + GAP),
                width=estimate * plot_width,
                low=None if result.low is None else LABEL + result.low * plot_width,
                high=None if result.high is None else LABEL + result.high * plot_width,
                target=None if target is None else LABEL + target * plot_width,
                text=display.percent(estimate) if result.estimate is not None else "no files",
            )
        )
    height = 10 + len(rows) * (BAR_HEIGHT + GAP) + 24
    ticks = [
        (LABEL + share * plot_width, display.percent(share)) for share in (0, 0.25, 0.5, 0.75, 1)
    ]
    return BarChart(bars, height, LABEL, plot_width, ticks)


def whole_percent_chart(
    rows: list[tuple[str, int | None, int | None, int | None, int | None]],
) -> BarChart:
    """The same chart from whole percentages (label, percent, low, high, target): the partner
    pages draw it from the partner object, so the bars carry no more precision than the table."""
    plot_width = WIDTH - LABEL - 40
    bars = [
        Bar(
            label=label,
            y=10 + index * (BAR_HEIGHT + GAP),
            width=(percent or 0) * plot_width / 100,
            low=None if low is None else LABEL + low * plot_width / 100,
            high=None if high is None else LABEL + high * plot_width / 100,
            target=None if target is None else LABEL + target * plot_width / 100,
            text=f"{percent}%" if percent is not None else "no files",
        )
        for index, (label, percent, low, high, target) in enumerate(rows)
    ]
    height = 10 + len(rows) * (BAR_HEIGHT + GAP) + 24
    ticks = [(LABEL + share * plot_width / 100, f"{share}%") for share in (0, 25, 50, 75, 100)]
    return BarChart(bars, height, LABEL, plot_width, ticks)
