"""Checks between the parts of a template that pydantic cannot see one at a time.

Each check returns (path, code, message), the code and message from audit_templates.errors'
ErrorCode; the loader adds the file and line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from string import Formatter

from audit_templates.builtin_scales import BUILTIN_SCALES
from audit_templates.errors import ErrorCode as E
from audit_templates.question_types import behaviour
from audit_templates.schema import Condition, Question, Template
from audit_templates.yaml_source import Path

Problem = tuple[Path, str, str]


def check(template: Template) -> list[Problem]:
    problems: list[Problem] = []
    for checker in (
        _unique_ids,
        _scales,
        _questions,
        _show_if,
        _grading,
        _settings_used,
        _something_scored,
    ):
        problems.extend(checker(template))
    return problems


def _known(values: Iterable[object]) -> str:
    """The distinct values, in order, for a "(known: ...)" hint."""
    return ", ".join(str(v) for v in dict.fromkeys(values))


def _q_path(template: Template) -> Iterator[tuple[Path, Question]]:
    for s_index, section in enumerate(template.sections):
        for q_index, question in enumerate(section.questions):
            yield ("sections", s_index, "questions", q_index), question


def _unique_ids(template: Template) -> Iterator[Problem]:
    for counter, what, paths in (
        (
            Counter(t.id for t in template.themes),
            "theme",
            {t.id: ("themes", i, "id") for i, t in enumerate(template.themes)},
        ),
        (
            Counter(s.id for s in template.sections),
            "section",
            {s.id: ("sections", i, "id") for i, s in enumerate(template.sections)},
        ),
    ):
        for ident, count in counter.items():
            if count > 1:
                yield paths[ident], *E.DUPLICATE_ID.say(what=what, ident=ident, count=count)
    seen: dict[str, Path] = {}
    for path, question in _q_path(template):
        if question.id in seen:
            first = seen[question.id]
            where = f"sections[{first[1]}].questions[{first[3]}]"
            yield (*path, "id"), *E.DUPLICATE_QUESTION_ID.say(ident=question.id, first=where)
        else:
            seen[question.id] = path


def _scales(template: Template) -> Iterator[Problem]:
    for name, scale in template.scales.items():
        if name in BUILTIN_SCALES:
            yield ("scales", name), *E.BUILTIN_SCALE.say(name=name)
        first_seen: set[str] = set()
        for index, option in enumerate(scale.options):
            if option.value in first_seen:
                where = ("scales", name, "options", index, "value")
                yield where, *E.DUPLICATE_SCALE_OPTION.say(value=option.value)
            first_seen.add(option.value)
        if all(o.score is None for o in scale.options):
            yield ("scales", name, "options"), *E.NO_SCORES.say()


def _answers_of(template: Template, question: Question) -> list[str] | None:
    """The answers a question accepts, or None when it takes free values."""
    scale = template.scale_of(question)
    if scale is not None:
        return [o.value for o in scale.options]
    if behaviour(question.type).takes_options:
        return list(question.options or [])
    return None


def _questions(template: Template) -> Iterator[Problem]:
    theme_ids = [t.id for t in template.themes]
    for path, q in _q_path(template):
        # When the scale itself is wrong, checks of answers on it would only repeat the problem.
        scale_known = True
        kind = behaviour(q.type)
        if kind.takes_scale:
            if q.scale is None:
                scale_known = False
                yield (*path, "scale"), *E.MISSING_SCALE.say()
            elif q.scale not in template.all_scales:
                scale_known = False
                known = _known(template.all_scales)
                yield (*path, "scale"), *E.UNKNOWN_SCALE.say(scale=q.scale, known=known)
        elif q.scale is not None:
            yield (*path, "scale"), *E.SCALE_NOT_ALLOWED.say(type=q.type)
        if kind.takes_options:
            if not q.options:
                yield (*path, "options"), *E.MISSING_OPTIONS.say(type=q.type)
            elif len(set(q.options)) != len(q.options):
                yield (*path, "options"), *E.DUPLICATE_OPTION.say()
        elif q.options is not None:
            yield (*path, "options"), *E.OPTIONS_NOT_ALLOWED.say(type=q.type)
        if not kind.takes_range and (q.min is not None or q.max is not None):
            yield (*path, "min"), *E.RANGE_NOT_ALLOWED.say()
        if q.min is not None and q.max is not None and q.min > q.max:
            yield (*path, "max"), *E.BAD_RANGE.say(max=q.max, min=q.min)
        if q.scored is True and not kind.scorable:
            yield (*path, "scored"), *E.NOT_SCORABLE.say(type=q.type)
        for index, theme in enumerate(q.themes):
            if theme not in theme_ids:
                known = _known(theme_ids) or "none declared"
                yield (*path, "themes", index), *E.UNKNOWN_THEME.say(theme=theme, known=known)
        if not scale_known:
            continue
        answers = _answers_of(template, q)
        for key in ("evidence_required_when", "good_practice"):
            for index, value in enumerate(getattr(q, key)):
                if answers is None:
                    yield (*path, key), *E.ANSWERS_NOT_LISTED.say(key=key)
                    break
                if value not in answers:
                    listed = _known(answers)
                    yield (*path, key, index), *E.UNKNOWN_ANSWER.say(value=value, answers=listed)
        yield from _limiting(template, q, path)
        if q.target is not None and not q.is_scored:
            yield (*path, "target"), *E.TARGET_UNSCORED.say()


def _limiting(template: Template, q: Question, path: Path) -> Iterator[Problem]:
    if q.limiting is None:
        return
    scale = template.scale_of(q)
    if scale is None or not q.is_scored:
        yield (*path, "limiting"), *E.LIMITING_UNSCORED.say()
        return
    option = scale.option(q.limiting.at_or_below)
    if option is None:
        yield (
            (*path, "limiting", "at_or_below"),
            *E.UNKNOWN_LIMIT.say(
                value=q.limiting.at_or_below,
                scale=q.scale,
                answers=_known(o.value for o in scale.options),
            ),
        )
    elif option.score is None:
        yield (*path, "limiting", "at_or_below"), *E.LIMITING_NA.say(value=option.value)
    grades = template.all_scales.get(template.grading.scale)
    if grades is not None and grades.option(q.limiting.caps_grade_at) is None:
        yield (
            (*path, "limiting", "caps_grade_at"),
            *E.UNKNOWN_CAP.say(
                grade=q.limiting.caps_grade_at, grades=_known(o.value for o in grades.options)
            ),
        )


def _show_if(template: Template) -> Iterator[Problem]:
    earlier: dict[str, Question] = {}
    everywhere = {q.id for q in template.questions()}
    for path, q in _q_path(template):
        if q.show_if is not None:
            yield from _condition(template, q.show_if, (*path, "show_if"), earlier, everywhere)
        earlier[q.id] = q


def _condition(
    template: Template,
    condition: Condition,
    path: Path,
    earlier: dict[str, Question],
    everywhere: set[str],
) -> Iterator[Problem]:
    for index, part in enumerate(condition.all or condition.any or []):
        group = "all" if condition.all is not None else "any"
        yield from _condition(template, part, (*path, group, index), earlier, everywhere)
    if condition.question is None:
        return
    target = earlier.get(condition.question)
    if target is None:
        where = "a later question" if condition.question in everywhere else "an unknown question"
        yield (*path, "question"), *E.SHOW_IF_ORDER.say(question=condition.question, where=where)
        return
    answers = _answers_of(template, target)
    if not answers:  # Free answers, or options already reported missing.
        return
    for value in [condition.equals, *(condition.in_ or []), *(condition.not_in or [])]:
        if value is not None and value not in answers:
            yield (
                path,
                *E.UNKNOWN_SHOW_IF_ANSWER.say(
                    value=value, question=target.id, answers=_known(answers)
                ),
            )


def _grading(template: Template) -> Iterator[Problem]:
    grading = template.grading
    scale = template.all_scales.get(grading.scale)
    if scale is None:
        known = _known(template.all_scales)
        yield ("grading", "scale"), *E.UNKNOWN_SCALE.say(scale=grading.scale, known=known)
        return
    if any(o.score is None for o in scale.options):
        yield ("grading", "scale"), *E.GRADE_NA.say()
    grades = [o.value for o in scale.options]
    for name in grading.thresholds:
        if name not in grades:
            yield (
                ("grading", "thresholds", name),
                *E.UNKNOWN_GRADE.say(grade=name, scale=grading.scale, grades=_known(grades)),
            )
    missing = [g for g in grades if g not in grading.thresholds]
    if missing:
        yield ("grading", "thresholds"), *E.MISSING_THRESHOLD.say(missing=_known(missing))
        return
    values = [grading.thresholds[g] for g in grades]
    for better, worse, low, high in zip(grades, grades[1:], values[1:], values, strict=False):
        if not high > low:
            yield (
                ("grading", "thresholds", worse),
                *E.THRESHOLDS_ORDER.say(better=better, high=high, worse=worse, low=low),
            )
    if values[-1] != 0:
        yield ("grading", "thresholds", grades[-1]), *E.LOWEST_THRESHOLD.say(value=values[-1])


def _settings_used(template: Template) -> Iterator[Problem]:
    for path, q in _q_path(template):
        for key in ("text", "help", "good_looks_like"):
            try:
                names = [n for _, n, _, _ in Formatter().parse(getattr(q, key)) if n]
            except ValueError:
                yield (*path, key), *E.BAD_BRACES.say()
                continue
            for name in names:
                if name not in template.settings:
                    known = _known(template.settings) or "none declared"
                    yield (*path, key), *E.UNKNOWN_SETTING.say(name=name, known=known)


def _something_scored(template: Template) -> Iterator[Problem]:
    if not any(q.is_scored for q in template.questions()):
        yield ("sections",), *E.NOTHING_SCORED.say()
