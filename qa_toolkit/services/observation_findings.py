"""What the peer observations show: finalised observations rolled up per criterion and theme.

An observation is an audit with an observed IRO and no programme. Only finalised observations
count (a submitted or moderated one may still change). Each observation template is rolled up
on its newest version that has a finalised observation, because a roll-up reads one version's
criteria; finalised observations on older versions are counted and said to be left out.

The observed IRO is named only when `name_observed` is set (the managers' page): otherwise the
records carry no names at all, so nothing downstream can show one. The partner version (any
other reader) is reports.disclosure's partner object of the roll-up, over whole blocks of
quarters holding at least k observations each (reports.disclosure_views.period_blocks): the
period asked for is narrowed to the blocks inside it, so that two periods never differ by
fewer than k meetings, and with it the IRO who chaired one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from problems import Problem
from qa_toolkit.models import Audit, AuditStatus, TemplateVersion, User
from qa_toolkit.services.templates import template_of
from reports import disclosure
from reports.disclosure_views import blocks_within, period_blocks
from reports.rollup import AuditRecord, Rollup, rollup
from reports.tidy import TidyRow, internal_rows, partner_rows

AWAITING = (AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value)


class PeriodProblem(Problem):
    """A period that cannot be used; the message says why."""


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None


def parse_period(start: str | None, end: str | None) -> Period:
    """The meeting-date period from the page's 'from' and 'to' fields (either may be blank)."""

    def one(text: str | None, what: str) -> date | None:
        text = (text or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise PeriodProblem(
                f"Enter the {what} date like 2026-04-01, or leave it blank."
            ) from None

    period = Period(one(start, "from"), one(end, "to"))
    if period.start and period.end and period.start > period.end:
        raise PeriodProblem("The period ends before it starts: swap the two dates.")
    return period


@dataclass(frozen=True)
class ObservationFindings:
    """One observation template's findings over the period."""

    key: str
    template: Template
    rollup: Rollup
    first_meeting: date | None
    last_meeting: date | None
    older_versions: int  # finalised in the period on an older version: left out
    awaiting: int  # submitted or moderated in the period, not yet finalised
    theme_targets: dict[str, float | None]
    # The partner version: its partner object, and the whole blocks the period was narrowed to
    # (None: no whole block fits inside the period asked for).
    partner: disclosure.PartnerFindings | None = None
    partner_period: tuple[date, date] | None = None

    @property
    def observations(self) -> int:
        return self.rollup.files


def observation_findings(
    session: Session,
    organisation_id: int,
    period: Period,
    *,
    name_observed: bool,
    rules: disclosure.Rules | None = None,
) -> list[ObservationFindings]:
    """Every observation template's roll-up over the period, newest version of each; for
    partners (`name_observed` False) over whole blocks only, as its partner object."""
    rows = session.execute(
        select(Audit, TemplateVersion)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(
            Audit.organisation_id == organisation_id,
            Audit.observed_user_id.is_not(None),
            Audit.programme_id.is_(None),
            Audit.status.in_((AuditStatus.FINALISED.value, *AWAITING)),
        )
        .order_by(Audit.meeting_date, Audit.id)
    ).all()
    newest: dict[str, TemplateVersion] = {}
    for audit, version in rows:
        if audit.status != AuditStatus.FINALISED.value:
            continue
        best = newest.get(version.template_key)
        if best is None or version.version > best.version:
            newest[version.template_key] = version
    names: dict[int, str] = {}
    if name_observed:
        observed = {a.observed_user_id for a, _v in rows if a.observed_user_id is not None}
        names = {
            user_id: name
            for user_id, name in session.execute(
                select(User.id, User.display_name).where(User.id.in_(observed))
            )
        }
    found = []
    for key, version in sorted(newest.items(), key=lambda item: item[1].title.lower()):
        chosen: list[Audit] = []
        older = awaiting = 0
        shown_period = period
        partner_period = None
        if not name_observed:
            days = [
                a.meeting_date
                for a, row in rows
                if row.id == version.id
                and a.status == AuditStatus.FINALISED.value
                and a.meeting_date is not None
            ]
            blocks = period_blocks(days, rules or disclosure.Rules())
            partner_period = blocks_within(blocks, period.start, period.end)
            # No whole block fits: nothing is chosen (an empty period, before any meeting).
            shown_period = Period(*partner_period) if partner_period else Period(date.min, date.min)
        for audit, row in rows:
            if row.template_key != key or not _in(shown_period, audit.meeting_date):
                continue
            if audit.status != AuditStatus.FINALISED.value:
                awaiting += 1
            elif row.id == version.id:
                chosen.append(audit)
            else:
                older += 1
        template = template_of(version)
        records = [_record(audit, names if name_observed else None) for audit in chosen]
        meetings = [a.meeting_date for a in chosen if a.meeting_date is not None]
        rolled = rollup(template, records)
        found.append(
            ObservationFindings(
                key=key,
                template=template,
                rollup=rolled,
                first_meeting=min(meetings, default=None),
                last_meeting=max(meetings, default=None),
                older_versions=older,
                awaiting=awaiting,
                theme_targets=_theme_targets(template),
                partner=None
                if name_observed
                else disclosure.programme(
                    rolled, rules=rules or disclosure.Rules(), title=template.title
                ),
                partner_period=partner_period,
            )
        )
    return found


def _in(period: Period, day: date | None) -> bool:
    if period.start is None and period.end is None:
        return True
    if day is None:
        return False
    return (period.start is None or day >= period.start) and (
        period.end is None or day <= period.end
    )


def _record(audit: Audit, names: dict[int, str] | None) -> AuditRecord:
    """An observation as the roll-up reads it; the observed IRO only when names are given."""
    attributes: dict[str, str | None] = {}
    if names is not None and audit.observed_user_id is not None:
        attributes["iro"] = names.get(audit.observed_user_id, "Not recorded")
    return AuditRecord(
        answers=dict(audit.final_answers or audit.answers),
        grade=audit.grade,
        attributes=attributes,
        highlights=dict(audit.highlights or {}),
        concern=audit.concern,
    )


def _theme_targets(template: Template) -> dict[str, float | None]:
    """A theme's target: the lowest target of its criteria (what every one must reach)."""
    targets: dict[str, float | None] = {}
    for theme in template.themes:
        values = [
            q.target
            for q in template.questions()
            if q.is_scored and theme.id in q.themes and q.target is not None
        ]
        targets[theme.id] = min(values) if values else None
    return targets


def figure_rows(groups: list[ObservationFindings], *, internal: bool) -> list[TidyRow]:
    """Every figure of the page as tidy rows: the roll-ups (managers' page, names the observed
    IRO) or each template's partner object over its whole blocks (reports.tidy)."""
    if internal:
        return [row for g in groups for row in internal_rows(g.template.title, g.rollup)]
    return [
        row for g in groups if g.partner is not None
        for row in partner_rows(g.template.title, g.partner)
    ]  # fmt: skip
