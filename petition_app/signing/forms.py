import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..rules import EmailInvalid, normalise_email, unsafe_text_reason

SOURCE_RE = re.compile(r"[a-z0-9-]{1,16}")
NAME_MAX = 100
CITY_MAX = 80


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def source_tag(value):
    """A share link's tag, kept only if it looks like one (lowercase letters, digits, hyphens)."""
    if isinstance(value, str) and SOURCE_RE.fullmatch(value):
        return value
    return None


def plain_text(form, field):
    reason = unsafe_text_reason(field.data or "")
    if reason == "markup":
        raise ValidationError(_l("Please leave out the characters < and >."))
    if reason == "formula":
        raise ValidationError(_l("Please start with a letter, not with =, +, - or @."))
    if reason == "control":
        raise ValidationError(_l("This contains invisible characters; please type it again."))
    if reason == "stacked":
        raise ValidationError(_l("This contains too many accent marks on one letter; please type it again."))


def deliverable_email(form, field):
    try:
        normalise_email(field.data or "", current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    except EmailInvalid as exc:
        raise ValidationError(_l("Enter a valid email address, like name@example.org.")) from exc


class SignForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please fill in your name.")),
            Length(max=NAME_MAX, message=_l("Please use at most %(max)d characters.")),
            plain_text,
        ],
    )
    email = EmailField(
        _l("Your email address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please fill in your email address.")),
            Length(max=254, message=_l("Please use at most %(max)d characters.")),
            deliverable_email,
        ],
    )
    city = StringField(
        _l("City (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=CITY_MAX, message=_l("Please use at most %(max)d characters.")), plain_text],
    )
    consent = BooleanField(
        _l("I have read the privacy statement and agree that my signature is stored for this campaign."),
        validators=[DataRequired(_l("We can only count your signature with your consent."))],
    )
    updates = BooleanField(_l("Send me updates about this campaign (at most a few mails)."))
    public = BooleanField(_l("Show my name and city on the letter to the recipients and on the campaign page."))
    source = HiddenField(filters=[source_tag])
    # A honeypot: hidden from people (by CSS, and from screen readers by its label), filled in by bots.
    website = StringField(_l("Leave this field empty"))
    submit = SubmitField(_l("Sign"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm my signature"))
