from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, EmailField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..formfields import EMAIL_MAX, TOO_LONG, ButtonForm, Form, deliverable_email, multi_line, no_link, plain_text, single_line
from ..formfields import strip as _strip
from ..rules import LANGUAGES, validate_goals
from ..rules.revisions import goals_fit

MAX = TOO_LONG


def bilingual(label_nl: Any, label_en: Any, max_length: int, area: bool = False, required: bool = True) -> tuple[Field, Field]:
    """A text asked in both languages: the same checks on the Dutch and the English field."""
    field = TextAreaField if area else StringField
    validators = [DataRequired(_l("Please fill this in.")) if required else Optional(), Length(max=max_length, message=MAX), multi_line if area else single_line]
    return field(label_nl, filters=[_strip], validators=validators), field(label_en, filters=[_strip], validators=list(validators))


def goals_list(form: FlaskForm, field: Field) -> None:
    """The goals as the rules take them (whole numbers, small to large), kept on the field as `goals`."""
    try:
        numbers = [int(part.strip().replace(".", "").replace(",", "")) for part in (field.data or "").split() if part.strip()]
        field.goals = validate_goals(numbers)
    except ValueError as exc:
        raise ValidationError(_l("Write the goals as whole numbers from small to large, e.g. 1500 2000.")) from exc


class CampaignForm(Form):
    title_nl, title_en = bilingual(_l("Title (Dutch)"), _l("Title (English)"), 200)
    summary_nl, summary_en = bilingual(_l("Summary (Dutch)"), _l("Summary (English)"), 1000, area=True)
    body_nl, body_en = bilingual(_l("Full text (Dutch, Markdown)"), _l("Full text (English, Markdown)"), 50000, area=True, required=False)
    goals = StringField(
        _l("Goals, from small to large (e.g. 1500 2000)"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), single_line, goals_list]
    )
    closes_on = DateField(_l("Closing date (optional)"), validators=[Optional()])
    organizer_name = StringField(
        _l("Name of your group, as signers and recipients will see it"),
        filters=[_strip],
        validators=[DataRequired(_l("Please fill this in.")), Length(max=200, message=MAX), plain_text, no_link],
    )
    submit = SubmitField(_l("Save draft"))


def language_choices() -> list[SelectChoice]:
    """The languages a recipient can be written to, in the platform's order."""
    return [SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))]


#: A recipient's texts per language, as its columns are named, and their labels in that order.
RECIPIENT_TEXTS = ("name_nl", "name_en", "salutation_nl", "salutation_en")
RECIPIENT_LABELS = (
    _l("Name in Dutch, as it reads in a sentence (e.g. de burgemeester van Utrecht)"), _l("Name in English, as it reads in a sentence (e.g. the Mayor of Utrecht)"),
    _l("Salutation in Dutch (e.g. Geachte burgemeester,)"), _l("Salutation in English (e.g. Dear Mayor,)"),
)


class RecipientForm(Form):
    name = StringField(_l("Recipient (e.g. Leiden University)"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), Length(max=200, message=MAX), plain_text])
    email = EmailField(_l("Recipient's email address (never shown publicly)"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), Length(max=EMAIL_MAX, message=MAX), single_line, deliverable_email])
    language = SelectField(_l("Main language of the letter"), choices=language_choices())
    # The name and the salutation in each language; empty ones fall back to the name above and to
    # "Geachte heer, mevrouw," / "Dear Sir or Madam,".
    name_nl, name_en = bilingual(*RECIPIENT_LABELS[:2], 200, required=False)
    salutation_nl, salutation_en = bilingual(*RECIPIENT_LABELS[2:], 200, required=False)
    submit = SubmitField(_l("Save recipient"))

    def texts(self) -> dict[str, str]:
        """The recipient's names and salutations per language, as the Recipient's columns are named."""
        return {name: getattr(self, name).data or "" for name in RECIPIENT_TEXTS}


class DemandForm(Form):
    text_nl, text_en = bilingual(_l("Demand (Dutch)"), _l("Demand (English)"), 2000, area=True)
    submit = SubmitField(_l("Save demand"))


class UpdateForm(Form):
    body_nl, body_en = bilingual(_l("Update (Dutch)"), _l("Update (English)"), 5000, area=True)
    submit = SubmitField(_l("Send to signers who asked for updates"))


class InviteForm(Form):
    email = EmailField(_l("Email address of the co-organizer"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), Length(max=EMAIL_MAX, message=MAX), single_line, deliverable_email])
    submit = SubmitField(_l("Send invitation"))


class SendLettersForm(Form):
    """The last step before the letters go: the form names the recipients the organizer saw, so a
    correction approved in between makes the page show them again instead of sending."""

    recipients_seen = HiddenField(validators=[single_line])
    submit = SubmitField(_l("Send the letters now"))


def correction_form(base: dict[str, Any], count: int, reached: list[int], **kwargs: Any) -> FlaskForm:
    """One form for a correction of a published campaign: every text in both languages, the goals, the
    closing date, and each recipient's name, address, language and demands, filled in from `base`.
    Recipients and demands can be corrected, not added or removed. New goals must lie above today's
    `count` unless already `reached`."""

    class CorrectionForm(CampaignForm):
        submit = SubmitField(_l("Submit the correction for review"))

        def validate_goals(self, field: Any) -> None:
            """A goal the count has passed without a milestone would never be announced."""
            if getattr(field, "goals", None) and not goals_fit(field.goals, count, reached):
                raise ValidationError(_l("A new goal must be above today's count of %(count)s.", count=count))

    for i, recipient in enumerate(base["recipients"]):
        setattr(CorrectionForm, f"r{i}_name", StringField(
            _l("Recipient"), filters=[_strip],
            validators=[DataRequired(_l("Please fill this in.")), Length(max=200, message=MAX), plain_text]))
        setattr(CorrectionForm, f"r{i}_email", EmailField(
            _l("Recipient's email address (never shown publicly)"), filters=[_strip],
            validators=[DataRequired(_l("Please fill this in.")), Length(max=EMAIL_MAX, message=MAX), deliverable_email]))
        setattr(CorrectionForm, f"r{i}_language", SelectField(_l("Main language of the letter"), choices=language_choices()))
        for column, field in zip(RECIPIENT_TEXTS, bilingual(*RECIPIENT_LABELS[:2], 200, required=False) + bilingual(*RECIPIENT_LABELS[2:], 200, required=False)):
            setattr(CorrectionForm, f"r{i}_{column}", field)
        for j, _demand in enumerate(recipient["demands"]):
            nl, en = bilingual(_l("Demand (Dutch)"), _l("Demand (English)"), 2000, area=True)
            setattr(CorrectionForm, f"r{i}_d{j}_nl", nl)
            setattr(CorrectionForm, f"r{i}_d{j}_en", en)

    data = {
        **{f"{field}_{lang}": base[field][lang] for field in ("title", "summary", "body") for lang in LANGUAGES},
        "organizer_name": base["organizer_name"], "goals": " ".join(str(g) for g in base["goals"]),
        "closes_on": date.fromisoformat(base["closes_on"]) if base.get("closes_on") else None,
    }
    for i, recipient in enumerate(base["recipients"]):
        data.update({f"r{i}_name": recipient["name"], f"r{i}_email": recipient["email"], f"r{i}_language": recipient["language"]})
        for column in RECIPIENT_TEXTS:
            field, lang = column.rsplit("_", 1)
            data[f"r{i}_{column}"] = (recipient.get("names" if field == "name" else field) or {}).get(lang, "")
        for j, demand in enumerate(recipient["demands"]):
            data.update({f"r{i}_d{j}_nl": demand["nl"], f"r{i}_d{j}_en": demand["en"]})
    form = CorrectionForm(data=data, **kwargs)
    form.recipient_fields = [
        (recipient, form[f"r{i}_name"], form[f"r{i}_email"], form[f"r{i}_language"],
         [(form[f"r{i}_d{j}_nl"], form[f"r{i}_d{j}_en"]) for j in range(len(recipient["demands"]))],
         [form[f"r{i}_{column}"] for column in RECIPIENT_TEXTS])
        for i, recipient in enumerate(base["recipients"])
    ]
    return form


def _from_registry(recipient: dict[str, Any]) -> dict[str, Any]:
    """What a recipient from the registry keeps through a correction: its link, and the names,
    salutations, address and language the registry gave it (the moderators change those there)."""
    if not recipient.get("organisation"):
        return {}
    return {field: recipient[field] for field in ("organisation", "name", "email", "language", "names", "salutation") if field in recipient}


def correction_content(form: FlaskForm, base: dict[str, Any]) -> dict[str, Any]:
    """The revision a filled-in correction form describes (recipients keep their keys; a recipient from
    the registry keeps its link and what the registry says of it)."""
    return {
        **{field: {lang: form[f"{field}_{lang}"].data or "" for lang in LANGUAGES} for field in ("title", "summary", "body")},
        "organizer_name": form.organizer_name.data,
        "goals": form.goals.goals,
        "closes_on": form.closes_on.data.isoformat() if form.closes_on.data else None,
        "recipients": [
            {
                "key": recipient["key"], "name": form[f"r{i}_name"].data, "email": form[f"r{i}_email"].data,
                "language": form[f"r{i}_language"].data,
                "names": {lang: form[f"r{i}_name_{lang}"].data or "" for lang in LANGUAGES},
                "salutation": {lang: form[f"r{i}_salutation_{lang}"].data or "" for lang in LANGUAGES},
                "demands": [
                    {"nl": form[f"r{i}_d{j}_nl"].data, "en": form[f"r{i}_d{j}_en"].data}
                    for j in range(len(recipient["demands"]))
                ],
            } | _from_registry(recipient)
            for i, recipient in enumerate(base["recipients"])
        ],
    }


__all__ = ["ButtonForm", "CampaignForm", "DemandForm", "InviteForm", "RecipientForm", "SendLettersForm", "UpdateForm",
           "correction_content", "correction_form"]


