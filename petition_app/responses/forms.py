from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from ..campaigns.models import Demand
from ..formfields import Form
from ..rules import invisible

ANSWER_TEXT_MAX = 5000


def visible_text(form: FlaskForm, field: Field) -> None:
    if any(invisible(ch) and ch not in "\t\r\n" for ch in field.data or ""):
        raise ValidationError(_l("This contains invisible characters; please type it again."))


def status_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _l("No answer yet")),
        SelectChoice("accepted", _l("Accepted")),
        SelectChoice("partly", _l("Partly accepted")),
        SelectChoice("considering", _l("Under consideration")),
        SelectChoice("rejected", _l("Rejected")),
    ]


def answer_form(demands: Sequence[Demand], **kwargs: Any) -> Form:
    """A form with a status and a text for each demand addressed to this recipient, and for no other:
    whatever else is posted is simply not part of the form."""

    class AnswerForm(Form):
        # The campaign page shows each explanation with its language, so that Dutch text does not stand
        # unlabelled on the English page (and the reverse).
        language = SelectField(_l("Language of your explanations"), choices=[
            SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English")),
        ], validate_choice=False)  # anything else (or nothing) is taken as the recipient's own language
        submit = SubmitField(_l("Save answers"))

    for demand in demands:
        setattr(AnswerForm, f"status_{demand.id}", SelectField(_l("Answer"), choices=status_choices(), validators=[Optional()]))
        setattr(AnswerForm, f"text_{demand.id}", _explanation(_l("Explanation (shown on the campaign page)")))
        # The same explanation in the other language, in the recipient's own words (issue 20): readers of
        # that language then read the recipient, not a label saying in which language it wrote.
        setattr(AnswerForm, f"translation_{demand.id}", _explanation(_l("The same explanation in the other language (optional)")))
    form = AnswerForm(**kwargs)
    form.demand_fields = [(demand, form[f"status_{demand.id}"], form[f"text_{demand.id}"]) for demand in demands]
    form.translation_fields = {demand.id: form[f"translation_{demand.id}"] for demand in demands}
    return form


def _explanation(label: Any) -> TextAreaField:
    """An optional explanation of an answer, in one language."""
    return TextAreaField(label, validators=[
        Optional(), Length(max=ANSWER_TEXT_MAX, message=_l("Please use at most %(max)d characters.")), visible_text,
    ])
