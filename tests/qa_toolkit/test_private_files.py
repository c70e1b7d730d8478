"""The one file writer: a killed, terminated or failing write leaves nothing behind, and the
file appears whole, readable by its owner only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qa_toolkit.private_files import complete_or_nothing

CHILD = """
import sys, time
from pathlib import Path
from qa_toolkit.private_files import complete_or_nothing
with complete_or_nothing(Path(sys.argv[1])) as temporary:
    with open(temporary, "wb") as handle:
        handle.write(b"internal workbook with case references " * 10000)
        handle.flush()
    print("written", flush=True)
    time.sleep(60)
"""


def test_a_process_killed_mid_write_leaves_nothing_in_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "findings.xlsx"
    with subprocess.Popen(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "written"
        assert os.listdir(tmp_path) == [], "a half-written file is visible while it is written"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert os.listdir(tmp_path) == [], "the killed export left a file behind"


def test_a_finished_write_replaces_the_target_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "findings.xlsx"
    target.write_bytes(b"old")
    with complete_or_nothing(target) as temporary, open(temporary, "wb") as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["findings.xlsx"]
    assert target.stat().st_mode & 0o077 == 0


NAMED_CHILD = """
import sys, time
from pathlib import Path
from qa_toolkit.private_files import complete_or_nothing
with complete_or_nothing(Path(sys.argv[1]), named=True) as temporary:
    temporary.write_bytes(b"backup with children's records " * 10000)
    print("written", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("named", [False, True])
def test_an_error_mid_write_leaves_nothing_and_keeps_the_old_file(
    tmp_path: Path, named: bool
) -> None:
    target = tmp_path / "board-pack.docx"
    target.write_bytes(b"old")
    with (
        pytest.raises(RuntimeError, match="disk full"),
        complete_or_nothing(target, named=named) as temporary,
    ):
        temporary.write_bytes(b"half a pack")
        raise RuntimeError("disk full")
    assert os.listdir(tmp_path) == ["board-pack.docx"] and target.read_bytes() == b"old"


def test_a_named_file_is_private_while_written_and_removed_when_terminated(
    tmp_path: Path,
) -> None:
    target = tmp_path / "backup.sqlite3"
    with subprocess.Popen(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", NAMED_CHILD, str(target)], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "written"
        (partial,) = tmp_path.iterdir()
        assert partial.name.startswith(".") and partial.stat().st_mode & 0o077 == 0
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=10) == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == [], "the terminated write left a file behind"


def test_no_other_module_renames_temporary_files_into_place() -> None:
    """Every command and service that writes a file does it through complete_or_nothing."""
    root = Path(__file__).resolve().parents[2] / "qa_toolkit"
    home = root / "private_files.py"
    copies = [
        f"{path.relative_to(root)}: {word}"
        for path in root.rglob("*.py")
        if path != home and "migrations" not in path.parts
        for word in ("mkstemp", "os.replace", "O_TMPFILE", "NamedTemporaryFile", ".rename(")
        if word in path.read_text(encoding="utf-8")
    ]
    assert copies == []
