"""The form of an organisation's own settings (qa_toolkit/services/organisations.py checks them)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length


class OrganisationSettingsForm(FlaskForm):
    emails_show_case_ref = BooleanField(
        "Name the case reference in e-mails to people who work with case data",
        description="Only the case reference, never the child's name or anything else; "
        "viewers and partners never get it. Off unless you turn it on.",
    )
    case_list_row_limit = StringField(
        "Most rows in one case list",
        description="A case list longer than this is refused when it is checked. Leave it "
        "blank to use the deployment's limit.",
        validators=[Length(max=20, message="Enter a whole number, for example 20000.")],
    )
