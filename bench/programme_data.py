"""The programme the roll-up, export and serving benchmarks share, generated deterministically.

One organisation; a frame of 5,000 children (the case list `bench.import_frame` generates, with
the same seed, imported through `frames.import_table`: teams, IROs and workers are real rows);
a 40-question case-audit template written here and published with `templates.publish`; twenty
auditors (argon2 passwords, so they can sign in to a served copy); a programme drawn with
`programmes.draw_programme` (stratified by team, n = the whole frame: a census, so its
allocation has every stratum's population and weight) and 5,000 finalised audits of it, one per
drawn case, inserted in bulk (one executemany INSERT; the sample cases are then pointed at
their audits in one bulk UPDATE), with answers drawn from seeded per-question strengths, scored
by `audit_templates.scoring.score` so each audit has its overall score and grade, evidence where
the template asks for it and a few good-practice highlights.

For the serving benchmark (`forms=True`), a second, small programme of the same template is
drawn from the same frame, shared one case per auditor with `programmes.auto_assign` and
launched with `programmes.launch`; each of those audits is left in progress with half its
questions answered: the audit form an auditor opens. It is launched after the big one, so the
big one's findings page has no previous round to compare with.

    from bench import programme_data
    built = programme_data.build("sqlite:////tmp/x.sqlite3")
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common

SEED = 20250401
AS_AT = date(2025, 3, 31)
ORGANISATION = "Benchmark Region"
TEMPLATE_ID = "bench_forty_questions"
TEMPLATE_FILENAME = "bench_forty_questions.yaml"
QUESTIONS = 40
SECTIONS = 8  # of 5 questions each
PASSWORD = "bench-only-password-2026"  # noqa: S105 (a throwaway database's accounts)
THEMES = (
    ("voice", "Voice of the child"),
    ("timeliness", "Timeliness"),
    ("care_planning", "Care planning and permanence"),
    ("challenge", "Management oversight and challenge"),
    ("recording", "Recording quality"),
)
# The questions (1-based) whose "No" caps the grade at Requires improvement.
LIMITING = (3, 11, 27)


def template_yaml(questions: int = QUESTIONS) -> str:
    """A 40-question compliance template: 8 sections of 5, two themes a question (so every
    theme finding pools 16 questions), weights 1 or 2, targets 80-95%, three limiting
    judgements, evidence required for No and Partly, Yes marked as good practice."""
    per_section = questions // SECTIONS
    lines = [
        f"id: {TEMPLATE_ID}",
        "title: Benchmark case audit (40 questions)",
        "version: 1",
        "kind: case_audit",
        "description: Generated for the benchmarks; every question uses the compliance scale.",
        "themes:",
    ]
    for theme_id, title in THEMES:
        lines += [f"  - id: {theme_id}", f"    title: {title}"]
    lines.append("sections:")
    number = 0
    for section in range(1, SECTIONS + 1):
        lines += [
            f"  - id: section_{section}",
            f"    title: Section {section} of the benchmark audit",
            "    questions:",
        ]
        for _ in range(per_section):
            number += 1
            first = THEMES[number % len(THEMES)][0]
            second = THEMES[(number + 2) % len(THEMES)][0]
            lines += [
                f"      - id: q{number:02d}",
                f"        text: Benchmark question {number}, is the standard met on the file?",
                "        scale: compliance",
                f"        weight: {2 if number % 3 == 0 else 1}",
                f"        themes: [{first}, {second}]",
                "        evidence_required_when: [no, partly]",
                "        good_practice: [yes]",
                f"        target: {0.8 + 0.05 * (number % 4):.2f}",
            ]
            if number in LIMITING:
                lines.append(
                    "        limiting: {at_or_below: no, caps_grade_at: requires_improvement}"
                )
    lines += [
        "grading:",
        "  scale: ofsted4",
        "  method: answers",
        "  thresholds:",
        "    outstanding: 0.9",
        "    good: 0.75",
        "    requires_improvement: 0.5",
        "    inadequate: 0",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Built:
    url: str
    organisation_id: int
    programme_id: int
    template_version_id: int
    frame_id: int
    audits: int
    answers: int
    questions: int
    auditors: list[tuple[str, int]]  # (email, user id)
    forms: dict[int, int] = field(default_factory=dict)  # auditor's user id -> their audit id
    forms_programme_id: int | None = None
    stages: dict[str, float] = field(default_factory=dict)


def toolkit_app(url: str) -> Any:
    from qa_toolkit import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "x" * 40, "TESTING": True})


def _strengths(rng: Any, question_ids: list[str]) -> dict[str, float]:
    return {qid: float(min(0.97, max(0.35, rng.normal(0.78, 0.12)))) for qid in question_ids}


def _answers(rng: Any, question_ids: list[str], strengths: dict[str, float]) -> dict[str, str]:
    """One audit's answers: yes with the question's strength, else partly, no or N/A."""
    draws = rng.random((len(question_ids), 2))
    answers = {}
    for (first, second), qid in zip(draws.tolist(), question_ids, strict=True):
        if first < 0.05:
            answers[qid] = "not_applicable"
        elif second < strengths[qid]:
            answers[qid] = "yes"
        else:
            answers[qid] = "partly" if second < strengths[qid] + (1 - strengths[qid]) / 2 else "no"
    return answers


def build(
    url: str,
    *,
    audits: int = 5_000,
    auditors: int = 20,
    forms: bool = False,
    log: bool = True,
    frame_rows: int | None = None,
) -> Built:
    """Migrate the database at `url` (a SQLAlchemy URL) and fill it; see the module docstring.

    `frame_rows` makes the case list larger than the programme (default: the same size, a
    census); the programme then samples `audits` of its children, stratified by team.
    """
    import numpy as np
    from sqlalchemy import insert, select, update

    from audit_templates.scoring import score
    from bench import import_frame
    from qa_toolkit import db, migrate
    from qa_toolkit.models import (
        Audit,
        AuditStatus,
        Programme,
        ProgrammeStatus,
        Role,
        SampleCase,
        SampleStatus,
    )
    from qa_toolkit.models.findings_state import new_state
    from qa_toolkit.services import frames
    from qa_toolkit.services import programmes as programme_service
    from qa_toolkit.services.organisations import get_or_create_organisation
    from qa_toolkit.services.templates import publish, template_of
    from qa_toolkit.services.users import NewUser, create_user
    from sampling.design import SampleDesign, SizeRule

    stages: dict[str, float] = {}
    started = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        stages[name] = round(now - started, 3)
        started = now
        if log:
            print(f"  setup: {name} {stages[name]:.1f} s", flush=True)

    migrate.upgrade(url)
    stage("migrate")
    csv_path = import_frame.case_list(
        frame_rows or audits
    )  # Cached in the temp dir after the first run.
    app = toolkit_app(url)
    try:
        with app.app_context(), db.writing():
            session = db.get_session()
            organisation, _ = get_or_create_organisation(session, ORGANISATION)
            version = publish(
                session, template_yaml().encode("utf-8"), TEMPLATE_FILENAME, organisation
            ).row
            template = template_of(version)
            question_ids = [q.id for q in template.questions()]
            assert len(question_ids) == QUESTIONS, f"{len(question_ids)} questions"
            table = frames.read(csv_path.read_bytes(), csv_path.name)
            frame = frames.import_table(
                session,
                organisation,
                table,
                frames.initial_mapping(table, None),
                as_at=AS_AT,
                label=f"Children in care at {AS_AT:%d %B %Y} (benchmark)",
                filename=csv_path.name,
                user_id=None,
            ).frame
            session.commit()
            stage(f"frame of {frame.row_count:,} imported")

            people = []
            for index in range(1, auditors + 1):
                email = f"auditor{index:02d}@bench.example"
                user = create_user(
                    session,
                    organisation,
                    NewUser(email, f"Bench Auditor {index:02d}", PASSWORD, Role.AUDITOR),
                )
                people.append((email, user.id))
            session.commit()
            stage(f"{auditors} auditors")

            design = SampleDesign(
                strata=("team",), size=SizeRule(n=audits), exclude_audited_months=None
            )
            today = AS_AT + timedelta(days=60)
            programme = programme_service.draw_programme(
                session,
                organisation_id=organisation.id,
                name="Benchmark census of the case list",
                template_version=version,
                frame=frame,
                design=design,
                seed=SEED,
                due_date=today,
                exclude_own_team=False,
                created_by_id=None,
                today=today,
            )
            session.commit()
            stage(f"programme drawn ({len(programme.allocation)} strata)")

            cases = session.execute(
                select(SampleCase.id, SampleCase.case_record_id)
                .where(
                    SampleCase.programme_id == programme.id,
                    SampleCase.status == SampleStatus.IN_SAMPLE.value,
                )
                .order_by(SampleCase.id)
            ).all()
            assert len(cases) == audits, f"{len(cases)} cases in the sample, not {audits}"
            rng = np.random.default_rng(SEED)
            strengths = _strengths(rng, question_ids)
            launched = datetime.combine(today - timedelta(days=45), datetime.min.time(), UTC)
            finished = launched + timedelta(days=30)
            rows = []
            for number, (_case_id, record_id) in enumerate(cases):
                answers = _answers(rng, question_ids, strengths)
                evidence = {
                    qid: "Not evidenced on the file within the audit period."
                    for qid, value in answers.items()
                    if value in ("no", "partly")
                }
                highlights = {
                    qid: {"text": "The child's own words open the review record.", "share": True}
                    for qid, value in answers.items()
                    if value == "yes" and rng.random() < 0.002
                }
                result = score(template, answers, evidence)
                rows.append(
                    {
                        "organisation_id": organisation.id,
                        "template_version_id": version.id,
                        "case_record_id": record_id,
                        "programme_id": programme.id,
                        "auditor_id": people[number % len(people)][1],
                        "status": AuditStatus.FINALISED.value,
                        "answers": answers,
                        "evidence": evidence,
                        "highlights": highlights,
                        "final_answers": answers,
                        "moderation": {},
                        "overall_score": result.overall,
                        "grade": result.grade,
                        "concern": "Raised with the team manager." if number % 997 == 0 else None,
                        "started_at": launched + timedelta(days=5),
                        "submitted_at": finished - timedelta(days=3),
                        "finalised_at": finished,
                        "created_at": launched,
                        "updated_at": finished,
                        "lock_version": 1,
                    }
                )
            stage(f"{audits:,} audits answered and scored")
            session.execute(insert(Audit), rows)
            audit_ids = dict(
                session.execute(
                    select(Audit.case_record_id, Audit.id).where(Audit.programme_id == programme.id)
                ).all()
            )
            session.execute(
                update(SampleCase),
                [
                    {
                        "id": case_id,
                        "audit_id": audit_ids[record_id],
                        "auditor_id": people[number % len(people)][1],
                    }
                    for number, (case_id, record_id) in enumerate(cases)
                ],
            )
            session.execute(
                update(Programme)
                .where(Programme.id == programme.id)
                .values(
                    status=ProgrammeStatus.LAUNCHED.value,
                    launched_at=launched,
                    # Audits inserted in bulk bypass the ORM's flush, which would renew it.
                    findings_state=new_state(),
                )
            )
            session.commit()
            stage(f"{audits:,} audits inserted in bulk")

            built = Built(
                url=url,
                organisation_id=organisation.id,
                programme_id=programme.id,
                template_version_id=version.id,
                frame_id=frame.id,
                audits=audits,
                answers=audits * len(question_ids),
                questions=len(question_ids),
                auditors=people,
                stages=stages,
            )
            if forms:
                _forms(session, built, version, frame, template, rng, today)
                session.commit()
                stage(f"{len(built.forms)} audits in progress (one per auditor)")
            return built
    finally:
        db.get_engine(app).dispose()


def _forms(
    session: Any, built: Built, version: Any, frame: Any, template: Any, rng: Any, today: date
) -> None:
    """A small second programme, assigned and launched through the services, left in progress."""
    from sqlalchemy import select

    from qa_toolkit.models import Audit, AuditStatus
    from qa_toolkit.services import programmes as programme_service
    from sampling.design import SampleDesign, SizeRule

    programme = programme_service.draw_programme(
        session,
        organisation_id=built.organisation_id,
        name="Benchmark audits in progress",
        template_version=version,
        frame=frame,
        design=SampleDesign(size=SizeRule(n=len(built.auditors)), exclude_audited_months=None),
        seed=SEED + 1,
        due_date=today + timedelta(days=30),
        exclude_own_team=False,
        created_by_id=None,
        today=today,
    )
    capacities = {user_id: 1 for _email, user_id in built.auditors}
    programme_service.auto_assign(session, programme, capacities)
    programme_service.launch(session, programme)
    question_ids = [q.id for q in template.questions()]
    strengths = _strengths(rng, question_ids)
    for audit in session.scalars(select(Audit).where(Audit.programme_id == programme.id)):
        answers = _answers(rng, question_ids, strengths)
        audit.answers = dict(list(answers.items())[: len(question_ids) // 2])
        audit.evidence = {
            qid: "Not evidenced on the file." for qid, v in audit.answers.items() if v != "yes"
        }
        audit.status = AuditStatus.IN_PROGRESS.value
        audit.started_at = datetime.now(UTC)
        assert audit.auditor_id is not None
        built.forms[audit.auditor_id] = audit.id
    session.flush()
    built.forms_programme_id = programme.id
    assert len(built.forms) == len(built.auditors), "every auditor should have one audit open"


# Where the data goes ------------------------------------------------------------------------

DEFAULT_PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def pg_server(database_url: str | None, postgres: bool) -> str | None:
    """The PostgreSQL server to use: --database-url, else with --postgres TEST_DATABASE_URL or
    the local server; None for SQLite."""
    import os

    if database_url and common.is_postgres(database_url):
        return database_url
    if postgres:
        return os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_SERVER
    return None


@dataclass
class Database:
    """A throwaway database: a SQLite file in a scratch folder, or a database created on a
    PostgreSQL server (never the server's own database: common.pg_create refuses)."""

    kind: str  # "sqlite" or "postgresql"
    url: str  # for the toolkit (SQLAlchemy)
    dbapi_url: str  # for the floor (sqlite3 path or psycopg URL)
    server_url: str | None = None
    name: str | None = None

    def connect(self) -> Any:
        if self.kind == "sqlite":
            import sqlite3

            connection = sqlite3.connect(self.dbapi_url, isolation_level=None)
            # The toolkit's settings (qa_toolkit.db).
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            return connection
        import psycopg

        return psycopg.connect(self.dbapi_url)

    def describe(self) -> str:
        if self.kind == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version} ({self.dbapi_url})"
        assert self.server_url is not None
        return f"{common.pg_version(self.server_url)} (database {self.name}, dropped afterwards)"

    def close(self) -> None:
        if self.kind == "postgresql" and self.server_url and self.name:
            common.pg_drop(self.server_url, self.name)


def open_database(scratch: Any, server_url: str | None, name: str) -> Database:
    if server_url is None:
        path = scratch / f"{name}.sqlite3"
        return Database("sqlite", f"sqlite:///{path}", str(path))
    dbapi = common.pg_create(server_url, name)
    return Database("postgresql", common.sqlalchemy_url(server_url, name), dbapi, server_url, name)


def main_on_postgres(
    args: argparse.Namespace,
    prefix: str,
    name: str,
    run: Callable[[Database, Path, argparse.Namespace], tuple[list[common.Result], list[str]]],
) -> int:
    """The body of a PostgreSQL benchmark's main(): a scratch folder and its own database on
    the server `args.database_url` names (else TEST_DATABASE_URL), `run(database, scratch,
    args)` for its results and notes, then the table printed and the results file written."""
    server_url = pg_server(args.database_url, postgres=True)
    assert server_url is not None
    with common.scratch_dir(prefix) as scratch:
        database = open_database(scratch, server_url, name)
        try:
            results, notes = run(database, scratch, args)
        finally:
            database.close()
    common.print_table(results, notes)
    common.write_results(results, args.results)
    print(f"written: {args.results}")
    return 0
