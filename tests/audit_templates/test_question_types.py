"""A question type's behaviour is its row in audit_templates.question_types; the checks read it."""

from __future__ import annotations

from typing import get_args

import pytest

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_text
from audit_templates.question_types import QUESTION_TYPES, TYPES
from audit_templates.schema import Question

BASE = """\
id: t
title: T
version: 1
kind: case_audit
sections:
  - id: s
    title: S
    questions:
      - {{id: anchor, text: Anchor, scale: compliance}}
      - {{id: q, text: Q, type: {type}{extra}}}
grading:
  thresholds: {{outstanding: 0.9, good: 0.75, requires_improvement: 0.5, inadequate: 0}}
"""


def _codes(kind: str, extra: str) -> set[str]:
    try:
        load_template_text(BASE.format(type=kind, extra=extra))
    except TemplateInvalid as refused:
        return {e.code for e in refused.errors}
    return set()


def test_the_schema_accepts_exactly_the_tables_types() -> None:
    assert get_args(Question.model_fields["type"].annotation) == QUESTION_TYPES == tuple(TYPES)


@pytest.mark.parametrize("kind", QUESTION_TYPES)
def test_the_checks_follow_the_row(kind: str) -> None:
    row = TYPES[kind]
    needs = ", scale: compliance" if row.takes_scale else ""
    needs += ", options: [a, b]" if row.takes_options else ""
    assert _codes(kind, needs) == set()
    assert ("range_not_allowed" in _codes(kind, needs + ", min: 0, max: 3")) != row.takes_range
    assert ("not_scorable" in _codes(kind, needs + ", scored: true")) != row.scorable
    if not row.takes_scale:
        assert "scale_not_allowed" in _codes(kind, needs + ", scale: compliance")
    if not row.takes_options:
        assert "options_not_allowed" in _codes(kind, needs + ", options: [a]")
    question = load_template_text(BASE.format(type=kind, extra=needs)).question("q")
    assert question.is_scored == row.scorable
