"""Validators, filters and the one-button form shared by the forms of several domains, so that a
signer's name, an organizer's name and a recipient's name are checked by the same rules.

Every text field of every form refuses control characters (tests/test_hostile_input_errors.py checks
each form): names and cities with `plain_text`, addresses with `deliverable_email` or `single_line`,
titles and other one-line texts with `single_line` (a title goes into mail subjects, where a line break
would break every mail of the campaign), longer texts with `multi_line`. PostgreSQL cannot even store NUL.
"""
import functools
import unicodedata
from typing import Any

from babel.support import NullTranslations, Translations
from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SubmitField
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from .rules import EmailInvalid, contains_link, invisible, normalise_email, unsafe_text_reason

NAME_MAX = 100
CITY_MAX = 80
EMAIL_MAX = 254
TOO_LONG = _l("Please use at most %(max)d characters.")
INVISIBLE = _l("This contains invisible characters; please type it again.")
# Bidirectional embeddings, overrides and isolates make a text read differently from what it says.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")
#: ?page= beyond this is no page (and 10**30 would overflow the database's OFFSET).
MAX_PAGE = 100_000


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


def no_link(form: FlaskForm, field: Field) -> None:
    """A display name (a signer's name and city, an organizer's name, their group's name) stands in the
    mails we send, often first ("Hello ..."): no web address in it (`rules.text.contains_link`)."""
    if contains_link(field.data if isinstance(field.data, str) else ""):
        raise ValidationError(_l("Please leave out web addresses (such as www. or https://)."))


def single_line(form: FlaskForm, field: Field) -> None:
    """A title, an address or another one-line text: no line breaks, tabs or invisible characters."""
    value = field.data if isinstance(field.data, str) else ""
    if any(ch in LINE_BREAKS for ch in value):
        raise ValidationError(_l("Please write this on one line, without line breaks."))
    if any(invisible(ch) for ch in value):
        raise ValidationError(INVISIBLE)


def multi_line(form: FlaskForm, field: Field) -> None:
    """A longer text (a summary, a demand, an update, a note): line breaks and tabs are fine; control
    characters, bidirectional overrides and broken characters (lone surrogates) are not. Invisible
    formatting that word processors paste (soft hyphens, zero-width spaces) stays."""
    value = field.data if isinstance(field.data, str) else ""
    for ch in value:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in "\t\r\n") or category == "Cs" or ch in BIDI_CONTROLS:
            raise ValidationError(INVISIBLE)


def page_number() -> int | None:
    """The ?page= of a paged list: a number from 1 to MAX_PAGE, or None when it is no page (0, -1,
    10**30); text that is no number is page 1."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else None


def deliverable_email(form: FlaskForm, field: Field) -> None:
    """An address email-validator accepts (with a DNS check of its domain in production)."""
    try:
        normalise_email(field.data or "", current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    except EmailInvalid as exc:
        raise ValidationError(_l("Enter a valid email address, like name@example.org.")) from exc


@functools.cache
def _wtforms_catalog(locale: str) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("Not a valid integer value.") in the request's language. Flask-WTF loads
    that catalog from disk on every request (1 ms of a campaign page's 4); this loads it once per process."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()


class Form(FlaskForm):
    """The base of every form here: Flask-WTF's, with WTForms' messages loaded once per process."""

    class Meta:
        def get_translations(self, form: Any) -> _WTFormsMessages | None:
            return _WTFORMS_MESSAGES if current_app.config.get("WTF_I18N_ENABLED", True) else None


class ButtonForm(Form):
    """A form that is only a button: its CSRF token is what makes the POST safe."""

    submit = SubmitField(_l("Confirm"))
