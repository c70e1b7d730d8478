"""The re-audit comparison: each group of closed actions beside its figure in both rounds."""

from __future__ import annotations

from reports.intervals import proportion
from reports.reaudit import about, compare
from reports.rollup import QuestionFinding, Rollup, ThemeFinding


def _rollup(
    themes: dict[str, tuple[str, int, int]], questions: dict[str, tuple[str, int, int]]
) -> Rollup:
    return Rollup(
        files=10,
        questions=[
            QuestionFinding(qid, "1.1", text, "Section", (), {}, 0, proportion(met, n), None, None)
            for qid, (text, met, n) in questions.items()
        ],
        themes=[
            ThemeFinding(tid, title, proportion(met, n), 1)
            for tid, (title, met, n) in themes.items()
        ],
        grades=[],
        breakdowns={},
        highlights=[],
        concerns=0,
    )


def test_a_theme_wins_over_a_question_and_a_missing_question_is_an_empty_key() -> None:
    assert about("voice", "q1") == ("theme", "voice")
    assert about(None, "q1") == ("question", "q1")
    assert about(None, None) == ("question", "")


def test_groups_keep_first_seen_order_and_take_figures_and_titles_from_either_round() -> None:
    before = _rollup({"voice": ("Child's voice", 3, 10)}, {"q1": ("Plan is current", 4, 8)})
    after = _rollup({"voice": ("Voice of the child", 7, 10), "plans": ("Plans", 5, 5)}, {})
    closed = [
        (about(None, "q1"), "first"),
        (about("voice", None), "second"),
        (about(None, "q1"), "third"),
        (about("plans", None), "fourth"),
        (about(None, "gone"), "fifth"),
    ]
    lines = compare(before, after, closed)
    assert [(line.kind, line.key, line.actions) for line in lines] == [
        ("question", "q1", ["first", "third"]),
        ("theme", "voice", ["second"]),
        ("theme", "plans", ["fourth"]),
        ("question", "gone", ["fifth"]),
    ]
    q1, voice, plans, gone = lines
    assert (q1.title, q1.before, q1.after) == ("Plan is current", proportion(4, 8), None)
    # The current round's title wins, as it is the one the manager reads today.
    assert (voice.title, voice.before, voice.after) == (
        "Voice of the child",
        proportion(3, 10),
        proportion(7, 10),
    )
    assert (plans.before, plans.after) == (None, proportion(5, 5))
    assert (gone.title, gone.before, gone.after) == ("gone", None, None)
