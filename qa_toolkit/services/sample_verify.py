"""Re-derive a programme's sample from a case-list file and say what differs (sampling/verify.py).

The file is read as an import would read it (the case list's own column mapping where its
headings are in the file, else the usual guess) but nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import CaseRecord, Programme, SampleCase, SampleStatus
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.frames import case_rows, initial_mapping, read
from sampling.design import SampleDesign
from sampling.frame import parse_frame
from sampling.verify import (
    StoredCase,
    allocation_differences,
    as_stored,
    derive,
    list_differences,
    sample_differences,
)


@dataclass(frozen=True)
class Verification:
    """What differs: the list, the allocation, the sample. All empty: identical."""

    case_list: list[str]
    allocation: list[str]
    sample: list[str]

    @property
    def identical(self) -> bool:
        return not (self.case_list or self.allocation or self.sample)

    def lines(self) -> list[str]:
        if self.identical:
            return ["identical"]
        out: list[str] = []
        for title, said in (
            ("The case list differs from the one the sample was drawn from", self.case_list),
            ("The allocation differs", self.allocation),
            ("The sample re-derived from this list differs", self.sample),
        ):
            if said:
                out.append(f"{title} ({len(said)}):")
                out += [f"  {line}" for line in said]
        if not self.sample:
            out.append("The sample re-derived from this list is the same as the stored one.")
        return out


def stored_sample(session: Session, programme: Programme) -> list[StoredCase]:
    return [
        StoredCase(ref, case.stratum, case.role, case.status, case.rank_in_stratum, case.prn)
        for case, ref in session.execute(
            select(SampleCase, CaseRecord.case_ref)
            .join(CaseRecord, SampleCase.case_record_id == CaseRecord.id)
            .where(SampleCase.programme_id == programme.id)
            .order_by(CaseRecord.case_ref)
        ).all()
    ]


def verify(session: Session, programme: Programme, raw: bytes, filename: str) -> Verification:
    """Compare the programme's stored sample with the one its design draws from this file.

    Raises ImportRefused (unreadable file) or ProgrammeProblem (the file has errors: the first
    ones are named with their row and column).
    """
    frame = programme.frame
    table = read(raw, filename)
    mapping = initial_mapping(table, dict(frame.column_mapping or {}))
    result = parse_frame(table, mapping, frame.as_at)
    if not result.ok:
        shown = "; ".join(
            f"row {p.row}, column {p.column}: {p.message}"
            if p.row is not None
            else (f"column {p.column}: {p.message}" if p.column else p.message)
            for p in result.errors[:5]
        )
        raise programme_service.ProgrammeProblem(
            f"{filename} cannot be read as a case list ({result.error_count} problem(s)): {shown}"
        )
    given = result.rows
    design = SampleDesign.from_dict(programme.design)
    stored = stored_sample(session, programme)
    excluded = {c.case_ref: "as recorded" for c in stored if c.status == SampleStatus.EXCLUDED}
    scoped = programme_service.scope_of(frame.id, list(enumerate(given)), design)
    planned = programme_service.plan(session, frame, design, scoped)
    key = programme.frame.organisation.sampling_key if design.numbers == "keyed" else None
    first, final = derive(
        [row for _, row in planned.rows],
        planned.allocation,
        design,
        programme.seed,
        key,
        programme_service.previous_round(session, programme.organisation_id, design),
        excluded,
    )
    return Verification(
        case_list=list_differences([row for _, row in case_rows(session, frame.id)], given),
        allocation=allocation_differences(design, programme.allocation, planned.allocation),
        sample=sample_differences(stored, as_stored(design, first, final)),
    )
