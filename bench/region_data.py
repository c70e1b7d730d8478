"""A regional shared service's data, generated deterministically: the region-scale profile.

On top of `bench.programme_data` (a case list, a 40-question template, a programme of
finalised audits stratified by team), it adds what the list pages show: practice-development
actions (a third from the programme's findings, a third from its audits, a third standalone;
due dates spread from overdue to next quarter), escalations of drift and delay (each with its
first stage), and audit-log entries of every kind, plus a manager and an administrator who can
sign in. Rows are inserted in bulk; the same sizes always give the same rows.

The sizes of the region (issue "every page flat in the size of the data") are REGION; the
tests use the same builder at 10 and 1,000 rows of each list.

    from bench import region_data
    built = region_data.build(url, region_data.Sizes.scaled(0.05))
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import programme_data

MANAGER = "manager@region.example"
ADMIN = "admin@region.example"


@dataclass(frozen=True)
class Sizes:
    cases: int = 100_000  # children on the latest case list
    audits: int = 20_000  # finalised audits in one programme
    actions: int = 10_000
    escalations: int = 2_000
    log_rows: int = 1_000_000

    @classmethod
    def scaled(cls, fraction: float) -> Sizes:
        """The region at `fraction` of its size (at least 10 of each)."""
        full = cls()
        return cls(
            *(
                max(10, round(getattr(full, name) * fraction))
                for name in ("cases", "audits", "actions", "escalations", "log_rows")
            )
        )

    @classmethod
    def each(cls, rows: int) -> Sizes:
        """`rows` of every list (the statement-count tests)."""
        return cls(rows, rows, rows, rows, rows)


REGION = Sizes()


@dataclass
class Region:
    built: programme_data.Built
    sizes: Sizes
    manager_id: int
    admin_id: int
    stages: dict[str, float]


def build(url: str, sizes: Sizes, *, log: bool = True) -> Region:
    """Migrate and fill the database at `url` (SQLAlchemy URL) with a region of `sizes`."""
    from sqlalchemy import insert, select, text

    from qa_toolkit import db
    from qa_toolkit.models import (
        Action,
        Audit,
        CaseRecord,
        Escalation,
        Organisation,
        Role,
        Staff,
    )
    from qa_toolkit.services.escalations import REASONS
    from qa_toolkit.services.users import NewUser, create_user
    from reports.actions import DEFAULT_STAGES

    built = programme_data.build(
        url, audits=min(sizes.audits, sizes.cases), frame_rows=sizes.cases, log=log
    )
    stages = dict(built.stages)
    started = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        stages[name] = round(now - started, 3)
        started = now
        if log:
            print(f"  setup: {name} {stages[name]:.1f} s", flush=True)

    rng = random.Random(programme_data.SEED)  # noqa: S311 (benchmark data, not secrets)
    today = date.today()
    app = programme_data.toolkit_app(url)
    try:
        with app.app_context(), db.writing():
            session = db.get_session()
            organisation = session.get(Organisation, built.organisation_id)
            assert organisation is not None
            people = {}
            for email, name, role in (
                (MANAGER, "Region Manager", Role.MANAGER),
                (ADMIN, "Region Administrator", Role.ADMIN),
            ):
                people[role] = create_user(
                    session,
                    organisation,
                    NewUser(email, name, programme_data.PASSWORD, role),
                ).id
            # A few shared highlights whatever the size (the random ones are 1 in 500 answers).
            for audit in session.scalars(
                select(Audit).where(Audit.programme_id == built.programme_id).order_by(Audit.id)
                .limit(3)
            ):  # fmt: skip
                audit.highlights = {
                    "q01": {"text": "The child's own words open the review record.", "share": True}
                }
            session.commit()
            staff = session.execute(
                select(Staff.id, Staff.team_id)
                .where(Staff.organisation_id == built.organisation_id)
                .order_by(Staff.id)
            ).all()
            teams = sorted({team for _, team in staff if team is not None})
            audit_ids = list(
                session.scalars(
                    text("SELECT id FROM audit WHERE programme_id = :p ORDER BY id").bindparams(
                        p=built.programme_id
                    )
                )
            )
            question_ids = [f"q{n:02d}" for n in range(1, programme_data.QUESTIONS + 1)]
            theme_ids = [theme for theme, _ in programme_data.THEMES]
            rows: list[dict[str, Any]] = []
            for number in range(sizes.actions):
                owner, team = staff[number % len(staff)]
                row: dict[str, Any] = {
                    "organisation_id": built.organisation_id,
                    "title": f"Practice development action {number + 1}",
                    "owner_staff_id": owner,
                    "team_id": team if team is not None else teams[number % len(teams)],
                    "due_date": today + timedelta(days=rng.randint(-30, 90)),
                    "priority": ("high", "medium", "low")[number % 3],
                    "status": ("open", "in_progress", "open", "completed")[number % 4],
                    "source": "standalone",
                    "raised_by_id": people[Role.MANAGER],
                }
                if row["status"] == "completed":
                    row["completion_evidence"] = "Re-audit shows the standard met."
                    row["completed_on"] = today - timedelta(days=number % 20)
                if number % 3 == 0:
                    row |= {"source": "theme", "programme_id": built.programme_id,
                            "theme_id": theme_ids[number % len(theme_ids)]}  # fmt: skip
                elif number % 3 == 1 and audit_ids:
                    # Filed under the audit's programme, as raising one from an audit does.
                    row |= {"source": "audit_question", "programme_id": built.programme_id,
                            "audit_id": audit_ids[number % len(audit_ids)],
                            "question_id": question_ids[number % len(question_ids)]}  # fmt: skip
                rows.append(row)
            for start in range(0, len(rows), 5_000):
                session.execute(insert(Action), rows[start : start + 5_000])
            session.commit()
            stage(f"{sizes.actions:,} actions")

            cases = session.execute(
                select(CaseRecord.id, CaseRecord.case_ref, CaseRecord.team_id)
                .where(CaseRecord.frame_id == built.frame_id)
                .order_by(CaseRecord.id)
                .limit(sizes.escalations)
            ).all()
            escalations = []
            for number in range(sizes.escalations):
                case_id, ref, team = cases[number % len(cases)]
                raised = today - timedelta(days=rng.randint(0, 60))
                escalations.append(
                    {
                        "organisation_id": built.organisation_id,
                        "case_record_id": case_id,
                        "case_ref": ref,
                        "team_id": team,
                        "reason": REASONS[number % len(REASONS)],
                        "issue": "The permanence plan has not moved since the last review.",
                        "raised_by_id": people[Role.MANAGER],
                        "raised_on": raised,
                        "stage_key": DEFAULT_STAGES[0].key,
                        "stage_name": DEFAULT_STAGES[0].name,
                        "stage_started_on": raised,
                        "response_due": raised + timedelta(days=7),
                        "status": "open" if number % 5 else "resolved",
                        "resolved_on": None if number % 5 else raised + timedelta(days=10),
                        "outcome": None if number % 5 else "Plan agreed at the review.",
                    }
                )
            for start in range(0, len(escalations), 5_000):
                session.execute(insert(Escalation), escalations[start : start + 5_000])
            session.execute(
                text(
                    "INSERT INTO escalation_step (escalation_id, stage_key, stage_name, "
                    "started_on, response_due, recorded_by_id, created_at) SELECT id, stage_key, "
                    "stage_name, stage_started_on, response_due, raised_by_id, created_at FROM "
                    "escalation WHERE organisation_id = :org"
                ).bindparams(org=built.organisation_id)
            )
            session.commit()
            stage(f"{sizes.escalations:,} escalations")

            _log_rows(session, built, people, sizes.log_rows, [ref for _, ref, _ in cases])
            session.commit()
            stage(f"{sizes.log_rows:,} audit-log entries")
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ANALYZE"))
                session.commit()
        return Region(built, sizes, people[Role.MANAGER], people[Role.ADMIN], stages)
    finally:
        db.get_engine(app).dispose()


def _log_rows(
    session: Any,
    built: programme_data.Built,
    people: dict[Any, int],
    rows: int,
    refs: list[str],
) -> None:
    """`rows` audit-log entries after the real ones (views, updates and sign-ins of every kind
    of record), written straight in SQL: the chain is not what these pages read. A view of an
    audit or an escalation names its child's case reference (`refs`, in turn), as a real one
    does: every page of the log then shows some, at any size, so showing the log logs the
    same kind of entry (with its case references) at 10 rows and at a million."""
    from sqlalchemy import text

    first = int(session.scalar(text("SELECT COALESCE(MAX(seq), 0) FROM audit_event")) or 0) + 1
    users = sorted(people.values()) + [user for _, user in built.auditors]
    kinds = ("audit", "case_list", "action", "escalation", "programme", "user_account")
    start = datetime.now(UTC) - timedelta(days=365)
    batch: list[dict[str, Any]] = []
    for number in range(rows):
        kind = kinds[number % len(kinds)]
        batch.append(
            {
                "at": start + timedelta(seconds=number * 30),
                "user": users[number % len(users)],
                "org": None if number % 10 == 9 else built.organisation_id,
                "action": ("view", "update", "create", "sign_in")[number % 4],
                "kind": kind,
                "entity": str(number % 997),
                "seq": first + number,
                "refs": refs[number % len(refs)]
                if number % 4 == 0 and kind in ("audit", "escalation") and number % 10 != 9
                else "",
            }
        )
        if len(batch) == 10_000 or number == rows - 1:
            session.execute(
                text(
                    "INSERT INTO audit_event (at, user_id, organisation_id, action, entity_type, "
                    "entity_id, summary, changes, ip_address, case_refs, seq, prev_hash, "
                    "row_hash) VALUES (:at, :user, :org, :action, :kind, :entity, '', '{}', "
                    "NULL, :refs, :seq, '', '')"
                ),
                batch,
            )
            batch = []
    session.execute(
        text(
            "INSERT INTO audit_event_case (event_id, case_ref, organisation_id) SELECT id, "
            "case_refs, organisation_id FROM audit_event WHERE seq >= :first AND case_refs <> ''"
        ),
        {"first": first},
    )
    # Later entries follow these (the generated ones carry no hashes: not a verifiable chain).
    session.execute(
        text("UPDATE audit_chain_head SET last_seq = :last WHERE id = 1"),
        {"last": first + rows - 1},
    )
