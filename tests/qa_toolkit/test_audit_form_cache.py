"""What the audit form keeps per template (form class, question headings) follows the template.

A published version's Template object is shared (template_of caches it by content), so the
form keeps what it made from it; a different object, such as the next version with a question
reworded, gets its own.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import escape

from audit_templates.loader import load_template_text
from qa_toolkit.audit_forms import build_audit_form, form_view
from tests.support.app import example_template_yaml


def _first_question_text(yaml_text: str) -> str:
    template = load_template_text(yaml_text, "example.yaml")
    return template.text_of(template.questions()[0])


def test_each_template_object_gets_its_own_form_and_headings(app: Flask) -> None:
    original = example_template_yaml()
    first = load_template_text(original, "example.yaml")
    old_text = first.text_of(first.questions()[0])
    reworded_yaml = original.replace(old_text, "Was the plan reviewed on time, in writing?", 1)
    assert reworded_yaml != original
    reworded = load_template_text(reworded_yaml, "example.yaml")
    assert _first_question_text(reworded_yaml) != old_text

    with app.test_request_context("/"):
        form_class = build_audit_form(first)
        assert build_audit_form(first) is form_class  # Made once for this template object.
        assert build_audit_form(reworded) is not form_class

        views = form_view(first, form_class(meta={"csrf": False}))
        again = form_view(first, form_class(meta={"csrf": False}))
        other = form_view(reworded, build_audit_form(reworded)(meta={"csrf": False}))

    head, head_again = views[0].questions[0].head, again[0].questions[0].head
    assert head is not None and head is head_again  # Rendered once, then kept.
    assert str(escape(old_text)) in head
    assert "Was the plan reviewed on time, in writing?" not in head
    other_head = other[0].questions[0].head
    assert other_head is not None and "Was the plan reviewed on time, in writing?" in other_head
    # Every question's heading carries its own number and text.
    for section in views:
        for view in section.questions:
            assert view.head is not None
            assert f'<span class="question-number">{view.number}</span>' in view.head
