"""The case list as a sampling frame: our fields, column mapping, validation and a quality report.

An import is all or nothing (DOMAIN.md): any error leaves `FrameResult.rows` empty, so a
caller cannot store half a list by mistake. Warnings are listed and the import can go ahead.
Every message names the spreadsheet row and the file's own column heading, because the reader
is a manager with the file open in Excel, not a developer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from operator import attrgetter
from types import MappingProxyType
from typing import Any, cast

from sampling import codes903
from sampling.dates import DateProblem, parse_date
from sampling.fields import FIELDS, FieldSpec
from sampling.frame_mapping import AGE_BANDS, age_band_at, guess_mapping, normalise_header
from sampling.frame_report import PLACEHOLDERS, FieldQuality, Problem, Report, Said, at, placeholder
from sampling.frame_warnings import warn
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

_YES_NO = dict.fromkeys(("yes", "y", "true", "1"), True) | dict.fromkeys(
    ("no", "n", "false", "0"), False
)
_ROW_VALUES = attrgetter(*FIELDS)


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
        # Positions follow FIELDS, which sampling.fields checks against CaseRow.
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
        return _parse(table, mapping, as_at, Report(max_per_code))


def _parse(
    table: Table, mapping: Mapping[str, str | None], as_at: date, report: Report
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
    warn(values, numbers, columns, as_at, report)
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


def _resolve(
    headers: Sequence[str], mapping: Mapping[str, str | None], report: Report
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
    report: Report,
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

        def too_long(i: int) -> Said:
            said = f"this is {len(shown[i])} characters long; the most we can keep is {limit}"
            return at(numbers[i], header, said)

        report.many("error", "too_long", long, too_long)
    return texts


def _dates(
    cells: Sequence[CellValue], numbers: list[int], header: str, report: Report
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
        report.many("error", "bad_date", wrong, lambda i: at(numbers[i], header, str(parsed[i])))
        for index in wrong:
            parsed[index] = None
    return cast(list[date | None], parsed)


def _yes_no(
    cells: Sequence[CellValue], numbers: list[int], header: str, report: Report
) -> list[bool | None]:
    texts = {cell: cell_text(cell) for cell in set(cells)}
    answers = {cell: _YES_NO.get(text.lower()) for cell, text in texts.items()}
    unknown = [i for i, cell in enumerate(cells) if texts[cell] and answers[cell] is None]

    def not_yes_or_no(i: int) -> Said:
        said = f"'{texts[cells[i]][:40]}' is not yes or no, so it is left blank"
        return at(numbers[i], header, said)

    report.many("warning", "unknown_yes_no", unknown, not_yes_or_no)
    return [answers[cell] for cell in cells]


def _check_case_refs(
    refs: Sequence[object], numbers: list[int], header: str, report: Report
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

    def repeated(hit: tuple[int, int, object]) -> Said:
        first, again, ref = hit
        return again, header, f"rows {first} and {again} have the same case reference {ref}"

    report.many("error", "duplicate_case_ref", repeats, repeated, lambda hit: hit[0])


def _derive_bands(dates_of_birth: Sequence[object], as_at: date) -> list[object]:
    """Age bands at the list's date, for files that carry a date of birth but no band."""
    bands: dict[object, str | None] = {None: None}
    bands.update(
        (dob, age_band_at(dob, as_at)) for dob in set(dates_of_birth) if isinstance(dob, date)
    )
    return [bands[dob] for dob in dates_of_birth]


def _normalised(texts: Sequence[object], kind: str) -> list[object]:
    shown = {t: codes903.normalise(kind, t) if isinstance(t, str) else t for t in set(texts)}
    return [shown[t] for t in texts]


def _quality(
    values: dict[str, Sequence[object]], columns: dict[str, str], total: int
) -> list[FieldQuality]:
    """Completeness of every field; placeholders such as 'Not known' count as missing."""
    quality = []
    for spec in FIELDS.values():
        column = values.get(spec.name, [])
        if spec.kind == "text" and spec.name != "case_ref":
            unfilled = [v for v in set(column) if v is None or placeholder(v)]
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


def _attributes(extra: dict[str, list[str]], count: int) -> Sequence[Mapping[str, str]]:
    """The columns no field uses, keyed by the file's heading, one dict per row (with no such
    column, every row shares one empty, read-only mapping rather than 100,000 empty dicts)."""
    if not extra:
        return [_NO_ATTRIBUTES] * count
    names = list(extra)
    return [dict(zip(names, cells, strict=True)) for cells in zip(*extra.values(), strict=True)]


_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})
_POSITION = {name: i for i, name in enumerate((*FIELDS, "attributes"))}
