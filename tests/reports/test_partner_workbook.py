"""The partner object and the partner workbook written from it, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from audit_templates.loader import load_template_text
from reports import disclosure
from reports.excel import write_workbook
from reports.partner_workbook import PartnerAction, build
from reports.rollup import AuditRecord, Rollup, rollup
from reports.text_screen import Screen
from reports.workbook import MethodNote
from tests.support.app import example_template_yaml

TEMPLATE = load_template_text(example_template_yaml(), "example.yaml")
METHOD = MethodNote(
    frame="Children in care at 31 March",
    frame_date=dt.date(2026, 3, 31),
    frame_size=812,
    design=[("Strata", "IRO")],
    seed=1,
    frame_fingerprint="f" * 64,
    draw_fingerprint="d" * 64,
    allocation=[],
    exclusions=0,
)
RULES = disclosure.Rules()


def _audit(answer: str, team: str, disability: str = "N", iro: str = "Ann Lee") -> AuditRecord:
    return AuditRecord(
        {"consulted": answer, "age_band": "Under 16"},
        "good",
        stratum=f"Team: {team}",
        attributes={"team": team, "iro": iro, "disability": disability},
    )


def _book(found: disclosure.PartnerFindings, actions: tuple[PartnerAction, ...] = ()) -> Any:
    spec = build(found, title="Findings", programme="Voice", method=METHOD, actions=actions)
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def _values(book: Any) -> list[Any]:
    return [v for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v]


def test_a_one_file_programme_publishes_only_the_count_of_work_done() -> None:
    one = rollup(TEMPLATE, [_audit("yes", "Disabled Children", "Y")])
    found = disclosure.programme(one, rules=RULES, title="Voice")
    assert not found.shown and found.files == 1
    book = _book(found)
    assert book.sheetnames == ["Summary", "Limitations", "Method"]
    text = " ".join(str(v) for v in _values(book))
    assert "Figures appear when at least 5 files are finalised." in text
    for leak in ("Disabled Children", "Yes", "100", "Good"):
        assert leak not in text.replace("Children in care", "")
    summary = [v for r in book["Summary"].iter_rows(values_only=True) for v in r]
    numbers = [v for v in summary if isinstance(v, int | float)]
    assert numbers == [1]  # files finalised, nothing else


def test_a_small_group_is_suppressed_with_a_complement_and_nothing_is_a_fraction() -> None:
    # North 6 files, South 6, Disabled Children 2: hiding only the 2 would give it by
    # subtraction from the 14, so a second group is hidden with it.
    audits = (
        [_audit("yes", "North")] * 5 + [_audit("no", "North")]
        + [_audit("yes", "South")] * 4 + [_audit("partly", "South")] * 2
        + [_audit("no", "Disabled Children", "Y")] * 2
    )  # fmt: skip
    found = disclosure.programme(rollup(TEMPLATE, audits), rules=RULES, title="Voice")
    (team,) = [b for b in found.breakdowns if b.key == "team"]
    hidden = {r.group for r in team.rows if r.suppressed}
    assert "Disabled Children" in hidden and len(hidden) == 2
    assert all(b.key != "iro" for b in found.breakdowns)  # staff never, whatever the size
    book = _book(found)
    assert "By iro" not in book.sheetnames
    assert not [v for v in _values(book) if isinstance(v, float) and v != int(v)]
    overall = found.overall
    assert overall is not None
    # 9 of 14 answers met: 64.28...% is 64; Wilson 9/14 is 38.8%-83.7%, rounded outward.
    assert (overall.met, overall.answered, overall.percent) == (9, 14, 64)
    assert (overall.low, overall.high) == (38, 84)
    method = dict(
        r[:2] for r in book["Method"].iter_rows(values_only=True) if r[0] and r[1] is not None
    )
    assert "QA_TOOLKIT_PARTNER_MIN_FILES = 5" in method["Disclosure: threshold"]
    assert "tau-ARGUS" in method["Disclosure: secondary suppression"]
    assert "docs/statistics.md" in method["Statistical methods"]


def test_percentages_round_half_up_on_the_exact_fraction() -> None:
    assert disclosure.percent(1, 8) == 13  # 12.5 exactly: half up, never to even
    assert disclosure.percent(57, 200) == 29  # 28.5
    assert disclosure.percent(2, 3) == 67


def test_strata_sizes_are_given_only_where_each_is_at_least_k() -> None:
    strata = [
        disclosure.StratumSize("Team: North", 120, 9),
        disclosure.StratumSize("Team: South", 80, 7),
        disclosure.StratumSize("Team: East", 60, 6),
        disclosure.StratumSize("Team: Disabled Children", 14, 2),
    ]
    audits = [_audit("yes", "North")] * 9 + [_audit("yes", "South")] * 7
    audits += [_audit("no", "East")] * 4  # 2 of East's 6 sampled files not finalised yet
    found = disclosure.programme(
        rollup(TEMPLATE, audits), rules=RULES, strata=strata, minimum_per_stratum=2
    )
    labels = [s.label for s in found.strata]
    # Disabled Children is merged, and with it enough others that its 2 cannot be worked out,
    # East and South as well (a team's files, given by team, bound its stratum's sample).
    assert labels[0] == "Team: North" and len(labels) == 2
    (team,) = [b for b in found.breakdowns if b.key == "team"]
    assert {r.group for r in team.rows if r.suppressed} == {"East", "South"}
    assert found.strata_note and "merged" in found.strata_note
    assert sum(s.sample for s in found.strata) == 24
    assert sum(s.population for s in found.strata) == 274
    # Had East's 6 files all been finalised, South's and East's 13 files would fill 13 of the
    # merged 15 samples, leaving Disabled Children's 2 known: the strata are then withheld.
    audits += [_audit("no", "East")] * 2
    found = disclosure.programme(
        rollup(TEMPLATE, audits), rules=RULES, strata=strata, minimum_per_stratum=2
    )
    assert found.strata == () and found.strata_note and "not given" in found.strata_note


def test_people_strata_are_numbered() -> None:
    strata = [
        disclosure.StratumSize("IRO: Ann Lee", 50, 8),
        disclosure.StratumSize("IRO: Bo Chan", 40, 6),
    ]
    audits = [_audit("yes", "North")] * 8 + [_audit("no", "South")] * 6
    found = disclosure.programme(
        rollup(TEMPLATE, audits), rules=RULES, strata=strata, people_strata=True
    )
    assert [s.label for s in found.strata] == ["Stratum 1", "Stratum 2"]
    text = " ".join(str(v) for v in _values(_book(found)))
    assert "Ann Lee" not in text and "Bo Chan" not in text


@pytest.mark.parametrize(
    ("shared", "approved", "text", "published"),
    [
        (True, True, "The IRO met the child at school, as the child asked.", True),
        (True, False, "The IRO met the child at school, as the child asked.", False),
        (False, True, "The IRO met the child at school, as the child asked.", False),
        (True, True, "Ann Lee met the child on 03/04/2026.", False),
    ],
)
def test_a_highlight_needs_sharing_approval_and_a_clear_screen(
    shared: bool, approved: bool, text: str, published: bool
) -> None:
    audits = [_audit("yes", "North")] * 6
    texts = [disclosure.SharedText("Consulted?", ("Voice",), text, shared, approved)]
    found = disclosure.programme(
        rollup(TEMPLATE, audits), rules=RULES, texts=texts, names=Screen.of([], ["Ann Lee"])
    )
    assert bool(found.highlights) is published
    assert (text in " ".join(str(v) for v in _values(_book(found)))) is published


def test_the_partner_actions_sheet_says_what_an_action_is_about_never_its_title() -> None:
    audits = [_audit("yes", "North")] * 6
    found = disclosure.programme(rollup(TEMPLATE, audits), rules=RULES)
    actions = (PartnerAction("Voice of the child", "Open", dt.date(2026, 5, 1), None, "Overdue"),)
    book = _book(found, actions)
    assert book.sheetnames[-2:] == ["Actions", "Method"]
    rows = list(book["Actions"].iter_rows(values_only=True))
    assert ("Voice of the child", "Open", dt.datetime(2026, 5, 1), None, "Overdue") in rows


def test_a_threshold_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        disclosure.Rules(min_files=2)


def test_a_rollup_with_more_files_than_k_keeps_every_whole_programme_figure() -> None:
    audits = [_audit("yes", "North")] * 3 + [_audit("no", "North")] * 3
    result: Rollup = rollup(TEMPLATE, audits)
    found = disclosure.programme(result, rules=RULES)
    (q,) = [q for q in found.questions if q.question_id == "consulted"]
    assert (q.figure.met, q.figure.answered, q.figure.percent) == (3, 6, 50)
    assert [t.figure.percent for t in found.themes] == [50, 50]


def test_moderation_reaches_partners_only_once_k_files_are_moderated() -> None:
    from reports.agreement import Agreement
    from reports.tidy import partner_rows

    audits = [_audit("yes", "North")] * 7 + [_audit("no", "South")] * 7
    result = rollup(TEMPLATE, audits)
    # The moderator kept 58 of 62 answers: 93.548...% is 94 (half up on the exact fraction).
    agreed = Agreement(62, 0, 0, 100 * 58 / 62, 0.612, "linear", 0.9034, None, "")
    few = disclosure.programme(result, rules=RULES, moderation=(4, agreed))
    assert few.moderation is None and few.moderated == 4
    (table,) = [t for t in few.tables() if t.title == "Moderation"]
    assert table.rows == (("Files moderated by a second auditor", 4, 14, None),)
    tidy = [r for r in partner_rows("Voice", few) if r.table == "Moderation"]
    assert [(r.measure, r.n, r.estimate) for r in tidy] == [("files", 4, None)]

    enough = disclosure.programme(result, rules=RULES, moderation=(6, agreed))
    m = enough.moderation
    assert m is not None
    # 6 of 14 files moderated: 42.857...% is 43.
    assert (m.moderated, m.files, m.rate, m.compared, m.agreement) == (6, 14, 43, 62, 94)
    assert (m.kappa, m.ac1) == (0.61, 0.9)
    book = _book(enough)
    rows = list(book["Moderation"].iter_rows(values_only=True))
    assert ("Files moderated by a second auditor", 6, 14, 43) in rows
    assert ("Answers the moderator kept", None, 62, 94) in rows
    assert {"Strengths", "Small-number cautions", "Limitations"} <= set(book.sheetnames)
    limits = dict(r[:2] for r in book["Limitations"].iter_rows(values_only=True) if r[0])
    assert "fewer than 5 files" in limits["Suppression"]


def test_small_number_cautions_name_the_partner_figures_on_few_answers() -> None:
    # 6 files: every figure rests on 6 answers, fewer than 10.
    found = disclosure.programme(rollup(TEMPLATE, [_audit("yes", "North")] * 6), rules=RULES)
    (table,) = [t for t in found.tables() if t.title == "Small-number cautions"]
    assert ("Question", "1.1 Did the IRO consult the child before the review?", 6, 100,
            "Only 6 answers.") in table.rows  # fmt: skip
    (strengths,) = [t for t in found.tables() if t.title == "Strengths"]
    # 100% against a 90% target on 6 answers: a strength.
    assert strengths.rows == (("Did the IRO consult the child before the review?", 6, 6, 100,
                               90),)  # fmt: skip


def test_the_case_list_date_reads_as_on_every_other_page_and_workbook() -> None:
    """Once "05 March 2026" here against "5 March 2026" in the manager workbook and pages."""
    from dataclasses import replace

    from conventions.display import date

    method = replace(METHOD, frame_date=dt.date(2026, 3, 5))
    found = disclosure.programme(rollup(TEMPLATE, []), rules=RULES, title="Voice")
    spec = build(found, title="Findings", programme="Voice", method=method, actions=())
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Method"]
    dated = [r[1] for r in sheet.iter_rows(values_only=True) if r[0] == "Case list date"]
    assert dated == ["5 March 2026"] == [date(dt.date(2026, 3, 5))]
