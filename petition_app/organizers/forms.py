from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..formfields import EMAIL_MAX, TOO_LONG, ButtonForm, deliverable_email, multi_line, plain_text, single_line
from ..formfields import strip as _strip
from ..rules import validate_goals

MAX = TOO_LONG


def bilingual(label_nl, label_en, max_length, area=False, required=True):
    field = TextAreaField if area else StringField
    validators = [DataRequired(_l("Please fill this in.")) if required else Optional(), Length(max=max_length, message=MAX), multi_line if area else single_line]
    return field(label_nl, filters=[_strip], validators=validators), field(label_en, filters=[_strip], validators=list(validators))


def goals_list(form, field):
    try:
        numbers = [int(part.strip().replace(".", "").replace(",", "")) for part in (field.data or "").split() if part.strip()]
        field.goals = validate_goals(numbers)
    except ValueError as exc:
        raise ValidationError(_l("Write the goals as whole numbers from small to large, e.g. 1500 2000.")) from exc


class CampaignForm(FlaskForm):
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
        validators=[DataRequired(_l("Please fill this in.")), Length(max=200, message=MAX), plain_text],
    )
    submit = SubmitField(_l("Save draft"))


def language_choices():
    return [SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))]


class RecipientForm(FlaskForm):
    name = StringField(_l("Recipient (e.g. Leiden University)"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), Length(max=200, message=MAX), plain_text])
    email = EmailField(_l("Recipient's email address (never shown publicly)"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), Length(max=EMAIL_MAX, message=MAX), single_line, deliverable_email])
    language = SelectField(_l("Main language of the letter"), choices=language_choices())
    submit = SubmitField(_l("Save recipient"))


class DemandForm(FlaskForm):
    text_nl, text_en = bilingual(_l("Demand (Dutch)"), _l("Demand (English)"), 2000, area=True)
    submit = SubmitField(_l("Save demand"))


class UpdateForm(FlaskForm):
    body_nl, body_en = bilingual(_l("Update (Dutch)"), _l("Update (English)"), 5000, area=True)
    submit = SubmitField(_l("Send to signers who asked for updates"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address of the co-organizer"), filters=[_strip], validators=[DataRequired(_l("Please fill this in.")), Length(max=EMAIL_MAX, message=MAX), single_line, deliverable_email])
    submit = SubmitField(_l("Send invitation"))


__all__ = ["ButtonForm", "CampaignForm", "DemandForm", "InviteForm", "RecipientForm", "UpdateForm"]


