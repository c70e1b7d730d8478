"""The findings in sentences a senior manager or the LSCP can read aloud."""

from __future__ import annotations

from conventions import display
from reports.intervals import format_finding
from reports.rollup import Rollup


def precision(rollup: Rollup, asked: float | None = None) -> list[str]:
    """Where the finite population correction was applied, and the margin the questions achieved
    beside the ±`asked` the design was sized for (None: the size was not set by a margin).

    The achieved margin is the largest distance from an estimate to an end of its interval, over
    the questions every file answered (the design's promise assumes every file answers; a
    question often "Not applicable" has fewer files and a wider interval), rounded up.
    """
    lines = []
    if rollup.overall is not None:
        lines += [n for n in rollup.overall.notes if n.startswith("Finite population correction")]
    margins = [
        q.result.margin
        for q in rollup.questions
        if q.result.n == rollup.files and q.result.n and q.result.margin is not None
    ]
    if asked is not None and margins:
        achieved = display.percent_value(max(margins), 1, "up").normalize()
        wanted = display.percent_value(asked, 1).normalize()
        lines.append(
            f"The design asked for ±{wanted:f} points; the questions every file answered are "
            f"within ±{achieved:f} points of their estimates."
        )
    return lines


def headline(rollup: Rollup, template_title: str) -> list[str]:
    """A short narrative: how many files, the strongest and weakest themes, what to develop."""
    if rollup.files == 0:
        return [f"No {template_title} audits have been finalised in this programme yet."]
    lines = [f"{rollup.files} files were audited with the {template_title}."]
    themes = sorted(
        (t for t in rollup.themes if t.result.estimate is not None),
        key=lambda t: t.result.estimate or 0,
    )
    if themes:
        best, worst = themes[-1], themes[0]
        # A theme pools the answers to several questions: count answers, not files.
        lines.append(
            f"The strongest theme was {best.title.lower()}: "
            f"{format_finding(best.result, 'answer', 'answers')} met the standard."
        )
        if worst is not best:
            lines.append(
                f"The weakest was {worst.title.lower()}: "
                f"{format_finding(worst.result, 'answer', 'answers')}."
            )
    below = rollup.areas_for_development
    if below:
        first = below[0]
        clearly = sum(q.clearly_below for q in below)
        if len(below) == 1:
            split = ";"
        elif clearly in (0, len(below)):
            split = (
                " (each clearly: the whole interval under the target);"
                if clearly
                else " (for each the target is within the interval);"
            )
        else:
            split = (
                f": {clearly} clearly (the whole interval under the target) and "
                f"{len(below) - clearly} with the target within the interval;"
            )
        lines.append(
            f"{len(below)} question{'s were' if len(below) != 1 else ' was'} below target"
            f"{split} the furthest was “{first.text}” ({format_finding(first.result)}, target "
            f"{display.percent(first.target or 0)}: {first.target_reading})."
        )
    shared = sum(1 for h in rollup.highlights if h.shareable)
    if shared:
        plural = "s" if shared != 1 else ""
        lines.append(f"Auditors recorded {shared} highlight{plural} of good practice to share.")
    if rollup.concerns:
        # The roll-up counts concerns raised, not whether a manager has acknowledged them yet:
        # say only what is true of every one (it reached the managers as soon as it was saved).
        many = rollup.concerns != 1
        lines.append(
            "Auditors raised an immediate concern about a child's safety or plan in "
            f"{rollup.concerns} audit{'s' if many else ''}; "
            f"{'each' if many else 'it'} was passed to managers at once."
        )
    return lines
