"""Shortfalls, more reserves and `sample verify` through the command line and the database."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import (
    CaseRecord,
    Frame,
    Organisation,
    Programme,
    SampleCase,
    TemplateVersion,
)
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import sample_record
from sampling.design import CategoryFilter, SampleDesign, SizeRule
from tests.support.databases import require_demo

KEY = "5e" * 32
HEADERS = ["Child ID", "Team", "Legal status"]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADERS, *rows])


def _sixty_list() -> list[list[str]]:
    """Team A 108 children, teams B, C and D 4 each; 3 of each small team marked C1 (to be
    audited in an earlier round), everyone else C2."""
    rows = [[f"A{i:03d}", "A", "C2"] for i in range(108)]
    for team in "BCD":
        rows += [[f"{team}{i:03d}", team, "C1" if i < 3 else "C2"] for i in range(4)]
    return rows


def _setup(app: Flask, runner: FlaskCliRunner, path: Path) -> int:
    assert runner.invoke(args=["orgs", "create", "Short Borough"]).exit_code == 0
    assert runner.invoke(args=["templates", "publish", "--shipped"]).exit_code == 0
    imported = runner.invoke(args=["frame", "import", str(path), "--as-at", "2026-03-31"])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        session = get_session()
        session.scalars(select(Organisation)).one().sampling_key = KEY
        session.commit()
        return int(session.scalars(select(Frame.id)).one())


def _earlier_round(app: Flask, frame_id: int, status: str, n: int) -> None:
    """A programme launched a month ago holding every child with this legal status."""
    with app.app_context():
        session = get_session()
        org = session.scalars(select(Organisation)).one()
        frame = session.get_one(Frame, frame_id)
        value = session.scalar(select(CaseRecord.legal_status).where(CaseRecord.case_ref == "B000"))
        assert value is not None and value.startswith(status)
        version = session.scalars(
            select(TemplateVersion).where(TemplateVersion.template_key == "iro_footprint")
        ).first()
        assert version is not None
        programme = programme_service.draw_programme(
            session, organisation_id=org.id, name="Earlier round", template_version=version,
            frame=frame, seed=1,
            design=SampleDesign(categories=(CategoryFilter("legal_status", (value,)),),
                                size=SizeRule(n=n), exclude_audited_months=None),
            due_date=None, exclude_own_team=False, created_by_id=None,
            today=datetime.now(UTC).date(),
        )  # fmt: skip
        programme.status = "launched"
        programme.launched_at = datetime.now(UTC) - timedelta(days=30)
        session.commit()


def test_asked_sixty_drew_fifty_seven_everywhere_it_is_shown(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    _write(path, _sixty_list())
    frame_id = _setup(app, runner, path)
    _earlier_round(app, frame_id, "C1", 9)
    result = runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--n", "60", "--strata", "team", "--seed", "4242", "--name", "Sixty"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # Counted by hand (tests/sampling/test_shortfall.py): A 54 of 54; B, C and D drawn whole
    # (2 + 2 reserves = all 4) with 3 of their 4 audited a month ago: 1 each. 54 + 3 = 57.
    said = (
        "Asked 60, drew 57: reserves ran out in 3 strata: "
        + "; ".join(
            f"Team: {t} (asked 2, drew 1: every one of its 4 cases was drawn (3 excluded, "
            "2 reserves), so no case is left to stand in)"
            for t in "BCD"
        )
        + "."
    )
    assert said in result.output
    assert "more-reserves" not in result.output  # Nothing is left to draw in B, C or D.
    with app.app_context():
        session = get_session()
        programme = session.scalars(select(Programme).where(Programme.name == "Sixty")).one()
        rows = list(
            session.scalars(select(SampleCase).where(SampleCase.programme_id == programme.id))
        )
        in_sample = [r for r in rows if r.status == "in_sample"]
        assert len(in_sample) == 57
        populations = {line["stratum"]: line["population"] for line in programme.allocation}
        # The weights of the drawn rows add up to each stratum's population.
        for stratum, population in populations.items():
            weights = [r.design_weight for r in in_sample if r.stratum == stratum]
            assert weights and sum(w or 0 for w in weights) == population
        lines = dict(sample_record.method_lines(session, programme, internal=True))
        assert lines["Files asked for and drawn"] == said
        assert lines["Reserves"] == "2 per stratum"
        assert lines["Exclusion window"].startswith("Cases audited by a programme launched in "
                                                    "the last 12 months")  # fmt: skip
        excluded = {k for k in lines if k.startswith("Excluded: ")}
        assert excluded == {f"Excluded: {t}00{i}" for t in "BCD" for i in range(3)}
        assert all("Earlier round" in lines[k] for k in excluded)
        assert "sample verify" in lines["Check it against a case list"]
        assert "--seed 4242" in lines["Reproduce the draw"]
        partner = dict(sample_record.method_lines(session, programme, internal=False))
        assert not any(k.startswith("Excluded: ") for k in partner)
        assert "Reproduce the draw" not in partner and "Filters (all settings)" not in partner
        assert KEY not in str(lines) and KEY not in str(partner)
        # The drawn allocation shows 1 drawn in B with weight 4, not the 2 asked.
        found = sample_record.outcome(session, programme)
        drawn = sample_record.allocation_as_drawn(found)
        assert ("Team: B", 4, 1, 0.25, 4.0) in drawn

    # The key is in no audit-log entry: its creation and change are logged as hidden.
    with app.app_context():
        from qa_toolkit.models import AuditEvent

        logged = [
            str(e.changes)
            for e in get_session().scalars(
                select(AuditEvent).where(AuditEvent.entity_type == "organisation")
            )
        ]
        assert logged and all(KEY not in text for text in logged)
        assert any("sampling_key" in text and "(hidden)" in text for text in logged)

    # The Method sheet's command draws the same sample again (under another name).
    import shlex

    command = shlex.split(lines["Reproduce the draw"])
    assert command[:3] == ["qa-toolkit", "sample", "draw"]
    again = runner.invoke(args=command[1:])
    assert again.exit_code == 0, again.output
    assert said in again.output

    def sample(output: str) -> list[str]:
        return sorted(line.split()[1] for line in output.splitlines() if "sample " in line[:10])

    assert sample(again.output) == sample(result.output) and len(sample(result.output)) == 57

    # The sample re-derives from the same list; one changed row is named.
    verified = runner.invoke(args=["sample", "verify", "Sixty", str(path)])
    assert verified.exit_code == 0, verified.output
    assert verified.output.strip() == "identical"
    changed = _sixty_list()
    changed[0][1] = "B"  # A000 moves to team B.
    other = tmp_path / "changed.csv"
    _write(other, changed)
    differs = runner.invoke(args=["sample", "verify", "Sixty", str(other)])
    assert differs.exit_code == 1
    assert "A000: team was 'A', is 'B'" in differs.output
    assert "stratum Team: A: stored 108 cases and 54 to audit" in differs.output


def test_more_reserves_fill_a_stratum_whose_reserves_ran_out(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    # One team of 40; 35 were audited a month ago, so only 5 can be audited now: exactly the 5
    # asked, whatever the random numbers, once enough reserves are drawn.
    rows = [[f"E{i:03d}", "E", "C1" if i < 35 else "C2"] for i in range(40)]
    rows[0][0] = "B000"  # _earlier_round checks the marked status on B000.
    path = tmp_path / "list.csv"
    _write(path, rows)
    frame_id = _setup(app, runner, path)
    _earlier_round(app, frame_id, "C1", 35)
    drawn = runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--n", "5", "--strata", "team", "--seed", "77", "--name", "Five"]
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    assert "its reserves ran out" in drawn.output and "sample more-reserves" in drawn.output
    more = runner.invoke(args=["sample", "more-reserves", "Five"])
    assert more.exit_code == 0, more.output
    assert "Now asked 5, drew 5." in more.output
    with app.app_context():
        session = get_session()
        programme = session.scalars(select(Programme).where(Programme.name == "Five")).one()
        chosen = session.scalars(
            select(CaseRecord.case_ref)
            .join(SampleCase, SampleCase.case_record_id == CaseRecord.id)
            .where(SampleCase.programme_id == programme.id, SampleCase.status == "in_sample")
        ).all()
        assert sorted(chosen) == [f"E{i:03d}" for i in range(35, 40)]
        weights = session.scalars(
            select(SampleCase.design_weight).where(
                SampleCase.programme_id == programme.id, SampleCase.status == "in_sample"
            )
        ).all()
        assert weights == [8.0] * 5  # 40 / 5
        assert "more drawn before launch in Team: E" in sample_record.reserves_text(
            SampleDesign.from_dict(programme.design), programme
        )
    # The extra reserves are part of the design: the sample still re-derives.
    verified = runner.invoke(args=["sample", "verify", "Five", str(path)])
    assert verified.output.strip() == "identical", verified.output
    again = runner.invoke(args=["sample", "more-reserves", "Five"])
    assert again.exit_code == 1 and "No stratum is short" in again.output


def test_verify_refuses_a_file_it_cannot_read(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    _write(path, _sixty_list())
    frame_id = _setup(app, runner, path)
    assert runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--n", "10", "--name", "Ten", "--seed", "3"]
    ).exit_code == 0  # fmt: skip
    broken = tmp_path / "broken.csv"
    broken.write_text("Team\nA\n", encoding="utf-8")
    refused = runner.invoke(args=["sample", "verify", "Ten", str(broken)])
    assert refused.exit_code == 1
    assert "broken.csv cannot be read as a case list" in refused.output
    missing = runner.invoke(args=["sample", "verify", "Ten", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1 and "There is no file" in missing.output


def _demo_csv(app: Flask, path: Path) -> None:
    """The demo's case list written out as a CSV file, one column per field, as it is stored."""
    from dataclasses import fields

    from qa_toolkit.services.frames import case_rows
    from sampling.records import CaseRow

    names = [f.name for f in fields(CaseRow) if f.name != "attributes"]
    with app.app_context():
        session = get_session()
        frame_id = session.scalars(select(Frame.id).order_by(Frame.id)).first()
        assert frame_id is not None
        rows = [row for _, row in case_rows(session, frame_id)]

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows([cell(getattr(row, name)) for name in names] for row in rows)


@pytest.mark.demo
def test_both_demo_rounds_verify_from_the_demo_case_list(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    require_demo(app)
    path = tmp_path / "demo.csv"
    _demo_csv(app, path)
    for name in ("IRO footprint audit, spring", "IRO footprint audit, autumn"):
        verified = runner.invoke(args=["sample", "verify", name, str(path)])
        assert verified.output.strip() == "identical", verified.output
        assert verified.exit_code == 0
    with app.app_context():
        session = get_session()
        spring, autumn = session.scalars(select(Programme).order_by(Programme.launched_at)).all()
        spring_refs = set(sample_record.sample_refs(session, spring.id))
        autumn_refs = set(sample_record.sample_refs(session, autumn.id))
        both = len(spring_refs & autumn_refs)
        assert len(spring_refs) == len(autumn_refs) == 40
        lines = dict(sample_record.method_lines(session, autumn, internal=True))
        children = "child is" if both == 1 else "children are"
        assert lines["Children also in the last round"] == (
            f"{both} {children} in both this sample and the last round's ({spring.name})."
        )
        assert "Children also in the last round" not in dict(
            sample_record.method_lines(session, spring, internal=True)
        )
    # One changed row of the list is reported, and the command fails.
    text = path.read_text(encoding="utf-8").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    team = header.index("team")
    first[team] = "Another team"
    path.write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n", encoding="utf-8")
    differs = runner.invoke(args=["sample", "verify", "IRO footprint audit, autumn", str(path)])
    assert differs.exit_code == 1
    assert f"{first[0]}: team was" in differs.output and "is 'Another team'" in differs.output


@pytest.mark.demo
def test_coordination_with_the_last_demo_round(app: Flask, runner: FlaskCliRunner) -> None:
    """Negative: none of the autumn round's children again; positive: all of them again."""
    require_demo(app)
    with app.app_context():
        session = get_session()
        autumn = session.scalars(select(Programme).order_by(Programme.launched_at.desc())).first()
        assert autumn is not None
        autumn_id, frame_id = autumn.id, autumn.frame_id
        autumn_refs = sample_record.sample_refs(session, autumn_id)
    base = ["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint", "--n",
            "40", "--strata", "team", "--seed", "5", "--exclude-audited-months", "0",
            "--coordinate-with", str(autumn_id)]  # fmt: skip
    avoided = runner.invoke(args=[*base, "--coordination", "negative", "--name", "Avoid"])
    again = runner.invoke(args=[*base, "--coordination", "positive", "--name", "Again"])
    assert avoided.exit_code == 0 and again.exit_code == 0, avoided.output + again.output
    with app.app_context():
        session = get_session()
        found = {
            p.name: p
            for p in session.scalars(
                select(Programme).where(Programme.name.in_(["Avoid", "Again"]))
            )
        }
        assert not sample_record.sample_refs(session, found["Avoid"].id) & autumn_refs
        # The same list and allocation: re-auditing first gives the autumn sample exactly.
        assert sample_record.sample_refs(session, found["Again"].id) == autumn_refs
        lines = dict(sample_record.method_lines(session, found["Avoid"], internal=True))
        assert lines["Coordination with an earlier round"].startswith("Negative: children audited")
        assert lines["Children also in the last round"] == (
            f"0 children are in both this sample and the last round's ({autumn.name})."
        )
        positive = dict(sample_record.method_lines(session, found["Again"], internal=True))
        assert positive["Children also in the last round"].startswith("40 children are in both")
        drawn_only = found["Avoid"].id
    # A round still being drawn can change: coordinating with it is refused, nothing drawn.
    base[-1] = str(drawn_only)
    refused = runner.invoke(args=[*base, "--coordination", "negative", "--name", "Refused"])
    assert refused.exit_code == 1 and "'Avoid' has not been launched" in refused.output
    with app.app_context():
        assert get_session().scalar(select(Programme.id).where(Programme.name == "Refused")) is None


def test_a_sample_drawn_with_the_earlier_numbers_still_verifies(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    from sampling.allocation import Stratum, allocate
    from sampling.draw import draw

    path = tmp_path / "list.csv"
    _write(path, _sixty_list())
    frame_id = _setup(app, runner, path)
    drawn = runner.invoke(
        args=["sample", "draw", "--frame", str(frame_id), "--template", "iro_footprint",
              "--n", "12", "--name", "Old way", "--seed", "8", "--numbers", "seeded"]
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    # The earlier scheme: numpy's generator along the sorted list, no key.
    refs = [row[0] for row in _sixty_list()]
    expected = draw([(r, ()) for r in refs], allocate([Stratum((), 120)], 12, "equal"), 8)
    shown = sorted(line.split()[1] for line in drawn.output.splitlines() if "sample " in line[:10])
    assert shown == sorted(expected.case_refs())
    verified = runner.invoke(args=["sample", "verify", "Old way", str(path)])
    assert verified.output.strip() == "identical", verified.output
    with app.app_context():
        session = get_session()
        programme = session.scalars(select(Programme).where(Programme.name == "Old way")).one()
        lines = dict(sample_record.method_lines(session, programme, internal=True))
        assert lines["Random numbers"].startswith("From the seed")
        assert lines["Sampling key fingerprint"] == "Not used"
        assert "--numbers seeded" in lines["Reproduce the draw"]
