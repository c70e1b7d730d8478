"""Matching the names an export writes (teams, IROs, social workers) to the service's records.

Exports spell people and teams their own way: "ZIELINSKA, Elin", "E. Zielinska" and "elin
zielinska" are all Elin Zielinska; "CiC Team North" is probably "Children in Care North".
A name is matched, in this order:

1. exact: the spelling of a record;
2. alias: a spelling a manager confirmed before (kept per organisation);
3. tidied: the same once case, spacing and punctuation are ignored;
4. reordered: people only, "Surname, First" for "First Surname";
5. initials: people only, "E. Zielinska", "Zielinska E" for the one record with that surname
   and a first name starting so (two such records make it a close match instead);
6. close: spellings near a record (rapidfuzz's token-sort ratio, at least `CLOSE_SCORE`, and
   for teams with the usual abbreviations written out: CiC, LAC, CLA, CIN, CP, and without
   the word "team"). These are offered, never applied: the manager picks one or a new record.

Matches 1-3 are used without asking; 4 and 5 are proposed, ready to be accepted; 6 waits
for the manager; a name with no match is new. Every spelling the manager confirms is kept as
an alias, so the next import of the same spellings needs no one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from sampling.fields import label_of

__all__ = [
    "CLOSE_SCORE",
    "AUTOMATIC",
    "Kind",
    "Known",
    "Proposal",
    "Resolution",
    "match_names",
    "name_key",
    "resolve",
]

Kind = Literal["team", "iro", "social_worker"]
How = Literal["exact", "alias", "tidied", "reordered", "initials", "close", "none"]
AUTOMATIC: frozenset[How] = frozenset({"exact", "alias", "tidied"})
PROPOSED: frozenset[How] = frozenset({"reordered", "initials"})
CLOSE_SCORE = 85.0
KIND_LABELS: Mapping[Kind, str] = {k: label_of(k) for k in ("team", "iro", "social_worker")}

_NOT_WORD = re.compile(r"[\W_]+")
_TEAM_WORDS = {
    "cic": "children in care",
    "lac": "looked after children",
    "cla": "children looked after",
    "cin": "children in need",
    "cp": "child protection",
    "lc": "leaving care",
    "uasc": "unaccompanied asylum seeking children",
}


def name_key(text: str) -> str:
    """The spelling with case, spacing and punctuation ignored: how aliases are kept."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def _team_key(text: str) -> str:
    words = [_TEAM_WORDS.get(w, w) for w in name_key(text).split() if w not in ("team", "teams")]
    return " ".join(words)


def _person_key(text: str) -> str:
    """'Surname, First' read as 'First Surname'."""
    if "," in text:
        surname, _, first = text.partition(",")
        return name_key(f"{first} {surname}")
    return name_key(text)


@dataclass(frozen=True, slots=True)
class Known:
    """A record the organisation holds: a team or a member of staff."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """What one spelling in the file matches, and how sure that is."""

    kind: Kind
    spelling: str
    how: How
    target: Known | None = None
    candidates: tuple[tuple[Known, float], ...] = ()

    @property
    def automatic(self) -> bool:
        return self.how in AUTOMATIC

    @property
    def proposed(self) -> bool:
        return self.how in PROPOSED

    @property
    def words(self) -> str:
        label = KIND_LABELS[self.kind]
        if self.target is not None:
            how = {
                "exact": "matches",
                "alias": "is a confirmed spelling of",
                "tidied": "matches (ignoring case and punctuation)",
                "reordered": "looks like (surname first)",
                "initials": "looks like (initials)",
            }[self.how]
            return f"{label} '{self.spelling}' {how} '{self.target.name}'"
        if self.candidates:
            near = ", ".join(f"'{k.name}'" for k, _ in self.candidates)
            return f"{label} '{self.spelling}' is close to {near}: choose one or a new record"
        return f"{label} '{self.spelling}' matches no record: it would be added as new"


def match_names(
    kind: Kind,
    spellings: Iterable[str],
    known: Sequence[Known],
    aliases: Mapping[str, int] | None = None,
) -> list[Proposal]:
    """A proposal for each distinct spelling, in the order given; `aliases` maps name_key of
    a confirmed spelling to its record's id."""
    by_id = {k.id: k for k in known}
    by_name = {k.name: k for k in known}
    by_key: dict[str, list[Known]] = {}
    for k in known:
        by_key.setdefault(name_key(k.name), []).append(k)
    person = kind != "team"
    aliases = aliases or {}
    out = []
    for spelling in dict.fromkeys(s for s in spellings if s and s.strip()):
        key = name_key(spelling)
        if spelling in by_name:
            out.append(Proposal(kind, spelling, "exact", by_name[spelling]))
        elif key in aliases and aliases[key] in by_id:
            out.append(Proposal(kind, spelling, "alias", by_id[aliases[key]]))
        elif len(by_key.get(key, [])) == 1:
            out.append(Proposal(kind, spelling, "tidied", by_key[key][0]))
        elif person and len(by_key.get(_person_key(spelling), [])) == 1 and "," in spelling:
            out.append(Proposal(kind, spelling, "reordered", by_key[_person_key(spelling)][0]))
        else:
            out.append(_initials_or_close(kind, spelling, known, person))
    return out


def _initials_or_close(kind: Kind, spelling: str, known: Sequence[Known], person: bool) -> Proposal:
    near: dict[int, tuple[Known, float]] = {}
    if person:
        hits = _by_initials(spelling, known)
        if len(hits) == 1:
            return Proposal(kind, spelling, "initials", hits[0])
        near.update((k.id, (k, 90.0)) for k in hits)
        keyed = {k.id: _person_key(k.name) for k in known}
        wanted = _person_key(spelling)
    else:
        keyed = {k.id: _team_key(k.name) for k in known}
        wanted = _team_key(spelling)
    for _, score, record_id in process.extract(
        wanted, keyed, scorer=fuzz.token_sort_ratio, score_cutoff=CLOSE_SCORE, limit=3
    ):
        record = next(k for k in known if k.id == record_id)
        near.setdefault(record_id, (record, round(float(score), 1)))
    if not near:
        return Proposal(kind, spelling, "none")
    ranked = sorted(near.values(), key=lambda pair: (-pair[1], pair[0].name))
    return Proposal(kind, spelling, "close", None, tuple(ranked[:3]))


def _by_initials(spelling: str, known: Sequence[Known]) -> list[Known]:
    """Records whose surname is the spelling's and whose first name starts with its initial:
    'E. Zielinska', 'E Zielinska', 'Zielinska, E.', 'ZIELINSKA E'."""
    words = name_key(_person_key(spelling)).split()
    if len(words) < 2:
        return []
    if len(words[0]) == 1:
        initial, surname = words[0], words[-1]
    elif len(words[-1]) == 1:
        initial, surname = words[-1], words[0]
    else:
        return []
    hits = []
    for record in known:
        parts = name_key(record.name).split()
        if len(parts) >= 2 and parts[-1] == surname and parts[0].startswith(initial):
            hits.append(record)
    return hits


@dataclass(frozen=True)
class Resolution:
    """Spelling -> record id for every name, or the names still waiting for a decision."""

    ids: dict[str, int]
    new: tuple[str, ...]
    confirmed: dict[str, int]  # spellings the manager confirmed: to keep as aliases
    unresolved: tuple[Proposal, ...]


NEW = 0  # In `chosen`, a record id of 0 means "add it as a new record".


def resolve(
    proposals: Sequence[Proposal],
    chosen: Mapping[str, int],
    *,
    accept_proposed: bool,
    create_new: bool,
) -> Resolution:
    """Apply the manager's choices (`chosen`: spelling -> record id, or NEW).

    Automatic matches are used; proposed ones when `accept_proposed` (or chosen); names with
    no match at all are new; close matches need a choice unless `create_new`, which also
    adds as new any other name left without one.
    """
    ids: dict[str, int] = {}
    new: list[str] = []
    confirmed: dict[str, int] = {}
    unresolved: list[Proposal] = []
    for proposal in proposals:
        spelling = proposal.spelling
        if spelling in chosen:
            if chosen[spelling] == NEW:
                new.append(spelling)
            else:
                ids[spelling] = confirmed[spelling] = chosen[spelling]
        elif proposal.automatic and proposal.target is not None:
            ids[spelling] = proposal.target.id
        elif proposal.proposed and proposal.target is not None and accept_proposed:
            ids[spelling] = confirmed[spelling] = proposal.target.id
        elif proposal.how == "none" or create_new:
            new.append(spelling)
        else:
            unresolved.append(proposal)
    return Resolution(ids, tuple(new), confirmed, tuple(unresolved))
