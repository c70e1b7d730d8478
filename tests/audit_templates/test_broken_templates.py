"""Every file in broken/ holds one realistic mistake; the loader must reject it on the right line.

Each file starts with `# expect: LINE: FRAGMENT`: the line the error must name and a piece of its
message. A second line `# xfail: WHY` marks a known fault of the loader (the expectation states
the right answer; the test passes again, strictly, once the loader is fixed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_file

BROKEN = Path(__file__).parent / "broken"
EXPECT = re.compile(r"^# expect: (?P<line>\d+): (?P<fragment>.+?)\s*$")
XFAIL = re.compile(r"^# xfail: (?P<why>.+?)\s*$")


@dataclass(frozen=True)
class Expectation:
    line: int
    fragment: str
    xfail: str | None


def _expectation(path: Path) -> Expectation:
    lines = path.read_text(encoding="utf-8").splitlines()
    match = EXPECT.match(lines[0]) if lines else None
    assert match, f"{path.name}: the first line must be '# expect: LINE: FRAGMENT'"
    why = XFAIL.match(lines[1]) if len(lines) > 1 else None
    return Expectation(int(match["line"]), match["fragment"], why["why"] if why else None)


def _cases() -> list[pytest.ParameterSet]:
    cases = []
    for path in sorted(BROKEN.glob("*.yaml")):
        expected = _expectation(path)
        marks = [pytest.mark.xfail(strict=True, reason=expected.xfail)] if expected.xfail else []
        cases.append(pytest.param(path, expected, id=path.stem, marks=marks))
    return cases


def test_there_are_at_least_twenty_broken_templates() -> None:
    assert len(list(BROKEN.glob("*.yaml"))) >= 20


def test_every_broken_file_states_what_it_expects() -> None:
    for path in BROKEN.iterdir():
        assert path.suffix == ".yaml", f"{path.name}: only .yaml files belong in broken/"
        _expectation(path)


@pytest.mark.parametrize(("path", "expected"), _cases())
def test_broken_template_is_rejected_on_the_right_line(path: Path, expected: Expectation) -> None:
    with pytest.raises(TemplateInvalid) as caught:
        load_template_file(path)
    errors = caught.value.errors
    assert errors, "TemplateInvalid must list at least one error"
    reported = "\n".join(str(e) for e in errors)
    matching = [e for e in errors if e.line == expected.line and expected.fragment in str(e)]
    assert matching, (
        f"no error on line {expected.line} containing {expected.fragment!r}; got:\n{reported}"
    )
    for error in matching:
        # "unknown_scale.yaml:41 sections[0]...: ..." or, without a path, "empty.yaml:1: ...".
        assert re.match(rf"{re.escape(path.name)}:{expected.line}[ :]", str(error)), str(error)
    # The exception's own text is the full list, one error a line, for the lint command.
    assert str(caught.value).splitlines() == [str(e) for e in errors]
