"""A programme's board pack from the database: the findings page's figures, as a Word paper.

The internal pack is laid out from the same `findings()` the internal page renders; the
partner pack from the same partner object the partner page renders (services.partner), so
every figure in either pack is the page's. Nothing here decides what partners see.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from conventions import display
from qa_toolkit.models import Programme
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import findings_exports
from qa_toolkit.services import partner as partner_service
from reports import board_pack
from reports.disclosure import Rules
from reports.workbook import MethodNote

AUDIENCES = ("lscp", "internal")


def _method_lines(note: MethodNote) -> list[tuple[str, str]]:
    lines = [
        ("Case list", f"{note.frame}, dated {display.date(note.frame_date)}, "
         f"{display.count(note.frame_size)} children"),
        *note.design,
        ("Seed", str(note.seed)),
        ("Case list fingerprint", note.frame_fingerprint),
        ("Draw fingerprint", note.draw_fingerprint),
        ("Excluded after the draw", display.count(note.exclusions)),
        ("Estimates", "Shares of answers meeting the standard, with the file as the sampling "
         "unit; 95% intervals; Not applicable answers are left out of the denominator."),
    ]  # fmt: skip
    return lines


def _theme_targets(result: findings_service.ProgrammeFindings) -> dict[str, float | None]:
    """A theme's target: the lowest target of its questions (as the findings page marks it)."""
    found: dict[str, float | None] = {}
    for theme in result.rollup.themes:
        targets = [
            q.target for q in result.rollup.questions if theme.theme_id in q.themes and q.target
        ]
        found[theme.theme_id] = min(targets) if targets else None
    return found


def build(
    session: Session, programme: Programme, audience: str, rules: Rules, today: date
) -> board_pack.BoardPack:
    """The 'lscp' (partner) or 'internal' board pack of a programme."""
    if audience not in AUDIENCES:
        raise ValueError(f"The board pack is for 'lscp' or 'internal', not {audience!r}.")
    result = findings_service.findings(session, programme)
    partner = partner_service.partner_findings(session, result, rules)
    actions = partner_service.partner_actions(session, result, today)
    note = findings_exports.method_note(session, programme, result, audience == "lscp")
    previous = result.previous.name if result.previous is not None else None
    targets = _theme_targets(result)
    if audience == "lscp":
        return board_pack.partner(
            partner,
            programme=programme.name,
            template=result.template.title,
            theme_targets={
                key: None if value is None else int(display.percent_value(value))
                for key, value in targets.items()
            },
            previous=previous,
            actions=actions,
            method=_method_lines(note),
            reaudit=findings_exports.partner_reaudit(session, result, partner),
        )
    return board_pack.internal(
        result.rollup,
        programme=programme.name,
        template=result.template.title,
        narrative=result.narrative,
        theme_targets=targets,
        trend=[(line.theme, line.comparison) for line in result.trend],
        previous=previous,
        good_practice=partner.highlights,
        actions=actions,
        method=_method_lines(note),
    )


def document(pack: board_pack.BoardPack, organisation: str, now: datetime) -> bytes:
    return board_pack.document(pack, f"produced {display.datetime(now)}", organisation)
