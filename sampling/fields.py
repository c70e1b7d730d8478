"""The field catalogue: every case-list field, its label, its order, whether it names people.

The one home of these facts. The case-list import reads the spellings and limits, the sample
design the fields a manager may filter or stratify on, the roll-up its breakdowns, the
disclosure rules the fields that name people, and the pages their labels, all from here.

To add a breakdown field: give its line a breakdown rank below (the roll-up, its pages,
workbooks and CSVs pick it up; partner outputs leave it out if it names people).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from types import MappingProxyType
from typing import Literal, cast

from sampling.records import CaseRow

__all__ = [
    "BREAKDOWN_FIELDS",
    "CATEGORY_FIELDS",
    "DATE_FIELDS",
    "FIELDS",
    "NAMES_PEOPLE",
    "REQUIRED",
    "FieldSpec",
    "Kind",
    "breakdowns_of",
    "label_of",
    "names_people_of",
    "offered",
    "read_field_table",
]

Kind = Literal["text", "date", "yes_no"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One of our fields: how a manager knows it, and how the exports head it."""

    name: str
    label: str
    kind: Kind
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int | None = None  # Mirrors the database column, so PostgreSQL never refuses a row.
    order: int | None = None  # Where a manager is offered it (filters, strata); None: not offered.
    breakdown: int | None = None  # Its place among the roll-up's breakdowns; None: not one.
    names_people: bool = False  # Its values are staff names: never in partner outputs.


# One field a line (indented lines continue the one above), in CaseRow's order:
# name | label | kind | longest value the database keeps (0: no limit) | order offered to a
# manager (-: not offered) | breakdown rank (-: not a breakdown) | names people (yes/no) |
# other headings seen in LCS, Mosaic and Eclipse exports.
_FIELD_TABLE = """
case_ref | Case reference | text | 40 | - | - | no | Case ref; Child ID; LCS ID; Person ID;
    Mosaic ID; Eclipse ID; Client ID; Child Ref; Child reference; Person reference;
    Client reference; Reference; ID
team | Team | text | 200 | 1 | 1 | no | Allocated team; Worker team; Team name;
    Allocated team name; Service team
social_worker | Social worker | text | 200 | 10 | - | yes | Allocated worker; Key worker;
    Allocated social worker; Social worker name; Lead worker; Case worker; Worker
iro | IRO | text | 200 | 9 | 2 | yes | Independent Reviewing Officer; Reviewing officer;
    IRO name; Allocated IRO
legal_status | Legal status | text | 100 | 2 | - | no | Legal Status Code;
    Legal status description; Current legal status
placement_type | Placement type | text | 100 | 3 | - | no | Placement; Placement provision;
    Placement category; Placement type description
date_of_birth | Date of birth | date | 0 | 14 | - | no | DOB; Birth date; Child DOB
age_band | Age band | text | 20 | 4 | 6 | no | Age group; Age range
gender | Gender | text | 40 | 5 | 5 | no | Sex; Legal sex
ethnicity | Ethnicity | text | 100 | 6 | 3 | no | Ethnic origin; Ethnic group;
    Ethnicity description
disability | Disability | text | 40 | 7 | 4 | no | Disabled; Has disability; Disability status
uasc | UASC | yes_no | 0 | 8 | - | no | Unaccompanied; Unaccompanied asylum seeking child;
    UASC status; Is UASC
became_looked_after | Date became looked after | date | 0 | 11 | - | no | CLA start date;
    Start date of episode; Date period of care commenced; Date looked after;
    Looked after since; Date entered care; Care start date; CIC start date; LAC start date;
    Date Became LAC; Date became CLA; CLA start; CLA start date; Period of care start;
    Period of care start date
last_review | Last review date | date | 0 | 12 | - | no | Date of last CLA review;
    Previous review; Date of last review; Last CLA review date; Last LAC review date;
    Latest review date; Last review; Last CLA review; Last LAC review; Last CIC review
next_review_due | Next review due | date | 0 | 13 | - | no | Next review date; Review due date;
    Next CLA review due; Next LAC review date; Next review due date; Review due
"""
REQUIRED = frozenset({"case_ref"})


def _rank(text: str) -> int | None:
    return None if text == "-" else int(text)


def read_field_table(text: str) -> dict[str, FieldSpec]:
    """Kept as a text table so the spellings read as a list a manager could check by eye."""
    specs: dict[str, FieldSpec] = {}
    for line in text.strip().replace("\n    ", " ").splitlines():
        name, label, kind, size, order, breakdown, people, aliases = (
            part.strip() for part in line.split("|")
        )
        if people not in ("yes", "no"):
            raise ValueError(f"field {name}: 'names people' is yes or no, not {people!r}")
        spellings = (label, *(a.strip() for a in aliases.split(";") if a.strip()))
        specs[name] = FieldSpec(
            name,
            label,
            cast(Kind, kind),
            spellings,
            name in REQUIRED,
            int(size) or None,
            _rank(order),
            _rank(breakdown),
            people == "yes",
        )
    return specs


FIELDS: Mapping[str, FieldSpec] = MappingProxyType(read_field_table(_FIELD_TABLE))


def offered(specs: Mapping[str, FieldSpec], kinds: tuple[Kind, ...]) -> dict[str, str]:
    """The fields of these kinds a manager is offered, in their order, with their labels."""
    chosen = [s for s in specs.values() if s.order is not None and s.kind in kinds]
    return {s.name: s.label for s in sorted(chosen, key=lambda s: s.order or 0)}


def breakdowns_of(specs: Mapping[str, FieldSpec]) -> dict[str, str]:
    """The roll-up's breakdowns, in the order pages and workbooks show them."""
    ranked = [s for s in specs.values() if s.breakdown is not None]
    return {s.name: s.label for s in sorted(ranked, key=lambda s: s.breakdown or 0)}


def names_people_of(specs: Mapping[str, FieldSpec]) -> frozenset[str]:
    """Design fields and breakdowns whose values are people's names: never partner output."""
    return frozenset(s.name for s in specs.values() if s.names_people)


CATEGORY_FIELDS: Mapping[str, str] = MappingProxyType(offered(FIELDS, ("text", "yes_no")))
DATE_FIELDS: Mapping[str, str] = MappingProxyType(offered(FIELDS, ("date",)))
BREAKDOWN_FIELDS: Mapping[str, str] = MappingProxyType(breakdowns_of(FIELDS))
NAMES_PEOPLE = names_people_of(FIELDS)


def label_of(name: str) -> str:
    """The words a page or a workbook shows for one of our fields."""
    return FIELDS[name].label


if tuple(f.name for f in dataclass_fields(CaseRow)) != (*FIELDS, "attributes"):  # pragma: no cover
    raise RuntimeError("FIELDS must list CaseRow's fields in CaseRow's order")
