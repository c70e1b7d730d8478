"""Read YAML safely and remember the line of every value, so errors can point at it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from audit_templates.errors import ErrorCode, TemplateError, TemplateInvalid

Path = tuple[str | int, ...]

MAX_TEMPLATE_BYTES = 1_000_000
MAX_NODES = 100_000  # Aliases can multiply a small file into billions of values ("YAML bombs").
MAX_DEPTH = 40
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
}


@dataclass
class Source:
    """Parsed data plus the 1-based line of every node, keyed by its path."""

    file: str
    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get(())


class _Yaml12Loader(yaml.SafeLoader):
    """The safe loader, but only true/false are booleans (YAML 1.2): yes and no stay words."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


# PyYAML's words for common slips, and what to do about each in plain English.
_ADVICE = {
    "mapping values are not allowed here": (
        "A value that contains a colon followed by a space must be in quotes, "
        "or start the value with > on its own line"
    ),
    "found character '\\t' that cannot start any token": ("Indent with spaces, never tabs"),
    "found undefined alias": "Remove the * or & signs, or put the value in quotes",
    "could not find expected ':'": (
        "A line is missing its colon, or a quote is not closed on an earlier line"
    ),
    "expected <block end>, but found '-'": (
        "A list item (-) is indented differently from the others in its list"
    ),
    "expected <block end>, but found '<block mapping start>'": (
        "This line is indented more than the lines above it: keys of the same block must "
        "line up exactly"
    ),
    "did not find expected key": (
        "Check the indentation of this line and the one before: keys of one item line up"
    ),
}


def format_path(path: Path) -> str:
    """sections[2].questions[4].scale, as a manager reads it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fail(
    file: str, line: int | None, error: ErrorCode, at: Path = (), **values: object
) -> TemplateInvalid:
    """The whole file refused for one problem at `at`, worded by its ErrorCode."""
    return TemplateInvalid([TemplateError(file, line, format_path(at), *error.say(**values))])


def parse(text: str, file: str) -> Source:
    """Compose with PyYAML's safe loader (no Python objects) and convert, counting nodes."""
    if len(text.encode("utf-8", errors="replace")) > MAX_TEMPLATE_BYTES:
        raise _fail(file, None, ErrorCode.TOO_LARGE)
    try:
        loader = _Yaml12Loader(text)
    except yaml.YAMLError as exc:  # The reader refuses control characters at once.
        raise _fail(file, None, ErrorCode.YAML_TEXT, problem=exc) from exc
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # An unclosed [ or { is reported where the parser gave up; the opening is the mistake.
        opened = exc.context_mark
        if (
            opened is not None
            and "flow" in str(exc.context or "")
            and exc.problem_mark is not None
            and exc.problem_mark.line != opened.line
        ):
            mark = opened
            exc.problem = f"{exc.problem} (a [ or {{ opened here is never closed)"
        elif opened is not None and "flow" in str(exc.context or ""):
            exc.problem = (
                f"{exc.problem}. Inside [ ] or {{ }}, put text that contains ? : , or # in quotes"
            )
        line = mark.line + 1 if mark else None
        advice = _ADVICE.get(str(exc.problem).split(" (")[0], "")
        problem = f"{exc.problem}{'. ' + advice if advice else ''}"
        raise _fail(file, line, ErrorCode.YAML_SYNTAX, problem=problem) from exc
    except yaml.YAMLError as exc:
        raise _fail(file, None, ErrorCode.YAML_SYNTAX, problem=exc) from exc
    except Exception:
        loader.dispose()
        raise
    try:
        if node is None:
            raise _fail(file, 1, ErrorCode.EMPTY)
        source = Source(file=file)
        counter = [0]
        source.data = _convert(loader, node, (), source, counter)
        return source
    finally:
        loader.dispose()


def _convert(
    loader: _Yaml12Loader, node: yaml.Node, path: Path, source: Source, counter: list[int]
) -> Any:
    line = node.start_mark.line + 1
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _fail(source.file, line, ErrorCode.TOO_BIG)
    if len(path) > MAX_DEPTH:
        raise _fail(source.file, line, ErrorCode.NESTED_TOO_DEEPLY)
    source.lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _COLLECTION_TAGS:
        raise _fail(source.file, line, ErrorCode.BAD_TAG, path=format_path(path), tag=node.tag)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _fail(source.file, key_line, ErrorCode.BAD_KEY)
            key = str(key_node.value)
            if key in result:
                raise _fail(source.file, key_line, ErrorCode.DUPLICATE_KEY, at=(*path, key))
            source.lines[(*path, key)] = key_line
            result[key] = _convert(loader, value_node, (*path, key), source, counter)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, child, (*path, index), source, counter)
            for index, child in enumerate(node.value)
        ]
    if node.tag not in _SCALAR_TAGS:
        kind = "a date" if node.tag.endswith("timestamp") else f"the YAML tag {node.tag}"
        raise _fail(source.file, line, ErrorCode.NOT_ALLOWED_HERE, at=path, kind=kind)
    return loader.construct_object(node, deep=True)
