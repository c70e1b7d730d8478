"""A deterministic synthetic children-in-care service, for the demo, tests and benchmarks.

Shapes follow children looked after in England at 31 March 2024 (DfE, approximate):
56% boys; ages <1 5%, 1-4 13%, 5-9 17%, 10-15 38%, 16-17 27%; 77% on care orders
(interim included), 16% section 20, 5% placement orders; 68% fostered, 17% in children's
homes or semi-independent settings, 6% placed with parents; 72% White, 10% Mixed,
7% Black, 5% Asian, 4% other; about 9% unaccompanied asylum-seeking children (UASC).
UASC are mostly older boys accommodated under section 20, so the other children are
drawn from distributions adjusted to keep the whole service on the national shape.
No real people: staff names are made from common name parts, children have only references.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sampling.records import CaseRow

AGE_BANDS: dict[str, tuple[int, int]] = {
    "Under 1": (0, 0),
    "1-4": (1, 4),
    "5-9": (5, 9),
    "10-15": (10, 15),
    "16-17": (16, 17),
}

AGE_SHARE = {"Under 1": 0.05, "1-4": 0.13, "5-9": 0.17, "10-15": 0.38, "16-17": 0.27}
GENDER_SHARE = {"Male": 0.56, "Female": 0.44}
LEGAL_SHARE = {
    "Full care order": 0.66,
    "Interim care order": 0.11,
    "Section 20 (accommodated)": 0.16,
    "Placement order": 0.05,
    "Other (youth justice, police protection)": 0.02,
}
PLACEMENT_SHARE = {
    "Foster care": 0.68,
    "Children's home or semi-independent": 0.17,
    "Placed with parents": 0.06,
    "Placed for adoption": 0.03,
    "Other (residential school, hospital, independent living)": 0.06,
}
ETHNICITY_SHARE = {
    "White": 0.72,
    "Mixed": 0.10,
    "Black": 0.07,
    "Asian": 0.05,
    "Other ethnic group": 0.04,
    "Not recorded": 0.02,
}
DISABILITY_SHARE = {"No": 0.87, "Yes": 0.08, "Not recorded": 0.05}
UASC_SHARE = 0.09

# Unaccompanied children: the conditional shapes the adjustment above works from.
UASC_AGE = {"10-15": 0.2, "16-17": 0.8}
UASC_GENDER = {"Male": 0.95, "Female": 0.05}
UASC_LEGAL = {"Section 20 (accommodated)": 0.9, "Full care order": 0.1}
UASC_ETHNICITY = {
    "Black": 0.3,
    "Asian": 0.25,
    "Other ethnic group": 0.35,
    "White": 0.05,
    "Mixed": 0.05,
}

TEAMS = (
    "Children in Care North",
    "Children in Care South",
    "Permanence",
    "Leaving Care (16+)",
    "Disabled Children",
)

_FIRST = (
    "Amara",
    "Ben",
    "Carys",
    "Dev",
    "Elin",
    "Femi",
    "Grace",
    "Harun",
    "Imogen",
    "Jonah",
    "Kiran",
    "Lena",
    "Marcus",
    "Nia",
    "Owen",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tamsin",
    "Uma",
    "Vikram",
    "Wren",
    "Yusuf",
    "Zara",
    "Aled",
    "Bea",
    "Cian",
    "Dana",
    "Ewan",
    "Farah",
    "Gethin",
    "Hana",
    "Idris",
    "Jade",
    "Kofi",
    "Lowri",
    "Mateo",
    "Noor",
    "Ollie",
)
_LAST = (
    "Adeyemi",
    "Baker",
    "Chowdhury",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kaur",
    "Lewis",
    "Morgan",
    "Nowak",
    "Okafor",
    "Patel",
    "Quigley",
    "Rees",
    "Shah",
    "Thomas",
    "Usman",
    "Vaughan",
    "Walsh",
    "Young",
    "Zielinska",
    "Ahmed",
    "Bennett",
    "Campbell",
    "Doyle",
    "Ellis",
)


@dataclass(frozen=True)
class SyntheticStaff:
    name: str
    staff_role: str  # iro, social_worker, team_manager
    team: str | None


@dataclass(frozen=True)
class SyntheticService:
    teams: tuple[str, ...]
    staff: tuple[SyntheticStaff, ...]
    cases: tuple[CaseRow, ...]
    as_at: date


def adjusted_share(
    overall: Mapping[str, float], subgroup: Mapping[str, float], subgroup_share: float
) -> dict[str, float]:
    """The shape the rest must have so that the whole keeps `overall` (clipped at 0)."""
    rest = {
        key: max(0.0, p - subgroup_share * subgroup.get(key, 0.0)) / (1 - subgroup_share)
        for key, p in overall.items()
    }
    total = sum(rest.values())
    return {key: p / total for key, p in rest.items()}


def _pick(rng: np.random.Generator, shares: Mapping[str, float]) -> str:
    keys = list(shares)
    probs = np.array([shares[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=probs / probs.sum()))]


def _names(rng: np.random.Generator, count: int) -> list[str]:
    pairs = [(f, s) for f in _FIRST for s in _LAST]
    chosen = rng.choice(len(pairs), size=count, replace=False)
    return [f"{pairs[i][0]} {pairs[i][1]}" for i in chosen]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def _review_dates(
    rng: np.random.Generator, became_la: date, as_at: date
) -> tuple[date | None, date]:
    """The last review held and the next one due, on the statutory rhythm, some of them late."""
    schedule = [became_la + timedelta(days=28)]  # 20 working days.
    schedule.append(schedule[0] + timedelta(days=91))  # Second review within 3 months.
    while schedule[-1] <= as_at:
        schedule.append(schedule[-1] + timedelta(days=182))  # Then every 6 months.
    held = [d for d in schedule if d <= as_at]
    if not held:
        return None, schedule[0]
    # Reviews are mostly on time; some are held a little early or late.
    last = held[-1] - timedelta(days=int(rng.integers(0, 15)))
    following = schedule[len(held)]
    if rng.random() < 0.08:  # About 8% drift: the next review has slipped past its date.
        following = as_at - timedelta(days=int(rng.integers(1, 60)))
    return last, following


def generate(
    rng: np.random.Generator,
    as_at: date,
    *,
    children: int = 800,
    iros: int = 10,
    social_workers_per_team: int = 8,
) -> SyntheticService:
    """Make a whole service: teams, staff and a case list, reproducible from the generator."""
    teams = TEAMS
    names = _names(rng, iros + social_workers_per_team * len(teams) + len(teams))
    iro_names = names[:iros]
    staff: list[SyntheticStaff] = [SyntheticStaff(n, "iro", None) for n in iro_names]
    workers: dict[str, list[str]] = {}
    cursor = iros
    for team in teams:
        team_workers = names[cursor : cursor + social_workers_per_team]
        cursor += social_workers_per_team
        workers[team] = team_workers
        staff.extend(SyntheticStaff(n, "social_worker", team) for n in team_workers)
    for team in teams:
        staff.append(SyntheticStaff(names[cursor], "team_manager", team))
        cursor += 1

    ages = adjusted_share(AGE_SHARE, UASC_AGE, UASC_SHARE)
    genders = adjusted_share(GENDER_SHARE, UASC_GENDER, UASC_SHARE)
    legal = adjusted_share(LEGAL_SHARE, UASC_LEGAL, UASC_SHARE)
    ethnicities = adjusted_share(ETHNICITY_SHARE, UASC_ETHNICITY, UASC_SHARE)

    refs = np.sort(rng.choice(np.arange(1, 1_000_000), size=children, replace=False))
    cases: list[CaseRow] = []
    for number in refs:
        uasc = bool(rng.random() < UASC_SHARE)
        band = _pick(rng, UASC_AGE if uasc else ages)
        low, high = AGE_BANDS[band]
        age_days = int(rng.integers(low * 365 + 1, (high + 1) * 365 - 1))
        dob = as_at - timedelta(days=age_days)
        legal_status = _pick(rng, UASC_LEGAL if uasc else legal)
        if legal_status == "Placement order" and band in ("Under 1", "1-4", "5-9"):
            placement = _pick(rng, {"Placed for adoption": 0.5, "Foster care": 0.5})
        else:
            placement = _pick(rng, PLACEMENT_SHARE)
        disability = _pick(rng, DISABILITY_SHARE)
        team = _team_for(rng, band, legal_status, disability)
        # Time in care: mostly recent, never before birth.
        in_care_days = min(age_days - 1, int(rng.exponential(900)) + 1)
        became_la = as_at - timedelta(days=in_care_days)
        last, following = _review_dates(rng, became_la, as_at)
        cases.append(
            CaseRow(
                case_ref=f"C{int(number):06d}",
                team=team,
                social_worker=workers[team][int(rng.integers(len(workers[team])))],
                iro=iro_names[int(rng.integers(iros))],
                legal_status=legal_status,
                placement_type=placement,
                date_of_birth=dob,
                age_band=band,
                gender=_pick(rng, UASC_GENDER if uasc else genders),
                ethnicity=_pick(rng, UASC_ETHNICITY if uasc else ethnicities),
                disability=disability,
                uasc=uasc,
                became_looked_after=became_la,
                last_review=last,
                next_review_due=following,
            )
        )
    return SyntheticService(tuple(teams), tuple(staff), tuple(cases), as_at)


def _team_for(rng: np.random.Generator, band: str, legal_status: str, disability: str) -> str:
    if band == "16-17" and rng.random() < 0.8:
        return "Leaving Care (16+)"
    if disability == "Yes" and rng.random() < 0.5:
        return "Disabled Children"
    if legal_status == "Placement order":
        return "Permanence"
    choices: Sequence[str] = ("Children in Care North", "Children in Care South", "Permanence")
    return choices[int(rng.choice(3, p=[0.4, 0.4, 0.2]))]
