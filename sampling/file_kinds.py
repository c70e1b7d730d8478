"""What kind of file an upload is, told by its content: refusals of what is no case list, the
text's encoding and the CSV's delimiter. Every refusal is a `TableProblem` (sampling.tables
re-exports it) whose message tells a manager what to do next."""

from __future__ import annotations

import codecs
import csv
import io

from problems import Problem

_SNIFF_BYTES = 64 * 1024
_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Control bytes no text export contains (tab, line ends, form feed and DOS's end-of-file allowed).
_BINARY_BYTES = frozenset(range(0x00, 0x09)) | (frozenset(range(0x0E, 0x20)) - {0x1A})


class TableProblem(Problem):
    """The file as a whole cannot be read as a case list; the message says what to do."""


def refuse_other_binaries(raw: bytes, name: str) -> None:
    if raw.startswith(_OLE2):
        raise TableProblem(
            f"{name} looks like an old Excel .xls file (or a workbook with a password): "
            "save it as .xlsx or CSV, without a password"
        )
    if raw.startswith(b"%PDF"):
        raise TableProblem(f"{name} is a PDF: export the case list as CSV or .xlsx instead")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text (Excel's "Unicode text"): NUL bytes are expected.
    head = raw[:8192]
    if any(byte in _BINARY_BYTES for byte in head):
        raise TableProblem(
            f"{name} is not a CSV or Excel file: export the case list as CSV or .xlsx"
        )
    # A NUL byte further in (a damaged export) can be stored by no database: name its line.
    nul = raw.find(b"\x00", len(head))
    if nul != -1:
        line = raw.count(b"\n", 0, nul) + 1
        raise TableProblem(
            f"{name} has a damaged character (a zero byte) on line {line}: export the case "
            "list again, or open it in Excel and save it as CSV"
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if start.startswith((b"<", b"{", b"[")) and (b"<" in start or b":" in start):
        raise TableProblem(
            f"{name} looks like a web page or data file, not a spreadsheet: "
            "open it in Excel and save it as .xlsx or CSV"
        )


def encoding_of(raw: bytes, name: str) -> str:
    """UTF-8 (with or without a byte order mark), UTF-16 with one, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp1252")
    for encoding in candidates:
        if decodes(raw, encoding):
            return encoding
    raise TableProblem(
        f"{name} is not text in a form we can read: save it from Excel as 'CSV UTF-8' or .xlsx"
    )


def decodes(raw: bytes, encoding: str) -> bool:
    """Check the whole file decodes, a megabyte at a time, without holding it all as text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(raw: bytes, encoding: str) -> str:
    """Choose the delimiter that splits the first lines into the most, and most regular, columns."""
    sample = raw[:_SNIFF_BYTES].decode(encoding, errors="ignore")
    if len(raw) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        if not records:
            continue
        widths = [len(r) for r in records[:200]]
        header_width = widths[0]
        if header_width < 2:
            continue
        regular = sum(1 for w in widths if w == header_width) / len(widths)
        score = (regular, header_width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
