"""The error catalogue: every problem names the file, the line, the place and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from string import Formatter

from problems import Problem


@dataclass(frozen=True, order=True)
class TemplateError:
    """One problem in a template file, in words a QA manager can act on."""

    file: str
    line: int | None
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class TemplateInvalid(Problem):
    """A template was rejected whole; `errors` lists every problem found."""

    def __init__(self, errors: list[TemplateError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.line or 0, e.path, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))


class ErrorCode(Enum):
    """Every check's code and the words it says, as templates filled with the check's values.

    A member's value is (code, message template); several members may share a code when one
    kind of problem is worded for different places (an unknown answer in a list, a limit or a
    show_if). The template guide's table of errors is generated from this enum
    (`guide_table`), and a test keeps the two equal.
    """

    # The file itself
    BINARY = (
        "binary",
        "this is not a text file (is it a spreadsheet or a picture?); "
        "a template is a YAML text file",
    )
    ENCODING = ("encoding", "the file is not readable text")
    TOO_DEEP = (
        "too_deep",
        "the template is nested more than {limit} levels deep; a template needs about six "
        "(sections, questions, options): check the indentation and the brackets",
    )
    YAML_TEXT = ("yaml_syntax", "this is not valid YAML text: {problem}")
    YAML_SYNTAX = ("yaml_syntax", "this is not valid YAML: {problem}")
    TOO_LARGE = ("too_large", "the file is larger than 1 MB; is it a template?")
    EMPTY = ("empty", "the file is empty")
    TOO_BIG = ("too_big", "the template has too many values (over 100,000)")
    NESTED_TOO_DEEPLY = ("too_deep", "the template is nested too deeply")
    BAD_TAG = ("bad_value", "{path}: the YAML tag {tag} is not allowed")
    NOT_ALLOWED_HERE = ("bad_value", "{kind} is not allowed here")
    BAD_KEY = ("bad_key", "a key must be a plain word")
    DUPLICATE_KEY = ("duplicate_key", "is given twice")
    # Ids and scales
    DUPLICATE_ID = ("duplicate_id", "the {what} id '{ident}' is used {count} times")
    DUPLICATE_QUESTION_ID = ("duplicate_id", "the question id '{ident}' is already used at {first}")
    BUILTIN_SCALE = ("builtin_scale", "'{name}' is a built-in scale; give your scale another name")
    DUPLICATE_SCALE_OPTION = ("duplicate_option", "'{value}' is listed twice")
    NO_SCORES = ("no_scores", "at least one option needs a score")
    # Questions
    MISSING_SCALE = ("missing_scale", "a scale question needs scale:")
    UNKNOWN_SCALE = ("unknown_scale", "unknown scale '{scale}' (known: {known})")
    SCALE_NOT_ALLOWED = ("scale_not_allowed", "a {type} question takes no scale")
    MISSING_OPTIONS = ("missing_options", "a {type} question needs options:")
    DUPLICATE_OPTION = ("duplicate_option", "an option is listed twice")
    OPTIONS_NOT_ALLOWED = ("options_not_allowed", "a {type} question takes no options")
    RANGE_NOT_ALLOWED = ("range_not_allowed", "min: and max: are only for number questions")
    BAD_RANGE = ("bad_range", "max ({max}) is less than min ({min})")
    NOT_SCORABLE = ("not_scorable", "a {type} question cannot be scored")
    UNKNOWN_THEME = ("unknown_theme", "unknown theme '{theme}' (known: {known})")
    ANSWERS_NOT_LISTED = ("answers_not_listed", "{key} needs a scale or choice question")
    UNKNOWN_ANSWER = (
        "unknown_answer",
        "'{value}' is not an answer to this question (answers: {answers})",
    )
    TARGET_UNSCORED = ("target_unscored", "only a scored question can have a target")
    # Limiting judgements
    LIMITING_UNSCORED = ("limiting_unscored", "only a scored question can be limiting")
    UNKNOWN_LIMIT = (
        "unknown_answer",
        "'{value}' is not an answer on the {scale} scale (answers: {answers})",
    )
    LIMITING_NA = ("limiting_na", "'{value}' is not scored, so it cannot limit the grade")
    UNKNOWN_CAP = ("unknown_grade", "'{grade}' is not a grade (grades: {grades})")
    # show_if
    SHOW_IF_ORDER = (
        "show_if_order",
        "'{question}' is {where}: show_if can only look at earlier questions",
    )
    UNKNOWN_SHOW_IF_ANSWER = (
        "unknown_answer",
        "{value!r} is not an answer to '{question}' (answers: {answers})",
    )
    # Grading
    GRADE_NA = ("grade_na", "a grading scale cannot have an unscored option")
    UNKNOWN_GRADE = (
        "unknown_grade",
        "'{grade}' is not a grade on the {scale} scale (grades: {grades})",
    )
    MISSING_THRESHOLD = ("missing_threshold", "every grade needs a threshold; missing: {missing}")
    THRESHOLDS_ORDER = (
        "thresholds_order",
        "thresholds must go down from the best grade: '{better}' is {high}, "
        "so '{worse}' must be lower than that, not {low}",
    )
    LOWEST_THRESHOLD = (
        "lowest_threshold",
        "the lowest grade's threshold must be 0 so every score gets a grade, not {value}",
    )
    # Settings and the whole template
    BAD_BRACES = ("bad_braces", "unmatched {{ or }} (write {{{{ or }}}} for a brace)")
    UNKNOWN_SETTING = ("unknown_setting", "{{{name}}} is not a setting (settings: {known})")
    NOTHING_SCORED = ("nothing_scored", "at least one question must be a scored scale question")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def template(self) -> str:
        return self.value[1]

    def fields(self) -> list[str]:
        """The names the message template is filled with, in order."""
        return [name for _, name, _, _ in Formatter().parse(self.template) if name]

    def message(self, **values: object) -> str:
        """The message, filled with the check's values (every field must be given)."""
        missing = set(self.fields()) - set(values)
        if missing:
            raise KeyError(f"{self.name} needs {', '.join(sorted(missing))}")
        return self.template.format(**values)

    def say(self, **values: object) -> tuple[str, str]:
        """(code, message), the shape a check yields after its path."""
        return self.code, self.message(**values)


def guide_table() -> str:
    """The template guide's table of errors (docs/template-format.md), from ErrorCode."""
    lines = ["| code | message |", "| --- | --- |"]
    for error in ErrorCode:
        shown = error.template.format(**{name: f"*{name}*" for name in error.fields()})
        cell = shown.replace("|", "\\|")
        lines.append(f"| `{error.code}` | {cell} |")
    return "\n".join(lines) + "\n"
