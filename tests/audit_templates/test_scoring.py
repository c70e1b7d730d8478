"""The scoring engine: hand-worked cases, then properties over generated templates."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_templates.builtin_scales import BUILTIN_SCALES
from audit_templates.schema import Template
from audit_templates.scoring import score

THRESHOLDS = {"outstanding": 0.9, "good": 0.75, "requires_improvement": 0.5, "inadequate": 0}


def make(sections: list[list[dict[str, Any]]], **extra: Any) -> Template:
    data: dict[str, Any] = {
        "id": "t",
        "title": "T",
        "version": 1,
        "kind": "case_audit",
        "themes": [{"id": "voice", "title": "Voice"}, {"id": "time", "title": "Time"}],
        "sections": [
            {"id": f"s{i}", "title": f"S{i}", "questions": qs} for i, qs in enumerate(sections)
        ],
        "grading": {"scale": "ofsted4", "thresholds": THRESHOLDS},
    }
    data.update(extra)
    template = Template.model_validate(data)
    return template.model_copy(update={"all_scales": dict(BUILTIN_SCALES)})


def q(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "text": ident, "scale": "compliance", **fields}


# ---- Hand-worked cases -----------------------------------------------------------------


def test_weighted_means_by_section_and_overall() -> None:
    t = make(
        [
            [q("a", weight=2, themes=["voice"]), q("b", themes=["voice", "time"])],
            [q("c", weight=3, themes=["time"]), q("d")],
        ]
    )
    r = score(t, {"a": "yes", "b": "partly", "c": "no", "d": "not_applicable"})
    # s0: (2*1 + 1*0.5) / 3 = 0.8333; s1: c only (d is N/A): 0 / 3 = 0
    assert r.sections == {"s0": pytest.approx(2.5 / 3), "s1": 0.0}
    # overall (answers): (2*1 + 1*0.5 + 3*0) / 6 = 0.41667 -> inadequate (< 0.5)
    assert r.overall == pytest.approx(2.5 / 6)
    assert r.grade == "inadequate"
    # voice: a met, b not -> 1/2; time: b not, c not -> 0/2. d (N/A) counts nowhere.
    assert (r.themes["voice"].met, r.themes["voice"].applicable) == (1, 2)
    assert (r.themes["time"].met, r.themes["time"].applicable) == (0, 2)


def test_section_method_weights_sections_not_answers() -> None:
    t = make(
        [[q("a"), q("b")], [q("c")]],
        grading={"scale": "ofsted4", "method": "sections", "thresholds": THRESHOLDS},
    )
    r = score(t, {"a": "yes", "b": "yes", "c": "no"})
    # sections: s0 = 1, s1 = 0, equal section weights -> (1 + 0) / 2 = 0.5
    # (by answers it would be 2/3)
    assert r.overall == pytest.approx(0.5)
    assert r.grade == "requires_improvement"


def test_limiting_answer_caps_the_grade_and_says_which() -> None:
    t = make(
        [
            [q("seen", limiting={"at_or_below": "partly", "caps_grade_at": "requires_improvement"})]
            + [q(f"x{i}") for i in range(9)]
        ]
    )
    answers = {f"x{i}": "yes" for i in range(9)} | {"seen": "partly"}
    r = score(t, answers)
    # overall (9*1 + 0.5) / 10 = 0.95 -> outstanding, capped at requires improvement
    assert r.overall == pytest.approx(0.95)
    assert r.computed_grade == "outstanding"
    assert r.grade == "requires_improvement"
    assert [(h.question_id, h.answer) for h in r.limited_by] == [("seen", "partly")]
    assert score(t, answers | {"seen": "yes"}).grade == "outstanding"


def test_hidden_questions_are_discarded_and_not_required() -> None:
    t = make(
        [
            [
                {"id": "age", "text": "Age", "type": "choice", "options": ["Under 16", "16+"]},
                q("pathway", show_if={"question": "age", "equals": "16+"}),
                q("other"),
            ]
        ]
    )
    hidden = score(t, {"age": "Under 16", "pathway": "no", "other": "yes"})
    # pathway is hidden: its "no" is thrown away; only other counts -> 1.0
    assert hidden.overall == 1.0 and hidden.questions["pathway"].visible is False
    assert hidden.missing_required == []
    shown = score(t, {"age": "16+", "other": "yes"})
    assert shown.missing_required == ["pathway"]


def test_evidence_is_required_for_the_answers_the_template_names() -> None:
    t = make([[q("a", evidence_required_when=["no", "partly"]), q("b")]])
    assert score(t, {"a": "no", "b": "yes"}).missing_evidence == ["a"]
    assert score(t, {"a": "no", "b": "yes"}, {"a": "  "}).missing_evidence == ["a"]
    assert score(t, {"a": "no", "b": "yes"}, {"a": "No case note"}).missing_evidence == []
    assert score(t, {"a": "yes", "b": "yes"}).missing_evidence == []


def test_nothing_scored_gives_no_grade() -> None:
    t = make([[q("a"), q("b")]])
    r = score(t, {"a": "not_applicable"})
    assert r.overall is None and r.grade is None and r.sections == {"s0": None}
    assert r.missing_required == ["b"]


def test_unknown_answers_are_not_scored() -> None:
    t = make([[q("a"), q("b")]])
    r = score(t, {"a": "maybe", "b": "yes"})
    assert r.questions["a"].score is None and r.overall == 1.0


# ---- Properties over generated templates ------------------------------------------------

COMPLIANCE = ["yes", "partly", "no", "not_applicable"]


@st.composite
def templates_and_answers(draw: st.DrawFn) -> tuple[Template, dict[str, str]]:
    sections = []
    count = 0
    for s in range(draw(st.integers(1, 3))):
        questions = []
        for _ in range(draw(st.integers(1, 5))):
            fields: dict[str, Any] = {
                "weight": draw(st.sampled_from([0.5, 1, 2, 3])),
                "themes": draw(st.sampled_from([[], ["voice"], ["time"], ["voice", "time"]])),
            }
            if draw(st.booleans()):
                fields["limiting"] = {
                    "at_or_below": draw(st.sampled_from(["partly", "no"])),
                    "caps_grade_at": draw(
                        st.sampled_from(["good", "requires_improvement", "inadequate"])
                    ),
                }
            questions.append(q(f"q{count}", **fields))
            count += 1
        sections.append(questions)
        del s
    template = make(sections)
    answers = {
        f"q{i}": draw(st.sampled_from(COMPLIANCE)) for i in range(count) if draw(st.booleans())
    }
    return template, answers


GRADES = ["outstanding", "good", "requires_improvement", "inadequate"]


@settings(max_examples=300, deadline=None)
@given(templates_and_answers())
def test_scores_stay_between_0_and_1(case: tuple[Template, dict[str, str]]) -> None:
    template, answers = case
    r = score(template, answers)
    values = [r.overall, *r.sections.values()]
    assert all(v is None or 0 <= v <= 1 for v in values)
    assert all(t.compliance is None or 0 <= t.compliance <= 1 for t in r.themes.values())
    assert (r.overall is None) == (r.grade is None)


@settings(max_examples=300, deadline=None)
@given(templates_and_answers(), st.data())
def test_not_applicable_is_never_a_fail(
    case: tuple[Template, dict[str, str]], data: st.DataObject
) -> None:
    template, answers = case
    target = data.draw(st.sampled_from([q.id for q in template.questions()]))
    without = {k: v for k, v in answers.items() if k != target}
    as_na = score(template, without | {target: "not_applicable"})
    as_no = score(template, without | {target: "no"})
    # N/A is exactly the same as leaving the question out ...
    assert as_na.overall == score(template, without).overall
    assert as_na.sections == score(template, without).sections
    # ... and never scores lower than answering No.
    if as_na.overall is not None and as_no.overall is not None:
        assert as_na.overall >= as_no.overall
    if as_na.grade is not None and as_no.grade is not None:
        assert GRADES.index(as_na.grade) <= GRADES.index(as_no.grade)


@settings(max_examples=300, deadline=None)
@given(templates_and_answers(), st.data())
def test_a_limiting_failure_never_raises_the_grade(
    case: tuple[Template, dict[str, str]], data: st.DataObject
) -> None:
    template, answers = case
    limiting = [q for q in template.questions() if q.limiting is not None]
    if not limiting:
        return
    target = data.draw(st.sampled_from(limiting))
    assert target.limiting is not None
    before = score(template, {k: v for k, v in answers.items() if k != target.id})
    after = score(template, answers | {target.id: target.limiting.at_or_below})
    assert after.grade is not None
    assert GRADES.index(after.grade) >= GRADES.index(target.limiting.caps_grade_at)
    if before.grade is not None:
        assert GRADES.index(after.grade) >= GRADES.index(before.grade)


@settings(max_examples=200, deadline=None)
@given(templates_and_answers(), st.randoms())
def test_the_order_of_answers_does_not_matter(
    case: tuple[Template, dict[str, str]], rnd: random.Random
) -> None:
    template, answers = case
    items = list(answers.items())
    rnd.shuffle(items)
    assert score(template, dict(items)) == score(template, answers)
