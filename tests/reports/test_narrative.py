"""The narrative's sentences: each must be true of the figures it is given."""

from __future__ import annotations

import pytest

from audit_templates.loader import load_template_text
from audit_templates.schema import Template
from reports.narrative import headline
from reports.rollup import AuditRecord, rollup
from tests.support.app import example_template_yaml

ANSWERS = {"consulted": "yes", "age_band": "Under 16"}


@pytest.fixture
def template() -> Template:
    return load_template_text(example_template_yaml(), "example.yaml")


def _concern_lines(template: Template, concerns: list[str | None]) -> list[str]:
    audits = [AuditRecord(dict(ANSWERS), concern=concern) for concern in concerns]
    return [line for line in headline(rollup(template, audits), "Voice") if "concern" in line]


def test_concerns_are_counted_as_raised_not_claimed_as_acknowledged(template: Template) -> None:
    # The roll-up cannot tell whether a manager has acknowledged a concern: never claim it.
    lines = _concern_lines(template, ["Bruising seen in the record", "No placement plan", None])
    assert lines == [
        "Auditors raised an immediate concern about a child's safety or plan in 2 audits; "
        "each was passed to managers at once."
    ]
    assert not any("acknowledged" in line for line in lines)


def test_one_concern_reads_in_the_singular(template: Template) -> None:
    assert _concern_lines(template, ["Missing from care twice", None]) == [
        "Auditors raised an immediate concern about a child's safety or plan in 1 audit; "
        "it was passed to managers at once."
    ]


def test_no_concern_no_sentence(template: Template) -> None:
    assert _concern_lines(template, [None, None]) == []
