from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..formfields import TOO_LONG, Form, multi_line, single_line
from ..formfields import strip as _strip
from ..rules.paper import MAX_SIGNATURES_PER_ENTRY


class WholeNumberField(IntegerField):
    """An IntegerField that says in our words (and language) when the input is no whole number."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter the number of signatures as a whole number.")) from exc


class PaperForm(Form):
    """One batch of paper signatures."""

    signatures = WholeNumberField(
        _l("Number of signatures"),
        validators=[
            InputRequired(_l("Enter the number of signatures as a whole number.")),
            NumberRange(min=1, max=MAX_SIGNATURES_PER_ENTRY, message=_l("Enter a number from 1 to %(max)s.", max=f"{MAX_SIGNATURES_PER_ENTRY:,}")),
        ],
    )
    collected_on = DateField(_l("Date collected"), validators=[InputRequired(_l("Enter the date the signatures were collected."))])
    place = StringField(
        _l("Where they were collected"), filters=[_strip],
        validators=[DataRequired(_l("Please fill this in.")), Length(max=200, message=TOO_LONG), single_line],
    )
    scan = FileField(_l("Scan or photo of the sheets (optional; PDF, PNG or JPEG; only organizers and moderators see it)"))
    submit = SubmitField(_l("Record the paper signatures"))


class VoidForm(Form):
    """A moderator voids an entry and says why; the entry stays in the log."""

    reason = TextAreaField(
        _l("Why this entry is voided"), filters=[_strip],
        validators=[DataRequired(_l("Please fill this in.")), Length(max=1000, message=TOO_LONG), multi_line],
    )
    submit = SubmitField(_l("Void this entry"))


class SettingForm(Form):
    """Whether paper signatures count toward the goals."""

    counts = RadioField(
        _l("Do paper signatures count toward the goals?"),
        choices=[SelectChoice("yes", _l("Yes, count them toward the goals")), SelectChoice("no", _l("No, show them apart only"))],
        validators=[DataRequired(_l("Choose one."))],
    )
    submit = SubmitField(_l("Save"))
