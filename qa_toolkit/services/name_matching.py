"""Match the teams, IROs and social workers a case list names to the organisation's records.

The rules are `sampling.names`'; this module reads the records and confirmed spellings,
and on import adds the new records and keeps the manager's confirmations as aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat

from sqlalchemy import select
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit.models import NameAlias, Staff, Team
from sampling.names import Kind, Known, Proposal, Resolution, match_names, name_key, resolve

KINDS: tuple[Kind, ...] = ("team", "iro", "social_worker")


@dataclass(frozen=True)
class NameChoices:
    """How an import treats names: the manager's choices (kind, spelling) -> record id or
    `sampling.names.NEW`; whether the proposed matches are accepted; whether names left
    without a choice are added as new records."""

    chosen: Mapping[tuple[Kind, str], int] = field(default_factory=dict)
    accept_proposed: bool = False
    create_new: bool = False


class NamesUnresolved(Problem):
    """Some names need the manager's choice before the list can be imported."""

    def __init__(self, unresolved: Sequence[Proposal]) -> None:
        self.unresolved = tuple(unresolved)
        super().__init__(
            f"{len(unresolved)} name(s) need a decision before the import: "
            + "; ".join(p.words for p in unresolved[:10])
        )


def known_records(session: Session, organisation_id: int, kind: Kind) -> list[Known]:
    if kind == "team":
        rows = session.execute(
            select(Team.id, Team.name)
            .where(Team.organisation_id == organisation_id)
            .order_by(Team.id)  # equally close names are proposed in one order everywhere
        )
    else:
        rows = session.execute(
            select(Staff.id, Staff.name)
            .where(Staff.organisation_id == organisation_id, Staff.staff_role == kind)
            .order_by(Staff.id)
        )
    return [Known(int(i), str(n)) for i, n in rows]


def aliases(session: Session, organisation_id: int, kind: Kind) -> dict[str, int]:
    target = NameAlias.team_id if kind == "team" else NameAlias.staff_id
    rows = session.execute(
        select(NameAlias.key, target).where(
            NameAlias.organisation_id == organisation_id, NameAlias.kind == kind
        )
    )
    return {str(k): int(i) for k, i in rows if i is not None}


def propose(
    session: Session, organisation_id: int, names: Mapping[Kind, Iterable[str | None]]
) -> list[Proposal]:
    """A proposal for every distinct name of each kind, teams first."""
    out: list[Proposal] = []
    for kind in KINDS:
        spellings = [n for n in dict.fromkeys(names.get(kind, ())) if n]
        if spellings:
            known = known_records(session, organisation_id, kind)
            out += match_names(kind, spellings, known, aliases(session, organisation_id, kind))
    return out


def apply(
    session: Session,
    organisation_id: int,
    user_id: int | None,
    names: Mapping[Kind, Sequence[str | None]],
    choices: NameChoices,
) -> dict[Kind, dict[str, int]]:
    """Spelling -> record id for every name of each kind, adding new records and keeping
    confirmed spellings; raises NamesUnresolved (changing nothing) while any needs a choice."""
    proposals = propose(session, organisation_id, names)
    resolutions: dict[Kind, Resolution] = {}
    for kind in KINDS:
        mine = [p for p in proposals if p.kind == kind]
        chosen = {s: i for (k, s), i in choices.chosen.items() if k == kind}
        resolutions[kind] = resolve(
            mine, chosen, accept_proposed=choices.accept_proposed, create_new=choices.create_new
        )
    unresolved = [p for r in resolutions.values() for p in r.unresolved]
    if unresolved:
        raise NamesUnresolved(unresolved)
    _check_chosen(session, organisation_id, resolutions)
    ids: dict[Kind, dict[str, int]] = {kind: dict(r.ids) for kind, r in resolutions.items()}
    for spelling in sorted(resolutions["team"].new):
        added = Team(organisation_id=organisation_id, name=spelling[:200])
        session.add(added)
        session.flush()
        ids["team"][spelling] = added.id
    teams_of = _first_team(names)
    for kind in ("iro", "social_worker"):
        for spelling in sorted(resolutions[kind].new):
            team = teams_of.get(spelling) if kind == "social_worker" else None
            person = Staff(
                organisation_id=organisation_id,
                name=spelling[:200],
                staff_role=kind,
                team_id=ids["team"].get(team) if team else None,
            )
            session.add(person)
            session.flush()
            ids[kind][spelling] = person.id
    for kind, resolution in resolutions.items():
        for spelling, record_id in resolution.confirmed.items():
            _keep_alias(session, organisation_id, user_id, kind, spelling, record_id)
    session.flush()
    return ids


def _check_chosen(
    session: Session, organisation_id: int, resolutions: Mapping[Kind, Resolution]
) -> None:
    """A chosen record must be one of this organisation's, of the right kind."""
    for kind, resolution in resolutions.items():
        allowed = {k.id for k in known_records(session, organisation_id, kind)}
        wrong = [s for s, i in resolution.confirmed.items() if i not in allowed]
        if wrong:
            raise NamesUnresolved(
                [Proposal(kind, s, "none") for s in wrong]  # shown as needing a choice again
            )


def _first_team(names: Mapping[Kind, Sequence[str | None]]) -> dict[str, str]:
    """Each social worker's team: the team of the first row naming them."""
    workers, teams = names.get("social_worker", ()), names.get("team", ())
    pairs = zip(workers, teams, strict=True) if teams else zip(workers, repeat(None))
    first: dict[str, str] = {}
    for worker, team in dict.fromkeys(pairs):
        if worker and team:
            first.setdefault(worker, team)
    return first


def _keep_alias(
    session: Session,
    organisation_id: int,
    user_id: int | None,
    kind: Kind,
    spelling: str,
    record_id: int,
) -> None:
    key = name_key(spelling)[:200]
    found = session.scalar(
        select(NameAlias).where(
            NameAlias.organisation_id == organisation_id,
            NameAlias.kind == kind,
            NameAlias.key == key,
        )
    )
    if found is None:
        found = NameAlias(organisation_id=organisation_id, kind=kind, key=key)
        session.add(found)
    found.spelling = spelling[:200]
    found.team_id = record_id if kind == "team" else None
    found.staff_id = None if kind == "team" else record_id
    found.created_by_id = user_id
