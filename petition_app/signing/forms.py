"""The sign form (on the campaign page and, through the API, for other sites), the confirmation page's
form (the details of the request, which the owner of the address may correct before confirming) and
the form to change the details of a confirmed signature."""
import re

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..formfields import CITY_MAX, EMAIL_MAX, NAME_MAX, Form, deliverable_email, no_link, plain_text
from ..formfields import strip as _strip
from ..rules import LANGUAGES
from ..security import sign_form_token
from .inputs import Details, SignatureInput

SOURCE_RE = re.compile(r"[a-z0-9-]{1,16}")
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language: not translated


def source_tag(value: object) -> str | None:
    """A share link's tag, kept only if it looks like one (lowercase letters, digits, hyphens)."""
    if isinstance(value, str) and SOURCE_RE.fullmatch(value):
        return value
    return None


def name_field() -> StringField:
    return StringField(
        _l("Your name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please fill in your name.")),
            Length(max=NAME_MAX, message=_l("Please use at most %(max)d characters.")),
            plain_text,
            no_link,
        ],
    )


def city_field() -> StringField:
    return StringField(
        _l("City (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=CITY_MAX, message=_l("Please use at most %(max)d characters.")), plain_text, no_link],
    )


def updates_field() -> BooleanField:
    return BooleanField(_l("Send me updates about this campaign (at most a few mails)."))


def public_field() -> BooleanField:
    return BooleanField(_l("Show my name and city on the letter to the recipients and on the campaign page."))


class FormTokenField(HiddenField):
    """The sign form's token (security.sign_form_token) in place of Flask-WTF's session-bound CSRF
    token: always rendered fresh for the campaign in the URL, whatever was posted. The route checks it."""

    def _value(self) -> str:
        slug = (request.view_args or {}).get("slug") if has_request_context() else None
        return sign_form_token(slug) if isinstance(slug, str) else ""


class SignForm(Form):
    """The sign form. No session: its CSRF protection is the form token (and the route's origin check)."""

    class Meta:
        csrf = False

    # Named like Flask-WTF's field, so that a page's form keeps its shape for clients and tests.
    csrf_token = FormTokenField()
    name = name_field()
    email = EmailField(
        _l("Your email address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please fill in your email address.")),
            Length(max=EMAIL_MAX, message=_l("Please use at most %(max)d characters.")),
            deliverable_email,
        ],
    )
    city = city_field()
    consent = BooleanField(
        _l("I have read the privacy statement and agree that my signature is stored for this campaign."),
        validators=[DataRequired(_l("We can only count your signature with your consent."))],
    )
    updates = updates_field()
    public = public_field()
    source = HiddenField(filters=[source_tag])
    # A honeypot: hidden from people (by CSS, and from screen readers by its label), filled in by bots.
    website = StringField(_l("Leave this field empty"))
    submit = SubmitField(_l("Sign"))

    def to_input(self, locale: str, ip: str | None) -> SignatureInput:
        """The same fields whether they came from the web form or the API (which feeds this form)."""
        return SignatureInput(
            name=self.name.data, email=self.email.data, city=self.city.data, locale=locale,
            wants_updates=self.updates.data, is_public=self.public.data, ip=ip, source=self.source.data,
        )


class ConfirmForm(Form):
    """A button behind a link in a mail that changes something (withdrawing): with Flask-WTF's token."""

    submit = SubmitField(_l("Confirm my signature"))


class DetailsForm(Form):
    """A signature's details as the owner of the address chooses them: on the confirmation page
    (filled in with what the request gave) and on the page to change them later."""

    name = name_field()
    city = city_field()
    updates = updates_field()
    public = public_field()
    language = SelectField(
        _l("Language of our mails"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        validate_choice=False,  # AnyOf says it in our words (and, unlike InputRequired, adds no `required`)
        validators=[AnyOf(LANGUAGES, message=_l("Please choose a language."))],
    )
    submit = SubmitField(_l("Confirm my signature"))

    @classmethod
    def showing(cls, details: Details) -> "DetailsForm":
        """The form filled in with these details (for a GET: nothing was posted)."""
        return cls(formdata=None, name=details.name, city=details.city or "", updates=details.wants_updates,
                   public=details.is_public, language=details.locale)

    def details(self) -> Details:
        return Details(self.name.data, self.city.data or None, self.language.data, bool(self.updates.data), bool(self.public.data))


class ConfirmDetailsForm(DetailsForm):
    """The details on the confirmation page. No session: the link's token is the authorisation (the
    route refuses a cross-site POST), and the thank-you page after it stays the same for everyone, so a
    cache in front can serve it."""

    class Meta:
        csrf = False


class ChangeDetailsForm(DetailsForm):
    submit = SubmitField(_l("Save my details"))
