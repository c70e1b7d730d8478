"""The overview's arithmetic on hand-worked roll-ups: rounds side by side, changes, pooling."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from audit_templates.loader import load_template_text
from reports.intervals import proportion
from reports.overview import (
    Round,
    Site,
    combine,
    grade_summary,
    theme_trend,
    trend_chart,
)
from reports.rollup import AuditRecord, Rollup, ThemeFinding, rollup
from tests.support.app import example_template_yaml

TITLES = {"voice": "Voice of the child", "timeliness": "Timeliness", "planning": "Planning"}


def _rollup(themes: dict[str, tuple[int, int]], **titles: str) -> Rollup:
    """A roll-up with just these theme counts (met, answered), in this order."""
    return Rollup(
        files=10,
        questions=[],
        themes=[
            ThemeFinding(t, titles.get(t, TITLES[t]), proportion(x, n), 1)
            for t, (x, n) in themes.items()
        ],
        grades=[],
        breakdowns={},
        highlights=[],
        concerns=0,
    )


def _round(number: int, launched: date, rolled: Rollup, version: int = 1) -> Round:
    return Round(number, f"Round {number}", launched, version, rolled)


ROUNDS = [
    _round(1, date(2025, 3, 1), _rollup({"voice": (6, 10), "timeliness": (2, 10)})),
    # Version 2 adds a planning theme, but every file answered its question N/A: 0 of 0.
    _round(
        2,
        date(2025, 9, 1),
        _rollup({"voice": (9, 10), "timeliness": (10, 10), "planning": (0, 0)}),
        version=2,
    ),
    # Version 3 renames the voice theme and drops timeliness.
    _round(
        3,
        date(2026, 3, 1),
        _rollup({"voice": (9, 10), "planning": (3, 4)}, voice="Voice and participation"),
        version=3,
    ),
]


def test_each_theme_is_laid_out_round_by_round_with_the_latest_title_first() -> None:
    trends = theme_trend(ROUNDS)
    # The latest round's themes in its order, then timeliness, which only earlier rounds had.
    assert [t.theme_id for t in trends] == ["voice", "planning", "timeliness"]
    assert trends[0].title == "Voice and participation"
    counts = {
        t.theme_id: [None if r is None else (r.successes, r.n) for r in t.results] for t in trends
    }
    assert counts == {
        "voice": [(6, 10), (9, 10), (9, 10)],
        "planning": [None, (0, 0), (3, 4)],
        "timeliness": [(2, 10), (10, 10), None],
    }
    # The cells are the roll-ups' own figures, with their Wilson intervals: 6 of 10 is
    # centre (0.6 + z²/20) / (1 + z²/10) = 0.5723, half-width 0.2596, so 31.3% to 83.2%.
    first = trends[0].results[0]
    assert first is ROUNDS[0].rollup.themes[0].result
    assert first is not None
    assert (first.low, first.high) == pytest.approx((0.31267, 0.83182), abs=1e-5)


def test_consecutive_rounds_are_compared_with_fishers_exact_test() -> None:
    voice, planning, timeliness = theme_trend(ROUNDS)
    assert len(voice.changes) == len(ROUNDS) - 1
    spring_to_autumn, autumn_to_spring = voice.changes
    assert spring_to_autumn is not None and autumn_to_spring is not None
    # 6 of 10 then 9 of 10: margins 15 met / 5 not of 20, C(20,10) = 184,756 tables. The
    # first round's met count k runs 5..10 with C(15,k)C(5,10-k) = 3003, 25025, 64350, 64350,
    # 25025, 3003; k = 6 was seen (25025) and the tables no likelier are k = 5, 6, 9, 10:
    # p = 56,056 / 184,756 = 0.3034.
    assert spring_to_autumn.p_value == pytest.approx(56_056 / 184_756)
    assert not spring_to_autumn.significant
    assert spring_to_autumn.verdict.startswith("improved from 60% to 90%")
    assert autumn_to_spring.verdict.startswith("stayed at 90%")  # 9 of 10 twice: p = 1.
    assert autumn_to_spring.p_value == pytest.approx(1.0)
    # 2 of 10 then 10 of 10: margins 12 / 8; only k = 2 and k = 10 are as unlikely, each
    # C(12,2)C(8,8) = C(12,10)C(8,0) = 66 tables: p = 132 / 184,756 = 0.0007.
    up, gone = timeliness.changes
    assert up is not None and up.p_value == pytest.approx(132 / 184_756) and up.significant
    assert gone is None  # Version 3 has no timeliness theme.
    # Planning: absent in round 1, no answers (0 of 0) in round 2: neither change is tested.
    assert planning.changes == [None, None]


def test_a_single_round_has_no_changes() -> None:
    [voice, timeliness] = theme_trend(ROUNDS[:1])
    assert voice.changes == [] and timeliness.changes == []


def test_the_grade_summary_names_the_grades_files_got_best_first() -> None:
    rolled = replace(
        _rollup({}),
        grades=[("outstanding", "Outstanding", 0), ("good", "Good", 2),
                ("requires_improvement", "Requires improvement to be good", 1),
                ("inadequate", "Inadequate", 0)],
    )  # fmt: skip
    assert grade_summary(rolled) == "Good 2 · Requires improvement to be good 1"
    assert grade_summary(_rollup({})) == "No grades yet"


# ---- Combined findings -------------------------------------------------------------------


@pytest.fixture
def two_sites():  # type: ignore[no-untyped-def]
    template = load_template_text(example_template_yaml(), "example.yaml")
    north = rollup(
        template,
        [
            AuditRecord({"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "yes"}),
            AuditRecord({"consulted": "no", "age_band": "Under 16"}),
            AuditRecord({"consulted": "yes", "age_band": "Under 16"}),
        ],
    )
    south = rollup(
        template,
        [
            AuditRecord({"consulted": "partly", "age_band": "16 or 17", "pathway_plan": "no"}),
            AuditRecord(
                {"consulted": "not_applicable", "age_band": "16 or 17", "pathway_plan": "yes"}
            ),
        ],
    )
    return (
        Site("North", "North spring", date(2026, 3, 1), 1, north),
        Site("South", "South spring", date(2026, 4, 1), 1, south),
    )


def _figures(row) -> list[tuple[int, int] | None]:  # type: ignore[no-untyped-def]
    return [None if f is None else (f.successes, f.n) for f in row.figures]


def test_combined_figures_pool_successes_over_pooled_answers(two_sites) -> None:  # type: ignore[no-untyped-def]
    combined = combine(two_sites)
    assert combined.files == 5 and not combined.mixed_versions
    questions = {row.key: row for row in combined.questions}
    # consulted: North yes, no, yes = 2 of 3; South partly (not met), N/A (out) = 0 of 1.
    consulted = questions["consulted"]
    assert consulted.label == "1.1 Did the IRO consult the child before the review?"
    assert _figures(consulted) == [(2, 3), (0, 1)]
    # Pooled: (2 + 0) of (3 + 1) = 2 of 4 = 50%. Wilson with z = 1.96 at p = 0.5, n = 4:
    # centre 0.5, half-width 1.96 * sqrt(0.0625 + 3.8415/64) / (1 + 3.8415/4) = 0.3500,
    # so 15.0% to 85.0%.
    pooled = consulted.combined
    assert (pooled.successes, pooled.n, pooled.estimate) == (2, 4, 0.5)
    assert (pooled.low, pooled.high) == pytest.approx((0.15004, 0.84996), abs=1e-5)
    assert pooled.method == "wilson" and pooled.small
    # pathway_plan: North 1 of 1 (two files are under 16, so it is hidden); South 1 of 2.
    assert _figures(questions["pathway_plan"]) == [(1, 1), (1, 2)]
    assert (questions["pathway_plan"].combined.successes, questions["pathway_plan"].combined.n) == (
        2, 3,
    )  # fmt: skip
    themes = {row.key: row for row in combined.themes}
    # voice = consulted + pathway_plan: North 3 of 4 (75%), South 1 of 3 (33%). Pooled 4 of 7
    # is 57%, not the 54% an average of the two percentages would give: the pool is unweighted
    # between authorities, so North's extra file counts.
    voice = themes["voice"]
    assert _figures(voice) == [(3, 4), (1, 3)]
    assert (voice.combined.successes, voice.combined.n) == (4, 7)
    assert voice.combined.estimate == pytest.approx(4 / 7)
    assert _figures(themes["timeliness"]) == [(2, 3), (0, 1)]
    assert all(row.pooled_sites == 2 for row in [*combined.themes, *combined.questions])


def test_a_site_whose_template_lacks_a_question_is_left_out_of_its_pool(two_sites) -> None:  # type: ignore[no-untyped-def]
    north, south = two_sites
    # Version 2 in West has no pathway question (so its voice theme is consulted alone).
    west_rollup = replace(
        south.rollup,
        questions=[q for q in south.rollup.questions if q.question_id == "consulted"],
        themes=[t for t in south.rollup.themes if t.theme_id == "timeliness"],
    )
    west = Site("West", "West spring", date(2026, 5, 1), 2, west_rollup)
    combined = combine([north, south, west])
    assert combined.mixed_versions
    pathway = next(row for row in combined.questions if row.key == "pathway_plan")
    assert _figures(pathway) == [(1, 1), (1, 2), None]
    assert pathway.pooled_sites == 2
    assert (pathway.combined.successes, pathway.combined.n) == (2, 3)  # West adds nothing.
    consulted = next(row for row in combined.questions if row.key == "consulted")
    assert (consulted.combined.successes, consulted.combined.n) == (2, 5)  # 2 + 0 + 0 of 3+1+1.


def test_no_sites_combine_to_nothing() -> None:
    combined = combine([])
    assert combined.themes == [] and combined.questions == [] and combined.files == 0


# ---- The trend chart ----------------------------------------------------------------------


def test_the_chart_places_each_theme_in_its_rounds_band() -> None:
    rounds = ROUNDS[:2]
    chart = trend_chart(theme_trend(rounds), rounds)
    # Plot 48..624 (640 wide, 48 left for the labels, 16 right): 576 wide, 288 per round,
    # band centres at 48 + 144 = 192 and 48 + 432 = 480. The three themes (round 2 has
    # planning, with no answers) are nudged min(8, 288 / 4) = 8 apart: -8, 0 and +8.
    # y: 12 at 100%, 212 at 0% (200 tall).
    assert (chart.plot_left, chart.plot_right, chart.plot_top, chart.plot_bottom) == (
        48, 624, 12, 212,
    )  # fmt: skip
    assert chart.x_labels == [(192, "Round 1", "Mar 2025"), (480, "Round 2", "Sep 2025")]
    assert chart.y_ticks[0] == (212, "0%") and chart.y_ticks[-1] == (12, "100%")
    voice, timeliness, planning = chart.series
    # Voice: 60% at y = 12 + 0.4 * 200 = 92, then 90% at y = 12 + 0.1 * 200 = 32.
    assert [(p.round, p.x) for p in voice.points] == [(1, 184), (2, 472)]
    assert [p.y for p in voice.points] == pytest.approx([92, 32])
    assert voice.lines == ["184.0,92.0 472.0,32.0"]
    assert voice.points[0].marker == "179.0,87.0 189.0,87.0 189.0,97.0 179.0,97.0"  # square
    # 6 of 10: 31.3% to 83.2%, so the whisker runs from y = 45.6 to y = 149.5.
    assert voice.points[0].high == pytest.approx(12 + (1 - 0.83182) * 200, abs=1e-3)
    assert voice.points[0].low == pytest.approx(12 + (1 - 0.31267) * 200, abs=1e-3)
    # 31.267% down to 31, 83.182% up to 84 (interval ends round outward, conventions.display).
    assert voice.points[0].text == "60% (95% CI 31–84%)"
    assert [p.x for p in timeliness.points] == [192, 480]
    assert [p.round for p in planning.points] == []  # 0 of 0 is not a dot at 0%.
    assert voice.colour != timeliness.colour and voice.shape != timeliness.shape
    # Legend rows below the two lines of round labels: 212 + 40 + 8 = 260, then every 20.
    assert [s.legend_y for s in chart.series] == [260, 280, 300]
    assert chart.height == 260 + 3 * 20


def test_a_round_without_the_theme_breaks_its_line() -> None:
    chart = trend_chart(theme_trend(ROUNDS), ROUNDS)
    series = {s.label: s for s in chart.series}
    # Planning: nothing in round 1, 0 of 0 in round 2, 3 of 4 in round 3: one lone dot.
    assert [p.round for p in series["Planning"].points] == [3]
    assert series["Planning"].lines == []
    # Timeliness: rounds 1 and 2 joined, nothing in round 3.
    assert [p.round for p in series["Timeliness"].points] == [1, 2]
    assert len(series["Timeliness"].lines) == 1
