"""The SSDA903 children-looked-after return as a case list: who is in care on a date.

Three CSV files, told apart by their headings (any order, any file names):

- Header: `CHILD, SEX, DOB, ETHNIC` (and `UPN, MOTHER, MC_DOB`, which are not kept);
- Episodes: `CHILD, DECOM, RNE, LS, PLACE, DEC, REC` (and others, not kept);
- Reviews: `CHILD, REVIEW, REVIEW_CODE` (`DOB` too).

A child is looked after on the list's date (`as_at`) when one of their episodes is open on
it: it began on or before `as_at` and ceased after it, or has not ceased (an episode's DEC is
the day the child left, so on that day they are no longer looked after). The case list has one
row per such child: legal status and placement from that episode, the date the current
period of care began (the first episode of an unbroken run: a new period starts with RNE `S`
or after a gap), and the last review of the period. Each child's reviews in the current period
of care held on or before `as_at` are kept with their participation code, so the review
timetable is exact (`sampling.timetable`). Codes are kept with their words
(`sampling.codes903`). UPN, postcodes, URN and the mother's details are never read into the
list: the least data an audit needs.

Unusable files are refused whole, every problem naming the file, row and column: an episode
that starts before the child's birth or ends before it starts, overlapping episodes, a review
outside every period of care, a code not in the return's code lists, an unreadable date, a
child not in the Header file. The rest of the checks (missing ethnicity, dates in the future)
are the case list's own (`sampling.frame.parse_frame`), run on the rows built here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from sampling import codes903
from sampling.dates import DateProblem, format_date, parse_date
from sampling.frame import ERROR_CODES, FrameResult, Problem, normalise_header, parse_frame
from sampling.tables import CellValue, Table, cell_text

__all__ = ["ERROR_CODES_903", "REQUIRED", "Return903", "Ssda903Result", "parse_903", "recognise"]

Role = Literal["header", "episodes", "reviews"]
REQUIRED: Mapping[Role, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"),
    "reviews": ("CHILD", "REVIEW", "REVIEW_CODE"),
}
# Headings that tell the files apart (Reviews carries DOB too, so Header is told by ETHNIC).
_TELLS: Mapping[Role, tuple[str, ...]] = {
    "header": ("CHILD", "ETHNIC", "SEX"),
    "episodes": ("CHILD", "DECOM", "LS"),
    "reviews": ("CHILD", "REVIEW", "REVIEW_CODE"),
}


# The return's own errors (each stops the import), beside the case list's (ERROR_CODES).
ERROR_CODES_903 = frozenset(
    {"column_missing", "unknown_code", "child_not_in_header", "date_missing"}
    | {"episode_before_birth", "episode_ends_before_start", "episodes_overlap"}
    | {"review_outside_care"}
)


@dataclass(frozen=True, slots=True)
class Return903:
    """The three files of one return, each with the name it was uploaded under."""

    header: tuple[str, Table]
    episodes: tuple[str, Table]
    reviews: tuple[str, Table]


def recognise(files: Sequence[tuple[str, Table]]) -> Return903 | None:
    """The return's files by their headings, or None when these are not the three of them."""
    found: dict[Role, tuple[str, Table]] = {}
    for name, table in files:
        keys = {normalise_header(h) for h in table.headers}
        for role, tells in _TELLS.items():
            if role not in found and all(normalise_header(t) in keys for t in tells):
                found[role] = (name, table)
                break
    if len(files) != 3 or len(found) != 3:
        return None
    return Return903(found["header"], found["episodes"], found["reviews"])


@dataclass(frozen=True)
class Ssda903Result:
    """The case list built from the return, and each child's reviews in the period of care."""

    frame: FrameResult
    reviews: Mapping[str, tuple[tuple[date, str | None], ...]] = field(default_factory=dict)
    children_in_files: int = 0
    # The file of each of `frame.errors`, in the same order.
    error_files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.frame.ok

    @property
    def error_count(self) -> int:
        """Every error, the return's own kinds too (the case list's count knows only its own)."""
        counts = self.frame.counts.items()
        return sum(n for code, n in counts if code in ERROR_CODES or code in ERROR_CODES_903)


@dataclass(slots=True)
class _Episode:
    row: int
    start: date
    end: date | None
    rne: str
    ls: str
    place: str
    rec: str


class _Errors:
    def __init__(self, cap: int = 1000) -> None:
        self.cap, self.found, self.counts = cap, list[tuple[str, Problem]](), dict[str, int]()

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        code: str,
        said: str,
        earlier_row: int | None = None,
    ) -> None:
        self.counts[code] = self.counts.get(code, 0) + 1
        if len(self.found) < self.cap:
            where = f"{file}, row {row}" if row is not None else file
            where += f", column '{column}'" if column else ""
            found = Problem(row, column, code, f"{where}: {said}", "error", earlier_row)
            self.found.append((file, found))


class _Rows:
    """One file's rows read by 903 column name, reporting problems in the file's own terms."""

    def __init__(self, name: str, table: Table, role: Role, errors: _Errors) -> None:
        self.name, self.table, self.errors = name, table, errors
        position = {normalise_header(h): i for i, h in enumerate(table.headers)}
        self.columns: dict[str, int] = {}
        for column in REQUIRED[role]:
            if normalise_header(column) in position:
                self.columns[column] = position[normalise_header(column)]
            else:
                errors.add(name, None, None, "column_missing", f"has no column '{column}'")

    def __iter__(self) -> Iterator[tuple[int, tuple[CellValue, ...]]]:
        return iter(zip(self.table.row_numbers, self.table.rows, strict=True))

    def text(self, cells: tuple[CellValue, ...], column: str) -> str:
        return " ".join(cell_text(cells[self.columns[column]]).split())

    def day(self, row: int, cells: tuple[CellValue, ...], column: str) -> date | None:
        try:
            return parse_date(cells[self.columns[column]])
        except DateProblem as problem:
            self.errors.add(self.name, row, column, "bad_date", str(problem))
            return None

    def code(self, row: int, cells: tuple[CellValue, ...], column: str, kind: str) -> str:
        value = self.text(cells, column).upper()
        if value and value not in codes903.CODE_LISTS[kind]:
            known = ", ".join(codes903.CODE_LISTS[kind])
            said = f"'{value[:20]}' is not a code of the 903 return (expected one of {known})"
            self.errors.add(self.name, row, column, "unknown_code", said)
        return value


def parse_903(files: Return903, as_at: date) -> Ssda903Result:
    """Build the case list of children looked after on `as_at`; errors leave no rows."""
    errors = _Errors()
    header = _Rows(*files.header, "header", errors)
    episodes = _Rows(*files.episodes, "episodes", errors)
    reviews = _Rows(*files.reviews, "reviews", errors)
    if errors.found:
        return _refused(errors)
    children = _read_header(header, errors)
    by_child = _read_episodes(episodes, children, errors)
    periods = {child: _periods(eps) for child, eps in by_child.items()}
    held = _read_reviews(reviews, children, periods, errors)
    if errors.found:
        return _refused(errors)
    rows: list[tuple[CellValue, ...]] = []
    numbers: list[int] = []
    kept: dict[str, tuple[tuple[date, str | None], ...]] = {}
    for child, (row, sex, dob, ethnic) in children.items():
        current = _current(periods.get(child, []), as_at)
        if current is None:
            continue
        index, period = current
        episode = next(e for e in period if e.start <= as_at and (e.end is None or e.end > as_at))
        start = period[0].start
        mine = tuple(sorted(r for r in held.get(child, []) if start <= r[0] <= as_at))
        kept[child] = mine
        earlier = periods[child][index - 1] if index else None
        numbers.append(row)
        rows.append(
            (
                child,
                codes903.shown(codes903.LEGAL_STATUS, episode.ls) or "",
                codes903.shown(codes903.PLACEMENT, episode.place) or "",
                dob or "",
                codes903.shown(codes903.SEX, sex) or "",
                codes903.shown(codes903.ETHNIC, ethnic) or "",
                start,
                mine[-1][0] if mine else "",
                format_date(episode.start),
                codes903.shown(codes903.REASON_NEW_EPISODE, episode.rne) or "",
                str(index + 1),
                _ended(earlier),
            )
        )
    table = Table(list(_HEADINGS), rows, numbers, "xlsx")
    result = parse_frame(table, _MAPPING, as_at)
    # The list's rows are the Header file's children (numbered as that file numbers them).
    in_header = (files.header[0],) * len(result.errors)
    return Ssda903Result(result, kept if result.ok else {}, len(children), in_header)


_MAPPING = {
    "case_ref": "CHILD",
    "legal_status": "LS",
    "placement_type": "PLACE",
    "date_of_birth": "DOB",
    "gender": "SEX",
    "ethnicity": "ETHNIC",
    "became_looked_after": "Period of care began",
    "last_review": "Last review in the period",
}
_HEADINGS = (
    *_MAPPING.values(),
    "Current episode began",
    "Reason for new episode",
    "Periods of care",
    "Previous period of care ended",
)


def _refused(errors: _Errors) -> Ssda903Result:
    found = sorted(errors.found, key=lambda hit: (hit[0], hit[1].row or 0))
    problems = [problem for _file, problem in found]
    result = FrameResult([], problems, [], dict(errors.counts), [], None)
    return Ssda903Result(result, error_files=tuple(file for file, _problem in found))


def _read_header(rows: _Rows, errors: _Errors) -> dict[str, tuple[int, str, date | None, str]]:
    children: dict[str, tuple[int, str, date | None, str]] = {}
    for row, cells in rows:
        child = rows.text(cells, "CHILD")
        if not child:
            errors.add(rows.name, row, "CHILD", "case_ref_empty", "the child's ID is empty")
            continue
        if child in children:
            said = f"child {child} is also on row {children[child][0]}"
            errors.add(rows.name, row, "CHILD", "duplicate_case_ref", said, children[child][0])
            continue
        sex = rows.code(row, cells, "SEX", "SEX")
        ethnic = rows.code(row, cells, "ETHNIC", "ETHNIC")
        children[child] = (row, sex, rows.day(row, cells, "DOB"), ethnic)
    return children


def _read_episodes(
    rows: _Rows, children: Mapping[str, tuple[int, str, date | None, str]], errors: _Errors
) -> dict[str, list[_Episode]]:
    by_child: dict[str, list[_Episode]] = {}
    for row, cells in rows:
        child = rows.text(cells, "CHILD")
        if child not in children:
            said = f"child '{child[:40]}' is not in the Header file"
            errors.add(rows.name, row, "CHILD", "child_not_in_header", said)
            continue
        start, end = rows.day(row, cells, "DECOM"), rows.day(row, cells, "DEC")
        codes = [rows.code(row, cells, c, c) for c in ("RNE", "LS", "PLACE", "REC")]
        if start is None:
            if rows.text(cells, "DECOM") == "":
                errors.add(rows.name, row, "DECOM", "date_missing", "the episode has no start")
            continue
        born = children[child][2]
        if born is not None and start < born:
            said = (
                f"the episode starts on {format_date(start)}, before the child's date of birth "
                f"({format_date(born)})"
            )
            errors.add(rows.name, row, "DECOM", "episode_before_birth", said)
        if end is not None and end < start:
            said = (
                f"the episode ends on {format_date(end)}, before it starts ({format_date(start)})"
            )
            errors.add(rows.name, row, "DEC", "episode_ends_before_start", said)
        by_child.setdefault(child, []).append(_Episode(row, start, end, *codes))
    for child, episodes in by_child.items():
        episodes.sort(key=lambda e: (e.start, e.row))
        for before, after in zip(episodes, episodes[1:], strict=False):
            if before.end is None or before.end > after.start:
                ended = "has not ended" if before.end is None else f"ends {format_date(before.end)}"
                said = (
                    f"child {child}'s episode starting {format_date(after.start)} overlaps the "
                    f"episode on row {before.row}, which {ended}"
                )
                errors.add(rows.name, after.row, "DECOM", "episodes_overlap", said)
    return by_child


def _periods(episodes: list[_Episode]) -> list[list[_Episode]]:
    """Unbroken runs of episodes: a new period starts with RNE S or after a gap."""
    periods: list[list[_Episode]] = []
    for episode in episodes:
        last = periods[-1][-1] if periods else None
        if last is None or episode.rne == "S" or last.end != episode.start:
            periods.append([episode])
        else:
            periods[-1].append(episode)
    return periods


def _read_reviews(
    rows: _Rows,
    children: Mapping[str, tuple[int, str, date | None, str]],
    periods: Mapping[str, list[list[_Episode]]],
    errors: _Errors,
) -> dict[str, list[tuple[date, str | None]]]:
    held: dict[str, list[tuple[date, str | None]]] = {}
    for row, cells in rows:
        child = rows.text(cells, "CHILD")
        if child not in children:
            said = f"child '{child[:40]}' is not in the Header file"
            errors.add(rows.name, row, "CHILD", "child_not_in_header", said)
            continue
        day = rows.day(row, cells, "REVIEW")
        code = rows.code(row, cells, "REVIEW_CODE", "REVIEW_CODE")
        if day is None:
            continue
        outside = _outside(day, periods.get(child, []))
        if outside:
            errors.add(rows.name, row, "REVIEW", "review_outside_care", outside)
            continue
        held.setdefault(child, []).append((day, code or None))
    return held


def _outside(day: date, periods: list[list[_Episode]]) -> str | None:
    """Why a review date falls in no period of care, or None when it falls in one."""
    shown = format_date(day)
    for period in periods:
        start, end = period[0].start, period[-1].end
        if day < start:
            began = format_date(start)
            return f"the review on {shown} is before the period of care, which began {began}"
        if end is None or day <= end:
            return None
    if not periods:
        return f"the review on {shown} is for a child with no episode of care"
    last = periods[-1][-1].end or day
    return f"the review on {shown} is after the period of care ended ({format_date(last)})"


def _current(periods: list[list[_Episode]], as_at: date) -> tuple[int, list[_Episode]] | None:
    for index, period in enumerate(periods):
        for episode in period:
            if episode.start <= as_at and (episode.end is None or episode.end > as_at):
                return index, period
    return None


def _ended(period: list[_Episode] | None) -> str:
    if period is None:
        return ""
    last = period[-1]
    reason = codes903.shown(codes903.REASON_CEASED, last.rec) or "reason not recorded"
    return f"{format_date(last.end)} ({reason})" if last.end else ""
