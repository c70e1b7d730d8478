"""WTForms forms for the fixed pages (audit forms are built from templates at run time)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from qa_toolkit.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class OrganisationSwitchForm(FlaskForm):
    organisation_id = SelectField("Organisation", coerce=int)


class LogoutForm(FlaskForm):
    """Empty: logging out is a POST with a CSRF token, so no other site can log you out."""


class NewUserForm(FlaskForm):
    display_name = StringField(
        "Full name", validators=[DataRequired("Enter the person's full name."), Length(max=200)]
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address."),
            Regexp(
                r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$",
                message="Enter an email address in the right format, like name@council.gov.uk.",
            ),
            Length(max=254),
        ],
    )
    # The least role by default: an administrator raises it on purpose, never by oversight.
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.VIEWER.value)
    password = PasswordField(
        "First password",
        description="At least 12 characters. Give it to the person in a safe way.",
        validators=[DataRequired("Enter a first password.")],
    )


class EditUserForm(FlaskForm):
    role = SelectField("Role in this organisation", choices=ROLE_CHOICES)
    staff_id = SelectField(
        "Staff record",
        description="Link the account to the person's staff record so that nobody is "
        "asked to audit a case they work on.",
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    active = BooleanField("Account can sign in")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 12 characters.",
        validators=[DataRequired("Enter a new password.")],
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        description="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        validators=[DataRequired("Enter the code from your authenticator app."), Length(max=20)],
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 12 characters. A short phrase of ordinary words is easiest.",
        validators=[DataRequired("Enter a new password."), Length(max=256)],
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Enter the new password again."),
            EqualTo("password", "The two new passwords are not the same."),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class MfaSetupForm(FlaskForm):
    token = HiddenField()
    code = StringField(
        "Code from the app",
        description="The 6 digits the app shows for the QA toolkit.",
        validators=[DataRequired("Enter the 6-digit code from the app."), Length(max=20)],
    )


class MfaRequirementForm(FlaskForm):
    admin = BooleanField(Role.ADMIN.label)
    manager = BooleanField(Role.MANAGER.label)
    auditor = BooleanField(Role.AUDITOR.label)
    viewer = BooleanField(Role.VIEWER.label)


class ConfirmForm(FlaskForm):
    """Empty: a button that changes something, sent as a POST with a CSRF token."""


class UploadTemplateForm(FlaskForm):
    file = FileField(
        "Template file (YAML)",
        description="A .yaml file written as in the guide. It is checked before anything is saved.",
        validators=[FileRequired("Choose a template file to upload.")],
    )


class UploadCaseListForm(FlaskForm):
    file = FileField(
        "Case list (CSV or Excel .xlsx), or the three files of an SSDA903 return",
        description="An export of children in care from Liquidlogic, Mosaic or Eclipse; or the "
        "SSDA903 Header, Episodes and Reviews CSV files, chosen together. "
        "Nothing is imported until you have checked the columns.",
        validators=[FileRequired("Choose the case list file to upload.")],
        render_kw={"multiple": True, "accept": ".csv,.xlsx"},
    )


class ImportReturnForm(FlaskForm):
    """The date of an SSDA903 return's case list: the children looked after on that day."""

    as_at = DateField(
        "Children looked after on",
        description="The case list is the children in care on this date, with their reviews "
        "up to it.",
        validators=[DataRequired("Enter the date, like 31/3/2026.")],
    )
    label = StringField(
        "Name for this case list",
        description="For example 'Children looked after, 31 March 2026 (SSDA903)'.",
        validators=[Optional(), Length(max=200)],
    )


def build_mapping_form(fields: dict[str, tuple[str, bool]], headers: list[str]) -> type[FlaskForm]:
    """A form with one 'which column?' choice per field of ours (a new class per call)."""
    choices = [SelectChoice("", "(not in this file)")] + [SelectChoice(h, h) for h in headers]
    attrs: dict[str, object] = {
        "as_at": DateField(
            "Date the list was exported",
            description="Ages and overdue reviews are worked out at this date.",
            validators=[DataRequired("Enter the date the list was exported, like 31/3/2026.")],
        ),
        "label": StringField(
            "Name for this case list",
            description="For example 'Children in care, March 2026 (LCS)'.",
            validators=[Optional(), Length(max=200)],
        ),
        "save_mapping_as": StringField(
            "Save these column choices as (optional)",
            description="Give them a name, such as 'LCS CLA export', to use next time.",
            validators=[Optional(), Length(max=200)],
        ),
    }
    for name, (label, required) in fields.items():
        attrs[f"map_{name}"] = SelectField(
            label + (" (required)" if required else ""), choices=choices, validate_choice=True
        )
    return type("MappingForm", (FlaskForm,), attrs)
