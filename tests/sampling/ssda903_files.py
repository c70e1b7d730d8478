"""A synthetic SSDA903 return, written as the DfE's three CSV files, with its answers worked
out by hand.

300 children, six kinds of 50 (child i is of kind i % 6), each kind with the same dates so its
timetable is worked once, below. The list's date is Tue 31 Mar 2026. England and Wales bank
holidays on the way: Good Friday 18 Apr, Easter Monday 21 Apr and Mon 5 May 2025; Thu 25 and
Fri 26 Dec 2025, Thu 1 Jan 2026; Good Friday 3 Apr, Easter Monday 6 Apr 2026.

0 steady: in care since Mon 2 Jun 2025 (3 episodes). First review due Mon 30 Jun 2025 (20
  working days, none a holiday), held Thu 26 Jun (PN1); second due 26 Sep, held Wed 24 Sep
  (PN1); third due 24 Mar 2026, held Fri 20 Mar (PN2). Next due 20 Sep 2026: within timescale.
1 left: in care Mon 6 Jan to Fri 4 Jul 2025 (REC E4A), one review (PN3): not looked after.
2 left and returned: first period Mon 3 Mar to Mon 2 Jun 2025 (E13), review Mon 31 Mar 2025
  (PN4, an earlier period: not counted); back in care Mon 1 Dec 2025 (RNE S). First review due
  Wed 31 Dec 2025 (Christmas skipped), held Mon 22 Dec (PN0); second due Sun 22 Mar 2026, held
  Wed 25 Mar (PN0), 3 days late. Next due 25 Sep 2026: within timescale.
3 overdue: in care since Mon 7 Apr 2025. First review due Thu 8 May 2025 (Easter and the early
  May holiday skipped), held Fri 9 May (PN7), 1 day late; second due 9 Aug, held Fri 8 Aug
  (PN5); third due 8 Feb 2026, not held: 51 days overdue on 31 Mar (20 in Feb + 31).
4 new: in care since Mon 16 Mar 2026. First review due Wed 15 Apr 2026 (Easter skipped): no
  review yet.
5 left on the list's date: in care Wed 1 Oct 2025 to Tue 31 Mar 2026: not looked after then.

So 200 children are looked after (kinds 0, 2, 3, 4): 100 within timescale, 50 overdue, 50 with
no review yet; 350 reviews held in the current periods, 50 of kind 2's and 50 of kind 3's late,
so 250 on time; participation PN0 100, PN1 100, PN2 50, PN5 50, PN7 50.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

AS_AT = date(2026, 3, 31)
CHILDREN = 300

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE"

# kind -> episodes (DECOM, RNE, LS, PLACE, DEC, REC) and reviews (date, code)
_EPISODES: dict[int, list[tuple[str, str, str, str, str, str]]] = {
    0: [
        ("02/06/2025", "S", "C1", "U6", "01/09/2025", "X1"),
        ("01/09/2025", "L", "C2", "U6", "05/01/2026", "X1"),
        ("05/01/2026", "P", "C2", "U4", "", ""),
    ],
    1: [("06/01/2025", "S", "V2", "U6", "04/07/2025", "E4A")],
    2: [
        ("03/03/2025", "S", "V2", "P1", "02/06/2025", "E13"),
        ("01/12/2025", "S", "C1", "U6", "02/02/2026", "X1"),
        ("02/02/2026", "L", "C2", "U6", "", ""),
    ],
    3: [
        ("07/04/2025", "S", "C2", "K2", "01/09/2025", "X1"),
        ("01/09/2025", "P", "C2", "K2", "", ""),
    ],
    4: [
        ("16/03/2026", "S", "L2", "U6", "23/03/2026", "X1"),
        ("23/03/2026", "L", "C1", "U6", "", ""),
    ],
    5: [("01/10/2025", "S", "V2", "U6", "31/03/2026", "E8")],
}
_REVIEWS: dict[int, list[tuple[str, str]]] = {
    0: [("26/06/2025", "PN1"), ("24/09/2025", "PN1"), ("20/03/2026", "PN2")],
    1: [("03/02/2025", "PN3")],
    2: [("31/03/2025", "PN4"), ("22/12/2025", "PN0"), ("25/03/2026", "PN0")],
    3: [("09/05/2025", "PN7"), ("08/08/2025", "PN5")],
    4: [],
    5: [],
}
STATUS_BY_KIND = {0: "in_timescale", 2: "in_timescale", 3: "overdue", 4: "no_review_yet"}
LOOKED_AFTER = 200
PARTICIPATION = {"PN0": 100, "PN1": 100, "PN2": 50, "PN5": 50, "PN7": 50}


def child_id(i: int) -> str:
    return f"C{i:04d}"


def kind(i: int) -> int:
    return i % 6


def lines() -> tuple[list[str], list[str], list[str]]:
    header, episodes, reviews = [HEADER], [EPISODES], [REVIEWS]
    for i in range(CHILDREN):
        dob = "10/02/2024" if kind(i) == 2 else "01/05/2012"
        header.append(f"{child_id(i)},{1 + i % 2},{dob},WBRI,A{i:012d},,")
        for start, rne, ls, place, end, rec in _EPISODES[kind(i)]:
            episodes.append(
                f"{child_id(i)},{start},{rne},{ls},N1,{place},PR1,{end},{rec},,AB1 2CD,AB3 4EF,"
            )
        for held, code in _REVIEWS[kind(i)]:
            reviews.append(f"{child_id(i)},{dob},{held},{code}")
    return header, episodes, reviews


def write(folder: Path) -> tuple[Path, Path, Path]:
    """Write header.csv, episodes.csv and reviews.csv into `folder`; return their paths."""
    paths = (folder / "header.csv", folder / "episodes.csv", folder / "reviews.csv")
    for path, text in zip(paths, lines(), strict=True):
        path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return paths


def as_bytes() -> dict[str, bytes]:
    header, episodes, reviews = lines()
    return {
        "header.csv": ("\n".join(header) + "\n").encode(),
        "episodes.csv": ("\n".join(episodes) + "\n").encode(),
        "reviews.csv": ("\n".join(reviews) + "\n").encode(),
    }
