"""The import's report: problems counted per code, at most so many kept, each saying where it is.

Shared by the checks of `sampling.frame` and the warnings of `sampling.frame_warnings`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from sampling.frame import FrameResult

__all__ = ["PLACEHOLDERS", "FieldQuality", "Problem", "Report", "Said", "Severity", "at"]

Severity = Literal["error", "warning"]
# Values that fill a cell without telling anyone anything: counted as missing in the
# completeness report and the ethnicity check, but kept as the file gives them.
PLACEHOLDERS = frozenset(
    {"not recorded", "not known", "unknown", "not stated", "not obtained", "nobt", "n/a", "null"}
    | {"information not yet obtained", "-", "?"}
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the validation report; `message` stands on its own for a manager."""

    row: int | None
    column: str | None
    code: str
    message: str
    severity: Severity
    # The row this one repeats (a duplicated case reference): a message that may not quote the
    # value (a job's, shown to whoever follows the job) can still point at the earlier row.
    earlier_row: int | None = None


@dataclass(frozen=True, slots=True)
class FieldQuality:
    """How complete one field is across the list: IROs monitor the integrity of the records."""

    field: str
    label: str
    mapped_header: str | None
    filled: int
    total: int
    percent: float
    derived_from: str | None = None


Hit = TypeVar("Hit")
Said = tuple[int | None, str | None, str]  # row, column, message


class Report:
    """Collects problems: exact counts per code, but at most `cap` kept for each code."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.counts: dict[str, int] = {}
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, code: str, message: str, *, column: str | None = None) -> None:
        """A problem with the file or mapping as a whole; the message is used as given."""
        self.many("error", code, [message], lambda said: (None, column, said))

    def warn(self, code: str, message: str) -> None:
        """A warning about the file as a whole; the message is used as given."""
        self.many("warning", code, [message], lambda said: (None, None, said))

    def many(
        self,
        severity: Severity,
        code: str,
        hits: Sequence[Hit],
        describe: Callable[[Hit], Said],
        earlier: Callable[[Hit], int | None] | None = None,
    ) -> None:
        """Count every hit, but word only those that will be kept: `describe` gives
        (row, column, message), the message already opening with where it is; `earlier`, the
        row a hit repeats, if it repeats one."""
        if not hits:
            return
        kept = self.counts.get(code, 0)
        self.counts[code] = kept + len(hits)
        store = self.errors if severity == "error" else self.warnings
        for hit in hits[: max(0, self.cap - kept)]:
            row, column, message = describe(hit)
            repeats = earlier(hit) if earlier is not None else None
            store.append(Problem(row, column, code, message, severity, repeats))

    def result(
        self,
        columns: tuple[Sequence[Any], ...],
        numbers: list[int],
        quality: list[FieldQuality],
        digest: str | None,
        mapping: dict[str, str | None],
    ) -> FrameResult:
        def by_row(problem: Problem) -> int:
            return problem.row or 0

        from sampling.frame import FrameResult  # the result type lives with the parser

        errors, warnings = sorted(self.errors, key=by_row), sorted(self.warnings, key=by_row)
        return FrameResult(
            numbers, errors, warnings, self.counts, quality, digest, mapping, columns
        )


def at(row: int | None, column: str | None, message: str) -> Said:
    """Open a message with where the problem is: "row 5, column 'DOB': ..."; the column named
    here is also the one recorded on the Problem."""
    if row is None:
        where = f"column '{column}': " if column else ""
    else:
        where = f"row {row}, column '{column}': " if column else f"row {row}: "
    return row, column, where + message


def placeholder(value: object) -> bool:
    return isinstance(value, str) and value.casefold() in PLACEHOLDERS
