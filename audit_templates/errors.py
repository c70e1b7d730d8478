"""The error catalogue: every problem names the file, the line, the place and what was expected."""

from __future__ import annotations

from dataclasses import dataclass

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
