"""A killed export leaves nothing in the target folder: the file has no name until it is whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

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
