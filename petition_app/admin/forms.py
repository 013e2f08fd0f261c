"""Moderators' forms: sending a campaign back, taking it offline, invalidating signatures in bulk."""
from datetime import timezone
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..formfields import Form, multi_line, single_line
from ..rules import RejectionReason

REASON_LABELS = {
    RejectionReason.INCOMPLETE: _l("Incomplete or unclear"),
    RejectionReason.ACCUSATION: _l("Names or accuses a person"),
    RejectionReason.PERSONAL_DATA: _l("Contains personal data"),
    RejectionReason.NOT_A_CAMPAIGN: _l("Not a campaign for this platform"),
    RejectionReason.OTHER: _l("Other (explained below)"),
}


def reason_choices() -> list[SelectChoice]:
    """Every rejection reason, in the order of the enum, with its translated label."""
    return [SelectChoice(reason.value, REASON_LABELS[reason]) for reason in RejectionReason]


def revision_field() -> IntegerField:
    """The number of the revision the moderator read; a decision about any other one is refused."""
    return IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class ApproveForm(Form):
    revision = revision_field()
    submit = SubmitField(_l("Approve and publish"))


class RejectForm(Form):
    revision = revision_field()
    reason = SelectField(_l("Reason"), choices=reason_choices())
    note = TextAreaField(_l("Explanation for the organizers"), validators=[Length(max=2000), multi_line])
    submit = SubmitField(_l("Send back to the organizers"))


class HideForm(Form):
    note = TextAreaField(_l("Reason, for the organizers"), validators=[DataRequired(_l("Please fill this in.")), Length(max=2000), multi_line])
    submit = SubmitField(_l("Take offline"))


class InvalidateForm(Form):
    since = DateTimeLocalField(_l("Signed from (UTC)"), validators=[Optional()])
    until = DateTimeLocalField(_l("Signed before (UTC)"), validators=[Optional()])
    ip_hash = StringField(_l("Address hash"), filters=[lambda v: v.strip() if v else v], validators=[Optional(), Length(max=64), single_line])
    domain = StringField(_l("Mail domain"), filters=[lambda v: v.strip().lower() if v else v], validators=[Optional(), Length(max=253), single_line])
    preview = SubmitField(_l("Count the matching signatures"))
    confirm = SubmitField(_l("Invalidate them"))

    def filters(self) -> dict[str, Any]:
        """The filters as the bulk invalidation takes them (aware UTC moments, None when empty)."""
        utc = timezone.utc
        return {
            "since": self.since.data.replace(tzinfo=utc) if self.since.data else None,
            "until": self.until.data.replace(tzinfo=utc) if self.until.data else None,
            "ip_hash": self.ip_hash.data or None,
            "domain": self.domain.data or None,
        }
