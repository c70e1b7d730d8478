"""Partners' 'Did the actions work?' (reports.disclosure_actions): counts by theme, and the
before and after only where the partner object publishes both rounds."""

from __future__ import annotations

from reports import disclosure
from reports.disclosure_actions import NOT_COMPARED, ActionAbout, table, theme_actions
from reports.rollup import Rollup, rollup, theme_change
from tests.reports.test_partner_workbook import RULES, TEMPLATE, _audit


def _round(answers: list[str]) -> Rollup:
    return rollup(TEMPLATE, [_audit(a, "Team A") for a in answers])


def _partner(before_answers: list[str], after_answers: list[str]) -> disclosure.PartnerFindings:
    before, after = _round(before_answers), _round(after_answers)
    trend = [
        (t.title, theme_change(b, t))
        for t in after.themes
        for b in before.themes
        if b.theme_id == t.theme_id and b.result.n and t.result.n
    ]
    return disclosure.programme(
        after, rules=RULES, title="Voice", trend=trend,
        previous_files=before.files,
    )  # fmt: skip


def test_counts_by_theme_and_the_published_change() -> None:
    found = _partner(["no", "no", "yes", "partly", "no"], ["yes"] * 5)
    theme = found.themes[0]
    actions = [
        ActionAbout((theme.theme_id,), True),
        ActionAbout((theme.theme_id, "other"), False),
        ActionAbout(("other",), True),
    ]
    (line,) = [x for x in theme_actions(found, actions) if x.theme == theme.title]
    assert (line.raised, line.completed) == (2, 1)
    # Before: 1 of 5 met (20%); after: 5 of 5 (100%); the change is 80 points.
    published = next(t for t in found.trend if t.theme == theme.title)
    assert (line.before, line.after, line.change) == (published.before, published.after,
                                                      published.change)  # fmt: skip
    assert (line.before, line.after, line.change) == (20, 100, 80)
    assert table([line], "spring").rows[0][:6] == (theme.title, 2, 1, 20, 100, 80)


def test_a_previous_round_under_k_files_gives_counts_but_no_figure() -> None:
    found = _partner(["no", "yes"], ["yes"] * 5)  # 2 files then: under k = 5
    assert found.shown and not found.trend
    (line, *_rest) = theme_actions(found, [ActionAbout((found.themes[0].theme_id,), True)])
    assert (line.raised, line.completed, line.before, line.after, line.change) == (
        1, 1, None, None, None,
    )  # fmt: skip
    assert line.verdict == NOT_COMPARED


def test_this_round_under_k_files_gives_nothing() -> None:
    found = _partner(["yes"] * 5, ["yes"] * 4)
    assert not found.shown
    assert theme_actions(found, [ActionAbout(("anything",), True)]) == []
