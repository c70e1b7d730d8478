"""The SSDA903 return's code lists, each code with its words: the one place they are kept.

Checked against the DfE's children looked after return guidance and the open-source 903
validators' rules (rule 101 SEX, 103 ETHNIC, 143 RNE, 144 LS, 146 PLACE, 149 REC, 167
REVIEW_CODE). The words are shortened from the guidance's, keeping what tells codes apart.

Every page shows a code with its words (`shown`: "C2: Full care order"); a bespoke export's
legal status or placement is normalised to the same form (`normalise`) whether it writes the
code, the words, or both ("C1 - Interim Care Order", "Interim care order", "ICO").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CODE_LISTS",
    "ETHNIC",
    "LEGAL_STATUS",
    "PARTICIPATION",
    "PLACEMENT",
    "REASON_CEASED",
    "REASON_NEW_EPISODE",
    "SEX",
    "normalise",
    "shown",
]


def _table(text: str) -> Mapping[str, str]:
    pairs = (line.split("|", 1) for line in text.strip().splitlines())
    return MappingProxyType({code.strip(): words.strip() for code, words in pairs})


LEGAL_STATUS = _table("""
C1 | Interim care order
C2 | Full care order
D1 | Freeing order granted
E1 | Placement order granted
J1 | Remanded to local authority or youth detention accommodation
J2 | Placed in local authority accommodation under PACE 1984
J3 | Sentenced to a youth rehabilitation order with residence or fostering requirement
L1 | Under police protection, in local authority accommodation
L2 | Emergency protection order
L3 | Under a child assessment order, in local authority accommodation
V2 | Accommodated under section 20 (single period)
V3 | Short breaks (agreed series, each episode recorded)
V4 | Short breaks (agreed series, agreements recorded)
""")

PLACEMENT = _table("""
A3 | Placed for adoption with consent, with current foster carers
A4 | Placed for adoption with consent, not with current foster carers
A5 | Placed for adoption with placement order, with current foster carers
A6 | Placed for adoption with placement order, not with current foster carers
H5 | Semi-independent living not subject to children's homes regulations
K1 | Secure children's home
K2 | Children's home
P1 | Placed with own parents or others with parental responsibility
P2 | Independent living (flat, lodgings, bedsit, B&B or with friends)
P3 | Residential employment
R1 | Residential care home
R2 | NHS or health trust establishment providing medical or nursing care
R3 | Family centre or mother and baby unit
R5 | Young offender institution
S1 | Residential school
T0 | Temporary move (all types)
T1 | Temporary period in hospital
T2 | Temporary absence on holiday
T3 | Temporary accommodation while the usual foster carers are on holiday
T4 | Temporary accommodation of seven days or less
U1 | Foster placement with relatives or friends, long-term fostering
U2 | Foster placement with relatives or friends, fostering for adoption or concurrent planning
U3 | Foster placement with relatives or friends, not long-term or fostering for adoption
U4 | Foster placement with other foster carers, long-term fostering
U5 | Foster placement with other foster carers, fostering for adoption or concurrent planning
U6 | Foster placement with other foster carers, not long-term or fostering for adoption
Z1 | Other placement
""")

REASON_NEW_EPISODE = _table("""
S | Started to be looked after
L | Change of legal status only
P | Change of placement and carers only
T | Change of placement (same carers) only
U | Change of legal status and of placement (same carers)
B | Change of legal status, placement and carers
""")

REASON_CEASED = _table("""
E11 | Adopted: adoption order unopposed
E12 | Adopted: consent dispensed with by the court
E13 | Left care to live with parents, relatives or others without parental responsibility
E14 | Accommodation on remand ended
E15 | Age assessment found the child to be 18 or over
E16 | Child moved abroad
E17 | Aged 18 or over and stayed with current carers (staying put)
E2 | Died
E3 | Care taken over by another local authority in the UK
E41 | Residence or child arrangements order granted
E45 | Special guardianship order to former foster carers who are relatives or friends
E46 | Special guardianship order to former foster carers, not relatives or friends
E47 | Special guardianship order to other carers who are relatives or friends
E48 | Special guardianship order to other carers, not relatives or friends
E4A | Returned home to parents as part of the care plan
E4B | Returned home to parents, not part of the care plan
E5 | Moved to independent living with formal support
E6 | Moved to independent living without formal support
E7 | Transferred to residential care funded by adult social care
E8 | Period of care ceased for any other reason
E9 | Sentenced to custody
X1 | Episode ceased and a new one began on the same day
""")

ETHNIC = _table("""
WBRI | White British
WIRI | White Irish
WIRT | Traveller of Irish heritage
WOTH | Any other White background
WROM | Gypsy or Roma
MWBC | White and Black Caribbean
MWBA | White and Black African
MWAS | White and Asian
MOTH | Any other mixed background
AIND | Indian
APKN | Pakistani
ABAN | Bangladeshi
AOTH | Any other Asian background
BCRB | Black Caribbean
BAFR | Black African
BOTH | Any other Black background
CHNE | Chinese
OOTH | Any other ethnic group
REFU | Refused
NOBT | Information not yet obtained
""")

SEX = _table("""
1 | Male
2 | Female
""")

PARTICIPATION = _table("""
PN0 | Child under 4 at the time of the review
PN1 | Attended and spoke for themselves
PN2 | Attended and an advocate spoke for them
PN3 | Attended and conveyed their views non-verbally
PN4 | Attended but did not speak or convey their views
PN5 | Did not attend, but briefed an advocate to speak for them
PN6 | Did not attend, but conveyed their views by a facilitative medium
PN7 | Did not attend and their views were not conveyed
""")

CODE_LISTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "LS": LEGAL_STATUS,
        "PLACE": PLACEMENT,
        "RNE": REASON_NEW_EPISODE,
        "REC": REASON_CEASED,
        "ETHNIC": ETHNIC,
        "SEX": SEX,
        "REVIEW_CODE": PARTICIPATION,
    }
)


def shown(codes: Mapping[str, str], code: str | None) -> str | None:
    """A code with its words ("C2: Full care order"); an unknown code as it is."""
    if code is None:
        return None
    words = codes.get(code)
    return f"{code}: {words}" if words else code


_NOT_WORD = re.compile(r"[\W_]+")
_LEADING_CODE = re.compile(r"\s*([A-Za-z]\d[A-Za-z]?)\b\s*[-:–—.)]?\s*(.*)", re.DOTALL)


def _key(text: str) -> str:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


# Other ways exports write the same thing: normalised words -> code.
_SYNONYMS: dict[str, dict[str, str]] = {
    "LS": {
        "ico": "C1",
        "interim care order s38": "C1",
        "care order": "C2",
        "care order s31": "C2",
        "full care order s31": "C2",
        "placement order": "E1",
        "section 20": "V2",
        "s20": "V2",
        "s 20": "V2",
        "accommodated s20": "V2",
        "section 20 accommodated": "V2",
        "accommodated under section 20": "V2",
        "voluntary accommodation": "V2",
        "epo": "L2",
        "police protection": "L1",
        "remand": "J1",
        "remanded": "J1",
    },
    "PLACE": {
        "childrens home": "K2",
        "residential children s home": "K2",
        "residential childrens home": "K2",
        "secure unit": "K1",
        "secure childrens home": "K1",
        "placed with parents": "P1",
        "placed with parent s": "P1",
        "independent living": "P2",
        "semi independent": "H5",
        "semi independent living": "H5",
        "supported accommodation": "H5",
        "yoi": "R5",
        "mother and baby unit": "R3",
        "residential school": "S1",
        "kinship foster care": "U3",
        "connected person foster care": "U3",
        "foster care": "U6",
    },
}


def normalise(kind: str, text: str | None) -> str | None:
    """A bespoke export's value as the 903 code plus words ("C1: Interim care order"), or as
    written if not recognised; `kind` names the code list ("LS", "PLACE")."""
    if text is None or not text.strip():
        return text
    codes = CODE_LISTS[kind]
    upper = text.strip().upper()
    if upper in codes:
        return shown(codes, upper)
    match = _LEADING_CODE.fullmatch(text)
    if match and match[1].upper() in codes:
        return shown(codes, match[1].upper())
    key = _key(text)
    for code, words in codes.items():
        if _key(words) == key:
            return shown(codes, code)
    synonym = _SYNONYMS.get(kind, {}).get(key)
    return shown(codes, synonym) if synonym else text
