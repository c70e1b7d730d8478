"""Agreement between an auditor and the moderator who reviewed the same case file.

Three figures are shown side by side, because each one alone misleads somewhere:

* Raw percentage agreement is what managers understand, but some of it is luck: two auditors
  who both tick "Yes" on nearly every file agree most of the time whatever they read.
* Cohen's kappa takes out the agreement expected by chance from each rater's own spread of
  answers. When nearly every file meets a standard, that expected agreement is itself close to
  1 and kappa collapses even though the raters hardly ever differ (the "kappa paradox": 95 of
  100 files agreed can give a kappa near 0.4-0.5). On ordinal scales (Yes / Partly / No, the
  Ofsted four-point scale) kappa is linearly weighted, so "Yes" against "Partly" counts as half
  a disagreement and "Yes" against "No" as a whole one.
* Gwet's AC1 (Gwet 2008) models chance as a rater who guesses on some files only, and stays
  steady when one answer dominates. AC2 is the same with the kappa weights, so on an ordinal
  scale it is AC2, not AC1, that compares like with like against weighted kappa.

Conventions and the cases where a figure is undefined:

* Ratings are plain strings. The categories of a scale are given in the scale's own order
  (best first); only their positions matter for the weights. A pair in which either rating is
  missing (None) or is not one of the categories ("not_applicable", a stray value) is left out
  of all three figures and counted in `n_excluded`. How many of those left-out pairs were
  answered differently by the two raters (one said "Not applicable", the other "No") is counted
  too, because that is a difference in reading the file that the statistics cannot show.
* Percentages are on a 0-100 scale and are not rounded (rounding is for display).
* Fewer than 2 usable pairs: kappa, AC1 and AC2 are None (one file carries no information
  about chance). The percentage is None only when there is no usable pair at all.
* Both raters gave one and the same answer to every file: kappa's expected agreement is 1 and
  kappa is 0/0, so it is None; AC1 is still defined (it is 1) and is reported.
* Fewer than 2 categories on the scale: kappa, AC1 and AC2 are None (nothing to be confused
  between). Duplicate categories are a programming error and raise ValueError.

Pooling across questions (`overall`, `by_scale`): kappa and AC1 compare answers with what
chance would give on one particular scale, so pooling "Yes/Partly/No" answers with Ofsted
grades into one table means nothing. The overall figure therefore pools only the raw
percentage across every question; kappa, AC1 and AC2 are pooled only over questions that share
one scale (`by_scale`), and `overall` reports them only when every question is on the same
scale. A pooled kappa treats each answer as a separate rating, so questions answered on more
files weigh more; it is a summary of the scale, not an average of the questions' kappas.

`per_audit_percent` is the one figure that counts "Not applicable": it measures how much of
one audit the moderator changed, not agreement on a scale, so it can differ from the pooled
percentage for the same audits.

The formulas (the table, the weights, kappa, AC1 and AC2) are `reports.agreement_stats`'s and
are imported from here; this module chooses the pairs, pools them and words the notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from conventions import display
from reports.agreement_stats import (
    Split,
    Weighting,
    cohens_kappa,
    contingency_table,
    gwet_ac1,
    gwet_ac2,
    gwet_of,
    index_of,
    kappa_of,
    percent_agreement,
    split_pairs,
    weight_matrix,
)

__all__ = [
    "SMALL_N",
    "Agreement",
    "AuditAnswers",
    "Pair",
    "QuestionScale",
    "Weighting",
    "by_question",
    "by_scale",
    "cohens_kappa",
    "contingency_table",
    "gwet_ac1",
    "gwet_ac2",
    "overall",
    "per_audit_percent",
    "percent_agreement",
    "summarise",
    "weight_matrix",
]


# Below this many pairs a note warns that the figures are fragile.
SMALL_N = 10
# The kappa paradox is worth explaining when raw agreement is at least PARADOX_PERCENT, one
# answer makes up more than half of all the ratings, and AC1 (AC2) beats kappa by PARADOX_GAP.
PARADOX_PERCENT = 80.0
PARADOX_GAP = 0.2


class Pair(NamedTuple):
    """One file's two ratings; a plain (first, second) tuple is accepted wherever this is."""

    first: str | None
    second: str | None


class AuditAnswers(NamedTuple):
    """The final answers of auditor and moderator to one audit, by question id."""

    auditor: Mapping[str, str | None]
    moderator: Mapping[str, str | None]


class QuestionScale(NamedTuple):
    """A question's scored categories in scale order, and whether their order means anything."""

    categories: Sequence[str]
    ordinal: bool


@dataclass(frozen=True, slots=True)
class Agreement:
    """The three figures for one set of pairs, with enough context to read them honestly."""

    n_pairs: int  # pairs used: both ratings among the categories
    n_excluded: int  # pairs left out: a rating missing or outside the categories (e.g. N/A)
    n_excluded_disagreeing: int  # of those, pairs where both answered but differently
    percent: float | None  # raw agreement, 0-100
    kappa: float | None
    kappa_weighting: Weighting | None  # None when kappa was not attempted (mixed scales)
    ac1: float | None
    ac2: float | None  # Gwet's AC2 with the kappa's weights; None for unweighted scales
    note: str  # plain English; "" when there is nothing to warn about


# ---------------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return display.decimal(x)


def _size_notes(n: int, unit: str) -> list[str]:
    if n == 0:
        return [f"No {unit} had both answers on the scale, so there is nothing to measure."]
    if n < SMALL_N:
        return [f"Based on only {n} {unit}: treat with caution."]
    return []


def _left_out_notes(excluded: int, excluded_disagreeing: int, unit: str) -> list[str]:
    if not excluded_disagreeing:
        return []
    return [
        f"{excluded_disagreeing} of the {excluded} {unit} left out (not applicable or "
        "unanswered) were answered differently by the two raters."
    ]


def _paradox_note(
    split: Split,
    categories: Sequence[str],
    percent: float | None,
    kappa: float | None,
    chance_free: float | None,
    chance_free_name: str,
) -> list[str]:
    """Explain a low kappa beside high agreement, but only when that really is the cause.

    AC1's chance term is at most 1/q, so it sits above kappa in poor tables too; the note is
    kept for high raw agreement with one dominant answer, where kappa's chance term is large.
    """
    if percent is None or kappa is None or chance_free is None:
        return []
    if percent < PARADOX_PERCENT or chance_free - kappa < PARADOX_GAP:
        return []
    counts = np.bincount(np.concatenate([split.first, split.second]), minlength=len(categories))
    top = int(np.argmax(counts))
    if counts[top] * 2 <= counts.sum():  # "most" means more than half
        return []
    return [
        f"Kappa ({_fmt(kappa)}) is well below {chance_free_name} ({_fmt(chance_free)}) although "
        f"the raters agreed on {display.percent(percent / 100)}: most answers were "
        f"{categories[top]!r}, which makes "
        f"chance agreement look high to kappa; {chance_free_name} is the steadier figure here."
    ]


def _summarise(split: Split, categories: Sequence[str], ordinal: bool, unit: str) -> Agreement:
    k = len(categories)
    weighting: Weighting = "linear" if ordinal else "none"
    n = len(split.first)
    percent = None if n == 0 else 100.0 * int(np.count_nonzero(split.first == split.second)) / n
    kappa = kappa_of(split, k, weighting)
    ac1 = gwet_of(split, k, "none")
    ac2 = gwet_of(split, k, weighting) if ordinal else None
    notes: list[str] = []
    if n == 0:
        pass  # the size note says it all
    elif k < 2:
        notes.append("The scale has fewer than two scored answers, so kappa and AC1 are undefined.")
    elif n < 2:
        notes.append(f"Only one {unit[:-1]}: kappa and AC1 need at least two.")
    elif kappa is None:
        notes.append(
            "Kappa is undefined: both raters gave the same answer every time, so kappa's "
            "chance agreement is 100%."
        )
    notes += _size_notes(n, unit)
    if ordinal:
        notes += _paradox_note(split, categories, percent, kappa, ac2, "AC2")
    else:
        notes += _paradox_note(split, categories, percent, kappa, ac1, "AC1")
    notes += _left_out_notes(split.excluded, split.excluded_disagreeing, unit)
    return Agreement(
        n_pairs=n,
        n_excluded=split.excluded,
        n_excluded_disagreeing=split.excluded_disagreeing,
        percent=percent,
        kappa=kappa,
        kappa_weighting=weighting,
        ac1=ac1,
        ac2=ac2,
        note=" ".join(notes),
    )


def summarise(
    pairs: Iterable[tuple[str | None, str | None]], categories: Sequence[str], ordinal: bool
) -> Agreement:
    """All the figures for one question (or one scale), one pair per file.

    Ordinal scales get linearly weighted kappa and AC2; nominal ones unweighted kappa only.
    """
    return _summarise(split_pairs(pairs, categories), categories, ordinal, "files")


def _pairs_for(
    audits: Iterable[tuple[Mapping[str, str | None], Mapping[str, str | None]]], question: str
) -> list[Pair]:
    """A question's pairs, skipping audits in which neither rater has the question at all.

    An audit on another template (or a question hidden by show_if and never stored) is not a
    file on which the raters could have disagreed, so it is not counted as left out.
    """
    return [
        Pair(auditor.get(question), moderator.get(question))
        for auditor, moderator in audits
        if question in auditor or question in moderator
    ]


def by_question(
    audits: Iterable[tuple[Mapping[str, str | None], Mapping[str, str | None]]],
    questions: Mapping[str, tuple[Sequence[str], bool]],
) -> dict[str, Agreement]:
    """Agreement on each question, so managers see which questions auditors read differently.

    `audits` holds (auditor answers, moderator answers) per audit, for example one programme's;
    `questions` maps each scored question id to (categories in scale order, ordinal).
    """
    audits = list(audits)
    return {
        question: summarise(_pairs_for(audits, question), categories, ordinal)
        for question, (categories, ordinal) in questions.items()
    }


def _scales(
    questions: Mapping[str, tuple[Sequence[str], bool]],
) -> dict[tuple[str, ...], tuple[bool, list[str]]]:
    scales: dict[tuple[str, ...], tuple[bool, list[str]]] = {}
    for question, (categories, ordinal) in questions.items():
        key = tuple(categories)
        index_of(key)
        if key in scales:
            known, members = scales[key]
            if known != ordinal:
                kinds = ("nominal", "ordinal")
                raise ValueError(
                    f"Question {question!r} treats the scale {list(key)} as {kinds[ordinal]}, "
                    f"but {members[0]!r} treats it as {kinds[known]}."
                )
            members.append(question)
        else:
            scales[key] = (ordinal, [question])
    return scales


def _pooled(
    audits: list[tuple[Mapping[str, str | None], Mapping[str, str | None]]],
    categories: tuple[str, ...],
    questions: list[str],
) -> Split:
    pairs = [pair for question in questions for pair in _pairs_for(audits, question)]
    return split_pairs(pairs, categories)


def by_scale(
    audits: Iterable[tuple[Mapping[str, str | None], Mapping[str, str | None]]],
    questions: Mapping[str, tuple[Sequence[str], bool]],
) -> dict[tuple[str, ...], Agreement]:
    """Agreement pooled over the questions that share a scale, keyed by the scale's categories.

    This is where the chance-corrected figures can honestly be pooled; see the module notes.
    """
    audits = list(audits)
    return {
        categories: _summarise(_pooled(audits, categories, members), categories, ordinal, "answers")
        for categories, (ordinal, members) in _scales(questions).items()
    }


def overall(
    audits: Iterable[tuple[Mapping[str, str | None], Mapping[str, str | None]]],
    questions: Mapping[str, tuple[Sequence[str], bool]],
) -> Agreement:
    """One figure for a set of audits: raw agreement pooled over every scored answer.

    Kappa, AC1 and AC2 are given only when all the questions share one scale; otherwise they
    are None and the note points to `by_scale`, rather than mixing scales in one table.
    """
    audits = list(audits)
    scales = _scales(questions)
    if len(scales) == 1:
        ((categories, (ordinal, members)),) = scales.items()
        return _summarise(_pooled(audits, categories, members), categories, ordinal, "answers")
    splits = [_pooled(audits, scale, members) for scale, (_, members) in scales.items()]
    n = sum(len(s.first) for s in splits)
    agreed = sum(int(np.count_nonzero(s.first == s.second)) for s in splits)
    excluded = sum(s.excluded for s in splits)
    excluded_disagreeing = sum(s.excluded_disagreeing for s in splits)
    notes: list[str] = []
    if len(scales) > 1:
        notes.append(
            f"The questions use {len(scales)} different scales: kappa and AC1 compare answers "
            "with chance on one scale, so they are given per scale, not pooled."
        )
    notes += _size_notes(n, "answers")
    notes += _left_out_notes(excluded, excluded_disagreeing, "answers")
    return Agreement(
        n_pairs=n,
        n_excluded=excluded,
        n_excluded_disagreeing=excluded_disagreeing,
        percent=100.0 * agreed / n if n else None,
        kappa=None,
        kappa_weighting=None,
        ac1=None,
        ac2=None,
        note=" ".join(notes),
    )


def per_audit_percent(
    auditor_answers: Mapping[str, str | None],
    moderator_answers: Mapping[str, str | None],
    question_ids: Iterable[str],
) -> float | None:
    """Share of the audit's questions answered by both where the moderator kept the answer.

    Unlike the statistics above, "Not applicable" counts here: this figure measures how much of
    the audit the moderator changed, and changing "Not applicable" to "No" is a change. A
    question either rater left unanswered is skipped. None when no question was answered by both.
    """
    pairs = [(auditor_answers.get(q), moderator_answers.get(q)) for q in question_ids]
    return percent_agreement(pairs)
