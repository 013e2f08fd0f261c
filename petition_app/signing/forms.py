"""The sign form (on the campaign page and, through the API, for other sites) and the confirm button."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..formfields import CITY_MAX, EMAIL_MAX, NAME_MAX, deliverable_email, plain_text
from ..formfields import strip as _strip

SOURCE_RE = re.compile(r"[a-z0-9-]{1,16}")


def source_tag(value: object) -> str | None:
    """A share link's tag, kept only if it looks like one (lowercase letters, digits, hyphens)."""
    if isinstance(value, str) and SOURCE_RE.fullmatch(value):
        return value
    return None


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
            Length(max=EMAIL_MAX, message=_l("Please use at most %(max)d characters.")),
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
