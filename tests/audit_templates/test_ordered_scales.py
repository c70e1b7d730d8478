"""Whether a scale is ordered is the scale's own `ordered:` key, and moderation reads it.

The walkthrough "add an answer scale (with ordered:)" is done here: an author's scale with
`ordered: true` gets linearly weighted kappa, checked against statsmodels' own computation.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from audit_templates.builtin_scales import BUILTIN_SCALES
from audit_templates.loader import content_hash, load_template_text
from qa_toolkit.services.moderation import question_scales
from reports.agreement import by_question

TEMPLATE = """\
id: evidence_quality
title: Quality of evidence
version: 1
kind: thematic
scales:
  quality:
    title: Quality of evidence
    ordered: true
    options:
      - {value: strong, label: Strong, score: 1}
      - {value: some, label: Some, score: 0.5}
      - {value: weak, label: Weak, score: 0}
      - {value: none_needed, label: Not needed, score: null}
  colour:
    title: Colour of the file
    options:
      - {value: red, label: Red, score: 1}
      - {value: blue, label: Blue, score: 0.5}
      - {value: green, label: Green, score: 0}
sections:
  - id: files
    title: The files
    questions:
      - {id: evidence, text: "How strong was the evidence?", scale: quality}
      - {id: colour, text: "Which colour?", scale: colour}
grading:
  thresholds: {outstanding: 0.9, good: 0.75, requires_improvement: 0.5, inadequate: 0}
"""
CATEGORIES = ["strong", "some", "weak"]
# (auditor, moderator) for twelve files: mostly near misses, one far miss.
RATINGS = [
    ("strong", "strong"), ("strong", "some"), ("some", "some"), ("some", "weak"),
    ("weak", "weak"), ("strong", "strong"), ("some", "strong"), ("weak", "some"),
    ("strong", "weak"), ("some", "some"), ("weak", "weak"), ("strong", "strong"),
]  # fmt: skip


def _independent_kappa(weighting: str | None) -> float:
    table = np.zeros((3, 3))
    for first, second in RATINGS:
        table[CATEGORIES.index(first), CATEGORIES.index(second)] += 1
    return float(cohens_kappa(table, wt=weighting).kappa)


def test_builtin_scales_are_ordered() -> None:
    assert all(scale.is_ordered for scale in BUILTIN_SCALES.values())


def test_an_authors_ordered_scale_gets_weighted_kappa() -> None:
    template = load_template_text(TEMPLATE)
    scales = question_scales(template)
    assert scales["evidence"] == (CATEGORIES, True)
    assert scales["colour"] == (["red", "blue", "green"], False)
    colours = dict(zip(CATEGORIES, ["red", "blue", "green"], strict=True))
    pairs = [
        ({"evidence": a, "colour": colours[a]}, {"evidence": b, "colour": colours[b]})
        for a, b in RATINGS
    ]
    figures = by_question(pairs, scales)
    weighted, plain = _independent_kappa("linear"), _independent_kappa(None)
    assert weighted != pytest.approx(plain)  # the pairs tell the two apart
    assert figures["evidence"].kappa_weighting == "linear"
    assert figures["evidence"].kappa == pytest.approx(weighted, abs=1e-12)
    # The same answers on a scale the author did not mark as ordered: plain kappa.
    assert figures["colour"].kappa_weighting == "none"
    assert figures["colour"].kappa == pytest.approx(plain, abs=1e-12)


def test_ordered_is_only_true_or_false() -> None:
    with pytest.raises(Exception, match="ordered"):
        load_template_text(TEMPLATE.replace("ordered: true", "ordered: sometimes"))


def test_a_scale_without_ordered_keeps_its_content_hash() -> None:
    """Templates stored before `ordered:` existed have the same fingerprint today."""
    template = load_template_text(TEMPLATE)
    assert "ordered" not in template.scales["colour"].model_dump()
    unordered = load_template_text(TEMPLATE.replace("    ordered: true\n", ""))
    assert content_hash(unordered) != content_hash(template)
    assert content_hash(unordered) == content_hash(
        load_template_text(TEMPLATE.replace("    ordered: true\n", "    ordered: null\n"))
    )
