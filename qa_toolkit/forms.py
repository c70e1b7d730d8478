"""WTForms forms for the fixed pages (audit forms are built from templates at run time)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

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
    role = SelectField("Role", choices=ROLE_CHOICES)
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


class UploadTemplateForm(FlaskForm):
    file = FileField(
        "Template file (YAML)",
        description="A .yaml file written as in the guide. It is checked before anything is saved.",
        validators=[FileRequired("Choose a template file to upload.")],
    )
