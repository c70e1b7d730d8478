"""The template schema: typed, frozen models that a loaded template is made of.

Pydantic checks the shape (types, required keys, unknown keys); `loader.cross_check`
checks what refers to what (themes, scales, earlier questions, grade order).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from audit_templates.question_types import QuestionTypeName, behaviour

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Share = Annotated[float, Field(ge=0, le=1)]
AnswerValue = Annotated[str, StringConstraints(min_length=1, max_length=200)]
SettingValue = int | float | str | bool

KINDS = ("case_audit", "observation", "thematic")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ScaleOption(_Model):
    value: Ident
    label: Text
    score: Share | None
    met: bool | None = None
    description: OptionalText = ""

    @property
    def meets_standard(self) -> bool | None:
        """Counts towards compliance: explicit `met`, else a full score; None for N/A."""
        if self.score is None:
            return None
        return self.met if self.met is not None else self.score == 1


class Scale(_Model):
    title: Text
    options: Annotated[list[ScaleOption], Field(min_length=2, max_length=20)]
    # Options run from best to worst, so a near miss is half a disagreement (weighted kappa).
    # Left out of a scale's dump when not given, so older templates keep their content hash.
    ordered: bool | None = Field(default=None, exclude_if=lambda value: value is None)

    @property
    def is_ordered(self) -> bool:
        return self.ordered is True

    def option(self, value: object) -> ScaleOption | None:
        return next((o for o in self.options if o.value == value), None)

    def position(self, value: str) -> int:
        """0 for the best option; larger is worse."""
        return [o.value for o in self.options].index(value)


class Theme(_Model):
    id: Ident
    title: Text
    description: OptionalText = ""


class Condition(_Model):
    """show_if: one test on an earlier answer, or all/any of several."""

    question: Ident | None = None
    equals: SettingValue | None = None
    in_: list[SettingValue] | None = Field(default=None, alias="in")
    not_in: list[SettingValue] | None = None
    answered: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        tests = [t for t in (self.equals, self.in_, self.not_in, self.answered) if t is not None]
        groups = [g for g in (self.all, self.any) if g is not None]
        if groups:
            if len(groups) > 1 or self.question is not None or tests:
                raise ValueError("use either all: or any: on its own")
            if not groups[0]:
                raise ValueError("all: and any: need at least one condition")
        elif self.question is None or len(tests) != 1:
            raise ValueError("give question: and exactly one of equals:, in:, not_in: or answered:")
        return self

    def questions(self) -> list[str]:
        """Every question this condition looks at."""
        if self.question is not None:
            return [self.question]
        return [q for c in (self.all or self.any or []) for q in c.questions()]

    def holds(self, answers: dict[str, Any]) -> bool:
        if self.all is not None:
            return all(c.holds(answers) for c in self.all)
        if self.any is not None:
            return any(c.holds(answers) for c in self.any)
        value = answers.get(self.question or "")
        if self.answered is not None:
            return (value not in (None, "", [])) == self.answered
        values = value if isinstance(value, list) else [value]
        if self.equals is not None:
            return self.equals in values
        if self.in_ is not None:
            return any(v in self.in_ for v in values)
        return value not in (None, "", []) and not any(v in (self.not_in or []) for v in values)


class Limiting(_Model):
    at_or_below: Ident
    caps_grade_at: Ident


class Question(_Model):
    id: Ident
    text: Text
    help: OptionalText = ""
    good_looks_like: OptionalText = ""
    guidance: OptionalText = ""
    type: QuestionTypeName = "scale"
    scale: Ident | None = None
    options: Annotated[list[Text], Field(min_length=1, max_length=100)] | None = None
    min: float | None = None
    max: float | None = None
    weight: Annotated[float, Field(gt=0, le=100)] = 1
    scored: bool | None = None
    required: bool = True
    themes: list[Ident] = []
    evidence_required_when: list[AnswerValue] = []
    good_practice: list[AnswerValue] = []
    limiting: Limiting | None = None
    show_if: Condition | None = None
    target: Share | None = None

    @property
    def is_scored(self) -> bool:
        """Scale questions count unless `scored: false`; other types never do."""
        return behaviour(self.type).scorable and self.scored is not False


class Section(_Model):
    id: Ident
    title: Text
    description: OptionalText = ""
    weight: Annotated[float, Field(gt=0, le=100)] = 1
    questions: Annotated[list[Question], Field(min_length=1)]


class Grading(_Model):
    scale: Ident = "ofsted4"
    method: Literal["answers", "sections"] = "answers"
    thresholds: dict[Ident, Share]


class Template(_Model):
    id: Ident
    title: Text
    version: Annotated[int, Field(ge=1, le=1_000_000)]
    kind: Literal["case_audit", "observation", "thematic"]
    description: OptionalText = ""
    author: OptionalText = ""
    guidance: OptionalText = ""
    settings: dict[Ident, SettingValue] = {}
    themes: list[Theme] = []
    scales: dict[Ident, Scale] = {}
    sections: Annotated[list[Section], Field(min_length=1)]
    grading: Grading

    # Filled by the loader: the built-in scales merged with the template's own.
    all_scales: dict[str, Scale] = Field(default={}, exclude=True)

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions() if q.id == question_id)

    def numbers(self) -> dict[str, str]:
        """Each question's number as the form, pages and workbooks show it: "2.3" is the third
        question of the second section (the one home of question numbering)."""
        return {
            q.id: f"{s_no}.{q_no}"
            for s_no, section in enumerate(self.sections, start=1)
            for q_no, q in enumerate(section.questions, start=1)
        }

    def scale_of(self, question: Question) -> Scale | None:
        if not behaviour(question.type).takes_scale:
            return None
        return self.all_scales.get(question.scale or "")

    def grade_scale(self) -> Scale:
        return self.all_scales[self.grading.scale]

    def fill(self, text: str) -> str:
        """`text` with the template's settings ({name}) filled in."""
        return text.format_map(_Settings(self.settings))

    def text_of(self, question: Question) -> str:
        return self.fill(question.text)

    @property
    def label(self) -> str:
        return f"{self.title} (version {self.version})"


class _Settings(dict[str, SettingValue]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
