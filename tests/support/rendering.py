"""Render a workbook or Word document as a reader would see it: LibreOffice converts it to PDF
(headless, in a private profile so parallel runs do not share one), poppler turns each PDF page
into a PNG and its text. Tests call `render` and then look at the pages, never at a stand-in."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
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


def to_pdf(document: Path, out_dir: Path) -> Path:
    """Convert with `soffice --headless --convert-to pdf`; fail loudly with what it printed."""
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        completed = subprocess.run(
            [
                _soffice(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(document),
            ],
            capture_output=True,
            text=True,
            timeout=SOFFICE_TIMEOUT,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = out_dir / (document.stem + ".pdf")
    if completed.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        raise AssertionError(
            f"LibreOffice could not convert {document.name} "
            f"(exit {completed.returncode}): {completed.stdout} {completed.stderr}"
        )
    return pdf


def render(document: Path, out_dir: Path, *, dpi: int = 60) -> Rendered:
    """The document as PDF, PNG pages (`pdftoppm`) and text (`pdftotext -layout`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = to_pdf(document, out_dir)
    prefix = out_dir / document.stem
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=SOFFICE_TIMEOUT,
    )
    pages = sorted(out_dir.glob(f"{document.stem}-*.png"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
    ).stdout
    return Rendered(pdf=pdf, pages=pages, text=text)
