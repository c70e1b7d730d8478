"""How a template's answers are counted: the look-up tables and the one pass over the audits.

Its own module because the roll-up's speed and its figures both rest on these tables: each
scored answer is looked up once and adds met and applicable in one sum; the roll-up, its
theme figures and one file's case-level scores (`file_answers`) all count through them, so a
figure recomputed from the case-level sheet is the roll-up's. Pure: no web, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from audit_templates.schema import Question, Template
from audit_templates.scoring import visible_answers

APPLIES = 1
MET = 1 << 32  # Far above any count of answers one audit (or all of them) can have.


def split_total(total: int) -> tuple[int, int]:
    """(met, applicable) from a sum of `Tables.weight`s."""
    return total >> 32, total & (MET - 1)


@dataclass
class Scored:
    """One scored question's options, looked up once: what each answer counts as."""

    question: Question
    labels: list[str]  # by option position
    verdicts: list[bool | None]  # meets_standard by option position (None: N/A)


@dataclass
class Tables:
    """Every scored question's answers, keyed (question id, answer value) as in the answers.

    `option` gives the scored question's position and the option's position (the first option
    with that value, as Scale.option finds it). `weight` is what the answer adds to an audit's
    totals over every scored question: APPLIES (1) if it counts in the denominator (not N/A)
    plus MET if it also meets the standard; so one sum of look-ups gives both totals
    (`split_total`).
    """

    scored: list[Scored]
    option: dict[tuple[str, str], tuple[int, int]]
    weight: dict[tuple[str, str], int]


def tables_of(template: Template) -> Tables:
    scored: list[Scored] = []
    option: dict[tuple[str, str], tuple[int, int]] = {}
    weight: dict[tuple[str, str], int] = {}
    for question in template.questions():
        if not question.is_scored:
            continue
        scale = template.scale_of(question)
        assert scale is not None  # noqa: S101 (scored questions always have a scale)
        position = len(scored)
        scored.append(
            Scored(
                question,
                [o.label for o in scale.options],
                [o.meets_standard for o in scale.options],
            )
        )
        for index, o in enumerate(scale.options):
            key = (question.id, o.value)
            if key in option:  # Scale.option finds the first option with a value.
                continue
            option[key] = (position, index)
            verdict = o.meets_standard
            if verdict is not None:
                weight[key] = APPLIES + (MET if verdict else 0)
    return Tables(scored, option, weight)


def hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def theme_totals(
    template: Template, tables: Tables, answered: Sequence[Mapping[str, Any]]
) -> dict[str, list[int]]:
    """Each file's met and applicable answers per theme (one `Tables.weight` sum), in order."""
    themes_of = {s.question.id: tuple(s.question.themes) for s in tables.scored}
    keyed = [(qid, themes) for qid, themes in themes_of.items() if themes]
    weight_of = tables.weight.get
    out: dict[str, list[int]] = {t.id: [] for t in template.themes}
    for answers in answered:
        sums: dict[str, int] = {}
        for qid, themes in keyed:
            value = answers.get(qid)
            if value is None or not hashable(value):
                continue
            add = weight_of((qid, value), 0)
            if add:
                for theme in themes:
                    sums[theme] = sums.get(theme, 0) + add
        for theme, files in out.items():
            files.append(sums.get(theme, 0))
    return out


def tally(
    tables: Tables, strata: Sequence[str], answered: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Counter[tuple[str, Any]]], list[int]]:
    """One pass over the audits (each audit's stratum, and its answers that count): each
    stratum's (question id, answer) counts, and each audit's met and applicable answers over
    every scored question, as one `Tables.weight` sum (for the breakdowns).

    An answer no option has (a stray value) is counted under its own key and matches nothing
    later; an unhashable one (a list or dict) cannot be a key and never matches an option
    either, so it is left out.
    """
    weight_of = tables.weight.get
    by_stratum: dict[str, Counter[tuple[str, Any]]] = {}
    totals: list[int] = []
    for stratum, answers in zip(strata, answered, strict=True):
        items: Iterable[tuple[str, Any]] = answers.items()
        try:
            total = sum(map(weight_of, items, repeat(0)))
        except TypeError:  # An unhashable answer: drop it (it matches no option).
            items = [(key, value) for key, value in items if hashable(value)]
            total = sum(map(weight_of, items, repeat(0)))
        cells = by_stratum.get(stratum)
        if cells is None:
            cells = by_stratum[stratum] = Counter()
        cells.update(items)
        totals.append(total)
    return by_stratum, totals


def answers_that_count(
    template: Template, answers: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """visible_answers of each audit. Without any show_if in the template nothing can be hidden,
    and the roll-up only ever looks up the template's own questions, so the answers are used
    as they are (visible_answers would only copy them)."""
    if any(q.show_if is not None for q in template.questions()):
        return [visible_answers(template, a) for a in answers]
    return list(answers)


@dataclass(frozen=True)
class FileAnswers:
    """One audited file's answers as words, by question id, and its score on each theme
    (answers meeting the standard over the applicable ones, as the theme figures pool them;
    None where none applied). Hidden questions (show_if) are left out, as the roll-up does."""

    answers: dict[str, str]
    themes: dict[str, float | None]


def file_answers(template: Template, answers: Mapping[str, Any]) -> FileAnswers:
    """The words of each answer that counts, and the file's theme scores, by the roll-up's
    own tables, so a figure recomputed from the case-level sheet is the roll-up's."""
    visible = visible_answers(template, answers)
    tables = tables_of(template)
    words: dict[str, str] = {}
    for question in template.questions():
        value = visible.get(question.id)
        if value is None or not hashable(value):
            continue
        scale = template.scale_of(question)
        found = scale.option(value) if scale is not None else None
        words[question.id] = found.label if found is not None else str(value)
    scores: dict[str, float | None] = {}
    for theme, (total,) in theme_totals(template, tables, [visible]).items():
        met, applicable = split_total(total)
        scores[theme] = met / applicable if applicable else None
    return FileAnswers(words, scores)
