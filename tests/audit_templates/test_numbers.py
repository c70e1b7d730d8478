"""Question numbers have one home, Template.numbers(), and every page and writer reads it."""

from __future__ import annotations

from audit_templates.loader import load_template_text

TEMPLATE = """\
id: numbered
title: Numbered
version: 1
kind: case_audit
sections:
  - id: first
    title: First
    questions:
      - {id: a, text: A, scale: compliance}
      - {id: b, text: B, type: text}
  - id: second
    title: Second
    questions:
      - {id: c, text: C, scale: compliance}
      - {id: d, text: D, scale: compliance}
      - {id: e, text: E, type: number}
grading:
  thresholds: {outstanding: 0.9, good: 0.75, requires_improvement: 0.5, inadequate: 0}
"""


def test_numbers_are_section_dot_question_counted_from_one() -> None:
    numbers = load_template_text(TEMPLATE).numbers()
    assert numbers == {"a": "1.1", "b": "1.2", "c": "2.1", "d": "2.2", "e": "2.3"}


def test_the_roll_up_and_the_form_number_questions_alike() -> None:
    from reports.rollup import rollup

    template = load_template_text(TEMPLATE)
    found = rollup(template, [])
    assert {q.question_id: q.number for q in found.questions} == {
        k: v for k, v in template.numbers().items() if k in {"a", "c", "d"}
    }
