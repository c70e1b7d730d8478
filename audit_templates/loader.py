"""Load a template from YAML, rejecting it whole with every problem found, each on its line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from audit_templates import cross_check
from audit_templates.builtin_scales import BUILTIN_SCALES
from audit_templates.errors import ErrorCode, TemplateError, TemplateInvalid
from audit_templates.schema import (
    Condition,
    Grading,
    Limiting,
    Question,
    Scale,
    ScaleOption,
    Section,
    Template,
    Theme,
)
from audit_templates.yaml_source import Path, Source, format_path, parse


def decode(raw: bytes, file: str) -> str:
    """UTF-8 (with or without a BOM); Windows-1252 as saved by older Windows editors."""
    if b"\x00" in raw[:8192]:
        raise TemplateInvalid([TemplateError(file, None, "", *ErrorCode.BINARY.say())])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise TemplateInvalid(
                [TemplateError(file, None, "", *ErrorCode.ENCODING.say())]
            ) from exc


def load_template_file(path: str | FilePath) -> Template:
    target = FilePath(path)
    return load_template_bytes(target.read_bytes(), target.name)


def load_template_bytes(raw: bytes, file: str) -> Template:
    return load_template_text(decode(raw, file), file)


# Deeper than any template needs (sections hold questions hold options: about six levels).
MAX_DEPTH = 50


def load_template_text(text: str, file: str = "template.yaml") -> Template:
    """Parse, check the shape, then cross-check; raise TemplateInvalid listing every problem."""
    try:
        return _load(text, file)
    except RecursionError:
        raise TemplateInvalid([_too_deep(file)]) from None


def _too_deep(file: str) -> TemplateError:
    return TemplateError(file, None, "", *ErrorCode.TOO_DEEP.say(limit=MAX_DEPTH))


def _depth(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` stays within `limit` levels of lists and mappings (without recursion)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return False
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return True


def _load(text: str, file: str) -> Template:
    source = parse(text, file)
    if not _depth(source.data):
        raise TemplateInvalid([_too_deep(file)])
    if not isinstance(source.data, dict):
        raise TemplateInvalid(
            [
                TemplateError(
                    file,
                    source.line_of(()),
                    "",
                    "not_mapping",
                    "a template starts with id:, title:, version: ... (key: value lines), "
                    "not a list or a single value",
                )
            ]
        )
    try:
        template = Template.model_validate(source.data)
    except ValidationError as exc:
        raise TemplateInvalid(_translate(exc, source)) from exc
    # Built-ins win: a template that redefines one is told so once, not about every answer.
    own = {k: v for k, v in template.scales.items() if k not in BUILTIN_SCALES}
    template = template.model_copy(update={"all_scales": {**BUILTIN_SCALES, **own}})
    problems = cross_check.check(template)
    if problems:
        raise TemplateInvalid(
            [
                TemplateError(file, source.line_of(path), format_path(path), code, message)
                for path, code, message in problems
            ]
        )
    return template


def content_hash(template: Template) -> str:
    """A fingerprint of the template's meaning (not its comments or layout)."""
    canonical = json.dumps(
        template.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Which model sits at each place, to list the keys that are allowed there.
def _model_at(path: Path) -> type[BaseModel] | None:
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return Template
    if "show_if" in names:
        return Condition
    last = names[-1]
    table: dict[str, type[BaseModel]] = {
        "sections": Section,
        "questions": Question,
        "themes": Theme,
        "limiting": Limiting,
        "grading": Grading,
        "options": ScaleOption,
    }
    if len(names) == 2 and names[0] == "scales":
        return Scale
    return table.get(last)


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Keep the part of pydantic's location that exists in the file (drop its type names)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        key: str | int = "in" if part == "in_" else part
        in_dict = isinstance(node, dict) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if in_dict or in_list:
            node = node[key]
        else:
            if isinstance(node, dict) and isinstance(key, str) and not _is_type_name(key):
                path.append(key)
            break
        path.append(key)
    return tuple(path)


def _is_type_name(part: str) -> bool:
    return "[" in part or part in {"int", "float", "str", "bool", "list", "dict"}


def _number(value: object) -> str:
    """0 rather than 0.0: numbers as a person writes them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_SCALAR_KINDS = {
    "float_parsing",
    "float_type",
    "int_parsing",
    "int_type",
    "int_from_float",
    "string_type",
    "bool_parsing",
    "bool_type",
}


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Any, path: Path) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing":
        return "is missing: it is required here"
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        known = ""
        if model is not None:
            fields = [f.alias or n for n, f in model.model_fields.items() if not f.exclude]
            known = f" (known: {', '.join(fields)})"
        return f"unknown key '{path[-1]}'{known}"
    if kind == "string_pattern_mismatch":
        return (
            f"{_show(given)} is not a valid id: use lower-case letters, digits and _, "
            "starting with a letter"
        )
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}, got {_show(given)}"
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"}:
        whole = "a whole number" if kind.startswith("int") else "a number"
        return f"expected {whole}, got {_show(given)}"
    if kind == "greater_than":
        return f"must be more than {_number(ctx.get('gt'))}, got {_show(given)}"
    if kind == "greater_than_equal":
        return f"must be at least {_number(ctx.get('ge'))}, got {_show(given)}"
    if kind == "less_than_equal" and ctx.get("le") == 1:
        return f"must be between 0 and 1 (write 90% as 0.9), got {_show(given)}"
    if kind in {"less_than_equal", "less_than"}:
        return f"must be at most {_number(ctx.get('le', ctx.get('lt')))}, got {_show(given)}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"expected true or false, got {_show(given)}"
    if kind == "list_type":
        return f"expected a list (lines starting with -), got {_show(given)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a group of key: value lines, got {_show(given)}"
    if kind in {"string_type"}:
        return f"expected text, got {_show(given)}"
    if kind in {"string_too_short"}:
        return "must not be empty"
    if kind in {"too_short"}:
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind in {"too_long", "string_too_long"}:
        return f"is too long (at most {ctx.get('max_length')})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _translate(exc: ValidationError, source: Source) -> list[TemplateError]:
    errors = exc.errors()
    # A value that may be one of several types fails once per type; say it once.
    per_path: dict[Path, set[str]] = {}
    for error in errors:
        path = _data_path(tuple(error["loc"]), source.data)
        per_path.setdefault(path, set()).add(error["type"])
    seen: set[tuple[str, str]] = set()
    found: list[TemplateError] = []
    for error in errors:
        path = _data_path(tuple(error["loc"]), source.data)
        kinds = per_path[path]
        if len(kinds & _SCALAR_KINDS) > 1:
            message = (
                f"expected a single number, word or true/false, got {_show(error.get('input'))}"
            )
        else:
            message = _message(error, path)
        key = (format_path(path), message)
        if key in seen:
            continue
        seen.add(key)
        found.append(
            TemplateError(
                source.file, source.line_of(path), format_path(path), error["type"], message
            )
        )
    return found
