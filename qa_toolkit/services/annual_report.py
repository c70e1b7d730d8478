"""The IRO annual report from the database: plain data for reports.annual, and the edits.

Nothing here counts or decides what a partner sees: it reads the organisation's case lists,
review history, escalations, actions, footprint rounds and peer observations into the plain
records of reports.annual, hands the figures to reports.disclosure_annual for the partner
version, and keeps the paragraphs an author wrote (`AnnualReportText`).

Reviews: a list imported from the SSDA903 return carries each child's reviews (`CaseReview`),
so every review is timed by the statutory timetable. Any other list gives only each child's
last review date: those reviews are counted as held but not timed (the numbering of a review
needs the child's whole history in the period of care).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from conventions import display
from problems import Problem
from qa_toolkit.models import (
    Action,
    AnnualReportText,
    CaseRecord,
    CaseReview,
    Escalation,
    Frame,
    Organisation,
    Programme,
    TemplateVersion,
)
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services.observation_findings import Period as ObservationPeriod
from qa_toolkit.services.observation_findings import observation_findings
from reports import annual, annual_outputs, annual_text, annual_tidy, disclosure_annual
from reports.actions import StageRule
from reports.disclosure import Rules
from reports.excel import WorkbookSpec
from reports.text_screen import Screen, explain, screen
from reports.tidy import csv_text

FOOTPRINT = "iro_footprint"
OBSERVATION = "peer_observation"
LONDON = ZoneInfo("Europe/London")
MAX_EDIT = 5_000


class ReportProblem(Problem):
    """A report that cannot be made or edited as asked; the message says why."""


@dataclass(frozen=True)
class AnnualReport:
    organisation: str
    period: annual.Period
    audience: str
    figures: annual.AnnualFigures
    sections: list[annual_text.Section]
    shown: bool = True  # False: the partner version gives nothing but that it is withheld

    @property
    def title(self) -> str:
        return f"IRO annual report, {self.period.label}"


def period_of(start: str | None, end: str | None, today: date) -> annual.Period:
    """The period asked for (ISO dates), or the financial year holding today."""
    if not start and not end:
        return annual.financial_year(today)
    try:
        first = date.fromisoformat(start or "")
        last = date.fromisoformat(end or "")
    except ValueError as exc:
        raise ReportProblem(
            "Give both dates of the period as YYYY-MM-DD, for example 2025-04-01 and 2026-03-31."
        ) from exc
    if (last - first).days > 731:
        raise ReportProblem("A report covers at most two years: choose a shorter period.")
    try:
        return annual.Period(first, last)
    except ValueError as exc:
        raise ReportProblem(str(exc)) from exc


def _lists(session: Session, org_id: int, period: annual.Period) -> list[annual.CaseList]:
    frames = list(
        session.execute(
            select(Frame.id, Frame.as_at)
            .where(Frame.organisation_id == org_id, Frame.as_at <= period.end)
            .order_by(Frame.as_at, Frame.id)
        )
    )
    before = [f for f in frames if f.as_at < period.start][-1:]
    wanted = before + [f for f in frames if f.as_at >= period.start]
    found = []
    for frame_id, as_at in wanted:
        rows = session.execute(
            select(CaseRecord.case_ref, CaseRecord.team_name, CaseRecord.iro_name)
            .where(CaseRecord.frame_id == frame_id)
            .order_by(CaseRecord.row_number)
        )
        found.append(annual.CaseList(as_at, tuple(annual.Listed(*row) for row in rows)))
    return found


def _reviews(session: Session, org_id: int, period: annual.Period) -> list[annual.ChildReviews]:
    """Each child's reviews (from every list up to the period's end), on their latest record."""
    latest: dict[str, tuple[date, str | None, str | None, date | None]] = {}
    held: dict[str, dict[date, str | None]] = defaultdict(dict)
    timed: set[str] = set()
    listed: dict[str, set[date]] = defaultdict(set)  # last review dates of other lists
    # Every list's records: a review held by the period's end may sit on a later list's child
    # (an SSDA903 return keeps the whole period of care), but the child is described by their
    # latest record on or before the end when there is one.
    records = session.execute(
        select(
            CaseRecord.id, CaseRecord.case_ref, CaseRecord.team_name, CaseRecord.iro_name,
            CaseRecord.became_looked_after, CaseRecord.last_review, Frame.as_at, Frame.source,
        )
        .join(Frame, CaseRecord.frame_id == Frame.id)
        .where(Frame.organisation_id == org_id)
        .order_by(Frame.as_at, Frame.id)
    )  # fmt: skip
    by_id: dict[int, str] = {}
    for record_id, ref, team, iro, started, last, as_at, source in records:
        by_id[record_id] = ref
        if as_at > period.end:
            latest.setdefault(ref, (as_at, team, iro, started))
            continue
        latest[ref] = (as_at, team, iro, started)
        if source == "ssda903":
            timed.add(ref)
        elif last is not None:
            listed[ref].add(last)
    for record_id, day, code in session.execute(
        select(CaseReview.case_record_id, CaseReview.held, CaseReview.participation)
        .where(CaseReview.organisation_id == org_id, CaseReview.held <= period.end)
        .order_by(CaseReview.held)
    ):
        child = by_id.get(record_id)
        if child is not None:
            timed.add(child)
            held[child][day] = code
    for ref, days in listed.items():
        if ref not in timed:  # an exact history is never mixed with listed last reviews
            held[ref] = dict.fromkeys(days)
    return [
        annual.ChildReviews(
            ref, team, iro, started if ref in timed else None, tuple(sorted(held[ref].items()))
        )
        for ref, (_as_at, team, iro, started) in latest.items()
    ]


def _escalations(
    session: Session, org_id: int, period: annual.Period
) -> list[annual.EscalationFact]:
    rows = session.execute(
        select(Escalation, CaseRecord.iro_name)
        .options(selectinload(Escalation.steps), selectinload(Escalation.team))
        .outerjoin(CaseRecord, Escalation.case_record_id == CaseRecord.id)
        .where(Escalation.organisation_id == org_id, Escalation.raised_on <= period.end)
        .order_by(Escalation.raised_on, Escalation.id)
    ).all()
    return [
        annual.EscalationFact(
            raised_on=e.raised_on,
            status=e.status,
            resolved_on=e.resolved_on,
            stage_key=e.stage_key,
            reason=e.reason,
            team=e.team.name if e.team else None,
            iro=iro,
            raised_by=e.raised_by,
            addressed_to=e.addressed_to,
            # Overdue only while no response is in for the current stage (as on the lists).
            response_due=None if e.steps and e.steps[-1].responded_on else e.response_due,
        )
        for e, iro in rows
    ]


def _actions(session: Session, org_id: int, period: annual.Period) -> list[annual.ActionFact]:
    end = datetime.combine(period.end, time.max, LONDON).astimezone(UTC)
    return [
        annual.ActionFact(
            created.astimezone(LONDON).date() if created.tzinfo else created.date(),
            due, status, completed,
        )
        for created, due, status, completed in session.execute(
            select(Action.created_at, Action.due_date, Action.status, Action.completed_on).where(
                Action.organisation_id == org_id, Action.created_at <= end
            )
        )
    ]  # fmt: skip


def _rounds(session: Session, org_id: int, period: annual.Period) -> list[annual.Round]:
    """The footprint rounds launched in the period, and the last one before it (the trend)."""
    programmes = list(
        session.scalars(
            select(Programme)
            .join(TemplateVersion, Programme.template_version_id == TemplateVersion.id)
            .where(
                Programme.organisation_id == org_id,
                TemplateVersion.template_key == FOOTPRINT,
                Programme.launched_at.is_not(None),
            )
            .order_by(Programme.launched_at, Programme.id)
        )
    )
    launched = [(p, (p.launched_at or datetime.min).astimezone(LONDON).date()) for p in programmes]
    chosen = [pair for pair in launched if pair[1] in period]
    earlier = [pair for pair in launched if pair[1] < period.start][-1:]
    found = []
    for programme, day in earlier + chosen:
        rolled = findings_service.findings(session, programme).rollup
        if rolled.files == 0:
            continue
        found.append(
            annual.Round(
                programme.name, day, rolled.files, rolled.overall,
                tuple((t.title, t.result) for t in rolled.themes),
            )
        )  # fmt: skip
    return found


def _observations(
    session: Session, org_id: int, period: annual.Period, rules: Rules
) -> annual.Observations | None:
    """Peer observations through their partner object (threshold-protected) for every reader."""
    found = observation_findings(
        session, org_id, ObservationPeriod(period.start, period.end),
        name_observed=False, rules=rules,
    )  # fmt: skip
    chosen = [f for f in found if f.key == OBSERVATION] or found[:1]
    if not chosen or chosen[0].partner is None:
        return None
    partner = chosen[0].partner
    return annual.Observations(
        partner.files, partner.shown, tuple((t.title, t.figure.percent) for t in partner.themes)
    )


def data(
    session: Session,
    org_id: int,
    period: annual.Period,
    stages: Sequence[StageRule],
    end_to_end: int,
    rules: Rules,
) -> annual.AnnualData:
    return annual.AnnualData(
        period=period,
        lists=_lists(session, org_id, period),
        reviews=_reviews(session, org_id, period),
        escalations=_escalations(session, org_id, period),
        actions=_actions(session, org_id, period),
        stages=stages,
        rounds=_rounds(session, org_id, period),
        observations=_observations(session, org_id, period, rules),
        end_to_end=end_to_end,
    )


def edits(session: Session, org_id: int, period: annual.Period, audience: str) -> dict[str, str]:
    return {
        row.section: row.text
        for row in session.scalars(
            select(AnnualReportText).where(
                AnnualReportText.organisation_id == org_id,
                AnnualReportText.period_start == period.start,
                AnnualReportText.period_end == period.end,
                AnnualReportText.audience == audience,
            )
        )
    }


def report(
    session: Session,
    organisation: Organisation,
    period: annual.Period,
    audience: str,
    *,
    stages: Sequence[StageRule],
    end_to_end: int,
    rules: Rules,
    today: date,
) -> AnnualReport:
    """The report with its author's edits; the partner one only from disclosure_annual."""
    if audience not in ("internal", "partner"):
        raise ReportProblem(f"The report is for 'internal' or 'partner' readers, not {audience!r}.")
    this = annual.figures(data(session, organisation.id, period, stages, end_to_end, rules), today)
    before = annual.figures(
        data(session, organisation.id, period.previous(), stages, end_to_end, rules), today
    )
    shown = True
    if audience == "partner":
        protected = disclosure_annual.annual(this, rules)
        this, shown = protected.figures, protected.shown
        before = disclosure_annual.annual(before, rules).figures
    found = annual_text.sections(this, before, k=rules.min_files)
    if not shown:
        found = [annual_text.withheld(this, rules.min_files)]
    kept = edits(session, organisation.id, period, audience)
    if audience == "partner":
        lists = _screen(session, organisation.id, kept.values())
        kept = {key: text for key, text in kept.items() if not screen(text, lists)}
    return AnnualReport(
        organisation.name, period, audience, this, annual_text.apply_edits(found, kept), shown
    )


def _screen(session: Session, org_id: int, texts: Iterable[str]) -> Screen:
    from qa_toolkit.services.partner import screen_lists

    return screen_lists(session, org_id, list(texts))


def save_edit(
    session: Session,
    org_id: int,
    period: annual.Period,
    audience: str,
    section: str,
    text: str,
    user_id: int | None,
) -> None:
    """Keep the author's paragraph (blank: back to the generated one); partner text screened."""
    if section not in annual_text.SECTION_TITLES or audience not in ("internal", "partner"):
        raise ReportProblem("There is no such section of the report.")
    cleaned = (text or "").replace("\r\n", "\n").strip()
    if len(cleaned) > MAX_EDIT:
        raise ReportProblem(f"Keep a paragraph under {MAX_EDIT:,} characters.")
    if cleaned and audience == "partner":
        found = screen(cleaned, _screen(session, org_id, [cleaned]))
        if found:
            raise ReportProblem(f"Partners cannot be shown this paragraph: {explain(found)}")
    match = (
        AnnualReportText.organisation_id == org_id,
        AnnualReportText.period_start == period.start,
        AnnualReportText.period_end == period.end,
        AnnualReportText.audience == audience,
        AnnualReportText.section == section,
    )
    row = session.scalar(select(AnnualReportText).where(*match))
    if not cleaned:
        if row is not None:
            session.delete(row)  # through the ORM, so the audit log records it
        session.flush()
        return
    if row is None:
        row = AnnualReportText(
            organisation_id=org_id, period_start=period.start, period_end=period.end,
            audience=audience, section=section, text=cleaned, updated_by_id=user_id,
        )  # fmt: skip
        session.add(row)
    else:
        row.text, row.updated_by_id = cleaned, user_id
    session.flush()


def outputs_meta(found: AnnualReport, now: datetime) -> annual_outputs.ReportMeta:
    """What the document and workbook print about the report itself."""
    return annual_outputs.ReportMeta(
        title=found.title,
        organisation=found.organisation,
        period=found.period.label,
        partner=found.audience == "partner",
        produced=f"produced {display.datetime(now)}",
    )


def document(found: AnnualReport, now: datetime) -> bytes:
    return annual_outputs.document(outputs_meta(found, now), found.sections)


def workbook(found: AnnualReport, now: datetime) -> WorkbookSpec:
    return annual_outputs.workbook(outputs_meta(found, now), found.sections)


def csv(found: AnnualReport) -> str:
    """Every figure of the report as tidy CSV (reports.tidy), as the report shows it."""
    return csv_text(annual_tidy.rows(found.title, found.figures, found.sections))
