"""The template loader: the documented example, YAML 1.2 words, settings, the content hash,
hostile files (alias bombs, huge files, Python tags), encodings and how errors are reported."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from audit_templates.errors import TemplateError, TemplateInvalid
from audit_templates.loader import (
    content_hash,
    load_template_bytes,
    load_template_file,
    load_template_text,
)
from audit_templates.schema import Template

DOC = Path(__file__).resolve().parents[2] / "docs" / "template-format.md"


def _doc_example() -> str:
    """The whole template in the docs: the first ```yaml block with sections and grading."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    whole = [b for b in blocks if "\nsections:" in b and "\ngrading:" in b]
    assert whole, "docs/template-format.md should hold a whole template in a ```yaml block"
    return str(whole[0])


EXAMPLE = _doc_example()


def _replace(text: str, old: str, new: str) -> str:
    """Replace a fragment that must occur exactly once (so a changed example fails loudly)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def _rejected(text: str, file: str = "t.yaml") -> list[TemplateError]:
    with pytest.raises(TemplateInvalid) as caught:
        load_template_text(text, file)
    return caught.value.errors


def _line_of(text: str, fragment: str) -> int:
    """The 1-based line holding `fragment` (exactly one)."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}"
    return hits[0]


SMALL = """\
id: small_audit
title: Small audit
version: 1
kind: case_audit
settings:
  days: 15
themes:
  - {id: voice, title: Voice of the child}
sections:
  - id: review
    title: The review
    questions:
      - id: on_time
        text: Was the record sent within {days} working days?
        scale: compliance
        weight: 2
        themes: [voice]
      - id: notes
        text: Notes
        type: text
grading:
  thresholds: {outstanding: 0.9, good: 0.75, requires_improvement: 0.5, inadequate: 0}
"""


# The documented example ---------------------------------------------------------------------


def test_the_documented_example_loads() -> None:
    template = load_template_text(EXAMPLE, "voice_of_the_child.yaml")
    assert isinstance(template, Template)
    assert (template.id, template.version, template.kind) == ("voice_of_the_child", 1, "thematic")
    assert [q.id for q in template.questions()] == ["consulted", "age_band", "pathway_plan"]
    consulted = template.question("consulted")
    assert consulted.weight == 2
    assert consulted.themes == ["voice", "timeliness"]
    assert consulted.limiting is not None
    assert consulted.limiting.caps_grade_at == "requires_improvement"
    assert template.question("age_band").options == ["Under 16", "16 or 17"]
    assert not template.question("age_band").is_scored
    # The template's own scale sits beside the built-in ones.
    assert set(template.all_scales) == {"compliance", "ofsted4", "frequency"}
    assert template.grading.thresholds["inadequate"] == 0


def test_the_small_fixture_loads() -> None:
    assert load_template_text(SMALL).question("on_time").weight == 2


# YAML 1.2: yes and no are words ----------------------------------------------------------


def test_yes_and_no_are_answers_not_booleans() -> None:
    consulted = load_template_text(EXAMPLE).question("consulted")
    assert consulted.evidence_required_when == ["no", "partly"]
    assert consulted.good_practice == ["yes"]
    assert consulted.limiting is not None
    assert consulted.limiting.at_or_below == "no"


def test_only_true_and_false_are_booleans() -> None:
    text = _replace(
        SMALL,
        "  days: 15\n",
        "  days: 15\n  a: yes\n  b: no\n  c: on\n  d: off\n  e: y\n  f: true\n  g: False\n",
    )
    settings = load_template_text(text).settings
    for key, word in zip("abcde", ["yes", "no", "on", "off", "y"], strict=True):
        assert settings[key] == word
        assert isinstance(settings[key], str)
    assert settings["f"] is True
    assert settings["g"] is False


def test_show_if_equals_yes_is_the_word_yes() -> None:
    text = _replace(
        SMALL,
        "      - id: notes\n        text: Notes\n        type: text\n",
        "      - id: notes\n        text: Notes\n        type: text\n"
        "        show_if: {question: on_time, equals: no}\n",
    )
    condition = load_template_text(text).question("notes").show_if
    assert condition is not None
    assert condition.equals == "no"
    assert condition.holds({"on_time": "no"})
    assert not condition.holds({"on_time": "yes"})


# Settings in question text -----------------------------------------------------------------


def test_text_of_fills_in_settings() -> None:
    template = load_template_text(SMALL)
    question = template.question("on_time")
    assert question.text == "Was the record sent within {days} working days?"
    assert template.text_of(question) == "Was the record sent within 15 working days?"


def test_text_of_uses_the_example_setting_and_doubled_braces() -> None:
    text = _replace(
        EXAMPLE,
        "text: Did the IRO consult the child before the review?",
        "text: Was the record {{final}} within {record_deadline_working_days} working days?",
    )
    template = load_template_text(text)
    assert (
        template.text_of(template.question("consulted"))
        == "Was the record {final} within 15 working days?"
    )


# The content hash -------------------------------------------------------------------------

REORDERED = """\
# The same template, written by someone else.
kind: "case_audit"

grading:
  thresholds:
    inadequate: 0
    requires_improvement: 0.5
    good: 0.75
    outstanding: 0.9

sections:
  - questions:
      - themes:
          - voice
        weight: 2          # counts double
        scale: compliance
        text: "Was the record sent within {days} working days?"
        id: on_time
      - {type: text, text: Notes, id: notes}
    title: The review
    id: review
themes: [{title: Voice of the child, id: voice}]
settings: {days: 15}
version: 1
title:   'Small audit'
id: small_audit
"""


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(v) for v in value]
    return value


def test_content_hash_ignores_key_order_comments_and_layout() -> None:
    original = content_hash(load_template_text(SMALL))
    assert re.fullmatch(r"[0-9a-f]{64}", original)
    assert content_hash(load_template_text(SMALL)) == original
    assert content_hash(load_template_text(REORDERED)) == original


def test_content_hash_of_the_example_survives_a_rewrite_as_json() -> None:
    template = load_template_text(EXAMPLE)
    # JSON is YAML: the same data, every key in reverse order, no comments, other whitespace.
    rewritten = json.dumps(_reverse_keys(template.model_dump(mode="json", by_alias=True)))
    assert content_hash(load_template_text(rewritten)) == content_hash(template)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("weight: 2\n", "weight: 3\n"),
        ("within {days} working", "within {days} calendar"),
        ("  days: 15\n", "  days: 10\n"),
        ("good: 0.75", "good: 0.7"),
    ],
    ids=["weight", "text", "setting", "threshold"],
)
def test_content_hash_changes_when_the_meaning_changes(old: str, new: str) -> None:
    changed = load_template_text(_replace(SMALL, old, new))
    assert content_hash(changed) != content_hash(load_template_text(SMALL))


def test_content_hash_changes_when_the_examples_weight_changes() -> None:
    changed = _replace(EXAMPLE, "        weight: 2\n", "        weight: 2.5\n")
    assert content_hash(load_template_text(changed)) != content_hash(load_template_text(EXAMPLE))


# Hostile files -------------------------------------------------------------------------------


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each level repeats the previous one `width` times."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _load_within(text: str, seconds: float) -> tuple[BaseException | None, float]:
    """Load in a thread so that a hang fails the test instead of stalling the suite."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            load_template_text(text, "bomb.yaml")
            outcome.append(None)
        except BaseException as exc:  # handed back to the test
            outcome.append(exc)

    started = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    elapsed = time.perf_counter() - started
    assert not worker.is_alive(), f"the loader was still working after {seconds} s"
    return outcome[0], elapsed


@pytest.mark.parametrize("where", ["top", "settings"])
def test_an_alias_bomb_is_rejected_quickly(where: str) -> None:
    bomb = _alias_bomb()
    assert len(bomb) < 1000  # tiny on disk, 9**9 (387 million) values when expanded
    if where == "settings":
        indented = "".join(f"  {line}\n" for line in bomb.splitlines())
        bomb = _replace(SMALL, "settings:\n  days: 15\n", f"settings:\n  days: 15\n{indented}")
    # Expanding it would take minutes and gigabytes; refusing it takes milliseconds. The bound
    # is loose so a busy machine (CI on every core) cannot fail it, and still far below expansion.
    error, elapsed = _load_within(bomb, seconds=60)
    assert isinstance(error, TemplateInvalid), error
    assert elapsed < 30, f"took {elapsed:.2f} s"
    assert [e.code for e in error.errors] == ["too_big"]
    assert "too many values" in str(error)
    assert str(error).startswith("bomb.yaml:")


def test_an_ordinary_anchor_and_alias_are_fine() -> None:
    text = _replace(SMALL, "themes: [voice]\n", "themes: &voice_only [voice]\n")
    text = _replace(
        text, "        type: text\n", "        type: text\n        themes: *voice_only\n"
    )
    assert load_template_text(text).question("notes").themes == ["voice"]


def test_a_file_over_1_mb_is_rejected(tmp_path: Path) -> None:
    padding = ("# " + "x" * 98 + "\n") * 10_001  # 100 bytes a line: just over 1,000,000
    path = tmp_path / "huge.yaml"
    path.write_bytes((SMALL + padding).encode("utf-8"))
    assert path.stat().st_size > 1_000_000
    started = time.perf_counter()
    with pytest.raises(TemplateInvalid) as caught:
        load_template_file(path)
    assert time.perf_counter() - started < 2
    [error] = caught.value.errors
    assert error.code == "too_large"
    assert str(error) == "huge.yaml: the file is larger than 1 MB; is it a template?"


def test_a_file_just_under_1_mb_still_loads() -> None:
    padding = ("# " + "x" * 98 + "\n") * 9_000
    raw = (SMALL + padding).encode("utf-8")
    assert 900_000 < len(raw) < 1_000_000
    assert load_template_bytes(raw, "long_comments.yaml").id == "small_audit"


PYTHON_TAGS = {
    "apply_scalar": '!!python/object/apply:os.system "touch {marker}"',
    "apply_list": '!!python/object/apply:os.system ["touch {marker}"]',
    "object_mapping": '!!python/object/new:subprocess.Popen {{args: ["touch", "{marker}"]}}',
    "name": "!!python/name:os.system",
    "module": "!!python/module:os",
}


@pytest.mark.parametrize("tag", PYTHON_TAGS.values(), ids=list(PYTHON_TAGS))
def test_python_object_tags_are_rejected_and_never_run(tag: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    value = tag.format(marker=marker)
    text = _replace(SMALL, "  days: 15\n", f"  days: 15\n  evil: {value}\n")
    errors = _rejected(text)
    assert not marker.exists()
    [error] = errors
    assert error.line == _line_of(text, "evil:")
    assert error.code == "bad_value"
    assert "settings.evil" in str(error)
    assert "the YAML tag tag:yaml.org,2002:python/" in error.message


@pytest.mark.parametrize("tag", ["!!python/name:os.system", "!!binary aGVsbG8=", "!shout Voice"])
def test_a_tagged_scalar_is_refused_by_name(tag: str) -> None:
    text = _replace(SMALL, "title: Small audit", f"title: {tag}")
    [error] = _rejected(text)
    assert error.line == 2
    assert "is not allowed here" in error.message


def test_a_python_tag_on_a_list_is_refused_not_dropped() -> None:
    text = _replace(
        EXAMPLE,
        'options: ["Under 16", "16 or 17"]',
        'options: !!python/object/apply:os.system ["Under 16", "16 or 17"]',
    )
    [error] = _rejected(text, "voice.yaml")
    assert error.line == _line_of(text, "options: !!python")
    assert error.code == "bad_value"
    assert "python/object/apply:os.system is not allowed" in error.message


# Encodings ---------------------------------------------------------------------------------

SMART = _replace(
    _replace(SMALL, "title: Small audit", "title: The child’s “voice” – small audit"),
    "        text: Notes\n",
    "        text: Anything else the child said – in their words ‘as said’\n",
)


def test_a_windows_1252_file_with_smart_quotes_loads(tmp_path: Path) -> None:
    raw = SMART.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # so the test really exercises the fallback
    path = tmp_path / "saved_by_word.yaml"
    path.write_bytes(raw)
    template = load_template_file(path)
    assert template.title == "The child’s “voice” – small audit"
    assert template.question("notes").text.endswith("‘as said’")


def test_a_utf8_file_with_a_byte_order_mark_loads() -> None:
    raw = b"\xef\xbb\xbf" + SMART.encode("utf-8")
    template = load_template_bytes(raw, "bom.yaml")
    assert template.id == "small_audit"  # the mark is not glued to the first key
    assert template.title == "The child’s “voice” – small audit"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_line_numbers_are_right_whatever_the_encoding(encoding: str) -> None:
    text = _replace(SMART, "scale: compliance", "scale: yesno")
    with pytest.raises(TemplateInvalid) as caught:
        load_template_bytes(text.encode(encoding), "encoded.yaml")
    [error] = caught.value.errors
    assert error.line == _line_of(text, "scale: yesno")
    assert str(error).startswith(f"encoded.yaml:{error.line} sections[0].questions[0].scale: ")


def test_bytes_that_are_not_text_are_refused() -> None:
    raw = b"id: x\ntitle: \x81\x8d\x8f\x90\x9d\n"  # undefined in Windows-1252, invalid UTF-8
    with pytest.raises(TemplateInvalid) as caught:
        load_template_bytes(raw, "binary.yaml")
    assert [e.code for e in caught.value.errors] == ["encoding"]
    assert str(caught.value) == "binary.yaml: the file is not readable text"


# Reporting errors ----------------------------------------------------------------------------


def test_several_cross_check_errors_are_reported_together() -> None:
    text = _replace(EXAMPLE, "themes: [voice, timeliness]", "themes: [voice, timliness]")
    text = _replace(text, "themes: [voice]\n        show_if", "themes: [vioce]\n        show_if")
    text = _replace(text, "    good: 0.75\n", "    good: 0.95\n")
    errors = _rejected(text, "voice.yaml")
    assert [(e.line, e.code) for e in errors] == [
        (_line_of(text, "timliness"), "unknown_theme"),
        (_line_of(text, "vioce"), "unknown_theme"),
        (_line_of(text, "good: 0.95"), "thresholds_order"),
    ]
    assert "'timliness'" in str(errors[0])
    assert "'vioce'" in str(errors[1])


def test_several_shape_errors_are_reported_together() -> None:
    text = _replace(SMALL, "kind: case_audit", "kind: case-audit")
    text = _replace(text, "weight: 2\n", "weight: 0\n        target: 90\n        weigth: 2\n")
    errors = _rejected(text, "small.yaml")
    assert [(e.line, e.path) for e in errors] == [
        (4, "kind"),
        (16, "sections[0].questions[0].weight"),
        (17, "sections[0].questions[0].target"),
        (18, "sections[0].questions[0].weigth"),
    ]


def test_errors_are_sorted_by_line_not_by_the_order_they_were_found() -> None:
    # The checks run in a fixed order: ids, then scales, questions, show_if, grading and
    # settings last; the broken places here sit in the opposite order in the file.
    text = _replace(
        EXAMPLE,
        "text: Did the IRO consult the child before the review?",
        "text: Did the IRO consult the child within {record_deadline} days?",
    )
    text = _replace(text, "scale: compliance\n        weight: 2", "scale: yesno\n        weight: 2")
    text = _replace(text, "    inadequate: 0", "    inadequate: 0.1")
    text = _replace(
        text,
        "\ngrading:",
        "  - id: consultation\n    title: Again\n    questions:\n"
        "      - {id: again, text: Asked again, scale: compliance}\n\ngrading:",
    )
    errors = _rejected(text, "voice.yaml")
    assert [e.code for e in errors] == [
        "unknown_setting",
        "unknown_scale",
        "duplicate_id",
        "lowest_threshold",
    ]
    assert [e.line for e in errors] == [
        _line_of(text, "{record_deadline}"),
        _line_of(text, "scale: yesno"),
        _line_of(text, "title: Again") - 1,
        _line_of(text, "inadequate: 0.1"),
    ]
    assert str(TemplateInvalid(errors)).splitlines() == [str(e) for e in errors]


def test_template_invalid_sorts_what_it_is_given() -> None:
    given = [
        TemplateError("t.yaml", 30, "b", "x", "third"),
        TemplateError("t.yaml", None, "", "x", "no line comes first"),
        TemplateError("t.yaml", 7, "z", "x", "second"),
        TemplateError("t.yaml", 7, "a", "x", "first on line 7"),
    ]
    errors = TemplateInvalid(given).errors
    assert [e.message for e in errors] == [
        "no line comes first",
        "first on line 7",
        "second",
        "third",
    ]
    assert str(errors[0]) == "t.yaml: no line comes first"
    assert str(errors[1]) == "t.yaml:7 a: first on line 7"
