"""The case list as a sampling frame: our fields, column mapping, validation and a quality report.

An import is all or nothing (DOMAIN.md): any error leaves `FrameResult.rows` empty, so a
caller cannot store half a list by mistake. Warnings are listed and the import can go ahead.
Every message names the spreadsheet row and the file's own column heading, because the reader
is a manager with the file open in Excel, not a developer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date
from functools import cached_property
from operator import attrgetter
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast

from sampling import codes903
from sampling.dates import DateProblem, format_date, parse_date
from sampling.records import CaseRow
from sampling.tables import (
    CellValue,
    Table,
    TableProblem,
    cell_text,
    collector_paused,
    read_table,
)

__all__ = [
    "AGE_BANDS",
    "ERROR_CODES",
    "FIELDS",
    "FieldQuality",
    "FieldSpec",
    "FrameResult",
    "PLACEHOLDERS",
    "Problem",
    "Table",
    "TableProblem",
    "age_band_at",
    "fingerprint",
    "guess_mapping",
    "normalise_header",
    "parse_frame",
    "read_table",
]

Kind = Literal["text", "date", "yes_no"]
Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One of our fields: how a manager knows it, and how the exports head it."""

    name: str
    label: str
    kind: Kind
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None  # Mirrors the database column, so PostgreSQL never refuses a row.


# One field a line (indented lines continue the one above): name | label | kind | longest value
# the database keeps (0: no limit) | other headings seen in LCS, Mosaic and Eclipse exports.
_FIELD_TABLE = """
case_ref | Case reference | text | 40 | Case ref; Child ID; LCS ID; Person ID; Mosaic ID;
    Eclipse ID; Client ID; Child Ref; Child reference; Person reference; Client reference;
    Reference; ID
team | Team | text | 200 | Allocated team; Worker team; Team name; Allocated team name;
    Service team
social_worker | Social worker | text | 200 | Allocated worker; Key worker; Allocated social worker;
    Social worker name; Lead worker; Case worker; Worker
iro | IRO | text | 200 | Independent Reviewing Officer; Reviewing officer; IRO name; Allocated IRO
legal_status | Legal status | text | 100 | Legal Status Code; Legal status description;
    Current legal status
placement_type | Placement type | text | 100 | Placement; Placement provision; Placement category;
    Placement type description
date_of_birth | Date of birth | date | 0 | DOB; Birth date; Child DOB
age_band | Age band | text | 20 | Age group; Age range
gender | Gender | text | 40 | Sex; Legal sex
ethnicity | Ethnicity | text | 100 | Ethnic origin; Ethnic group; Ethnicity description
disability | Disability | text | 40 | Disabled; Has disability; Disability status
uasc | UASC | yes_no | 0 | Unaccompanied; Unaccompanied asylum seeking child; UASC status; Is UASC
became_looked_after | Date became looked after | date | 0 | CLA start date; Start date of episode;
    Date period of care commenced; Date looked after; Looked after since; Date entered care;
    Care start date; CIC start date; LAC start date; Date Became LAC; Date became CLA;
    CLA start; CLA start date; Period of care start; Period of care start date
last_review | Last review date | date | 0 | Date of last CLA review; Previous review;
    Date of last review; Last CLA review date; Last LAC review date; Latest review date;
    Last review; Last CLA review; Last LAC review; Last CIC review
next_review_due | Next review due | date | 0 | Next review date; Review due date;
    Next CLA review due; Next LAC review date; Next review due date; Review due
"""
REQUIRED = frozenset({"case_ref"})


def _read_field_table(text: str) -> dict[str, FieldSpec]:
    """Kept as a text table so the spellings read as a list a manager could check by eye."""
    specs: dict[str, FieldSpec] = {}
    for line in text.strip().replace("\n    ", " ").splitlines():
        name, label, kind, size, aliases = (part.strip() for part in line.split("|"))
        spellings = (label, *(a.strip() for a in aliases.split(";")))
        specs[name] = FieldSpec(
            name, label, cast(Kind, kind), spellings, name in REQUIRED, int(size) or None
        )
    return specs


FIELDS: Mapping[str, FieldSpec] = MappingProxyType(_read_field_table(_FIELD_TABLE))

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1", 0, 0),
    ("1-4", 1, 4),
    ("5-9", 5, 9),
    ("10-15", 10, 15),
    ("16-17", 16, 17),
    ("18+", 18, 200),
)
_BAND_BY_AGE = {age: band for band, low, high in AGE_BANDS for age in range(low, high + 1)}
_YES_NO = dict.fromkeys(("yes", "y", "true", "1"), True) | dict.fromkeys(
    ("no", "n", "false", "0"), False
)
# Values that fill a cell without telling anyone anything: counted as missing in the
# completeness report and the ethnicity check, but kept as the file gives them.
PLACEHOLDERS = frozenset(
    {"not recorded", "not known", "unknown", "not stated", "not obtained", "nobt", "n/a", "null"}
    | {"information not yet obtained", "-", "?"}
)
_NOT_WORD = re.compile(r"[\W_]+")
_ROW_VALUES = attrgetter(*FIELDS)
_EXACT_OWNER = {  # normalised spelling -> the field it belongs to (the first field wins)
    _NOT_WORD.sub("", alias.casefold()): spec.name
    for spec in reversed(list(FIELDS.values()))
    for alias in spec.aliases
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the validation report; `message` stands on its own for a manager."""

    row: int | None
    column: str | None
    code: str
    message: str
    severity: Severity


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


@dataclass(frozen=True)
class FrameResult:
    """The validation report and, only when there are no errors, the rows to store.

    The rows are kept column by column (`columns`: one sequence per field in FIELDS order,
    then the rows' attributes), as they were checked; `rows` builds CaseRow objects from them
    only when asked. An import stores straight from the columns: building 100,000 frozen
    CaseRows it would not use was a fifth of an import's time (bench/import_frame.py).
    """

    row_numbers: list[int]
    errors: list[Problem]
    warnings: list[Problem]
    counts: dict[str, int]
    quality: list[FieldQuality]
    fingerprint: str | None
    mapping: dict[str, str | None] = field(default_factory=dict)
    columns: tuple[Sequence[Any], ...] = ()

    @cached_property
    def rows(self) -> list[CaseRow]:
        if not self.columns:
            return []
        # Positions follow FIELDS, which the foot of this module checks against CaseRow.
        return [CaseRow(*row) for row in zip(*self.columns, strict=True)]

    def column(self, name: str) -> Sequence[Any]:
        """One field's values, row by row ("attributes" for the unmapped columns' dicts)."""
        return self.columns[_POSITION[name]]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return sum(n for code, n in self.counts.items() if code in ERROR_CODES)

    @property
    def warning_count(self) -> int:
        return sum(n for code, n in self.counts.items() if code not in ERROR_CODES)


ERROR_CODES = frozenset(
    {"unknown_field", "mapped_column_missing", "column_used_twice", "required_column_missing"}
    | {"case_ref_empty", "duplicate_case_ref", "bad_date", "too_long", "no_rows"}
)


def normalise_header(text: str) -> str:
    """Compare headings ignoring case, spaces, punctuation and underscores."""
    return _NOT_WORD.sub("", text.casefold())


def guess_mapping(headers: Sequence[str]) -> dict[str, str | None]:
    """Guess which column holds each field; a column is never given to two fields.

    An exact match (after normalising) on any known spelling wins; otherwise a heading that
    contains a long spelling ("Child's legal status") is taken, the shortest such heading first.
    """
    keys = [normalise_header(h) for h in headers]
    used: set[int] = set()
    mapping: dict[str, str | None] = dict.fromkeys(FIELDS)
    for spec in FIELDS.values():
        for alias in (spec.name, *spec.aliases):
            wanted = normalise_header(alias)
            index = next((i for i, k in enumerate(keys) if k == wanted and i not in used), None)
            if index is not None:
                mapping[spec.name] = headers[index]
                used.add(index)
                break
    for spec in FIELDS.values():
        if mapping[spec.name] is not None:
            continue
        aliases = [a for a in map(normalise_header, spec.aliases) if len(a) >= 6]
        candidates = [
            i
            for i, key in enumerate(keys)
            if i not in used
            and any(a in key for a in aliases)
            and (spec.kind == "date" or "date" not in key)
            and _EXACT_OWNER.get(key, spec.name) == spec.name  # "Worker team" is a team
        ]
        if candidates:
            index = min(candidates, key=lambda i: len(keys[i]))
            mapping[spec.name] = headers[index]
            used.add(index)
    return mapping


def age_band_at(date_of_birth: date, as_at: date) -> str | None:
    """The child's age band on the list's date; None when the birth date is after it."""
    age = as_at.year - date_of_birth.year
    if (as_at.month, as_at.day) < (date_of_birth.month, date_of_birth.day):
        age -= 1
    return _BAND_BY_AGE.get(age, "18+" if age > 17 else None)


def fingerprint(rows: Sequence[CaseRow]) -> str:
    """A hash of the parsed rows: the same list gives the same hash from CSV or XLSX.

    The hashed text is written column by column (hashing is then one fast JSON call per
    column): a version line, then for each field in FIELDS order its name and the JSON list of
    its values (dates as ISO text), then for each attribute heading, in sorted order, the
    heading and the JSON list of its values (null where a row lacks it). So column order never
    matters; row order does, as it is part of the list and a draw may number rows in order.
    """
    fields = [list(column) for column in zip(*map(_ROW_VALUES, rows), strict=True)]
    if not fields:
        fields = [[] for _ in FIELDS]
    keys = sorted({key for row in rows for key in row.attributes})
    extra = {key: [row.attributes.get(key) for row in rows] for key in keys}
    return _digest(fields, extra)


def _digest(fields: Sequence[Sequence[object]], attributes: dict[str, list[str | None]]) -> str:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    digest = hashlib.sha256(b"qa-toolkit frame v2\n")
    for spec, column in zip(FIELDS.values(), fields, strict=True):
        if spec.kind == "date":
            iso: dict[object, str | None] = {None: None}
            iso.update((day, day.isoformat()) for day in set(column) if isinstance(day, date))
            column = [iso[day] for day in column]
        digest.update(f"{spec.name}\n{encode(column)}\n".encode())
    for key in sorted(attributes):
        digest.update(f"attribute {encode(key)}\n{encode(attributes[key])}\n".encode())
    return digest.hexdigest()


def parse_frame(
    table: Table, mapping: Mapping[str, str | None], as_at: date, *, max_per_code: int = 1000
) -> FrameResult:
    """Apply the mapping and check every row; rows come back only when nothing is an error.

    Works column by column, judging each distinct value once, because a list of 100,000
    children repeats a few thousand dates and a few dozen teams.
    Unmapped columns are kept, as text, in each row's `attributes` under the file's heading.
    """
    with collector_paused():
        return _parse(table, mapping, as_at, _Report(max_per_code))


def _parse(
    table: Table, mapping: Mapping[str, str | None], as_at: date, report: _Report
) -> FrameResult:
    columns = _resolve(table.headers, mapping, report)
    if not table.rows:
        report.error("no_rows", "the file has column headings but no cases under them")
    resolved: dict[str, str | None] = {name: columns.get(name) for name in FIELDS}
    if report.errors:
        return report.result((), [], [], None, resolved)
    position = {header: i for i, header in enumerate(table.headers)}
    by_position = list(zip(*table.rows, strict=True)) or [() for _ in table.headers]
    numbers = table.row_numbers
    values: dict[str, Sequence[object]] = {}
    for name, header in columns.items():
        spec, cells = FIELDS[name], by_position[position[header]]
        if spec.kind == "date":
            values[name] = _dates(cells, numbers, header, report)
        elif spec.kind == "yes_no":
            values[name] = _yes_no(cells, numbers, header, report)
        else:
            values[name] = _texts(cells, numbers, header, spec, report, table.kind)
    for name, kind in (("legal_status", "LS"), ("placement_type", "PLACE")):
        if name in values:  # the 903 code plus words, whatever the export writes
            values[name] = _normalised(values[name], kind)
    _check_case_refs(values["case_ref"], numbers, columns["case_ref"], report)
    if "age_band" not in columns and "date_of_birth" in values:
        values["age_band"] = _derive_bands(values["date_of_birth"], as_at)
    _warn(values, numbers, columns, as_at, report)
    quality = _quality(values, columns, len(numbers))
    if report.errors:
        return report.result((), [], quality, None, resolved)
    extra = {
        header: list(cells) if table.kind == "csv" else [cell_text(cell) for cell in cells]
        for header, cells in zip(table.headers, by_position, strict=True)
        if header not in columns.values()
    }
    attributes = _attributes(cast(dict[str, list[str]], extra), len(numbers))
    fields = [values.get(name) or [None] * len(numbers) for name in FIELDS]
    digest = _digest(fields, cast(dict[str, list[str | None]], extra))
    return report.result((*fields, attributes), list(numbers), quality, digest, resolved)


_Hit = TypeVar("_Hit")
_Said = tuple[int | None, str | None, str]  # row, column, message


class _Report:
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
        hits: Sequence[_Hit],
        describe: Callable[[_Hit], _Said],
    ) -> None:
        """Count every hit, but word only those that will be kept: `describe` gives
        (row, column, message), the message already opening with where it is."""
        if not hits:
            return
        kept = self.counts.get(code, 0)
        self.counts[code] = kept + len(hits)
        store = self.errors if severity == "error" else self.warnings
        for hit in hits[: max(0, self.cap - kept)]:
            row, column, message = describe(hit)
            store.append(Problem(row, column, code, message, severity))

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

        errors, warnings = sorted(self.errors, key=by_row), sorted(self.warnings, key=by_row)
        return FrameResult(
            numbers, errors, warnings, self.counts, quality, digest, mapping, columns
        )


def _at(row: int | None, column: str | None, message: str) -> _Said:
    """Open a message with where the problem is: "row 5, column 'DOB': ..."; the column named
    here is also the one recorded on the Problem."""
    if row is None:
        where = f"column '{column}': " if column else ""
    else:
        where = f"row {row}, column '{column}': " if column else f"row {row}: "
    return row, column, where + message


def _resolve(
    headers: Sequence[str], mapping: Mapping[str, str | None], report: _Report
) -> dict[str, str]:
    """Check the mapping against the file: our field -> the file's exact heading."""
    present = set(headers)
    by_key: dict[str, list[str]] = {}
    for header in headers:
        by_key.setdefault(normalise_header(header), []).append(header)
    columns: dict[str, str] = {}
    taken: dict[str, str] = {}
    named: set[str] = set()
    for name, chosen in mapping.items():
        if name not in FIELDS:
            report.error("unknown_field", f"the mapping names a field we do not know: '{name}'")
            continue
        header = " ".join((chosen or "").split())
        if not header:
            continue
        named.add(name)
        label = FIELDS[name].label
        if header not in present:
            # A saved mapping still fits when the system changes only case or punctuation.
            matches = by_key.get(normalise_header(header), [])
            if len(matches) != 1:
                report.error(
                    "mapped_column_missing",
                    f"the column '{header}' chosen for '{label}' is not in this file",
                )
                continue
            header = matches[0]
        if header in taken:
            other = FIELDS[taken[header]].label
            report.error(
                "column_used_twice",
                f"column '{header}' is chosen for both '{other}' and '{label}': "
                "choose one column for each",
                column=header,
            )
            continue
        taken[header] = name
        columns[name] = header
    for spec in FIELDS.values():
        if spec.required and spec.name not in named:
            report.error(
                "required_column_missing",
                f"no column is chosen for '{spec.label}', which every case needs: "
                "choose the column that holds it",
            )
    return columns


def _texts(
    cells: Sequence[CellValue],
    numbers: list[int],
    header: str,
    spec: FieldSpec,
    report: _Report,
    kind: str,
) -> list[str | None]:
    texts: list[str | None]
    if kind == "csv":  # Every CSV cell is already stripped text: the fast path for big files.
        shown = cast(Sequence[str], cells)
        texts = [cell or None for cell in shown]
    else:
        shown = [cell_text(cell) for cell in cells]
        texts = [text or None for text in shown]
    limit = spec.max_length
    if limit is not None and max(map(len, shown), default=0) > limit:
        long = [i for i, text in enumerate(shown) if len(text) > limit]

        def too_long(i: int) -> _Said:
            said = f"this is {len(shown[i])} characters long; the most we can keep is {limit}"
            return _at(numbers[i], header, said)

        report.many("error", "too_long", long, too_long)
    return texts


def _dates(
    cells: Sequence[CellValue], numbers: list[int], header: str, report: _Report
) -> list[date | None]:
    """Parse each distinct value once: a list repeats the same few thousand dates."""
    outcomes: dict[CellValue, date | str | None] = {}
    for cell in set(cells):
        try:
            outcomes[cell] = parse_date(cell)
        except DateProblem as problem:
            outcomes[cell] = str(problem)
    parsed = [outcomes[cell] for cell in cells]
    bad = {cell for cell, outcome in outcomes.items() if isinstance(outcome, str)}
    if bad:
        wrong = [i for i, cell in enumerate(cells) if cell in bad]
        report.many("error", "bad_date", wrong, lambda i: _at(numbers[i], header, str(parsed[i])))
        for index in wrong:
            parsed[index] = None
    return cast(list[date | None], parsed)


def _yes_no(
    cells: Sequence[CellValue], numbers: list[int], header: str, report: _Report
) -> list[bool | None]:
    texts = {cell: cell_text(cell) for cell in set(cells)}
    answers = {cell: _YES_NO.get(text.lower()) for cell, text in texts.items()}
    unknown = [i for i, cell in enumerate(cells) if texts[cell] and answers[cell] is None]

    def not_yes_or_no(i: int) -> _Said:
        said = f"'{texts[cells[i]][:40]}' is not yes or no, so it is left blank"
        return _at(numbers[i], header, said)

    report.many("warning", "unknown_yes_no", unknown, not_yes_or_no)
    return [answers[cell] for cell in cells]


def _check_case_refs(
    refs: Sequence[object], numbers: list[int], header: str, report: _Report
) -> None:
    empty = [i for i, ref in enumerate(refs) if ref is None]
    said = "the case reference is empty"
    report.many(
        "error",
        "case_ref_empty",
        empty,
        lambda i: (numbers[i], header, f"row {numbers[i]}: {said}"),
    )
    if len(set(refs)) + max(0, len(empty) - 1) == len(refs):
        return
    first_row: dict[object, int] = {}
    repeats: list[tuple[int, int, object]] = []
    for number, ref in zip(numbers, refs, strict=True):
        if ref is not None:
            if ref in first_row:
                repeats.append((first_row[ref], number, ref))
            else:
                first_row[ref] = number

    def repeated(hit: tuple[int, int, object]) -> _Said:
        first, again, ref = hit
        return again, header, f"rows {first} and {again} have the same case reference {ref}"

    report.many("error", "duplicate_case_ref", repeats, repeated)


def _derive_bands(dates_of_birth: Sequence[object], as_at: date) -> list[object]:
    """Age bands at the list's date, for files that carry a date of birth but no band."""
    bands: dict[object, str | None] = {None: None}
    bands.update(
        (dob, age_band_at(dob, as_at)) for dob in set(dates_of_birth) if isinstance(dob, date)
    )
    return [bands[dob] for dob in dates_of_birth]


def _warn(
    values: dict[str, Sequence[object]],
    numbers: list[int],
    columns: dict[str, str],
    as_at: date,
    report: _Report,
) -> None:
    """Things a manager should know about, none of which stops the import."""
    if "ethnicity" not in columns:
        report.warn(
            "ethnicity_column_missing",
            "the file has no ethnicity column, so samples cannot be checked for fair "
            "representation",
        )
    else:
        header, recorded = columns["ethnicity"], values["ethnicity"]
        missing = {text for text in set(recorded) if text is None or _placeholder(text)}

        def not_recorded(i: int) -> _Said:
            text = recorded[i]
            said = "not recorded" if text is None else f"recorded as '{text}'"
            return _at(numbers[i], header, f"ethnicity is {said}")

        hits = [i for i, text in enumerate(recorded) if text in missing]
        report.many("warning", "ethnicity_missing", hits, not_recorded)
    _warn_disability(values, numbers, columns, report)
    if "date_of_birth" in values:
        _warn_ages(values, numbers, columns, as_at, report)
    today = format_date(as_at)
    for name in ("date_of_birth", "became_looked_after", "last_review", "next_review_due"):
        if name not in values:
            continue
        header, column = columns[name], cast(list[date | None], values[name])
        if name == "next_review_due":
            code, late = "review_overdue", {d for d in set(column) if d is not None and d < as_at}
            wording = "the next review was due on {}, before " + today + ": it is overdue"
        else:
            code, late = "date_in_future", {d for d in set(column) if d is not None and d > as_at}
            wording = "{} is after the date of this list (" + today + ")"
        hits = [i for i, day in enumerate(column) if day in late]
        report.many("warning", code, hits, _dated_words(numbers, header, column, wording))
    for later, earlier, code, wording in _ORDER_CHECKS:
        if later in values and earlier in values:
            _warn_order(
                values[later], values[earlier], numbers, columns[later], code, wording, report
            )


def _normalised(texts: Sequence[object], kind: str) -> list[object]:
    shown = {t: codes903.normalise(kind, t) if isinstance(t, str) else t for t in set(texts)}
    return [shown[t] for t in texts]


def _warn_disability(
    values: dict[str, Sequence[object]],
    numbers: list[int],
    columns: dict[str, str],
    report: _Report,
) -> None:
    if "disability" not in columns:
        return
    header, recorded = columns["disability"], values["disability"]
    missing = {text for text in set(recorded) if text is None or _placeholder(text)}
    hits = [i for i, text in enumerate(recorded) if text in missing]
    report.many(
        "warning",
        "disability_missing",
        hits,
        lambda i: _at(numbers[i], header, "disability is not recorded"),
    )


_LEAVING_CARE = ("leaving care", "care leaver", "16+", "16 plus", "aftercare", "after care")


def _warn_ages(
    values: dict[str, Sequence[object]],
    numbers: list[int],
    columns: dict[str, str],
    as_at: date,
    report: _Report,
) -> None:
    """Ages that do not fit the list: 18 or over on a children-in-care list, under 16 in a
    leaving-care team."""
    births = cast(list[date | None], values["date_of_birth"])
    ages = {b: _age(b, as_at) for b in set(births) if b is not None}
    header = columns["date_of_birth"]
    old = {b for b, age in ages.items() if age >= 18}
    adults = [i for i, b in enumerate(births) if b in old] if old else []

    def adult(i: int) -> _Said:
        born = format_date(births[i] or date.min)
        said = f"the child is 18 or over on the list's date (born {born}): check they belong here"
        return _at(numbers[i], header, said)

    report.many("warning", "aged_18_or_over", adults, adult)
    if "team" not in values:
        return
    teams = values["team"]
    leaving = {
        t
        for t in set(teams)
        if isinstance(t, str) and any(w in t.casefold() for w in _LEAVING_CARE)
    }
    young = [
        i
        for i, (b, t) in enumerate(zip(births, teams, strict=True))
        if t in leaving and b is not None and ages[b] < 16
    ]

    def too_young(i: int) -> _Said:
        said = (
            f"a child aged {ages[births[i] or date.min]} is in the leaving-care team '{teams[i]}'"
        )
        return _at(numbers[i], columns["team"], said)

    report.many("warning", "under_16_in_leaving_care", young, too_young)


def _age(born: date, as_at: date) -> int:
    return as_at.year - born.year - ((as_at.month, as_at.day) < (born.month, born.day))


# Two dates of one row that should not come in this order: (later, earlier, code, wording).
_ORDER_CHECKS = (
    (
        "last_review",
        "became_looked_after",
        "review_before_looked_after",
        "the last review ({}) is before the child became looked after ({}): "
        "check it belongs to this period of care",
    ),
    (
        "became_looked_after",
        "date_of_birth",
        "born_after_looked_after",
        "the child became looked after ({}) before the date of birth ({})",
    ),
)


def _dated_words(
    numbers: list[int], header: str, column: list[date | None], wording: str
) -> Callable[[int], _Said]:
    """Word a warning about one date only when it is going to be kept."""

    def word(i: int) -> _Said:
        return _at(numbers[i], header, wording.format(format_date(column[i] or date.min)))

    return word


def _warn_order(
    later: Sequence[object],
    earlier: Sequence[object],
    numbers: list[int],
    header: str,
    code: str,
    wording: str,
    report: _Report,
) -> None:
    """Warn where the `later` date comes before the `earlier` one in the same row."""
    late, early = cast(list[date], later), cast(list[date], earlier)
    wrong = [
        i
        for i, (one, other) in enumerate(zip(late, early, strict=True))
        if one is not None and other is not None and one < other
    ]

    def out_of_order(i: int) -> _Said:
        return _at(numbers[i], header, wording.format(format_date(late[i]), format_date(early[i])))

    report.many("warning", code, wrong, out_of_order)


def _quality(
    values: dict[str, Sequence[object]], columns: dict[str, str], total: int
) -> list[FieldQuality]:
    """Completeness of every field; placeholders such as 'Not known' count as missing."""
    quality = []
    for spec in FIELDS.values():
        column = values.get(spec.name, [])
        if spec.kind == "text" and spec.name != "case_ref":
            unfilled = [v for v in set(column) if v is None or _placeholder(v)]
        else:
            unfilled = [None]
        filled = len(column) - sum(column.count(v) for v in unfilled)
        derived = None
        if spec.name == "age_band" and "age_band" not in columns and "date_of_birth" in columns:
            derived = FIELDS["date_of_birth"].label
        percent = round(100 * filled / total, 1) if total else 0.0
        header = columns.get(spec.name)
        quality.append(FieldQuality(spec.name, spec.label, header, filled, total, percent, derived))
    return quality


def _placeholder(value: object) -> bool:
    return isinstance(value, str) and value.casefold() in PLACEHOLDERS


def _attributes(extra: dict[str, list[str]], count: int) -> Sequence[Mapping[str, str]]:
    """The columns no field uses, keyed by the file's heading, one dict per row (with no such
    column, every row shares one empty, read-only mapping rather than 100,000 empty dicts)."""
    if not extra:
        return [_NO_ATTRIBUTES] * count
    names = list(extra)
    return [dict(zip(names, cells, strict=True)) for cells in zip(*extra.values(), strict=True)]


_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})
_POSITION = {name: i for i, name in enumerate((*FIELDS, "attributes"))}

if tuple(f.name for f in dataclass_fields(CaseRow)) != (*FIELDS, "attributes"):  # pragma: no cover
    raise RuntimeError("FIELDS must list CaseRow's fields in CaseRow's order")
