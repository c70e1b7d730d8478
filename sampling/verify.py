"""Re-derive a stored sample from a case list and name every difference.

The draw is re-run from the design, the seed, the key and the earlier round's children exactly
as stored; the exclusions are re-applied as recorded (their reasons came from the database at
the time: who had been audited, which cases had closed). Then two comparisons: the case list
given against the one the sample was drawn from (cases added, removed, fields changed), and the
re-derived sample against the stored one (each case's role, stratum, rank, random number and
fate). No difference in either: the sample is identical.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields

from sampling import codes903
from sampling.allocation import AllocationLine
from sampling.design import SampleDesign, stratum_label, stratum_of
from sampling.draw import Draw, draw, replace_excluded
from sampling.records import CaseRow

Key = tuple[str, ...]
COMPARED = tuple(f.name for f in fields(CaseRow) if f.name != "attributes")
# Fields an import writes as the SSDA903 code and its words, whichever the file gave.
_CODED = {"legal_status": "LS", "placement_type": "PLACE"}


@dataclass(frozen=True)
class StoredCase:
    """One stored row of a sample: role 'selected'/'reserve', status 'in_sample'/'reserve'/
    'excluded', as the programme keeps them."""

    case_ref: str
    stratum: str
    role: str
    status: str
    rank: int
    prn: float


def derive(
    rows: Sequence[CaseRow],
    allocation: Sequence[AllocationLine],
    design: SampleDesign,
    seed: int,
    key: str | None,
    previous: Collection[str] = (),
    excluded: Mapping[str, str] | None = None,
) -> tuple[Draw, Draw]:
    """The draw as first made, and after the exclusions of the cases it drew."""
    first = draw(
        [(row.case_ref, stratum_of(design, row)) for row in rows],
        allocation,
        seed,
        design.reserves,
        design.method,
        key=key if design.numbers == "keyed" else None,
        extra_reserves={r.key: r.extra for r in design.extra_reserves},
        coordination=design.coordination,
        previous=previous,
    )
    drawn = {c.case_ref for c in first.selected} | {c.case_ref for c in first.reserves}
    relevant = {ref: why for ref, why in (excluded or {}).items() if ref in drawn}
    return first, (replace_excluded(first, relevant) if relevant else first)


def as_stored(design: SampleDesign, first: Draw, final: Draw) -> list[StoredCase]:
    """The rows a draw would have stored, to compare with the rows a programme did store."""
    in_sample = {c.case_ref for c in final.selected}
    excluded = {e.case_ref for e in final.exclusions}
    rows = []
    for role, cases in (("selected", first.selected), ("reserve", first.reserves)):
        for case in cases:
            status = (
                "in_sample"
                if case.case_ref in in_sample
                else "excluded"
                if case.case_ref in excluded
                else "reserve"
            )
            rows.append(
                StoredCase(
                    case.case_ref,
                    stratum_label(design, case.stratum)[:400],
                    role,
                    status,
                    case.rank_in_stratum,
                    case.prn,
                )
            )
    return rows


def _shown(value: object) -> str:
    return "(blank)" if value in (None, "") else repr(str(value))


def list_differences(drawn_from: Sequence[CaseRow], given: Sequence[CaseRow]) -> list[str]:
    """Cases added to or missing from the list given, and each changed field of the others."""
    before = {row.case_ref: row for row in drawn_from}
    after = {row.case_ref: row for row in given}
    said = [
        f"case added: {ref} is on this list but was not on the list the sample was drawn from"
        for ref in sorted(after.keys() - before.keys())
    ]
    said += [
        f"case removed: {ref} was on the list the sample was drawn from but is not on this one"
        for ref in sorted(before.keys() - after.keys())
    ]
    for ref in sorted(before.keys() & after.keys()):
        for name in COMPARED:
            old, new = getattr(before[ref], name), getattr(after[ref], name)
            if name in _CODED:  # 'Full care order' and 'C2: Full care order' are one status.
                old, new = (codes903.normalise(_CODED[name], v) for v in (old, new))
            if old != new and not (old in (None, "") and new in (None, "")):
                said.append(f"{ref}: {name} was {_shown(old)}, is {_shown(new)}")
    return said


def allocation_differences(
    design: SampleDesign, stored: Sequence[Mapping[str, object]], derived: Sequence[AllocationLine]
) -> list[str]:
    """Strata whose size or share differs between the stored allocation and the re-derived one."""
    old = {str(line["stratum"]): (line["population"], line["sample"]) for line in stored}
    new = {stratum_label(design, line.key): (line.population, line.sample) for line in derived}
    said = []
    for label in sorted(old.keys() | new.keys()):
        if old.get(label) == new.get(label):
            continue
        if label not in new:
            said.append(f"stratum {label}: stored with {old[label][0]} cases, none on this list")
        elif label not in old:
            said.append(f"stratum {label}: {new[label][0]} cases on this list, not in the record")
        else:
            said.append(
                f"stratum {label}: stored {old[label][0]} cases and {old[label][1]} to audit; "
                f"this list gives {new[label][0]} cases and {new[label][1]} to audit"
            )
    return said


def sample_differences(stored: Sequence[StoredCase], derived: Sequence[StoredCase]) -> list[str]:
    """Each case drawn one way and not the other, or drawn both ways but differently."""
    old = {case.case_ref: case for case in stored}
    new = {case.case_ref: case for case in derived}
    said = []
    for ref in sorted(old.keys() | new.keys()):
        was, now = old.get(ref), new.get(ref)
        if was is None and now is not None:
            said.append(f"{ref}: drawn from this list ({now.role}, rank {now.rank} in "
                        f"{now.stratum}) but not in the stored sample")  # fmt: skip
            continue
        if now is None and was is not None:
            said.append(f"{ref}: in the stored sample ({was.role}, rank {was.rank} in "
                        f"{was.stratum}) but not drawn from this list")  # fmt: skip
            continue
        assert was is not None and now is not None  # noqa: S101 (both, by the two checks above)
        if was.stratum != now.stratum:
            said.append(f"{ref}: stratum changed: stored {was.stratum}, now {now.stratum}")
        if was.role != now.role:
            said.append(f"{ref}: drawn as {was.role}, now as {now.role}")
        if was.rank != now.rank:
            said.append(f"{ref}: rank in its stratum was {was.rank}, now {now.rank}")
        if was.prn != now.prn:
            said.append(f"{ref}: random number was {was.prn!r}, now {now.prn!r}")
        if was.status != now.status:
            said.append(f"{ref}: {_STATUS[was.status]} as stored, {_STATUS[now.status]} now")
    return said


_STATUS = {"in_sample": "in the sample", "reserve": "an unused reserve", "excluded": "excluded"}
