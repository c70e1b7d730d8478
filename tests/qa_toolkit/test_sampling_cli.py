"""The command line: import a case list and draw from it, reproducibly."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, Frame, Organisation
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
        # The organisation's own key: each child's number is its permanent random number.
        key = get_session().scalar(select(Organisation.sampling_key))
    assert key is not None
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
    expected = sorted(c.case_ref for c in draw(units, allocation, 424242, 2, key=key).selected)
    assert stored == expected


def _imported(app: Flask, runner: FlaskCliRunner, tmp_path: Path, rows: int) -> tuple[int, Path]:
    runner.invoke(args=["orgs", "create", "Cli Borough"])
    runner.invoke(args=["templates", "publish", "--shipped"])
    path = tmp_path / "list.csv"
    _write_csv(path, rows)
    result = runner.invoke(args=["frame", "import", str(path), "--as-at", "2026-03-31"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        frame_id = get_session().scalar(select(Frame.id))
    assert frame_id is not None
    return frame_id, path


def _total(output: str) -> tuple[int, int]:
    """(N, n) from the allocation table's Total line."""
    line = next(line for line in output.splitlines() if line.startswith("Total"))
    population, sample = line.split()[1:3]
    return int(population), int(sample)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_discovery_sample_from_a_frame_of_500_is_56(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """The issue's hand-worked figures: 0 failures, 5% tolerable, 95% confidence: 59 from an
    unlimited population, 56 from a frame of 500 (hypergeometric, with the frame's size)."""
    frame_id, _ = _imported(app, runner, tmp_path, 500)
    result = runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--name", "discovery", "--discovery", "5%", "--confidence", "95", "--dry-run"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _total(result.output) == (500, 56)


def test_filters_and_date_ranges_keep_exactly_the_cases_they_name(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    from datetime import date

    from sampling.codes903 import normalise

    frame_id, path = _imported(app, runner, tmp_path, 400)
    rows = _rows(path)
    for row in rows:  # stored as the 903 code plus words, whatever the export wrote
        row["Legal status"] = normalise("LS", row["Legal status"]) or ""
    statuses = sorted({r["Legal status"] for r in rows if r["Legal status"]})
    assert len(statuses) >= 2
    kept_statuses = statuses[:2]
    start, end = date(2026, 4, 1), date(2026, 9, 30)

    def due(row: dict[str, str]) -> date | None:
        return date.fromisoformat(row["Next review due"]) if row["Next review due"] else None

    expected = [
        r
        for r in rows
        if r["Legal status"] in kept_statuses and (d := due(r)) is not None and start <= d <= end
    ]
    assert 0 < len(expected) < len(rows)
    result = runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--name", "filtered", "--n", "10", "--seed", "7",
              "--filter", f"legal_status={kept_statuses[0]}",
              "--filter", f"legal_status={kept_statuses[1]}",
              "--between", f"next_review_due={start}..{end}"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _total(result.output) == (len(expected), 10)
    chosen = {
        line.split()[1] for line in result.output.splitlines() if line.strip().startswith("sample ")
    }
    assert len(chosen) == 10 and chosen <= {r["Child ID"] for r in expected}


def test_neyman_with_a_stratum_s_expected_compliance_and_the_programme_s_options(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """Two legal statuses given 50% and 95%: Neyman's shares are N_h * sqrt(p(1 - p)), so the
    50% stratum gets more than its proportional share and the 95% one less."""
    from collections import Counter

    from qa_toolkit.models import Programme
    from sampling.codes903 import normalise

    frame_id, path = _imported(app, runner, tmp_path, 400)
    # Stored as the 903 code plus words ("C2: Full care order"), whatever the export wrote.
    counts = Counter(normalise("LS", r["Legal status"]) or "(not recorded)" for r in _rows(path))
    (first, _), (second, _) = counts.most_common(2)
    args = ["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
            "--n", "60", "--strata", "legal_status", "--minimum", "0"]  # fmt: skip

    def shares(output: str) -> dict[str, int]:
        found = {}
        for line in output.splitlines():
            for status in (first, second):
                # The table cuts a stratum's name at 60 characters.
                if line.startswith(f"Legal status: {status} "[:60]):
                    found[status] = int(line.split()[-3])
        return found

    proportional = runner.invoke(args=[*args, "--name", "p", "--dry-run"])
    neyman = runner.invoke(
        args=[*args, "--name", "neyman", "--allocation", "neyman", "--seed", "3",
              "--stratum-expected", f"{first}: 50%", "--stratum-expected", f"{second}: 95%",
              "--due", "2026-06-30", "--exclude-own-team", "--exclude-audited-months", "0"]
    )  # fmt: skip
    assert proportional.exit_code == 0 and neyman.exit_code == 0, neyman.output
    before, after = shares(proportional.output), shares(neyman.output)
    assert set(before) == set(after) == {first, second}
    assert after[first] > before[first] and after[second] < before[second]
    with app.app_context():
        programme = get_session().scalar(select(Programme).where(Programme.name == "neyman"))
        assert programme is not None
        assert str(programme.due_date) == "2026-06-30" and programme.exclude_own_team
        given = {tuple(e["key"]): e["expected"] for e in programme.design["stratum_expected"]}
        assert given == {(first,): 0.5, (second,): 0.95}
        assert programme.design["exclude_audited_months"] is None


def test_a_design_the_cli_cannot_use_is_refused_in_words_and_nothing_is_drawn(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    from qa_toolkit.models import Programme

    frame_id, _ = _imported(app, runner, tmp_path, 100)
    base = ["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
            "--name", "bad"]  # fmt: skip
    cases = [
        (["--n", "10", "--margin", "5%"], "you gave --n and --margin"),
        ([], "Give the sample size one way"),
        (["--n", "10", "--filter", "favourite_colour=blue"], "cannot be filtered on"),
        (["--n", "10", "--filter", "team"], "is not FIELD=VALUE"),
        (["--n", "10", "--between", "last_review=31/03/2026..2026-04-30"], "YYYY-MM-DD"),
        (["--n", "10", "--between", "team=2026-01-01..2026-02-01"], "is not a date field"),
        (["--margin", "half"], "must be a percentage"),
        (["--n", "10", "--stratum-expected", "North: 50%"], "neyman only"),
        (["--n", "10", "--strata", "team", "--allocation", "neyman",
          "--stratum-expected", "Atlantis: 50%"], "There is no stratum 'Atlantis'"),
    ]  # fmt: skip
    for extra, words in cases:
        result = runner.invoke(args=[*base, *extra])
        assert result.exit_code != 0, extra
        assert words in result.output, (extra, result.output)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Programme)) == 0


def test_a_large_import_reports_its_progress_batch_by_batch(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """25,000 rows are stored in three batches (10,000, 10,000, 5,000), each reported as it
    goes in; the CLI shows the bar and the count, and every row is there."""
    from datetime import date

    from qa_toolkit.db import writing
    from qa_toolkit.services import frames
    from qa_toolkit.services.organisations import get_or_create_organisation

    text = "Child ID,Team,Legal status\n" + "".join(
        f"C{i:06d},Team {i % 7},C2\n" for i in range(25_000)
    )
    with app.app_context(), writing():
        session = get_session()
        organisation, _ = get_or_create_organisation(session, "Progress Borough")
        session.commit()
        table = frames.read(text.encode(), "big.csv")
        reported: list[int] = []
        frames.import_table(
            session, organisation, table, frames.initial_mapping(table, None),
            as_at=date(2026, 3, 31), label="", filename="big.csv", user_id=None,
            progress=reported.append,
        )  # fmt: skip
        session.rollback()
    assert reported == [10_000, 10_000, 5_000]

    path = tmp_path / "big.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(
        args=["frame", "import", str(path), "--org", "Progress Borough", "--as-at", "2026-03-31"]
    )
    assert result.exit_code == 0, result.output
    assert "Checking 25,000 rows" in result.output and "Storing" in result.output
    assert "Imported 25000 cases" in result.output
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(CaseRecord)) == 25_000
