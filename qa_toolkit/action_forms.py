"""Forms for practice-development actions and escalations (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from qa_toolkit.models import Priority
from qa_toolkit.services.escalations import ADDRESSED_TO, RAISED_BY
from reports.actions import ActionStatus

PRIORITY_CHOICES = [SelectChoice(p.value, p.label) for p in Priority]
STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ActionStatus]
DATE_HINT = "For example, 31/01/2027. Your browser may offer a calendar to pick from."


def _owner_field() -> SelectField:
    return SelectField(
        "Owner",
        description="The person who will make it happen. Where they have an account, they see "
        "it under My actions.",
        coerce=int,
        validators=[DataRequired("Choose who owns this action.")],
    )


def _due_field() -> DateField:
    return DateField(
        "Due date",
        description=DATE_HINT,
        validators=[DataRequired("Enter the date the action is due.")],
    )


class ActionForm(FlaskForm):
    title = StringField(
        "What needs to happen",
        validators=[
            DataRequired("Enter a title: what needs to happen."),
            Length(max=200, message="Keep the title under 200 characters."),
        ],
    )
    good_looks_like = TextAreaField(
        "What good looks like",
        description="How the owner and their manager will know it is done well.",
        validators=[Optional(), Length(max=10_000)],
    )
    owner_staff_id = _owner_field()
    due_date = _due_field()
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="medium")
    source = HiddenField()
    audit_id = HiddenField()
    programme_id = HiddenField()
    question_id = HiddenField()
    theme_id = HiddenField()


class ActionUpdateForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES)
    completion_evidence = TextAreaField(
        "Completion evidence",
        description="What shows it is done: for example, the case note, the supervision record "
        "or the re-audit that found it in place. Needed to mark the action completed.",
        validators=[Optional(), Length(max=10_000)],
    )
    completed_on = DateField(
        "Date completed",
        description="Leave blank for today. " + DATE_HINT,
        validators=[Optional()],
    )
    owner_staff_id = _owner_field()
    due_date = _due_field()
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)


class EscalationForm(FlaskForm):
    case_ref = StringField(
        "Child's case reference",
        description="As it appears in the case list, for example C000123.",
        validators=[
            DataRequired("Enter the child's case reference."),
            Length(max=60, message="A case reference is at most 60 characters."),
        ],
    )
    reason = SelectField("What the escalation is about")
    issue = TextAreaField(
        "The issue",
        description="What is drifting or delayed, the impact on the child, and what you are "
        "asking for. Write it as you would on the child's file.",
        validators=[DataRequired("Describe the issue you are escalating."), Length(max=10_000)],
    )
    stage = SelectField("Stage to start at")
    skip_reason = TextAreaField(
        "Why start at this stage",
        description="Needed when you start beyond informal resolution: what about the risk to "
        "the child warrants it.",
        validators=[Optional(), Length(max=10_000)],
    )
    raised_on = DateField(
        "Date raised", description="Leave blank for today. " + DATE_HINT, validators=[Optional()]
    )
    # Roles, not names: the annual report counts them for partners too.
    raised_by = SelectField(
        "Raised by",
        choices=[SelectChoice("", "Not recorded")] + [SelectChoice(r, r) for r in RAISED_BY],
        validators=[Optional()],
    )
    addressed_to = SelectField(
        "Addressed to",
        description="Who the escalation asks to act.",
        choices=[SelectChoice("", "Not recorded")] + [SelectChoice(r, r) for r in ADDRESSED_TO],
        validators=[Optional()],
    )
    audit_id = HiddenField()


class EscalationResponseForm(FlaskForm):
    response = TextAreaField(
        "Response received",
        validators=[DataRequired("Enter the response you received."), Length(max=10_000)],
    )
    responded_on = DateField(
        "Date of the response",
        description="Leave blank for today. " + DATE_HINT,
        validators=[Optional()],
    )


class EscalationMoveForm(FlaskForm):
    stage = SelectField("Move to stage")
    skip_reason = TextAreaField(
        "Why skip stages",
        description="Needed when you skip a stage because of the risk to the child.",
        validators=[Optional(), Length(max=10_000)],
    )


class EscalationCloseForm(FlaskForm):
    status = SelectField(
        "How it ended",
        choices=[SelectChoice("resolved", "Resolved"), SelectChoice("withdrawn", "Withdrawn")],
    )
    outcome = TextAreaField(
        "Outcome",
        description="What was agreed and what changed for the child.",
        validators=[DataRequired("Enter the outcome."), Length(max=10_000)],
    )
    resolved_on = DateField(
        "Date resolved", description="Leave blank for today. " + DATE_HINT, validators=[Optional()]
    )
