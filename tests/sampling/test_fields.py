"""The field catalogue is the one home of each field's label, order and whether it names people."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from reports import disclosure, disclosure_patterns, rollup
from sampling import design, fields, frame, names
from sampling.fields import FIELDS, read_field_table
from sampling.records import CaseRow


def test_every_reader_takes_the_catalogues_lists() -> None:
    assert frame.FIELDS is FIELDS
    assert rollup.BREAKDOWN_FIELDS is fields.BREAKDOWN_FIELDS
    assert design.CATEGORY_FIELDS is fields.CATEGORY_FIELDS
    assert design.DATE_FIELDS is fields.DATE_FIELDS
    assert disclosure.NAMES_PEOPLE is disclosure_patterns.NAMES_PEOPLE is fields.NAMES_PEOPLE
    assert dict(names.KIND_LABELS) == {k: FIELDS[k].label for k in ("team", "iro", "social_worker")}


def test_the_fields_that_name_people_are_the_two_staff_fields() -> None:
    # Once two lists, {"iro"} and {"iro", "social_worker"}: a social worker is named too.
    assert {"iro", "social_worker"} == fields.NAMES_PEOPLE
    assert disclosure.filter_text("social_worker", ["A. Smith", "B. Jones"]) == "2 chosen"
    assert disclosure.filter_text("team", ["North", "South"]) == "North, South"


def test_the_orders_pages_and_workbooks_show_are_unchanged() -> None:
    assert list(fields.BREAKDOWN_FIELDS.items()) == [
        ("team", "Team"),
        ("iro", "IRO"),
        ("ethnicity", "Ethnicity"),
        ("disability", "Disability"),
        ("gender", "Gender"),
        ("age_band", "Age band"),
    ]
    assert list(fields.CATEGORY_FIELDS) == [
        "team", "legal_status", "placement_type", "age_band", "gender",
        "ethnicity", "disability", "uasc", "iro", "social_worker",
    ]  # fmt: skip
    assert list(fields.DATE_FIELDS) == [
        "became_looked_after", "last_review", "next_review_due", "date_of_birth",
    ]  # fmt: skip


def test_one_label_per_field_wherever_it_is_shown() -> None:
    # The design once said "Unaccompanied asylum-seeking child" and "Last review" where the
    # import, its quality report and exports said "UASC" and "Last review date".
    for name, label in (*fields.CATEGORY_FIELDS.items(), *fields.DATE_FIELDS.items()):
        assert label == FIELDS[name].label
    assert fields.CATEGORY_FIELDS["uasc"] == "UASC"
    assert fields.DATE_FIELDS["last_review"] == "Last review date"
    # The words the design used are still understood as headings of a case list.
    mapping = frame.guess_mapping(["Child ID", "Unaccompanied asylum-seeking child", "Last review"])
    assert mapping["uasc"] == "Unaccompanied asylum-seeking child"
    assert mapping["last_review"] == "Last review"


def test_catalogue_follows_case_row() -> None:
    assert (*FIELDS, "attributes") == tuple(f.name for f in dataclass_fields(CaseRow))


def test_a_new_breakdown_field_is_one_rank_on_its_line() -> None:
    """The walkthrough 'add a breakdown field': legal status given breakdown rank 7."""
    table = fields._FIELD_TABLE.replace(
        "legal_status | Legal status | text | 100 | 2 | - |",
        "legal_status | Legal status | text | 100 | 2 | 7 |",
    )
    assert table != fields._FIELD_TABLE
    specs = read_field_table(table)
    assert list(fields.breakdowns_of(specs))[-1] == "legal_status"
    assert fields.breakdowns_of(specs)["legal_status"] == "Legal status"
    assert "legal_status" not in fields.names_people_of(specs)
