"""What each question type does, as one table: the branches elsewhere read it, not the type's name.

A new question type is one line here (plus its form field in qa_toolkit.audit_forms'
registry); the template checks, scoring and the answer cleaning follow the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

__all__ = ["QUESTION_TYPES", "TYPES", "QuestionType", "QuestionTypeName", "behaviour"]

QuestionTypeName = Literal["scale", "text", "number", "date", "choice", "multi_choice"]
Answer = Literal["option", "options", "number", "date", "text"]  # the shape an answer keeps


@dataclass(frozen=True, slots=True)
class QuestionType:
    """One question type's behaviour."""

    name: QuestionTypeName
    answer: Answer
    takes_scale: bool = False  # answered on a scale (scale: is required, options: refused)
    takes_options: bool = False  # answered from the question's own options: list
    takes_range: bool = False  # min: and max: bound the answer
    scorable: bool = False  # counts towards scores and compliance unless `scored: false`
    compared: bool = False  # moderation measures agreement on it (kappa, AC1)

    @property
    def multiple(self) -> bool:
        """The answer is a list of options (tick all that apply)."""
        return self.answer == "options"


_ROWS = (
    QuestionType("scale", "option", takes_scale=True, scorable=True, compared=True),
    QuestionType("text", "text"),
    QuestionType("number", "number", takes_range=True),
    QuestionType("date", "date"),
    QuestionType("choice", "option", takes_options=True),
    QuestionType("multi_choice", "options", takes_options=True),
)
TYPES: Mapping[str, QuestionType] = MappingProxyType({row.name: row for row in _ROWS})
QUESTION_TYPES: tuple[QuestionTypeName, ...] = get_args(QuestionTypeName)


def behaviour(name: str) -> QuestionType:
    """The behaviour of a question type the schema has already accepted."""
    return TYPES[name]


if tuple(TYPES) != QUESTION_TYPES:  # pragma: no cover
    raise RuntimeError("every question type needs exactly one row in TYPES, in Literal order")
