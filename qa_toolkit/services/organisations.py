"""Organisations, teams and staff."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit.models import Organisation, Staff, Team
from qa_toolkit.services.paging import Page, paged


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "organisation"


def get_or_create_organisation(session: Session, name: str) -> tuple[Organisation, bool]:
    found = session.scalar(select(Organisation).where(Organisation.name == name))
    if found is not None:
        return found, False
    org = Organisation(name=name, slug=slugify(name))
    session.add(org)
    session.flush()
    return org, True


def find_organisation(session: Session, name_or_slug: str | None) -> Organisation:
    """The named organisation, or the only one when no name is given."""
    if name_or_slug:
        found = session.scalar(
            select(Organisation).where(
                (Organisation.name == name_or_slug) | (Organisation.slug == name_or_slug)
            )
        )
        if found is None:
            raise LookupError(f"No organisation called {name_or_slug!r}.")
        return found
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.name)).all())
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise LookupError(
            "There are no organisations yet: run `qa-toolkit demo seed` or create one."
        )
    names = ", ".join(o.name for o in orgs)
    raise LookupError(f"There are several organisations; name one with --org ({names}).")


def teams(session: Session, organisation_id: int) -> list[Team]:
    return list(
        session.scalars(
            select(Team).where(Team.organisation_id == organisation_id).order_by(Team.name)
        )
    )


def staff(session: Session, organisation_id: int) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.organisation_id == organisation_id)
            .order_by(Staff.staff_role, Staff.name)
        )
    )


def staff_page(session: Session, organisation_id: int, role: str | None, page: int) -> Page[Staff]:
    """One page (50) of the organisation's staff records (of one role, if given), by role
    and name, with the total. Read after `teams` (which holds every team of the
    organisation), each record's team comes from the session, not one query a row."""
    query = select(Staff).where(Staff.organisation_id == organisation_id)
    if role is not None:
        query = query.where(Staff.staff_role == role)
    ordered = query.order_by(Staff.staff_role, Staff.name, Staff.id)
    return paged(session, ordered, page, 50)


def staff_counts(session: Session, organisation_id: int) -> dict[str, int]:
    """How many staff records of each role, counted in the database."""
    rows = session.execute(
        select(Staff.staff_role, func.count())
        .where(Staff.organisation_id == organisation_id)
        .group_by(Staff.staff_role)
    )
    return {role: int(count) for role, count in rows}


# The fewest rows an organisation may set as its case-list limit (a real list is never smaller).
MIN_ROW_LIMIT = 10


class SettingsProblem(Problem):
    """A setting of the organisation that cannot be saved as given."""


@dataclass(frozen=True)
class Settings:
    """The settings an organisation's administrators choose for it."""

    emails_show_case_ref: bool
    case_list_row_limit: int | None  # None: the deployment's limit.


def settings_of(organisation: Organisation) -> Settings:
    return Settings(bool(organisation.emails_show_case_ref), organisation.case_list_row_limit)


def row_limit_from(text: str, deployment_limit: int) -> int | None:
    """The row limit typed in the box: blank for the deployment's; else a whole number in range."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    if not cleaned.isdigit() or not MIN_ROW_LIMIT <= int(cleaned) <= deployment_limit:
        raise SettingsProblem(
            f"Enter the most rows as a whole number from {MIN_ROW_LIMIT} to "
            f"{deployment_limit:,} (the deployment's limit), or leave it blank to use "
            "the deployment's limit.",
            field="case_list_row_limit",
        )
    return int(cleaned)


def change_settings(session: Session, organisation: Organisation, wanted: Settings) -> list[str]:
    """Save the settings; the audit log holds each change, before and after (model audited).

    Returns what changed, in words, for the page to say.
    """
    said = []
    if wanted.emails_show_case_ref != organisation.emails_show_case_ref:
        organisation.emails_show_case_ref = wanted.emails_show_case_ref
        said.append(
            "e-mails now name the case reference"
            if wanted.emails_show_case_ref
            else "e-mails no longer name the case reference"
        )
    if wanted.case_list_row_limit != organisation.case_list_row_limit:
        organisation.case_list_row_limit = wanted.case_list_row_limit
        limit = wanted.case_list_row_limit
        said.append(
            f"the case-list limit is now {limit:,} rows"
            if limit
            else "the case-list limit is now the deployment's"
        )
    session.flush()
    return said
