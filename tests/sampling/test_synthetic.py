"""The synthetic service: reproducible, plausible, and on the national shape."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import numpy as np
import pytest

from sampling.synthetic import (
    AGE_BANDS,
    AGE_SHARE,
    ETHNICITY_SHARE,
    GENDER_SHARE,
    LEGAL_SHARE,
    UASC_SHARE,
    adjusted_share,
    generate,
)

AS_AT = date(2026, 3, 31)


@pytest.fixture(scope="module")
def big() -> list:
    return list(generate(np.random.default_rng(7), AS_AT, children=6000).cases)


def test_same_seed_same_service_and_another_seed_differs() -> None:
    one = generate(np.random.default_rng(42), AS_AT, children=200)
    two = generate(np.random.default_rng(42), AS_AT, children=200)
    three = generate(np.random.default_rng(43), AS_AT, children=200)
    assert one == two
    assert one.cases != three.cases


def test_default_size_and_staff() -> None:
    service = generate(np.random.default_rng(1), AS_AT)
    roles = Counter(s.staff_role for s in service.staff)
    assert len(service.cases) == 800 and len(service.teams) == 5
    assert roles == {"iro": 10, "social_worker": 40, "team_manager": 5}
    assert len({c.case_ref for c in service.cases}) == 800
    assert all(c.case_ref.startswith("C") and len(c.case_ref) == 7 for c in service.cases)


def test_adjusted_share_worked_example() -> None:
    # Overall 27% aged 16-17; 9% are UASC of whom 80% are 16-17, contributing 7.2 points.
    # The rest (91%) must supply 19.8 points: 19.8 / 91 = 21.76% of them.
    rest = adjusted_share({"16-17": 0.27, "other": 0.73}, {"16-17": 0.8, "other": 0.2}, 0.09)
    assert rest["16-17"] == pytest.approx(0.198 / 0.91)
    assert rest["other"] == pytest.approx((0.73 - 0.018) / 0.91)
    assert sum(rest.values()) == pytest.approx(1)


@pytest.mark.parametrize(
    ("field", "shares"),
    [
        ("gender", GENDER_SHARE),
        ("age_band", AGE_SHARE),
        ("legal_status", LEGAL_SHARE),
        ("ethnicity", ETHNICITY_SHARE),
    ],
)
def test_whole_service_keeps_the_national_shape(big: list, field: str, shares: dict) -> None:
    counts = Counter(getattr(c, field) for c in big)
    n = len(big)
    for value, p in shares.items():
        # Four standard errors of a binomial proportion: fails only if the shape is wrong.
        tolerance = 4 * math.sqrt(p * (1 - p) / n)
        assert abs(counts[value] / n - p) < tolerance, (field, value, counts[value] / n, p)


def test_unaccompanied_children_share(big: list) -> None:
    share = sum(1 for c in big if c.uasc) / len(big)
    assert abs(share - UASC_SHARE) < 4 * math.sqrt(UASC_SHARE * (1 - UASC_SHARE) / len(big))


def test_dates_are_consistent(big: list) -> None:
    for case in big:
        low, high = AGE_BANDS[case.age_band]
        age_years = (AS_AT - case.date_of_birth).days / 365.25
        assert low - 0.01 <= age_years < high + 1.01, case
        assert case.date_of_birth < case.became_looked_after <= AS_AT
        if case.last_review is not None:
            assert case.became_looked_after < case.last_review <= AS_AT
        else:
            assert case.next_review_due > AS_AT  # Not yet due a first review.


def test_some_reviews_are_overdue_but_most_are_not(big: list) -> None:
    overdue = sum(1 for c in big if c.next_review_due < AS_AT) / len(big)
    assert 0.03 < overdue < 0.15
