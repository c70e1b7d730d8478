"""`frame import` on an SSDA903 return and on a messy export whose names are spelled
differently from the service's records; the timeliness summary it prints."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, CaseReview, Frame, NameAlias, Organisation, Staff, Team
from tests.sampling import ssda903_files as files


def _count(model: type) -> int:
    return int(get_session().scalar(select(func.count()).select_from(model)) or 0)


def test_an_ssda903_return_imports_with_its_review_history(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["orgs", "create", "Return Borough"])
    paths = [str(p) for p in files.write(tmp_path)]
    result = runner.invoke(args=["frame", "import", *paths, "--as-at", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert "Imported 200 cases" in result.output
    # Worked by hand in tests/sampling/ssda903_files.py.
    assert (
        "Reviews on 31 March 2026: 100 within timescale, 50 overdue (the longest by 51 days), "
        "0 due in the next 28 days, 50 with no review yet."
    ) in result.output
    assert "350 reviews held, 250 on time." in result.output
    with app.app_context():
        session = get_session()
        frame = session.scalars(select(Frame)).one()
        assert frame.source == "ssda903" and frame.census is not None
        statuses = dict(
            session.execute(
                select(CaseRecord.review_status, func.count()).group_by(CaseRecord.review_status)
            ).all()
        )
        assert statuses == {"in_timescale": 100, "overdue": 50, "no_review_yet": 50}
        # The review history as a report reads it: participation by PN code.
        participation = dict(
            session.execute(
                select(CaseReview.participation, func.count()).group_by(CaseReview.participation)
            ).all()
        )
        assert participation == files.PARTICIPATION
        assert _count(CaseReview) == 350
        late = session.scalar(
            select(func.count()).select_from(CaseReview).where(CaseReview.on_time.is_(False))
        )
        assert late == 100
        # Nothing identifying beyond the child's ID is stored: no UPN or postcodes.
        attributes = session.scalars(select(CaseRecord.attributes)).all()
        assert not any("A0000" in str(a) or "AB1" in str(a) for a in attributes)


def test_an_unusable_return_is_refused_and_nothing_is_stored(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["orgs", "create", "Return Borough"])
    header, episodes, reviews = files.write(tmp_path)
    episodes.write_text(episodes.read_text().replace("C0000,01/09/2025,L", "C0000,31/08/2025,L", 1))
    result = runner.invoke(
        args=["frame", "import", str(header), str(episodes), str(reviews), "--as-at", "2026-03-31"]
    )
    assert result.exit_code == 1
    assert (
        "episodes.csv, row 3, column 'DECOM': child C0000's episode starting 31 Aug 2025 "
        "overlaps the episode on row 2"
    ) in result.output
    with app.app_context():
        assert (_count(Frame), _count(CaseRecord), _count(CaseReview)) == (0, 0, 0)


MESSY = (
    "Child ID,Allocated team,Allocated IRO,Allocated worker,Date Became LAC,Last CLA review\n"
    'L1,CiC Team North,"ZIELINSKA, Elin",tom okafor,01/09/2024,20/01/2026\n'
    "L2,CiC Team North,E. Zielinska,Tom Okafor,01/09/2024,20/06/2025\n"
    "L3,Children in Care North,Elin Zielinska,TOM OKAFOR,02/03/2026,\n"
)


def _service(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        org = session.scalars(select(Organisation)).one()
        team = Team(organisation_id=org.id, name="Children in Care North")
        session.add(team)
        session.flush()
        session.add_all(
            [
                Staff(organisation_id=org.id, name="Elin Zielinska", staff_role="iro"),
                Staff(
                    organisation_id=org.id,
                    name="Tom Okafor",
                    staff_role="social_worker",
                    team_id=team.id,
                ),
            ]
        )
        session.commit()


def test_a_messy_export_needs_the_matches_confirmed_once(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["orgs", "create", "Messy Borough"])
    _service(app)
    path = tmp_path / "lcs.csv"
    path.write_text(MESSY, encoding="cp1252")
    base = ["frame", "import", str(path), "--as-at", "2026-03-31"]

    refused = runner.invoke(args=base)
    assert refused.exit_code == 1
    assert "IRO 'ZIELINSKA, Elin' looks like (surname first) 'Elin Zielinska'" in refused.output
    assert "IRO 'E. Zielinska' looks like (initials) 'Elin Zielinska'" in refused.output
    assert (
        "Team 'CiC Team North' is close to 'Children in Care North': choose one or a new record"
    ) in refused.output
    accepted_only = runner.invoke(args=[*base, "--accept-matches"])
    assert accepted_only.exit_code == 1
    assert "need a decision" in accepted_only.output and "CiC Team North" in accepted_only.output
    with app.app_context():
        assert (_count(Frame), _count(Team), _count(Staff), _count(NameAlias)) == (0, 1, 2, 0)

    done = runner.invoke(
        args=[*base, "--accept-matches", "--match", "CiC Team North=Children in Care North"]
    )
    assert done.exit_code == 0, done.output
    assert "Imported 3 cases" in done.output
    # L1: in care since 2024, last review 20 Jan 2026 (a later one): next due 20 Jul 2026.
    # L2: last review 20 Jun 2025: next due 20 Dec 2025, 101 days overdue on 31 Mar 2026.
    # L3: in care Mon 2 Mar 2026, first review due Mon 30 Mar 2026: 1 day overdue.
    assert "1 within timescale, 2 overdue (the longest by 101 days)" in done.output
    assert "Children in Care North: 3 children, 2 overdue" in done.output
    with app.app_context():
        session = get_session()
        assert (_count(Team), _count(Staff)) == (1, 2)  # nothing new
        assert sorted(session.scalars(select(NameAlias.spelling))) == [
            "CiC Team North",
            "E. Zielinska",
            "ZIELINSKA, Elin",
        ]
        team_ids = set(session.scalars(select(CaseRecord.team_id)))
        iro_ids = set(session.scalars(select(CaseRecord.iro_id)))
        assert len(team_ids) == 1 and len(iro_ids) == 1 and None not in team_ids | iro_ids

    again = runner.invoke(args=base)  # the same spellings: no confirmation needed
    assert again.exit_code == 0, again.output
    assert "is a confirmed spelling of 'Children in Care North'" in again.output
    with app.app_context():
        assert (_count(Frame), _count(Team), _count(Staff)) == (2, 1, 2)


def test_create_new_adds_the_names_left_without_a_match(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["orgs", "create", "Messy Borough"])
    _service(app)
    path = tmp_path / "lcs.csv"
    path.write_text(MESSY, encoding="utf-8")
    result = runner.invoke(
        args=["frame", "import", str(path), "--as-at", "2026-03-31", "--create-new"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        names = sorted(get_session().scalars(select(Team.name)))
        assert names == ["Children in Care North", "CiC Team North"]
        assert _count(NameAlias) == 0
