"""Shared helpers for the benchmarks: timing, peak memory, results.json, the table, the machine.

A benchmark measures the toolkit's path and a floor (the least work that does the same job)
side by side in the same run, several times, and reports the medians and their ratio. Machines
are noisy, so the ratio is the figure that matters; the absolute times are printed beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results.json"
CACHE_DIR = Path(tempfile.gettempdir()) / "qa-toolkit-bench"
# Databases the benchmarks create and drop on a PostgreSQL server; never the tests' `test`.
PG_BENCH_DB = "qa_bench"
PG_FLOOR_DB = "qa_bench_floor"
PG_TEMPLATE_DB = "qa_bench_template"
_FORBIDDEN_DATABASES = frozenset({"test", "postgres", "template0", "template1"})

T = TypeVar("T")


# Timing ------------------------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run fn once after a full garbage collection; its wall time in seconds and its result."""
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def best_of(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    """The fastest of `runs` runs (for work of a few milliseconds, where a busy neighbour
    on the machine can double one run): its time and the last result."""
    times: list[float] = []
    value: T | None = None
    for _ in range(max(1, runs)):
        seconds, value = timed(fn)
        times.append(seconds)
    assert value is not None
    return min(times), value


def median(samples: Sequence[float]) -> float:
    return float(statistics.median(samples))


def spread(samples: Sequence[float]) -> str:
    """min-max of the samples, for the log line of each repeat."""
    return f"{min(samples):.3f}-{max(samples):.3f} s"


# Memory ------------------------------------------------------------------------------------


def rss_peak_mb() -> float:
    """Peak resident set size of this process so far.

    On Linux this is VmHWM, the high-water mark of this process's own memory. Not ru_maxrss:
    Linux carries the peak of the pre-exec image into it, and a child started by subprocess
    (vfork, then exec) would report its parent's peak whenever that is the larger (seen: a
    child whose own peak was 247 MB reported 317 MB, its parent's).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def rss_now_mb() -> float:
    """Resident set size right now (from /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return rss_peak_mb()


def run_child(module: str, args: Sequence[str]) -> dict[str, Any]:
    """Run `python -m module args` from the project root; the child prints one JSON object
    as its last line of output, which is returned, with `children_peak_mb` added: the parent's
    view of the child's peak RSS (ru_maxrss of RUSAGE_CHILDREN, the largest child so far)."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise RuntimeError(f"the child {module} {' '.join(args)} failed")
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    report: dict[str, Any] = json.loads(lines[-1])
    kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report["children_peak_mb"] = kib / 1024
    return report


def child_report(**figures: Any) -> None:
    """What a child prints last: its figures plus its own peak RSS."""
    print(json.dumps({**figures, "peak_mb": rss_peak_mb()}))


# Results -----------------------------------------------------------------------------------


@dataclass
class Result:
    """One benchmark's figures; `met` is decided by the script (some targets have two parts).

    `pairs` holds each repeat's toolkit / floor ratio. Every repeat runs the floor and the
    toolkit back to back, so a busy spell on a shared machine slows both sides of one pair;
    the median of those paired ratios is the reported ratio. The ratio of the two medians is
    kept beside it (`ratio_of_medians`): it can pair a fast floor run with a slow toolkit run.
    """

    name: str
    toolkit_s: float
    floor_s: float
    target: float | None  # None: no ratio target (the serving benchmark's is a p95 in seconds)
    met: bool
    peak_mb: float | None
    pairs: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio_of_medians(self) -> float:
        return self.toolkit_s / self.floor_s if self.floor_s > 0 else float("inf")

    @property
    def ratio(self) -> float:
        return median(self.pairs) if self.pairs else self.ratio_of_medians

    def as_json(self) -> dict[str, Any]:
        return {
            "ratio": round(self.ratio, 3),
            "target": self.target,
            "met": self.met,
            "toolkit_s": round(self.toolkit_s, 4),
            "floor_s": round(self.floor_s, 4),
            "peak_mb": None if self.peak_mb is None else round(self.peak_mb, 1),
            "ratio_of_medians": round(self.ratio_of_medians, 3),
            **self.extra,
        }


def paired_ratios(toolkit: Sequence[float], floor: Sequence[float]) -> list[float]:
    return [t / f for t, f in zip(toolkit, floor, strict=True) if f > 0]


def write_results(results: Sequence[Result], path: Path = RESULTS) -> None:
    """Merge these results into results.json, keyed by benchmark name (others are kept)."""
    merged: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        if isinstance(loaded, dict):
            merged.update(loaded)
    for result in results:
        merged[result.name] = result.as_json()
    text = json.dumps(dict(sorted(merged.items())), indent=2) + "\n"
    partial = path.with_suffix(".json.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def target_text(result: Result) -> str:
    """'<= 3x', '<= 3x, < 2 s' or, with no ratio target, '< 0.3 s'."""
    parts = [] if result.target is None else [f"<= {result.target:g}x"]
    if "target_s" in result.extra:
        parts.append(f"< {result.extra['target_s']:g} s")
    return ", ".join(parts) or "-"


def print_table(results: Sequence[Result], notes: Sequence[str] = ()) -> None:
    headers = ("benchmark", "toolkit s", "floor s", "ratio", "target", "met", "peak MB")
    rows = [
        (
            r.name,
            f"{r.toolkit_s:.3f}",
            f"{r.floor_s:.3f}",
            f"{r.ratio:.2f}x",
            target_text(r),
            "yes" if r.met else "NO",
            "-" if r.peak_mb is None else f"{r.peak_mb:.0f}",
        )
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print()
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for note in notes:
        print(note)


# The machine -------------------------------------------------------------------------------


def machine() -> str:
    """nproc, memory, Python, SQLite: the line printed under every table."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = "?"
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    load = "?"
    if hasattr(os, "getloadavg"):
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"machine: nproc {cpus}, memory {memory}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.machine()}, "
        f"load average {load} (1/5/15 min) at the end"
    )


# PostgreSQL --------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def _libpq_url(url: str, database: str | None = None) -> str:
    """A plain postgresql:// URL for psycopg (no SQLAlchemy driver suffix), optionally with
    another database name."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def sqlalchemy_url(url: str, database: str | None = None) -> str:
    """The URL the toolkit is given: psycopg 3 for PostgreSQL, as its config would choose."""
    return "postgresql+psycopg://" + _libpq_url(url, database).removeprefix("postgresql://")


def psycopg_url(url: str, database: str | None = None) -> str:
    return _libpq_url(url, database)


def _check_name(url: str, name: str) -> None:
    from sqlalchemy.engine import make_url

    if name in _FORBIDDEN_DATABASES or name == make_url(url).database:
        raise ValueError(f"refusing to create or drop the database {name!r}")


def pg_create(url: str, name: str, template: str | None = None) -> str:
    """(Re)create a throwaway database on the server `url` points at; its psycopg URL."""
    import psycopg
    from psycopg import sql

    _check_name(url, name)
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if template is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    return psycopg_url(url, name)


def pg_drop(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    _check_name(url, name)
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(psycopg_url(url)) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


# Shared by the scripts ---------------------------------------------------------------------


def profile_report(profiler: cProfile.Profile, *, below: int = 25, own: int = 15) -> str:
    """A profile as text: the functions with the most time below them, then of their own."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(below)
    stats.sort_stats("tottime").print_stats(own)
    return out.getvalue()


def add_report_args(parser: argparse.ArgumentParser) -> None:
    """--profile, --no-profile and --results, as every script with a target takes them."""
    parser.add_argument("--profile", action="store_true", help="profile even if the target is met")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--results", type=Path, default=RESULTS, help="results file")


def add_programme_args(parser: argparse.ArgumentParser, repeats: int = 5) -> None:
    """The options of the scripts built on bench.programme_data (size, repeats, database)."""
    parser.add_argument("--audits", type=int, default=5_000, help="finalised audits")
    parser.add_argument("--repeats", type=int, default=repeats, help="timed repeats (median kept)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="run on PostgreSQL (TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1/test)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server URL to create a database on")
