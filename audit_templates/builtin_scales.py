"""The scales every template can use without declaring them."""

from __future__ import annotations

from audit_templates.schema import Scale, ScaleOption

COMPLIANCE = Scale(
    title="Compliance",
    ordered=True,
    options=[
        ScaleOption(value="yes", label="Yes", score=1.0),
        ScaleOption(value="partly", label="Partly", score=0.5),
        ScaleOption(value="no", label="No", score=0.0),
        ScaleOption(value="not_applicable", label="Not applicable", score=None),
    ],
)

# Ofsted's ILACS four-point judgement; Good or better meets the standard.
OFSTED4 = Scale(
    title="Ofsted judgement",
    ordered=True,
    options=[
        ScaleOption(value="outstanding", label="Outstanding", score=1.0),
        ScaleOption(value="good", label="Good", score=2 / 3, met=True),
        ScaleOption(
            value="requires_improvement", label="Requires improvement to be good", score=1 / 3
        ),
        ScaleOption(value="inadequate", label="Inadequate", score=0.0),
    ],
)

BUILTIN_SCALES: dict[str, Scale] = {"compliance": COMPLIANCE, "ofsted4": OFSTED4}
