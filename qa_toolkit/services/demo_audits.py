"""Two finished rounds of the IRO footprint audit and a round of peer observations, for the demo.

Answers are synthetic and seeded: each question has a fixed underlying strength (so the same
questions are weak in both rounds) and the second round is better, so the demo shows a trend,
highlights and areas for development on first start. No real case is described.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_templates.question_types import behaviour
from audit_templates.schema import Question, Template
from audit_templates.scoring import score, visible_answers
from qa_toolkit.models import (
    Audit,
    AuditStatus,
    Frame,
    Membership,
    Organisation,
    Programme,
    Role,
    TemplateVersion,
)
from qa_toolkit.models.types import london_today
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.templates import template_of
from sampling.design import SampleDesign, SizeRule

HIGHLIGHTS = (
    (
        "The IRO met the young person at their football club before the review, as they had "
        "asked, and their words open the review record."
    ),
    (
        "A warm, personal letter to the child explains every decision in plain language and "
        "thanks them for their ideas."
    ),
    (
        "The IRO challenged the delay in the sibling assessment within a week and recorded a "
        "clear timescale on the file."
    ),
    (
        "Midway review notes show the IRO checked that the school move had happened and spoke "
        "to the designated teacher."
    ),
    (
        "The child chose to chair part of their own review; the record shows how the IRO "
        "prepared them for it."
    ),
    (
        "Life-story work was progressed after the IRO raised it at two reviews running; the "
        "child now has their book."
    ),
)
EVIDENCE = (
    "No record of the IRO seeing the child before the review.",
    "Recommendations were issued but without named owners or timescales.",
    "The review record was sent 27 working days after the meeting.",
    "Midway monitoring is not recorded on the file.",
    "Drift in the permanence plan is noted by the social worker but not challenged by the IRO.",
)


def _answer(
    rng: np.random.Generator, template: Template, question: Question, strength: float
) -> Any:
    scale = template.scale_of(question)
    if scale is not None:
        values = [o.value for o in scale.options]
        scored = [o for o in scale.options if o.score is not None]
        if len(scored) == len(values):  # No N/A on this scale (e.g. the Ofsted grades).
            weights = np.array([strength ** (2 * i + 1) for i in range(len(values), 0, -1)])
        else:
            weights = np.array(
                [
                    strength if o.score == 1 else (1 - strength) / max(1, len(scored) - 1)
                    for o in scale.options
                ]
            )
            weights = np.where(np.array([o.score is None for o in scale.options]), 0.04, weights)
        weights = weights / weights.sum()
        return values[int(rng.choice(len(values), p=weights))]
    kind = behaviour(question.type)
    if kind.takes_options and question.options and not kind.multiple:
        return question.options[int(rng.integers(len(question.options)))]
    if kind.takes_options and question.options:
        return [o for o in question.options if rng.random() < 0.6] or [question.options[0]]
    if kind.answer == "date":
        return london_today().isoformat()
    if kind.answer == "number":
        return float(question.min or 0)
    return "Summary recorded by the auditor for the team."


def _complete(
    session: Session,
    rng: np.random.Generator,
    audit: Audit,
    template: Template,
    strengths: dict[str, float],
    finished: datetime,
) -> None:
    answers: dict[str, Any] = {}
    for question in template.questions():
        answers[question.id] = _answer(rng, template, question, strengths[question.id])
    answers = visible_answers(template, answers)
    evidence = {
        qid: EVIDENCE[int(rng.integers(len(EVIDENCE)))]
        for qid, value in answers.items()
        if value in template.question(qid).evidence_required_when
    }
    highlights = {
        qid: {
            "text": HIGHLIGHTS[int(rng.integers(len(HIGHLIGHTS)))],
            "share": bool(rng.random() < 0.7),
        }
        for qid, value in answers.items()
        if value in template.question(qid).good_practice and rng.random() < 0.02
    }
    result = score(template, answers, evidence)
    audit.answers = answers
    audit.evidence = evidence
    audit.highlights = highlights
    audit.final_answers = answers
    audit.overall_score = result.overall
    audit.grade = result.grade
    audit.status = AuditStatus.FINALISED.value
    audit.started_at = finished - timedelta(days=10)
    audit.submitted_at = finished - timedelta(days=3)
    audit.finalised_at = finished
    audit.feedback_went_well = "Clear, child-centred recording of the review."
    audit.feedback_even_better = "Record the child's views in their own words before each review."


def _shipped(session: Session, key: str) -> TemplateVersion | None:
    return session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.template_key == key, TemplateVersion.scope == 0)
        .order_by(TemplateVersion.version.desc())
    )


def seed_rounds(session: Session, org: Organisation, frame: Frame, today: date) -> None:
    version = _shipped(session, "iro_footprint")
    if version is None:
        return
    template = template_of(version)
    auditors = list(
        session.scalars(
            select(Membership.user_id)
            .where(Membership.organisation_id == org.id, Membership.role == Role.AUDITOR.value)
            # Ordered: the order decides who is offered cases first and who observes whom.
            .order_by(Membership.user_id)
        )
    )
    rng = np.random.default_rng(20_240_401)
    base = {q.id: float(np.clip(rng.normal(0.0, 0.12), -0.25, 0.2)) for q in template.questions()}
    for name, months_ago, level, seed in (
        ("IRO footprint audit, spring", 7, 0.66, 1001),
        ("IRO footprint audit, autumn", 1, 0.78, 1002),
    ):
        design = SampleDesign(strata=("team",), size=SizeRule(n=40), exclude_audited_months=None)
        programme = programme_service.draw_programme(
            session,
            organisation_id=org.id,
            name=name,
            template_version=version,
            frame=frame,
            design=design,
            seed=seed,
            due_date=today - timedelta(days=30 * months_ago - 28),
            exclude_own_team=False,
            created_by_id=None,
            today=today,
        )
        programme_service.auto_assign(session, programme, dict.fromkeys(auditors, 20))
        programme_service.launch(session, programme)
        launched = datetime.combine(today - timedelta(days=30 * months_ago), time(9), UTC)
        programme.launched_at = launched
        strengths = {qid: float(np.clip(level + offset, 0.2, 0.98)) for qid, offset in base.items()}
        # Ordered: each audit takes the next answers from the shared generator, so the order
        # the database happens to return them in would otherwise decide every grade.
        audits = select(Audit).where(Audit.programme_id == programme.id).order_by(Audit.id)
        for audit in session.scalars(audits):
            _complete(session, rng, audit, template, strengths, launched + timedelta(days=25))
        programme.status = "launched"
    session.flush()
    _seed_observations(session, org, auditors, today, rng)


def _seed_observations(
    session: Session, org: Organisation, auditors: list[int], today: date, rng: np.random.Generator
) -> None:
    from qa_toolkit.services.audits import start_observation

    version = _shipped(session, "peer_observation")
    if version is None or len(auditors) < 2:
        return
    template = template_of(version)
    strengths = {q.id: 0.7 for q in template.questions()}
    for index in range(6):
        observer = auditors[index % len(auditors)]
        observed = auditors[(index + 1) % len(auditors)]
        observation = start_observation(
            session,
            organisation_id=org.id,
            template_version=version,
            observer_id=observer,
            observed_id=observed,
            meeting_date=today - timedelta(days=20 + 9 * index),
            meeting_type="Child in care review",
        )
        _complete(
            session, rng, observation, template, strengths,
            datetime.combine(today - timedelta(days=10 + 9 * index), time(9), UTC),
        )  # fmt: skip
    session.flush()


def has_rounds(session: Session, org_id: int) -> bool:
    return bool(session.scalar(select(Programme.id).where(Programme.organisation_id == org_id)))
