"""The region-scale benchmark's data (bench/region_data.py) for tests that compare a page at two
sizes: each size built once per test process and copied for each test file that asks (building
the 1,000-row region is most of a statement-count test's time; two files ask for the same two)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from bench import region_data


@cache
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="qa-test-regions-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@cache
def _built(rows: int) -> tuple[Path, region_data.Region]:
    path = _folder() / f"region-{rows}.sqlite3"
    region = region_data.build(f"sqlite:///{path}", region_data.Sizes.each(rows), log=False)
    return path, region


def copy(rows: int, target: Path) -> region_data.Region:
    """A region of `rows` of each list in the SQLite file `target` (a copy of this process's
    one), with the ids of what it holds."""
    source, region = _built(rows)
    shutil.copy(source, target)
    return region
