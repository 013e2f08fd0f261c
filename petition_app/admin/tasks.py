"""Mail to organizers about a moderator's decision, each organizer in their own language."""
from flask_babel import gettext

from ..accounts.mailing import mail_users
from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import job
from ..links import external_url

APPROVED = "campaign_approved"
REJECTED = "campaign_rejected"
HIDDEN = "campaign_hidden"
CORRECTION_APPROVED = "correction_approved"
CORRECTION_REJECTED = "correction_rejected"


@job("mail", retry="MAIL_RETRY_INTERVALS")
def tell_organizers(campaign_id: int, decision: str, reason: str, note: str) -> None:
    """Published, sent back (with the reason) or taken offline (with the note), or a correction
    published or sent back: the organizers hear it from us, not by surprise."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return
    if decision == APPROVED:
        mail_users(
            campaign.organizers, campaign, APPROVED, lambda title: gettext("Your campaign is live: %(title)s", title=title),
            campaign_url=external_url("signing.campaign", slug=campaign.slug),
        )
    elif decision == REJECTED:
        mail_users(
            campaign.organizers, campaign, REJECTED,
            lambda title: gettext("Your campaign needs changes: %(title)s", title=title),
            reason=reason, note=note, edit_url=external_url("organizers.edit", slug=campaign.slug),
        )
    elif decision == CORRECTION_APPROVED:
        mail_users(
            campaign.organizers, campaign, CORRECTION_APPROVED,
            lambda title: gettext("Your correction is published: %(title)s", title=title),
            campaign_url=external_url("signing.campaign", slug=campaign.slug),
        )
    elif decision == CORRECTION_REJECTED:
        mail_users(
            campaign.organizers, campaign, CORRECTION_REJECTED,
            lambda title: gettext("Your correction needs changes: %(title)s", title=title),
            reason=reason, note=note, edit_url=external_url("organizers.correct", slug=campaign.slug),
        )
    elif decision == HIDDEN:
        mail_users(
            campaign.organizers, campaign, HIDDEN,
            lambda title: gettext("Your campaign was taken offline: %(title)s", title=title), note=note,
        )
    else:
        raise ValueError(f"unknown decision {decision}")
