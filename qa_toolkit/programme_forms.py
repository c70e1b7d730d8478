"""The dip-sample design form, and turning its answers into a SampleDesign.

The form only reads its fields: the design is made by `sampling.design_text`, as the command
line's is, and the expected compliance per stratum is read there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sampling.design import CATEGORY_FIELDS, CategoryFilter, DateFilter, SampleDesign, SizeRule
from sampling.design_text import DesignOptions, Key, design_from_options, expectations_from

# Kept importable from here for the views (their home is sampling.design_text).
from sampling.design_text import ExpectationProblem as ExpectationProblem
from sampling.design_text import expectations_text as expectations_text

FILTER_FIELDS = ("team", "legal_status", "age_band", "placement_type")
SIZE_METHODS = [
    SelectChoice("fixed", "A fixed number of files"),
    SelectChoice("margin", "Enough for a margin of error (estimating a percentage)"),
    SelectChoice("discovery", "Enough to show non-compliance is below a tolerable rate"),
    SelectChoice("percent", "A percentage of the cases in scope"),
    SelectChoice("per_stratum", "A fixed number from each stratum (for example 3 per team)"),
]


def _checkboxes(label: str) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


def _percent(label: str, default: float | None, description: str = "") -> DecimalField:
    return DecimalField(
        label,
        default=Decimal(str(default)) if default is not None else None,
        places=None,
        description=description,
        validators=[
            Optional(),
            NumberRange(min=0.01, max=99.99, message="Enter a percentage between 0 and 100."),
        ],
    )


class ProgrammeForm(FlaskForm):
    name = StringField(
        "Name of the programme",
        description="For example 'Voice of the child dip sample, Q3 2026'.",
        validators=[DataRequired("Give the programme a name."), Length(max=200)],
    )
    template_version_id = SelectField("Audit template", coerce=int, choices=[])
    frame_id = SelectField("Case list to draw from", coerce=int, choices=[])
    filter_team = _checkboxes("Teams")
    filter_legal_status = _checkboxes("Legal status")
    filter_age_band = _checkboxes("Age band")
    filter_placement_type = _checkboxes("Placement type")
    looked_after_from = DateField("Became looked after on or after", validators=[Optional()])
    looked_after_to = DateField("Became looked after on or before", validators=[Optional()])
    strata_1 = SelectField("First stratification field", choices=[])
    strata_2 = SelectField("Second (optional)", choices=[])
    strata_3 = SelectField("Third (optional)", choices=[])
    size_method = RadioField("How many files?", choices=SIZE_METHODS, default="fixed")
    n = IntegerField("Number of files", default=40, validators=[Optional(), NumberRange(min=1)])
    margin = _percent("Margin of error (±, in %)", 10, "For example 10 for ±10 percentage points.")
    confidence = SelectField(
        "Confidence level",
        choices=[
            SelectChoice("0.9", "90%"),
            SelectChoice("0.95", "95%"),
            SelectChoice("0.99", "99%"),
        ],
        default="0.95",
    )
    expected = _percent("Expected percentage meeting the standard", 50, "50% if you do not know.")
    tolerable = _percent("Tolerable rate of non-compliance (%)", 5)
    max_failures = IntegerField(
        "Failures you would still accept", default=0, validators=[Optional(), NumberRange(min=0)]
    )
    percent = _percent("Percentage of cases in scope", 5)
    per_stratum = IntegerField(
        "Files from each stratum", default=3, validators=[Optional(), NumberRange(min=1)]
    )
    allocation = RadioField(
        "Share the files across strata",
        choices=[
            SelectChoice("proportional", "In proportion to each stratum's size"),
            SelectChoice("equal", "Equally"),
            SelectChoice("neyman", "Neyman (more where results vary most)"),
        ],
        default="proportional",
    )
    expected_by_stratum = TextAreaField(
        "Expected compliance in each stratum (Neyman allocation only)",
        description=(
            "One line per stratum, for example 'North × Full care order: 70%'; 70, 70% and 0.7 "
            "all mean 70%. Preview the allocation to list the strata here. A stratum left blank "
            "uses the expected percentage meeting the standard (above), or 50%."
        ),
        validators=[Optional(), Length(max=20_000)],
    )
    minimum = IntegerField(
        "At least this many from every stratum",
        default=2,
        validators=[Optional(), NumberRange(min=0)],
    )
    reserves = IntegerField(
        "Reserves per stratum", default=2, validators=[Optional(), NumberRange(min=0, max=50)]
    )
    method = RadioField(
        "Selection method",
        choices=[
            SelectChoice("prn", "Random (a random number for every case; smallest numbers chosen)"),
            SelectChoice("systematic", "Systematic (every k-th case from a random start)"),
        ],
        default="prn",
    )
    coordination = RadioField(
        "Children audited in an earlier round",
        choices=[
            SelectChoice("independent", "Treat them like any other child (no coordination)"),
            SelectChoice("negative", "Avoid them: draw them only when a stratum has no one else"),
            SelectChoice("positive", "Audit them again first (re-audit), then top up"),
        ],
        default="independent",
    )
    coordinate_with = SelectField(
        "Earlier round",
        description="The launched programme whose children are avoided or re-audited.",
        choices=[],
        validators=[Optional()],
    )
    seed = IntegerField(
        "Seed",
        description="Leave blank for a new random seed. Enter a previous seed to reproduce a draw.",
        validators=[Optional(), NumberRange(min=0, max=2**53 - 1)],
    )
    exclude_audited_months = IntegerField(
        "Leave out cases audited in the last (months)",
        default=12,
        description="0 to include them. Excluded cases are replaced by reserves and listed.",
        validators=[Optional(), NumberRange(min=0, max=120)],
    )
    exclude_own_team = BooleanField("Auditors never audit a case from their own team")
    due_date = DateField("Audits due by", validators=[Optional()])


def set_choices(
    form: ProgrammeForm,
    templates: Sequence[tuple[int, str]],
    frames: Sequence[tuple[int, str]],
    values: dict[str, list[str]],
    earlier: Sequence[tuple[int, str]] = (),
) -> None:
    form.coordinate_with.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(i), label) for i, label in earlier
    ]
    form.template_version_id.choices = [SelectChoice(str(i), label) for i, label in templates]
    form.frame_id.choices = [SelectChoice(str(i), label) for i, label in frames]
    strata = [SelectChoice("", "None")] + [SelectChoice(k, v) for k, v in CATEGORY_FIELDS.items()]
    for field in (form.strata_1, form.strata_2, form.strata_3):
        field.choices = strata
    for name in FILTER_FIELDS:
        form[f"filter_{name}"].choices = [SelectChoice(v, v) for v in values.get(name, [])]


def _share(value: Decimal | None) -> float | None:
    return None if value is None else float(value) / 100


def design_from(form: ProgrammeForm) -> SampleDesign:
    """Raises sampling.design.DesignProblem with a message for the manager."""
    strata = tuple(
        dict.fromkeys(v for v in (form.strata_1.data, form.strata_2.data, form.strata_3.data) if v)
    )
    categories = tuple(
        CategoryFilter(name, tuple(form[f"filter_{name}"].data))
        for name in FILTER_FIELDS
        if form[f"filter_{name}"].data
    )
    dates: tuple[DateFilter, ...] = ()
    if form.looked_after_from.data or form.looked_after_to.data:
        dates = (
            DateFilter(
                "became_looked_after", form.looked_after_from.data, form.looked_after_to.data
            ),
        )
    size = SizeRule(
        method=form.size_method.data,
        n=form.n.data,
        margin=_share(form.margin.data),
        confidence=float(form.confidence.data),
        expected=_share(form.expected.data) or 0.5,
        tolerable=_share(form.tolerable.data),
        max_failures=form.max_failures.data or 0,
        percent=float(form.percent.data) if form.percent.data is not None else None,
        per_stratum=form.per_stratum.data,
    )
    return design_from_options(
        DesignOptions(
            strata=strata,
            categories=categories,
            dates=dates,
            size=size,
            allocation=form.allocation.data,
            minimum=form.minimum.data,
            reserves=form.reserves.data,
            method=form.method.data,
            exclude_audited_months=form.exclude_audited_months.data,
            coordination=form.coordination.data,
            coordinate_with=int(form.coordinate_with.data) if form.coordinate_with.data else None,
        )
    )


def with_expectations(
    form: ProgrammeForm, design: SampleDesign, keys: Sequence[Key]
) -> SampleDesign:
    """The design with the form's expected compliance per stratum (only used by Neyman)."""
    return replace(
        design,
        stratum_expected=expectations_from(form.expected_by_stratum.data or "", design, keys),
    )
