"""Build a WTForms form class from a template at run time (one new class per call).

Field classes come from a registry keyed by question type, never from names in the data.
Required answers are checked on submit by the scoring engine (drafts may be partial), so the
fields themselves only check what each answer must look like.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, cast

from flask import get_template_attribute
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from audit_templates.describe import condition_in_words, limiting_in_words
from audit_templates.schema import Question, Template
from qa_toolkit.services.audit_context import seen_where

MAX_TEXT = 20_000

FieldFactory = Callable[[Template, Question], Field]


def _scale(template: Template, question: Question) -> Field:
    scale = template.scale_of(question)
    assert scale is not None  # noqa: S101 (the loader guarantees every scale question has one)
    return RadioField(
        template.text_of(question),
        choices=[SelectChoice(o.value, o.label) for o in scale.options],
        validators=[Optional()],
        validate_choice=True,
    )


def _choice(template: Template, question: Question) -> Field:
    return RadioField(
        template.text_of(question),
        choices=[SelectChoice(o, o) for o in question.options or []],
        validators=[Optional()],
    )


def _multi_choice(template: Template, question: Question) -> Field:
    return SelectMultipleField(
        template.text_of(question),
        choices=[SelectChoice(o, o) for o in question.options or []],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


def _text(template: Template, question: Question) -> Field:
    return TextAreaField(template.text_of(question), validators=[Optional(), Length(max=MAX_TEXT)])


def _number(template: Template, question: Question) -> Field:
    return DecimalField(
        template.text_of(question),
        validators=[Optional(), NumberRange(min=question.min, max=question.max)],
    )


def _date(template: Template, question: Question) -> Field:
    return DateField(template.text_of(question), validators=[Optional()])


FIELD_FACTORIES: dict[str, FieldFactory] = {
    "scale": _scale,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "text": _text,
    "number": _number,
    "date": _date,
}


def answer_field(question_id: str) -> str:
    return f"q_{question_id}"


def evidence_field(question_id: str) -> str:
    return f"ev_{question_id}"


def highlight_field(question_id: str) -> str:
    return f"hl_{question_id}"


def share_field(question_id: str) -> str:
    return f"hs_{question_id}"


_Made = TypeVar("_Made")


class _PerTemplate(Generic[_Made]):
    """What is made from a template alone, kept per template object: template_of returns one
    object per published version (cached by content), so each version's form class and
    question headings are made once per process, not at every request. The template is kept
    beside what was made from it, so its id cannot be reused by another object meanwhile."""

    def __init__(self, make: Callable[[Template], _Made], size: int = 64) -> None:
        self.make, self.size = make, size
        self.entries: OrderedDict[int, tuple[Template, _Made]] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, template: Template) -> _Made:
        with self.lock:
            found = self.entries.get(id(template))
            if found is not None and found[0] is template:
                self.entries.move_to_end(id(template))
                return found[1]
        made = self.make(template)
        with self.lock:
            self.entries[id(template)] = (template, made)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return made


def build_audit_form(template: Template) -> type[FlaskForm]:
    """The FlaskForm subclass for this template: a field per question, plus evidence and
    highlight boxes (made once per template object; a form class holds no request's data).
    Making it at every request was a twentieth of the audit form's time."""
    return _form_classes(template)


def _make_audit_form(template: Template) -> type[FlaskForm]:
    attrs: dict[str, Any] = {}
    for question in template.questions():
        attrs[answer_field(question.id)] = FIELD_FACTORIES[question.type](template, question)
        if question.evidence_required_when:
            attrs[evidence_field(question.id)] = TextAreaField(
                f"Evidence: what did you see {seen_where(template.kind)}?",
                validators=[Optional(), Length(max=MAX_TEXT)],
            )
        if question.good_practice:
            attrs[highlight_field(question.id)] = TextAreaField(
                "Good practice to highlight (optional)",
                validators=[Optional(), Length(max=MAX_TEXT)],
            )
            attrs[share_field(question.id)] = BooleanField(
                "Share this highlight in partner reports (no names or case details)"
            )
    name = f"AuditForm_{template.id}_v{template.version}"
    return type(name, (FlaskForm,), attrs)


_form_classes: _PerTemplate[type[FlaskForm]] = _PerTemplate(_make_audit_form)


@dataclass(frozen=True, slots=True)
class OptionView:
    """One radio or checkbox of a question, numbered and checked as WTForms would."""

    id: str
    value: str
    label: str
    checked: bool


def options_of(field: Field) -> list[OptionView]:
    """A choice field's options without a WTForms sub-field for each (iterating the field
    makes one per option: a 40-question form has ~150, and they were a sixth of its time).
    Ids follow WTForms' own numbering (`<field id>-<n>`), so labels and scripts still match."""
    return [
        OptionView(f"{field.id}-{n}", str(c.value), str(c.label or c.value), bool(c.selected))
        for n, c in enumerate(field.iter_choices())
    ]


@dataclass(frozen=True)
class QuestionInfo:
    """What the page shows beside one question that comes from its template alone: numbering,
    words for its rules (made once per template: see form_view)."""

    number: str
    question: Question
    text: str
    help: str
    good_looks_like: str
    themes: list[str]
    condition: str | None
    condition_json: str | None
    limiting: str | None
    evidence_when: list[str]
    option_hints: dict[str, str]


@dataclass(frozen=True)
class QuestionView(QuestionInfo):
    """One question on the page: its template's part and this form's fields."""

    answer: Field
    options: list[OptionView]
    evidence: Field | None
    highlight: Field | None
    share: Field | None
    # The question's heading, hint and notes as HTML: made from the template alone, so
    # rendered once per template (None until then: the page's macro renders it).
    head: Markup | None = None


@dataclass(frozen=True)
class SectionView:
    number: int
    id: str
    title: str
    description: str
    questions: list[QuestionView]


_Sections = list[tuple[int, Any, list[QuestionInfo]]]


def _static_views(template: Template) -> tuple[_Sections, dict[str, Markup]]:
    """Each section's questions' template-only part, and room for their rendered headings."""
    theme_titles = {t.id: t.title for t in template.themes}
    sections = []
    numbers = template.numbers()
    for s_number, section in enumerate(template.sections, start=1):
        views = []
        for question in section.questions:
            scale = template.scale_of(question)
            labels: dict[Any, Any] = {o.value: o.label for o in scale.options} if scale else {}
            views.append(
                QuestionInfo(
                    number=numbers[question.id],
                    question=question,
                    text=template.text_of(question),
                    help=template.fill(question.help),
                    good_looks_like=template.fill(question.good_looks_like),
                    themes=[theme_titles[t] for t in question.themes],
                    condition=(
                        condition_in_words(template, question.show_if) if question.show_if else None
                    ),
                    condition_json=(
                        json.dumps(question.show_if.model_dump(by_alias=True, exclude_none=True))
                        if question.show_if
                        else None
                    ),
                    limiting=limiting_in_words(template, question),
                    evidence_when=[labels.get(v, v) for v in question.evidence_required_when],
                    option_hints=(
                        {o.value: o.description for o in scale.options if o.description}
                        if scale
                        else {}
                    ),
                )
            )
        sections.append((s_number, section, views))
    return sections, {}


_static: _PerTemplate[tuple[_Sections, dict[str, Markup]]] = _PerTemplate(_static_views)


def form_view(template: Template, form: FlaskForm) -> list[SectionView]:
    """The page's view of each question: its template's part (made once per template) and
    this form's fields. Rendering needs an app context (the headings are rendered here)."""
    sections: list[SectionView] = []
    statics, heads = _static(template)
    for s_number, section, infos in statics:
        views = []
        for info in infos:
            question_id = info.question.id
            answer = form[answer_field(question_id)]
            view = QuestionView(
                **vars(info),
                answer=answer,
                options=(
                    options_of(answer)
                    if answer.type in ("RadioField", "SelectMultipleField")
                    else []
                ),
                evidence=form._fields.get(evidence_field(question_id)),
                highlight=form._fields.get(highlight_field(question_id)),
                share=form._fields.get(share_field(question_id)),
                head=heads.get(question_id),
            )
            if view.head is None:
                head = heads[question_id] = _question_head()(view)
                view = replace(view, head=head)
            views.append(view)
        sections.append(
            SectionView(s_number, section.id, section.title, section.description, views)
        )
    return sections


def _question_head() -> Callable[[QuestionView], Markup]:
    """The page's own macro (a Jinja macro returns Markup: its output is already escaped)."""
    return cast(
        Callable[[QuestionView], Markup],
        get_template_attribute("audit_forms/_questions.html", "question_head"),
    )
