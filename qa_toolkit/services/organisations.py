"""Organisations, teams and staff."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import Organisation, Staff, Team


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
