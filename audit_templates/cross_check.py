"""Checks between the parts of a template that pydantic cannot see one at a time.

Each check returns (path, code, message); the loader adds the file and line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from string import Formatter

from audit_templates.builtin_scales import BUILTIN_SCALES
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
                yield paths[ident], "duplicate_id", f"the {what} id '{ident}' is used {count} times"
    seen: dict[str, Path] = {}
    for path, question in _q_path(template):
        if question.id in seen:
            first = seen[question.id]
            yield (
                (*path, "id"),
                "duplicate_id",
                f"the question id '{question.id}' is already used at "
                f"sections[{first[1]}].questions[{first[3]}]",
            )
        else:
            seen[question.id] = path


def _scales(template: Template) -> Iterator[Problem]:
    for name, scale in template.scales.items():
        if name in BUILTIN_SCALES:
            yield (
                ("scales", name),
                "builtin_scale",
                f"'{name}' is a built-in scale; give your scale another name",
            )
        first_seen: set[str] = set()
        for index, option in enumerate(scale.options):
            if option.value in first_seen:
                yield (
                    ("scales", name, "options", index, "value"),
                    "duplicate_option",
                    f"'{option.value}' is listed twice",
                )
            first_seen.add(option.value)
        if all(o.score is None for o in scale.options):
            yield (
                ("scales", name, "options"),
                "no_scores",
                "at least one option needs a score",
            )


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
                yield (*path, "scale"), "missing_scale", "a scale question needs scale:"
            elif q.scale not in template.all_scales:
                scale_known = False
                yield (
                    (*path, "scale"),
                    "unknown_scale",
                    f"unknown scale '{q.scale}' (known: {_known(template.all_scales)})",
                )
        elif q.scale is not None:
            yield (*path, "scale"), "scale_not_allowed", f"a {q.type} question takes no scale"
        if kind.takes_options:
            if not q.options:
                yield (*path, "options"), "missing_options", f"a {q.type} question needs options:"
            elif len(set(q.options)) != len(q.options):
                yield (*path, "options"), "duplicate_option", "an option is listed twice"
        elif q.options is not None:
            yield (*path, "options"), "options_not_allowed", f"a {q.type} question takes no options"
        if not kind.takes_range and (q.min is not None or q.max is not None):
            yield (*path, "min"), "range_not_allowed", "min: and max: are only for number questions"
        if q.min is not None and q.max is not None and q.min > q.max:
            yield (*path, "max"), "bad_range", f"max ({q.max}) is less than min ({q.min})"
        if q.scored is True and not kind.scorable:
            yield (*path, "scored"), "not_scorable", f"a {q.type} question cannot be scored"
        for index, theme in enumerate(q.themes):
            if theme not in theme_ids:
                yield (
                    (*path, "themes", index),
                    "unknown_theme",
                    f"unknown theme '{theme}' (known: {_known(theme_ids) or 'none declared'})",
                )
        if not scale_known:
            continue
        answers = _answers_of(template, q)
        for key in ("evidence_required_when", "good_practice"):
            for index, value in enumerate(getattr(q, key)):
                if answers is None:
                    yield (
                        (*path, key),
                        "answers_not_listed",
                        f"{key} needs a scale or choice question",
                    )
                    break
                if value not in answers:
                    yield (
                        (*path, key, index),
                        "unknown_answer",
                        f"'{value}' is not an answer to this question (answers: {_known(answers)})",
                    )
        yield from _limiting(template, q, path)
        if q.target is not None and not q.is_scored:
            yield (*path, "target"), "target_unscored", "only a scored question can have a target"


def _limiting(template: Template, q: Question, path: Path) -> Iterator[Problem]:
    if q.limiting is None:
        return
    scale = template.scale_of(q)
    if scale is None or not q.is_scored:
        yield (*path, "limiting"), "limiting_unscored", "only a scored question can be limiting"
        return
    option = scale.option(q.limiting.at_or_below)
    if option is None:
        yield (
            (*path, "limiting", "at_or_below"),
            "unknown_answer",
            f"'{q.limiting.at_or_below}' is not an answer on the {q.scale} scale "
            f"(answers: {_known(o.value for o in scale.options)})",
        )
    elif option.score is None:
        yield (
            (*path, "limiting", "at_or_below"),
            "limiting_na",
            f"'{option.value}' is not scored, so it cannot limit the grade",
        )
    grades = template.all_scales.get(template.grading.scale)
    if grades is not None and grades.option(q.limiting.caps_grade_at) is None:
        yield (
            (*path, "limiting", "caps_grade_at"),
            "unknown_grade",
            f"'{q.limiting.caps_grade_at}' is not a grade "
            f"(grades: {_known(o.value for o in grades.options)})",
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
        yield (
            (*path, "question"),
            "show_if_order",
            f"'{condition.question}' is {where}: show_if can only look at earlier questions",
        )
        return
    answers = _answers_of(template, target)
    if not answers:  # Free answers, or options already reported missing.
        return
    for value in [condition.equals, *(condition.in_ or []), *(condition.not_in or [])]:
        if value is not None and value not in answers:
            yield (
                path,
                "unknown_answer",
                f"{value!r} is not an answer to '{target.id}' (answers: {_known(answers)})",
            )


def _grading(template: Template) -> Iterator[Problem]:
    grading = template.grading
    scale = template.all_scales.get(grading.scale)
    if scale is None:
        yield (
            ("grading", "scale"),
            "unknown_scale",
            f"unknown scale '{grading.scale}' (known: {_known(template.all_scales)})",
        )
        return
    if any(o.score is None for o in scale.options):
        yield ("grading", "scale"), "grade_na", "a grading scale cannot have an unscored option"
    grades = [o.value for o in scale.options]
    for name in grading.thresholds:
        if name not in grades:
            yield (
                ("grading", "thresholds", name),
                "unknown_grade",
                f"'{name}' is not a grade on the {grading.scale} scale (grades: {_known(grades)})",
            )
    missing = [g for g in grades if g not in grading.thresholds]
    if missing:
        yield (
            ("grading", "thresholds"),
            "missing_threshold",
            f"every grade needs a threshold; missing: {_known(missing)}",
        )
        return
    values = [grading.thresholds[g] for g in grades]
    for better, worse, low, high in zip(grades, grades[1:], values[1:], values, strict=False):
        if not high > low:
            yield (
                ("grading", "thresholds", worse),
                "thresholds_order",
                f"thresholds must go down from the best grade: '{better}' is {high}, "
                f"so '{worse}' must be lower than that, not {low}",
            )
    if values[-1] != 0:
        yield (
            ("grading", "thresholds", grades[-1]),
            "lowest_threshold",
            f"the lowest grade's threshold must be 0 so every score gets a grade, not {values[-1]}",
        )


def _settings_used(template: Template) -> Iterator[Problem]:
    for path, q in _q_path(template):
        for key in ("text", "help", "good_looks_like"):
            try:
                names = [n for _, n, _, _ in Formatter().parse(getattr(q, key)) if n]
            except ValueError:
                yield (*path, key), "bad_braces", "unmatched { or } (write {{ or }} for a brace)"
                continue
            for name in names:
                if name not in template.settings:
                    known = _known(template.settings) or "none declared"
                    yield (
                        (*path, key),
                        "unknown_setting",
                        f"{{{name}}} is not a setting (settings: {known})",
                    )


def _something_scored(template: Template) -> Iterator[Problem]:
    if not any(q.is_scored for q in template.questions()):
        yield (
            ("sections",),
            "nothing_scored",
            "at least one question must be a scored scale question",
        )
