"""Render a workbook or Word document as a reader would see it: LibreOffice converts it to PDF
(headless, in a private profile so parallel runs do not share one), poppler turns each PDF page
into a PNG and its text. Tests call `render` and then look at the pages, never at a stand-in."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOFFICE_TIMEOUT = 180


@dataclass(frozen=True)
class Rendered:
    """One document as LibreOffice printed it."""

    pdf: Path
    pages: list[Path]
    text: str

    @property
    def page_count(self) -> int:
        return len(self.pages)


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise RuntimeError("LibreOffice is not installed: run scripts/ensure-office")
    return found


@cache
def _profile() -> Path:
    """This process's LibreOffice profile: made by the first conversion, reused by the others
    (making one costs about a second each time), removed when the process ends. Each process
    (each xdist worker) has its own, so parallel runs never share one."""
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    atexit.register(shutil.rmtree, profile, ignore_errors=True)
    return profile


def to_pdfs(documents: list[Path], out_dir: Path) -> list[Path]:
    """Convert with one `soffice --headless --convert-to pdf` (one start of LibreOffice, a few
    seconds, for them all); fail loudly with what it printed."""
    completed = subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{_profile()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *(str(document) for document in documents),
        ],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT * len(documents),
        check=False,
    )
    pdfs = [out_dir / (document.stem + ".pdf") for document in documents]
    for document, pdf in zip(documents, pdfs, strict=True):
        if completed.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
            raise AssertionError(
                f"LibreOffice could not convert {document.name} "
                f"(exit {completed.returncode}): {completed.stdout} {completed.stderr}"
            )
    return pdfs


def to_pdf(document: Path, out_dir: Path) -> Path:
    """One document as PDF (see `to_pdfs`)."""
    return to_pdfs([document], out_dir)[0]


def render(document: Path, out_dir: Path, *, dpi: int = 60) -> Rendered:
    """The document as PDF, PNG pages (`pdftoppm`) and text (`pdftotext -layout`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return _pages_and_text(to_pdf(document, out_dir), dpi)


def render_all(documents: list[Path], out_dir: Path, *, dpi: int = 60) -> dict[Path, Rendered]:
    """Each document rendered as `render` does, LibreOffice started once for them all (their
    names must differ in more than the suffix: each PDF is named after its document's stem)."""
    assert len({document.stem for document in documents}) == len(documents), documents
    out_dir.mkdir(parents=True, exist_ok=True)
    pdfs = to_pdfs(documents, out_dir)
    return {doc: _pages_and_text(pdf, dpi) for doc, pdf in zip(documents, pdfs, strict=True)}


def _pages_and_text(pdf: Path, dpi: int) -> Rendered:
    folder = pdf.parent / f"{pdf.stem}-pages"  # Its own, so no other document's pages match.
    folder.mkdir()
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(folder / "page")],
        check=True,
        capture_output=True,
        timeout=SOFFICE_TIMEOUT,
    )
    pages = sorted(folder.glob("page-*.png"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
    ).stdout
    return Rendered(pdf=pdf, pages=pages, text=text)
