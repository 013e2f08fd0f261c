"""The forms of stories and support: the public form (no account, no address needed), the private
code, the team's screening and redaction, and the organizers' settings."""
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField, SubmitField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..formfields import EMAIL_MAX, TOO_LONG, Form, deliverable_email, multi_line, single_line, strip
from ..rules.stories import Category, ContactMethod, ContentNote, Place, SubmissionStatus
from .inputs import RETENTION_DAYS, SUPPORT_DAYS, TEXT_MAX, SubmissionInput

PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,25}$")


# Each choice's label, in the order the form shows them; the values are the enums of rules/stories.py.
CATEGORY_LABELS = {
    Category.HARASSMENT: _l("Harassment"),
    Category.SEXUAL_HARASSMENT: _l("Sexual harassment"),
    Category.SEXUAL_VIOLENCE: _l("Sexual violence"),
    Category.DISCRIMINATION: _l("Discrimination"),
    Category.BULLYING: _l("Bullying"),
    Category.OTHER: _l("Something else"),
}
PLACE_LABELS = {
    Place.CAMPUS: _l("On campus or at the university"),
    Place.CITY: _l("In the city"),
    Place.ONLINE: _l("Online"),
    Place.OTHER: _l("Somewhere else"),
}
CONTENT_NOTE_LABELS = {  # a note named like a kind of experience takes that kind's label
    ContentNote.SEXUAL_VIOLENCE: CATEGORY_LABELS[Category.SEXUAL_VIOLENCE],
    ContentNote.SEXUAL_HARASSMENT: CATEGORY_LABELS[Category.SEXUAL_HARASSMENT],
    ContentNote.VIOLENCE: _l("Physical violence"),
    ContentNote.DISCRIMINATION: CATEGORY_LABELS[Category.DISCRIMINATION],
    ContentNote.BULLYING: CATEGORY_LABELS[Category.BULLYING],
    ContentNote.SELF_HARM: _l("Self-harm"),
}
STATUS_LABELS = {
    SubmissionStatus.NEW: _l("New (not screened)"),
    SubmissionStatus.URGENT: _l("Urgent"),
    SubmissionStatus.FILED: _l("Filed (counted, no action needed)"),
    SubmissionStatus.SUPPORT_REQUESTED: _l("Support requested"),
    SubmissionStatus.CONTACTED: _l("Contacted"),
    SubmissionStatus.CLOSED: _l("Closed (contact details are deleted)"),
    SubmissionStatus.DISMISSED: _l("Dismissed (not counted; the text is deleted)"),
}


def choices(labels: Mapping[Any, Any]) -> list[SelectChoice]:
    """A field's choices from one of the label tables above."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes; unknown values are dropped rather than refused (the templates draw them)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        known = {str(choice.value) for choice in self.choices}
        chosen: list[str] = list(getattr(self, "data", None) or [])
        setattr(self, "data", [value for value in chosen if value in known])


class StoryForm(Form):
    text = TextAreaField(
        _l("What happened?"), filters=[strip],
        validators=[Optional(), Length(max=TEXT_MAX, message=TOO_LONG), multi_line],
    )
    categories = MultiCheckboxField(_l("What was it? Choose any that fit (optional)"), choices=choices(CATEGORY_LABELS))
    place = RadioField(_l("Where did it happen? (optional)"), choices=choices(PLACE_LABELS), validate_choice=False)
    publish = BooleanField(_l("Publish my story anonymously on the campaign page, after the team has removed anything that could identify someone, and only once I have approved that version"))
    quote = BooleanField(_l("Quote my story anonymously in the letters to the recipients, in the version I approve"))
    support = BooleanField(_l("I would like support: contact me"))
    contact_method = RadioField(
        _l("How may the team contact you?"),
        choices=[SelectChoice(ContactMethod.EMAIL, _l("By email")), SelectChoice(ContactMethod.PHONE, _l("By phone"))], validate_choice=False,
    )
    contact_email = EmailField(_l("Email address"), filters=[strip], validators=[Optional(), Length(max=EMAIL_MAX, message=TOO_LONG), single_line])
    contact_phone = TelField(_l("Phone number"), filters=[strip], validators=[Optional(), Length(max=25, message=TOO_LONG), single_line])
    contact_language = RadioField(
        _l("In which language?"), choices=[SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))], validate_choice=False,
    )
    website = StringField(_l("Leave this field empty"), validators=[single_line])  # a honeypot: people never see it
    submit = SubmitField(_l("Send"))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None=None) -> bool:
        valid = super().validate(extra_validators)
        wants_share = self.publish.data or self.quote.data
        if wants_share and not self.text.data:
            self.text.errors.append(_l("To share your story, please write it here."))
            valid = False
        elif not self.text.data and not self.categories.data and not self.support.data:
            self.text.errors.append(_l("Tell us what happened, or choose at least one kind of experience."))
            valid = False
        if self.place.data not in (None, "", *PLACE_LABELS):
            self.place.errors.append(_l("Choose one of the places, or none."))
            valid = False
        if self.support.data:
            valid = self._validate_contact() and valid
        elif self.contact_email.data or self.contact_phone.data:
            self.support.errors.append(_l("You gave contact details: tick “I would like support”, or leave them empty."))
            valid = False
        return valid

    def _validate_contact(self) -> bool:
        method = self.contact_method.data
        if method not in (ContactMethod.EMAIL, ContactMethod.PHONE):
            self.contact_method.errors.append(_l("Choose how the team may contact you."))
            return False
        if method == ContactMethod.EMAIL:
            if not self.contact_email.data:
                self.contact_email.errors.append(_l("Enter the email address the team may use."))
                return False
            try:
                deliverable_email(self, self.contact_email)
            except ValidationError as exc:
                self.contact_email.errors.append(str(exc))
                return False
        elif not self.contact_phone.data or not PHONE.match(self.contact_phone.data) or sum(c.isdigit() for c in self.contact_phone.data) < 6:
            self.contact_phone.errors.append(_l("Enter a phone number, like 06 12345678 or +31 6 12345678."))
            return False
        if self.contact_language.data not in ("nl", "en"):
            self.contact_language.errors.append(_l("Choose the language for the contact."))
            return False
        return True

    def to_input(self) -> SubmissionInput:
        support = bool(self.support.data)
        method = self.contact_method.data if support else None
        value = (self.contact_email.data if method == ContactMethod.EMAIL else self.contact_phone.data) if support else None
        return SubmissionInput(
            text=self.text.data or "",
            categories=list(self.categories.data or []),
            place=self.place.data or None,
            wants_publish=bool(self.publish.data),
            wants_quote=bool(self.quote.data),
            wants_support=support,
            contact_method=method,
            contact_value=value,
            contact_language=self.contact_language.data if support else None,
        )


class CodeForm(Form):
    """The private code, typed in (never in the address, so it stays out of logs and history)."""

    code = StringField(_l("Your private code"), filters=[strip], validators=[DataRequired(_l("Enter your code.")), Length(max=64), single_line])
    submit = SubmitField(_l("Open"))


class AuthorActionForm(Form):
    """A button on the author's page; the code rides along in a hidden field."""

    code = HiddenField(validators=[single_line])
    action = HiddenField(validators=[single_line])


class MailCodeForm(Form):
    code = HiddenField(validators=[single_line])
    email = EmailField(_l("Email address (not stored)"), filters=[strip],
                       validators=[DataRequired(_l("Enter an email address.")), Length(max=EMAIL_MAX, message=TOO_LONG), deliverable_email])
    submit = SubmitField(_l("Mail me the code"))


class StatusForm(Form):
    status = RadioField(_l("Status"), choices=choices(STATUS_LABELS), validators=[DataRequired(_l("Choose a status."))])
    submit = SubmitField(_l("Save status"))


class RedactionForm(Form):
    text = TextAreaField(_l("Redacted version"), filters=[strip],
                         validators=[DataRequired(_l("Please fill this in.")), Length(max=TEXT_MAX, message=TOO_LONG), multi_line])
    notes = MultiCheckboxField(_l("Content notes shown before the story"), choices=choices(CONTENT_NOTE_LABELS))
    save = SubmitField(_l("Save the redacted version"))
    ask = SubmitField(_l("Save and ask the author to approve"))


def _bilingual(label_nl: str, label_en: str, max_length: int = 5000) -> tuple[TextAreaField, TextAreaField]:
    validators = [Optional(), Length(max=max_length, message=TOO_LONG), multi_line]
    return (TextAreaField(label_nl, filters=[strip], validators=validators),
            TextAreaField(label_en, filters=[strip], validators=list(validators)))


class SettingsForm(Form):
    enabled = BooleanField(_l("Take stories and support requests for this campaign"))
    support_days = IntegerField(
        _l("Working days within which the team contacts someone who asks for support"),
        validators=[DataRequired(_l("Please fill this in.")), NumberRange(*SUPPORT_DAYS, message=_l("A number from %(min)s to %(max)s."))],
        default=2,
    )
    retention_days = IntegerField(
        _l("Days after the campaign closes before every story and contact detail is deleted"),
        validators=[DataRequired(_l("Please fill this in.")), NumberRange(*RETENTION_DAYS, message=_l("A number from %(min)s to %(max)s."))],
        default=183,
    )
    contact_by_nl, contact_by_en = _bilingual(_l("Who will contact people who ask for support (Dutch)"), _l("Who will contact people who ask for support (English)"))
    confidentiality_nl, confidentiality_en = _bilingual(_l("The limits of confidentiality (Dutch)"), _l("The limits of confidentiality (English)"))
    help_nl, help_en = _bilingual(_l("Where to get help (Dutch, optional: empty shows the default for the Netherlands)"), _l("Where to get help (English, optional)"))
    report_nl, report_en = _bilingual(_l("Where to report (Dutch, optional: empty shows the default)"), _l("Where to report (English, optional)"))
    submit = SubmitField(_l("Save settings"))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None=None) -> bool:
        valid = super().validate(extra_validators)
        if self.enabled.data:
            for field in (self.contact_by_nl, self.contact_by_en, self.confidentiality_nl, self.confidentiality_en):
                if not field.data:
                    field.errors.append(_l("Needed when stories are switched on."))
                    valid = False
        return valid

    def to_data(self) -> dict[str, object]:
        return {name: getattr(self, name).data for name in (
            "enabled", "support_days", "retention_days", "contact_by_nl", "contact_by_en", "confidentiality_nl",
            "confidentiality_en", "help_nl", "help_en", "report_nl", "report_en",
        )}


class TeamForm(Form):
    members = MultiCheckboxField(_l("On the story and support team"), coerce=str)
    submit = SubmitField(_l("Save the team"))


class AcceptForm(Form):
    accept = BooleanField(_l("I have read the confidentiality statement and will keep to it"),
                          validators=[DataRequired(_l("Tick this to join the team."))])
    submit = SubmitField(_l("Join the team"))
