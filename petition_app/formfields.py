"""Validators, filters and the one-button form shared by the forms of several domains, so that a
signer's name, an organizer's name and a recipient's name are checked by the same rules."""
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SubmitField
from wtforms.validators import ValidationError

from .rules import EmailInvalid, normalise_email, unsafe_text_reason

NAME_MAX = 100
CITY_MAX = 80
EMAIL_MAX = 254
TOO_LONG = _l("Please use at most %(max)d characters.")


def strip(value: Any) -> Any:
    """A filter: surrounding spaces are never part of what someone meant to type."""
    return value.strip() if isinstance(value, str) else value


def plain_text(form: FlaskForm, field: Field) -> None:
    """Names reach letters, public walls and exports: no markup, formulas or invisible characters."""
    reason = unsafe_text_reason(field.data or "")
    if reason == "markup":
        raise ValidationError(_l("Please leave out the characters < and >."))
    if reason == "formula":
        raise ValidationError(_l("Please start with a letter, not with =, +, - or @."))
    if reason == "control":
        raise ValidationError(_l("This contains invisible characters; please type it again."))
    if reason == "stacked":
        raise ValidationError(_l("This contains too many accent marks on one letter; please type it again."))


def deliverable_email(form: FlaskForm, field: Field) -> None:
    """An address email-validator accepts (with a DNS check of its domain in production)."""
    try:
        normalise_email(field.data or "", current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    except EmailInvalid as exc:
        raise ValidationError(_l("Enter a valid email address, like name@example.org.")) from exc


class ButtonForm(FlaskForm):
    """A form that is only a button: its CSRF token is what makes the POST safe."""

    submit = SubmitField(_l("Confirm"))
