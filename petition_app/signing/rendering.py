"""The campaign page, which is the sign page: used by signing's own routes and by the previews of
organizers and moderators."""
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_wtf import FlaskForm

from ..campaigns.models import Campaign, Recipient


@dataclass(frozen=True)
class AnswerSummary:
    """One line at the top of the page: a recipient answered `answered` of its `total` demands, the
    latest on `last`."""

    recipient: Recipient
    answered: int
    total: int
    last: datetime


def answer_summaries(campaign: Campaign) -> list[AnswerSummary]:
    """For each recipient that answered at least one demand, how many of how many and when (from the
    demands the page loads anyway; a preview's demands have no answers)."""
    summaries = []
    for recipient in campaign.recipients:
        answers = [answer for answer in (getattr(demand, "answer", None) for demand in recipient.demands) if answer is not None]
        if answers:
            summaries.append(AnswerSummary(recipient, len(answers), len(recipient.demands), max(a.answered_at for a in answers)))
    return summaries


def render_campaign(campaign: Campaign, form: FlaskForm, status: int = 200, notice: str | None = None) -> tuple[str, int]:
    """The campaign page with a sign form: fresh, or as the signer filled it in with its errors."""
    return render_template(
        "campaigns/show.html", campaign=campaign, form=form, notice=notice, answer_summaries=answer_summaries(campaign),
    ), status
