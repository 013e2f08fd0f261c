"""Forms of the registry: an entry (moderators create and edit; organizers propose), a moderator's
decision on a change, and the editor's search."""
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from ..formfields import EMAIL_MAX, TOO_LONG, Form, deliverable_email, multi_line, plain_text, single_line
from ..formfields import strip as _strip
from ..rules.recipients import REGISTRY_KEY_RE
from .models import CHANGE_FIELDS

REQUIRED = _l("Please fill this in.")


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))]


#: How a moderator's page names each field of an entry (or of a campaign's recipient).
FIELD_LABELS = {
    "name_nl": _l("Name in Dutch"), "name_en": _l("Name in English"),
    "salutation_nl": _l("Salutation in Dutch"), "salutation_en": _l("Salutation in English"),
    "email": _l("Email address letters go to"), "language": _l("Main language of its letters"), "website": _l("Website"),
}
LANGUAGE_NAMES = {"nl": _l("Dutch"), "en": _l("English")}


def shown(field: str, value: Any) -> str:
    """A field's value as a moderator reads it (a language by its name)."""
    if value is None:
        return ""
    return str(LANGUAGE_NAMES.get(value, value)) if field == "language" else str(value)


def compare_rows(before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: Sequence[str] = CHANGE_FIELDS) -> list[tuple[str, str | None, str, bool, str]]:
    """(label, before, after, changed, language) for each field, as recipients/_compare.html shows them
    side by side (`before` None: only the new values; `language`: of a name or salutation, else "")."""
    return [
        (str(FIELD_LABELS[field]), None if before is None else shown(field, before.get(field, "")), shown(field, after.get(field, "")),
         before is not None and before.get(field, "") != after.get(field, ""), field[-2:] if field[-3:] in ("_nl", "_en") else "")
        for field in fields
    ]


def web_address(form: Any, field: Any) -> None:
    """A website is a link people follow from a public page: only http(s)."""
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError(_l("Write the full web address, starting with https://."))


class OrganisationForm(Form):
    """One entry of the registry. The key is asked only when the entry is made: it never changes."""

    key = StringField(
        _l("Key in the page's address (e.g. leiden-university)"), filters=[_strip, lambda v: v.lower() if isinstance(v, str) else v],
        validators=[DataRequired(REQUIRED), single_line, Regexp(REGISTRY_KEY_RE, message=_l("Use 2 to 40 lowercase letters, digits and hyphens."))],
    )
    name_nl = StringField(_l("Name in Dutch (e.g. Universiteit Leiden)"), filters=[_strip],
                          validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG), plain_text])
    name_en = StringField(_l("Name in English (e.g. Leiden University)"), filters=[_strip],
                          validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG), plain_text])
    salutation_nl = StringField(_l("Salutation in Dutch (e.g. Geacht College van Bestuur,)"), filters=[_strip],
                                validators=[Optional(), Length(max=200, message=TOO_LONG), plain_text])
    salutation_en = StringField(_l("Salutation in English (e.g. Dear Executive Board,)"), filters=[_strip],
                                validators=[Optional(), Length(max=200, message=TOO_LONG), plain_text])
    email = EmailField(_l("Email address letters go to (never shown publicly)"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=EMAIL_MAX, message=TOO_LONG), single_line, deliverable_email])
    language = SelectField(_l("Main language of its letters"), choices=_language_choices())
    website = URLField(_l("Website (optional)"), filters=[_strip],
                       validators=[Optional(), Length(max=300, message=TOO_LONG), single_line, web_address])
    submit = SubmitField(_l("Save"))

    def fields(self) -> dict[str, str]:
        """What the form says, as an entry's fields are named."""
        return {field: getattr(self, field).data or "" for field in CHANGE_FIELDS}


class EditOrganisationForm(OrganisationForm):
    """An existing entry: the key stays as it is."""

    key = None


class ProposeForm(EditOrganisationForm):
    """An organizer's proposal of a recipient missing from the registry; the key is made from its name."""

    submit = SubmitField(_l("Propose this recipient"))


def number_field() -> IntegerField:
    """The number of the change the moderator read; a decision about any other one is refused."""
    return IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class ApproveChangeForm(Form):
    number = number_field()
    submit = SubmitField(_l("Approve this address"))


class RejectChangeForm(Form):
    number = number_field()
    note = TextAreaField(_l("Why (for the log)"), validators=[DataRequired(REQUIRED), Length(max=2000), multi_line])
    submit = SubmitField(_l("Refuse"))


class SearchForm(Form):
    """The editor's search of the registry, by name in either language (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search the registry by name"), filters=[_strip], validators=[Optional(), Length(max=100, message=TOO_LONG), single_line])
