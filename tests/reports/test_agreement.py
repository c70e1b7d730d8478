"""Agreement statistics against statsmodels' cohens_kappa, hand-worked AC1/AC2, and properties.

statsmodels is the independent reference for kappa: it takes a contingency table (first rater
in rows) and, with wt="linear" and no explicit weights, uses the scores 0, 1, ..., k-1 and the
disagreement weights |i - j| / (k - 1), i.e. agreement weights 1 - |i - j| / (k - 1) as here.
"""

from __future__ import annotations

import ast
import math
import random
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

from reports.agreement import (
    SMALL_N,
    AuditAnswers,
    Pair,
    QuestionScale,
    Weighting,
    by_question,
    by_scale,
    cohens_kappa,
    contingency_table,
    gwet_ac1,
    gwet_ac2,
    overall,
    per_audit_percent,
    percent_agreement,
    summarise,
    weight_matrix,
)

ROOT = Path(__file__).resolve().parents[2]
YES_NO = ("yes", "no")
COMPLIANCE = ("yes", "partly", "no")
OFSTED4 = ("outstanding", "good", "requires_improvement", "inadequate")
NA = "not_applicable"
WEIGHTINGS: tuple[Weighting, ...] = ("none", "linear", "quadratic")


def pairs_from(table: list[list[int]], categories: tuple[str, ...]) -> list[Pair]:
    """The pairs behind a contingency table (first rater in rows), in a fixed order."""
    return [
        Pair(categories[i], categories[j])
        for i, row in enumerate(table)
        for j, count in enumerate(row)
        for _ in range(count)
    ]


def reference_kappa(table: list[list[int]], weights: Weighting) -> float:
    if weights == "none":
        return float(sm_cohens_kappa(np.array(table), return_results=False))
    return float(sm_cohens_kappa(np.array(table), wt=weights, return_results=False))


# ---------------------------------------------------------------------------------------------
# Fixed datasets against statsmodels
# ---------------------------------------------------------------------------------------------

# 100 files, 95 agreed: 93 both "yes", 2 both "no"; 3 auditor yes/moderator no, 2 the reverse.
ISSUE_100 = [[93, 3], [2, 2]]
# 125 files, 119 agreed: the issue's three rounded figures (95%, kappa 0.47, AC1 0.95).
ISSUE_125 = [[116, 3], [3, 3]]
# A compliance question: auditors say "yes" more readily than moderators.
COMPLIANCE_TABLE = [[20, 6, 1], [2, 9, 3], [0, 2, 7]]
# Ofsted grades on 40 files with nobody graded "outstanding": the unused first category still
# spaces the weights (k = 4), so the table passed to statsmodels must keep its empty row/column.
OFSTED_TABLE = [[0, 0, 0, 0], [0, 14, 4, 1], [0, 3, 10, 2], [0, 0, 1, 5]]
# Disagreement worse than chance: negative kappa.
NEGATIVE_TABLE = [[1, 6, 3], [5, 0, 4], [4, 3, 1]]

DATASETS = [
    pytest.param(ISSUE_100, YES_NO, id="issue-100"),
    pytest.param(ISSUE_125, YES_NO, id="issue-125"),
    pytest.param(COMPLIANCE_TABLE, COMPLIANCE, id="compliance"),
    pytest.param(OFSTED_TABLE, OFSTED4, id="ofsted-unused-category"),
    pytest.param(NEGATIVE_TABLE, COMPLIANCE, id="negative"),
]


@pytest.mark.parametrize(("table", "categories"), DATASETS)
@pytest.mark.parametrize("weights", WEIGHTINGS)
def test_kappa_matches_statsmodels(
    table: list[list[int]], categories: tuple[str, ...], weights: Weighting
) -> None:
    pairs = pairs_from(table, categories)
    assert contingency_table(pairs, categories).tolist() == table
    kappa = cohens_kappa(pairs, categories, weights)
    assert kappa is not None
    assert kappa == pytest.approx(reference_kappa(table, weights), abs=1e-9)


def test_weights_change_the_answer_on_an_ordinal_table() -> None:
    # Guards the test above against passing only because every weighting gave one number.
    pairs = pairs_from(COMPLIANCE_TABLE, COMPLIANCE)
    values = {w: cohens_kappa(pairs, COMPLIANCE, w) for w in WEIGHTINGS}
    assert len({round(cast(float, v), 6) for v in values.values()}) == 3


def test_the_issue_example_with_100_files() -> None:
    # Table (auditor in rows, moderator in columns), categories yes, no:
    #            yes  no
    #     yes     93   3    row 96
    #     no       2   2    row  4
    #     col     95   5    n = 100
    # Raw agreement p_o = (93 + 2) / 100 = 0.95.
    # Kappa: p_e = 0.96 x 0.95 + 0.04 x 0.05 = 0.912 + 0.002 = 0.914
    #        kappa = (0.95 - 0.914) / (1 - 0.914) = 0.036 / 0.086 = 18/43 = 0.4186
    # AC1:   pi_yes = (96 + 95) / 200 = 0.955, pi_no = (4 + 5) / 200 = 0.045
    #        p_e = 1/(2-1) x (0.955 x 0.045 + 0.045 x 0.955) = 0.08595
    #        AC1 = (0.95 - 0.08595) / (1 - 0.08595) = 0.86405 / 0.91405 = 17281/18281 = 0.9453
    pairs = pairs_from(ISSUE_100, YES_NO)
    assert percent_agreement(pairs, YES_NO) == 95.0
    assert cohens_kappa(pairs, YES_NO) == pytest.approx(18 / 43, abs=1e-12)
    assert gwet_ac1(pairs, YES_NO) == pytest.approx(17281 / 18281, abs=1e-12)
    assert round(cast(float, gwet_ac1(pairs, YES_NO)), 2) == 0.95


def test_no_table_of_100_files_with_95_agreed_gives_kappa_047() -> None:
    # Why the issue's exact figures need 125 files: with 100 files and 95 agreed, every 2x2
    # table (a both yes, d = 95 - a both no, b + c = 5 disagreements) gives a kappa rounding
    # to 0.42-0.43 or 0.52 near AC1 = 0.95, never 0.47. Exact fractions, and our kappa agrees.
    kappas = set()
    for a in range(96):
        for b in range(6):
            d, c = 95 - a, 5 - b
            rows, cols = Fraction(a + b, 100), Fraction(a + c, 100)
            expected = rows * cols + (1 - rows) * (1 - cols)
            if expected == 1:
                continue
            exact = (Fraction(95, 100) - expected) / (1 - expected)
            ours = cohens_kappa(pairs_from([[a, b], [c, d]], YES_NO), YES_NO)
            assert ours == pytest.approx(float(exact), abs=1e-12)
            kappas.add(round(float(exact), 2))
    assert 0.47 not in kappas
    assert {0.42, 0.43, 0.52} <= kappas


def test_the_issue_figures_with_125_files() -> None:
    #            yes  no
    #     yes    116   3    row 119
    #     no       3   3    row   6
    #     col    119   6    n = 125
    # p_o = 119 / 125 = 0.952 (95%).
    # Both raters say "yes" 119/125 = 0.952 of the time, "no" 0.048.
    # Kappa: p_e = 0.952^2 + 0.048^2 = 0.906304 + 0.002304 = 0.908608
    #        kappa = (0.952 - 0.908608) / 0.091392 = 0.043392 / 0.091392 = 113/238 = 0.4748
    # AC1:   pi = (0.952, 0.048); p_e = 2 x 0.952 x 0.048 = 0.091392
    #        AC1 = (0.952 - 0.091392) / 0.908608 = 0.860608 / 0.908608 = 13447/14197 = 0.9472
    pairs = pairs_from(ISSUE_125, YES_NO)
    percent = cast(float, percent_agreement(pairs, YES_NO))
    kappa = cast(float, cohens_kappa(pairs, YES_NO))
    ac1 = cast(float, gwet_ac1(pairs, YES_NO))
    assert percent == pytest.approx(95.2, abs=1e-12)
    assert kappa == pytest.approx(113 / 238, abs=1e-12)
    assert ac1 == pytest.approx(13447 / 14197, abs=1e-12)
    assert (round(percent), round(kappa, 2), round(ac1, 2)) == (95, 0.47, 0.95)
    # The summary explains the gap in plain English.
    summary = summarise(pairs, YES_NO, ordinal=False)
    assert summary.note == (
        "Kappa (0.47) is well below AC1 (0.95) although the raters agreed on 95%: most answers "
        "were 'yes', which makes chance agreement look high to kappa; AC1 is the steadier "
        "figure here."
    )


def test_the_paradox_note_only_where_it_applies() -> None:
    # 21 files, 14 agreed (67%), nobody answered "no":
    #            yes partly no
    #     yes      7    4    0
    #     partly   3    7    0
    # kappa: p_e = (11 x 10 + 10 x 11) / 21^2 = 220/441; kappa = (14/21 - 220/441) / (221/441)
    #        = 74/221 = 0.33. AC1: pi = (1/2, 1/2, 0), p_e = (1/4 + 1/4) / 2 = 1/4;
    #        AC1 = (2/3 - 1/4) / (3/4) = 5/9 = 0.56. AC1 beats kappa by 0.22, but agreement is
    # only moderate and no answer dominates: not the paradox, and the note must not say so.
    poor = pairs_from([[7, 4, 0], [3, 7, 0], [0, 0, 0]], COMPLIANCE)
    assert cohens_kappa(poor, COMPLIANCE) == pytest.approx(74 / 221, abs=1e-12)
    assert gwet_ac1(poor, COMPLIANCE) == pytest.approx(5 / 9, abs=1e-12)
    assert "well below" not in summarise(poor, COMPLIANCE, ordinal=False).note
    # Ordinal: weighted kappa is compared with AC2, the weighted AC1.
    ordinal = summarise(pairs_from(ISSUE_125, YES_NO), YES_NO, ordinal=True)
    assert "Kappa (0.47) is well below AC2 (0.95)" in ordinal.note


# ---------------------------------------------------------------------------------------------
# Hand-worked AC1 and AC2
# ---------------------------------------------------------------------------------------------

# Ten files on the compliance scale (auditor in rows, moderator in columns):
#               yes  partly  no    row
#     yes        5     1     0      6
#     partly     0     2     1      3
#     no         0     0     1      1
#     col        5     3     2     n = 10
HAND = [[5, 1, 0], [0, 2, 1], [0, 0, 1]]


def test_hand_worked_ac1() -> None:
    # p_a = (5 + 2 + 1) / 10 = 0.8
    # pi_yes = (6 + 5) / 20 = 0.55, pi_partly = (3 + 3) / 20 = 0.30, pi_no = (1 + 2) / 20 = 0.15
    # sum pi (1 - pi) = 0.55 x 0.45 + 0.30 x 0.70 + 0.15 x 0.85 = 0.2475 + 0.21 + 0.1275 = 0.585
    # p_e = 1 / (q - 1) x 0.585 = 0.585 / 2 = 0.2925
    # AC1 = (0.8 - 0.2925) / (1 - 0.2925) = 0.5075 / 0.7075 = 203/283 = 0.71731
    assert gwet_ac1(pairs_from(HAND, COMPLIANCE), COMPLIANCE) == pytest.approx(203 / 283, 1e-12)


def test_hand_worked_ac2_linear() -> None:
    # Linear weights for k = 3: 1 on the diagonal, 0.5 one step apart, 0 for yes/no.
    # p_a = 0.8 + 0.5 x (1 + 1) / 10 = 0.9   (the yes/partly and partly/no files count half)
    # T_w = 3 + 4 x 0.5 = 5; p_e = T_w / (q (q - 1)) x 0.585 = 5/6 x 0.585 = 0.4875
    # AC2 = (0.9 - 0.4875) / (1 - 0.4875) = 0.4125 / 0.5125 = 33/41 = 0.80488
    ac2 = gwet_ac2(pairs_from(HAND, COMPLIANCE), COMPLIANCE, "linear")
    assert ac2 == pytest.approx(33 / 41, abs=1e-12)


def test_hand_worked_kappas() -> None:
    # Unweighted: p_o = 0.8; p_e = 0.6 x 0.5 + 0.3 x 0.3 + 0.1 x 0.2 = 0.41;
    #             kappa = 0.39 / 0.59 = 39/59.
    # Linear: p_o = 0.9 (as for AC2); r_i c_j = [[.30 .18 .12] [.15 .09 .06] [.05 .03 .02]];
    #         p_e = (0.30 + 0.09 + 0.02) + 0.5 x (0.18 + 0.15 + 0.06 + 0.03) = 0.41 + 0.21 = 0.62
    #         kappa_w = (0.9 - 0.62) / (1 - 0.62) = 0.28 / 0.38 = 14/19.
    pairs = pairs_from(HAND, COMPLIANCE)
    assert cohens_kappa(pairs, COMPLIANCE) == pytest.approx(39 / 59, abs=1e-12)
    assert cohens_kappa(pairs, COMPLIANCE, "linear") == pytest.approx(14 / 19, abs=1e-12)


def test_weight_matrices() -> None:
    assert weight_matrix(3, "linear").tolist() == [[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]]
    assert weight_matrix(3, "quadratic").tolist() == [[1, 0.75, 0], [0.75, 1, 0.75], [0, 0.75, 1]]
    assert weight_matrix(4, "none").tolist() == np.eye(4).tolist()
    with pytest.raises(ValueError, match="Unknown weighting"):
        weight_matrix(3, cast(Weighting, "cubic"))


# ---------------------------------------------------------------------------------------------
# Degenerate cases
# ---------------------------------------------------------------------------------------------


def test_everyone_gave_the_same_answer() -> None:
    # p_e = 1 x 1 = 1: kappa is 0/0. AC1: pi = (1, 0), p_e = 0, AC1 = (1 - 0) / 1 = 1.
    pairs = [Pair("yes", "yes")] * 12
    for weights in WEIGHTINGS:
        assert cohens_kappa(pairs, COMPLIANCE, weights) is None
    assert gwet_ac1(pairs, COMPLIANCE) == 1.0
    summary = summarise(pairs, COMPLIANCE, ordinal=True)
    assert (summary.percent, summary.kappa, summary.ac1, summary.ac2) == (100.0, None, 1.0, 1.0)
    assert summary.kappa_weighting == "linear"
    assert summary.note.startswith("Kappa is undefined: both raters gave the same answer")


def test_one_rater_constant_is_not_degenerate() -> None:
    # Auditor always "yes"; moderator 9 yes, 1 no. p_o = 0.9, p_e = 1 x 0.9 + 0 x 0.1 = 0.9,
    # so kappa = 0 exactly: defined, and the paradox at its starkest.
    pairs = [Pair("yes", "yes")] * 9 + [Pair("yes", "no")]
    assert cohens_kappa(pairs, YES_NO) == pytest.approx(0.0, abs=1e-12)


def test_fewer_than_two_pairs() -> None:
    one = [Pair("yes", "no")]
    assert cohens_kappa(one, COMPLIANCE) is None
    assert gwet_ac1(one, COMPLIANCE) is None
    assert gwet_ac2(one, COMPLIANCE) is None
    assert percent_agreement(one, COMPLIANCE) == 0.0
    summary = summarise(one, COMPLIANCE, ordinal=True)
    assert summary.n_pairs == 1 and summary.kappa is None and summary.ac1 is None
    assert "Only one file: kappa and AC1 need at least two." in summary.note
    none = summarise([], COMPLIANCE, ordinal=True)
    assert (none.n_pairs, none.percent, none.kappa, none.ac1) == (0, None, None, None)
    assert "nothing to measure" in none.note


def test_fewer_than_two_categories_and_duplicates() -> None:
    pairs = [Pair("yes", "yes"), Pair("yes", "yes"), Pair("yes", NA)]
    assert cohens_kappa(pairs, ("yes",)) is None
    assert gwet_ac1(pairs, ("yes",)) is None
    assert "fewer than two scored answers" in summarise(pairs, ("yes",), ordinal=False).note
    with pytest.raises(ValueError, match="distinct"):
        cohens_kappa(pairs, ("yes", "no", "yes"))


def test_small_n_note() -> None:
    nine = pairs_from([[4, 1], [1, 3]], YES_NO)
    assert "Based on only 9 files: treat with caution." in summarise(nine, YES_NO, False).note
    ten = pairs_from([[4, 1], [1, 4]], YES_NO)
    assert len(ten) == SMALL_N
    assert summarise(ten, YES_NO, False).note == ""


# ---------------------------------------------------------------------------------------------
# Exclusions
# ---------------------------------------------------------------------------------------------


def test_not_applicable_and_unanswered_are_left_out_and_counted() -> None:
    kept = pairs_from(COMPLIANCE_TABLE, COMPLIANCE)
    extra = [
        Pair(NA, NA),
        Pair(NA, "no"),  # a real difference in reading the file
        Pair("yes", NA),  # and another
        Pair(None, "yes"),  # unanswered: not counted as a disagreement
        Pair("yes", None),
        Pair("maybe", "maybe"),  # not on the scale
    ]
    mixed = kept[:30] + extra + kept[30:]
    summary = summarise(mixed, COMPLIANCE, ordinal=True)
    assert (summary.n_pairs, summary.n_excluded, summary.n_excluded_disagreeing) == (50, 6, 2)
    assert summary.kappa == pytest.approx(reference_kappa(COMPLIANCE_TABLE, "linear"), abs=1e-9)
    assert summary.ac1 == gwet_ac1(kept, COMPLIANCE)
    assert summary.percent == pytest.approx(100 * 36 / 50, abs=1e-12)
    assert "2 of the 6 files left out (not applicable or unanswered)" in summary.note
    assert contingency_table(mixed, COMPLIANCE).tolist() == COMPLIANCE_TABLE


def test_percent_without_categories_counts_not_applicable() -> None:
    pairs = [Pair(NA, NA), Pair("yes", "yes"), Pair(NA, "no"), Pair(None, "yes")]
    assert percent_agreement(pairs) == pytest.approx(200 / 3)
    assert percent_agreement(pairs, COMPLIANCE) == 100.0
    assert percent_agreement([Pair(None, "yes")]) is None


# ---------------------------------------------------------------------------------------------
# Audits: per audit, per question, per scale and overall
# ---------------------------------------------------------------------------------------------


def test_per_audit_percent() -> None:
    auditor: dict[str, str | None] = {f"q{i}": "yes" for i in range(10)}
    # The moderator disagrees on two of ten.
    moderator: dict[str, str | None] = dict(auditor, q3="partly", q7="no")
    assert per_audit_percent(auditor, moderator, auditor) == 80.0
    # N/A changed to "no" is a change; an unanswered question is skipped.
    auditor.update(q10=NA, q11=None)
    moderator.update(q10="no", q11="yes")
    assert per_audit_percent(auditor, moderator, auditor) == pytest.approx(800 / 11)
    # Only the questions asked about count.
    assert per_audit_percent(auditor, moderator, ["q0", "q3"]) == 50.0
    assert per_audit_percent(auditor, moderator, ["q11", "missing"]) is None


def audits_for_two_scales() -> list[AuditAnswers]:
    """Twelve audits: q1, q2 on the compliance scale, g on the Ofsted scale."""
    audits = []
    for i in range(12):
        a: dict[str, str | None] = {
            "q1": COMPLIANCE[i % 3],
            "q2": COMPLIANCE[(i // 2) % 3],
            "g": OFSTED4[(i * 5) % 4],
        }
        m = dict(a)
        if i % 3 == 0:  # the moderator moves q1 one step down on four audits
            m["q1"] = COMPLIANCE[i % 3 + 1]
        if i % 4 == 1:  # and re-grades three audits
            m["g"] = OFSTED4[(i * 5 + 1) % 4]
        if i == 0:  # the auditor thought q2 did not apply; the moderator says it is not met
            a["q2"], m["q2"] = NA, "no"
        audits.append(AuditAnswers(a, m))
    return audits


QUESTIONS = {
    "q1": QuestionScale(COMPLIANCE, True),
    "q2": QuestionScale(COMPLIANCE, True),
    "g": QuestionScale(OFSTED4, True),
}


def test_by_question_is_summarise_per_question() -> None:
    audits = audits_for_two_scales()
    result = by_question(audits, QUESTIONS)
    assert list(result) == ["q1", "q2", "g"]
    for q, (categories, ordinal) in QUESTIONS.items():
        pairs = [Pair(a[q], m[q]) for a, m in audits]
        assert result[q] == summarise(pairs, categories, ordinal)
    assert result["q2"].n_excluded == 1 and result["q2"].n_excluded_disagreeing == 1


def test_by_question_skips_audits_without_the_question() -> None:
    # An audit on another template has no q1 at all: not a file, not an exclusion.
    audits = [
        AuditAnswers({"q1": "yes"}, {"q1": "no"}),
        AuditAnswers({"other": "yes"}, {"other": "yes"}),
        AuditAnswers({"q1": None}, {"q1": "yes"}),  # asked, left unanswered: an exclusion
    ]
    result = by_question(audits, {"q1": (COMPLIANCE, True)})["q1"]
    assert (result.n_pairs, result.n_excluded) == (1, 1)


def test_overall_pools_percent_only_across_scales() -> None:
    audits = audits_for_two_scales()
    result = overall(audits, QUESTIONS)
    pooled = [Pair(a[q], m[q]) for q in QUESTIONS for a, m in audits]
    usable = [(a, b) for a, b in pooled if a != NA and b != NA]
    assert result.n_pairs == len(usable) == 35
    assert result.n_excluded == 1
    assert result.percent == pytest.approx(100 * sum(a == b for a, b in usable) / 35)
    assert (result.kappa, result.kappa_weighting, result.ac1, result.ac2) == (None,) * 4
    assert result.note.startswith("The questions use 2 different scales")

    scales = by_scale(audits, QUESTIONS)
    assert set(scales) == {COMPLIANCE, OFSTED4}
    compliance = [Pair(a[q], m[q]) for q in ("q1", "q2") for a, m in audits]
    grades = [Pair(a["g"], m["g"]) for a, m in audits]
    assert scales[COMPLIANCE].kappa == summarise(compliance, COMPLIANCE, True).kappa
    assert scales[COMPLIANCE].ac1 == summarise(compliance, COMPLIANCE, True).ac1
    assert scales[COMPLIANCE].n_pairs == 23
    assert scales[OFSTED4].kappa == summarise(grades, OFSTED4, True).kappa
    # The pooled percentage is the scales' percentages weighted by their numbers of pairs.
    by_n = sum(cast(float, s.percent) * s.n_pairs for s in scales.values()) / 35
    assert result.percent == pytest.approx(by_n)


def test_overall_on_one_scale_gives_everything() -> None:
    audits = audits_for_two_scales()
    questions = {q: QUESTIONS[q] for q in ("q1", "q2")}
    result = overall(audits, questions)
    compliance = [Pair(a[q], m[q]) for q in ("q1", "q2") for a, m in audits]
    expected = summarise(compliance, COMPLIANCE, True)
    assert (result.n_pairs, result.percent, result.kappa, result.ac1, result.ac2) == (
        expected.n_pairs,
        expected.percent,
        expected.kappa,
        expected.ac1,
        expected.ac2,
    )
    assert result.kappa_weighting == "linear"
    assert result.kappa is not None


def test_overall_refuses_one_scale_called_both_ordinal_and_nominal() -> None:
    with pytest.raises(ValueError, match="ordinal"):
        overall([], {"a": (COMPLIANCE, True), "b": (COMPLIANCE, False)})


def test_overall_with_nothing() -> None:
    result = overall([], QUESTIONS)
    assert (result.n_pairs, result.percent) == (0, None)
    assert "nothing to measure" in result.note


def test_summarise_weighting_follows_the_scale() -> None:
    pairs = pairs_from(COMPLIANCE_TABLE, COMPLIANCE)
    ordinal = summarise(pairs, COMPLIANCE, ordinal=True)
    nominal = summarise(pairs, COMPLIANCE, ordinal=False)
    assert ordinal.kappa_weighting == "linear" and nominal.kappa_weighting == "none"
    assert ordinal.kappa == pytest.approx(reference_kappa(COMPLIANCE_TABLE, "linear"), abs=1e-9)
    assert nominal.kappa == pytest.approx(reference_kappa(COMPLIANCE_TABLE, "none"), abs=1e-9)
    assert ordinal.ac2 == gwet_ac2(pairs, COMPLIANCE, "linear") and nominal.ac2 is None
    assert ordinal.ac1 == nominal.ac1 == gwet_ac1(pairs, COMPLIANCE)
    assert ordinal.n_pairs == 50 and ordinal.note == ""


def test_reports_never_imports_statsmodels() -> None:
    # statsmodels is a development dependency: the reference, not the implementation.
    tree = ast.parse((ROOT / "reports" / "agreement.py").read_text(encoding="utf-8"))
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported
    assert not {name for name in imported if name.split(".")[0] == "statsmodels"}


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

RATING_NOISE = st.sampled_from([NA, None, "unknown"])


@st.composite
def rated(draw: st.DrawFn) -> tuple[tuple[str, ...], list[Pair]]:
    k = draw(st.integers(2, 5))
    categories = tuple(f"c{i}" for i in range(k))
    # A skewed choice of categories, so one answer often dominates as in real audits.
    rating = st.one_of(st.sampled_from(categories[:1]), st.sampled_from(categories), RATING_NOISE)
    pairs = draw(st.lists(st.builds(Pair, rating, rating), max_size=60))
    return categories, pairs


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, abs_tol=1e-12)


@settings(max_examples=300, deadline=None)
@given(rated())
def test_bounded(data: tuple[tuple[str, ...], list[Pair]]) -> None:
    categories, pairs = data
    values = [cohens_kappa(pairs, categories, w) for w in WEIGHTINGS]
    values += [gwet_ac1(pairs, categories), gwet_ac2(pairs, categories, "linear")]
    # (Quadratic AC2 is left out: its larger T_w lets it fall below -1, e.g. to -1.31.)
    for value in values:
        assert value is None or -1 - 1e-12 <= value <= 1 + 1e-12
    percent = percent_agreement(pairs, categories)
    assert percent is None or 0 <= percent <= 100


@settings(max_examples=300, deadline=None)
@given(rated())
def test_matches_statsmodels(data: tuple[tuple[str, ...], list[Pair]]) -> None:
    categories, pairs = data
    table = contingency_table(pairs, categories)
    for weights in WEIGHTINGS:
        kappa = cohens_kappa(pairs, categories, weights)
        defined = table.sum() >= 2 and np.count_nonzero(table.sum(0) + table.sum(1)) > 1
        assert (kappa is not None) == defined
        if kappa is not None:
            ref = reference_kappa(table.astype(int).tolist(), weights)
            assert kappa == pytest.approx(ref, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(rated())
def test_perfect_agreement(data: tuple[tuple[str, ...], list[Pair]]) -> None:
    categories, pairs = data
    same = [Pair(a, a) for a, _ in pairs if a in categories]
    if len(same) < 2:
        return
    assert percent_agreement(same, categories) == 100.0
    assert gwet_ac1(same, categories) == pytest.approx(1.0, abs=1e-12)
    assert gwet_ac2(same, categories) == pytest.approx(1.0, abs=1e-12)
    for weights in WEIGHTINGS:
        kappa = cohens_kappa(same, categories, weights)
        if len(set(same)) == 1:
            assert kappa is None
        else:
            assert kappa == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(rated(), st.randoms(use_true_random=False))
def test_swapping_raters_or_reordering_files_changes_nothing(
    data: tuple[tuple[str, ...], list[Pair]], rnd: random.Random
) -> None:
    categories, pairs = data
    swapped = [Pair(b, a) for a, b in pairs]
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    for ordinal in (False, True):
        original = summarise(pairs, categories, ordinal)
        assert summarise(shuffled, categories, ordinal) == original
        mirror = summarise(swapped, categories, ordinal)
        assert (mirror.n_pairs, mirror.n_excluded, mirror.n_excluded_disagreeing) == (
            original.n_pairs,
            original.n_excluded,
            original.n_excluded_disagreeing,
        )
        assert mirror.percent == original.percent
        for a, b in [
            (mirror.kappa, original.kappa),
            (mirror.ac1, original.ac1),
            (mirror.ac2, original.ac2),
        ]:
            assert _close(a, b)


@settings(max_examples=200, deadline=None)
@given(rated())
def test_two_categories_need_no_weights(data: tuple[tuple[str, ...], list[Pair]]) -> None:
    # With two categories the linear and quadratic weights are the identity, so the weighted
    # figures must equal the unweighted ones.
    _, pairs = data
    two = ("c0", "c1")
    plain = cohens_kappa(pairs, two)
    for weights in WEIGHTINGS:
        assert _close(cohens_kappa(pairs, two, weights), plain)
        assert _close(gwet_ac2(pairs, two, weights), gwet_ac1(pairs, two))
