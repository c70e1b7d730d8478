"""The command line: import a case list and draw from it, reproducibly."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, Frame
from sampling.synthetic import generate


def _write_csv(path: Path, rows: int, duplicate: bool = False) -> None:
    from datetime import date

    service = generate(np.random.default_rng(5), date(2026, 3, 31), children=rows)
    lines = [["Child ID", "Team", "IRO", "Social worker", "Legal status", "DOB", "Next review due"]]
    for case in service.cases:
        dob = case.date_of_birth.strftime("%d/%m/%Y") if case.date_of_birth else ""
        due = case.next_review_due.isoformat() if case.next_review_due else ""
        lines.append(
            [case.case_ref, case.team or "", case.iro or "", case.social_worker or "",
             case.legal_status or "", dob, due]
        )  # fmt: skip
    if duplicate:
        lines.append(lines[1])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(lines)


def test_frame_import_rejects_then_imports_and_sample_draw_reproduces(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["orgs", "create", "Cli Borough"])
    runner.invoke(args=["templates", "publish", "--shipped"])
    bad = tmp_path / "bad.csv"
    _write_csv(bad, 300, duplicate=True)
    rejected = runner.invoke(args=["frame", "import", str(bad), "--as-at", "2026-03-31"])
    assert rejected.exit_code == 1
    assert "Nothing was imported" in rejected.output and "same case reference" in rejected.output
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(CaseRecord)) == 0

    good = tmp_path / "good.csv"
    _write_csv(good, 300)
    imported = runner.invoke(args=["frame", "import", str(good), "--as-at", "2026-03-31"])
    assert imported.exit_code == 0, imported.output
    assert "Imported 300 cases" in imported.output and "<- Child ID" in imported.output
    with app.app_context():
        frame_id = get_session().scalar(select(Frame.id))
    args = ["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
            "--n", "30", "--strata", "team", "--seed", "99"]  # fmt: skip
    first = runner.invoke(args=[*args, "--name", "one"])
    second = runner.invoke(args=[*args, "--name", "two"])
    assert first.exit_code == 0, first.output
    assert "Total" in first.output and "seed 99" in first.output

    def chosen(output: str) -> list[str]:
        return [
            line.split()[1] for line in output.splitlines() if line.strip().startswith("sample ")
        ]

    assert len(chosen(first.output)) == 30
    assert chosen(first.output) == chosen(second.output)
    dry = runner.invoke(args=[*args, "--name", "three", "--dry-run"])
    assert dry.exit_code == 0 and "Programme" not in dry.output


def test_the_recorded_draw_is_the_pure_draw_on_every_database(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """SQLite and PostgreSQL both store exactly what the pure functions choose for the seed."""
    from collections import Counter
    from datetime import date

    from sampling.allocation import Stratum, allocate
    from sampling.draw import draw

    runner.invoke(args=["orgs", "create", "Cli Borough"])
    runner.invoke(args=["templates", "publish", "--shipped"])
    good = tmp_path / "good.csv"
    _write_csv(good, 300)
    assert (
        runner.invoke(args=["frame", "import", str(good), "--as-at", "2026-03-31"]).exit_code == 0
    )
    with app.app_context():
        frame_id = get_session().scalar(select(Frame.id))
    result = runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--n", "30", "--strata", "team", "--seed", "424242", "--name", "pure"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stored = sorted(
        line.split()[1] for line in result.output.splitlines() if line.strip().startswith("sample ")
    )

    service = generate(np.random.default_rng(5), date(2026, 3, 31), children=300)
    units = [(case.case_ref, (case.team or "(not recorded)",)) for case in service.cases]
    sizes = Counter(key for _, key in units)
    allocation = allocate([Stratum(k, n) for k, n in sorted(sizes.items())], 30, "proportional")
    expected = sorted(case.case_ref for case in draw(units, allocation, 424242, 2).selected)
    assert stored == expected
