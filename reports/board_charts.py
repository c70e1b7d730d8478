"""The board pack's charts as PNG images, drawn by matplotlib from the pack's own numbers.

matplotlib's object interface (`Figure` with the Agg canvas) is used, never pyplot: no
global state, no display, safe in a web worker. Each chart draws exactly the values its table
prints beside it (reports.board_pack), so the picture cannot say more than the figures.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from reports.board_pack import Line, Trend

__all__ = ["themes", "trend"]

BLUE, GREY, DARK = "#1d70b8", "#b1b4b6", "#0b0c0c"


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()


def _short(label: str, width: int = 38) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def themes(lines: Sequence[Line]) -> bytes:
    """Horizontal bars of each theme's share, its 95% interval as whiskers, its target mark."""
    figure = Figure(figsize=(7.0, 0.5 + 0.45 * max(len(lines), 1)))
    axes = figure.add_subplot()
    rows = list(range(len(lines)))[::-1]
    values = [line.value or 0.0 for line in lines]
    axes.barh(rows, values, color=BLUE, height=0.6)
    for row, line in zip(rows, lines, strict=True):
        if line.value is not None and line.low is not None and line.high is not None:
            axes.errorbar(
                line.value, row, xerr=[[line.value - line.low], [line.high - line.value]],
                color=DARK, capsize=3, linewidth=1,
            )  # fmt: skip
        if line.target_value is not None:
            axes.plot([line.target_value] * 2, [row - 0.35, row + 0.35], color=DARK, linewidth=2)
        axes.text(101, row, line.percent, va="center", fontsize=8)
    axes.set_yticks(rows, [_short(line.label) for line in lines], fontsize=8)
    axes.set_xlim(0, 110)
    axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    axes.set_xlabel("Share meeting the standard (95% interval; bar mark: target)", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def trend(lines: Sequence[Trend]) -> bytes:
    """Each theme then (grey) and now (blue), side by side."""
    figure = Figure(figsize=(7.0, 0.6 + 0.55 * max(len(lines), 1)))
    axes = figure.add_subplot()
    rows = list(range(len(lines)))[::-1]
    before = [t.before_value or 0.0 for t in lines]
    after = [t.after_value or 0.0 for t in lines]
    axes.barh([r + 0.18 for r in rows], before, height=0.35, color=GREY, label="Last round")
    axes.barh([r - 0.18 for r in rows], after, height=0.35, color=BLUE, label="This round")
    for row, t in zip(rows, lines, strict=True):
        axes.text(101, row + 0.18, t.before, va="center", fontsize=7)
        axes.text(101, row - 0.18, t.after, va="center", fontsize=7)
    axes.set_yticks(rows, [_short(t.theme) for t in lines], fontsize=8)
    axes.set_xlim(0, 110)
    axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    axes.set_xlabel("Share meeting the standard", fontsize=8)
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
