"""Retake the README's two board-pack pictures from the demo, as LibreOffice renders the pack.

A fresh demo service in a temporary SQLite file; the partner board pack of its autumn round
(qa_toolkit.services.board_pack, as the findings page downloads it); `soffice --headless
--convert-to pdf`; `pdftoppm` for the pages. The first page and the page with the trend chart
("Since the last round") are saved as board-pack-1.png and board-pack-2.png in --out (the
README's docs/screenshots by default: `make screenshots` runs this). The annual report's
picture is taken by the browser journey tests/e2e/test_annual_report_journey.py.

    .venv/bin/python scripts/board_pack_screenshots.py [--out DIR] [--dpi 60]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = "IRO footprint audit, autumn"
TREND_PAGE_TEXT = "Since the last round"
TIMEOUT = 300


def pack_bytes(database_url: str) -> bytes:
    """The demo's partner board pack of the autumn round, as the findings page sends it."""
    from sqlalchemy import select

    from qa_toolkit import create_app
    from qa_toolkit.db import get_session
    from qa_toolkit.models import Organisation, Programme
    from qa_toolkit.services import board_pack, partner

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40})
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["demo", "seed"]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            raise SystemExit(f"qa-toolkit {' '.join(args)} failed: {result.output}")
    with app.app_context():
        session = get_session()
        programme = session.scalars(select(Programme).where(Programme.name == PROGRAMME)).one()
        organisation = session.get_one(Organisation, programme.organisation_id)
        rules = partner.rules(app.config)
        pack = board_pack.build(session, programme, "lscp", rules, date.today())
        return board_pack.document(pack, organisation.name, datetime.now(UTC))


def _run(command: list[str]) -> str:
    # The commands are fixed here: LibreOffice and poppler on paths this script made.
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed (exit {done.returncode}): {done.stderr}")
    return done.stdout


def pages(docx: Path, work: Path, dpi: int) -> list[tuple[Path, str]]:
    """Each page of the document as LibreOffice prints it: (PNG, its text)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice is not installed: run scripts/ensure-office")
    profile = work / "lo-profile"  # a private profile: a running LibreOffice is left alone
    _run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
          "--convert-to", "pdf", "--outdir", str(work), str(docx)])  # fmt: skip
    pdf = work / f"{docx.stem}.pdf"
    _run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(work / "page")])
    found = []
    for number, png in enumerate(sorted(work.glob("page-*.png")), start=1):
        text = _run(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"])
        found.append((png, text))
    return found


def retake(out: Path, dpi: int = 60) -> tuple[Path, Path]:
    """Write board-pack-1.png (the first page) and board-pack-2.png (the trend) into `out`."""
    with tempfile.TemporaryDirectory(prefix="qa-board-pack-") as scratch:
        work = Path(scratch)
        docx = work / "board-pack.docx"
        docx.write_bytes(pack_bytes(f"sqlite:///{work / 'demo.sqlite3'}"))
        rendered = pages(docx, work, dpi)
        trend = next((png for png, text in rendered if TREND_PAGE_TEXT in text), None)
        if trend is None:
            raise SystemExit(f"No page of the board pack says {TREND_PAGE_TEXT!r}.")
        out.mkdir(parents=True, exist_ok=True)
        first, second = out / "board-pack-1.png", out / "board-pack-2.png"
        shutil.copyfile(rendered[0][0], first)
        shutil.copyfile(trend, second)
    return first, second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args(argv)
    for path in retake(args.out, args.dpi):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
