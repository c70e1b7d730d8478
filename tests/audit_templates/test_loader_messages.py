"""One mistake, one message: follow-on errors must not bury the real problem."""

from __future__ import annotations

import pytest

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_text
from tests.support.app import example_template_yaml


def _errors(text: str) -> list[str]:
    with pytest.raises(TemplateInvalid) as caught:
        load_template_text(text, "t.yaml")
    return [str(e) for e in caught.value.errors]


def test_a_setting_of_the_wrong_type_gets_one_message() -> None:
    text = example_template_yaml().replace(
        "record_deadline_working_days: 15", "record_deadline_working_days: [15, 20]"
    )
    errors = _errors(text)
    assert len(errors) == 1
    assert "settings.record_deadline_working_days: expected a single number" in errors[0]


def test_redefining_a_builtin_scale_is_one_error_not_one_per_answer() -> None:
    text = example_template_yaml().replace("  frequency:\n", "  compliance:\n")
    errors = _errors(text)
    assert errors == [
        "t.yaml:21 scales.compliance: 'compliance' is a built-in scale; give your scale "
        "another name"
    ]


def test_messages_and_places_read_the_same_for_reading_and_checking_errors() -> None:
    duplicate = example_template_yaml().replace(
        "        weight: 2\n", "        weight: 2\n        weight: 3\n"
    )
    (error,) = _errors(duplicate)
    assert error.startswith("t.yaml:43 sections[0].questions[0].weight: ")


def test_a_question_mark_inside_braces_is_explained_on_its_own_line() -> None:
    text = example_template_yaml().replace(
        "      - id: age_band\n        text: Age of the child at the review\n",
        "      - {id: age_band, text: How old is the child?, type: text}\n"
        "      - id: age_band_2\n        text: Age of the child at the review\n",
    )
    (error,) = _errors(text)
    line = next(
        n for n, row in enumerate(text.split("\n"), start=1) if "How old is the child?" in row
    )
    assert error.startswith(f"t.yaml:{line}: this is not valid YAML")
    assert "in quotes" in error and "never closed" not in error
