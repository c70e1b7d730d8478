"""scripts/board_pack_screenshots.py: the README's board-pack pictures, retaken from the demo
through LibreOffice and poppler, into the folder asked for (a test never writes the README's)."""

from __future__ import annotations

import hashlib
import importlib.util
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "board_pack_screenshots.py"
TRACKED = ROOT / "docs" / "screenshots"


def _digests() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in TRACKED.glob("*.png")}


def test_the_first_page_and_the_trend_page_are_drawn_from_the_demo(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("board_pack_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    before = _digests()
    first, second = script.retake(tmp_path / "shots", dpi=30)
    assert _digests() == before  # the tracked pictures are untouched
    for png in (first, second):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert 200 < width < height  # an A4 page, upright, at 30 dpi about 248 by 351
    assert first.read_bytes() != second.read_bytes()  # the trend is not on the first page
