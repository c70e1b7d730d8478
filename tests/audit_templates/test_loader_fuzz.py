"""Fuzzing the template loader with random mutations of the documented, valid template.

Every mutant ends in a Template or in TemplateInvalid listing errors that each name the file,
a line inside it (when there is one), a code and a message: never another exception.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_bytes, load_template_text
from audit_templates.schema import Template

DOC = Path(__file__).resolve().parents[2] / "docs" / "template-format.md"
FILE = "fuzzed.yaml"


def _doc_example() -> str:
    """The whole template in the guide (as tests.support.app's example_template_yaml reads it)."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    whole = [b for b in blocks if "\nsections:" in b and "\ngrading:" in b]
    assert whole
    return str(whole[0])


EXAMPLE = _doc_example()
LINES = EXAMPLE.splitlines()

# What a person editing a template by hand gets wrong, and what a hostile file tries.
SCALARS = st.sampled_from(
    [
        "", "0", "-1", "1.5", "1e309", "true", "no", "null", "~", "[]", "{}", "[1, 2", "{a: 1",
        "*nowhere", "&anchor x", "!!python/object:os.system", "!!binary aGVsbG8=", "|", ">-",
        "'unclosed", '"unclosed', "a: b: c", "- item", "#", "%YAML 1.1", "@at", "`tick`",
        "2026-01-01", "0x1F", ".nan", "x" * 300, "é ü 😀", "\t", "?", "<<: *a",
    ]
)  # fmt: skip
SNIPPETS = st.sampled_from(
    [":", "-", " ", "  ", "\t", '"', "'", "#", "{", "}", "[", "]", "&a", "*a", "!", "|", ">"]
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The example with one to five hand-editing slips or hostile edits."""
    lines = list(LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        if not lines:
            break
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        kind = draw(
            st.sampled_from(
                ["comment", "blank", "value", "delete", "duplicate", "indent", "dedent", "tab",
                 "char", "cut", "swap", "insert", "key"]
            )
        )  # fmt: skip
        line = lines[i]
        if kind == "comment":  # Harmless edits: the template must still load.
            lines[i] = line + "  # " + draw(st.text(max_size=20)).replace("\n", " ")
        elif kind == "blank":
            lines.insert(i, " " * draw(st.integers(0, 6)))
        elif kind == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {draw(SCALARS)}"
        elif kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(1, 4)) + line
        elif kind == "dedent":
            lines[i] = line[draw(st.integers(1, 4)) :]
        elif kind == "tab":
            lines[i] = "\t" + line.lstrip(" ")
        elif kind == "char":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(SNIPPETS) + line[at:]
        elif kind == "cut":
            lines = lines[: i + 1]
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif kind == "swap":
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            indent = " " * (len(line) - len(line.lstrip(" ")))
            new_key = draw(st.sampled_from(["id", "weight", "scale", "show_if", "extra", "type"]))
            lines.insert(i, f"{indent}{new_key}: {draw(SCALARS)}")
        elif kind == "key" and ":" in line:
            value = line.split(":", 1)[1]
            indent = " " * (len(line) - len(line.lstrip(" ")))
            lines[i] = f"{indent}{draw(st.text(max_size=12))}:{value}"
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n\n"]))


def _check(load: object, text: str) -> None:
    """Load; a refusal must list errors that each say where, in the file's own terms."""
    line_count = text.count("\n") + 2
    try:
        template = load() if callable(load) else None
    except TemplateInvalid as exc:
        event("refused with TemplateInvalid")
        assert exc.errors, "a refusal lists at least one error"
        for error in exc.errors:
            assert error.file == FILE and error.code and error.message.strip()
            assert error.line is None or 1 <= error.line <= line_count, error
            assert str(error).startswith(FILE)
        return
    event("loaded")
    assert isinstance(template, Template) and template.questions()


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_unmutated_example_loads() -> None:
    assert isinstance(load_template_text(EXAMPLE, FILE), Template)


@FUZZ
@given(mutated())
def test_any_mutated_template_loads_or_is_refused_with_places(text: str) -> None:
    _check(lambda: load_template_text(text, FILE), text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
def test_any_mutated_template_file_loads_or_is_refused_with_places(
    text: str, encoding: str
) -> None:
    raw = text.encode(encoding, errors="replace")
    _check(lambda: load_template_bytes(raw, FILE), text)


@FUZZ
@given(st.text(max_size=300))
def test_any_text_at_all_loads_or_is_refused_with_places(text: str) -> None:
    _check(lambda: load_template_text(text, FILE), text)
