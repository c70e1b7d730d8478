"""What a stored sample says about itself: its shortfall, its overlap with the last round, every
design setting for the Method sheet, the commands that reproduce it, and more reserves.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from datetime import date
from importlib import metadata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit.models import (
    CaseRecord,
    Programme,
    ProgrammeStatus,
    SampleCase,
    SampleRole,
    SampleStatus,
)
from qa_toolkit.services import programmes as programme_service
from sampling.design import (
    CATEGORY_FIELDS,
    COORDINATION_TEXT,
    DATE_FIELDS,
    SampleDesign,
    StratumReserves,
    stratum_label,
)
from sampling.prn import key_fingerprint
from sampling.shortfall import Outcome, of_rows

Key = tuple[str, ...]


def toolkit_version() -> str:
    try:
        return metadata.version("qa-toolkit")
    except metadata.PackageNotFoundError:  # Run from a checkout that was never installed.
        return "unknown"


def outcome(session: Session, programme: Programme) -> Outcome:
    """Asked, drawn, excluded and reserves in every stratum, from the stored rows."""
    # Counted in the database (a row per stratum, role and status), not one row a case.
    counted = session.execute(
        select(SampleCase.stratum, SampleCase.role, SampleCase.status, func.count())
        .where(SampleCase.programme_id == programme.id)
        .group_by(SampleCase.stratum, SampleCase.role, SampleCase.status)
    ).all()
    rows = [(s, r, st) for s, r, st, n in counted for _ in range(n)]
    strata = [
        (tuple(line["key"]), str(line["stratum"]), int(line["population"]), int(line["sample"]))
        for line in programme.allocation
    ]
    return of_rows(strata, [(s, r, st) for s, r, st in rows])


def sample_refs(session: Session, programme_id: int) -> set[str]:
    return set(
        session.scalars(
            select(CaseRecord.case_ref)
            .join(SampleCase, SampleCase.case_record_id == CaseRecord.id)
            .where(
                SampleCase.programme_id == programme_id,
                SampleCase.status == SampleStatus.IN_SAMPLE.value,
            )
        )
    )


def last_round(session: Session, programme: Programme) -> Programme | None:
    """The organisation's latest programme launched before this one (launched, or drawn)."""
    cutoff = programme.launched_at or programme.created_at
    return session.scalar(
        select(Programme)
        .where(
            Programme.organisation_id == programme.organisation_id,
            Programme.id != programme.id,
            Programme.launched_at.is_not(None),
            Programme.launched_at < cutoff,
        )
        .order_by(Programme.launched_at.desc(), Programme.id.desc())
        .limit(1)
    )


def overlap(session: Session, programme: Programme) -> tuple[Programme, int] | None:
    """The last round and how many children are in both its sample and this one."""
    earlier = last_round(session, programme)
    if earlier is None:
        return None
    return earlier, len(sample_refs(session, earlier.id) & sample_refs(session, programme.id))


def coordination_text(session: Session, programme: Programme) -> str:
    design = SampleDesign.from_dict(programme.design)
    text = COORDINATION_TEXT[design.coordination]
    if design.coordinate_with is not None:
        earlier = programme_service.programme_for(
            session, programme.organisation_id, design.coordinate_with
        )
        name = earlier.name if earlier is not None else f"programme {design.coordinate_with}"
        text += f" (the earlier round: {name})"
    return text + "."


def overlap_text(session: Session, programme: Programme) -> str | None:
    found = overlap(session, programme)
    if found is None:
        return None
    earlier, both = found
    children = "child is" if both == 1 else "children are"
    return f"{both} {children} in both this sample and the last round's ({earlier.name})."


def _filters_text(design: SampleDesign) -> str:
    parts = [f"{CATEGORY_FIELDS[c.field]}: {', '.join(c.values)}" for c in design.categories]
    parts += [
        f"{DATE_FIELDS[d.field]} from {d.start or 'any date'} to {d.end or 'any date'}"
        for d in design.dates
    ]
    return "; ".join(parts) or "None"


def reserves_text(design: SampleDesign, programme: Programme) -> str:
    text = f"{design.reserves} per stratum"
    extra = [
        f"{stratum_label(design, r.key)}: {design.reserves_in(r.key)}"
        for r in design.extra_reserves
    ]
    if extra:
        text += "; more drawn before launch in " + "; ".join(extra)
    return text


def _arguments(programme: Programme, design: SampleDesign) -> list[str]:
    size = design.size
    args = ["--frame", str(programme.frame_id),
            "--template", programme.template_version.template_key]  # fmt: skip
    if size.method == "fixed":
        args += ["--n", str(size.n)]
    elif size.method == "margin":
        args += ["--margin", f"{size.margin}", "--expected", f"{size.expected}"]
    elif size.method == "discovery":
        args += ["--discovery", f"{size.tolerable}", "--max-failures", str(size.max_failures)]
    elif size.method == "percent":
        args += ["--percent", f"{size.percent}"]
    else:
        args += ["--per-stratum", str(size.per_stratum)]
    if size.method in ("margin", "discovery"):
        args += ["--confidence", f"{size.confidence}"]
    for category in design.categories:
        for value in category.values:
            args += ["--filter", f"{category.field}={value}"]
    for dates in design.dates:
        args += ["--between", f"{dates.field}={dates.start or ''}..{dates.end or ''}"]
    if design.strata:
        args += ["--strata", ",".join(design.strata)]
    args += ["--allocation", design.allocation]
    for given in design.stratum_expected:
        args += ["--stratum-expected", f"{stratum_label(design, given.key)}: {given.expected}"]
    args += ["--minimum", str(design.minimum), "--reserves", str(design.reserves),
             "--method", design.method,
             "--exclude-audited-months", str(design.exclude_audited_months or 0)]  # fmt: skip
    if design.numbers != "keyed":
        args += ["--numbers", design.numbers]
    if design.coordination != "independent":
        args += ["--coordination", design.coordination,
                 "--coordinate-with", str(design.coordinate_with)]  # fmt: skip
    return [*args, "--seed", str(programme.seed)]


def draw_command(programme: Programme) -> str:
    """The `sample draw` command with every setting of this programme (give it a new name)."""
    design = SampleDesign.from_dict(programme.design)
    words = ["qa-toolkit", "sample", "draw", *_arguments(programme, design),
             "--name", f"{programme.name} (re-drawn)"]  # fmt: skip
    return shlex.join(words)


def verify_command(programme: Programme) -> str:
    return shlex.join(["qa-toolkit", "sample", "verify", str(programme.id), "CASE_LIST.csv"])


def method_lines(
    session: Session, programme: Programme, *, internal: bool
) -> list[tuple[str, str]]:
    """Every design setting not already on the Method sheet, the shortfall and the overlap.

    The internal version lists every exclusion with its reason (they name case references),
    the filters in full, the draw command and the overlap with the last round; partners get
    none of those (a filter or an overlap can name or count a few children). Never the key
    itself anywhere: its fingerprint.
    """
    design = SampleDesign.from_dict(programme.design)
    found = outcome(session, programme)
    window = design.exclude_audited_months
    lines = [
        ("Selection", "Systematic, every k-th case from a random start" if design.method ==
         "systematic" else "The smallest random numbers in each stratum (order sampling)"),
        ("Random numbers", "Permanent: HMAC-SHA256 of the organisation's sampling key, the seed "
         "and the case reference" if design.numbers == "keyed" else "From the seed, handed out "
         "along the list in case-reference order (the scheme before permanent numbers)"),
        ("Sampling key fingerprint", key_fingerprint(programme.frame.organisation.sampling_key)
         if design.numbers == "keyed" else "Not used"),
        ("Reserves", reserves_text(design, programme)),
        ("Exclusion window", f"Cases audited by a programme launched in the last {window} "
         "months are excluded" if window else "None: recently audited cases are not excluded"),
        ("Coordination with an earlier round", coordination_text(session, programme)),
        ("Files asked for and drawn", found.summary()[:1].upper() + found.summary()[1:] + "."),
    ]  # fmt: skip
    if internal:
        lines.append(("Filters (all settings)", _filters_text(design)))
        said = overlap_text(session, programme)
        if said:
            lines.append(("Children also in the last round", said))
        for case in session.execute(
            select(CaseRecord.case_ref, SampleCase.exclusion_reason)
            .join(SampleCase, SampleCase.case_record_id == CaseRecord.id)
            .where(
                SampleCase.programme_id == programme.id,
                SampleCase.status == SampleStatus.EXCLUDED.value,
            )
            .order_by(CaseRecord.case_ref)
        ):
            lines.append((f"Excluded: {case[0]}", case[1] or ""))
    lines.append(("Toolkit version", toolkit_version()))
    if internal:
        lines.append(("Reproduce the draw", draw_command(programme)))
    lines.append(("Check it against a case list", verify_command(programme)))
    return lines


def allocation_as_drawn(found: Outcome) -> list[tuple[str, int, int, float, float | None]]:
    """(stratum, N_h, n_h drawn, n_h / N_h, weight N_h / n_h drawn): the allocation as drawn."""
    return [
        (s.label, s.population, s.drawn, s.drawn / s.population if s.population else 0.0, s.weight)
        for s in found.strata
    ]


def draw_more_reserves(session: Session, programme: Programme, today: date) -> int:
    """Before launch, draw reserves in each short stratum to fill it; returns how many came in.

    The reserves come next in the same random-number order, so the stored sample is still
    what the design (now with its extra reserves) draws from the list: `sample verify` says so.
    New reserves audited recently are excluded, as at the draw.
    """
    if programme.status != ProgrammeStatus.DRAWN.value:
        raise programme_service.ProgrammeProblem(
            "More reserves can only be drawn before the programme is launched."
        )
    found = outcome(session, programme)
    wanted = {s.key: s for s in found.can_draw_more}
    if not wanted:
        raise programme_service.ProgrammeProblem(
            "No stratum is short of cases that could still be drawn."
        )
    design = SampleDesign.from_dict(programme.design)
    planned = programme_service.plan(session, programme.frame, design)
    extra = {r.key: r.extra for r in design.extra_reserves}
    # One draw with every undrawn case of the short strata as a reserve, in number order;
    # then as many of them as fill each gap are kept.
    widest = replace(
        design,
        extra_reserves=tuple(
            StratumReserves(k, extra.get(k, 0) + (wanted[k].more_available if k in wanted else 0))
            for k in sorted(extra.keys() | wanted.keys())
        ),
    )
    first, final = programme_service.derive_draw(
        session, programme.organisation_id, replace(planned, design=widest), programme.seed, today
    )
    reasons = {e.case_ref: e.reason for e in final.exclusions}
    ids = {row.case_ref: record_id for record_id, row in planned.rows}
    brought = 0
    for key, line in wanted.items():
        fresh = [c for c in first.reserves if c.stratum == key][line.reserves :]
        short, added = line.short, 0
        for reserve in fresh:
            if not short:
                break
            added += 1
            case = SampleCase(
                programme_id=programme.id,
                case_record_id=ids[reserve.case_ref],
                stratum=stratum_label(design, key)[:400],
                role=SampleRole.RESERVE.value,
                status=SampleStatus.EXCLUDED.value
                if reserve.case_ref in reasons
                else SampleStatus.RESERVE.value,
                rank_in_stratum=reserve.rank_in_stratum,
                prn=reserve.prn,
                exclusion_reason=reasons.get(reserve.case_ref),
            )
            session.add(case)
            session.flush()
            if case.status == SampleStatus.RESERVE.value:
                _bring_in(session, programme, case)
                brought += 1
                short -= 1
        extra[key] = extra.get(key, 0) + added
    programme.design = replace(
        design, extra_reserves=tuple(StratumReserves(k, v) for k, v in sorted(extra.items()))
    ).to_dict()
    session.flush()
    return brought


def _bring_in(session: Session, programme: Programme, reserve: SampleCase) -> None:
    """The reserve takes the place of the earliest excluded case of its stratum not replaced."""
    replaced = set(
        session.scalars(
            select(SampleCase.replaces_id).where(
                SampleCase.programme_id == programme.id, SampleCase.replaces_id.is_not(None)
            )
        )
    )
    gap = next(
        (
            c
            for c in session.scalars(
                select(SampleCase)
                .where(
                    SampleCase.programme_id == programme.id,
                    SampleCase.stratum == reserve.stratum,
                    SampleCase.status == SampleStatus.EXCLUDED.value,
                    SampleCase.role == SampleRole.SELECTED.value,
                )
                .order_by(SampleCase.rank_in_stratum)
            )
            if c.id not in replaced
        ),
        None,
    )
    reserve.status = SampleStatus.IN_SAMPLE.value
    reserve.replaces_id = gap.id if gap is not None else None
    session.flush()
    programme_service.reweight(session, programme, reserve.stratum)
