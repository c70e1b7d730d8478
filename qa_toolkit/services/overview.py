"""The service overview (every programme over time) and combined findings for a shared service.

Each launched programme is rolled up once per page; reports.overview does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit.models import SHARED_SCOPE, Action, Programme, TemplateVersion
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services.templates import template_of
from reports.actions import CLOSED
from reports.disclosure import Rules
from reports.disclosure_views import combined_sites, overview_round
from reports.overview import (
    Combined,
    Round,
    Site,
    ThemeTrend,
    TrendChart,
    combine,
    grade_summary,
    theme_trend,
    trend_chart,
)
from reports.rollup import Rollup
from reports.tidy import TidyRow
from reports.tidy_views import combined_rows, overview_rows


@dataclass(frozen=True)
class ProgrammeLine:
    programme: Programme
    version: int
    files: int
    grades: str


@dataclass(frozen=True)
class TemplateGroup:
    """One template's programmes, oldest first, and its trend when it has two rounds or more."""

    key: str
    title: str
    lines: list[ProgrammeLine]
    trend: list[ThemeTrend]
    chart: TrendChart | None
    combinable: bool  # launched in two or more of the user's organisations


@dataclass(frozen=True)
class Overview:
    groups: list[TemplateGroup]
    overdue_actions: int


def _launched(
    session: Session, organisation_ids: Collection[int], template_key: str | None = None
) -> list[tuple[Programme, TemplateVersion]]:
    """Launched programmes of these organisations (optionally of one template), oldest first."""
    query = (
        select(Programme, TemplateVersion)
        .join(TemplateVersion, Programme.template_version_id == TemplateVersion.id)
        .where(Programme.organisation_id.in_(organisation_ids), Programme.launched_at.is_not(None))
        .order_by(Programme.launched_at, Programme.id)
    )
    if template_key is not None:
        query = query.where(TemplateVersion.template_key == template_key)
    return [(programme, version) for programme, version in session.execute(query)]


def _rollup(session: Session, programme: Programme, version: TemplateVersion) -> Rollup:
    # The findings page's own roll-up (with its stratum populations), so the figures agree.
    return findings_service._rollup(session, programme, template_of(version))


def _launched_on(programme: Programme) -> date:
    assert programme.launched_at is not None  # noqa: S101 (only launched programmes come here)
    return programme.launched_at.date()


def overdue_actions(session: Session, organisation_id: int, today: date) -> int:
    """Open actions past their due date: the rule of list_actions' Scope.OVERDUE (Rag.RED)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Action)
            .where(
                Action.organisation_id == organisation_id,
                Action.status.not_in([s.value for s in CLOSED]),
                Action.due_date < today,
            )
        )
        or 0
    )


def shared_templates(session: Session, organisation_ids: Collection[int]) -> set[str]:
    """Template keys with a launched programme in two or more of these organisations."""
    if len(organisation_ids) < 2:
        return set()
    rows = session.execute(
        select(TemplateVersion.template_key)
        .join(Programme, Programme.template_version_id == TemplateVersion.id)
        .where(Programme.organisation_id.in_(organisation_ids), Programme.launched_at.is_not(None))
        .group_by(TemplateVersion.template_key)
        .having(func.count(func.distinct(Programme.organisation_id)) >= 2)
    ).scalars()
    return set(rows)


def overview(
    session: Session,
    organisation_id: int,
    member_of: Collection[int],
    today: date,
    partner: Rules | None = None,
) -> Overview:
    """Every launched programme of the organisation grouped by template, with theme trends;
    with `partner` rules, each round as partners see it (reports.disclosure_views)."""
    groups: dict[str, list[tuple[Programme, TemplateVersion, Rollup]]] = {}
    for programme, version in _launched(session, [organisation_id]):
        rolled = _rollup(session, programme, version)
        if partner is not None:
            rolled = overview_round(rolled, partner)
        groups.setdefault(version.template_key, []).append((programme, version, rolled))
    combinable = shared_templates(session, member_of) if organisation_id in member_of else set()
    result = []
    for key, found in groups.items():
        rounds = [Round(p.id, p.name, _launched_on(p), v.version, rolled) for p, v, rolled in found]
        trend = theme_trend(rounds) if len(rounds) > 1 else []
        result.append(
            TemplateGroup(
                key=key,
                title=found[-1][1].title,  # the latest round's title
                lines=[
                    ProgrammeLine(p, v.version, rolled.files, grade_summary(rolled))
                    for p, v, rolled in found
                ],
                trend=trend,
                chart=trend_chart(trend, rounds) if trend else None,
                combinable=key in combinable,
            )
        )
    result.sort(key=lambda g: g.title.lower())
    return Overview(result, overdue_actions(session, organisation_id, today))


@dataclass(frozen=True)
class CombinedFindings:
    template_key: str
    title: str
    combined: Combined
    without: list[str]  # the user's organisations with no launched round of the template
    left_out: list[str] = field(default_factory=list)  # partners: too few files to pool


def combined(
    session: Session,
    organisations: Mapping[int, str],
    template_key: str,
    partner: Rules | None = None,
) -> CombinedFindings | None:
    """The latest launched round of the template in each of these organisations, side by side.

    `organisations` (id -> name) must be the user's own memberships: nothing else is read.
    None when no such template is visible to any of them (the page is then not found).
    """
    ids = list(organisations)
    if not ids:
        return None
    latest: dict[int, tuple[Programme, TemplateVersion]] = {}
    for programme, version in _launched(session, ids, template_key):
        latest[programme.organisation_id] = (programme, version)  # oldest first: the last wins
    title = session.scalar(
        select(TemplateVersion.title)
        .where(
            TemplateVersion.template_key == template_key,
            TemplateVersion.scope.in_([SHARED_SCOPE, *ids]),
        )
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    )
    if title is None:  # A programme's template is always visible to its organisation.
        return None
    order = sorted(ids, key=lambda i: organisations[i].lower())
    sites = []
    for org_id in order:
        if org_id in latest:
            programme, version = latest[org_id]
            rolled = _rollup(session, programme, version)
            sites.append(
                Site(organisations[org_id], programme.name, _launched_on(programme),
                     version.version, rolled)
            )  # fmt: skip
    left_out: list[str] = []
    if partner is not None:
        sites, left_out = combined_sites(sites, partner)
    return CombinedFindings(
        template_key=template_key,
        title=title,
        combined=combine(sites),
        without=[organisations[i] for i in order if i not in latest],
        left_out=left_out,
    )


def overview_figures(found: Overview) -> list[TidyRow]:
    """Every figure of the overview page as tidy rows (reports.tidy_views), as it shows them."""
    rows: list[TidyRow] = []
    for group in found.groups:
        rounds = [(line.programme.name, line.files) for line in group.lines]
        rows += overview_rows(group.title, rounds, group.trend)
    return rows


def combined_figures(found: CombinedFindings) -> list[TidyRow]:
    """Every figure of the combined findings page as tidy rows, as it shows them."""
    return combined_rows(found.combined)
