"""An intruder's attack on every published partner number, written without the suppressing code.

For generated programmes (1 to 60 files, 1 to 6 strata by team, random characteristics) the
partner workbook and the partner CSV are read back as a reader gets them. From what they
publish alone, the test writes its own linear programme (scipy.optimize.linprog) for each
breakdown and for the strata, and finds for every hidden count (a group's files, met answers
and answers; a stratum's size on the list and sample) the smallest and largest value
consistent with everything published. Each interval must hold at least two whole counts,
and a programme under k files must publish no compliance figure at all.

What the intruder knows (nothing here is read from reports.disclosure or reports.protection):

* the Summary's totals (files; met answers and answers over all questions), the number of
  scored questions (rows of the Questions sheet: a file answers at most that many);
* every published group's files and percentage: a full-precision fraction is an equality
  (met = p x answered), a whole percentage P an interval ((P - 1/2)% to (P + 1/2)%);
* that a group listed at all has at least one file, and met never exceeds answered;
* the strata are the teams (the Method sheet says "Strata: Team"): a team's files are at most
  its stratum's sample, a sample is at least the design's minimum and at most the stratum's
  size on the list, and the strata's totals are what the published lines add up to.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from audit_templates.loader import load_template_text
from audit_templates.schema import Template
from reports import disclosure
from reports.excel import write_workbook
from reports.partner_workbook import build as partner_build
from reports.rollup import AuditRecord, Rollup, rollup
from reports.tidy import csv_text, partner_rows
from reports.workbook import MethodNote

K = 5
MINIMUM = 1
TEMPLATE_YAML = """
id: attack
title: Attack
version: 1
kind: thematic
themes:
  - {id: voice, title: Voice}
  - {id: plan, title: Plan}
sections:
  - id: s
    title: S
    questions:
      - {id: q1, text: "Consulted?", scale: compliance, themes: [voice]}
      - {id: q2, text: "Recorded?", scale: compliance, themes: [voice, plan]}
      - {id: q3, text: "Planned?", scale: compliance, themes: [plan]}
grading:
  scale: ofsted4
  thresholds: {outstanding: 0.9, good: 0.75, requires_improvement: 0.5, inadequate: 0}
"""
TEAMS = ("North", "South", "East", "West", "Disabled Children", "Leaving Care")
ANSWER = st.sampled_from(("yes", "yes", "partly", "no", "not_applicable"))


@dataclass
class Generated:
    template: Template
    result: Rollup
    strata: list[disclosure.StratumSize]
    stratum_files: dict[str, int]


@st.composite
def programmes(draw: Any) -> Generated:
    template = load_template_text(TEMPLATE_YAML, "attack.yaml")
    n_strata = draw(st.integers(1, 6))
    teams = TEAMS[:n_strata]
    records: list[AuditRecord] = []
    strata = []
    total = draw(st.integers(1, 60))
    shares = draw(st.lists(st.integers(0, 20), min_size=n_strata, max_size=n_strata))
    weights = [s + 1 for s in shares]
    files = [total * w // sum(weights) for w in weights]
    files[0] += total - sum(files)
    for team, f in zip(teams, files, strict=True):
        sample = f + draw(st.integers(0, 1))
        sample = max(sample, MINIMUM)
        population = sample + draw(st.integers(0, 150))
        strata.append(disclosure.StratumSize(f"Team: {team}", population, sample))
        for _ in range(f):
            records.append(
                AuditRecord(
                    {q: draw(ANSWER) for q in ("q1", "q2", "q3")},
                    draw(st.sampled_from(("good", "inadequate", "outstanding", None))),
                    stratum=f"Team: {team}",
                    attributes={
                        "team": team,
                        "ethnicity": draw(
                            st.sampled_from(
                                ("White British", "Black African", "Mixed", "Asian", None)
                            )
                        ),
                        "disability": draw(st.sampled_from(("Y", "N", "N", None))),
                        "gender": draw(st.sampled_from(("Female", "Male"))),
                        "age_band": draw(st.sampled_from(("Under 10", "10 to 15", "16+"))),
                    },
                )
            )
    populations = {s.label: s.population for s in strata}
    stratum_files = {s.label: sum(r.stratum == s.label for r in records) for s in strata}
    return Generated(
        template, rollup(template, records, populations=populations), strata, stratum_files
    )


METHOD = MethodNote(
    frame="Children in care",
    frame_date=dt.date(2026, 3, 31),
    frame_size=900,
    design=[("Strata", "Team"), ("Allocation", f"proportional, at least {MINIMUM} per stratum")],
    seed=1,
    frame_fingerprint="f" * 64,
    draw_fingerprint="d" * 64,
    allocation=[],
    exclusions=0,
)


def publish(g: Generated) -> tuple[bytes, str]:
    """The partner workbook and CSV, as a partner downloads them."""
    found = disclosure.programme(
        g.result,
        rules=disclosure.Rules(min_files=K),
        title="Attack",
        strata=g.strata,
        minimum_per_stratum=MINIMUM,
        stratum_files=g.stratum_files,
    )
    spec = partner_build(found, title="Findings", programme="Attack", method=METHOD)
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    return buffer.getvalue(), csv_text(partner_rows("Attack", found))


# ---- Reading what is published -----------------------------------------------------------------


@dataclass
class Published:
    files: int | None = None
    met: int | None = None
    answered: int | None = None
    questions: int = 0
    # breakdown -> [(group, files or None, (kind, value) or None)]; kind 'fraction' | 'percent'
    breakdowns: dict[str, list[tuple[str, int | None, tuple[str, float] | None]]] | None = None
    strata: list[tuple[str, int, int]] | None = None  # (label, on the list, sampled)
    compliance_figures: int = 0


HEADERS = {
    "Files",
    "Compliance",
    "Compliance (%)",
    "Share",
    "Share (%)",
    "Share of files",
    "Share of files (%)",
    "No.",
    "Number",
}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def read_workbook(data: bytes) -> Published:
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = Published(breakdowns={}, strata=[])
    assert out.breakdowns is not None and out.strata is not None
    for ws in book.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        header_at = None
        for i, row in enumerate(rows):
            if any(c in HEADERS for c in row):
                header_at = i
                break
        if header_at is not None:
            header = rows[header_at]
            for j, h in enumerate(header):
                if isinstance(h, str) and (
                    h.startswith(("Compliance", "Share", "Lower", "Upper", "Whole list"))
                ):
                    out.compliance_figures += sum(
                        1 for r in rows[header_at + 1 :] if _number(r[j]) is not None
                    )
        for row in rows:
            if row and row[0] == "Files audited (finalised)":
                out.files = int(row[1])
            if row and row[0] == "Overall compliance: answers meeting the standard":
                out.met, out.answered = int(row[1]), int(row[2])
            if row and isinstance(row[0], str) and row[0].startswith("Stratum: "):
                found = re.search(r"([\d,]+) on the list, (\d+) sampled", str(row[1]))
                if found:
                    out.strata.append((row[0][9:], int(found[1].replace(",", "")),
                                       int(found[2])))  # fmt: skip
        if ws.title == "Questions" and header_at is not None:
            out.questions = sum(1 for r in rows[header_at + 1 :] if r[0] is not None)
        if ws.title == "Strata":
            start = next(i for i, r in enumerate(rows) if r[0] == "Stratum")
            for r in rows[start + 1 :]:
                if r[0] is not None:
                    out.strata.append((str(r[0]), int(r[1]), int(r[2])))
        if ws.title.startswith("By ") and header_at is not None:
            header = rows[header_at]
            files_col = header.index("Files")
            comp_col = next(j for j, h in enumerate(header) if str(h).startswith("Compliance"))
            kind = "percent" if "(%)" in str(header[comp_col]) else "fraction"
            table = []
            for r in rows[header_at + 1 :]:
                if r[0] is None:
                    continue
                f = _number(r[files_col])
                c = _number(r[comp_col])
                table.append(
                    (str(r[0]), None if f is None else int(f), None if c is None else (kind, c))
                )
            out.breakdowns[ws.title[3:]] = table
    return out


def read_csv(text: str) -> dict[tuple[str, str, str], dict[str, str]]:
    """The tidy CSV's rows by (table, group, measure)."""
    return {(r["table"], r["group"], r["measure"]): r for r in csv.DictReader(io.StringIO(text))}


# ---- The intruder's linear programmes ---------------------------------------------------------


def _range(c_len: int, var: int, a_ub: list[list[float]], b_ub: list[float],
           a_eq: list[list[float]], b_eq: list[float],
           bounds: list[tuple[float, float | None]]) -> tuple[float, float]:  # fmt: skip
    ends = []
    for sign in (1, -1):
        c = np.zeros(c_len)
        c[var] = sign
        r = linprog(c, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                    A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                    bounds=bounds, method="highs")  # fmt: skip
        assert r.status == 0, r.message
        ends.append(sign * r.fun)
    return ends[0], ends[1]


def _whole_counts(low: float, high: float) -> int:
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


def attack(pub: Published, truth: Generated) -> list[str]:
    """Every hidden count whose interval holds fewer than two whole counts, described."""
    problems: list[str] = []
    assert pub.files is not None and pub.met is not None and pub.answered is not None
    q = pub.questions
    assert pub.breakdowns is not None and pub.strata is not None
    listed_strata = {label for label, _n, _s in pub.strata}
    true_strata = {s.label: s for s in truth.strata}
    hidden_strata = [s for s in truth.strata if s.label not in listed_strata]
    merged = [(n, s) for label, n, s in pub.strata if label not in true_strata]
    for name, rows in pub.breakdowns.items():
        # Variables: per group (f, m, a); then per hidden stratum (N, n) if this is the team one.
        teams = name == "team"
        g = len(rows)
        strata_vars = hidden_strata if teams else []
        size = 3 * g + 2 * len(strata_vars)
        a_ub: list[list[float]] = []
        b_ub: list[float] = []
        a_eq: list[list[float]] = []
        b_eq: list[float] = []
        bounds: list[tuple[float, float | None]] = []

        def line(*pairs: tuple[int, float], size: int = size) -> list[float]:
            out = [0.0] * size
            for index, value in pairs:
                out[index] = value
            return out

        for dim, total in enumerate((pub.files, pub.met, pub.answered)):
            a_eq.append(line(*[(3 * i + dim, 1.0) for i in range(g)]))
            b_eq.append(float(total))
        for i, (_group, files, comp) in enumerate(rows):
            f, m, a = 3 * i, 3 * i + 1, 3 * i + 2
            a_ub.append(line((m, 1.0), (a, -1.0)))
            b_ub.append(0.0)
            a_ub.append(line((a, 1.0), (f, -float(q))))
            b_ub.append(0.0)
            bounds.append((float(files), float(files)) if files is not None else (1.0, None))
            bounds += [(0.0, None), (0.0, None)]
            if comp is not None:
                kind, value = comp
                if kind == "fraction":
                    low = high = value
                else:
                    low, high = max(0.0, (value - 0.5) / 100), min(1.0, (value + 0.5) / 100)
                a_ub.append(line((a, low), (m, -1.0)))
                b_ub.append(1e-9)
                a_ub.append(line((m, 1.0), (a, -high)))
                b_ub.append(1e-9)
        if teams:
            base = 3 * g
            known = {label: (n, s) for label, n, s in pub.strata}
            for i, (group, _f, _c) in enumerate(rows):
                label = f"Team: {group}"
                if label in known:  # a team's files are at most its stratum's sample
                    a_ub.append(line((3 * i, 1.0)))
                    b_ub.append(float(known[label][1]))
                elif label in true_strata and strata_vars:
                    j = base + 2 * [s.label for s in strata_vars].index(label)
                    a_ub.append(line((3 * i, 1.0), (j + 1, -1.0)))
                    b_ub.append(0.0)
            if strata_vars and merged:  # no strata line at all: their totals are not known
                for dim in (0, 1):
                    a_eq.append(line(*[(base + 2 * j + dim, 1.0) for j in range(len(strata_vars))]))
                    b_eq.append(float(sum(pair[dim] for pair in merged)))
            if strata_vars:
                for j in range(len(strata_vars)):
                    a_ub.append(line((base + 2 * j + 1, 1.0), (base + 2 * j, -1.0)))
                    b_ub.append(0.0)
                    bounds += [(float(MINIMUM), None), (float(MINIMUM), None)]
        for i, (group, files, _c) in enumerate(rows):
            if files is not None:
                continue
            for dim, what in enumerate(("files", "met answers", "answers")):
                low, high = _range(size, 3 * i + dim, a_ub, b_ub, a_eq, b_eq, bounds)
                if _whole_counts(low, high) < 2:
                    problems.append(f"{name} {group}: {what} in [{low:.2f}, {high:.2f}]")
        for j, s in enumerate(strata_vars):
            for dim, what in enumerate(("on the list", "sampled")):
                low, high = _range(size, 3 * g + 2 * j + dim, a_ub, b_ub, a_eq, b_eq, bounds)
                if _whole_counts(low, high) < 2:
                    problems.append(f"stratum {s.label}: {what} in [{low:.2f}, {high:.2f}]")
    return problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes())
def test_no_hidden_count_can_be_worked_out_from_the_partner_outputs(g: Generated) -> None:
    workbook, csv_data = publish(g)
    pub = read_workbook(workbook)
    assert pub.files == g.result.files
    if g.result.files < K:
        assert pub.compliance_figures == 0, "a programme under k files published a figure"
        assert pub.met is None and not pub.breakdowns
        return
    assert attack(pub, g) == []
    # The CSV publishes exactly the workbook's breakdown figures: same cells hidden, same values.
    cells = read_csv(csv_data)
    for name, rows in (pub.breakdowns or {}).items():
        for group, files, comp in rows:
            count = cells[(f"By {name}", group, "files")]
            shown = cells[(f"By {name}", group, "compliance")]
            hidden = "TRUE" if files is None else "FALSE"
            assert count["suppressed"] == shown["suppressed"] == hidden
            assert count["n"] == ("" if files is None else str(files))
            estimate = shown["estimate"]
            published = None if not estimate else round(float(estimate) * 100)
            assert published == (None if files is None or comp is None else int(comp[1]))


# ---- Two date ranges: the observation views partners may ask for ------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)), min_size=1, max_size=60),
    st.dates(dt.date(2024, 10, 1), dt.date(2027, 3, 31)),
    st.dates(dt.date(2024, 10, 1), dt.date(2027, 3, 31)),
)
def test_two_periods_never_differ_by_fewer_than_k_observations(
    days: list[dt.date], cut: dt.date, other: dt.date
) -> None:
    """Whatever two periods a partner asks for, each view, and the difference of two nested
    views (what subtraction gives), holds no observation or at least k."""
    from reports.disclosure_views import blocks_within, period_blocks

    rules = disclosure.Rules(min_files=K)
    blocks = period_blocks(days, rules)

    def chosen(start: dt.date | None, end: dt.date | None) -> set[int]:
        found = blocks_within(blocks, start, end)
        if found is None:
            return set()
        return {i for i, d in enumerate(days) if found[0] <= d <= found[1]}

    low, high = sorted((cut, other))
    views = [chosen(None, None), chosen(cut, None), chosen(None, cut), chosen(low, high)]
    for view in views:
        assert len(view) == 0 or len(view) >= K
    for a in views:  # any two views differ by whole blocks: subtraction gives k or none
        for b in views:
            assert len(a - b) == 0 or len(a - b) >= K
